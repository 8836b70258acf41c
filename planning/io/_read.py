"""Reading layers: the files a bureau really has, into one schema and one metric CRS.

:func:`read_layer` turns GBK Shapefiles without ``.cpg``, 8-digit Gauss-Kruger eastings,
lon/lat GeoJSON, AMap (GCJ-02) data, Xian 1980 data with the bureau's parameters, File
Geodatabases, zipped Shapefiles and invalid polygons into the toolkit's schema, with every
repair counted in a :class:`LayerReport`; files that are not what they claim (named pipes,
empty, truncated or encrypted files) are refused with an error that names the user's file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.errors import GEOSException

from planning import settings
from planning._core.geometry import drop_empty_rings, empty_rings, polygonal_part
from planning._errors import CRSError, InputError, LayerFileError, Problem
from planning.county import County
from planning.crs import is_gcj02, parse_crs
from planning.datum import Helmert7, PlaneSimilarity
from planning.io._encoding import (
    check_encoding,
    cut_name,
    detect_shapefile_encoding,
    field_names,
)
from planning.io._fields import map_fields
from planning.io._files import Part, gdal_errors
from planning.io._read_crs import (
    amap_hints,
    check_extent,
    check_moved,
    fix_crs,
    target_crs,
)
from planning.io._report import LayerReport
from planning.io._sources import Shapefile, Source, local_copy, resolve

log = logging.getLogger(__name__)

#: columns that identify features, checked for duplicates (first one present)
ID_COLUMNS = ("project_id", "zone_id", "patch_id", "node_id", "line_id", "road_id",
              "inspection_id", "feature_id", "unit_id", "code")


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
    datum_shift: Helmert7 | PlaneSimilarity | None = None,
) -> gpd.GeoDataFrame:
    """Read a layer into the toolkit's schema and a metric working CRS.

    Shapefile (the ``.shp``, any of its parts such as the ``.dbf``, the folder holding it, or
    a ``.zip``), GeoPackage, GeoJSON and File Geodatabase are read. The file is never changed.

    - Files are checked before they are opened: a named pipe, a link that loops, a folder where
      a file is needed, an empty or truncated file, or one wrapped by document-encryption
      software is refused (:class:`LayerFileError`, naming the user's file); a Shapefile
      without ``.dbf`` is read without attributes, and one whose ``.dbf`` holds fewer (or
      more) records than the ``.shp`` has shapes is read whole, both reported.
    - Text encoding of Shapefiles: an explicit ``encoding`` wins; otherwise a ``.cpg`` is
      trusted when the text decodes with it, and the ``.dbf`` bytes are tested (UTF-8, then
      GB18030, which covers GBK and GB2312) when there is no ``.cpg`` or it is wrong.
    - Standard field names (DLBM, GHDLBM, TDYTQLXDM, GZQLXDM, XZQDM, ZLDWDM, TBMJ, ...;
      ``planning/data/field_names.csv``) get toolkit-named copies; originals are kept.
    - CRS: a file without one needs ``crs=``; ``crs=`` also overrides a wrong ``.prj``, and
      ``crs="GCJ-02"`` reads AMap/Gaode longitude/latitude (moved back to CGCS2000). Data that
      looks AMap-derived (its field names, or an outline that matches the county only after
      the GCJ-02 correction) is reported. Eastings with a zone prefix (8 digits, 3- or
      6-degree zones) under a CRS without it, and the reverse, are corrected; Xian 1980 /
      Beijing 1954 data is moved to CGCS2000 with the bureau's parameters
      (``datum_shift=``, :mod:`planning.datum`) and refused without them. Swapped axes are
      reported (``swap_xy=True`` swaps them).
    - Working CRS and extent: with a ``county`` (a :class:`planning.County`) the layer goes
      to ``county.crs`` and must reach within ``county.extent_tolerance_m`` of the county's
      bounds. Without one it goes to the CGCS2000 3-degree Gauss-Kruger zone of its own
      centre longitude (:func:`planning.crs.gk_crs_for`) and must lie in China. ``to_crs``
      chooses the CRS explicitly (the extent is still checked). A layer far away means a
      wrong CRS or swapped axes, and is refused unless ``check_extent=False``. A layer that
      reaches beyond the working zone is reported with the area distortion it suffers.
    - Invalid geometries are made valid and counted; empty interior rings (which crash GEOS)
      are removed; empty or missing geometries and duplicate ids are reported.
      ``gdf.attrs["planning_report"]`` holds the :class:`LayerReport`.

    Problems that make the layer unusable are raised together in one :class:`InputError`
    (or :class:`CRSError`).

    Parameters
    ----------
    path : path
        The file (``.shp`` or a part of it, ``.gpkg``, ``.geojson``/``.json``, ``.zip``, a
        ``.gdb`` folder, or a folder holding one layer file).
    layer : str or int, optional
        Layer of a multi-layer file (or the file in a folder or zip); required when there
        are several.
    encoding : str, optional
        Text encoding of a Shapefile's ``.dbf`` (e.g. ``"gbk"``), overriding ``.cpg``.
    crs : optional
        CRS of the coordinates when the file has none or a wrong one; ``"GCJ-02"`` for
        AMap/Gaode longitude/latitude.
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
    datum_shift : planning.datum.Helmert7 or planning.datum.PlaneSimilarity, optional
        The transformation from Xian 1980 / Beijing 1954 to CGCS2000 the bureau was given.

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
    encoding = _check_arguments(county, encoding, crs, to_crs, datum_shift)
    source = resolve(Path(path), layer)
    name = _pick_layer(source)
    report = LayerReport(source=source.display + (f" [{name}]" if isinstance(name, str)
                                                  and source.shapefile is None else ""))
    for note in source.notes:
        report.note(note, level=logging.INFO)
    enc = _resolve_encoding(source, encoding, report)
    frame = _read_frame(source, name, enc, report)
    frame = remove_empty_rings(frame, report)
    fatal: list[Problem] = []
    prj = _prj_text(source) if frame.crs is None and crs is None else None
    frame = fix_crs(frame, crs, swap_xy, report, fatal, county=county,
                    datum_shift=datum_shift, prj=prj)
    if not fatal and not is_gcj02(crs):
        amap_hints(frame, county, report)
    if not fatal and check_extent:
        _check_extent_step(frame, county, report, fatal)
    if not fatal:
        target = target_crs(frame, county, to_crs, report, fatal)
        if target is not None:
            frame = frame.to_crs(target)
            report.crs_out = target.to_string()
            check_moved(frame, report, fatal)
    if not fatal:
        frame = repair_geometries(frame, report, rings=False)  # removed above
    frame, report.fields = map_fields(frame, field_map)
    _check_ids(frame, report)
    if fatal:
        problems = fatal + report.problems
        kind = CRSError if any("CRS" in p.message or "swapped" in p.message
                               for p in fatal) else InputError
        raise kind(f"{report.source} cannot be read as it is.", problems)
    frame.attrs["planning_report"] = report
    return frame


_check_extent_step = check_extent  # the parameter of read_layer shadows the step's name


def _check_arguments(county: object, encoding: str | None, crs: Any, to_crs: Any,
                     datum_shift: object) -> str | None:
    """Check the options before any file is opened; return the encoding's codec name."""
    if county is not None and not isinstance(county, County):
        msg = f"county must be a planning.County, got {type(county).__name__}."
        raise TypeError(msg)
    if datum_shift is not None and not isinstance(datum_shift, Helmert7 | PlaneSimilarity):
        msg = ("datum_shift must be a planning.datum.Helmert7 or PlaneSimilarity, got "
               f"{type(datum_shift).__name__}.")
        raise TypeError(msg)
    if crs is not None and not is_gcj02(crs):
        parse_crs(crs)
    if to_crs is not None:
        parse_crs(to_crs, what="to_crs")
    return None if encoding is None else check_encoding(encoding)


def _pick_layer(source: Source) -> str | int | None:
    """The layer of a multi-layer file (GeoPackage, File Geodatabase) the user means."""
    if source.shapefile is not None or Path(source.gdal).suffix.lower() in (".geojson",
                                                                            ".json"):
        return source.layer
    with gdal_errors(source.display):
        listed = [(str(n), kind) for n, kind in pyogrio.list_layers(source.gdal)]
    names = [n for n, _ in listed]
    layer = source.layer
    if isinstance(layer, int) and not isinstance(layer, bool):
        if 0 <= layer < len(names):
            return names[layer]
    elif layer is not None:
        if layer in names:
            return layer
        folded = {n.lower(): n for n in names}
        if str(layer).lower() in folded:
            return folded[str(layer).lower()]
    else:
        spatial = [n for n, kind in listed if kind is not None]
        if len(spatial) == 1 or len(names) == 1:
            return spatial[0] if spatial else names[0]
        if not names:
            msg = f"{source.display} holds no layers."
            raise LayerFileError(msg)
    listing = ", ".join(f"{n}" + ("" if kind else " (table)") for n, kind in listed)
    if layer is None:
        msg = (f"{source.display} holds {len(names)} layers ({listing}); choose one with "
               "layer=..., or open the whole file with planning.open_workspace().")
    else:
        msg = (f"{source.display} has no layer {layer!r}; its layers are {listing} (choose "
               "one with layer=...).")
    raise InputError(msg)


def _resolve_encoding(source: Source, encoding: str | None, report: LayerReport) -> str | None:
    shapefile = source.shapefile
    if shapefile is None:
        return encoding
    if encoding is not None:
        report.encoding, report.encoding_reason = encoding, "given by encoding="
        return encoding
    if shapefile.dbf is None:
        return None
    enc, reason, corrected = detect_shapefile_encoding(shapefile, settings.encoding_sniff_bytes)
    report.encoding, report.encoding_reason = enc, reason
    if corrected:
        report.note(f"text encoding detected: {reason}", level=logging.INFO)
    return enc


def _prj_text(source: Source) -> str | None:
    """The text of a Shapefile's .prj that GDAL could not read as a CRS (None: no .prj)."""
    shapefile = source.shapefile
    if shapefile is None or shapefile.prj is None:
        return None
    return shapefile.prj.read(4096).decode("utf-8", "replace").strip()


def _read_frame(source: Source, layer: str | int | None, encoding: str | None,
                report: LayerReport) -> gpd.GeoDataFrame:
    shapefile = source.shapefile
    if shapefile is not None:
        frame = _read_shapefile(source, shapefile, encoding, report)
    else:
        frame = _read_gdal(source, source.gdal, layer, encoding, report)
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = (f"{source.display} [{layer}] is a table without geometry; read it with "
               "pyogrio.read_dataframe() or open the workspace that holds it.")
        raise InputError(msg)
    return frame


def _read_gdal(source: Source, path: str, layer: str | int | None, encoding: str | None,
               report: LayerReport, *hidden: str, **options: Any) -> pd.DataFrame:
    """One read by pyogrio (feature by feature with fiona when geometries cannot be built)."""
    kwargs: dict[str, Any] = dict(options)
    if layer is not None:
        kwargs["layer"] = layer
    if encoding is not None:
        kwargs["encoding"] = encoding
    with gdal_errors(source.display, *hidden):
        try:
            frame: pd.DataFrame = pyogrio.read_dataframe(path, **kwargs)
        except GEOSException as exc:
            report.note(f"some geometries could not be built ({exc}); read feature by feature")
            frame = _read_tolerant(source, path, layer, encoding, report)
    return frame


def _read_shapefile(source: Source, shapefile: Shapefile, encoding: str | None,
                    report: LayerReport) -> gpd.GeoDataFrame:
    """A Shapefile: without its .dbf, with a .dbf of another record count, or as it is."""
    shapes, records = shapefile.shapes, shapefile.records
    if shapefile.dbf is None:
        report.note(f"there is no .dbf beside {shapefile.shp.display}: the {shapes} shapes were "
                    "read without attributes")
    patched = _patched_header(shapefile, encoding, report)
    if shapefile.dbf is not None and shapes is not None and records != shapes:
        return _read_mismatched(source, shapefile, encoding, patched, report)
    if patched is None:
        frame = _read_gdal(source, source.gdal, None, encoding, report)
    else:
        with _copy(shapefile, patched, (".shp", ".shx", ".dbf", ".prj", ".cpg")) as files:
            frame = _read_gdal(source, str(files[".shp"]), None, encoding, report,
                               str(files[".shp"].parent))
    if shapes is not None and len(frame) < shapes and shapefile.dbf is not None:
        deleted = _deleted_records(shapefile.dbf)
        report.note(f"{shapes - len(frame)} of the {shapes} shapes were not read: {deleted} "
                    "records are marked deleted in the .dbf, and GIS software skips them")
    return frame if isinstance(frame, gpd.GeoDataFrame) else gpd.GeoDataFrame(frame)


def _deleted_records(dbf: Part) -> int:
    """Records of a .dbf whose deletion flag is set (``*``)."""
    head = dbf.read(12)
    records, header, length = struct.unpack("<IHH", head[4:12])
    body = np.frombuffer(dbf.read(records * length, offset=header), dtype=np.uint8)
    flags = body[: (len(body) // max(length, 1)) * length: max(length, 1)]
    return int((flags == ord("*")).sum())


@contextlib.contextmanager
def _copy(shapefile: Shapefile, patched: bytes | None, suffixes: tuple[str, ...]
          ) -> Iterator[dict[str, Path]]:
    """A temporary copy of some parts, the .dbf header patched (never the user's files)."""
    parts = {k: v for k, v in shapefile.parts().items() if k in suffixes}
    with local_copy(parts, writable=(".dbf",) if patched else ()) as files:
        if patched is not None and ".dbf" in files:
            with files[".dbf"].open("r+b") as fh:
                fh.write(patched)
        yield files


def _patched_header(shapefile: Shapefile, encoding: str | None, report: LayerReport
                    ) -> bytes | None:
    """The .dbf header without half characters cut off field names (None: nothing to do).

    Writers cut dBASE field names at 10 bytes, which can split a Chinese character; GDAL and
    pyogrio then fail on the whole file. Only names that fill the limit and end in half a
    character *in the encoding used* are shortened, and the report says which.
    """
    if shapefile.dbf is None or encoding is None:
        return None
    head = shapefile.dbf.read(32)
    header = shapefile.dbf.read(max(32, int.from_bytes(head[8:10], "little")))
    patched = bytearray(header)
    for off, raw in field_names(header):
        fixed = cut_name(raw, encoding)
        if fixed is not None:
            patched[off:off + 11] = fixed.ljust(11, b"\x00")
            report.note(f"field name {fixed.decode(encoding)!r} had half a character cut off "
                        "by the 10-byte dBASE limit; read without it")
    return None if patched == header else bytes(patched)


def _read_mismatched(source: Source, shapefile: Shapefile, encoding: str | None,
                     patched: bytes | None, report: LayerReport) -> gpd.GeoDataFrame:
    """Shapes and records read apart and joined by position, when their counts differ
    (GDAL alone reads the smaller number and drops the rest without a word)."""
    with _copy(shapefile, None, (".shp", ".shx", ".prj")) as geo, \
            _copy(shapefile, patched, (".dbf", ".cpg")) as tab:
        shapes = _read_gdal(source, str(geo[".shp"]), None, None, report,
                            str(geo[".shp"].parent))
        table = _read_gdal(source, str(tab[".dbf"]), None, encoding, report,
                           str(tab[".dbf"].parent), read_geometry=False)
    n_shapes, n_records = len(shapes), len(table)
    rows = max(n_shapes, n_records)
    lost = _rows(min(n_shapes, n_records), rows)
    if n_records < n_shapes:
        report.note(f"the .dbf holds {n_records} records for the {n_shapes} shapes of the .shp: "
                    f"{lost} read without attributes (GDAL alone drops them)")
    else:
        report.note(f"the .dbf holds {n_records} records for the {n_shapes} shapes of the .shp: "
                    f"{lost} read without geometry (GDAL alone drops them)")
    attrs = pd.DataFrame(table).reindex(range(rows))
    geoms = np.full(rows, None, dtype=object)
    geoms[:n_shapes] = np.asarray(shapes.geometry.values, dtype=object)
    return gpd.GeoDataFrame(attrs, geometry=geoms, crs=shapes.crs)


def _rows(first: int, end: int) -> str:
    """``row 4`` or ``rows 4-9`` (0-based, as the report numbers rows)."""
    return f"row {first}" if end - first == 1 else f"rows {first}-{end - 1}"


def _read_tolerant(source: Source, path: str, layer: str | int | None, encoding: str | None,
                   report: LayerReport) -> gpd.GeoDataFrame:
    """Read feature by feature with fiona; close open rings; report what cannot be built."""
    import fiona  # noqa: PLC0415 - only needed for damaged files

    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    try:
        with fiona.open(path, layer=layer, encoding=encoding) as layer_file:
            crs_wkt = layer_file.crs_wkt or None
            for i, feature in enumerate(layer_file):
                rows.append(dict(feature.properties))
                geoms.append(_build_geometry(feature.geometry, i, report))
    except fiona.errors.FionaError as exc:
        msg = f"Cannot read {source.display}: {exc}."
        raise LayerFileError(msg) from None
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


# --- geometry repairs --------------------------------------------------------------------


def remove_empty_rings(frame: gpd.GeoDataFrame, report: LayerReport) -> gpd.GeoDataFrame:
    """The layer without empty polygon rings, each removal reported.

    A polygon with an empty interior ring survives GeoPackage, GeoJSON and GeoParquet and
    passes ``make_valid``, and crashes GEOS operations (the whole process); it is rebuilt
    without the empty ring, which changes neither its area nor its shape.
    """
    geoms = frame.geometry.values
    bad = empty_rings(np.asarray(geoms, dtype=object))
    if not bad.any():
        return frame
    out = frame.copy()
    values = np.asarray(out.geometry.values, dtype=object).copy()
    for i in np.flatnonzero(bad):
        values[i] = drop_empty_rings(values[i])
        report.repaired.append(int(i))
        report.note("polygon had an empty ring (which crashes geometry operations); removed it",
                    row=int(i))
    out[out.geometry.name] = gpd.GeoSeries(values, index=out.index, crs=out.crs)
    return out


def repair_geometries(frame: gpd.GeoDataFrame, report: LayerReport, *,
                      rings: bool = True) -> gpd.GeoDataFrame:
    """Report missing and empty geometries; make invalid ones valid (each reported); with
    ``rings``, remove empty rings first (:func:`remove_empty_rings`)."""
    if rings:
        frame = remove_empty_rings(frame, report)
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
