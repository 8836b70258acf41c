"""The :class:`Workspace`: the named layers and tables of one county, and its parts."""


from __future__ import annotations

import copy
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
import pyproj
import shapely

from planning._errors import CRSError, InputError, Problem, WorkspaceError
from planning._version import __version__
from planning.county import County
from planning.io import atomic_output, read_layer
from planning.workspace._clean import check_columns, check_name, clean_text
from planning.workspace._compare import compare_frames
from planning.workspace._store import check_replaceable, save_folder, save_gdal, store_kind

log = logging.getLogger(__name__)

#: The layer names other tools rely on (a contract; see docs/ARCHITECTURE.md).
#: The layers of the layer contract (docs/ARCHITECTURE.md): the 2011 plans, the territorial
#: plan (``planning_zones``, ``landsea_use``) and the third survey (``land_survey``,
#: ``admin_units``, ``settlement_land``).
STANDARD_LAYERS = ("county", "townships", "projects", "sanitation_zones", "urban_plan",
                   "landuse_plan", "control_zones", "control_lines", "planning_zones",
                   "landsea_use", "builtup_area", "roads", "land_survey", "admin_units",
                   "settlement_land")


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

    Attributes
    ----------
    notes : list of str
        What the workspace had to change or mend, one sentence each (also logged as
        warnings): characters no store can hold removed from text (NUL, unpaired surrogates;
        see :meth:`add_layer`), a previous version put back after a save that was killed
        (:func:`planning.open_workspace`).

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
        self.notes: list[str] = []
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
        """Add or replace a layer (a copy is stored; its CRS must match the workspace's).

        The names a workspace accepts are saved and read back unchanged by every store: a
        layer or table name is non-empty text without surrounding spaces, a leading dot,
        control characters or any of ``/\\:*?"<>|``, and not a table's name; column names
        are non-empty text without control characters, each once. Where a format cannot
        hold a name (File Geodatabase rules, GeoPackage's reserved names, file names in a
        folder) it is stored under another and restored on open. Characters that no store
        can hold (NUL, unpaired surrogates) are removed from text values, with a note in
        :attr:`notes` and the log; every other character, control characters included, is
        kept and read back unchanged.

        Examples
        --------
        >>> import planning
        >>> ws = planning.Workspace(county=planning.TAIQIAN)
        >>> roads = planning.load_sample()["roads"].head(2).copy()
        >>> roads.loc[0, "name_zh"] = "人民路\\x00"
        >>> ws.add_layer("roads;2011", roads)
        >>> ws["roads;2011"].loc[0, "name_zh"], len(ws.notes)
        ('人民路', 1)
        """
        check_name(name, other_kind=self.tables, kind="layer")
        if not isinstance(frame, gpd.GeoDataFrame):
            msg = f"Layer {name!r} must be a GeoDataFrame, got {type(frame).__name__}."
            raise WorkspaceError(msg)
        if frame.crs is None:
            msg = (f"Layer {name!r} has no CRS. Set it (gdf.set_crs(...)) or read the file "
                   "with planning.read_layer(..., crs=...).")
            raise CRSError(msg)
        self._check_layer_crs(name, frame.crs)
        check_columns(name, frame)
        stored = self._clean(name, frame)
        if stored is frame:
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
        datum_shift: Any = None,
    ) -> gpd.GeoDataFrame:
        """Read a file's layer into the workspace as layer ``name`` (default: the file's name).

        The layer goes through :func:`planning.read_layer` with the workspace's county (its
        CRS and extent check), or, without a county, into the CRS the workspace's layers
        already share; the options are :func:`planning.read_layer`'s. Returns the layer as
        read, with its ``planning_report``.

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
                                   "swap_xy": swap_xy, "check_extent": check_extent,
                                   "datum_shift": datum_shift}
        others = [k for k in self.layers if k != name]
        if self._county is not None:
            frame = read_layer(path, layer, county=self._county, **options)
        else:
            frame = read_layer(path, layer, to_crs=self.crs if others else None, **options)
        self.add_layer(name or Path(path).stem, frame)
        return frame

    def add_table(self, name: str, table: pd.DataFrame) -> None:
        """Add or replace a table without geometry (a copy is stored; the names and text
        rules are those of :meth:`add_layer`)."""
        check_name(name, other_kind=self.layers, kind="table")
        if not isinstance(table, pd.DataFrame) or isinstance(table, gpd.GeoDataFrame):
            msg = f"Table {name!r} must be a pandas DataFrame without geometry."
            raise WorkspaceError(msg)
        check_columns(name, table)
        stored = self._clean(name, table)
        self.tables[name] = table.copy() if stored is table else stored

    def _clean(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` without characters no store can hold (a cleaned copy, with a note)."""
        cleaned, note = clean_text(name, frame)
        if note is not None:
            log.warning(note)
            self.notes.append(note)
        return cleaned

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
        out.notes = list(self.notes)
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

        At every instant ``path`` holds the complete previous workspace or the complete new
        one (see :func:`planning.io.atomic_output`: a link is followed, permissions are kept,
        what a killed save left beside it is tidied). Every name and value is saved so that
        :func:`planning.open_workspace` gives back equal frames (:meth:`compare`); a name a
        format cannot hold is stored under another (docs/saving.md). A folder that is not a
        workspace is never replaced. A full disk or a folder that cannot be written is one
        :class:`planning.LayerFileError`, and the previous workspace stays.
        """
        target = os.fspath(path)
        layers, tables = self._frames_to_save()
        meta = _meta_values(self)
        if target.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            from planning.io import postgis  # noqa: PLC0415 - optional dependency

            postgis.save_frames(layers, tables, target, schema=schema, meta=meta)
            return target
        kind = store_kind(Path(target))
        check_replaceable(Path(os.path.realpath(target)), kind)
        with atomic_output(target) as tmp:
            if kind == "folder":
                save_folder(tmp, layers, tables, meta)
            else:
                save_gdal(tmp, layers, tables, meta, "GPKG" if kind == "gpkg" else "OpenFileGDB")
        log.info("saved %s to %s", self, target)
        return target

    def _frames_to_save(self) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, pd.DataFrame]]:
        """The layers and tables as saved, checked again (``ws.layers`` is a plain dict, so
        frames may have arrived without :meth:`add_layer`); text cleaned, with a note."""
        layers = {}
        for name, frame in self.layers.items():
            check_name(name, other_kind=self.tables, kind="layer")
            check_columns(name, frame)
            layers[name] = self._clean(name, frame)
        tables = {}
        for name, table in self._all_tables().items():
            check_name(name, other_kind=self.layers, kind="table")
            check_columns(name, table)
            tables[name] = self._clean(name, table)
        return layers, tables

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
            diffs += [f"{name}: {d}" for d in compare_frames(mine[name], theirs[name],
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


def _meta_values(ws: Workspace) -> dict[str, str]:
    """The workspace's own metadata, as every store keeps it (the county as JSON)."""
    county = "" if ws.county is None else json.dumps(ws.county.to_dict(), ensure_ascii=False)
    return {"name": ws.name, "county": county, "crs": ws.crs_name,
            "planning_version": __version__}


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
