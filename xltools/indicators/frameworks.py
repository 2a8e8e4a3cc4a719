"""Which indicator framework (指标体系) a table is checked against, and which one the table itself follows.

- `applicable(family, year)`: the framework a template family uses for a budget year — the family's own choice
  ([[framework_by_family]] in xltools/families/frameworks.toml, or in a bureau's frameworks.toml in the folder
  named by XLTOOLS_FAMILIES, whose entries win), else the year's default ([[framework_by_year]]).
- `judge(pairs, fw)`: what a table's own 一级/二级 show. Rows whose pair only another recognised framework has are
  evidence for it (成本指标 under 产出指标: the older framework; 成本指标 as a 一级: 财预〔2021〕101号); rows whose
  pair only `fw` has are evidence against it. A table with evidence for another framework and none against it
  follows that framework consistently and is checked against it; with both it mixes them and is checked against
  `fw`; with neither (no 成本指标 at all, as in seed 003) it is checked against `fw`.

Pure: reads the declaration files only.
"""
from __future__ import annotations

import os
from functools import lru_cache

from xltools.families import Framework, framework_for_year
from xltools.record import record

__all__ = ["Judgement", "applicable", "framework", "judge", "native", "recognised"]


def _data() -> dict:
    from xltools.families import _frameworks_data   # xltools.families has no public view of the whole file

    return _frameworks_data()


@lru_cache(maxsize=None)
def framework(key: str) -> Framework:
    """The framework of a key of frameworks.toml ([frameworks."2019"] …)."""
    from xltools.errors import BadDeclaration

    fw = _data()["frameworks"].get(key)
    if fw is None:
        names = "、".join(_data()["frameworks"])
        raise BadDeclaration(f"指标体系声明 frameworks.toml 中没有名为“{key}”的指标体系。可选：{names}。")
    return Framework(key, fw["title"], {k: tuple(v) for k, v in fw["levels"].items()},
                     tuple(fw["required_level1"]), tuple(fw["required_level2"]))


@lru_cache(maxsize=1)
def recognised() -> tuple[Framework, ...]:
    """Every framework of frameworks.toml, in the file's order."""
    return tuple(framework(k) for k in _data()["frameworks"])


@lru_cache(maxsize=8)
def _bureau_entries(folder: str) -> tuple[dict, ...]:
    """[[framework_by_family]] of a bureau's frameworks.toml (none when the folder has no such file)."""
    from xltools.datafiles import load_toml
    from xltools.errors import BadDeclaration

    path = os.path.join(folder, "frameworks.toml")
    if not os.path.isfile(path):
        return ()
    try:
        entries = tuple(load_toml(path).get("framework_by_family", ()))
        for e in entries:
            str(e["family"]), int(e["from"]), str(e["framework"])
    except (ValueError, KeyError, TypeError) as e:   # tomllib.TOMLDecodeError is a ValueError
        raise BadDeclaration(f"指标体系声明文件 {path} 格式有误：{e}", path=path) from None
    return entries


def _family_entries(family: str) -> list[dict]:
    entries = list(_data().get("framework_by_family", ()))
    folder = os.environ.get("XLTOOLS_FAMILIES")
    if folder:
        entries += _bureau_entries(folder)     # after the bundled ones: a bureau's entry wins
    return [e for e in entries if e.get("family") == family]


def applicable(family: str, year: int | None) -> Framework:
    """The framework `family` uses for budget `year`: the family's own choice for that year, else the year's."""
    key = None
    if year is not None:
        best = None
        for e in _family_entries(family):
            if year >= int(e["from"]) and (best is None or int(e["from"]) >= best):
                best, key = int(e["from"]), str(e["framework"])
    return framework(key) if key is not None else framework_for_year(year)


@lru_cache(maxsize=1)
def _known_level_names() -> frozenset[str]:
    return frozenset(n for f in recognised() for l1, l2s in f.levels.items() for n in (l1, *l2s))


def native(fw: Framework, level1: str, level2: str) -> bool:
    """Whether a row's 一级/二级 is one `fw` has. A 二级 left empty, or one no framework knows (a local name such
    as 服务指标), says nothing about the framework and is taken as fitting."""
    below = fw.levels.get(level1)
    if below is None:
        return False
    return not level2 or level2 in below or level2 not in _known_level_names()


@record
class Judgement:
    """How one table is checked. `framework` is the one it is checked against; `follows` is True when that is
    another framework than the applicable one, which the table follows consistently (`evidence`: the indices of
    its rows only that framework has). `mixed_with` is the other framework a table also uses rows of (`evidence`:
    those rows; `against`: rows only the applicable framework has)."""

    framework: Framework
    applicable: Framework
    follows: bool = False
    mixed_with: Framework | None = None
    evidence: tuple[int, ...] = ()
    against: tuple[int, ...] = ()


def _evidence(pairs: list[tuple[str, str]], for_: Framework, other: Framework) -> tuple[int, ...]:
    return tuple(i for i, (l1, l2) in enumerate(pairs) if native(for_, l1, l2) and not native(other, l1, l2))


def judge(pairs: list[tuple[str, str]], fw: Framework) -> Judgement:
    """Which framework a table with these (一级, 二级) rows (canonical names) is checked against; `fw` is the
    applicable one."""
    mixed: Judgement | None = None
    for other in recognised():
        if other.key == fw.key:
            continue
        ev = _evidence(pairs, other, fw)
        if not ev:
            continue
        against = _evidence(pairs, fw, other)
        if not against:
            return Judgement(other, fw, follows=True, evidence=ev)
        if mixed is None:
            mixed = Judgement(fw, fw, mixed_with=other, evidence=ev, against=against)
    return mixed or Judgement(fw, fw)
