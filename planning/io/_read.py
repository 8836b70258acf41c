"""Reading layers: the files a bureau really has, into one schema and one metric CRS.

:func:`read_layer` turns GBK Shapefiles without ``.cpg``, 8-digit Gauss-Kruger eastings,
lon/lat GeoJSON, File Geodatabases and invalid polygons into the toolkit's schema, with every
repair counted in a :class:`LayerReport`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
from shapely.errors import GEOSException

from planning import settings
from planning._core.geometry import polygonal_part
from planning._errors import CRSError, InputError, LayerFileError, Problem
from planning.county import County
from planning.crs import (
    check_datum,
    gk_crs,
    gk_crs_for,
    gk_zone_info,
    in_china,
    lonlat_bounds,
    zone_from_easting,
)
from planning.io._encoding import cut_name, detect_shapefile_encoding, field_names
from planning.io._fields import map_fields
from planning.io._write import list_layers

log = logging.getLogger(__name__)

#: columns that identify features, checked for duplicates (first one present)
ID_COLUMNS = ("project_id", "zone_id", "patch_id", "node_id", "line_id", "road_id",
              "inspection_id", "feature_id", "unit_id", "code")



@dataclass
class LayerReport:
    """What :func:`read_layer` found and did. Attached as ``gdf.attrs["planning_report"]``.

    Attributes
    ----------
    source : str
        File (and layer) read.
    encoding : str or None
        Text encoding used for a Shapefile's .dbf, and ``encoding_reason`` why.
    crs_in, crs_out : str
        CRS of the file (after any correction) and of the result, and ``crs_reason`` why
        the result is in that CRS (given by ``to_crs``, the county's, or derived from the data).
    fields : dict
        Standard field name -> toolkit column added (originals are kept).
    repaired : list of int
        Rows whose invalid geometry was made valid.
    problems : list of Problem
        Everything reported: repairs, empty geometries, duplicate ids, corrections.
    """

    source: str
    encoding: str | None = None
    encoding_reason: str = ""
    crs_in: str = ""
    crs_out: str = ""
    crs_reason: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    repaired: list[int] = field(default_factory=list)
    empty: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def note(self, message: str, *, level: int = logging.WARNING, **where: Any) -> None:
        """Record a finding (and log it: repairs and defects as warnings)."""
        self.problems.append(Problem(self.source, message, **where))
        log.log(level, "%s", self.problems[-1])

    def __str__(self) -> str:
        lines = [f"{self.source}: CRS {self.crs_in} -> {self.crs_out}"
                 + (f" ({self.crs_reason})" if self.crs_reason else "")]
        if self.encoding:
            lines.append(f"  encoding {self.encoding} ({self.encoding_reason})")
        if self.fields:
            lines.append("  fields " + ", ".join(f"{k}->{v}" for k, v in self.fields.items()))
        lines += [f"  {p.message}" + (f" (row {p.row})" if p.row is not None else "")
                  for p in self.problems]
        return "\n".join(lines)


# --- reading -----------------------------------------------------------------------------


def read_layer(
    path: str | os.PathLike[str],
    layer: str | int | None = None,
    *,
    encoding: str | None = None,
    crs: Any = None,
    field_map: Mapping[str, str] | None = None,
    swap_xy: bool = False,
    county: County | None = None,
    to_crs: Any = None,
    check_extent: bool = True,
) -> gpd.GeoDataFrame:
    """Read a layer into the toolkit's schema and a metric working CRS.

    Shapefile, GeoPackage, GeoJSON and File Geodatabase are read. The file is never changed.

    - Text encoding of Shapefiles: an explicit ``encoding`` wins; otherwise a ``.cpg`` is
      trusted when the text decodes with it, and the ``.dbf`` bytes are tested (UTF-8, then
      GB18030, which covers GBK and GB2312) when there is no ``.cpg`` or it is wrong.
    - Standard field names (DLBM, GHDLBM, TDYTQLXDM, GZQLXDM, XZQDM, ZLDWDM, TBMJ, ...;
      ``planning/data/field_names.csv``) get toolkit-named copies; originals are kept.
    - CRS: a file without one needs ``crs=``; ``crs=`` also overrides a wrong ``.prj``.
      Eastings with a zone prefix (8 digits) under a CRS without it, and the reverse, are
      recognised and corrected; Xian 1980 / Beijing 1954 data is refused with an explanation.
      Swapped axes are reported (``swap_xy=True`` swaps them).
    - Working CRS and extent: with a ``county`` (a :class:`planning.County`) the layer goes
      to ``county.crs`` and must reach within ``county.extent_tolerance_m`` of the county's
      bounds. Without one it goes to the CGCS2000 3-degree Gauss-Kruger zone of its own
      centre longitude (:func:`planning.crs.gk_crs_for`) and must lie in China. ``to_crs``
      chooses the CRS explicitly (the extent is still checked). A layer far away means a
      wrong CRS or swapped axes, and is refused unless ``check_extent=False``.
    - Invalid geometries are made valid and counted; empty or missing geometries and duplicate
      ids are reported. ``gdf.attrs["planning_report"]`` holds the :class:`LayerReport`.

    Problems that make the layer unusable are raised together in one :class:`InputError`
    (or :class:`CRSError`).

    Parameters
    ----------
    path : path
        The file (``.shp``, ``.gpkg``, ``.geojson``/``.json``, ``.gdb`` folder).
    layer : str or int, optional
        Layer of a multi-layer file; required when the file holds several.
    encoding : str, optional
        Text encoding of a Shapefile's ``.dbf`` (e.g. ``"gbk"``), overriding ``.cpg``.
    crs : optional
        CRS of the coordinates when the file has none or a wrong one.
    field_map : mapping, optional
        Extra ``{"FIELD": "toolkit_name"}`` pairs, tried before the standard ones.
    swap_xy : bool
        Swap x and y (for files written with latitude first).
    county : planning.County, optional
        The county the layer belongs to: its CRS is the target, its bounds the extent check.
    to_crs : optional
        Target CRS, overriding the county's (or the one derived from the data).
    check_extent : bool
        Refuse a layer that lies far from the county (or, without a county, outside China).

    Returns
    -------
    GeoDataFrame

    Examples
    --------
    >>> import planning, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp()) / "t.gpkg"
    >>> _ = planning.load_sample()["townships"].to_crs(4490).to_file(tmp)
    >>> gdf = read_layer(tmp, county=planning.TAIQIAN)
    >>> gdf.crs.to_epsg(), len(gdf)
    (4548, 9)
    >>> read_layer(tmp).crs.to_epsg()  # no county: the zone of the data's centre, 39
    4548
    """
    src = Path(path)
    if not src.exists():
        msg = f"No such file or folder: {src}"
        raise LayerFileError(msg)
    if county is not None and not isinstance(county, County):
        msg = f"county must be a planning.County, got {type(county).__name__}."
        raise TypeError(msg)
    name = _pick_layer(src, layer)
    report = LayerReport(source=f"{src}" + (f" [{name}]" if name is not None else ""))
    enc = _resolve_encoding(src, encoding, report)
    frame = _read_frame(src, name, enc, report)
    fatal: list[Problem] = []
    frame = _fix_crs(frame, crs, swap_xy, report, fatal, county=county)
    if not fatal and check_extent:
        _check_extent(frame, county, report, fatal)
    if not fatal:
        target_crs = _target_crs(frame, county, to_crs, report, fatal)
        if target_crs is not None:
            frame = frame.to_crs(target_crs)
            report.crs_out = target_crs.to_string()
    frame = repair_geometries(frame, report)
    frame, report.fields = map_fields(frame, field_map)
    _check_ids(frame, report)
    if fatal:
        problems = fatal + report.problems
        kind = CRSError if any("CRS" in p.message or "swapped" in p.message
                               for p in fatal) else InputError
        raise kind(f"{src} cannot be read as it is.", problems)
    frame.attrs["planning_report"] = report
    return frame


def _pick_layer(src: Path, layer: str | int | None) -> str | int | None:
    if layer is not None or src.suffix.lower() in (".shp", ".geojson", ".json"):
        return layer
    names = list_layers(src)
    if len(names) == 1:
        return names[0]
    msg = (f"{src} holds {len(names)} layers ({', '.join(names)}); choose one with "
           "layer=..., or open the whole file with planning.open_workspace().")
    raise InputError(msg)


def _resolve_encoding(src: Path, encoding: str | None, report: LayerReport) -> str | None:
    if src.suffix.lower() != ".shp":
        return encoding
    dbf = src.with_suffix(".dbf")
    if not dbf.exists():
        dbf = src.with_suffix(".DBF")
    if encoding is not None:
        report.encoding, report.encoding_reason = encoding, "given by encoding="
        return encoding
    if not dbf.exists():
        return None
    enc, reason, corrected = detect_shapefile_encoding(dbf, settings.encoding_sniff_bytes)
    report.encoding, report.encoding_reason = enc, reason
    if corrected:
        report.note(f"text encoding detected: {reason}", level=logging.INFO)
    return enc


def _read_frame(
    src: Path, layer: str | int | None, encoding: str | None, report: LayerReport
) -> gpd.GeoDataFrame:
    kwargs: dict[str, Any] = {}
    if layer is not None:
        kwargs["layer"] = layer
    if encoding is not None:
        kwargs["encoding"] = encoding
    try:
        with _readable_copy(src, encoding, report) as readable:
            frame = pyogrio.read_dataframe(readable, **kwargs)
    except GEOSException as exc:
        report.note(f"some geometries could not be built ({exc}); read feature by feature")
        frame = _read_tolerant(src, layer, encoding, report)
    except pyogrio.errors.DataSourceError as exc:
        msg = f"Cannot open {src} as a layer: {exc}"
        raise LayerFileError(msg) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = (f"{src} [{layer}] is a table without geometry; read it with "
               "pyogrio.read_dataframe() or open the workspace that holds it.")
        raise InputError(msg)
    return frame


@contextlib.contextmanager
def _readable_copy(src: Path, encoding: str | None, report: LayerReport) -> Iterator[Path]:
    """Yield ``src``, or a patched temporary copy of a Shapefile whose field names were cut.

    Writers cut dBASE field names at 11 bytes, which can split a Chinese character; GDAL and
    pyogrio then fail on the whole file. The copy drops the half character (the input file is
    never changed) and the report says which names were shortened.
    """
    dbf = src.with_suffix(".dbf")
    if src.suffix.lower() != ".shp" or encoding is None or not dbf.exists():
        yield src
        return
    with dbf.open("rb") as fh:
        head = fh.read(32)
        header = head + fh.read(max(0, struct.unpack("<H", head[8:10])[0] - 32))
    patched = bytearray(header)
    for off, raw in field_names(header):
        fixed = cut_name(raw, encoding)
        if fixed is not None:
            patched[off:off + 11] = fixed.ljust(11, b"\x00")
            report.note(f"field name {fixed.decode(encoding)!r} had half a character cut off "
                        "by the 11-byte dBASE limit; read without it")
    if patched == header:
        yield src
        return
    with tempfile.TemporaryDirectory(prefix="planning-shp-") as tmp:
        for part in src.parent.glob(src.stem + ".*"):
            shutil.copyfile(part, Path(tmp) / part.name)
        with (Path(tmp) / dbf.name).open("r+b") as fh:
            fh.write(bytes(patched))
        yield Path(tmp) / src.name


def _read_tolerant(
    src: Path, layer: str | int | None, encoding: str | None, report: LayerReport
) -> gpd.GeoDataFrame:
    """Read feature by feature with fiona; close open rings; report what cannot be built."""
    import fiona  # noqa: PLC0415 - only needed for damaged files

    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    with fiona.open(src, layer=layer, encoding=encoding) as source:
        crs_wkt = source.crs_wkt or None
        for i, feature in enumerate(source):
            rows.append(dict(feature.properties))
            geoms.append(_build_geometry(feature.geometry, i, report))
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=crs_wkt)


def _build_geometry(geom: Any, row: int, report: LayerReport) -> Any:
    """Build one geometry; close open polygon rings, give up (None) on degenerate ones."""
    if geom is None:
        return None
    coords = geom.coordinates
    if geom.type in ("Polygon", "MultiPolygon"):
        polys = [coords] if geom.type == "Polygon" else list(coords)
        rings = [[tuple(pt) for pt in ring] for poly in polys for ring in poly]
        if any(len(set(ring)) < 3 for ring in rings):
            report.note("a polygon ring has fewer than 3 distinct points; kept the row "
                        "without geometry", row=row)
            return None
        if any(ring[0] != ring[-1] for ring in rings):
            report.note("polygon ring was not closed; closed it", row=row)
    try:
        return shapely.geometry.shape({"type": geom.type, "coordinates": coords})
    except (GEOSException, ValueError, TypeError) as exc:
        report.note(f"geometry cannot be built ({exc}); kept the row without geometry",
                    row=row)
        return None


def _guess_crs_hint(frame: gpd.GeoDataFrame, county: County | None) -> str:
    geoms = frame.geometry.values
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(present) == 0:
        return ""
    minx, miny, _, _ = shapely.total_bounds(present)
    if 73 <= minx <= 136 and 3 <= miny <= 54:
        return " The coordinates look like longitude/latitude: try crs='EPSG:4490' (CGCS2000)."
    zone = zone_from_easting(minx)
    if zone is not None:
        code = gk_crs(zone, prefix=True).to_epsg()
        return (f" The eastings carry zone prefix {zone}: if the datum is CGCS2000 try "
                f"crs='EPSG:{code}'.")
    if 100_000 <= minx <= 900_000 and 1_000_000 <= miny <= 6_000_000:
        if county is not None:
            return (" The coordinates look like 6-digit Gauss-Kruger eastings: if they are in "
                    f"the county's CRS try crs={county.crs!r}.")
        return (" The coordinates look like 6-digit Gauss-Kruger eastings: give the zone's "
                "CRS, e.g. crs='EPSG:4548' for CGCS2000 zone 39 (central meridian 117 E, "
                "Taiqian).")
    return ""


def _fix_crs(
    frame: gpd.GeoDataFrame, crs: Any, swap_xy: bool, report: LayerReport,
    fatal: list[Problem], *, county: County | None,
) -> gpd.GeoDataFrame:
    if crs is not None:
        if frame.crs is not None:
            report.note(f"CRS of the file ({frame.crs.name}) overridden by crs=")
        frame = frame.set_crs(crs, allow_override=True)
    if frame.crs is None:
        fatal.append(Problem(report.source, (
            "the layer has no CRS (a Shapefile without .prj?). Pass crs=... to say what the "
            "coordinates are, or add the .prj file." + _guess_crs_hint(frame, county))))
        return frame
    check_datum(frame.crs, source=report.source)
    if swap_xy:
        frame = frame.copy()
        frame[frame.geometry.name] = shapely.transform(
            frame.geometry.values, lambda c: c[:, ::-1])
        report.note("x and y swapped as asked (swap_xy=True)")
    report.crs_in = frame.crs.to_string()
    geoms = frame.geometry.values
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(present) == 0:
        return frame
    minx, miny, maxx, maxy = shapely.total_bounds(present)
    if frame.crs.is_geographic:
        if minx >= -90 and maxx <= 90 and 73 <= miny <= 136 and maxy <= 136 and maxx < 60:
            fatal.append(Problem(report.source, (
                f"the coordinates look swapped: x runs {minx:.3f}..{maxx:.3f} (latitudes?) and "
                f"y {miny:.3f}..{maxy:.3f} (longitudes?). Read again with swap_xy=True.")))
        return frame
    return _fix_gk_prefix(frame, (minx, miny, maxx, maxy), report, fatal)


def _fix_gk_prefix(
    frame: gpd.GeoDataFrame, bounds: tuple[float, float, float, float], report: LayerReport,
    fatal: list[Problem],
) -> gpd.GeoDataFrame:
    """Correct a zone prefix the CRS does not expect (or lacks); catch swapped axes."""
    minx, miny, maxx, _ = bounds
    info = gk_zone_info(frame.crs)
    zone = zone_from_easting(minx)
    if info is not None and zone is not None and zone_from_easting(maxx) == zone \
            and not info[1]:
        fixed = gk_crs(zone, prefix=True, datum=info[2])
        report.note(f"eastings carry zone prefix {zone} but the CRS has none; "
                    f"read as {fixed.name} (EPSG:{fixed.to_epsg()})")
        report.crs_in = fixed.to_string()
        return frame.set_crs(fixed, allow_override=True)
    if info is not None and info[1] and zone is None and 100_000 <= minx < 1_000_000:
        fixed = gk_crs(info[0], prefix=False, datum=info[2])
        report.note(f"the CRS expects zone-prefixed eastings but they have 6 digits; "
                    f"read as {fixed.name} (EPSG:{fixed.to_epsg()})")
        report.crs_in = fixed.to_string()
        return frame.set_crs(fixed, allow_override=True)
    if minx > 1_000_000 and miny < 1_000_000 and zone is None:
        fatal.append(Problem(report.source, (
            f"x ({minx:.0f}..) looks like a northing and y ({miny:.0f}..) like an easting: the "
            "axes are swapped. Read again with swap_xy=True.")))
    return frame


def _target_crs(
    frame: gpd.GeoDataFrame, county: County | None, to_crs: Any, report: LayerReport,
    fatal: list[Problem],
) -> pyproj.CRS | None:
    """The CRS the layer goes to: ``to_crs``, the county's, or the one of its own data."""
    if to_crs is not None:
        report.crs_reason = "given by to_crs="
        return pyproj.CRS.from_user_input(to_crs)
    if county is not None:
        report.crs_reason = f"the CRS of county {county.code} {county.name_zh}"
        return county.pyproj_crs
    own: pyproj.CRS = frame.crs
    if lonlat_bounds(frame) is None and own.is_projected:
        report.crs_reason = "the file's own (no geometry to derive a zone from)"
        return own
    try:
        derived = gk_crs_for(frame)
    except CRSError as err:
        fatal.append(Problem(report.source, f"{err} Or pass county=... or to_crs=..."))
        return None
    report.crs_reason = (f"derived from the data: {derived.name}, the zone of its centre; "
                         "county=... or to_crs=... chooses it")
    log.info("%s: working CRS %s", report.source, report.crs_reason)
    return derived


