"""Run one function over many files in worker processes that a hostile file cannot take down.

Each worker is a child process with its own pipe; the parent hands it one file at a time and waits on the
pipes and on the processes themselves, so that it always knows which file a worker was busy with:

- a result (or an exception the function raised) comes back over the pipe;
- a worker that dies (the Rust reader aborting on an allocation failure, a segfault, the OOM killer) is seen
  through its sentinel: that one file gets a failure, the worker is replaced, the other files go on;
- a worker that runs past the per-file timeout is killed and replaced the same way;
- each worker lowers its own address-space limit (RLIMIT_AS, 2 GiB by default) before it reads anything, so
  a file that inflates to gigabytes fails inside its worker instead of taking the machine's memory;
- a worker is retired after `max_tasks` files (like maxtasksperchild), so that nothing a reader leaks
  accumulates over a batch of hundreds.

Results are yielded as they arrive (unordered) and nothing is kept here once yielded, so the parent's memory
does not grow with the number of files. On Linux workers are forked from a parent that has already imported
and warmed the pipeline (see `warm`), so a new worker costs milliseconds; elsewhere they are spawned.
`resource` does not exist on Windows: there the memory limit is not applied (the timeout still is).
"""
from __future__ import annotations

import os
import pickle
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

DEFAULT_MEMORY_MB = 2048
DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_TASKS = 200


