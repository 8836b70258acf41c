"""Generic compact layers: any GeoDataFrame to a canvas layer with classes, popups and labels.

:class:`LayerSpec` says what to draw (features, a class per feature, a style per class,
popup fields, tooltip, labels, search fields); :func:`payload` turns it into the JSON the
map's script reads; :func:`add_layer` is the public way to put any GeoDataFrame on a map.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from planning._core.colours import PALETTE
from planning._errors import CRSError, InputError, Problem
from planning._validate import Checker, require_frame
from planning.crs import wgs84_to_gcj02
from planning.webmap._compact import FloatArray, Transform, encode
from planning.webmap._elements import CompactLayer, Runtime
from planning.webmap._escape import chinese_text, display_text
from planning.webmap._styles import Category, Style

#: Layers with at most this many features get exact label/anchor points (point on surface).
_ANCHOR_LIMIT = 20_000


@dataclass
class LayerSpec:
    """What to draw for one layer.

    Attributes
    ----------
    key : str
        Short id (``projects``), used in the page (``data-layer``) and by ``layers=``.
    name : str
        Shown in the layer control, legend and popups.
    frame : geopandas.GeoDataFrame
        The features, in any CRS (moved to longitude/latitude for display).
    classes : numpy.ndarray
        Index into ``styles`` for every feature.
    styles : list of Style
        One per class.
    legend : list of Category
        Legend rows (may differ from the classes, e.g. one row per status and per verdict).
    fields : list of (column, label)
        Popup rows.
    title, tooltip, labels : str, optional
        Columns for the popup header, the hover text and permanent labels.
    search : list of str
        Columns the search box looks in (first one is shown in the results).
    fold : list of str
        Popup fields (one item a line) whose conforming items (lines starting 符合 or
        已列入) are folded under a count, opened by a click: a project's review shows its
        conflicts and conditions, and "符合项 N 项".
    """

    key: str
    name: str
    frame: gpd.GeoDataFrame
    classes: npt.NDArray[np.int64]
    styles: list[Style]
    legend: list[Category] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    title: str | None = None
    tooltip: str | None = None
    labels: str | None = None
    label_min_zoom: int = 0
    search: list[str] = field(default_factory=list)
    show: bool = True
    legend_title: str | None = None
    fold: list[str] = field(default_factory=list)


def lonlat_transform(crs: Any, *, gcj02: bool = False) -> Transform:
    """Return ``f(x, y) -> (lon, lat)`` from ``crs`` to WGS84 (then GCJ-02 when asked).

    CGCS2000 (EPSG:4490 and its projections) is treated as WGS84, as web maps do. The
    function may overwrite the arrays it is given (contiguous float64 ones).
    """
    if crs is None:
        msg = ("A layer for the map has no CRS. Set it with gdf.set_crs('EPSG:4548') (CGCS2000 "
               "Gauss-Kruger zone 39) or the CRS the coordinates are in.")
        raise CRSError(msg)
    source = pyproj.CRS.from_user_input(crs)
    geographic = source.is_geographic and source.to_epsg() in (4326, 4490)
    transformer = None if geographic else pyproj.Transformer.from_crs(
        source, 4326, always_xy=True)

    def transform(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        # the callers hand over arrays of their own: transform them in place (no copies)
        lon = np.ascontiguousarray(x, dtype=np.float64)
        lat = np.ascontiguousarray(y, dtype=np.float64)
        if transformer is not None:
            transformer.transform(lon, lat, inplace=True)
        return wgs84_to_gcj02(lon, lat) if gcj02 else (lon, lat)

    return transform


def _column(values: pd.Series) -> list[str | None] | dict[str, Any]:
    """Display texts of one column; dictionary-coded when values repeat a lot."""
    texts = [display_text(v) or None for v in values.tolist()]
    uniques: dict[str | None, int] = {}
    codes = [uniques.setdefault(t, len(uniques)) for t in texts]
    if len(uniques) * 2 >= len(texts):
        return texts
    table = list(uniques)
    if None in uniques:
        none_code = uniques[None]
        codes = [-1 if c == none_code else c - (c > none_code) for c in codes]
        table.remove(None)
    return {"dict": table, "idx": codes}


def _points(frame: gpd.GeoDataFrame, transform: Transform) -> list[list[float] | None]:
    """A point inside each feature (for labels and popups), in longitude/latitude."""
    geoms = frame.geometry.values
    big = len(frame) > _ANCHOR_LIMIT
    pts = shapely.centroid(geoms) if big else shapely.point_on_surface(geoms)
    xy = shapely.get_coordinates(pts, include_z=False)
    valid = ~(shapely.is_empty(pts) | shapely.is_missing(pts))
    lon, lat = transform(xy[:, 0], xy[:, 1]) if len(xy) else (xy[:, 0], xy[:, 1])
    out: list[list[float] | None] = [None] * len(frame)
    for k, i in enumerate(np.flatnonzero(valid)):
        out[int(i)] = [round(float(lon[k]), 7), round(float(lat[k]), 7)]
    return out


def payload(spec: LayerSpec, transform: Transform) -> dict[str, Any]:
    """The JSON data of one layer, as the map's script reads it."""
    frame = spec.frame
    enc = encode(frame.geometry.values, transform=transform, source=spec.name)
    columns = {c for c, _ in spec.fields} | set(spec.search)
    columns |= {c for c in (spec.title, spec.tooltip, spec.labels) if c}
    data: dict[str, Any] = {
        "key": spec.key,
        "name": spec.name,
        "geom": {"text": enc.text, "origin": list(enc.origin), "q": enc.quantum_deg,
                 "counts": enc.counts},
        "cls": [int(c) for c in spec.classes] if len(spec.styles) > 1 else None,
        "styles": [s.to_json() for s in spec.styles],
        "fields": [[c, chinese_text(label)] for c, label in spec.fields],
        "popupName": chinese_text(spec.name),
        "fold": list(spec.fold),
        "title": spec.title,
        "tooltip": spec.tooltip,
        "search": list(spec.search),
        "columns": {c: _column(frame[c]) for c in sorted(columns)},
    }
    if spec.labels or (spec.search and len(frame) <= _ANCHOR_LIMIT):
        anchors = _points(frame, transform)
        data["anchors"] = [a if a is not None else [0.0, 0.0] for a in anchors]
        if spec.labels:
            data["labels"] = {"text": [display_text(v) or None for v in frame[spec.labels]],
                              "at": anchors, "minZoom": spec.label_min_zoom}
    return data


