"""The layers of the meeting map, built from a workspace, a conformity report and a date.

Each builder takes the workspace's own layer (never changed: a copy gets the display
columns) and returns a :class:`~planning.webmap._layers.LayerSpec`; :func:`layer_specs`
puts them in drawing order (bottom first).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from planning import classes
from planning._core.colours import OTHER_COLOUR, OTHER_LABEL
from planning._core.vocab import zh_code, zh_text
from planning._errors import InputError
from planning.conformity import ConformityReport
from planning.webmap import _styles as S  # noqa: N812 - the colour tables
from planning.webmap._escape import display_text
from planning.webmap._layers import LayerSpec, categorical
from planning.webmap._styles import Category, Style

log = logging.getLogger(__name__)

#: Layer keys of the meeting map in drawing order (bottom first), with their names.
LAYERS: dict[str, str] = {
    "townships": "乡镇 Townships",
    "landuse_plan": "土地利用总体规划 Land-use plan",
    "urban_plan": "城市总体规划 Urban plan",
    "control_zones": "建设用地管制区 Construction-control zones",
    "planning_zones": "规划分区 Planning zones",
    "landsea_use": "用地用海 Land/sea use",
    "sanitation_scores": "卫生检查得分 Inspection scores",
    "sanitation_zones": "卫生责任区 Sanitation zones",
    "discrepancies": "差异图斑 Discrepancy patches",
    "control_lines": "三条控制线 Control lines",
    "boundary_zones": "开发边界分区 Boundary zones",
    "plan_conflicts": "规划自身冲突 Plan conflicts",
    "sanitation_coverage": "责任区缺口与重叠 Zone gaps and overlaps",
    "builtup_area": "建成区 Built-up area",
    "roads": "道路 Roads",
    "projects": "重点项目 Key projects",
    "county": "县界 County boundary",
}
#: Shown when the map opens (the others are one click away in the layer control).
SHOWN = {"townships", "discrepancies", "control_lines", "sanitation_coverage", "roads",
         "projects", "county"}
Builder = Callable[..., LayerSpec | None]


def _frame(ws: Mapping[str, pd.DataFrame], key: str) -> gpd.GeoDataFrame | None:
    if key not in ws:
        return None
    frame = ws[key]
    return frame.copy() if isinstance(frame, gpd.GeoDataFrame) else None


def _spec(key: str, frame: gpd.GeoDataFrame, classes: npt.NDArray[np.int64],
          styles: list[Style], legend: list[Category], **kw: Any) -> LayerSpec:
    return LayerSpec(key=key, name=LAYERS[key], frame=frame, classes=classes, styles=styles,
                     legend=legend, show=key in SHOWN, **kw)


def _lookup(keys: Sequence[str | None], table: Mapping[str, tuple[str, str]], *,
            opacity: float = 0.6, outline: str | None = "#666666",
            ) -> tuple[npt.NDArray[np.int64], list[Style], list[Category]]:
    """Classes of features by key through a (label, fill) table, in the table's order.

    Keys that are None or not in the table get one grey "other codes" class, last.
    """
    present = set(keys)
    used = [k for k in table if k in present]
    styles = [Style(fill=table[k][1], fill_opacity=opacity, color=outline, weight=0.5)
              for k in used]
    legend = [Category(table[k][0], st) for k, st in zip(used, styles, strict=True)]
    index = {k: i for i, k in enumerate(used)}
    if any(k not in index for k in keys):
        unknown = Style(fill=OTHER_COLOUR, fill_opacity=opacity, color=outline, weight=0.5)
        styles.append(unknown)
        legend.append(Category(OTHER_LABEL, unknown))
    numbers = np.array([index.get(k, len(used)) if k is not None else len(used) for k in keys],
                       dtype=np.int64)
    return numbers, styles or [Style()], legend


def _classified(values: pd.Series, classification: classes.Classification
                ) -> tuple[npt.NDArray[np.int64], list[Style], list[Category], list[str]]:
    """Classes, styles and legend of a coded column through a classification table.

    Names and fills come from :func:`planning.classes.styles` (the matching of the check);
    the legend lists the classes present in the order of the table, "other codes" last. The
    fourth value is each feature's class label (its code as written when none matches).
    """
    inverse, uniques = pd.factorize(values.astype(object), use_na_sentinel=False)
    rows = classes.styles(uniques, classification)  # one row per distinct value
    order = classes.table(classification)["code"]
    known = rows.dropna(subset=["code"]).drop_duplicates("code").set_index("code")
    table = {str(c): (str(known.at[c, "label"]), str(known.at[c, "colour"]))
             for c in order if c in known.index}
    keys = [None if pd.isna(c) else str(c) for c in rows["code"]]
    numbers, styles, legend = _lookup(keys, table)
    labels = np.array([str(label) if key is not None else display_text(raw)
                       for key, label, raw in zip(keys, rows["label"], uniques, strict=True)],
                      dtype=object)
    return numbers[inverse], styles, legend, labels[inverse].tolist()


# --- base layers ------------------------------------------------------------------------

def townships(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """Townships shaded by urbanisation rate, labelled in Chinese."""
    frame = _frame(ws, "townships")
    if frame is None:
        return None
    rate = pd.Series(np.nan, index=frame.index)
    if {"pop_total", "pop_urban"} <= set(frame.columns):
        total = pd.to_numeric(frame["pop_total"], errors="coerce")
        rate = pd.to_numeric(frame["pop_urban"], errors="coerce") / total.where(total > 0)
    frame["_rate"] = (rate * 100).map(lambda v: "" if pd.isna(v) else f"{v:.1f}%")
    breaks = [0.0, 0.1, 0.2, 0.3, 0.5, 1.0001]
    styles = [Style(fill=c, fill_opacity=0.45, color="#555555", weight=1.5)
              for c in S.RAMP_BLUE]
    labels = ["< 10%", "10% - 20%", "20% - 30%", "30% - 50%", ">= 50%"]
    classes = np.clip(np.searchsorted(breaks, rate.fillna(-1).to_numpy(), side="right") - 1,
                      0, 4)
    legend = [Category(f"城镇化率 urbanisation {lab}", st)
              for lab, st in zip(labels, styles, strict=True)]
    if rate.isna().any():
        nodata = Style(fill="#eeeeee", fill_opacity=0.45, color="#555555", weight=1.5)
        styles.append(nodata)
        legend.append(Category("城镇化率无数据 no data", nodata))
        classes = np.where(rate.isna().to_numpy(), len(styles) - 1, classes)
    fields = [(c, lab) for c, lab in [("name_en", "英文名 English"), ("kind", "类型 kind"),
                                      ("code", "代码 code"), ("pop_total", "总人口 population"),
                                      ("pop_urban", "城镇人口 urban population"),
                                      ("_rate", "城镇化率 urbanisation rate"),
                                      ("source", "来源 source")] if c in frame.columns]
    return _spec("townships", frame, classes.astype(np.int64), styles, legend, fields=fields,
                 title="name_zh", tooltip="name_zh", labels="name_zh", label_min_zoom=8)


def county(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """The county boundary (outline only; not clickable through to the layers below)."""
    frame = _frame(ws, "county")
    if frame is None:
        return None
    style = Style(fill=None, color="#222222", weight=3)
    fields = [(c, c) for c in ("name_en", "code") if c in frame.columns]
    return _spec("county", frame, np.zeros(len(frame), dtype=np.int64), [style],
                 [Category("县界 county boundary", style)], fields=fields,
                 title="name_zh" if "name_zh" in frame.columns else None)


def urban_plan(ws: Mapping[str, pd.DataFrame],
               classification: classes.Classification = "gb50137") -> LayerSpec | None:
    """The urban master plan by class of ``classification`` (GB 50137 by default)."""
    frame = _frame(ws, "urban_plan")
    if frame is None or "class_code" not in frame.columns:
        return None
    numbers, styles, legend, frame["_class"] = _classified(frame["class_code"], classification)
    return _spec("urban_plan", frame, numbers, styles, legend,
                 fields=[("zone_id", "编号 id"), ("class_code", "用地代码 class code"),
                         ("_class", "用地类别 class")], title="_class", tooltip="_class")


def landuse_plan(ws: Mapping[str, pd.DataFrame],
                 classification: classes.Classification = "tdt1024") -> LayerSpec | None:
    """The land-use master plan by class of ``classification`` (TD/T 1024 by default)."""
    frame = _frame(ws, "landuse_plan")
    if frame is None or "class_code" not in frame.columns:
        return None
    numbers, styles, legend, frame["_class"] = _classified(frame["class_code"], classification)
    fields = [("patch_id", "编号 id"), ("class_code", "规划用途代码 class code"),
              ("_class", "规划用途 class"), ("landuse_zone", "土地用途区 land-use zone")]
    return _spec("landuse_plan", frame, numbers, styles, legend,
                 fields=[f for f in fields if f[0] in frame.columns], title="_class",
                 tooltip="_class")


def control_zones(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """Construction-control zones (GZQLXDM 010-040, the ``control_zones`` table)."""
    frame = _frame(ws, "control_zones")
    if frame is None or "zone_code" not in frame.columns:
        return None
    numbers, styles, legend, frame["_zone"] = _classified(frame["zone_code"], "control_zones")
    return _spec("control_zones", frame, numbers, styles, legend,
                 fields=[("zone_id", "编号 id"), ("_zone", "管制区 zone")], title="_zone",
                 tooltip="_zone")


def control_lines(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """The three control lines, each type in its own colour."""
    frame = _frame(ws, "control_lines")
    if frame is None or "line_type" not in frame.columns:
        return None
    table = {k: (label, colour) for k, (label, colour, _, _) in S.CONTROL_LINES.items()}
    numbers, styles, legend = _lookup([display_text(t) for t in frame["line_type"]], table,
                                      outline=None)
    present = [k for k in table if k in set(frame["line_type"])]
    for i, k in enumerate(present):
        _, colour, opacity, width = S.CONTROL_LINES[k]
        styles[i] = Style(fill=colour, fill_opacity=opacity, color=colour, weight=width)
        legend[i] = Category(legend[i].label, styles[i])
    frame["_type"] = [table.get(t, (zh_code(display_text(t)),))[0] for t in frame["line_type"]]
    fields = [(c, lab) for c, lab in [("line_id", "编号 id"), ("_type", "类型 type"),
                                      ("source", "来源 source")] if c in frame.columns]
    return _spec("control_lines", frame, numbers, styles, legend, fields=fields,
                 title="name_zh" if "name_zh" in frame.columns else "_type", tooltip="_type")


def builtup_area(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """The county seat's built-up area (dashed outline)."""
    frame = _frame(ws, "builtup_area")
    if frame is None:
        return None
    style = Style(fill="#ffcc80", fill_opacity=0.12, color="#bf360c", weight=2, dash=(6, 4))
    return _spec("builtup_area", frame, np.zeros(len(frame), dtype=np.int64), [style],
                 [Category("建成区 built-up area", style)],
                 fields=[(c, c) for c in ("source",) if c in frame.columns],
                 title="name_zh" if "name_zh" in frame.columns else None)


