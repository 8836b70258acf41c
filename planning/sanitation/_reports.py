"""Writing sanitation reports: problems as tables, sheets in one workbook."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from planning._errors import Problem
from planning.io import Table, write_workbook

# --------------------------------------------------------------------------------------------
# writing reports


def problems_table(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a table: ``source``, ``row``, ``column``, ``value``, ``message``."""
    return pd.DataFrame([(p.source, p.row, p.column, p.value, p.message) for p in problems],
                        columns=["source", "row", "column", "value", "message"])


def save_excel(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write tables as sheets of a new workbook, atomically, through the one workbook writer.

    Geometry columns are left out; the kinds of the other columns follow their dtype and
    unit suffix (``area_m2`` in m², ...: :func:`planning.io.workbook.guess_columns`).
    """
    return write_workbook(path, [Table(name, frame) for name, frame in sheets.items()]).path