def check_spec(spec: LayerSpec) -> None:
    """Raise once with every problem of a layer spec (columns, classes)."""
    checker = Checker()
    wanted = [c for c, _ in spec.fields] + list(spec.search)
    wanted += [c for c in (spec.title, spec.tooltip, spec.labels) if c]
    for column in dict.fromkeys(wanted):
        if column not in spec.frame.columns:
            checker.add(Problem(spec.name, "column named for the map is missing (columns: "
                                f"{', '.join(map(str, spec.frame.columns))})", column=column))
    classes = np.asarray(spec.classes)
    if len(classes) != len(spec.frame):
        checker.add(Problem(spec.name, f"{len(classes)} classes for {len(spec.frame)} features"))
    elif len(classes) and (classes.min() < 0 or classes.max() >= len(spec.styles)):
        checker.add(Problem(spec.name, f"class numbers must be 0..{len(spec.styles) - 1}"))
    checker.raise_if_any(f"Layer {spec.name!r} cannot be put on the map.")


def make_layer(spec: LayerSpec, transform: Transform) -> CompactLayer:
    """Check a spec and build its folium element."""
    check_spec(spec)
    return CompactLayer(payload(spec, transform), name=spec.name, show=spec.show)


def categorical(
    values: pd.Series, *, style: Callable[[str], Style] | None = None,
    colours: Sequence[str] = PALETTE, kind: str = "polygon", missing: str = "无 none",
) -> tuple[npt.NDArray[np.int64], list[Style], list[Category]]:
    """Classes, styles and legend rows for a categorical column (sorted values, then missing)."""
    texts = [display_text(v) or None for v in values.tolist()]
    labels = sorted({t for t in texts if t is not None})
    has_missing = any(t is None for t in texts)
    index = {label: i for i, label in enumerate(labels)}
    classes = np.array([index.get(t, len(labels)) if t is not None else len(labels)
                        for t in texts], dtype=np.int64)
    styles = [style(label) if style else Style(fill=colours[i % len(colours)])
              for i, label in enumerate(labels)]
    legend = [Category(label, s, kind) for label, s in zip(labels, styles, strict=True)]
    if has_missing:
        grey = Style(fill="#cccccc")
        styles.append(grey)
        legend.append(Category(missing, grey, kind))
    if not styles:
        styles = [Style()]
    return classes, styles, legend


