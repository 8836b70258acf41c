"""The tables of the territorial review, kept as data (``planning/data/territorial/``).

Private to :mod:`planning.conformity`. A bureau edits the CSV files (or passes its own frames)
to change what the review allows; sources and caveats are in the README there.
"""

from __future__ import annotations

import functools
import importlib.resources

import pandas as pd

from planning import classes
from planning._errors import Problem, UnknownCodeError

#: The review's verdicts, best first (as in the two-plans check).
RESULTS = ("conforms", "conditional", "conflict")


def data_path(name: str) -> str:
    """The path of a bundled territorial table (``planning/data/territorial/<name>``)."""
    return str(importlib.resources.files("planning") / "data" / "territorial" / name)


@functools.cache
def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(data_path(name), dtype=str, keep_default_na=False)


def table(name: str) -> pd.DataFrame:
    """A bundled territorial table by file name (a copy)."""
    return _table(name).copy()


@functools.cache
def planning_zones() -> pd.DataFrame:
    """The planning-zone classification (GHFQDM), checked as a classification table."""
    frame = classes.table(data_path("planning_zones.csv"))
    frame.attrs["key"] = "planning_zones"
    return frame


def _prefix_rank(value: str, prefix: str) -> int:
    """Length of ``prefix`` when it is a prefix of ``value`` (empty matches all), else -1."""
    return len(prefix) if value.startswith(prefix) else -1


@functools.cache
def rule(name: str, first: str, second: str) -> tuple[str, str, str]:
    """The row of a two-key prefix table that fits ``(first, second)`` best.

    The table's first two columns are prefixes (an empty key matches every value; a row
    with both empty is the table's default); the row whose first key and then second key
    are the longest prefixes wins. Returns ``(result, note_zh, note_en)``; no row means
    ``conflict``.
    """
    frame = _table(name)
    key_a, key_b = frame.columns[0], frame.columns[1]
    best: tuple[int, int] | None = None
    found = ("conflict", "用途不符合规划", "use not allowed by the plan")
    for a, b, result, note_zh, note_en in zip(frame[key_a], frame[key_b], frame["result"],
                                             frame["note_zh"], frame["note_en"], strict=True):
        rank = (_prefix_rank(first, a), _prefix_rank(second, b))
        if min(rank) < 0:
            continue
        if best is None or rank > best:
            best, found = rank, (result, note_zh, note_en)
    return found


def zone_use(zone_code: str, use: str) -> tuple[str, str, str]:
    """What a planning zone allows: ``(result, note_zh, note_en)`` for a use (2023 guide).

    Examples
    --------
    >>> zone_use("0502", "0703")[0], zone_use("0401", "0701")[0], zone_use("03", "1207")[0]
    ('conflict', 'conforms', 'conditional')
    """
    return rule("zone_uses.csv", zone_code, use)


def landsea_compatible(project_class: str, zoned_class: str) -> tuple[str, str, str]:
    """A project use on a zoned land/sea use class (both 2023 guide codes).

    Examples
    --------
    >>> landsea_compatible("0701", "0702")[0], landsea_compatible("0701", "1001")[0]
    ('conforms', 'conflict')
    """
    return rule("landsea_compatibility.csv", project_class, zoned_class)


def project_uses(land_class: pd.Series, *, source: str = "projects") -> pd.DataFrame:
    """Each project's use in the 2023 guide's codes and whether it is urban construction
    (which belongs inside the development boundary), from its GB 50137 ``land_class``
    through ``project_uses.csv`` (longest prefix).

    Raises
    ------
    UnknownCodeError
        For classes the crosswalk does not have (each listed with its rows).
    """
    cross = _table("project_uses.csv")
    codes = classes.normalize_codes(land_class)
    known = list(zip(cross["gb50137"], cross["guide2023"], cross["urban"], strict=True))
    uses, urban, problems = [], [], []
    for row, code in enumerate(codes):
        text = code if isinstance(code, str) else ""
        hits = [(len(g), u, y) for g, u, y in known if text.startswith(g)
                and (len(g) == len(text) or text[len(g):].isdigit())]
        if not hits:
            problems.append(Problem(source, "land class has no 2023-guide use in "
                                    "planning/data/territorial/project_uses.csv", row=row,
                                    column="land_class", value=text or "<missing>"))
            uses.append("")
            urban.append(False)
            continue
        _, use, is_urban = max(hits)
        uses.append(use)
        urban.append(is_urban == "yes")
    if problems:
        msg = (f"{len(problems)} project land class(es) cannot be put in the 2023 guide's "
               "classes. Add them to project_uses.csv, or give the projects a landsea_class "
               "column (2023 guide codes).")
        raise UnknownCodeError(msg, problems)
    return pd.DataFrame({"use": uses, "urban": urban}, index=land_class.index)