@dataclass
class Outcome:
    """What became of one item: `value` when ok, else `kind` (crash | timeout | memory | exception) and a
    Chinese `reason`."""

    index: int
    item: object
    ok: bool
    value: object = None
    kind: str = ""
    reason: str = ""
    seconds: float = 0.0


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def limit_memory(memory_mb: int | None) -> bool:
    """Lower this process's address-space limit to memory_mb (never raise it). False where unsupported."""
    if not memory_mb:
        return False
    try:
        import resource
    except ImportError:          # Windows
        return False
    want = int(memory_mb) * 1024 * 1024
    # a forked worker starts with its parent's address space: the limit is never set below that plus room to work
    want = max(want, _vm_size() + 256 * 1024 * 1024)
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if soft != resource.RLIM_INFINITY and soft <= want:
            return True
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
        return True
    except (ValueError, OSError):
        return False


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _child(conn, fn: Callable, memory_mb: int | None, max_tasks: int) -> None:
    """The worker loop: receive (index, item), send (index, ok, value, kind, reason, seconds)."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl+C is the parent's to handle
    except (ValueError, OSError, AttributeError):
        pass
    limit_memory(memory_mb)
    if not os.environ.get("XLTOOLS_DEBUG"):
        # what a dying reader prints (a Rust allocation failure prints a backtrace) is not for the user: the
        # file's row says what happened. XLTOOLS_DEBUG=1 keeps the workers' stderr.
        try:
            import faulthandler

            faulthandler.disable()          # (pytest enables it, on a dup of the original stderr)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            pass
    done = 0
    try:
        while max_tasks <= 0 or done < max_tasks:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if msg is None:
                break
            index, item = msg
            t0 = time.perf_counter()
            try:
                out = (index, True, fn(item), "", "")
            except MemoryError:
                out = (index, False, None, "memory", "")
            except BaseException as e:  # noqa: BLE001 — whatever the function raises is this item's failure
                out = (index, False, None, "exception", f"{type(e).__name__}: {e}"[:500])
            out = out + (time.perf_counter() - t0,)
            try:
                conn.send(out)
            except (pickle.PicklingError, TypeError, AttributeError, MemoryError) as e:
                conn.send((index, False, None, "exception", f"结果无法传回（{type(e).__name__}）", out[-1]))
            done += 1
    finally:
        try:
            conn.close()
        except OSError:
            pass


class _Worker:
    def __init__(self, ctx, fn: Callable, memory_mb: int | None, max_tasks: int) -> None:
        parent, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_child, args=(child, fn, memory_mb, max_tasks), daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent
        self.task: tuple[int, object, float] | None = None
        self.done = 0

    def kill(self) -> None:
        try:
            self.proc.kill()
        except (OSError, AttributeError, ValueError):
            pass
        self.proc.join(5)
        self.close()

    def close(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        try:
            self.proc.close()
        except (ValueError, AttributeError):
            pass


def _context():
    import multiprocessing as mp

    if sys.platform.startswith("linux"):
        return mp.get_context("fork")
    return mp.get_context("spawn")


def _death_reason(exitcode: int | None, memory_mb: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        name = {getattr(signal, n, None): n for n in ("SIGABRT", "SIGKILL", "SIGSEGV", "SIGBUS", "SIGILL")}.get(sig)
        if name == "SIGKILL":
            return "读取时进程被系统终止（很可能是内存耗尽）"
        if name == "SIGABRT":
            limit = f"超过 {memory_mb} MB 的内存上限或" if memory_mb else ""
            return f"读取时读取程序异常中止（{limit}文件结构异常）"
        if name in ("SIGSEGV", "SIGBUS", "SIGILL"):
            return "读取时读取程序崩溃（文件结构异常）"
        return f"读取时进程被信号 {sig} 终止"
    return f"读取时进程意外退出（退出码 {exitcode}）"


def run_isolated(fn: Callable, items: Iterable, *, jobs: int | None = None, timeout: float | None = DEFAULT_TIMEOUT,
                 memory_mb: int | None = DEFAULT_MEMORY_MB, max_tasks: int = DEFAULT_MAX_TASKS) -> Iterator[Outcome]:
    """Yield an Outcome for every item, in the order they finish. `fn` must be a module-level function (it is
    pickled by reference where workers are spawned); what it returns must pickle."""
    ctx = _context()
    queue: deque[tuple[int, object]] = deque(enumerate(items))
    jobs = max(1, jobs or default_jobs())
    workers: list[_Worker] = []
    stillborn = 0                                   # workers that died before taking their first file
    try:
        while queue or any(w.task for w in workers):
            if stillborn > 10:                      # workers cannot even start: say so for every file left
                while queue:
                    index, item = queue.popleft()
                    yield Outcome(index, item, False, None, "crash", "无法启动工作进程（系统资源不足？）")
                break
            busy_n = sum(1 for w in workers if w.task)
            while len(workers) < min(jobs, busy_n + len(queue)):
                workers.append(_Worker(ctx, fn, memory_mb, max_tasks))
            for w in workers:
                if w.task is None and queue:
                    index, item = queue.popleft()
                    try:
                        w.conn.send((index, item))
                    except (BrokenPipeError, EOFError, OSError):
                        queue.appendleft((index, item))      # the worker is gone: nothing was attempted
                        w.task = (-1, None, 0.0)
                        stillborn += 1
                        continue
                    w.task = (index, item, time.monotonic())
            busy = [w for w in workers if w.task]
            waits = []
            for w in busy:
                waits += [w.conn, w.proc.sentinel]
            wait_for = None
            if timeout:
                now = time.monotonic()
                wait_for = max(0.0, min(w.task[2] + timeout for w in busy) - now) if busy else 0.0
            if busy:
                from multiprocessing.connection import wait

                wait(waits, timeout=wait_for)
            outcomes: list[Outcome] = []
            for w in list(busy):
                index, item, started = w.task
                if index < 0:                                  # a worker that died before taking a task
                    w.kill()
                    workers.remove(w)
                    continue
                got = None
                try:
                    if w.conn.poll():
                        got = w.conn.recv()
                except (EOFError, OSError, pickle.UnpicklingError, AttributeError, ImportError, MemoryError):
                    got = None
                if got is not None:
                    _, ok, value, kind, reason, secs = got
                    if kind == "memory":
                        reason = f"处理时内存超过 {memory_mb} MB 上限" if memory_mb else "处理时内存不足"
                    outcomes.append(Outcome(index, item, ok, value, kind, reason, secs))
                    w.task = None
                    w.done += 1
                    if max_tasks and w.done >= max_tasks:
                        w.proc.join(5)
                        w.kill()
                        workers.remove(w)
                    continue
                if not w.proc.is_alive():
                    w.proc.join(1)
                    code = w.proc.exitcode
                    outcomes.append(Outcome(index, item, False, None, "crash", _death_reason(code, memory_mb),
                                            time.monotonic() - started))
                    w.kill()
                    workers.remove(w)
                    continue
                if timeout and time.monotonic() - started > timeout:
                    outcomes.append(Outcome(index, item, False, None, "timeout",
                                            f"处理超过 {timeout:g} 秒仍未完成，已停止（文件可能过大或结构异常）",
                                            time.monotonic() - started))
                    w.kill()
                    workers.remove(w)
            yield from outcomes
    finally:
        for w in workers:
            try:
                if w.task is None:
                    w.conn.send(None)
            except (OSError, EOFError, ValueError):
                pass
        deadline = time.monotonic() + 2
        for w in workers:
            if w.task is None:
                w.proc.join(max(0.0, deadline - time.monotonic()))
            w.kill()
