"""The tables of a folder workspace as CSV files, written so that they read back as they were.

Private to :mod:`planning.workspace`. UTF-8 with a byte-order mark (so that Excel and WPS show
Chinese text); every text value that starts with ``=``, ``+``, ``-``, ``@``, a tab, a
carriage return or ``'`` gets one leading ``'``, so that a spreadsheet opening the file shows
text and never runs a formula (as :func:`planning.io.write_csv` does); reading takes exactly
one leading ``'`` off such text, so each value comes back as it was. Numbers are written in
full, dates in ISO form; an empty cell is a missing value. Unlike
:func:`planning.io.write_csv` (an export for people), nothing is cut or removed: the store
keeps the workspace as it is, and its metadata restores the dtypes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from planning.workspace._storage import FORMULA_STARTS, TEXT_DTYPES, FrameSpec

_TEXT = (*TEXT_DTYPES, "category")


def _is_text(series: pd.Series) -> bool:
    dtype = series.dtype
    return bool(pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)
                or isinstance(dtype, pd.CategoricalDtype))


def _protect(series: pd.Series) -> pd.Series:
    values = series.astype(object)
    starts = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
    mask = starts.to_numpy(dtype=bool)
    if not mask.any():
        return series
    values = values.copy()
    values[mask] = "'" + values[mask].astype(str)
    return values


def _unprotect(series: pd.Series) -> pd.Series:
    mask = series.str.startswith("'", na=False).to_numpy(dtype=bool)
    if not mask.any():
        return series
    out = series.copy()
    out[mask] = series[mask].str.slice(1)
    return out


def write_csv_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as the CSV file ``path`` (text protected, reversibly)."""
    out = pd.DataFrame({c: _protect(frame[c]) if _is_text(frame[c]) else frame[c]
                        for c in frame.columns}, index=frame.index)
    out.to_csv(path, index=False, encoding="utf-8-sig")


def read_csv_table(path: Path, spec: FrameSpec | None = None, *,
                   dates: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a CSV table: as ``spec`` says it was saved, else (``dates`` given) as a file the
    toolkit did not write or wrote before it kept dtypes (types inferred, ``dates`` parsed),
    else (the metadata table) as text."""
    if dates is not None and spec is None:
        table = pd.read_csv(path, encoding="utf-8-sig")
        for col in dates:
            if col in table.columns:
                table[col] = pd.to_datetime(table[col]).astype("datetime64[ms]")
        return table
    try:
        raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False,
                          na_values=[""])
    except pd.errors.EmptyDataError:  # a table without columns
        raw = pd.DataFrame()
    if spec is None:
        return pd.DataFrame({c: _unprotect(raw[c]) for c in raw.columns}, index=raw.index)
    text = {stored for stored, _, dtype in spec.columns if dtype in _TEXT}
    raw = pd.DataFrame({c: _unprotect(raw[c]) if c in text else raw[c] for c in raw.columns},
                       index=raw.index)
    return spec.renamed(raw)
