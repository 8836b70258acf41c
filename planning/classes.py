"""Land classification tables: codes, names and broad classes, kept as data files.

The tables live in ``planning/data/classes/`` as CSV files (sources and caveats in the
README there):

============== =========================================================================
key            table
============== =========================================================================
gb50137        GB 50137-2011 urban land classes (urban master plans): R2, M1, E12 ...
tdt1024        TD/T 1024-2010 land-use master plan classes: 11, 211, 226 ...
gbt21010       GB/T 21010-2017 land survey classes: 0101, 1103 ...
guide2023      2023 land and sea use classification guide: 0701, 1309 ...
landuse_zones  land-use zones of the land-use plan (TDYTQLXDM): 010 basic farmland ...
control_zones  construction-control zones (GZQLXDM): 010 permitted ... 040 prohibited
sandiao        third-survey working classification (TD/T 1055-2019): 0102, 05H1, 1104A ...
============== =========================================================================

Every table has the columns ``code``, ``level``, ``parent``, ``name_zh``, ``name_en``,
``broad`` (``construction``, ``agricultural``, ``unused``; ``mixed`` for a parent whose
children differ, ``sea`` for sea uses) and ``water`` (``water``, ``reservoir`` or empty),
and may have ``colour`` (the map fill, ``#rrggbb``; a class without one takes its
parent's). Codes match by longest prefix followed only by digits (``M1`` finds ``M1``;
``M4`` would find ``M``; ``ROAD`` finds nothing). A code that matches nothing is an error
listing every unknown code and the rows it occurs in; :func:`styles` (what the meeting map
draws with) uses the same matching and shows such codes as "other codes" instead. Provinces
vary: pass your own table (a DataFrame or CSV path with the same columns) wherever a
classification name is accepted, and the check and the map change alike.

Examples
--------
>>> from planning import classes
>>> classes.lookup(["R2", "E12", "M1"], "gb50137")[["code", "name_en", "broad"]]
  code              name_en         broad
0   R2  residential class 2  construction
1  E12            reservoir  agricultural
2   M1   industrial class 1  construction
>>> classes.is_construction(["211", "226", "11"], "tdt1024").tolist()
[True, True, False]
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd

from planning._core.colours import OTHER_COLOUR, OTHER_LABEL, PALETTE, is_colour
from planning._errors import InputError, Problem, UnknownCodeError
from planning._validate import Checker

log = logging.getLogger(__name__)

#: A classification: the key of a bundled table, a path to a CSV file, or a DataFrame.
Classification: TypeAlias = "str | os.PathLike[str] | pd.DataFrame"

#: Columns every classification table has.
TABLE_COLUMNS = ("code", "level", "parent", "name_zh", "name_en", "broad", "water")
#: The optional column of map fills (``#rrggbb``; empty: the parent's colour).
COLOUR_COLUMN = "colour"
#: Allowed values of the ``broad`` column.
BROAD_CLASSES = ("construction", "agricultural", "unused", "mixed", "sea")
#: Allowed values of the ``water`` column (empty for dry land).
WATER_KINDS = ("", "water", "reservoir")
#: Results of the compatibility table, from best to worst.
VERDICTS = ("conforms", "conditional", "conflict")


def _data_file(name: str) -> str:
    return str(importlib.resources.files("planning") / "data" / "classes" / name)


@functools.cache
def _index() -> pd.DataFrame:
    return pd.read_csv(_data_file("index.csv"), dtype=str, keep_default_na=False)


def available() -> pd.DataFrame:
    """Return the bundled classification tables (key, standard, titles).

    Examples
    --------
    >>> available()["key"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['gb50137', 'tdt1024', 'gbt21010', 'guide2023', 'landuse_zones', 'control_zones',
     'sandiao']
    """
    return _index()[["key", "standard", "title_zh", "title_en"]].copy()


@functools.cache
def _bundled(key: str) -> pd.DataFrame:
    row = _index().loc[_index()["key"] == key].iloc[0]
    frame = pd.read_csv(_data_file(row["file"]), dtype=str, keep_default_na=False)
    frame.attrs["key"] = key
    frame.attrs["pad"] = row["pad"]
    return _checked_table(frame, f"bundled table {row['file']}")


def table(classification: Classification) -> pd.DataFrame:
    """Return a classification table as a DataFrame (a copy; change it freely).

    Parameters
    ----------
    classification : str, path or DataFrame
        A bundled key (see :func:`available`), a CSV file, or a DataFrame with the columns
        of :data:`TABLE_COLUMNS` (extra columns are kept). A CSV or DataFrame is checked:
        codes unique and non-empty, ``broad`` and ``water`` from their vocabularies.

    Returns
    -------
    pandas.DataFrame
        One row per code, codes as text.

    Examples
    --------
    >>> t = table("control_zones")
    >>> dict(zip(t["code"], t["verdict"]))
    {'010': 'conforms', '020': 'conditional', '030': 'conflict', '040': 'conflict'}
    """
    return _resolve(classification).copy()


def _resolve(classification: Classification) -> pd.DataFrame:
    if isinstance(classification, pd.DataFrame):
        frame = classification.copy()
        frame.attrs.setdefault("key", "custom table")
        return _checked_table(frame.astype({"code": str}), "custom classification table")
    if isinstance(classification, str) and classification in set(_index()["key"]):
        return _bundled(classification)
    path = Path(classification)
    if not path.exists():
        keys = ", ".join(_index()["key"])
        msg = (f"Unknown classification {classification!r}: give one of the bundled keys "
               f"({keys}), a CSV file with the columns {', '.join(TABLE_COLUMNS)}, or a "
               "DataFrame with those columns.")
        raise InputError(msg)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.attrs["key"] = path.name
    return _checked_table(frame, str(path))


def _checked_table(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    checker = Checker()
    for column in TABLE_COLUMNS:
        if column not in frame.columns:
            checker.add(Problem(source, "column is missing from the classification table",
                                column=column))
    checker.raise_if_any("The classification table cannot be used.")
    frame = frame.copy()
    for column in ("code", "broad", "water"):
        frame[column] = frame[column].fillna("").astype(str).str.strip()
    frame["code"] = frame["code"].str.upper()
    for row, code in enumerate(frame["code"]):
        if not code:
            checker.add(Problem(source, "code is empty", row=row, column="code"))
    for code in frame.loc[frame["code"].duplicated() & (frame["code"] != ""), "code"]:
        checker.add(Problem(source, "code occurs more than once", column="code", value=code))
    for column, allowed in (("broad", BROAD_CLASSES), ("water", WATER_KINDS)):
        bad = ~frame[column].isin(allowed)
        for pos in np.flatnonzero(bad.to_numpy()):
            checker.add(Problem(source, f"value not one of {', '.join(map(repr, allowed))}",
                                row=int(pos), column=column, value=str(frame[column].iloc[pos])))
    if COLOUR_COLUMN in frame.columns:
        colour = frame[COLOUR_COLUMN].fillna("").astype(str).str.strip().str.lower()
        for pos in np.flatnonzero(((colour != "") & ~colour.map(is_colour)).to_numpy()):
            checker.add(Problem(source, "colour is written #rrggbb (e.g. #ffff4d) or left empty "
                                "(the parent's colour)", row=int(pos), column=COLOUR_COLUMN,
                                value=str(frame[COLOUR_COLUMN].iloc[pos])))
        frame[COLOUR_COLUMN] = colour
    checker.raise_if_any("The classification table cannot be used.")
    return frame.reset_index(drop=True)


def normalize_codes(values: Iterable[object], *, pad: str = "") -> pd.Series:
    """Return codes as stripped upper-case text (``11.0`` -> ``"11"``), missing as NA.

    ``pad`` repairs leading zeros lost when codes were stored as numbers: ``"3"`` pads
    digit-only codes to three digits (``10`` -> ``"010"``), ``"even"`` pads digit-only codes
    of odd length with one zero (``101`` -> ``"0101"``).

    Examples
    --------
    >>> normalize_codes([211.0, " r2 ", None]).tolist()
    ['211', 'R2', <NA>]
    >>> normalize_codes([10, "020"], pad="3").tolist()
    ['010', '020']
    """
    series = pd.Series(list(values), dtype=object)
    text = series.map(_code_text).astype("string")
    digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
    if pad.isdigit():
        text = text.where(~digits, text.str.zfill(int(pad)))
    elif pad == "even":
        odd = digits & (text.str.len() % 2 == 1).fillna(False).astype(bool)
        text = text.where(~odd, "0" + text)
    return text


def _code_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return pd.NA
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip().upper()
    return text if text else pd.NA


def match_codes(
    values: Iterable[object],
    classification: Classification,
    *,
    source: str = "layer",
    column: str = "class_code",
) -> pd.Series:
    """Return, for each value, the table code it matches by longest prefix.

    The rest of the value after the prefix must be digits (a finer level of the same
    class): ``R23`` matches ``R2``, ``2261`` matches ``226``, but ``ROAD`` matches nothing.

    Parameters
    ----------
    values : iterable
        Codes as found in the data (text or numbers).
    classification : str, path or DataFrame
        See :func:`table`.
    source, column : str
        Where the values come from, named in the error message.

    Returns
    -------
    pandas.Series
        Matched table codes (text), in the order of ``values``.

    Raises
    ------
    UnknownCodeError
        When values are missing or match no code; the error lists each unknown value with
        the rows it occurs in.

    Examples
    --------
    >>> match_codes(["M1", "M4", "R22"], "gb50137").tolist()
    ['M1', 'M', 'R22']
    >>> try:
    ...     match_codes(["R2", "ROAD"], "gb50137", source="projects", column="land_class")
    ... except UnknownCodeError as err:
    ...     print(err.problems[0])
    projects, column 'land_class': code not in gb50137 (rows 1; 1 row(s)) (value: 'ROAD')
    """
    frame = _resolve(classification)
    codes, result = _matched(values, frame)
    unknown = result.isna().to_numpy()
    if unknown.any():
        _raise_unknown(codes, unknown, frame, source, column)
    return result.astype(str)


def _matched(values: Iterable[object], frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The normalised codes, and the table code each matches (None where none matches)."""
    codes = normalize_codes(values, pad=str(frame.attrs.get("pad", "")))
    known = set(frame["code"])
    longest = int(max((len(c) for c in known), default=0))
    matched: dict[str, str | None] = {}
    for code in codes.dropna().unique():
        matched[code] = next(
            (code[:n] for n in range(min(len(code), longest), 0, -1)
             if code[:n] in known and (n == len(code) or code[n:].isdigit())),
            None,
        )
    return codes, codes.map(lambda c: matched.get(c) if isinstance(c, str) else None)


def _raise_unknown(
    codes: pd.Series, unknown: np.ndarray, frame: pd.DataFrame, source: str, column: str
) -> None:
    key = frame.attrs.get("key", "the table")
    problems: list[Problem] = []
    bad = codes[unknown].fillna("<missing>")
    for value, rows in bad.groupby(bad, sort=True).groups.items():
        positions = [int(r) for r in rows]
        shown = ", ".join(map(str, positions[:20])) + (" ..." if len(positions) > 20 else "")
        problems.append(Problem(
            source, f"code not in {key} (rows {shown}; {len(positions)} row(s))",
            column=column, value=str(value),
        ))
    msg = (f"{len(problems)} unknown code(s) in {source}.{column} for classification {key}. "
           "Correct the codes, or pass your own table (classification=DataFrame or CSV "
           "path) if your province uses other codes.")
    raise UnknownCodeError(msg, problems)


def lookup(
    values: Iterable[object],
    classification: Classification,
    *,
    source: str = "layer",
    column: str = "class_code",
) -> pd.DataFrame:
    """Return the table row matched by each value (longest prefix), one row per value.

    Examples
    --------
    >>> rows = lookup(["226", "2121"], "tdt1024")
    >>> rows[["value", "code", "broad", "water"]].values.tolist()
    [['226', '226', 'construction', 'reservoir'], ['2121', '212', 'construction', '']]
    """
    frame = _resolve(classification)
    matched = match_codes(values, frame, source=source, column=column)
    rows = frame.set_index("code").loc[matched.to_numpy()].reset_index()
    rows.insert(0, "value", normalize_codes(values, pad=str(frame.attrs.get("pad", ""))))
    return rows


def broad_class(
    values: Iterable[object], classification: Classification, **where: str
) -> pd.Series:
    """Return the broad class of each value (construction, agricultural, unused, ...).

    Examples
    --------
    >>> broad_class(["0702", "1103", "1101"], "gbt21010").tolist()
    ['construction', 'agricultural', 'unused']
    """
    return lookup(values, classification, **where)["broad"]


def is_construction(
    values: Iterable[object], classification: Classification, **where: str
) -> pd.Series:
    """Return True where a code is construction land.

    Raises :class:`~planning._errors.UnknownCodeError` for unknown codes, and for codes
    whose broad class is ``mixed`` (a parent like GB/T 21010 ``11`` whose children differ):
    such codes are too coarse to tell.

    Examples
    --------
    >>> is_construction(["R2", "E2", "H14", "E12"], "gb50137").tolist()
    [True, False, True, False]
    """
    rows = lookup(values, classification, **where)
    mixed = (rows["broad"] == "mixed").to_numpy()
    if mixed.any():
        source = where.get("source", "layer")
        column = where.get("column", "class_code")
        problems = [
            Problem(source, "code is a parent class whose children differ in construction "
                    "status; use a code of the next level", column=column, value=str(v))
            for v in sorted(set(rows.loc[mixed, "value"].astype(str)))
        ]
        msg = f"{len(problems)} code(s) in {source}.{column} are too coarse to classify."
        raise UnknownCodeError(msg, problems)
    return (rows["broad"] == "construction").rename("construction")


@functools.cache
def compatibility() -> pd.DataFrame:
    """Return the compatibility table of project uses and zoned urban-plan classes.

    Columns ``project_class``, ``zoned_class`` (GB 50137 prefixes), ``result``
    (``conforms`` or ``conditional``), ``note_zh``, ``note_en``. A pair that matches no
    row is a conflict. See :func:`compatible`.

    Examples
    --------
    >>> m = compatibility().query("project_class == 'M'")
    >>> dict(zip(m["zoned_class"], m["result"]))
    {'M': 'conforms', 'W': 'conditional'}
    """
    return pd.read_csv(_data_file("compatibility.csv"), dtype=str, keep_default_na=False)


def compatible(project_class: str, zoned_class: str) -> tuple[str, str]:
    """Return ``(result, note_en)`` for a project's intended use on a zoned class.

    The row used is the one whose ``project_class`` and then ``zoned_class`` are the
    longest prefixes of the two codes. No matching row means ``"conflict"``.

    Examples
    --------
    >>> compatible("M1", "M2")
    ('conforms', 'industrial project on industrial land')
    >>> compatible("R2", "M1")[0]
    'conflict'
    """
    return _compatible_cached(_code_text(project_class), _code_text(zoned_class))


@functools.cache
def _compatible_cached(project_class: object, zoned_class: object) -> tuple[str, str]:
    if not isinstance(project_class, str) or not isinstance(zoned_class, str):
        return "conflict", "class missing"
    table_ = compatibility()
    best: tuple[int, int] | None = None
    result = ("conflict", "use not compatible with the zoned class")
    rows = zip(table_["project_class"], table_["zoned_class"], table_["result"],
               table_["note_en"], strict=True)
    for p_class, z_class, verdict, note in rows:
        if project_class.startswith(str(p_class)) and zoned_class.startswith(str(z_class)):
            rank = (len(str(p_class)), len(str(z_class)))
            if best is None or rank > best:
                best, result = rank, (str(verdict), str(note))
    return result


def names(codes: Sequence[str], classification: Classification) -> list[str]:
    """Return ``"code name_zh"`` labels for table codes (as used in reports).

    Examples
    --------
    >>> names(["E12", "R2"], "gb50137")
    ['E12 水库', 'R2 二类居住用地']
    """
    frame = _resolve(classification).set_index("code")
    labels = frame["name_zh"].astype(str).to_dict()
    return [f"{c} {labels[c]}" if c in labels else str(c) for c in codes]


def colours(classification: Classification) -> pd.Series:
    """Return the map fill of every class of a table (index: the codes).

    A class with a ``colour`` takes it; a class without one takes its parent's (up to the
    first ancestor that has one, not above a first-level class). Classes of a first-level
    class none of whose line has a colour (every class of a table without a ``colour``
    column) take one palette colour per first-level class, in the order of the table, so
    that children look like their parent.

    Examples
    --------
    >>> fills = colours("gb50137")
    >>> fills["R"], fills["R22"], fills["E12"]
    ('#ffff4d', '#ffff4d', '#99ddff')
    """
    frame = _resolve(classification)
    codes = frame["code"].tolist()
    own = dict(zip(codes, frame[COLOUR_COLUMN] if COLOUR_COLUMN in frame.columns
                   else [""] * len(codes), strict=True))
    first = frame["level"].fillna("").astype(str).str.strip() == "1"
    parents = dict(zip(codes, frame["parent"].fillna("").astype(str).str.strip().str.upper()
                       .where(~first, ""), strict=True))
    found: dict[str, str] = {}
    tops: dict[str, str] = {}
    for code in codes:
        line = [code]
        while not own[line[-1]] and parents[line[-1]] in own and parents[line[-1]] not in line:
            line.append(parents[line[-1]])
        if own[line[-1]]:
            found[code] = own[line[-1]]
        else:
            tops[code] = line[-1]
    order = list(dict.fromkeys(tops.values()))
    for code, top in tops.items():
        found[code] = PALETTE[order.index(top) % len(PALETTE)]
    return pd.Series([found[c] for c in codes], index=pd.Index(codes, name="code"),
                     name=COLOUR_COLUMN)


def styles(values: Iterable[object], classification: Classification) -> pd.DataFrame:
    """Return the class, label and map fill of each value, as the meeting map draws them.

    Values are matched as :func:`match_codes` matches them (longest table code followed only
    by digits). A value that matches no class (or is missing) is not an error here: it gets
    the "other codes" grey, which is how the map shows codes the check refuses.

    Parameters
    ----------
    values : iterable
        Codes as found in the data (text or numbers).
    classification : str, path or DataFrame
        See :func:`table`; its ``colour`` column (see :func:`colours`) gives the fills.

    Returns
    -------
    pandas.DataFrame
        One row per value, in order: ``value`` (the normalised code), ``code`` (the matched
        table code, NA when none), ``name_zh``, ``name_en``, ``label`` (``"R2 二类居住用地
        residential class 2"``; :data:`planning._core.colours.OTHER_LABEL` when unmatched) and
        ``colour`` (``#rrggbb``).

    Examples
    --------
    >>> styles(["R22", "M4", "ROAD"], "gb50137")[["code", "label", "colour"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['R22', 'R22 二类服务设施用地 residential services class 2', '#ffff4d'],
     ['M', 'M 工业用地 industrial', '#a0785a'],
     [<NA>, '其他代码 other codes', '#cccccc']]
    """
    frame = _resolve(classification)
    # a layer has many features and few distinct codes: match each distinct value once
    inverse, uniques = pd.factorize(pd.Series(list(values), dtype=object),
                                    use_na_sentinel=False)
    codes, matched = _matched(uniques, frame)
    info = frame.set_index("code")[["name_zh", "name_en"]].astype(str)
    info["label"] = [" ".join(part for part in (code, zh.strip(), en.strip()) if part)
                     for code, zh, en in zip(info.index, info["name_zh"], info["name_en"],
                                             strict=True)]
    info[COLOUR_COLUMN] = colours(frame)
    keys = matched.astype("string")
    rows = info.reindex(keys.fillna("").to_numpy())
    out = pd.DataFrame({"value": codes.reset_index(drop=True),
                        "code": keys.reset_index(drop=True)})
    for column in ("name_zh", "name_en", "label", COLOUR_COLUMN):
        out[column] = rows[column].to_numpy()
    unmatched = out["code"].isna().to_numpy()
    out.loc[unmatched, "label"] = OTHER_LABEL
    out.loc[unmatched, COLOUR_COLUMN] = OTHER_COLOUR
    return out.iloc[inverse].reset_index(drop=True)