def _check_extent(
    frame: gpd.GeoDataFrame, county: County | None, report: LayerReport, fatal: list[Problem],
) -> None:
    """Refuse a layer far from its county (or, without a county, outside China)."""
    bounds = lonlat_bounds(frame)
    if bounds is None:
        return
    lon, lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    where = (f"its centre is at {lon:.3f} E, {lat:.3f} N" if np.isfinite([lon, lat]).all()
             else "its coordinates are not valid in its CRS")
    fix = ("The CRS is probably wrong (pass crs=...), or the axes are swapped (swap_xy=True); "
           "check_extent=False reads it anyway.")
    if county is None:
        if not (np.isfinite([lon, lat]).all() and in_china(lon, lat)):
            fatal.append(Problem(report.source, f"the layer lies outside China: {where}. {fix}"))
        return
    geoms = frame.geometry.values
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    box = shapely.box(*shapely.total_bounds(present))
    if not (np.isfinite(shapely.total_bounds(present)).all()
            and county.extent(frame.crs).intersects(box)):
        c_lon, c_lat = county.center_lonlat
        fatal.append(Problem(report.source, (
            f"the layer lies far from the county {county.name_zh} ({county.name_en}): {where}, "
            f"the county at about {c_lon:.2f} E, {c_lat:.2f} N (more than "
            f"{county.extent_tolerance_m / 1000:g} km away). {fix} Or the layer belongs to "
            "another county (county=...).")))


