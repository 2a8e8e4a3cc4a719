"""The classification catalogue: bundled reference lists plus the user's imported official catalogues.

Data is read on first use, once per process (`get_catalogue()`); nothing is read at import time. An edition
covers a range of years ("2021-2025"); a year no edition covers falls back to the nearest one. A catalogue the
user imported for a year (see xltools.codes.importer) replaces the bundled list of that kind for that year and
is complete, while the bundled 支出功能分类 款/项 lists are partial: a code missing from them is a warning,
never proof that the code is wrong.
"""
from __future__ import annotations

import os
from operator import attrgetter
from pathlib import Path

from xltools.codes.normalise import (
    KIND_NAMES, KINDS, infer_kind, is_wellformed, name_key, normalise_code, parent_code,
)
from xltools.datafiles import load as load_data
from xltools.datafiles import load_csv
from xltools.lazyre import lazy
from xltools.record import record

__all__ = [
    "Entry", "Catalogue", "Edition", "get_catalogue", "reload_catalogue", "user_catalogue_dir",
    "lookup", "parents", "children", "search", "entries", "is_partial", "dept_to_gov",
    "KIND_NAMES", "LEVEL_ORDER",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

LEVEL_ORDER = {"类": 0, "款": 1, "项": 2}
_KIND_ALIASES = {
    "func": "func", "function": "func", "功能": "func", "功能分类": "func", "支出功能分类": "func",
    "econ_dept": "econ_dept", "dept": "econ_dept", "部门": "econ_dept", "部门经济分类": "econ_dept",
    "部门预算支出经济分类": "econ_dept",
    "econ_gov": "econ_gov", "gov": "econ_gov", "政府": "econ_gov", "政府经济分类": "econ_gov",
    "政府预算支出经济分类": "econ_gov",
}
_LEVEL_ALIASES = {"类": "类", "款": "款", "项": "项", "lei": "类", "kuan": "款", "xiang": "项",
                  "3": "类", "5": "款", "7": "项"}

# bundled files: (file, kind, levels at which the list is known to be incomplete)
BUNDLED = (
    ("func_class_lei.csv", "func", ()),
    ("func_class_kuan_xiang_partial.csv", "func", ("款", "项")),
    ("econ_class_dept.csv", "econ_dept", ()),
    ("econ_class_gov.csv", "econ_gov", ()),
)
RENAMES_FILE = "renames.csv"
MAP_FILE = "econ_dept_to_gov_map.csv"
USER_CONFIDENCE = "official"  # rows of a catalogue the user imported as the official one of that year

_RANGE = lazy(r"(\d{4})\s*[-–—~～至到]\s*(\d{4})")
_OPEN_RANGE = lazy(r"(\d{4})\s*[-–—~～至到起]\s*(?:$|[^\d])")
_SINGLE = lazy(r"(\d{4})")
_FAR = 10**6
_SIMILAR = 0.5  # difflib ratio from which a name counts as similar
_CODE_AND_NAME = lazy(r"^(\d{3,7})(\D.*)$")


def parse_year_range(text: str) -> tuple[int, int]:
    """"2021-2025" → (2021, 2025); "2018-2025(财预〔2017〕98号体系)" → (2018, 2025); "2024" → (2024, 2024);
    "2019-" → (2019, far future); "" → every year."""
    s = (text or "").strip()
    m = _RANGE.search(s)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        return (lo, hi) if lo <= hi else (hi, lo)
    m = _OPEN_RANGE.match(s)
    if m:
        return int(m.group(1)), _FAR
    m = _SINGLE.match(s)
    if m:
        return int(m.group(1)), int(m.group(1))
    return -_FAR, _FAR


def kind_key(kind: str) -> str:
    k = _KIND_ALIASES.get(str(kind).strip().lower()) or _KIND_ALIASES.get(str(kind).strip())
    if k is None:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    return k


def level_key(level: str) -> str:
    lv = _LEVEL_ALIASES.get(str(level).strip().lower())
    if lv is None:
        raise ValueError(f"unknown level {level!r}; expected 类, 款 or 项")
    return lv


def _year(year: object) -> int | None:
    if year is None or year == "":
        return None
    if isinstance(year, bool):
        raise ValueError(f"not a year: {year!r}")
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    try:
        return int(str(year).strip())
    except ValueError:
        raise ValueError(f"not a year: {year!r}") from None


@record
class Entry:
    """One 科目. `year` is the edition the row comes from as written in the data ("2021-2025", "2026")."""

    code: str
    name: str
    kind: str  # "func" | "econ_dept" | "econ_gov"
    level: str  # "类" | "款" | "项"
    parent: str | None
    year: str
    source: str
    confidence: str  # "high" | "medium" (bundled), "official" (imported by the user)
    former_names: tuple[str, ...] = ()

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def provisional(self) -> bool:
        """Compiled from memory or a naming pattern: shown, but to be checked against the official list."""
        return self.confidence == "medium"

    def label(self) -> str:
        return f"{self.code} {self.name}"

    def to_dict(self) -> dict:
        return {
            "code": self.code, "name": self.name, "kind": self.kind, "kind_name": self.kind_name,
            "level": self.level, "parent": self.parent, "year": self.year, "source": self.source,
            "confidence": self.confidence, "former_names": list(self.former_names),
        }


@record
class Rename:
    code: str
    former_name: str
    current_name: str
    until_year: int
    source: str


class Edition:
    """The rows of one kind valid for a range of years, from one origin ("bundled" or "user")."""

    def __init__(self, kind: str, lo: int, hi: int, origin: str, rows: dict[str, Entry] | None = None,
                 partial_levels: set[str] | None = None, label: str = "") -> None:
        self.kind = kind
        self.lo = lo
        self.hi = hi
        self.origin = origin
        self.rows: dict[str, Entry] = {} if rows is None else rows
        self.partial_levels: set[str] = set() if partial_levels is None else partial_levels
        self.label = label

    def covers(self, year: int) -> bool:
        return self.lo <= year <= self.hi

    def distance(self, year: int) -> int:
        return 0 if self.covers(year) else min(abs(year - self.lo), abs(year - self.hi))

    @property
    def levels(self) -> set[str]:
        return {e.level for e in self.rows.values()}


class View:
    """The catalogue of one kind as it applies to one year: dict lookups only. The entries in code order and by
    parent are made on first use (a check looks codes up; listings and searches walk them)."""

    __slots__ = ("kind", "year", "by_code", "complete_levels", "partial_levels", "editions", "_ordered", "_kids",
                 "_keys")

    def __init__(self, kind: str, year: int | None, by_code: dict[str, Entry], partial_levels: set[str],
                 complete_levels: set[str], editions: list[Edition]) -> None:
        self.kind = kind
        self.year = year
        self.by_code = by_code
        self.partial_levels = partial_levels
        self.complete_levels = complete_levels
        self.editions = editions
        self._ordered: list[Entry] | None = None
        self._kids: dict[str, list[Entry]] | None = None
        self._keys: list[tuple[Entry, tuple[str, ...]]] | None = None

    @property
    def ordered(self) -> list[Entry]:
        """Every entry, by code."""
        if self._ordered is None:
            self._ordered = sorted(self.by_code.values(), key=attrgetter("code"))
        return self._ordered

    @property
    def kids(self) -> dict[str, list[Entry]]:
        """parent code → its entries in the view, by code."""
        if self._kids is None:
            kids: dict[str, list[Entry]] = {}
            for e in self.ordered:
                if e.parent:
                    kids.setdefault(e.parent, []).append(e)
            self._kids = kids
        return self._kids

    def name_keys(self) -> list[tuple[Entry, tuple[str, ...]]]:
        if self._keys is None:
            self._keys = [(e, tuple(name_key(n) for n in (e.name, *e.former_names))) for e in self.ordered]
        return self._keys

    def named(self, name: str) -> list[Entry]:
        """The entries called `name` (current or former name, compared as name_key), by code."""
        key = name_key(name)
        return [e for e, keys in self.name_keys() if key in keys]


def user_catalogue_dir() -> Path:
    """`$XLTOOLS_HOME/catalogues`, or `~/.xltools/catalogues`."""
    home = os.environ.get("XLTOOLS_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".xltools"
    return base / "catalogues"


def _read_csv(path: Path) -> list[dict[str, str]]:
    return load_csv(path)


def _entry_rows(path: Path) -> list[tuple[str, ...]]:
    """A bundled catalogue file as (code, name, level, parent, year, source, confidence) tuples, stripped: the
    form kept between processes (xltools.datafiles), a third of the cost of the CSV rows to load and use."""
    fields = ("code", "name", "level", "parent", "year", "source", "confidence")
    return [tuple((row.get(k) or "").strip() for k in fields) for row in load_csv(path)]


def build_data_cache(write: bool = False) -> int:
    """Write the kept form of every bundled catalogue file (`make install`); the number of files."""
    for fname, _kind, _partial in BUNDLED:
        load_data(DATA_DIR / fname, _entry_rows, write=write)
    return len(BUNDLED)


class Catalogue:
    """Bundled reference data plus the user's catalogues from `user_dir` (None: no user catalogues)."""

    def __init__(self, data_dir: Path = DATA_DIR, user_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.user_dir = Path(user_dir) if user_dir is not None else None
        self.editions: dict[str, list[Edition]] = {k: [] for k in KINDS}
        self.renames: dict[str, list[Rename]] = {}
        self._map: dict[str, dict[str, str]] | None = None
        self._views: dict[tuple[str, int | None], View] = {}
        self._bundled_read: set[str] = set()     # kinds whose bundled files are read (on first use of the kind)
        self._load_renames()
        if self.user_dir is not None:
            self._load_user()

    # -- loading ---------------------------------------------------------------------------------------
    def _editions(self, kind: str) -> list[Edition]:
        """The editions of a kind, its bundled files read on first use: a check needs two kinds of three."""
        if kind not in self._bundled_read:
            self._bundled_read.add(kind)
            self._load_bundled(kind)
        return self.editions[kind]

    def _load_bundled(self, kind: str) -> None:
        for fname, file_kind, partial in BUNDLED:
            if file_kind != kind:
                continue
            path = self.data_dir / fname
            editions: dict[str, Edition] = {}   # by the rows' year label: a handful per file
            for code, name, level, parent, label, source, confidence in load_data(path, _entry_rows):
                ed = editions.get(label)
                if ed is None:
                    ed = editions[label] = self._edition(kind, *parse_year_range(label), "bundled", label)
                    ed.partial_levels.update(partial)
                ed.rows[code] = Entry(code, name, kind, level, parent or None, label, source, confidence, ())

    def _load_renames(self) -> None:
        path = self.data_dir / RENAMES_FILE
        if path.exists():
            for row in _read_csv(path):
                r = Rename(row["code"].strip(), row["former_name"].strip(), row["current_name"].strip(),
                           int(row["until_year"]), (row.get("source") or "").strip())
                self.renames.setdefault(r.code, []).append(r)

    def _edition(self, kind: str, lo: int, hi: int, origin: str, label: str) -> Edition:
        for ed in self.editions[kind]:
            if ed.lo == lo and ed.hi == hi and ed.origin == origin:
                return ed
        ed = Edition(kind, lo, hi, origin, label=label)
        self.editions[kind].append(ed)
        return ed

    def _load_user(self) -> None:
        d = self.user_dir
        if d is None or not d.is_dir():
            return
        import csv

        from xltools.errors import BadDeclaration

        for path in sorted(d.glob("*.csv")):
            try:
                rows = _read_csv(path)
            except (OSError, UnicodeDecodeError, csv.Error) as e:
                raise BadDeclaration(f"用户目录文件 {path} 无法读取（{e}），请删除后重新导入。", path=path) from None
            for lineno, row in enumerate(rows, start=2):
                code = (row.get("code") or "").strip()
                kind = (row.get("kind") or "").strip() or infer_kind(code)
                year = _year_or_none(row.get("year"))
                if kind not in KINDS or year is None or not is_wellformed(code, kind):
                    raise BadDeclaration(
                        f"用户目录文件 {path} 第 {lineno} 行内容不正确，请删除该文件后重新导入。", path=path)
                ed = self._edition(kind, year, year, "user", str(year))
                level = (row.get("level") or "").strip() or {3: "类", 5: "款", 7: "项"}[len(code)]
                ed.rows[code] = Entry(
                    code=code, name=(row.get("name") or "").strip(), kind=kind, level=level,
                    parent=(row.get("parent") or "").strip() or parent_code(code), year=str(year),
                    source=(row.get("source") or "").strip() or f"user:{path.name}",
                    confidence=(row.get("confidence") or "").strip() or USER_CONFIDENCE,
                )

    # -- editions and views ----------------------------------------------------------------------------
    def _pick(self, kind: str, year: int | None, origin: str) -> Edition | None:
        eds = [e for e in self._editions(kind) if e.origin == origin and e.rows]
        if not eds:
            return None
        if year is None:
            return max(eds, key=lambda e: (min(e.hi, 9999), e.lo))
        return min(eds, key=lambda e: (e.distance(year), -min(e.hi, 9999)))

    def view(self, kind: str, year: object = None) -> View:
        try:
            return self._views[(kind, year)]  # fast path: canonical kind, int or None year
        except (KeyError, TypeError):
            pass
        kind = kind_key(kind)
        y = _year(year)
        key = (kind, y)
        v = self._views.get(key)
        if v is None:
            v = self._views[key] = self._build_view(kind, y)
        return v

    def _build_view(self, kind: str, year: int | None) -> View:
        bundled = self._pick(kind, year, "bundled")
        user = self._pick(kind, year, "user")
        # the user's catalogue wins when it is at least as close to the year as the bundled edition
        if user is not None and bundled is not None and year is not None:
            if user.distance(year) > bundled.distance(year):
                user = None
        if user is not None and bundled is not None and year is None:
            if min(user.hi, 9999) < min(bundled.hi, 9999):
                user = None
        by_code: dict[str, Entry] = {}
        partial: set[str] = set()
        complete: set[str] = set()
        used: list[Edition] = []
        user_levels = user.levels if user is not None else set()
        if bundled is not None:
            by_code = {code: e for code, e in bundled.rows.items() if e.level not in user_levels}
            for code in self.renames.keys() & by_code.keys():   # a value replaced keeps its place
                by_code[code] = self._renamed(by_code[code], year)
            if by_code:
                used.append(bundled)
            partial |= bundled.partial_levels - user_levels
        if user is not None:
            used.append(user)
            by_code.update(user.rows)
            complete |= user_levels
        return View(kind, year, by_code, partial, complete, used)

    def _renamed(self, e: Entry, year: int | None) -> Entry:
        rs = self.renames.get(e.code)
        if not rs or e.kind != "func":
            return e
        name, former, source = e.name, list(e.former_names), e.source
        for r in sorted(rs, key=lambda r: -r.until_year):
            if year is not None and year <= r.until_year:
                name = r.former_name  # the edition in force that year used the old name
                source = f"{e.source};{RENAMES_FILE}: name until {r.until_year} ({r.source})"
            elif r.former_name not in former and r.former_name != name:
                former.append(r.former_name)
        if name == e.name and tuple(former) == e.former_names:
            return e
        return Entry(e.code, name, e.kind, e.level, e.parent, e.year, source, e.confidence, tuple(former))

    # -- queries ---------------------------------------------------------------------------------------
    @staticmethod
    def _resolve(code: object, kind: str | None) -> tuple[str, str] | None:
        """(normalised code, kind) — the kind given, or inferred from the code — or None."""
        c = normalise_code(code)
        if not c:
            return None
        k = kind_key(kind) if kind else infer_kind(c)
        return (c, k) if k is not None else None

    def lookup(self, code: object, year: object = None, kind: str | None = None) -> Entry | None:
        ck = self._resolve(code, kind)
        return self.view(ck[1], year).by_code.get(ck[0]) if ck else None

    def parents(self, code: object, year: object = None, kind: str | None = None) -> list[Entry]:
        """The 类 (and 款) above a code, top first; levels missing from a partial list are left out."""
        ck = self._resolve(code, kind)
        if ck is None:
            return []
        c, k = ck
        by_code = self.view(k, year).by_code
        out: list[Entry] = []
        p = parent_code(c)
        while p:
            e = by_code.get(p)
            if e is not None:
                out.append(e)
            p = parent_code(p)
        out.reverse()
        return out

    def children(self, code: object, year: object = None, kind: str | None = None) -> list[Entry]:
        ck = self._resolve(code, kind)
        return list(self.view(ck[1], year).kids.get(ck[0], ())) if ck else []

    def entries(self, year: object = None, kind: str | None = None, level: str | None = None) -> list[Entry]:
        kinds = (kind_key(kind),) if kind else KINDS
        lv = level_key(level) if level else None
        out: list[Entry] = []
        for k in kinds:
            out.extend(e for e in self.view(k, year).ordered if lv is None or e.level == lv)
        return out

    def is_partial(self, kind: str, level: str, year: object = None) -> bool:
        v = self.view(kind, year)
        lv = level_key(level)
        return lv in v.partial_levels and lv not in v.complete_levels

    def search(self, text: object, year: object = None, kind: str | None = None, limit: int = 10) -> list[Entry]:
        """Ranked: exact code, code prefix, exact name, name contains text, text contains name, similar
        names (difflib). Ties keep catalogue order (kind, then code)."""
        if limit is not None and limit <= 0:
            return []
        raw = "" if text is None else str(text)
        key = name_key(raw)
        if not key:
            return []
        code = normalise_code(raw)
        digits = code if code and code.isascii() and code.isdigit() else None
        m = _CODE_AND_NAME.match(key)
        if digits is None and m:  # "2010301 行政运行" pasted from a table: the code decides
            digits, key = m.group(1), m.group(2)
        kinds = (kind_key(kind),) if kind else KINDS
        scored: list[tuple[tuple, Entry]] = []
        leftovers: list[tuple[int, int, Entry, tuple[str, ...]]] = []
        for ki, k in enumerate(kinds):
            for i, (e, keys) in enumerate(self.view(k, year).name_keys()):
                order = (ki, i)
                if digits is not None and e.code == digits:
                    scored.append(((0, 0.0, order), e))
                elif digits is not None and e.code.startswith(digits):
                    scored.append(((1, float(len(e.code)), order), e))
                elif key in keys:
                    scored.append(((2, 0.0 if keys[0] == key else 1.0, order), e))
                else:
                    best = None
                    for n in keys:
                        if key in n:  # name contains text: the closer in length, the better
                            s = (3, -len(key) / len(n))
                        elif n and n in key:  # text contains name: the longer the name, the better
                            s = (4, -len(n) / len(key))
                        else:
                            continue
                        if best is None or s < best:
                            best = s
                    if best is not None:
                        scored.append(((best[0], best[1], order), e))
                    else:
                        leftovers.append((ki, i, e, keys))
        scored.sort(key=lambda t: t[0])
        out = [e for _, e in scored]
        if limit is None or len(out) < limit:
            similar: list[tuple[tuple, Entry]] = []
            import difflib

            sm = difflib.SequenceMatcher(None, autojunk=False)
            sm.set_seq2(key)
            for ki, i, e, keys in leftovers:
                best = 0.0
                for n in keys:
                    sm.set_seq1(n)
                    if sm.real_quick_ratio() >= _SIMILAR and sm.quick_ratio() >= _SIMILAR:
                        best = max(best, sm.ratio())
                if best >= _SIMILAR:
                    similar.append(((-best, ki, i), e))
            similar.sort(key=lambda t: t[0])
            out.extend(e for _, e in similar)
        return out if limit is None else out[:limit]

    def dept_to_gov(self, code: object) -> dict[str, str] | None:
        """部门经济分类 → 政府经济分类 per the bundled 对照表: {"机关": …, "事业单位": …, "source": …}.
        A row written for a whole 类 ("309xx") answers for every 款 of it."""
        if self._map is None:
            self._map = {}
            path = self.data_dir / MAP_FILE
            if path.exists():
                for row in _read_csv(path):
                    vals = list(row.values())
                    self._map[row["dept_code"].strip()] = {
                        "机关": (vals[1] or "").strip(), "事业单位": (vals[2] or "").strip(),
                        "source": (row.get("source") or "").strip()}
        c = normalise_code(code)
        if not c:
            return None
        hit = self._map.get(c)
        if hit is None and len(c) == 5:
            hit = self._map.get(c[:3] + "xx")
        return dict(hit) if hit else None


def _year_or_none(value: object) -> int | None:
    try:
        return _year(value)
    except ValueError:
        return None


# -- the process-wide catalogue ----------------------------------------------------------------------------
_CACHE: dict[tuple[str | None, str | None], Catalogue] = {}


def get_catalogue() -> Catalogue:
    """The catalogue of this process, read on first use; re-read only when XLTOOLS_HOME changes or after
    `reload_catalogue()` (the importer calls it)."""
    key = (os.environ.get("XLTOOLS_HOME"), os.environ.get("HOME"))   # raw strings: no Path built per call
    cat = _CACHE.get(key)
    if cat is None:
        _CACHE.clear()
        cat = _CACHE[key] = Catalogue(DATA_DIR, user_catalogue_dir())
    return cat


def reload_catalogue() -> None:
    _CACHE.clear()


def lookup(code: object, year: object = None, kind: str | None = None) -> Entry | None:
    """The entry for a code (kind inferred: 2xx 功能, 3xx 部门经济, 5xx 政府经济), or None."""
    return get_catalogue().lookup(code, year, kind)


def parents(code: object, year: object = None, kind: str | None = None) -> list[Entry]:
    return get_catalogue().parents(code, year, kind)


def children(code: object, year: object = None, kind: str | None = None) -> list[Entry]:
    return get_catalogue().children(code, year, kind)


def entries(year: object = None, kind: str | None = None, level: str | None = None) -> list[Entry]:
    return get_catalogue().entries(year, kind, level)


def search(text: object, year: object = None, kind: str | None = None, limit: int = 10) -> list[Entry]:
    return get_catalogue().search(text, year, kind, limit)


def is_partial(kind: str, level: str, year: object = None) -> bool:
    """Whether the list in force for that kind/level (and year) is known to be incomplete."""
    return get_catalogue().is_partial(kind, level, year)


def dept_to_gov(code: object) -> dict[str, str] | None:
    return get_catalogue().dept_to_gov(code)
