"""The territorial plan's layers of the meeting map: planning zones, land/sea use, the
development boundary's zone kinds, the plan's own conflicts, and the territorial verdicts.

Names and fills come from the class tables (``planning/data/territorial/planning_zones.csv``
for the zones, ``planning/data/classes/guide2023.csv`` for land and sea use) through
:func:`planning.classes.styles`, as the other plan layers do.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from planning import classes
from planning.conformity import PLAN_CHECKS, ConformityReport, planning_zone_table
from planning.webmap import _styles as S  # noqa: N812 - the colour tables
from planning.webmap._escape import display_text
from planning.webmap._layers import LayerSpec
from planning.webmap._meeting import _as_lines, _classified, _frame, _lookup, _spec
from planning.webmap._styles import Category, Style

#: zone kinds of the development boundary -> the planning-zone code whose name and fill
#: they take
_KIND_CODES = {"concentrated": "0401", "flexible": "0402", "special": "0403"}


def planning_zones(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """The territorial plan's planning zones (GHFQDM) in the zone table's colours."""
    frame = _frame(ws, "planning_zones")
    if frame is None or "zone_code" not in frame.columns:
        return None
    numbers, styles, legend, frame["_zone"] = _classified(frame["zone_code"],
                                                          planning_zone_table())
    fields = [(c, lab) for c, lab in [("zone_id", "编号 id"), ("_zone", "规划分区 zone"),
                                      ("source", "来源 source")] if c in frame.columns]
    return _spec("planning_zones", frame, numbers, styles, legend, fields=fields,
                 title="_zone", tooltip="_zone")


def landsea_use(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """Land and sea use of the central urban area in the 2023 guide's colours."""
    frame = _frame(ws, "landsea_use")
    if frame is None or "class_code" not in frame.columns:
        return None
    numbers, styles, legend, frame["_class"] = _classified(frame["class_code"], "guide2023")
    fields = [(c, lab) for c, lab in [("patch_id", "编号 id"), ("_class", "用地用海 class"),
                                      ("source", "来源 source")] if c in frame.columns]
    return _spec("landsea_use", frame, numbers, styles, legend, fields=fields,
                 title="_class", tooltip="_class")


def boundary_zones(ws: Mapping[str, pd.DataFrame]) -> LayerSpec | None:
    """The development boundary by zone kind (城镇集中建设区, 城镇弹性发展区, 特别用途区)."""
    lines = _frame(ws, "control_lines")
    if lines is None or not {"line_type", "boundary_zone"} <= set(lines.columns):
        return None
    frame = lines[(lines["line_type"].astype(str) == "urban_development_boundary")
                  & lines["boundary_zone"].notna()].copy()
    if not len(frame):
        return None
    zones = classes.styles(list(_KIND_CODES.values()), planning_zone_table())
    table = {kind: (str(label), str(colour)) for kind, label, colour in
             zip(_KIND_CODES, zones["label"], zones["colour"], strict=True)}
    numbers, styles, legend = _lookup([display_text(k) for k in frame["boundary_zone"]], table,
                                      opacity=0.45, outline="#7b3294")
    frame["_kind"] = [table.get(display_text(k), (display_text(k),))[0]
                      for k in frame["boundary_zone"]]
    fields = [(c, lab) for c, lab in [("line_id", "编号 id"), ("_kind", "分区 zone kind"),
                                      ("source", "来源 source")] if c in frame.columns]
    return _spec("boundary_zones", frame, numbers, styles, legend, fields=fields,
                 title="_kind", tooltip="_kind")


def plan_conflicts(report: ConformityReport | None) -> LayerSpec | None:
    """Conflicts of the territorial plan itself (slivers left out of the map)."""
    if report is None or report.plan_conflicts is None:
        return None
    frame = report.plan_conflicts[~report.plan_conflicts["sliver"].astype(bool)].copy()
    frame = frame[frame["check"] != "boundary_quota"]  # the whole boundary: in the popup text
    style = Style(fill="#ff00ff", fill_opacity=0.55, color="#8e24aa", weight=2)
    frame["_check"] = [PLAN_CHECKS.get(str(c), display_text(c)) for c in frame["check"]]
    legend = [Category("规划自身冲突 conflicts of the plan", style)]
    fields = [("conflict_id", "编号 id"), ("_check", "类型 kind"), ("what", "内容 what"),
              ("area_mu", "面积 area (亩 mu)"), ("detail_zh", "说明 detail")]
    return _spec("plan_conflicts", frame, np.zeros(len(frame), dtype=np.int64), [style],
                 legend, fields=fields, title="what", tooltip="what")


def territorial_verdicts(report: ConformityReport | None) -> pd.DataFrame | None:
    """The territorial verdict and reasons of each project (index ``project_id``) when the
    report has the territorial review beside the two-plans one (``system="both"``)."""
    if report is None or report.system != "both" or report.territorial_projects is None:
        return None
    frame = report.territorial_projects
    verdict = frame["verdict"].map(display_text)
    out = pd.DataFrame({
        "project_id": frame["project_id"].map(display_text),
        "verdict": [S.VERDICT.get(v, S.VERDICT_NONE)[0] for v in verdict],
        "reasons": frame["reasons_zh"].map(_as_lines),
    })
    return out.drop_duplicates("project_id").set_index("project_id")
