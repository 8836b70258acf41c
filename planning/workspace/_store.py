"""The file stores of a workspace: GeoPackage, File Geodatabase and GeoJSON folders.

Private to :mod:`planning.workspace`. These functions write and read a workspace's frames and
its metadata; :class:`planning.Workspace` builds itself from what they read. PostGIS is
:mod:`planning.io.postgis`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj

from planning._errors import LayerFileError, WorkspaceError
from planning.county import County
from planning.io import geometry_type, read_layer

#: The table holding the workspace's own metadata inside a file.
META_TABLE = "workspace_meta"


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


def meta_table(layers: Mapping[str, gpd.GeoDataFrame], tables: Mapping[str, pd.DataFrame],
               meta: Mapping[str, str], split: dict[str, list[str]] | None = None
               ) -> pd.DataFrame:
    """The ``workspace_meta`` table: the workspace's own metadata, its CRS, the order of its
    layers and tables, and how mixed layers were split for a File Geodatabase."""
    first = next(iter(layers.values()), None)
    crs = None if first is None else first.crs
    values = {**meta, "crs_wkt": "" if crs is None else crs.to_wkt(),
              "layers": json.dumps(list(layers)), "tables": json.dumps(list(tables)),
              "split": json.dumps(split or {})}
    return pd.DataFrame({"key": list(values), "value": list(values.values())})


#: geometry families a File Geodatabase layer can hold (one per layer)
_FAMILIES = {"points": ("Point", "MultiPoint"), "lines": ("LineString", "MultiLineString"),
             "polygons": ("Polygon", "MultiPolygon")}
_ROW = "_planning_row"


def _split_by_family(name: str, frame: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """A mixed layer as one layer per geometry family (File Geodatabases need that)."""
    kinds = frame.geom_type
    unknown = sorted(set(kinds.dropna()) - {t for ts in _FAMILIES.values() for t in ts})
    if unknown or kinds.isna().any():
        msg = (f"Layer {name!r} mixes geometry types including {unknown or ['missing']}, which "
               "a File Geodatabase cannot store; save to a GeoPackage instead.")
        raise WorkspaceError(msg)
    out = {}
    numbered = frame.assign(**{_ROW: range(len(frame))})
    for family, types in _FAMILIES.items():
        part = numbered[kinds.isin(types).to_numpy()]
        if len(part):
            out[f"{name}__{family}"] = part
    return out


def save_gdal(path: Path, layers: Mapping[str, gpd.GeoDataFrame],
              tables: Mapping[str, pd.DataFrame], meta: Mapping[str, str], driver: str) -> None:
    """Write a workspace's frames into a new GeoPackage or File Geodatabase at ``path``."""
    split: dict[str, list[str]] = {}
    for name, frame in layers.items():
        gtype = geometry_type(frame)
        parts = {name: frame}
        if driver == "OpenFileGDB" and gtype == "Unknown":
            parts = _split_by_family(name, frame)
            split[name] = list(parts)
        for part_name, part in parts.items():
            pyogrio.write_dataframe(part, path, layer=part_name, driver=driver,
                                    geometry_type=geometry_type(part), **_options(driver))
    for name, table in {**tables, META_TABLE: meta_table(layers, tables, meta, split)}.items():
        pyogrio.write_dataframe(_table_for_gdal(table), path, layer=name, driver=driver,
                                **_options(driver))


def _options(driver: str) -> dict[str, str]:
    # 64-bit integers stay integers in File Geodatabases (ArcGIS Pro 3.2 and later read them)
    return {"TARGET_ARCGIS_VERSION": "ARCGIS_PRO_3_2_OR_LATER"} if driver == "OpenFileGDB" \
        else {}


def _table_for_gdal(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out.attrs = {}
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].astype("int32")
    return out


