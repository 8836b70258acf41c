"""Writing sanitation reports: problems as tables, sheets in one workbook, in Chinese.

Every sheet name, header and figure of the sanitation workbooks is Chinese
(:data:`SHEET_NAMES`, :data:`HEADERS`, :data:`FIGURES`); :func:`sanitation_workbook` puts
coverage, owners and scores into one workbook for the bureau.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from planning._errors import Problem
from planning.io import Column, Table, write_workbook
from planning.io.workbook import guess_columns

#: sheet names of the sanitation workbooks
SHEET_NAMES = {
    "summary": "覆盖情况", "problems": "问题清单", "gaps": "缺口", "overlaps": "重叠",
    "invalid_edges": "边界不吻合", "outside": "超出范围", "by_department": "按责任单位",
    "by_township": "按乡镇", "no_department": "无责任单位的责任区",
    "unknown_department": "责任单位不明的责任区", "idle_departments": "无责任区的单位",
    "unowned_roads": "无责任段的道路", "unit_scores": "单位检查得分",
    "zone_scores": "责任区检查得分",
}
#: column headers of the sanitation workbooks
HEADERS = {
    "figure": "指标", "value": "数值", "coverage": "数值", "source": "来源", "row": "行",
    "column": "列", "message": "问题", "gap_id": "缺口编号", "area_m2": "面积(平方米)",
    "sliver": "细小", "neighbours": "相邻责任区", "zone_a": "责任区甲", "zone_b": "责任区乙",
    "zone_id": "责任区编号", "length_m": "长度(米)", "department": "责任单位",
    "n_zones": "责任区数", "road_length_m": "道路长度(米)", "zone_ids": "责任区",
    "township": "乡镇", "name_zh": "名称", "kind": "类型", "person_in_charge": "责任人",
    "unit_id": "单位编号", "name_en": "英文名", "road_id": "道路编号", "share": "比例",
    "in_other_zones_m": "落在其他责任区(米)", "unit": "责任单位", "score": "平均得分",
    "n_inspections": "检查次数", "n_low": "低分次数", "last_date": "最近检查",
}
#: the coverage figures, in Chinese
FIGURES = {
    "area_m2": "检查范围面积(平方米)", "covered_m2": "已覆盖面积(平方米)",
    "gap_m2": "缺口面积(平方米)", "overlap_m2": "重叠面积(平方米)",
    "outside_m2": "超出范围面积(平方米)", "n_gaps": "缺口(处)", "n_overlaps": "重叠(处)",
    "n_invalid_edges": "边界不吻合(处)", "n_outside": "超出范围(处)",
}
_VALUES = {"kind": {"area": "片区", "road_section": "路段", "frontage": "门前",
                    "township": "乡镇", "department": "县直部门"},
           "sliver": {True: "是", False: "否"}}

# --------------------------------------------------------------------------------------------
# writing reports


def problems_table(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a table: ``source``, ``row``, ``column``, ``value``, ``message``."""
    return pd.DataFrame([(p.source, p.row, p.column, p.value, p.message) for p in problems],
                        columns=["source", "row", "column", "value", "message"])


def chinese_table(key: str, frame: pd.DataFrame) -> Table:
    """One sheet: Chinese name and headers, values of known vocabularies in Chinese."""
    if key == "summary" and {"figure"} <= set(frame.columns):
        frame = frame.assign(figure=frame["figure"].map(lambda f: FIGURES.get(str(f), f)))
    shown = frame.copy()
    for column, words in _VALUES.items():
        if column in shown.columns:
            shown[column] = shown[column].map(lambda v, w=words: w.get(v, v))
    columns = [Column(c.field, HEADERS.get(c.field, c.field), kind=c.kind,
                      width=30 if c.field == "message" else None,
                      wrap=c.field in ("message", "zone_ids", "neighbours"))
               for c in guess_columns(shown)]
    return Table(SHEET_NAMES.get(key, key), shown, columns)


def save_excel(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write tables as sheets of a new workbook, atomically, through the one workbook writer.

    Sheet names, headers and vocabulary values are Chinese (:data:`SHEET_NAMES`,
    :data:`HEADERS`); geometry columns are left out; the kinds of the other columns follow
    their dtype and unit suffix (``area_m2`` in m², ...:
    :func:`planning.io.workbook.guess_columns`).
    """
    return write_workbook(path, [chinese_table(k, f) for k, f in sheets.items()]).path


def sanitation_workbook(
    path: str | os.PathLike[str],
    *,
    coverage: Any,
    owners: Any = None,
    unit_scores: pd.DataFrame | None = None,
    zone_scores: pd.DataFrame | None = None,
) -> Path:
    """One workbook with everything the sanitation check found: coverage figures and pieces,
    owners (per department and township, zones and roads nobody cleans) and the inspection
    scores of units and zones; every problem in one 问题清单 sheet.

    Parameters
    ----------
    path : str or path-like
    coverage : CoverageReport
        From :func:`planning.sanitation.check_coverage`.
    owners : OwnersReport, optional
        From :func:`planning.sanitation.check_owners`.
    unit_scores, zone_scores : pandas.DataFrame, optional
        From :func:`planning.sanitation.unit_scores` and :func:`zone_scores`.
    """
    problems = list(getattr(coverage, "problems", []))
    sheets: dict[str, pd.DataFrame] = {
        "summary": coverage.summary().rename_axis("figure").reset_index(),
    }
    if owners is not None:
        problems += list(getattr(owners, "problems", []))
    sheets["problems"] = problems_table(problems)
    sheets.update(coverage._layers())
    if owners is not None:
        sheets.update(owners._layers())
    if unit_scores is not None:
        sheets["unit_scores"] = unit_scores
    if zone_scores is not None:
        sheets["zone_scores"] = zone_scores
    return save_excel(sheets, path)
