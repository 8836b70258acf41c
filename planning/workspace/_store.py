"""The file stores of a workspace: GeoPackage, File Geodatabase and GeoJSON folders.

Private to :mod:`planning.workspace`. These functions write and read a workspace's frames and
its metadata; :class:`planning.Workspace` builds itself from what they read. PostGIS is
:mod:`planning.io.postgis`.

A store written by the toolkit holds, in ``workspace_meta``, how each frame is stored
(:mod:`planning.workspace._storage`: names a format cannot hold, dtypes, geometry column),
and opens as it was saved. Layers of any other file (a bureau's GeoPackage, a store written
by an earlier version, a layer another program added) go through :func:`planning.read_layer`
(geometries repaired, standard field names mapped).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj

from planning._errors import LayerFileError, WorkspaceError
from planning.county import County
from planning.io import geometry_type, read_layer
from planning.workspace._storage import (
    FORMATS,
    META_TABLE,
    ROW,
    FrameSpec,
    part_namer,
    plan,
    read_storage,
    storage_entry,
    stored_frame,
)
from planning.workspace._tables import read_csv_table, write_csv_table


class Stored(NamedTuple):
    """What a store holds: layers and tables in their saved order, metadata, the county."""

    layers: dict[str, gpd.GeoDataFrame]
    tables: dict[str, pd.DataFrame]
    meta: dict[str, str]
    county: County | None


def store_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        return "gpkg"
    if suffix == ".gdb":
        return "gdb"
    if suffix == "" or path.is_dir():
        return "folder"
    msg = (f"Cannot save a workspace as {path}: use a .gpkg or .gdb path, a folder, or a "
           "postgresql:// URL.")
    raise LayerFileError(msg)


def check_replaceable(path: Path, kind: str) -> None:
    """Refuse to replace a folder that is not a workspace of that kind (it would be lost)."""
    if not path.is_dir() or not any(path.iterdir()):
        return
    marker = "a00000001.gdbtable" if kind == "gdb" else f"{META_TABLE}.csv"
    if kind in ("gdb", "folder") and not (path / marker).exists():
        what = "File Geodatabase" if kind == "gdb" else "workspace folder"
        msg = (f"{path} is a folder that is not a {what} saved by planning; saving there would "
               "replace everything in it. Save to a new name, or empty the folder first.")
        raise WorkspaceError(msg)


def _meta_values(layers: Mapping[str, gpd.GeoDataFrame], tables: Mapping[str, pd.DataFrame],
                 meta: Mapping[str, str], specs: list[FrameSpec], driver: str) -> pd.DataFrame:
    """The ``workspace_meta`` table: the workspace's own metadata, its CRS, the order of its
    layers and tables, and how each frame is stored."""
    first = next(iter(layers.values()), None)
    crs = None if first is None else first.crs
    values = {**meta, "crs_wkt": "" if crs is None else crs.to_wkt(),
              "layers": json.dumps(list(layers), ensure_ascii=False),
              "tables": json.dumps(list(tables), ensure_ascii=False),
              "storage": storage_entry(specs, driver)}
    return pd.DataFrame({"key": list(values), "value": list(values.values())})


#: geometry families a File Geodatabase layer can hold (one per layer)
_FAMILIES = {"points": ("Point", "MultiPoint"), "lines": ("LineString", "MultiLineString"),
             "polygons": ("Polygon", "MultiPolygon")}


def _split_by_family(name: str, frame: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """A mixed layer as one layer per geometry family (File Geodatabases need that)."""
    kinds = frame.geom_type
    unknown = sorted(set(kinds.dropna()) - {t for ts in _FAMILIES.values() for t in ts})
    if unknown or kinds.isna().any():
        msg = (f"Layer {name!r} mixes geometry types including {unknown or ['missing']}, which "
               "a File Geodatabase cannot store; save to a GeoPackage instead.")
        raise WorkspaceError(msg)
    out = {}
    numbered = frame.assign(**{ROW: range(len(frame))})
    for family, types in _FAMILIES.items():
        part = numbered[kinds.isin(types).to_numpy()]
        if len(part):
            out[family] = part
    return out


def save_gdal(path: Path, layers: Mapping[str, gpd.GeoDataFrame],
              tables: Mapping[str, pd.DataFrame], meta: Mapping[str, str], driver: str) -> None:
    """Write a workspace's frames into a new GeoPackage or File Geodatabase at ``path``."""
    frames: dict[str, pd.DataFrame] = {**layers, **tables}
    specs = plan(frames, set(tables), driver)
    parts = part_namer(driver, specs)
    for spec in specs:
        frame = stored_frame(spec, frames[spec.name])
        if spec.kind == "table":
            _write(path, spec.stored, _table_for_gdal(frame), driver)
            continue
        gtype = geometry_type(frame)
        if driver == "OpenFileGDB" and gtype == "Unknown" and frame.geometry.notna().any():
            for family, part in _split_by_family(spec.name, frame).items():
                spec.parts.append(parts(f"{spec.stored}__{family}"))
                _write(path, spec.parts[-1], part, driver, geometry_type=geometry_type(part))
        else:  # a File Geodatabase layer has one geometry type, even when it is empty
            _write(path, spec.stored, frame, driver, geometry_type=gtype
                   if driver != "OpenFileGDB" or gtype != "Unknown" else "MultiPolygon")
    _write(path, META_TABLE, _meta_values(layers, tables, meta, specs, driver), driver)
    _verify(path, specs, driver)