def save_folder(path: Path, layers: Mapping[str, gpd.GeoDataFrame],
                tables: Mapping[str, pd.DataFrame], meta: Mapping[str, str]) -> None:
    """Write a workspace's frames into a new folder of GeoJSON layers and CSV tables."""
    path.mkdir(parents=True)
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, path / f"{name}.geojson", driver="GeoJSON")
    dates: dict[str, list[str]] = {}
    for name, table in tables.items():
        table.to_csv(path / f"{name}.csv", index=False, encoding="utf-8")
        dates[name] = [str(c) for c in table.columns
                       if pd.api.types.is_datetime64_any_dtype(table[c])]
    rows = meta_table(layers, tables, meta)
    rows.loc[len(rows)] = ["date_columns", json.dumps(dates, ensure_ascii=False)]
    rows.to_csv(path / f"{META_TABLE}.csv", index=False, encoding="utf-8")


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
        self.crs = None if county is not None else _saved_crs(meta)
        self.check_extent = check_extent

    def __call__(self, path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
        if self.county is not None:
            return naive_dates(read_layer(path, layer, county=self.county,
                                          check_extent=self.check_extent))
        frame = read_layer(path, layer, to_crs=self.crs, check_extent=self.check_extent)
        self.crs = frame.crs
        return naive_dates(frame)


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
    spatial = _county_first([name for name, kind in listed if kind is not None])
    found = {name: read(src, name) for name in spatial}
    layers: dict[str, gpd.GeoDataFrame] = {}
    tables: dict[str, pd.DataFrame] = {}
    for name, kind in listed:
        if kind is not None:
            layers[name] = found[name]
        elif name != META_TABLE:
            tables[name] = naive_dates(pyogrio.read_dataframe(src, layer=name))
    for name, parts in json.loads(meta.get("split", "{}") or "{}").items():
        pieces = [layers.pop(part) for part in parts if part in layers]
        joined = pd.concat(pieces).sort_values(_ROW).drop(columns=_ROW)
        layers[name] = gpd.GeoDataFrame(joined.reset_index(drop=True), crs=pieces[0].crs)
    return _ordered(layers, tables, meta, county)


def open_folder(src: Path, county: County | None = None, *,
                check_extent: bool = True) -> Stored:
    """Read a folder workspace (GeoJSON layers, CSV tables)."""
    meta_path = src / f"{META_TABLE}.csv"
    meta: dict[str, str] = {}
    if meta_path.exists():
        table = pd.read_csv(meta_path, encoding="utf-8", keep_default_na=False)
        meta = dict(zip(table["key"], table["value"], strict=True))
    county = store_county(meta, county, str(src))
    dates = json.loads(meta.get("date_columns", "{}") or "{}")
    read = _Reader(county, meta, check_extent=check_extent)
    files = {p.stem: p for p in sorted(src.glob("*.geojson"))}
    found = {name: read(files[name]) for name in _county_first(list(files))}
    layers = {name: found[name] for name in files}
    tables = {}
    for p in sorted(src.glob("*.csv")):
        if p.stem != META_TABLE:
            table = pd.read_csv(p, encoding="utf-8")
            for col in dates.get(p.stem, []):
                table[col] = pd.to_datetime(table[col]).astype("datetime64[ms]")
            tables[p.stem] = table
    return _ordered(layers, tables, meta, county)


def _ordered(
    layers: dict[str, gpd.GeoDataFrame], tables: dict[str, pd.DataFrame], meta: dict[str, str],
    county: County | None,
) -> Stored:
    """The frames in their saved order, with the metadata and the county."""
    layer_order = json.loads(meta.get("layers", "[]")) or list(layers)
    table_order = json.loads(meta.get("tables", "[]")) or list(tables)
    ordered_layers = {k: layers[k] for k in [*layer_order, *layers] if k in layers}
    ordered_tables = {k: tables[k] for k in [*table_order, *tables] if k in tables}
    return Stored(ordered_layers, ordered_tables, meta, county)


def naive_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """File Geodatabases hand dates back in UTC; the toolkit's dates are local calendar dates."""
    for col in frame.columns:
        dtype = frame[col].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_localize(None)
    return frame


