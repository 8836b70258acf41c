"""Thematic maps (专题图) to PDF, PNG or JPEG: :func:`print_map` and :func:`print_atlas`.

A sheet carries what a bureau's printed map carries (DOMAIN.md section 10): the title, the
map at a round numeric scale computed from the paper and the extent (or the one asked for),
the graphic scale, a north arrow, the legend, the neatline, the CRS statement (CGCS2000,
3-degree Gauss-Kruger, the central meridian of ``ws.county``), the compiling unit and the
date, and a note when a drawn layer is schematic. Layers, classes and colours are those of
the meeting map (:func:`planning.webmap.layer_specs`, colours from the class tables through
:func:`planning.classes.styles`). Chinese text is drawn with an installed CJK font and
embedded in PDFs as TrueType (``pdf.fonttype`` 42). Everything runs offline with matplotlib.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._core.dates import DateLike, as_of
from planning._core.fonts import cjk_font
from planning._errors import InputError, LayerFileError
from planning.conformity import ConformityReport
from planning.io import atomic_output
from planning.io.document import page_size_mm
from planning.reports import _layout as L  # noqa: N812
from planning.webmap import LayerSpec, Style, layer_specs

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

#: what a thematic map shows when ``layers`` is not given (bottom first)
DEFAULT_LAYERS = ("landuse_plan", "control_lines", "roads", "townships", "projects", "county")
#: layers that frame the others (drawn as outlines when another layer fills the map)
_FRAMES = ("townships", "county")
_FORMATS = {".pdf": "pdf", ".png": "png", ".jpg": "jpg", ".jpeg": "jpg"}
_PANEL_MM = {"A3": 92.0, "A4": 66.0}
#: features other than townships are labelled at this scale or larger (1:50,000)
_LABEL_SCALE = 50_000


@dataclass(frozen=True)
class MapSheet:
    """One printed sheet: where it went and what is on it.

    Attributes
    ----------
    path : pathlib.Path
        The file (for an atlas PDF, the same file for every sheet).
    title : str
    scale : int
        The numeric scale's denominator (1:``scale``), true on the paper.
    extent : tuple of float
        (minx, miny, maxx, maxy) of the map frame in the workspace CRS (metres).
    paper, orientation : str
    layers : tuple of str
        The layers drawn.
    boxes : dict of str to (x0, y0, x1, y1)
        Where the furniture is, in mm from the page's top-left corner: ``neatline``,
        ``map``, ``legend``, ``north_arrow``, ``scale_bar``, ``notes``.
    """

    path: Path
    title: str
    scale: int
    extent: tuple[float, float, float, float]
    paper: str
    orientation: str
    layers: tuple[str, ...]
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Target:
    """What one sheet shows: its place name, the focus geometry and the title."""

    name: str
    focus: shapely.Geometry
    title: str
    highlight: gpd.GeoSeries | None = None


def crs_statement(county: Any) -> list[str]:
    """The CRS lines of a sheet (坐标系 and 投影), from a :class:`planning.County`.

    Examples
    --------
    >>> import planning
    >>> for line in crs_statement(planning.TAIQIAN):
    ...     print(line)
    坐标系：2000国家大地坐标系（CGCS2000）
    投影：高斯-克吕格投影，3度分带，中央经线117°E（第39带）
    """
    meridian = getattr(county, "central_meridian", None)
    zone = getattr(county, "gk_zone", None)
    if meridian is None:
        return [f"坐标系：{county.crs_name}"]
    datum = "2000国家大地坐标系（CGCS2000）"
    name = str(county.crs_name)
    if "Xian" in name or "Xi'an" in name:
        datum = "1980西安坐标系"
    elif "Beijing" in name:
        datum = "1954北京坐标系"
    zone_text = f"（第{zone}带）" if zone else ""
    return [f"坐标系：{datum}",
            f"投影：高斯-克吕格投影，3度分带，中央经线{meridian:g}°E{zone_text}"]


@contextmanager
def _chinese_fonts() -> Iterator[None]:
    from matplotlib import rc_context  # noqa: PLC0415  (heavy; only for printing)

    font = cjk_font()
    if font is None:
        msg = ("A printed map needs a font that draws Chinese, and none is installed: install "
               "fonts-wqy-microhei (Debian/Ubuntu: apt-get install fonts-wqy-microhei).")
        raise LayerFileError(msg)
    with rc_context({"font.family": [font, "DejaVu Sans"], "axes.unicode_minus": False,
                     "pdf.fonttype": 42, "ps.fonttype": 42}):
        yield


def _check_path(path: str | os.PathLike[str]) -> tuple[Path, str]:
    target = Path(path)
    fmt = _FORMATS.get(target.suffix.lower())
    if fmt is None:
        msg = (f"A printed map is written as .pdf, .png or .jpg; got {target.name!r}. Name the "
               "file ....pdf (vector, for printing) or ....png / ....jpg (300 dpi pictures).")
        raise InputError(msg)
    return target, fmt


def _specs(ws: Mapping[str, pd.DataFrame], report: ConformityReport | None,
           layers: Sequence[str] | None, on: DateLike | None) -> list[LayerSpec]:
    keys = list(DEFAULT_LAYERS if layers is None else [layers] if isinstance(layers, str)
                else layers)
    if "discrepancies" in keys and report is None:
        from planning.conformity import check_conformity  # noqa: PLC0415

        report = check_conformity(ws)  # type: ignore[arg-type]
    return layer_specs(ws, report, layers=keys, on=on)


def _place(ws: Mapping[str, pd.DataFrame], township: str | None, project: str | None,
           title: str | None, theme: str) -> _Target:
    county = getattr(ws, "county", None)
    county_name = getattr(county, "name_zh", "") or ""
    if township is not None:
        frame = ws.get("townships")
        rows = frame[frame["name_zh"] == township] if frame is not None else None
        if rows is None or rows.empty:
            names = "、".join(map(str, frame["name_zh"])) if frame is not None else "（无乡镇图层）"
            msg = (f"township={township!r} is not a township of the workspace; choose one of "
                   f"{names}.")
            raise InputError(msg)
        focus = shapely.union_all(rows.geometry.to_numpy())
        return _Target(township, focus, title or f"{county_name}{township}{theme}",
                       rows.geometry)
    if project is not None:
        frame = ws.get("projects")
        rows = frame[frame["project_id"].astype(str) == str(project)] if frame is not None \
            else None
        if rows is None or rows.empty:
            msg = (f"project={project!r} is not a project_id of the workspace's projects; see "
                   "ws['projects']['project_id'].")
            raise InputError(msg)
        name = str(rows["name_zh"].iloc[0]) if "name_zh" in rows else str(project)
        site = shapely.union_all(rows.geometry.to_numpy())
        return _Target(name, site.buffer(max(300.0, 0.5 * _size(site))),
                       title or f"{name}选址位置图", rows.geometry)
    outline = ws["county"] if "county" in ws else ws.get("townships")
    if outline is None or len(outline) == 0:
        msg = "A printed map needs a county or townships layer to frame the county."
        raise InputError(msg)
    return _Target(county_name, shapely.union_all(outline.geometry.to_numpy()),
                   title or f"{county_name}{theme}")


def _size(geom: shapely.Geometry) -> float:
    x0, y0, x1, y1 = shapely.bounds(geom)
    return float(max(x1 - x0, y1 - y0))


def _theme(specs: Sequence[LayerSpec]) -> str:
    names = [L.layer_title(s.name) for s in specs if s.key not in (*_FRAMES, "roads")]
    return ("、".join(names[:3]) if names else "行政区划") + "图"


def _extent(focus: shapely.Geometry, box_mm: tuple[float, float], scale: int | None
            ) -> tuple[int, tuple[float, float, float, float]]:
    x0, y0, x1, y1 = shapely.bounds(focus)
    w_m, h_m = box_mm[0] / 1000, box_mm[1] / 1000
    chosen = scale or L.nice_scale(max((x1 - x0) / w_m, (y1 - y0) / h_m) * 1.04)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = w_m * chosen / 2, h_m * chosen / 2
    return chosen, (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def _pt(pixels: float) -> float:
    return max(0.25, pixels * 0.5)


def _draw_class(ax: Axes, geoms: gpd.GeoSeries, style: Style, *, outline_only: bool,
                zorder: float) -> None:
    from matplotlib.colors import to_rgba  # noqa: PLC0415

    kinds = geoms.geom_type
    dash = (0, tuple(d * 0.5 for d in style.dash)) if style.dash else "solid"
    polygons = geoms[kinds.isin(["Polygon", "MultiPolygon"])]
    if len(polygons):
        face = "none" if outline_only or not style.fill else to_rgba(style.fill,
                                                                    style.fill_opacity)
        polygons.plot(ax=ax, facecolor=face, edgecolor=style.color or "none",
                      linewidth=_pt(style.weight), linestyle=dash, zorder=zorder)
    lines = geoms[kinds.isin(["LineString", "MultiLineString"])]
    if len(lines):
        if style.fill and style.color:  # a casing, then the line in its fill colour
            lines.plot(ax=ax, color=style.color, linewidth=_pt(style.line_width + 2 *
                                                               style.weight), zorder=zorder)
        lines.plot(ax=ax, color=style.fill or style.color or "#000000",
                   linewidth=_pt(style.line_width if style.fill else style.weight),
                   linestyle=dash if not style.fill else "solid", zorder=zorder + 0.1)
    points = geoms[kinds.isin(["Point", "MultiPoint"])]
    if len(points):
        points.plot(ax=ax, color=style.fill or "#000000", edgecolor=style.color or "none",
                    markersize=(style.radius * 1.2) ** 2, linewidth=_pt(style.weight),
                    zorder=zorder + 0.2)


def _visible(spec: LayerSpec, extent: tuple[float, float, float, float]) -> np.ndarray:
    x0, y0, x1, y1 = extent
    return np.asarray(spec.frame.geometry.intersects(shapely.box(x0, y0, x1, y1)), dtype=bool)


def _draw_layers(ax: Axes, specs: Sequence[LayerSpec],
                 extent: tuple[float, float, float, float], scale: int
                 ) -> list[L.LegendSection]:
    filled = any(s.key not in _FRAMES and s.key not in ("roads", "projects") for s in specs)
    sections = []
    for z, spec in enumerate(specs):
        shown = _visible(spec, extent)
        if not shown.any():
            continue
        outline = spec.key in _FRAMES and (filled or spec.key == "county")
        geoms = spec.frame.geometry[shown]
        classes = spec.classes[shown]
        for number in np.unique(classes):
            style = spec.styles[int(number)]
            if outline and spec.key == "townships":
                style = Style(fill=None, color="#555555", weight=1.6, dash=(6, 3))
            _draw_class(ax, geoms[classes == number], style, outline_only=outline,
                        zorder=z + 1)
        if spec.labels and spec.labels in spec.frame.columns and (
                spec.key == "townships" or scale <= _LABEL_SCALE):
            _labels(ax, spec, shown, zorder=len(specs) + 5)
        sections.append(_section(spec, classes, outline))
    return [s for s in sections if s.rows]


def _section(spec: LayerSpec, classes: np.ndarray, outline: bool) -> L.LegendSection:
    from planning.webmap import Category  # noqa: PLC0415

    title = L.layer_title(spec.name)
    if outline:
        style = (Style(fill=None, color="#555555", weight=1.6, dash=(6, 3))
                 if spec.key == "townships" else spec.styles[0])
        label = "乡镇界" if spec.key == "townships" else "县界"
        return L.LegendSection(title, [Category(label, style)])
    used = {spec.styles[int(n)] for n in np.unique(classes)}
    rows = [row for row in spec.legend if row.style in used]
    kinds = set(spec.frame.geom_type)
    kind = "line" if kinds <= {"LineString", "MultiLineString"} else "polygon"
    return L.LegendSection(title, rows if rows else list(spec.legend), kind)


def _labels(ax: Axes, spec: LayerSpec, shown: np.ndarray, *, zorder: float) -> None:
    import matplotlib.patheffects as effects  # noqa: PLC0415

    halo = [effects.withStroke(linewidth=2.2, foreground="#ffffff")]
    frame = spec.frame[shown]
    points = frame.geometry.representative_point()
    size = 9 if spec.key == "townships" else 6.5
    for point, text in zip(points, frame[spec.labels], strict=True):
        if isinstance(text, str) and text.strip() and point is not None and not point.is_empty:
            ax.annotate(text, (point.x, point.y), ha="center", va="center", fontsize=size,
                        zorder=zorder, path_effects=halo, annotation_clip=True)


def _highlight(ax: Axes, target: _Target, extent: tuple[float, float, float, float],
               *, zorder: float) -> None:
    if target.highlight is None:
        return
    x0, y0, x1, y1 = extent
    shapes = shapely.union_all(target.highlight.to_numpy())
    if shapely.get_dimensions(shapes) == 2:  # grey out what lies outside the township
        outside = shapely.box(x0, y0, x1, y1).difference(shapes)
        gpd.GeoSeries([outside]).plot(ax=ax, facecolor=(1, 1, 1, 0.55), edgecolor="none",
                                      zorder=zorder)
    _draw_class(ax, target.highlight, Style(fill=None, color="#c62828", weight=4.4, radius=10,
                                            line_width=6), outline_only=True, zorder=zorder + 0.5)


def _notes(specs: Sequence[LayerSpec]) -> list[str]:
    schematic = [L.layer_title(s.name) for s in specs if "source" in s.frame.columns and
                 s.frame["source"].astype(str).str.lower().str.startswith("schematic").any()]
    if not schematic:
        return []
    return ["注：" + "、".join(schematic) + "为示意数据，", "非测绘成果，不作审批依据。"]


def _furniture(page: L.Page, map_box: tuple[float, float, float, float], panel: tuple[
        float, float, float, float], *, scale: int, lines: list[str],
               sections: Sequence[L.LegendSection]) -> None:
    _, my0, mx1, _ = map_box
    L.north_arrow(page, mx1 - 20, my0 + 4, size=14)
    px0, py0, px1, py1 = panel
    wide = (px1 - px0) > (py1 - py0)  # a portrait sheet's panel under the map
    text_w = (px1 - px0) * 0.45 if wide else px1 - px0 - 4
    lines = L.wrap(lines, text_w)
    notes_h = 4.2 * len(lines) + 4
    L.scale_bar(page, px0 + 2, py1 - notes_h - 20, scale)
    L.text_block(page, px0 + 2, py1 - notes_h, lines)
    box = ((px0 + text_w + 6, py0 + 2, px1 - 2, py1 - 2) if wide
           else (px0 + 2, py0 + 2, px1 - 2, py1 - notes_h - 24))
    hidden = L.legend(page, box, sections)
    if hidden:
        log.warning("printed map: %d legend rows did not fit the panel", hidden)


def _render(ws: Mapping[str, pd.DataFrame], specs: Sequence[LayerSpec], target: _Target, *,
            paper: str, orientation: str, scale: int | None, unit: str | None,
            date: dt.date) -> tuple[Figure, int, tuple[float, float, float, float],
                                    dict[str, tuple[float, float, float, float]]]:
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.patches import Rectangle  # noqa: PLC0415

    width, height = page_size_mm(paper, orientation)
    page = L.Page(width, height, Figure(figsize=(width / 25.4, height / 25.4)))
    x0, y0, x1, y1 = L.neatline(page)
    page.text(width / 2, y0 + 9, target.title, ha="center", va="center",
              fontsize=20 if paper == "A3" else 15)
    top = y0 + 18
    panel_w = _PANEL_MM.get(paper, 66.0)
    if orientation == "landscape":
        map_box = (x0 + 4, top, x1 - panel_w - 4, y1 - 4)
        panel = (x1 - panel_w, top, x1 - 2, y1 - 4)
    else:
        panel_h = 70.0 if paper == "A4" else 92.0
        map_box = (x0 + 4, top, x1 - 4, y1 - panel_h - 4)
        panel = (x0 + 4, y1 - panel_h, x1 - 4, y1 - 4)
    mw, mh = map_box[2] - map_box[0], map_box[3] - map_box[1]
    chosen, extent = _extent(target.focus, (mw, mh), scale)
    ax = page.axes("map", map_box[0], map_box[1], mw, mh)
    ax.set_axis_on()
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_linewidth(0.8)
    ax.add_patch(Rectangle((extent[0], extent[1]), extent[2] - extent[0], extent[3] - extent[1],
                           facecolor="#ffffff", edgecolor="none", zorder=0))
    sections = _draw_layers(ax, specs, extent, chosen)
    _highlight(ax, target, extent, zorder=len(specs) + 2)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_xlabel("")
    ax.set_ylabel("")
    county = getattr(ws, "county", None)
    lines = [*(crs_statement(county) if county is not None else []),
             f"编制单位：{unit or '（未填写）'}",
             f"制图日期：{date.year}年{date.month}月{date.day}日",
             *_notes(specs)]
    _furniture(page, map_box, panel, scale=chosen, lines=lines, sections=sections)
    return page.figure, chosen, extent, page.boxes


def _save(figure: Figure, target: Path, fmt: str, *, dpi: int, title: str) -> None:
    with atomic_output(target) as tmp:
        if fmt == "pdf":
            figure.savefig(tmp, format="pdf", metadata={"Title": title, "Creator": "planning"})
        else:
            figure.savefig(tmp, format="jpeg" if fmt == "jpg" else fmt, dpi=dpi)


def print_map(
    ws: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    paper: Literal["A4", "A3"] = "A3",
    orientation: Literal["portrait", "landscape"] = "landscape",
    layers: Sequence[str] | None = None,
    township: str | None = None,
    project: str | None = None,
    title: str | None = None,
    report: ConformityReport | None = None,
    on: DateLike | None = None,
    scale: int | None = None,
    unit: str | None = None,
    date: DateLike | None = None,
    dpi: int = 300,
) -> MapSheet:
    """Print a thematic map of the county, a township or a project's site.

    Parameters
    ----------
    ws : planning.Workspace
    path : str or path-like
        ``.pdf`` (vector, CJK font embedded), ``.png`` or ``.jpg`` (``dpi`` pictures).
    paper : {"A3", "A4"}, default "A3"
    orientation : {"landscape", "portrait"}, default "landscape"
    layers : sequence of str, optional
        Meeting-map layer keys to draw, bottom first (default :data:`DEFAULT_LAYERS`);
        ``discrepancies`` runs the conformity check when no ``report`` is given.
    township : str, optional
        A township's ``name_zh``: the sheet frames it (outside greyed).
    project : str, optional
        A ``project_id``: the sheet frames its site (outlined in red).
    title : str, optional
        Default: the place and the layers shown (台前县土地利用总体规划、三条控制线、重点项目图).
    report : planning.ConformityReport, optional
        Projects' verdicts and the discrepancy patches.
    on : date, optional
        Projects' status on this day (default: the ledger's latest date).
    scale : int, optional
        The scale denominator (10000 for 1:10,000); default the smallest round scale at
        which the extent fits the map frame.
    unit : str, optional
        The compiling unit (编制单位).
    date : date, optional
        The map's date (制图日期; default today).
    dpi : int, default 300
        Resolution of PNG and JPEG files (delivery asks 300 dpi or more).

    Returns
    -------
    MapSheet

    Examples
    --------
    >>> import planning, tempfile, pathlib
    >>> sheet = planning.print_map(planning.load_sample(), pathlib.Path(tempfile.mkdtemp())
    ...                            / "城关镇.pdf", paper="A4", township="城关镇",
    ...                            date="2011-12-17")
    >>> sheet.scale, sheet.paper
    (100000, 'A4')
    """
    target, fmt = _check_path(path)
    if township is not None and project is not None:
        msg = "Give township= or project=, not both: a sheet frames one place."
        raise InputError(msg)
    page_size_mm(paper, orientation)
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, int)
                              or scale < 100):
        msg = f"scale is the denominator of the numeric scale (10000 for 1:10,000), got {scale!r}"
        raise InputError(msg)
    specs = _specs(ws, report, layers, on)
    place = _place(ws, township, project, title, _theme(specs))
    day = as_of(date).date() if date is not None else dt.date.today()
    with _chinese_fonts():
        figure, chosen, extent, boxes = _render(ws, specs, place, paper=paper,
                                                orientation=orientation, scale=scale,
                                                unit=unit, date=day)
        _save(figure, target, fmt, dpi=dpi, title=place.title)
    log.info("thematic map %s written to %s (1:%s)", place.title, target, f"{chosen:,}")
    return MapSheet(target, place.title, chosen, extent, paper, orientation,
                    tuple(s.key for s in specs), boxes)


def print_atlas(
    ws: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    by: Literal["township", "project"] = "township",
    format: Literal["pdf", "png", "jpg"] = "pdf",  # the file format
    **options: Any,
) -> list[MapSheet]:
    """An atlas: one sheet per township (or per project).

    Parameters
    ----------
    ws : planning.Workspace
    path : str or path-like
        A ``.pdf`` file: every sheet a page of it. Otherwise a folder: one file per sheet,
        named as delivered results are (成果汇交): county code (6 digits), county name, a
        two-digit number and the sheet's title, e.g. ``410927台前县01城关镇土地利用总体规划图.pdf``.
    by : {"township", "project"}, default "township"
    format : {"pdf", "png", "jpg"}, default "pdf"
        The files' format when ``path`` is a folder.
    **options
        As in :func:`print_map` (``paper``, ``layers``, ``scale``, ``unit``, ...; not
        ``township`` / ``project`` / ``title``).

    Returns
    -------
    list of MapSheet
        In order (townships by code, projects by ``project_id``).
    """
    from matplotlib.backends.backend_pdf import PdfPages  # noqa: PLC0415

    if by not in ("township", "project"):
        msg = f"by must be 'township' or 'project', got {by!r}"
        raise InputError(msg)
    taken = {"township", "project", "title"} & set(options)
    if taken:
        msg = f"print_atlas sets {', '.join(sorted(taken))} itself, one per sheet; leave it out."
        raise InputError(msg)
    places = _atlas_places(ws, by)
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        if f".{format}" not in _FORMATS:
            msg = f"format must be 'pdf', 'png' or 'jpg', got {format!r}"
            raise InputError(msg)
        return _atlas_files(ws, target, by=by, places=places, fmt=format, options=options)
    sheets: list[MapSheet] = []
    with atomic_output(target) as tmp, _chinese_fonts(), PdfPages(tmp) as pdf:
        for place in places:
            sheet, figure = _atlas_sheet(ws, target, by, place, options)
            pdf.savefig(figure)
            sheets.append(sheet)
    return sheets


def _atlas_places(ws: Mapping[str, pd.DataFrame], by: str) -> list[str]:
    layer = "townships" if by == "township" else "projects"
    if layer not in ws or len(ws[layer]) == 0:
        msg = f"An atlas by {by} needs the workspace's {layer} layer; it has none."
        raise InputError(msg)
    frame = ws[layer]
    if by == "township":
        order = frame.sort_values("code") if "code" in frame else frame
        return [str(n) for n in order["name_zh"]]
    return sorted(str(p) for p in frame["project_id"].drop_duplicates())


def _atlas_sheet(ws: Mapping[str, pd.DataFrame], target: Path, by: str, place: str,
                 options: Mapping[str, Any]) -> tuple[MapSheet, Figure]:
    opts = dict(options)
    paper, orientation = opts.pop("paper", "A3"), opts.pop("orientation", "landscape")
    specs = _specs(ws, opts.pop("report", None), opts.pop("layers", None), opts.pop("on", None))
    scale, unit, date = opts.pop("scale", None), opts.pop("unit", None), opts.pop("date", None)
    opts.pop("dpi", None)
    if opts:
        msg = f"print_atlas got unknown option(s) {', '.join(sorted(opts))}"
        raise InputError(msg)
    spot = _place(ws, place if by == "township" else None, place if by == "project" else None,
                  None, _theme(specs))
    day = as_of(date).date() if date is not None else dt.date.today()
    figure, chosen, extent, boxes = _render(ws, specs, spot, paper=paper,
                                            orientation=orientation, scale=scale, unit=unit,
                                            date=day)
    return (MapSheet(target, spot.title, chosen, extent, paper, orientation,
                     tuple(s.key for s in specs), boxes), figure)


def delivery_name(county: Any, number: int, title: str, suffix: str) -> str:
    """A delivered drawing's file name: code, county, two-digit number, title.

    Examples
    --------
    >>> import planning
    >>> delivery_name(planning.TAIQIAN, 1, "城关镇土地利用总体规划图", ".jpg")
    '410927台前县01城关镇土地利用总体规划图.jpg'
    """
    code = getattr(county, "code", "") or ""
    name = getattr(county, "name_zh", "") or ""
    clean = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in title)
    if clean.startswith(name):
        clean = clean[len(name):]
    return f"{code}{name}{number:02d}{clean}{suffix}"


def _atlas_files(ws: Mapping[str, pd.DataFrame], folder: Path, *, by: str, places: list[str],
                 fmt: str, options: Mapping[str, Any]) -> list[MapSheet]:
    dpi = int(options.get("dpi", 300))
    county = getattr(ws, "county", None)
    sheets: list[MapSheet] = []
    with atomic_output(folder) as tmp, _chinese_fonts():
        tmp.mkdir(parents=True)
        for number, place in enumerate(places, start=1):
            sheet, figure = _atlas_sheet(ws, folder, by, place, options)
            name = delivery_name(county, number, sheet.title, f".{fmt}")
            _save_into(figure, tmp / name, fmt, dpi=dpi, title=sheet.title)
            sheets.append(MapSheet(folder / name, sheet.title, sheet.scale, sheet.extent,
                                   sheet.paper, sheet.orientation, sheet.layers, sheet.boxes))
    return sheets


def _save_into(figure: Figure, path: Path, fmt: str, *, dpi: int, title: str) -> None:
    if fmt == "pdf":
        figure.savefig(path, format="pdf", metadata={"Title": title, "Creator": "planning"})
    else:
        figure.savefig(path, format="jpeg" if fmt == "jpg" else fmt, dpi=dpi)
