"""The conflict ledger workbook (冲突台账) of a conformity report (internals).

Every sheet is Chinese: internal codes (``permanent_basic_farmland``, ``fyp12``) are shown
through the vocabularies (:mod:`planning._core.vocab`). Counts and areas agree across
sheets: the 冲突台账 and 碎图斑 rows together are the conflict patches of 面积核对, whose
sliver rows say how many slivers there are in all and how many of them are conflicts (the
ones 碎图斑 lists).

Every 面积 column is the ellipsoidal area (CGCS2000, the land-survey method of
:func:`planning.ellipsoidal_area`); 平面面积 is the area in the plane of the layers' CRS.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from planning._core.units import HA_PER_M2, MU_PER_M2
from planning._core.vocab import zh_code, zh_text
from planning.conformity._patches import CODES, KINDS, SUB_KINDS
from planning.conformity._projects import CHECK_ZH, VERDICT_ZH
from planning.io import Column, Table


class ReportTables(Protocol):
    """The tables of a conformity report the workbook is made of (a ConformityReport)."""

    @property
    def discrepancies(self) -> pd.DataFrame: ...

    @property
    def by_township(self) -> pd.DataFrame: ...

    @property
    def areas(self) -> pd.Series: ...

    @property
    def planar_areas(self) -> pd.Series | None: ...

    @property
    def projects(self) -> pd.DataFrame: ...

    @property
    def reasons(self) -> pd.DataFrame: ...

#: Headers of the conflict ledger, in order (the last four are filled in at the meeting).
LEDGER_HEADERS = ["序号", "图斑编号", "所属乡镇", "差异类型", "差异细类", "城规用地性质",
                  "土规用地性质", "土地用途区", "面积(平方米)", "面积(亩)", "面积(公顷)",
                  "经发意见", "规建意见", "国土意见", "处理措施"]
OPINION_HEADERS = LEDGER_HEADERS[-4:]
SITE_ZH = {"polygon": "面状", "line": "线状（按宽度缓冲）", "point": "点状"}
NO_TOWNSHIP = "（未落入乡镇）"


def _label(code: object, name: object) -> str:
    if code is None or pd.isna(code):  # type: ignore[call-overload]
        return ""
    return f"{code} {name}" if name is not None and not pd.isna(name) else str(code)  # type: ignore[call-overload]


def ledger_frame(patches: pd.DataFrame) -> pd.DataFrame:
    """The ledger rows: one per conflict patch, numbered from 1."""
    zone_names = _zone_names()
    out = pd.DataFrame({
        "序号": range(1, len(patches) + 1),
        "图斑编号": patches["patch_id"].to_numpy(),
        "所属乡镇": patches["township"].fillna(NO_TOWNSHIP).to_numpy(),
        "差异类型": [f"{c} {CODES.get(str(c), '')}" for c in patches["code"]],
        "差异细类": [SUB_KINDS.get(str(s), "") for s in patches["sub_kind"]],
        "城规用地性质": [_label(c, n) for c, n in zip(patches["urban_class"],
                                                  patches["urban_class_name"], strict=True)],
        "土规用地性质": [_label(c, n) for c, n in zip(patches["land_class"],
                                                  patches["land_class_name"], strict=True)],
        "土地用途区": [_label(z, zone_names.get(str(z))) for z in patches["landuse_zone"]],
        "面积(平方米)": patches["area_m2"].round(2).to_numpy(),
        "面积(亩)": patches["area_mu"].round(4).to_numpy(),
        "面积(公顷)": patches["area_ha"].round(4).to_numpy(),
    })
    for header in OPINION_HEADERS:
        out[header] = ""
    return out[LEDGER_HEADERS]


def _zone_names() -> dict[str, str]:
    from planning.classes import table  # noqa: PLC0415 - avoids an import cycle

    zones = table("landuse_zones")
    return dict(zip(zones["code"], zones["name_zh"], strict=True))


def summary_frame(by_township: pd.DataFrame) -> pd.DataFrame:
    """Area in mu per township (rows) and code/kind (columns), with totals in 亩, m² and
    公顷 (ellipsoidal)."""
    frame = by_township.copy()
    frame["township"] = frame["township"].fillna(NO_TOWNSHIP)
    label = frame["code"].fillna("").astype(str).map(lambda c: f"{c} {CODES[c]}" if c else "")
    frame["类别"] = [lab if k in ("consistent", "conflict") else KINDS[str(k)]
                   for lab, k in zip(label, frame["kind"], strict=True)]
    pivot = frame.pivot_table(index="township", columns="类别", values="area_mu",
                              aggfunc="sum", fill_value=0.0)
    pivot["合计(亩)"] = pivot.sum(axis=1)
    pivot.loc["合计"] = pivot.sum(axis=0)
    pivot["合计(平方米)"] = pivot["合计(亩)"] / MU_PER_M2
    pivot["合计(公顷)"] = pivot["合计(亩)"] / 15
    pivot.index.name = "所属乡镇"
    return pivot.reset_index().round(4)


def reconciliation_frame(areas: pd.Series, patches: pd.DataFrame | None = None,
                         planar: pd.Series | None = None) -> pd.DataFrame:
    """The reconciliation of areas (ellipsoidal m², 亩, 公顷; with ``planar``, the plane of
    the CRS beside) and, with the patches, how many patches each row counts; the slivers are
    split into all slivers and the conflict slivers."""
    labels = {"urban_plan": "城规覆盖面积", "landuse_plan": "土规覆盖面积",
              "both": "两规共同覆盖（分析面积）", "urban_plan_only": "仅城规覆盖",
              "landuse_plan_only": "仅土规覆盖", "conflict": "冲突图斑合计（冲突台账 + 碎图斑）",
              "sliver": "细小图斑合计（各类差异图斑中）"}
    rows = [(labels.get(str(k), str(k)), float(v), _count(patches, str(k)),
             None if planar is None else float(planar.get(k, float("nan"))))
            for k, v in areas.items()]
    if patches is not None and "sliver" in areas.index:
        flagged = patches[patches["conflict"] & patches["sliver"]]
        rows.append(("其中：冲突细小图斑（见碎图斑表）", float(flagged["area_m2"].sum()),
                     len(flagged),
                     float(flagged["planar_area_m2"].sum()) if "planar_area_m2" in flagged
                     else None))
    out = pd.DataFrame(rows, columns=["项目", "面积(平方米)", "图斑数", "平面面积(平方米)"])
    out["面积(亩)"] = out["面积(平方米)"] * MU_PER_M2
    out["面积(公顷)"] = out["面积(平方米)"] * HA_PER_M2
    out["图斑数"] = out["图斑数"].astype("Int64")
    columns = ["项目", "图斑数", "面积(平方米)", "面积(亩)", "面积(公顷)"]
    if planar is not None:
        columns.append("平面面积(平方米)")
    return out[columns]


def _count(patches: pd.DataFrame | None, key: str) -> int | None:
    """How many patches a reconciliation row counts (None for the plans' own areas)."""
    if patches is None:
        return None
    masks = {"both": patches["code"].notna(), "conflict": patches["conflict"],
             "sliver": patches["sliver"], "urban_plan_only": patches["kind"] == "urban_plan_only",
             "landuse_plan_only": patches["kind"] == "landuse_plan_only"}
    return int(masks[key].sum()) if key in masks else None


def projects_frame(report: ReportTables) -> pd.DataFrame:
    p = report.projects
    return pd.DataFrame({
        "序号": range(1, len(p) + 1),
        "项目编号": p["project_id"].to_numpy(),
        "项目名称": p["name_zh"].to_numpy(),
        "拟用地性质": p["land_class"].to_numpy(),
        "选址形式": [SITE_ZH.get(str(k), str(k)) for k in p["site_kind"]],
        "用地面积(平方米)": p["site_area_m2"].round(2).to_numpy(),
        "用地面积(亩)": p["site_area_mu"].round(4).to_numpy(),
        "用地面积(公顷)": p["site_area_ha"].round(4).to_numpy(),
        "审查结论": [VERDICT_ZH[str(v)] for v in p["verdict"]],
        "冲突项": p["n_conflicts"].to_numpy(),
        "有条件项": p["n_conditions"].to_numpy(),
        "审查意见": [zh_text(str(t)) for t in p["reasons_zh"].fillna("")],
    })


def reasons_frame(report: ReportTables) -> pd.DataFrame:
    r = report.reasons
    return pd.DataFrame({
        "项目编号": r["project_id"].to_numpy(),
        "审查项": [CHECK_ZH.get(str(c), str(c)) for c in r["check"]],
        "代码": [_code_zh(c, n) for c, n in zip(r["code"], r["name_zh"], strict=True)],
        "名称": r["name_zh"].to_numpy(),
        "结论": [VERDICT_ZH[str(v)] for v in r["verdict"]],
        "占用面积(平方米)": r["area_m2"].round(2).to_numpy(),
        "占用面积(亩)": r["area_mu"].round(4).to_numpy(),
        "占用面积(公顷)": r["area_ha"].round(4).to_numpy(),
        "计入结论": ["是" if c else "否" for c in r["counted"]],
        "说明": [zh_text(str(t)) for t in r["detail_zh"].fillna("")],
    })


def _code_zh(code: object, name: object) -> str:
    """A reason's code as a Chinese sheet shows it: classification codes as written,
    vocabulary codes (control lines, plan keys) by their Chinese name (or blank when the
    name column already says it)."""
    if code is None or pd.isna(code):  # type: ignore[call-overload]
        return ""
    shown = zh_code(code)
    if shown == str(code):
        return shown
    return "" if str(name) == shown else shown


#: the columns of the conflict ledger (冲突台账, 碎图斑): areas in mu and ha keep 4 decimals
#: (slivers are a few m²); the opinion columns are wide and wrap, to be written in
_LEDGER_COLUMNS = (
    Column("序号", kind="int"), Column("图斑编号"), Column("所属乡镇"), Column("差异类型"),
    Column("差异细类"), Column("城规用地性质"), Column("土规用地性质"), Column("土地用途区"),
    Column("面积(平方米)", kind="m2"), Column("面积(亩)", kind="mu"),
    Column("面积(公顷)", kind="ha", decimals=4),
    *(Column(h, width=24, wrap=True) for h in OPINION_HEADERS),
)
#: the slivers keep 4 decimals of 亩 (they are a few m²)
_SLIVER_COLUMNS = tuple(Column(c.field, kind="mu", decimals=4) if c.field == "面积(亩)" else c
                        for c in _LEDGER_COLUMNS)
_RECONCILIATION_COLUMNS = (Column("项目"), Column("图斑数", kind="int"),
                           Column("面积(平方米)", kind="m2"), Column("面积(亩)", kind="mu"),
                           Column("面积(公顷)", kind="ha", decimals=4))
_PLANAR_COLUMN = Column("平面面积(平方米)", kind="m2")
_PROJECT_COLUMNS = (
    Column("序号", kind="int"), Column("项目编号"), Column("项目名称"), Column("拟用地性质"),
    Column("选址形式"), Column("用地面积(平方米)", kind="m2"), Column("用地面积(亩)", kind="mu"),
    Column("用地面积(公顷)", kind="ha", decimals=4), Column("审查结论"),
    Column("冲突项", kind="int"), Column("有条件项", kind="int"),
    Column("审查意见", width=60, wrap=True),
)
_REASON_COLUMNS = (
    Column("项目编号"), Column("审查项"), Column("代码"), Column("名称"), Column("结论"),
    Column("占用面积(平方米)", kind="m2"), Column("占用面积(亩)", kind="mu"),
    Column("占用面积(公顷)", kind="ha", decimals=4),
    Column("计入结论"), Column("说明", width=48, wrap=True),
)


def _summary_columns(frame: pd.DataFrame) -> tuple[Column, ...]:
    return tuple(Column(str(c)) if c == "所属乡镇" else
                 Column(str(c), kind="ha" if "公顷" in str(c) else
                        "m2" if "平方米" in str(c) else "mu")
                 for c in frame.columns)


def ledger_sheets(report: ReportTables) -> list[Table]:
    """The sheets of the conflict ledger workbook, in order (written by
    :func:`planning.io.write_workbook`)."""
    patches = report.discrepancies
    conflicts = patches[patches["conflict"] & ~patches["sliver"]]
    slivers = patches[patches["conflict"] & patches["sliver"]]
    summary = summary_frame(report.by_township)
    return [
        Table("冲突台账", ledger_frame(conflicts), _LEDGER_COLUMNS),
        Table("汇总", summary, _summary_columns(summary)),
        Table("面积核对", reconciliation_frame(report.areas, patches, report.planar_areas),
              _RECONCILIATION_COLUMNS + ((_PLANAR_COLUMN,) if report.planar_areas is not None
                                         else ())),
        Table("项目审查", projects_frame(report), _PROJECT_COLUMNS),
        Table("审查原因", reasons_frame(report), _REASON_COLUMNS),
        Table("碎图斑", ledger_frame(slivers), _SLIVER_COLUMNS),
    ]
