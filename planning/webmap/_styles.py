"""Styles of map features and the colours of what is not a classification table.

The names and colours of plan classes (GB 50137, TD/T 1024, construction-control zones, ...)
are not kept here: they come from the classification tables in ``planning/data/classes/``
through :func:`planning.classes.styles`, so that a provincial table passed to the check
changes the map alike. Kept here: project status, conformity verdicts, discrepancy codes,
the three control lines, ramps, and the project vocabularies' display labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from planning._core.colours import is_colour


@dataclass(frozen=True)
class Style:
    """How the features of one class are drawn.

    Parameters
    ----------
    fill : str or None
        Fill colour ``#rrggbb`` (None: no fill; lines are never filled).
    fill_opacity : float
        0 (transparent) to 1.
    color : str or None
        Outline (or line, or point ring) colour ``#rrggbb``; None draws no outline.
    weight : float
        Outline or line width in pixels.
    opacity : float
        Opacity of the outline or line.
    dash : tuple of float, optional
        Dash pattern in pixels, e.g. ``(6, 4)``.
    radius : float
        Radius of point symbols in pixels.
    line_width : float
        Width of line features drawn in the ``fill`` colour (``color`` then draws a casing
        ``weight`` pixels wide on each side); lines of a style without ``fill`` are drawn
        ``weight`` wide in ``color``.

    Examples
    --------
    >>> Style(fill="#ff0000").to_json()["fill"]
    '#ff0000'
    >>> Style(fill="red")
    Traceback (most recent call last):
    ...
    ValueError: Colours are written #rrggbb, e.g. '#1f78b4'; got 'red' for fill.
    """

    fill: str | None = "#3388ff"
    fill_opacity: float = 0.5
    color: str | None = "#333333"
    weight: float = 1.0
    opacity: float = 1.0
    dash: tuple[float, ...] | None = None
    radius: float = 6.0
    line_width: float = 4.0

    def __post_init__(self) -> None:
        for name in ("fill", "color"):
            value = getattr(self, name)
            if value is not None and not is_colour(value):
                msg = f"Colours are written #rrggbb, e.g. '#1f78b4'; got {value!r} for {name}."
                raise ValueError(msg)
        numbers = [self.fill_opacity, self.weight, self.opacity, self.radius, self.line_width,
                   *(self.dash or ())]
        if not all(isinstance(v, int | float) and v >= 0 for v in numbers):
            msg = "Style opacities, widths, radius and dashes must be non-negative numbers."
            raise ValueError(msg)

    def to_json(self) -> dict[str, Any]:
        """The style as the map's script reads it."""
        return {"fill": self.fill, "fillOpacity": self.fill_opacity, "color": self.color,
                "weight": self.weight, "opacity": self.opacity,
                "dash": list(self.dash) if self.dash else None, "radius": self.radius,
                "lineWidth": self.line_width}


@dataclass(frozen=True)
class Category:
    """One class of a layer: the label shown in the legend and the style of its features."""

    label: str
    style: Style
    kind: str = "polygon"  # legend symbol: polygon, line or point
    extra: Mapping[str, str] = field(default_factory=dict)


#: Sequential ramps (light to dark), five classes.
RAMP_BLUE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
RAMP_SCORE = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")  # low (bad) to high

#: Project status: (label, fill).
STATUS = {
    "planned": ("计划 planned", "#1f78b4"),
    "in_progress": ("在建 in progress", "#ff7f00"),
    "completed": ("已完成 completed", "#33a02c"),
    "suspended": ("暂停 suspended", "#7f7f7f"),
}
STATUS_UNKNOWN = ("状态不明 status unknown", "#bbbbbb")

#: Conformity verdict of a project: (label, outline colour, outline width).
VERDICT = {
    "conforms": ("符合 conforms", "#1b5e20", 1.5),
    "conditional": ("有条件 conditional", "#f9a825", 4.0),
    "conflict": ("冲突 conflict", "#d50000", 4.0),
}
VERDICT_NONE = ("未审查 not checked", "#333333", 1.0)
OVERDUE = ("节点逾期 overdue node", "#aa00ff")

#: Project category labels (the ledger's vocabulary).
CATEGORY = {
    "old_town": "老城改造 old-town renovation",
    "new_district": "新区开发 new-district development",
    "industry_city": "产城融合 industry-city integration",
    "small_town": "小城镇建设 small-town construction",
    "new_countryside": "新农村建设 new countryside",
    "new_community": "新型社区建设 new-type community",
    "infrastructure": "基础设施 infrastructure",
    "industry": "产业项目 industry",
    "culture": "文化旅游 culture and tourism",
}

#: Plans named in a project's ``listed_in``.
PLANS_LISTED = {"fyp12": "十二五规划重点项目 12th Five-Year Plan",
                "ledger2011": "2011年重点工作台账 2011 key-works ledger"}

#: Discrepancy codes (差异图斑): label, fill.
DISCREPANCY = {
    "01": ("01 两规均为建设用地 both construction", "#bdbdbd"),
    "02": ("02 两规均为非建设用地 both non-construction", "#c7e9c0"),
    "03": ("03 土规建设、城规非建设 land-use plan only", "#ff7f00"),
    "04": ("04 城规建设、土规非建设 urban plan only", "#e31a1c"),
}
DISCREPANCY_RESERVOIR = ("水库水面(非冲突) reservoir water, not a conflict", "#6baed6")
DISCREPANCY_SLIVER = ("细小图斑 sliver", "#6a3d9a")
#: What an 04 patch occupies (``sub_kind`` of the conformity report).
OCCUPIES = {"basic_farmland": "基本农田 basic farmland",
            "other_farmland": "一般农田 general farmland",
            "ecological": "生态用地 ecological land", "reservoir_water": "水库水面 reservoir water",
            "other": "其他 other"}

#: Control lines: label, colour, fill opacity, width.
CONTROL_LINES = {
    "permanent_basic_farmland": ("永久基本农田 permanent basic farmland", "#d4b000", 0.25, 2.0),
    "ecological_red_line": ("生态保护红线 ecological red line", "#e41a1c", 0.15, 3.0),
    "urban_development_boundary": ("城镇开发边界 urban development boundary", "#7b3294",
                                   0.0, 3.0),
}

#: Sanitation zone kinds.
SANITATION_KIND = {"area": "片区 area", "road_section": "路段 road section",
                   "frontage": "门前 frontage"}
