"""Writing layers and files atomically: a failed write never leaves half a file behind.

:func:`atomic_output` (:mod:`planning.io._atomic`) is the one way the toolkit puts a file or
folder in place; :func:`write_layers` writes several layers into one GeoPackage / File
Geodatabase in a single replace.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from planning._errors import LayerFileError
from planning.io._atomic import atomic_output

# atomic_output is imported from here too (planning.io.workbook)
__all__ = ["atomic_output", "driver_for", "geometry_type", "list_layers", "writable",
           "write_layer", "write_layers"]

_DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON",
            ".json": "GeoJSON", ".gdb": "OpenFileGDB"}


def driver_for(path: str | os.PathLike[str]) -> str:
    """Return the GDAL driver name for a path, from its extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in _DRIVERS:
        msg = (f"Cannot tell the format of {path}: use one of "
               f"{', '.join(sorted(_DRIVERS))}.")
        raise LayerFileError(msg)
    return _DRIVERS[suffix]


def write_layer(
    gdf: pd.DataFrame, path: str | os.PathLike[str], layer: str | None = None, *,
    driver: str | None = None,
) -> Path:
    """Write one layer (or table) atomically; other layers of a GeoPackage are kept.

    Parameters
    ----------
    gdf : GeoDataFrame or DataFrame
        The layer, or a table without geometry (GeoPackage and File Geodatabase only).
    path : path
        ``.gpkg``, ``.gdb``, ``.geojson`` or ``.shp``.
    layer : str, optional
        Layer name inside a GeoPackage or File Geodatabase (default: the file stem).
    """
    return write_layers({layer or Path(path).stem: gdf}, path, driver=driver)


def write_layers(
    frames: Mapping[str, pd.DataFrame], path: str | os.PathLike[str], *,
    driver: str | None = None,
) -> Path:
    """Write several layers (or tables) into one file in a single atomic replace.

    The other layers of an existing GeoPackage or File Geodatabase are kept; if any write
    fails, the file is left as it was.
    """
    target = Path(path)
    drv = driver or driver_for(target)
    with atomic_output(target) as tmp:
        if drv in ("GPKG", "OpenFileGDB") and target.exists():
            if target.is_dir():
                shutil.copytree(target, tmp)
            else:
                shutil.copy2(target, tmp)
        for name, frame in frames.items():
            _write_one(frame, tmp, name, drv)
    return target


def _write_one(frame: pd.DataFrame, path: Path, layer: str, driver: str) -> None:
    kwargs: dict[str, Any] = {"layer": layer, "driver": driver}
    if driver == "ESRI Shapefile":
        kwargs = {"driver": driver, "encoding": "UTF-8"}
    if driver in ("GPKG", "OpenFileGDB") and path.exists():
        kwargs["append"] = False
    if isinstance(frame, gpd.GeoDataFrame):
        kwargs["geometry_type"] = geometry_type(frame)
    pyogrio.write_dataframe(writable(frame), path, **kwargs)


def geometry_type(frame: gpd.GeoDataFrame) -> str:
    types = set(frame.geometry.geom_type.dropna())
    if types <= {"Polygon", "MultiPolygon"} and types:
        return "MultiPolygon" if "MultiPolygon" in types else "Polygon"
    if types <= {"LineString", "MultiLineString"} and types:
        return "MultiLineString" if "MultiLineString" in types else "LineString"
    if types <= {"Point"} and types:
        return "Point"
    return "Unknown"


def writable(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop non-serialisable attrs (the report) before handing a frame to GDAL."""
    out = frame.copy()
    out.attrs = {}
    return out


def list_layers(path: str | os.PathLike[str]) -> list[str]:
    """Names of the layers (and tables) in a file."""
    return [str(row[0]) for row in pyogrio.list_layers(path)]