def _write(path: Path, layer: str, frame: pd.DataFrame, driver: str, **kwargs: Any) -> None:
    if driver == "OpenFileGDB":
        # 64-bit integers stay integers in File Geodatabases (ArcGIS Pro 3.2 and later)
        kwargs["TARGET_ARCGIS_VERSION"] = "ARCGIS_PRO_3_2_OR_LATER"
    pyogrio.write_dataframe(frame, path, layer=layer, driver=driver, **kwargs)


def _verify(path: Path, specs: list[FrameSpec], driver: str) -> None:
    """Refuse a store in which GDAL renamed or dropped a layer or column (never silent)."""
    listed = {str(name) for name, _ in pyogrio.list_layers(path)}
    problems = []
    for spec in specs:
        attributes = [s for s, _, d in spec.columns if d != "geometry"]
        for layer in spec.parts or [spec.stored]:
            if layer not in listed:
                problems.append(f"{spec.name!r} was not stored as {layer!r}")
                continue
            fields = [str(f) for f in pyogrio.read_info(path, layer=layer)["fields"]]
            expected = [*attributes, ROW] if spec.parts else attributes
            if fields != expected:
                problems.append(f"{spec.name!r}: columns {expected} were stored as {fields}")
    if problems:
        label = FORMATS[driver][0].label
        msg = (f"The {label} writer changed names that planning expected it to keep: "
               f"{'; '.join(problems)}. Nothing was replaced. Save to a GeoPackage, or rename "
               "these layers and columns (letters, digits and _).")
        raise WorkspaceError(msg)


def _table_for_gdal(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].astype("int32")
    return out


def save_folder(path: Path, layers: Mapping[str, gpd.GeoDataFrame],
                tables: Mapping[str, pd.DataFrame], meta: Mapping[str, str]) -> None:
    """Write a workspace's frames into a new folder of GeoJSON layers and CSV tables."""
    path.mkdir(parents=True)
    frames: dict[str, pd.DataFrame] = {**layers, **tables}
    specs = plan(frames, set(tables), "folder")
    for spec in specs:
        frame = stored_frame(spec, frames[spec.name])
        if spec.kind == "layer":
            pyogrio.write_dataframe(frame, path / f"{spec.stored}.geojson", driver="GeoJSON",
                                    WRITE_NON_FINITE_VALUES="YES")  # inf stays inf
        else:
            write_csv_table(frame, path / f"{spec.stored}.csv")
    write_csv_table(_meta_values(layers, tables, meta, specs, "folder"),
                    path / f"{META_TABLE}.csv")


def store_county(meta: Mapping[str, str], given: County | None, source: str) -> County | None:
    """The county to open a store as: the one given, else the one saved with it."""
    saved = County.from_dict(json.loads(meta["county"])) if meta.get("county") else None
    if given is not None and saved is not None and given.code != saved.code:
        msg = (f"{source} holds the workspace of county {saved}, not {given}. Open it without "
               "county=..., or with that county's profile.")
        raise WorkspaceError(msg)
    return given if given is not None else saved


def _saved_crs(meta: Mapping[str, str]) -> pyproj.CRS | None:
    """The CRS a workspace was saved in, when its metadata says it."""
    for key in ("crs_wkt", "crs"):
        text = meta.get(key, "")
        if text and text != "none":
            try:
                return pyproj.CRS.from_user_input(text)
            except pyproj.exceptions.CRSError:
                continue
    return None


