"""A one-line progress bar on stderr, shown only when stderr is a terminal (quiet in pipes, logs and tests)."""
from __future__ import annotations

import shutil
import sys
import time
import unicodedata


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _clip(s: str, width: int) -> str:
    out, w = "", 0
    for ch in s:
        cw = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if w + cw > width:
            return out + "…"
        out += ch
        w += cw
    return out


class Progress:
    def __init__(self, total: int, label: str = "", stream=None, enabled: bool | None = None) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        if enabled is None:
            try:
                enabled = self.stream.isatty()
            except (AttributeError, ValueError):
                enabled = False
        self.tty = bool(enabled)
        self.done = 0
        self.t0 = time.monotonic()
        self._last = 0.0

    @property
    def enabled(self) -> bool:
        return self.tty and self.total > 0

    def update(self, name: str = "", n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        cols = shutil.get_terminal_size((80, 20)).columns
        frac = self.done / self.total if self.total else 1.0
        elapsed = now - self.t0
        eta = (elapsed / self.done * (self.total - self.done)) if self.done else 0
        head = f"{self.label} " if self.label else ""
        tail = f" {self.done}/{self.total} 剩余约 {eta:.0f} 秒 "
        bar_w = max(10, min(30, cols - _width(head) - _width(tail) - 22))
        fill = int(bar_w * frac)
        bar = "█" * fill + "░" * (bar_w - fill)
        line = f"{head}{bar}{tail}"
        room = cols - _width(line) - 1
        if room > 4 and name:
            line += _clip(name, room)
        self.stream.write("\r" + line + " " * max(0, cols - 1 - _width(line)))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            cols = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r" + " " * (cols - 1) + "\r")
            self.stream.flush()
