"""Meeting maps: one-file HTML maps that open offline, stay fast at 100k polygons, run no data.

- :func:`meeting_map` builds a ``folium.Map`` of a workspace for the 10-day working meeting:
  townships, projects (status on a date, conformity verdict, ledger popup), discrepancy
  patches, plans, control lines, sanitation zones; layer control, legend, scale bar,
  fullscreen, measuring tool (m, m², mu, ha), search by project name, title and date.
- :func:`save_map` writes any folium map as one HTML file, atomically; with
  ``offline=True`` (the default) Leaflet and the plugins are inlined from the vendored
  copies and no web address remains but the chosen basemap's tile URL.
- :func:`add_layer` puts any GeoDataFrame on a map as a compact canvas layer.
- :func:`basemap` picks tiles: none (default, offline), OpenStreetMap, Tianditu, Gaode.

Every value that came from data reaches the page escaped (see ``_escape``).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import Figure

from planning import classes
from planning._core.dates import DateLike, as_of
from planning._errors import CRSError, InputError
from planning.conformity import ConformityReport
from planning.webmap import _meeting, _projects, _territorial
from planning.webmap._basemaps import Basemap, basemap
from planning.webmap._elements import (
    LEAFLET_CSS,
    LEAFLET_JS,
    CompactLayer,
    Fullscreen,
    Measure,
    Panel,
    Runtime,
    Search,
)
from planning.webmap._escape import chinese_text, html_text
from planning.webmap._layers import LayerSpec, add_layer, lonlat_transform, make_layer
from planning.webmap._legend import legend_html, title_html
from planning.webmap._meeting import LAYERS
from planning.webmap._offline import OfflineError, inline, remaining_addresses
from planning.webmap._styles import Category, Style

__all__ = ["LAYERS", "Basemap", "Category", "CompactLayer", "LayerSpec", "MeetingMap",
           "OfflineError", "Style", "add_layer", "basemap", "chinese_text", "html_text",
           "layer_specs",
           "meeting_map", "remaining_addresses", "render_html", "save_map"]

log = logging.getLogger(__name__)

_CONTROL_TYPES = (folium.LayerControl, Search, Panel, Measure, Fullscreen)


class MeetingMap(folium.Map):  # type: ignore[misc]
    """A ``folium.Map`` that loads only Leaflet (plus what added elements need).

    Attributes
    ----------
    basemap : Basemap
        The tiles (and whether layers are shifted to GCJ-02).
    gcj02 : bool
        True when layers are drawn in GCJ-02 (for Gaode tiles).
    legend_sections : list of (str, list of Category, bool)
        The legend, one section per layer (name, rows, open when the map opens);
        :func:`add_layer` appends to it.
    day : datetime.date or None
        The day the map shows (projects coloured by their status on it, the date in the
        title), when it has one.
    """

    def __init__(self, *, basemap: Basemap | None = None, title: str = "",
                 day: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(tiles=None, control_scale=False, zoom_control=True, **kwargs)
        self.default_js = [("leaflet", LEAFLET_JS)]
        self.default_css = [("leaflet_css", LEAFLET_CSS)]
        self.basemap = basemap or globals()["basemap"](None)
        self.gcj02 = self.basemap.gcj02
        self.title = title
        self.day = day
        for tile in self.basemap.tiles:
            folium.TileLayer(tiles=tile.url, attr=html_text(self.basemap.attribution),
                             subdomains=tile.subdomains or "abc",
                             max_native_zoom=tile.max_native_zoom, max_zoom=19,
                             name=self.basemap.label, control=False).add_to(self)
        self.add_child(Runtime(background="#f2efe9" if self.basemap.offline else None))
        self.legend_sections: list[tuple[str, list[Category], bool]] = []
        root = self.get_root()
        if isinstance(root, Figure):
            root.title = html_text(title)

    def _repr_html_(self, **kwargs: Any) -> str:  # noqa: ARG002 - Jupyter's signature
        """In Jupyter: the self-contained page in an iframe (shows without internet)."""
        try:
            page = render_html(self, offline=True)
        except OfflineError as err:
            log.warning("showing the map with CDN links (it needs internet): %s", err)
            page = render_html(self, offline=False)
        root = self.get_root()
        ratio = getattr(root, "ratio", "60%")
        return ('<div style="width:100%;"><div style="position:relative;width:100%;height:0;'
                f'padding-bottom:{ratio};"><iframe srcdoc="{html.escape(page, quote=True)}" '
                'style="position:absolute;width:100%;height:100%;left:0;top:0;'
                'border:none !important;" allowfullscreen></iframe></div></div>')

    def _needs_folium_assets(self) -> bool:
        stack = list(self._children.values())
        while stack:
            element = stack.pop()
            if isinstance(element, folium.Icon):
                return True
            stack.extend(element._children.values())
        return bool(self.objects_to_stay_in_front)

    def render(self, **kwargs: Any) -> Any:
        """Render, with the legend up to date and the controls after every layer."""
        if self.legend_sections:
            self.add_child(Panel(legend_html(self.legend_sections), position="bottomright",
                                 css_class="pm-panel pm-legend"), name="planning_legend")
        controls = [k for k, v in self._children.items() if isinstance(v, _CONTROL_TYPES)]
        controls.sort(key=lambda k: isinstance(self._children[k], folium.LayerControl))
        for key in controls:
            self._children.move_to_end(key)
        if self._needs_folium_assets():
            self.default_js = [("leaflet", LEAFLET_JS)] + [
                item for item in folium.Map.default_js if item[0] != "leaflet"]
            self.default_css = [("leaflet_css", LEAFLET_CSS)] + [
                item for item in folium.Map.default_css if item[0] != "leaflet_css"]
        return super().render(**kwargs)  # type: ignore[no-untyped-call]


def _bounds(specs: Sequence[LayerSpec], gcj02: bool) -> list[list[float]] | None:
    frames = [s.frame for s in specs if s.key in ("county", "townships")] or \
             [s.frame for s in specs]
    boxes = []
    for frame in frames:
        if len(frame) == 0 or frame.crs is None:
            continue
        x0, y0, x1, y1 = frame.total_bounds
        if not np.all(np.isfinite([x0, y0, x1, y1])):
            continue
        xs = np.array([x0, x1, x0, x1])
        ys = np.array([y0, y0, y1, y1])
        lon, lat = lonlat_transform(frame.crs, gcj02=gcj02)(xs, ys)
        boxes.append((lon.min(), lat.min(), lon.max(), lat.max()))
    if not boxes:
        return None
    b = np.array(boxes)
    return [[float(b[:, 1].min()), float(b[:, 0].min())],
            [float(b[:, 3].max()), float(b[:, 2].max())]]


def _notes(specs: Sequence[LayerSpec]) -> list[str]:
    schematic = [s.name for s in specs if "source" in s.frame.columns and s.frame["source"]
                 .astype(str).str.lower().str.startswith("schematic").any()]
    if not schematic:
        return []
    return [f"{len(schematic)} 个图层为示意数据，非测绘成果 "
            f"{len(schematic)} layer(s) schematic, not surveyed (see each feature's source)"]


def _check_workspace(ws: object) -> Mapping[str, pd.DataFrame]:
    if not isinstance(ws, Mapping):
        msg = (f"ws must be a planning.Workspace (or a mapping of layer names to "
               f"GeoDataFrames), got {type(ws).__name__}. Open one with "
               "planning.open_workspace(path) or planning.load_sample().")
        raise TypeError(msg)
    missing = [k for k, v in ws.items() if hasattr(v, "crs") and v.crs is None]
    if missing:
        msg = (f"Layer(s) {', '.join(missing)} have no CRS; the map cannot place them. Set it "
               "with gdf.set_crs('EPSG:4548') or read them with planning.read_layer().")
        raise CRSError(msg)
    return ws


def _specs(ws: Mapping[str, pd.DataFrame], report: ConformityReport | None, keys: list[str],
           day: dt.date, plans: tuple[classes.Classification, classes.Classification],
           *, projects_by: str = "status") -> list[LayerSpec]:
    builders = {
        "townships": lambda: _meeting.townships(ws),
        "landuse_plan": lambda: _meeting.landuse_plan(ws, plans[1]),
        "urban_plan": lambda: _meeting.urban_plan(ws, plans[0]),
        "control_zones": lambda: _meeting.control_zones(ws),
        "planning_zones": lambda: _territorial.planning_zones(ws),
        "landsea_use": lambda: _territorial.landsea_use(ws),
        "sanitation_scores": lambda: _meeting.sanitation_scores(ws, day),
        "sanitation_zones": lambda: _meeting.sanitation_zones(ws),
        "discrepancies": lambda: _meeting.discrepancies(report),
        "control_lines": lambda: _meeting.control_lines(ws),
        "boundary_zones": lambda: _territorial.boundary_zones(ws),
        "plan_conflicts": lambda: _territorial.plan_conflicts(report),
        "sanitation_coverage": lambda: _meeting.sanitation_coverage(ws),
        "builtup_area": lambda: _meeting.builtup_area(ws),
        "roads": lambda: _meeting.roads(ws),
        "projects": lambda: _projects.projects(ws, report, day, by=projects_by),
        "county": lambda: _meeting.county(ws),
    }
    specs = []
    for key in keys:
        spec = builders[key]()
        if spec is None:
            log.info("meeting map: no %s layer (not in the workspace or report)", key)
        elif len(spec.frame) == 0:
            log.info("meeting map: layer %s is empty", key)
        else:
            specs.append(spec)
    return specs


def layer_specs(
    ws: Mapping[str, pd.DataFrame],
    report: ConformityReport | None = None,
    *,
    layers: Sequence[str] | None = None,
    on: DateLike | None = None,
    urban_classification: classes.Classification = "gb50137",
    land_classification: classes.Classification = "tdt1024",
) -> list[LayerSpec]:
    """The layers of the meeting map as data: features, classes, styles and legend rows.

    What :func:`meeting_map` draws, for other renderers (the printed thematic maps of
    :func:`planning.print_map` draw the same classes in the same colours). Arguments as in
    :func:`meeting_map`; layers the workspace lacks, or that are empty, are left out.

    Examples
    --------
    >>> import planning
    >>> specs = layer_specs(planning.load_sample(), layers=["townships", "roads"])
    >>> [s.key for s in specs], specs[0].legend[0].label
    (['townships', 'roads'], '城镇化率 urbanisation < 10%')
    """
    ws = _check_workspace(ws)
    checked = _meeting.checked_report(report)
    keys = _meeting.layer_keys(layers)
    day = as_of(on).date() if on is not None else _projects.default_day(ws)
    return _specs(ws, checked, keys, day, (urban_classification, land_classification))


def meeting_map(
    ws: Mapping[str, pd.DataFrame],
    report: ConformityReport | None = None,
    *,
    layers: Sequence[str] | None = None,
    basemap: str | Basemap | None = None,
    title: str | None = None,
    on: DateLike | None = None,
    urban_classification: classes.Classification = "gb50137",
    land_classification: classes.Classification = "tdt1024",
    projects_by: str = "status",
) -> MeetingMap:
    """Build the meeting map of a workspace.

    Parameters
    ----------
    ws : Workspace
        The county's layers and tables (any subset of the layer contract works).
    report : planning.ConformityReport, optional
        From :func:`planning.check_conformity`; adds the discrepancy patches and each
        project's verdict and reasons. Without it, projects show as "not checked". Anything
        else is a ``TypeError``.
    layers : list of str, optional
        Keys of the layers to draw (default: every one the workspace has), from
        ``townships, landuse_plan, urban_plan, control_zones, sanitation_scores,
        sanitation_zones, discrepancies, control_lines, sanitation_coverage, builtup_area,
        roads, projects, county``.
    basemap : str or Basemap, optional
        ``None`` (no tiles, works offline), ``"osm"``, ``"tianditu"``, ``"tianditu-img"``,
        ``"gaode"`` or ``"gaode-img"``; see :func:`planning.webmap.basemap`.
    title : str, optional
        Shown at the top (default: the workspace's name and 会议地图).
    on : date, optional
        Projects are shown with their status on this day, overdue time nodes flagged,
        inspection scores averaged up to it (as every ``on=``: a month such as ``2011-12``
        means its last day). Default: the ledger's latest date.
    urban_classification, land_classification : str, path or DataFrame
        The classification tables of the urban plan and the land-use plan (see
        :mod:`planning.classes`; default the bundled GB 50137 and TD/T 1024 tables): class
        names and fills come from them, matched as the conformity check matches codes.
        Pass the same tables as to :func:`planning.check_conformity`.
    projects_by : {"status", "light"}, default "status"
        What the projects' fill shows: their status on ``on``, or their progress light
        (红黄绿灯 against the scheduled progress, :meth:`planning.Ledger.lights`, in the
        colours of ``planning/data/progress_lights.csv``). The popup shows both.

    Returns
    -------
    MeetingMap
        A ``folium.Map``: add any folium element, then :func:`save_map`.

    Examples
    --------
    >>> import planning
    >>> m = planning.meeting_map(planning.load_sample(), on="2011-12-17")
    >>> sorted(layer.key for layer in m._children.values() if isinstance(layer, CompactLayer))[:4]
    ['boundary_zones', 'builtup_area', 'control_lines', 'control_zones']
    """
    ws = _check_workspace(ws)
    checked = _meeting.checked_report(report)
    keys = _meeting.layer_keys(layers)
    chosen = globals()["basemap"](basemap)
    day = as_of(on).date() if on is not None else _projects.default_day(ws)
    specs = _specs(ws, checked, keys, day, (urban_classification, land_classification),
                   projects_by=projects_by)
    name = title if title is not None else (
        f"{getattr(ws, 'name', '') or '台前县'} 城乡建设工作会议地图 meeting map")
    m = MeetingMap(basemap=chosen, title=name, day=day, max_zoom=19, zoom_start=11,
                   location=[36.0, 115.85])
    made = []
    for spec in specs:
        layer = make_layer(spec, lonlat_transform(spec.frame.crs, gcj02=chosen.gcj02))
        m.add_child(layer)
        made.append(layer)
        m.legend_sections.append((spec.name, spec.legend, spec.show))
    bounds = _bounds(specs, chosen.gcj02)
    if bounds:
        m.fit_bounds(bounds)
    date_text = day.isoformat()
    m.add_child(Panel(title_html(name, date_text=date_text, notes=_notes(specs)),
                      position="topcenter", css_class="pm-panel pm-title"))
    searchable = [layer for layer, spec in zip(made, specs, strict=True) if spec.search]
    if searchable:
        m.add_child(Search(searchable, placeholder="搜索项目 Search projects"))
    m.add_child(Measure())
    m.add_child(Fullscreen(title="全屏 Full screen",  # type: ignore[no-untyped-call]
                           title_cancel="退出全屏 Exit full screen"))
    m.add_child(folium.LayerControl(collapsed=True))
    return m


def render_html(m: folium.Map, *, offline: bool = True) -> str:
    """The HTML of a map: one self-contained page when ``offline`` (see :func:`save_map`)."""
    html: str = m.get_root().render()
    if not offline:
        return html
    allowed: list[str] = []
    for element in _descendants(m):
        if isinstance(element, folium.TileLayer):
            allowed.append(element.tiles)
    return inline(html, allowed=allowed)


def _descendants(m: folium.Map) -> list[Any]:
    out, stack = [], list(m._children.values())
    while stack:
        element = stack.pop()
        out.append(element)
        stack.extend(element._children.values())
    return out


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool = True) -> Path:
    """Write a map as one HTML file, atomically (a temporary file, then a rename).

    Parameters
    ----------
    m : folium.Map
        A map from :func:`meeting_map` or any folium map.
    path : path
        The ``.html`` file to write (its folder is created).
    offline : bool, default True
        Inline Leaflet and every plugin asset from the vendored copies: the file then opens
        with no network, and no ``http(s)`` address remains but the chosen basemap's tile
        URL. With False, assets load from the jsDelivr CDN.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OfflineError
        When ``offline`` and the map uses assets that are not vendored (each one listed).

    Examples
    --------
    >>> import tempfile, pathlib, planning
    >>> m = planning.meeting_map(planning.load_sample(), layers=["townships"])
    >>> out = save_map(m, pathlib.Path(tempfile.mkdtemp()) / "meeting.html")
    >>> remaining_addresses(out.read_text(encoding="utf-8"))
    []
    """
    from planning.io import atomic_output  # noqa: PLC0415 - keeps import of webmap light

    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        msg = f"A map is saved as .html; got {target.name!r}. Use a name such as meeting.html."
        raise InputError(msg)
    html = render_html(m, offline=offline)
    with atomic_output(target) as tmp:
        tmp.write_text(html, encoding="utf-8")
    log.info("map written to %s (%.1f MB, offline=%s)", target, len(html.encode()) / 1e6,
             offline)
    return target