class _Reader:
    """Reads the layers of one store into one CRS: the county's, else the saved one, else the
    one the first layer read derives from its data (read the ``county`` layer first)."""

    def __init__(self, county: County | None, meta: Mapping[str, str], *,
                 check_extent: bool = True) -> None:
        self.county = county
        self.crs = county.pyproj_crs if county is not None else _saved_crs(meta)
        self.check_extent = check_extent

    def foreign(self, path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
        """A layer not written by the toolkit, through :func:`planning.read_layer`."""
        if self.county is not None:
            return naive_dates(read_layer(path, layer, county=self.county,
                                          check_extent=self.check_extent))
        frame = read_layer(path, layer, to_crs=self.crs, check_extent=self.check_extent)
        self.crs = frame.crs
        return naive_dates(frame)

    def saved(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """A layer as the toolkit saved it, in the store's one CRS."""
        if self.crs is None:
            self.crs = frame.crs
        elif frame.crs is None:
            frame = frame.set_crs(self.crs)
        elif frame.crs != self.crs:
            frame = frame.to_crs(self.crs)
        return frame


def _county_first(names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: n != "county")


def open_gdal(src: Path, county: County | None = None, *, check_extent: bool = True) -> Stored:
    """Read a GeoPackage or File Geodatabase workspace."""
    listed = [(str(name), kind) for name, kind in pyogrio.list_layers(src)]
    meta: dict[str, str] = {}
    if (META_TABLE, None) in listed:
        table = pyogrio.read_dataframe(src, layer=META_TABLE)
        meta = dict(zip(table["key"], table["value"], strict=True))
    county = store_county(meta, county, str(src))
    read = _Reader(county, meta, check_extent=check_extent)
    specs = read_storage(meta) or []
    frames: dict[str, pd.DataFrame] = {}
    for spec in specs:
        frames[spec.name] = _read_gdal_frame(src, spec, read)
    known = {META_TABLE, *(p for s in specs for p in s.parts or [s.stored])}
    others = [(name, kind) for name, kind in listed if name not in known]
    spatial = _county_first([name for name, kind in others if kind is not None])
    found = {name: read.foreign(src, name) for name in spatial}
    for name, kind in others:
        frames.setdefault(name, found[name] if kind is not None
                          else naive_dates(pyogrio.read_dataframe(src, layer=name)))
    if not specs:
        _join_legacy_splits(frames, meta)
    return _ordered(frames, meta, county)


def _read_gdal_frame(src: Path, spec: FrameSpec, read: _Reader) -> pd.DataFrame:
    if spec.kind == "table":
        return spec.renamed(pyogrio.read_dataframe(src, layer=spec.stored))
    if spec.parts:
        frame = _joined([pyogrio.read_dataframe(src, layer=part) for part in spec.parts])
    else:
        frame = pyogrio.read_dataframe(src, layer=spec.stored)
    layer: pd.DataFrame = read.saved(spec.renamed(frame))
    return layer


def _join_legacy_splits(frames: dict[str, pd.DataFrame], meta: Mapping[str, str]) -> None:
    """Mixed layers of a File Geodatabase saved before the ``storage`` entry, joined again."""
    for name, parts in json.loads(meta.get("split", "{}") or "{}").items():
        frames[name] = _joined([frames.pop(part) for part in parts if part in frames])


def _joined(pieces: list[pd.DataFrame]) -> gpd.GeoDataFrame:
    """The parts of a layer split by geometry family, in their first order again."""
    joined = pd.concat(pieces).sort_values(ROW).drop(columns=ROW)
    return gpd.GeoDataFrame(joined.reset_index(drop=True), crs=pieces[0].crs)


def open_folder(src: Path, county: County | None = None, *,
                check_extent: bool = True) -> Stored:
    """Read a folder workspace (GeoJSON layers, CSV tables)."""
    meta_path = src / f"{META_TABLE}.csv"
    meta: dict[str, str] = {}
    if meta_path.exists():
        table = read_csv_table(meta_path)
        meta = {str(k): "" if pd.isna(v) else str(v)
                for k, v in zip(table["key"], table["value"], strict=True)}
    county = store_county(meta, county, str(src))
    read = _Reader(county, meta, check_extent=check_extent)
    specs = read_storage(meta) or []
    frames: dict[str, pd.DataFrame] = {}
    for spec in specs:
        if spec.kind == "table":
            frames[spec.name] = read_csv_table(src / f"{spec.stored}.csv", spec)
        else:
            frame = pyogrio.read_dataframe(src / f"{spec.stored}.geojson",
                                           DATE_AS_STRING="YES")
            frames[spec.name] = read.saved(spec.renamed(frame))
    known = {s.stored for s in specs} | {META_TABLE}
    files = {p.stem: p for p in sorted(src.glob("*.geojson")) if p.stem not in known}
    found = {name: read.foreign(files[name]) for name in _county_first(list(files))}
    frames.update((name, found[name]) for name in files if name not in frames)
    dates = json.loads(meta.get("date_columns", "{}") or "{}")  # saved before ``storage``
    for p in sorted(src.glob("*.csv")):
        if p.stem not in known and p.stem not in frames:
            frames[p.stem] = read_csv_table(p, dates=dates.get(p.stem, []))
    return _ordered(frames, meta, county)


def _ordered(frames: dict[str, pd.DataFrame], meta: dict[str, str],
             county: County | None) -> Stored:
    """The frames in their saved order, with the metadata and the county."""
    layer_order = json.loads(meta.get("layers", "[]")) or []
    table_order = json.loads(meta.get("tables", "[]")) or []
    names = dict.fromkeys([*layer_order, *table_order, *frames])
    layers = {k: frames[k] for k in names
              if k in frames and isinstance(frames[k], gpd.GeoDataFrame)}
    tables = {k: frames[k] for k in names
              if k in frames and not isinstance(frames[k], gpd.GeoDataFrame)}
    return Stored(layers, tables, meta, county)


def naive_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """File Geodatabases hand dates back in UTC; the toolkit's dates are local calendar dates."""
    for col in frame.columns:
        dtype = frame[col].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_localize(None)
    return frame
