"""Chinese standard field names (DLBM, GHDLBM, TDYTQLXDM, GZQLXDM, ...) and toolkit names.

The mapping is a data file (``planning/data/field_names.csv``); :func:`map_fields` adds
toolkit-named copies of the standard fields a layer carries (originals are kept).
"""

from __future__ import annotations

import csv
import importlib.resources
from collections.abc import Mapping

import pandas as pd


def standard_fields() -> pd.DataFrame:
    """The mapping of Chinese standard field names to toolkit names (a data file).

    Examples
    --------
    >>> table = standard_fields()
    >>> table.set_index("field").loc["TDYTQLXDM", "name"]
    'landuse_zone'
    """
    text = importlib.resources.files("planning").joinpath("data/field_names.csv")
    with text.open(encoding="utf-8") as fh:
        return pd.DataFrame(list(csv.DictReader(fh)))


def map_fields(
    frame: pd.DataFrame, extra: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Add toolkit-named copies of standard fields; return the frame and what was mapped.

    Matching is case-insensitive; the first standard field present wins for each toolkit
    name (``GHDLBM`` before ``DLBM``). Columns already named as the toolkit names are kept.
    """
    table = standard_fields()
    pairs = [(k, v) for k, v in (extra or {}).items()]
    pairs += list(zip(table["field"], table["name"], strict=True))
    by_upper = {str(c).upper(): c for c in frame.columns}
    out = frame.copy()
    mapped: dict[str, str] = {}
    for std, name in pairs:
        column = by_upper.get(std.upper())
        if column is None or name in out.columns or column == name:
            continue
        out[name] = out[column]
        mapped[str(column)] = name
    if "location_unit_code" in out.columns and "township_code" not in out.columns:
        out["township_code"] = out["location_unit_code"].astype("string").str[:9]
        mapped["location_unit_code[:9]"] = "township_code"
    return out, mapped


