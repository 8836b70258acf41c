"""The territorial sheets of the conflict ledger workbook (internals).

Chinese headers and values only: verdicts, checks, ownership and the kinds of plan conflict
are written in Chinese; plan codes (GHFQDM, YDYHFLDM) are the standards' own codes.
"""

from __future__ import annotations

from typing import Literal, Protocol

import pandas as pd

from planning._core.units import HA_PER_M2, MU_PER_M2
from planning.conformity._excel import SITE_ZH
from planning.conformity._plan_conflicts import PLAN_CHECKS
from planning.conformity._projects import VERDICT_ZH
from planning.conformity._territorial import BREAKDOWN_AREAS, CHECK_ZH, OWNERSHIP_ZH
from planning.io import Column, Table


class TerritorialTables(Protocol):
    """The territorial frames of a report (a ConformityReport)."""

    @property
    def territorial_projects(self) -> pd.DataFrame | None: ...

    @property
    def territorial_reasons(self) -> pd.DataFrame | None: ...

    @property
    def land_breakdown(self) -> pd.DataFrame | None: ...

    @property
    def plan_conflicts(self) -> pd.DataFrame | None: ...


_BREAKDOWN_ZH = {"agricultural_m2": "农用地", "cultivated_m2": "其中耕地",
                 "basic_farmland_m2": "其中永久基本农田", "construction_m2": "建设用地",
                 "unused_m2": "未利用地", "surveyed_m2": "已调查面积",
                 "not_surveyed_m2": "无调查数据"}
#: the breakdown's areas in each unit: (header suffix, factor from m², column kind, decimals)
_BREAKDOWN_UNITS: tuple[tuple[str, float, Literal["m2", "mu", "ha"], int], ...] = (
    ("(平方米)", 1.0, "m2", 2), ("(亩)", MU_PER_M2, "mu", 4), ("(公顷)", HA_PER_M2, "ha", 4))
_PROJECT_COLUMNS = (
    Column("序号", kind="int"), Column("项目编号"), Column("项目名称"), Column("拟用地性质"),
    Column("用地用海分类"), Column("选址形式"), Column("用地面积(平方米)", kind="m2"),
    Column("用地面积(亩)", kind="mu", decimals=4), Column("用地面积(公顷)", kind="ha", decimals=4),
    Column("审查结论"), Column("冲突项", kind="int"), Column("有条件项", kind="int"),
    Column("审查意见", width=60, wrap=True),
)
_REASON_COLUMNS = (
    Column("项目编号"), Column("审查项"), Column("代码"), Column("名称"), Column("结论"),
    Column("占用面积(平方米)", kind="m2"), Column("占用面积(亩)", kind="mu", decimals=4),
    Column("占用面积(公顷)", kind="ha", decimals=4),
    Column("计入结论"), Column("说明", width=60, wrap=True),
)
_BREAKDOWN_COLUMNS = (
    Column("项目编号"), Column("权属"),
    *(Column(h + suffix, kind=kind, decimals=decimals)
      for suffix, _, kind, decimals in _BREAKDOWN_UNITS for h in _BREAKDOWN_ZH.values()),
    Column("说明"),
)
_PLAN_COLUMNS = (
    Column("序号", kind="int"), Column("编号"), Column("冲突类型"), Column("内容"),
    Column("结论"), Column("面积(平方米)", kind="m2"), Column("面积(亩)", kind="mu", decimals=4),
    Column("面积(公顷)", kind="ha", decimals=4), Column("碎图斑"),
    Column("说明", width=60, wrap=True), Column("处理意见", width=20, wrap=True),
)


def _class_names(codes: pd.Series) -> list[str]:
    from planning.classes import styles  # noqa: PLC0415 - as the two-plans sheets do

    rows = styles(codes, "guide2023")
    return [f"{c} {n}" if isinstance(n, str) else str(c)
            for c, n in zip(codes, rows["name_zh"], strict=True)]