def repair_geometries(frame: gpd.GeoDataFrame, report: LayerReport) -> gpd.GeoDataFrame:
    geoms = frame.geometry.values
    missing = shapely.is_missing(geoms)
    empty = shapely.is_empty(geoms) & ~missing
    for i in np.flatnonzero(missing | empty):
        report.empty.append(int(i))
        report.note("geometry is " + ("missing" if missing[i] else "empty"), row=int(i))
    invalid = ~missing & ~empty & ~shapely.is_valid(geoms)
    if not invalid.any():
        return frame
    frame = frame.copy()
    fixed = shapely.make_valid(geoms[invalid])
    kinds = shapely.get_type_id(geoms[invalid])
    polygonal = np.isin(kinds, [3, 6])
    fixed[polygonal] = [polygonal_part(g) for g in fixed[polygonal]]
    values = frame.geometry.values.copy()
    values[invalid] = fixed
    frame[frame.geometry.name] = values
    for i, before, after in zip(np.flatnonzero(invalid), geoms[invalid], fixed, strict=True):
        report.repaired.append(int(i))
        report.note(f"invalid geometry ({shapely.is_valid_reason(before)}) made valid; area "
                    f"{shapely.area(before):.2f} -> {shapely.area(after):.2f}", row=int(i))
    return frame


def _check_ids(frame: pd.DataFrame, report: LayerReport) -> None:
    column = next((c for c in ID_COLUMNS if c in frame.columns), None)
    if column is None:
        return
    values = frame[column]
    dup = values[values.duplicated(keep=False) & values.notna()]
    for value in dict.fromkeys(dup.tolist()):
        rows = [int(i) for i in np.flatnonzero((values == value).to_numpy())]
        report.duplicates.append(str(value))
        report.note(f"{column} {value!r} is not unique (rows {rows})", column=column)
