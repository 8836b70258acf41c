"""The projects layer of the meeting map: status on a date, overdue nodes, conformity verdict.

Fill colour shows the status on the map's date (or, with ``by="light"``, the progress light
红黄绿灯 of :meth:`planning.Ledger.lights`, in the colours of the rule table), the outline the
conformity verdict (thick amber: conditional, thick red: conflict), and a dashed purple
outline marks projects with overdue time nodes. The popup holds the ledger row in Chinese
with the next node, the light and its reason, the verdict and its reasons.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from planning._core.vocab import zh_code
from planning._errors import InputError
from planning.conformity import ConformityReport
from planning.ledger import LIGHTS, Ledger, ProgressRule
from planning.webmap import _styles as S  # noqa: N812 - the colour tables
from planning.webmap._escape import chinese_text, display_text
from planning.webmap._layers import LayerSpec
from planning.webmap._meeting import LAYERS, SHOWN, _frame, verdicts
from planning.webmap._styles import Category, Style
from planning.webmap._territorial import territorial_verdicts

log = logging.getLogger(__name__)

_STATE_COLUMNS = ["status", "overdue_nodes", "next_node", "next_due", "next_responsible",
                  "light", "light_reason"]
#: what the projects' fill colour shows
COLOUR_BY = ("status", "light")
_LIGHT_LABELS = {"red": "红灯 behind schedule", "yellow": "黄灯 slipping",
                 "green": "绿灯 on schedule"}
_NO_LIGHT = ("无进度灯 no light", "#bbbbbb")


def _ledger(ws: Mapping[str, pd.DataFrame]) -> Ledger:
    ledger = getattr(ws, "ledger", None)
    if isinstance(ledger, Ledger):
        return ledger
    tables = {k: v for k, v in ws.items() if not isinstance(v, gpd.GeoDataFrame)}
    return Ledger.from_tables(ws["projects"], tables)


def project_states(ws: Mapping[str, pd.DataFrame], day: dt.date) -> pd.DataFrame:
    """Each project's state on ``day`` from the ledger (index ``project_id``).

    Columns :data:`_STATE_COLUMNS`, from :meth:`planning.ledger.Ledger.snapshot`.
    """
    if "time_nodes" not in ws:  # no ledger to ask: the recorded status, no time nodes
        log.info("meeting map: no time_nodes table; projects show their recorded status")
        projects = ws["projects"]
        out = pd.DataFrame(index=projects["project_id"].map(display_text))
        out["status"] = projects["status"].to_numpy() if "status" in projects else None
        out["overdue_nodes"] = 0
        out["next_node"] = out["next_due"] = out["next_responsible"] = None
        out["light"] = out["light_reason"] = None
        return out[~out.index.duplicated()]
    ledger = _ledger(ws)
    lights = ledger.lights(on=day).projects.set_index("project_id")
    snap = ledger.snapshot(on=day)
    snap = snap.assign(light=snap["project_id"].map(lights["light"]),
                       light_reason=snap["project_id"].map(lights["reason"]))
    snap = snap.assign(project_id=snap["project_id"].map(display_text))
    return snap.drop_duplicates("project_id").set_index("project_id")[_STATE_COLUMNS]


def default_day(ws: Mapping[str, pd.DataFrame]) -> dt.date:
    """The map's date when none is given: the ledger's date, else today."""
    if "projects" in ws and "time_nodes" in ws:
        as_of = _ledger(ws).as_of
        if as_of is not None:
            return pd.Timestamp(as_of).date()
    return dt.date.today()


def _next_text(row: pd.Series) -> str:
    if not display_text(row.get("next_node")):
        return ""
    extra = [display_text(row.get("next_due")), display_text(row.get("next_responsible"))]
    extra = [e for e in extra if e]
    return display_text(row["next_node"]) + (f"（{'，'.join(extra)}）" if extra else "")


def _display_columns(frame: gpd.GeoDataFrame, states: pd.DataFrame,
                     verdicts: pd.DataFrame | None) -> gpd.GeoDataFrame:
    ids = frame["project_id"].map(display_text)
    st = states.reindex(ids)
    status = st["status"].where(st["status"].isin(list(S.STATUS)), None).to_numpy()
    frame["_status_key"] = status
    frame["_status"] = [S.STATUS.get(s, S.STATUS_UNKNOWN)[0] for s in status]
    frame["_overdue_n"] = st["overdue_nodes"].fillna(0).astype(int).to_numpy()
    frame["_overdue"] = [f"{k} 个节点逾期 node(s) overdue" if k else ""
                         for k in frame["_overdue_n"]]
    frame["_next"] = [_next_text(r) for _, r in st.iterrows()]
    light = st["light"].where(st["light"].isin(list(LIGHTS)), None).to_numpy()
    frame["_light_key"] = light
    frame["_light"] = [f"{LIGHTS[k]} {display_text(r)}".strip() if k in LIGHTS else ""
                       for k, r in zip(light, st["light_reason"], strict=True)]
    if verdicts is not None:
        v = verdicts.reindex(ids)
        frame["_verdict_key"] = v["verdict"].where(v["verdict"].isin(list(S.VERDICT)),
                                                   None).to_numpy()
        frame["_verdict"] = [S.VERDICT.get(k, S.VERDICT_NONE)[0] for k in frame["_verdict_key"]]
        frame["_reasons"] = v["reasons"].fillna("").to_numpy()
    else:
        frame["_verdict_key"] = None
        frame["_verdict"] = S.VERDICT_NONE[0]
        frame["_reasons"] = ""
    if "category" in frame:
        frame["_category"] = [display_text(zh) or S.CATEGORY.get(c, display_text(c))
                              for c, zh in zip(frame["category"],
                                               frame.get("category_zh", frame["category"]),
                                               strict=True)]
    if "investment_wan" in frame:
        frame["_investment"] = frame["investment_wan"].map(
            lambda v: f"{display_text(v)} 万元" if display_text(v) else "")
    if "listed_in" in frame:
        frame["_listed"] = frame["listed_in"].map(
            lambda v: "；".join(chinese_text(S.PLANS_LISTED.get(k, zh_code(k)))
                               for k in display_text(v).split(";") if k))
    return frame


def _fills(by: str) -> tuple[dict[str, tuple[str, str]], tuple[str, str]]:
    """(label, fill) by key of what the fill shows, and the fill of features without one."""
    if by == "light":
        colours = ProgressRule.read().colours  # the bureau's rule table
        return {k: (_LIGHT_LABELS[k], colours[k]) for k in LIGHTS}, _NO_LIGHT
    return S.STATUS, S.STATUS_UNKNOWN


def _classes(frame: gpd.GeoDataFrame, by: str = "status") -> tuple[np.ndarray, list[Style]]:
    key = "_light_key" if by == "light" else "_status_key"
    table, unknown = _fills(by)
    combos = list(zip(frame[key], frame["_verdict_key"], frame["_overdue_n"] > 0,
                      strict=True))
    unique = sorted(set(combos), key=lambda c: (str(c[0]), str(c[1]), c[2]))
    index = {c: i for i, c in enumerate(unique)}
    styles = []
    for status, verdict, overdue in unique:
        fill = table.get(status, unknown)[1]
        _, outline, width = S.VERDICT.get(verdict, S.VERDICT_NONE)
        if overdue and verdict not in ("conditional", "conflict"):
            outline, width = S.OVERDUE[1], 3.0
        styles.append(Style(fill=fill, fill_opacity=0.75, color=outline, weight=width,
                            dash=(5, 3) if overdue else None, radius=8, line_width=5))
    return np.array([index[c] for c in combos], dtype=np.int64), styles or [Style()]


def _legend(has_verdicts: bool, by: str = "status") -> list[Category]:
    rows = [Category(label, Style(fill=colour, color="#333333"), "point")
            for label, colour in _fills(by)[0].values()]
    if has_verdicts:
        rows += [Category(label, Style(fill=None, color=colour, weight=width))
                 for label, colour, width in S.VERDICT.values()]
    rows.append(Category(S.OVERDUE[0], Style(fill=None, color=S.OVERDUE[1], weight=3,
                                             dash=(5, 3))))
    return rows


def projects(ws: Mapping[str, pd.DataFrame], report: ConformityReport | None, day: dt.date,
             *, by: str = "status") -> LayerSpec | None:
    """Projects by status (or progress light) on ``day`` and by conformity verdict, with
    the ledger popup."""
    if by not in COLOUR_BY:
        msg = f"projects_by must be one of {', '.join(COLOUR_BY)}, got {by!r}"
        raise InputError(msg)
    frame = _frame(ws, "projects")
    if frame is None or "project_id" not in frame.columns:
        return None
    checked = verdicts(report)
    frame = _display_columns(frame, project_states(ws, day), checked)
    territorial = territorial_verdicts(report)  # system="both": the second review
    if territorial is not None:
        ids = frame["project_id"].map(display_text)
        frame["_t_verdict"] = territorial["verdict"].reindex(ids).fillna("").to_numpy()
        frame["_t_reasons"] = territorial["reasons"].reindex(ids).fillna("").to_numpy()
    classes, styles = _classes(frame, by)
    names = [("project_id", "编号 ID"), ("_category", "类别 category"),
             ("township", "所属乡镇 township"), ("lead_department", "牵头单位 lead department"),
             ("_investment", "投资 investment"), ("start_date", "开工 start"),
             ("planned_completion", "计划完成 planned completion"),
             ("_status", "状态 status"), ("_light", "进度灯 progress light"),
             ("_next", "下一节点 next node"),
             ("_overdue", "逾期 overdue"), ("_verdict", "审查结论 verdict"),
             ("_reasons", "原因 reasons"),
             ("_t_verdict", "国土空间规划审查 territorial review"),
             ("_t_reasons", "国土审查原因 territorial reasons"), ("_listed", "列入 listed in")]
    fields = [f for f in names if f[0] in frame.columns]
    search = [c for c in ("name_zh", "project_id", "name_en") if c in frame.columns]
    title = "name_zh" if "name_zh" in frame.columns else "project_id"
    return LayerSpec(key="projects", name=LAYERS["projects"], frame=frame, classes=classes,
                     styles=styles, legend=_legend(checked is not None, by), fields=fields,
                     title=title, tooltip=title, search=search, show="projects" in SHOWN,
                     labels=title, label_min_zoom=14, fold=["_reasons", "_t_reasons"])