def _projects(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "序号": range(1, len(frame) + 1),
        "项目编号": frame["project_id"].to_numpy(),
        "项目名称": frame["name_zh"].to_numpy(),
        "拟用地性质": frame["land_class"].to_numpy(),
        "用地用海分类": _class_names(frame["landsea_class"]),
        "选址形式": [SITE_ZH.get(str(k), str(k)) for k in frame["site_kind"]],
        "用地面积(平方米)": frame["site_area_m2"].round(2).to_numpy(),
        "用地面积(亩)": frame["site_area_mu"].round(4).to_numpy(),
        "用地面积(公顷)": frame["site_area_ha"].round(4).to_numpy(),
        "审查结论": [VERDICT_ZH[str(v)] for v in frame["verdict"]],
        "冲突项": frame["n_conflicts"].to_numpy(),
        "有条件项": frame["n_conditions"].to_numpy(),
        "审查意见": frame["reasons_zh"].to_numpy(),
    })


def _reasons(frame: pd.DataFrame) -> pd.DataFrame:
    lines = frame["check"].isin(["territorial_line", "outside_development_boundary",
                                 "outside_central_area"])
    return pd.DataFrame({
        "项目编号": frame["project_id"].to_numpy(),
        "审查项": [CHECK_ZH.get(str(c), str(c)) for c in frame["check"]],
        "代码": frame["code"].where(~lines, "").to_numpy(),
        "名称": frame["name_zh"].to_numpy(),
        "结论": [VERDICT_ZH[str(v)] for v in frame["verdict"]],
        "占用面积(平方米)": frame["area_m2"].astype(float).round(2).to_numpy(),
        "占用面积(亩)": frame["area_mu"].astype(float).round(4).to_numpy(),
        "占用面积(公顷)": frame["area_ha"].astype(float).round(4).to_numpy(),
        "计入结论": ["是" if c else "否" for c in frame["counted"]],
        "说明": frame["detail_zh"].to_numpy(),
    })


def _breakdown(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"项目编号": frame["project_id"].to_numpy(),
                        "权属": [OWNERSHIP_ZH.get(str(o), str(o)) for o in frame["ownership"]]})
    for suffix, factor, _, decimals in _BREAKDOWN_UNITS:
        for column in BREAKDOWN_AREAS:
            out[_BREAKDOWN_ZH[column] + suffix] = (frame[column].astype(float) * factor).round(
                decimals).to_numpy()
    out["说明"] = frame["note_zh"].to_numpy()
    return out


def _plan(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "序号": range(1, len(frame) + 1),
        "编号": frame["conflict_id"].to_numpy(),
        "冲突类型": [PLAN_CHECKS.get(str(c), str(c)) for c in frame["check"]],
        "内容": frame["what"].to_numpy(),
        "结论": [VERDICT_ZH.get(str(v), str(v)) for v in frame["verdict"]],
        "面积(平方米)": frame["area_m2"].astype(float).round(2).to_numpy(),
        "面积(亩)": frame["area_mu"].astype(float).round(4).to_numpy(),
        "面积(公顷)": frame["area_ha"].astype(float).round(4).to_numpy(),
        "碎图斑": ["是" if s else "否" for s in frame["sliver"]],
        "说明": frame["detail_zh"].to_numpy(),
        "处理意见": "",
    })


def territorial_sheets(report: TerritorialTables) -> list[Table]:
    """The territorial sheets, when the report has a territorial review (else none)."""
    projects, reasons = report.territorial_projects, report.territorial_reasons
    if projects is None or reasons is None:
        return []
    sheets = [Table("国土空间规划审查", _projects(projects), _PROJECT_COLUMNS),
              Table("国土审查原因", _reasons(reasons), _REASON_COLUMNS)]
    if report.land_breakdown is not None:
        sheets.append(Table("用地构成", _breakdown(report.land_breakdown), _BREAKDOWN_COLUMNS))
    if report.plan_conflicts is not None:
        sheets.append(Table("规划自身冲突", _plan(report.plan_conflicts), _PLAN_COLUMNS))
    return sheets