def _kind_of(frame: gpd.GeoDataFrame) -> str:
    types = set(shapely.get_type_id(frame.geometry.values).tolist())
    if types <= {0, 4}:
        return "point"
    if types <= {1, 2, 5}:
        return "line"
    return "polygon"


def _by_column(
    frame: gpd.GeoDataFrame, by: str, styles: Mapping[object, Style], kind: str
) -> tuple[npt.NDArray[np.int64], list[Style], list[Category]]:
    """Classes of ``add_layer(by=...)``: the given styles, palette colours for the rest."""
    if by not in frame.columns:
        msg = f"Column {by!r} (by=) is not in the layer; columns: {', '.join(frame.columns)}."
        raise InputError(msg)
    chosen = {display_text(k): v for k, v in styles.items()}
    labels = sorted({display_text(v) for v in frame[by].tolist()})
    fallback = {label: Style(fill=PALETTE[i % len(PALETTE)]) for i, label in enumerate(labels)}
    return categorical(frame[by], style=lambda label: chosen.get(label, fallback[label]),
                       kind=kind)


def add_layer(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    by: str | None = None,
    styles: Mapping[object, Style] | None = None,
    style: Style | None = None,
    popup: Sequence[str] | Mapping[str, str] | None = None,
    title: str | None = None,
    tooltip: str | None = None,
    labels: str | None = None,
    search: Sequence[str] = (),
    show: bool = True,
    gcj02: bool | None = None,
) -> CompactLayer:
    """Put any GeoDataFrame on a folium map as a fast canvas layer.

    Values are escaped (shown as text), coordinates are written compactly (100,000
    polygons take a few MB), and features are styled per class, not one style per feature.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`planning.meeting_map` or any folium map.
    gdf : geopandas.GeoDataFrame
        The features, in any CRS that has a definition (never changed).
    name : str
        Layer name shown in the layer control and popups.
    by : str, optional
        Column whose values give the classes (one colour each, see ``styles``).
    styles : mapping of value to Style, optional
        Style per value of ``by`` (values not listed get palette colours).
    style : Style, optional
        The style of every feature when ``by`` is not given.
    popup : list of columns or mapping of column to label, optional
        The rows of the popup (default: every column but the geometry).
    title, tooltip, labels : str, optional
        Columns for the popup header, the hover text and permanent labels.
    search : list of str
        Columns the map's search box looks in (when the map has one).
    show : bool
        Shown when the map opens.
    gcj02 : bool, optional
        Shift to GCJ-02 (for AMap/Gaode tiles). Default: what the meeting map's basemap needs
        (False for other maps).

    Returns
    -------
    CompactLayer
        The folium element, already added to ``m``.

    Examples
    --------
    >>> import folium, geopandas as gpd, shapely
    >>> cells = gpd.GeoDataFrame({"zone": ["R", "M"]}, geometry=[
    ...     shapely.box(395000, 3985000, 395100, 3985100),
    ...     shapely.box(395100, 3985000, 395200, 3985100)], crs="EPSG:4548")
    >>> layer = add_layer(folium.Map(tiles=None), cells, name="Zones", by="zone")
    >>> layer.feature_count
    2
    """
    frame = require_frame(gdf, "gdf")
    if popup is None:
        popup = [c for c in frame.columns if c != frame.geometry.name]
    fields = list(popup.items()) if isinstance(popup, Mapping) else [(c, c) for c in popup]
    kind = _kind_of(frame)
    if by is not None:
        classes, style_list, legend = _by_column(frame, by, styles or {}, kind)
    else:
        classes = np.zeros(len(frame), dtype=np.int64)
        style_list = [style or Style()]
        legend = [Category(name, style_list[0], kind)]
    spec = LayerSpec(key=name, name=name, frame=frame, classes=classes, styles=style_list,
                     legend=legend, fields=fields, title=title, tooltip=tooltip, labels=labels,
                     search=list(search), show=show)
    if gcj02 is None:
        gcj02 = bool(getattr(m, "gcj02", False))
    layer = make_layer(spec, lonlat_transform(frame.crs, gcj02=gcj02))
    if not any(isinstance(child, Runtime) for child in m._children.values()):
        m.add_child(Runtime())  # a plain folium map: the script that draws the layer
    m.add_child(layer)
    sections = getattr(m, "legend_sections", None)
    if isinstance(sections, list):  # a meeting map: the legend gets a section
        sections.append((name, legend, show))
    return layer
