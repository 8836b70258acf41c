"""Opening a workspace from any store (:func:`open_workspace`)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import shapely

from planning._errors import LayerFileError
from planning.county import County
from planning.crs import gk_crs_for, lonlat_bounds
from planning.io import check_file, gdal_errors, map_layers, recover_output
from planning.workspace._storage import read_storage
from planning.workspace._store import Stored, open_folder, open_gdal, store_county
from planning.workspace._workspace import Workspace

log = logging.getLogger(__name__)


def open_workspace(
    path: str | os.PathLike[str], *, schema: str | None = None, county: County | None = None,
    check_extent: bool = True,
) -> Workspace:
    """Open a workspace from a GeoPackage, File Geodatabase, GeoJSON folder or PostGIS URL.

    Layers of a store the toolkit did not write go through :func:`planning.read_layer`
    (geometries repaired and reported, standard field names mapped) into the county's CRS;
    tables are read as they are. The source is never changed.

    The county is the one saved with the workspace; for a file that was not saved by the
    toolkit (or saved without one), ``county`` says which county it is, else it is derived
    from the ``county`` layer (:meth:`County.from_outline`) and, without one, the layers go
    to the Gauss-Kruger zone of their data. Giving a county whose code differs from the
    saved one is an error; the same county with another CRS moves the layers to it.
    ``check_extent=False`` reads layers that lie far from the county (see
    :func:`planning.read_layer`).

    A path that is not a workspace (a file of another kind, an empty, truncated or encrypted
    GeoPackage, a named pipe) is refused with a :class:`planning.LayerFileError` naming it.

    A store saved by the toolkit opens as it was saved: names a format could not hold are
    restored from its metadata, and so are dtypes and column order. When a save that was
    killed had moved the previous version of a File Geodatabase or folder aside, it is put
    back first, and ``ws.notes`` says so.

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
    notes = recover_output(src)
    if not (src.exists() or src.is_symlink()):
        msg = f"No workspace at {src}."
        raise LayerFileError(msg)
    check_file(src, what="workspace")
    if src.is_dir() and src.suffix.lower() != ".gdb":
        if not any(p.suffix.lower() in (".geojson", ".csv") for p in src.iterdir()):
            msg = (f"{src} is a folder without workspace layers (.geojson) or tables (.csv) in "
                   "it: give a workspace (.gpkg, .gdb, a folder saved by Workspace.save) or "
                   "read a layer file with planning.read_layer().")
            raise LayerFileError(msg)
        ws = _build(open_folder(src, county, check_extent=check_extent))
        ws.notes[:0] = notes
        return ws
    if src.suffix.lower() not in (".gpkg", ".gdb"):
        msg = (f"{src} is not a workspace: a workspace is a GeoPackage (.gpkg), a File "
               "Geodatabase (.gdb folder), a folder of GeoJSON layers, or a postgresql:// URL. "
               "Read a single layer file with planning.read_layer().")
        raise LayerFileError(msg)
    with gdal_errors(str(src)):
        ws = _build(open_gdal(src, county, check_extent=check_extent))
    ws.notes[:0] = notes
    return ws


def _open_postgis(url: str, schema: str | None, county: County | None) -> Workspace:
    from planning.io import postgis  # noqa: PLC0415 - optional dependency

    stored = postgis.load_frames(url, schema=schema,
                                 to_crs=None if county is None else county.crs)
    county = store_county(stored.meta, county, f"PostGIS schema {schema or 'public'!r}")
    layers = stored.layers
    crss = {frame.crs for frame in layers.values()}
    target = None if county is None else county.pyproj_crs
    if target is None and layers and (len(crss) > 1 or not next(iter(crss)).is_projected):
        boxes = [shapely.box(*b) for b in map(lonlat_bounds, layers.values()) if b is not None]
        target = gk_crs_for(gpd.GeoSeries(boxes, crs="EPSG:4490"))
    if target is not None:
        layers = {k: v if v.crs == target else v.to_crs(target) for k, v in layers.items()}
    return Workspace(layers, stored.tables, name=stored.meta.get("name", ""), county=county)




def _build(stored: Stored) -> Workspace:
    return Workspace(_contract_names(stored), stored.tables, name=stored.meta.get("name", ""),
                     county=stored.county)


def _contract_names(stored: Stored) -> dict[str, gpd.GeoDataFrame]:
    """The layers, standard ones (STBHHX, GHFQ, ...) under their contract names, except those
    the toolkit saved: they keep the names they were saved with."""
    saved = {spec.name for spec in read_storage(stored.meta) or []}
    foreign = {k: v for k, v in stored.layers.items() if k not in saved}
    mapped, renamed = map_layers(foreign)
    if not saved:
        return mapped
    out = {k: v for k, v in stored.layers.items() if k in saved}
    for name, frame in mapped.items():
        if name not in out:
            out[name] = frame
            continue
        log.info("layers %s keep their names: the workspace already has %r",
                 sorted(s for s, c in renamed.items() if c == name), name)
        out.update((s, foreign[s]) for s, c in renamed.items() if c == name)
    return out
