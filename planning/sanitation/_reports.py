"""Writing sanitation reports: problems as tables, sheets in one workbook."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from planning._errors import Problem
from planning.io import atomic_output

# --------------------------------------------------------------------------------------------
# writing reports


def problems_table(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a table: ``source``, ``row``, ``column``, ``value``, ``message``."""
    return pd.DataFrame([(p.source, p.row, p.column, p.value, p.message) for p in problems],
                        columns=["source", "row", "column", "value", "message"])


def save_excel(sheets: dict[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write tables (geometry columns left out) as sheets of a new workbook, atomically."""
    target = Path(path)
    with atomic_output(target) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            table = pd.DataFrame(frame.drop(columns=[c for c in frame.columns
                                                     if c == "geometry"]))
            table.to_excel(writer, sheet_name=name[:31], index=False)
    return target
