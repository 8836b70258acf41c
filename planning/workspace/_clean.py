"""What a workspace accepts: layer, table and column names, and text every store can hold.

Private to :mod:`planning.workspace`. The rules here hold for every store; what one format
cannot hold (File Geodatabase names, a GeoPackage's reserved names, file names in a folder)
is stored under another name and restored on open (:mod:`planning.workspace._storage`).

- Layer and table names: text, not empty, without surrounding spaces, a leading dot, control
  characters or any of ``/\\:*?"<>|`` (they become file names in a folder workspace), not the
  metadata table's name (in any case), and not the name of a table when it is a layer's (or
  the reverse).
- Column names: text, not empty, without control characters, each once.
- Text values: NUL and unpaired surrogates (left by decoding with
  ``errors="surrogateescape"``) are removed, with a note: GeoPackage, File Geodatabase and
  GeoJSON would cut the text at a NUL, PostgreSQL refuses it, and a surrogate cannot be
  written as UTF-8 at all. Every other character, the other control characters included, is
  kept as it is: every store saves it and reads it back unchanged (the workbook layer removes
  what Excel cannot hold when a workbook is written, with its own note).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

import pandas as pd

from planning._errors import WorkspaceError
from planning.workspace._storage import META_TABLE

_FORBIDDEN = set('/\\:*?"<>|')
#: what no store can hold: NUL (Arrow-backed text cannot hold surrogates at all)
_UNSTORABLE = "\x00"
_UNSTORABLE_OR_SURROGATE = re.compile(r"[\x00\ud800-\udfff]")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


def check_name(name: object, *, other_kind: Collection[str] = (), kind: str = "layer") -> str:
    """``name`` when a workspace can hold it as a layer or table name, else WorkspaceError.

    ``other_kind`` holds the names of the other kind (the tables, for a layer).
    """
    if not isinstance(name, str) or not name.strip() or name != name.strip() \
            or name.startswith(".") or _FORBIDDEN & set(name) or _has_control(name) \
            or name.casefold() == META_TABLE:
        msg = (f"{name!r} cannot be a layer or table name: use a non-empty name without "
               "surrounding spaces, a leading dot, control characters or any of "
               f"{''.join(sorted(_FORBIDDEN))!r} (and not {META_TABLE!r}, in any case).")
        raise WorkspaceError(msg)
    if name in other_kind:
        other = "table" if kind == "layer" else "layer"
        msg = (f"{name!r} is already the name of a {other} of the workspace; a {kind} needs "
               f"another name (every store keeps layers and tables under one set of names).")
        raise WorkspaceError(msg)
    return name


def check_columns(name: str, frame: pd.DataFrame) -> None:
    """Raise WorkspaceError when a column name cannot be stored (every problem at once)."""
    bad = [c for c in frame.columns
           if not isinstance(c, str) or not c or _has_control(c)]
    if bad:
        msg = (f"{name!r}: column names must be non-empty text without control characters; "
               f"got {bad!r}. Rename them first (frame.rename(columns=...)).")
        raise WorkspaceError(msg)
    if frame.columns.has_duplicates:
        twice = sorted(set(frame.columns[frame.columns.duplicated()]))
        msg = (f"{name!r}: the column name(s) {twice!r} occur more than once; no store can "
               "hold that. Rename or drop the copies first.")
        raise WorkspaceError(msg)


def clean_text(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """``frame`` without unstorable characters in its text, and a note saying what went.

    The frame is returned as it is (not copied) when its text is clean.
    """
    out = frame
    removed = 0
    cells = 0
    columns: list[str] = []
    for col in frame.columns:
        series = frame[col]
        fixed, count, changed = _clean_series(series)
        if not changed:
            continue
        if out is frame:
            out = frame.copy()
        out[col] = fixed
        removed += count
        cells += changed
        columns.append(str(col))
    if out is frame:
        return frame, None
    note = (f"{name}: {removed} NUL character(s) or unpaired surrogate(s), which no store can "
            f"hold (NUL cuts text in GeoPackage, File Geodatabase and GeoJSON, PostgreSQL "
            f"refuses it), were removed from {cells} value(s) in column(s) "
            f"{', '.join(columns)}")
    return out, note


def _clean_series(series: pd.Series) -> tuple[pd.Series, int, int]:
    """(cleaned series, characters removed, values changed); the series itself when clean."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _clean_categories(series, dtype)
    if pd.api.types.is_object_dtype(dtype):
        return _clean_objects(series)
    if not pd.api.types.is_string_dtype(dtype):
        return series, 0, 0
    hits = series.str.contains(_UNSTORABLE, regex=False, na=False)
    if not hits.any():
        return series, 0, 0
    counts = series[hits].str.count(_UNSTORABLE)
    return series.str.replace(_UNSTORABLE, "", regex=False), int(counts.sum()), int(hits.sum())


def _clean_categories(series: pd.Series, dtype: pd.CategoricalDtype
                      ) -> tuple[pd.Series, int, int]:
    cats = pd.Series(dtype.categories)
    fixed, count, changed = _clean_series(cats)
    if not changed:
        return series, 0, 0
    values = series.astype(object).map(dict(zip(cats, fixed, strict=True)))
    return (values.astype("category"), count,
            int(series.isin(cats[(fixed != cats).to_numpy()]).sum()))


def _clean_objects(series: pd.Series) -> tuple[pd.Series, int, int]:
    count = changed = 0
    values = series.to_numpy(dtype=object, copy=True)
    for i, value in enumerate(values):
        if isinstance(value, str):
            fixed, n = _UNSTORABLE_OR_SURROGATE.subn("", value)
            if n:
                values[i] = fixed
                count += n
                changed += 1
    if not changed:
        return series, 0, 0
    return pd.Series(values, index=series.index, dtype=object, name=series.name), count, changed