def roads(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """Roads as grey lines."""
    frame = _frame(ws, "roads")
    if frame is None:
        return None
    style = Style(fill=None, color="#757575", weight=3)
    fields = [(c, lab) for c, lab in [("road_id", "编号 id"), ("width_m", "宽度 width (m)")]
              if c in frame.columns]
    title = "name_zh" if "name_zh" in frame.columns else None
    return _spec("roads", frame, np.zeros(len(frame), dtype=np.int64), [style],
                 [Category("道路 road", style, "line")], fields=fields, title=title,
                 tooltip=title)


# --- analyses -----------------------------------------------------------------------------

def discrepancies(report: ConformityReport | None) -> LayerSpec | None:
    """Discrepancy patches of a conformity report by code; reservoir water and slivers apart.

    Only patches with a code (where both plans apply) are drawn; the report's patches that
    lie in one plan only are left out of the map and counted in the log. None without a
    report.
    """
    if report is None:
        return None
    frame = report.discrepancies
    coded = frame["code"].map(display_text) != ""
    if (~coded).any():
        log.info("meeting map: %d discrepancy patches without a code (one plan only) left "
                 "out", int((~coded).sum()))
    frame = frame[coded.to_numpy()].copy()
    kind = frame["kind"].map(display_text) if "kind" in frame.columns else pd.Series(
        "", index=frame.index)
    sliver = frame["sliver"].fillna(False).astype(bool) if "sliver" in frame.columns else (
        kind.str.contains("sliver"))
    keys = np.where(sliver.to_numpy(), "sliver", np.where(
        kind.str.contains("reservoir").to_numpy(), "reservoir", frame["code"].map(display_text)))
    table = dict(S.DISCREPANCY)
    table["reservoir"] = S.DISCREPANCY_RESERVOIR
    table["sliver"] = S.DISCREPANCY_SLIVER
    numbers, styles, legend = _lookup([str(k) for k in keys], table, opacity=0.7,
                                      outline="#444444")
    frame["_class"] = [table.get(k, (k,))[0] for k in keys]
    if "sub_kind" in frame.columns:
        frame["_occupies"] = frame["sub_kind"].map(
            lambda v: S.OCCUPIES.get(display_text(v), display_text(v)))
    names = [("patch_id", "编号 id"), ("code", "差异类型 code"), ("_class", "类别 class"),
             ("_occupies", "占用 occupies"), ("township", "所属乡镇 township"),
             ("urban_class", "城规用地 urban plan class"),
             ("urban_class_name", "城规用地名称 urban plan"),
             ("land_class", "土规用途 land-use plan class"),
             ("land_class_name", "土规用途名称 land-use plan"),
             ("landuse_zone", "土地用途区 land-use zone"), ("area_m2", "面积 area (m²)"),
             ("area_mu", "面积 area (亩 mu)"), ("area_ha", "面积 area (公顷 ha)")]
    fields = [f for f in names if f[0] in frame.columns]
    return _spec("discrepancies", frame, numbers, styles, legend, fields=fields,
                 title="_class", tooltip="_class")


def _as_lines(value: object) -> str:
    """Reasons as one line each (a list, or text joined with ；), codes in Chinese."""
    if isinstance(value, list | tuple | np.ndarray):
        items = [display_text(v) for v in value]
    else:
        items = display_text(value).split("；")
    return "\n".join(zh_text(item.strip()) for item in items if item.strip())


def verdicts(report: ConformityReport | None) -> pd.DataFrame | None:
    """Each project's verdict and reasons (Chinese, one per line), index ``project_id``."""
    if report is None:
        return None
    frame = report.projects
    out = pd.DataFrame({"project_id": frame["project_id"].map(display_text),
                        "verdict": frame["verdict"].map(display_text),
                        "reasons": frame["reasons_zh"].map(_as_lines)})
    return out.drop_duplicates("project_id").set_index("project_id")


def checked_report(report: object) -> ConformityReport | None:
    """The report, when it is a :class:`planning.conformity.ConformityReport` or None."""
    if report is None or isinstance(report, ConformityReport):
        return report
    msg = (f"report must be a planning.ConformityReport (from planning.check_conformity(ws)) "
           f"or None, got {type(report).__name__}.")
    raise TypeError(msg)


def sanitation_zones(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """Sanitation responsibility zones coloured by department."""
    frame = _frame(ws, "sanitation_zones")
    if frame is None:
        return None
    by = "department" if "department" in frame.columns else None
    if by is None:
        classes, styles, legend = (np.zeros(len(frame), dtype=np.int64), [Style()],
                                   [Category("卫生责任区 zone", Style())])
    else:
        classes, styles, legend = categorical(frame[by], missing="无责任单位 no department")
        styles = [Style(fill=s.fill, fill_opacity=0.55, color="#424242", weight=1)
                  for s in styles]
        legend = [Category(c.label, st) for c, st in zip(legend, styles, strict=True)]
    if "kind" in frame.columns:
        frame["_kind"] = frame["kind"].map(lambda k: S.SANITATION_KIND.get(k, display_text(k)))
    names = [("zone_id", "编号 id"), ("_kind", "类型 kind"), ("township", "乡镇 township"),
             ("department", "责任单位 department"), ("person_in_charge", "责任人 in charge")]
    title = "name_zh" if "name_zh" in frame.columns else None
    return _spec("sanitation_zones", frame, classes, styles, legend,
                 fields=[f for f in names if f[0] in frame.columns], title=title,
                 tooltip=by or title, legend_title="责任单位 by department")


def layer_keys(keys: Sequence[str] | None) -> list[str]:
    """Check ``layers=`` and return the keys in drawing order."""
    if keys is None:
        return list(LAYERS)
    if isinstance(keys, str):
        keys = [keys]
    unknown = [k for k in keys if k not in LAYERS]
    if unknown:
        msg = (f"Unknown map layer(s) {', '.join(map(repr, unknown))}: choose from "
               f"{', '.join(LAYERS)}.")
        raise InputError(msg)
    return [k for k in LAYERS if k in set(keys)]


def sanitation_coverage(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """Gaps between and overlaps of sanitation zones (from planning.sanitation.check_coverage)."""
    from planning import sanitation  # noqa: PLC0415 - only when the map has zones

    zones = _frame(ws, "sanitation_zones")
    if zones is None:
        return None
    area = _frame(ws, "builtup_area")
    report = sanitation.check_coverage(zones, area)
    gaps = report.gaps.assign(_what="缺口 gap (no zone)", _id=report.gaps["gap_id"],
                              _zones=report.gaps["neighbours"])
    overlaps = report.overlaps.assign(
        _what="重叠 overlap", _id=report.overlaps["zone_a"] + " / " + report.overlaps["zone_b"],
        _zones=report.overlaps["zone_a"] + ";" + report.overlaps["zone_b"])
    keep = ["_what", "_id", "_zones", "area_m2", "sliver", "geometry"]
    frame = gpd.GeoDataFrame(pd.concat([gaps[keep], overlaps[keep]], ignore_index=True),
                             geometry="geometry", crs=zones.crs)
    frame["sliver"] = frame["sliver"].map({True: "是 yes", False: "否 no"})
    gap_style = Style(fill="#ff1744", fill_opacity=0.75, color="#b71c1c", weight=2)
    overlap_style = Style(fill="#7c4dff", fill_opacity=0.75, color="#311b92", weight=2)
    classes = np.r_[np.zeros(len(gaps), dtype=np.int64), np.ones(len(overlaps), dtype=np.int64)]
    legend = [Category(f"缺口 gap ({len(gaps)})", gap_style),
              Category(f"重叠 overlap ({len(overlaps)})", overlap_style)]
    fields = [("_id", "编号 id"), ("_zones", "相关责任区 zones"), ("area_m2", "面积 area (m²)"),
              ("sliver", "细小 sliver")]
    return _spec("sanitation_coverage", frame, classes, [gap_style, overlap_style], legend,
                 fields=fields, title="_what", tooltip="_what")


def sanitation_scores(ws: Mapping[str, pd.DataFrame], day: dt.date | None) -> LayerSpec | None:
    """Mean inspection score of each zone up to ``day`` (planning.sanitation.zone_scores)."""
    from planning import sanitation  # noqa: PLC0415 - only when the map has inspections

    zones = _frame(ws, "sanitation_zones")
    if zones is None or "inspections" not in ws:
        return None
    period = None if day is None else (dt.date(1900, 1, 1), day)
    frame = sanitation.zone_scores(ws["inspections"], zones, period=period)
    score = pd.to_numeric(frame["score"], errors="coerce")
    breaks = [60.0, 70.0, 80.0, 90.0]
    labels = ["< 60", "60 - 70", "70 - 80", "80 - 90", ">= 90"]
    classes = np.searchsorted(breaks, score.fillna(-1).to_numpy(), side="right")
    styles = [Style(fill=c, fill_opacity=0.75, color="#424242", weight=1) for c in S.RAMP_SCORE]
    legend = [Category(f"平均分 mean score {lab}", st)
              for lab, st in zip(labels, styles, strict=True)]
    if score.isna().any():
        none = Style(fill="#e0e0e0", fill_opacity=0.75, color="#424242", weight=1)
        styles.append(none)
        legend.append(Category("未检查 not inspected", none))
        classes = np.where(score.isna().to_numpy(), len(styles) - 1, classes)
    names = [("zone_id", "编号 id"), ("department", "责任单位 department"),
             ("score", "平均分 mean score"), ("n_inspections", "检查次数 inspections"),
             ("n_low", "低分次数 low scores"), ("last_date", "最近检查 last inspected")]
    title = "name_zh" if "name_zh" in frame.columns else None
    return _spec("sanitation_scores", frame, classes.astype(np.int64), styles, legend,
                 fields=[f for f in names if f[0] in frame.columns], title=title,
                 tooltip="score")
