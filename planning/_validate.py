"""Input checks shared by the public entry points.

Each check appends :class:`~planning._errors.Problem` items to a :class:`Checker`; the entry
point then raises once with every problem found (``Checker.raise_if_any``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._core.geometry import empty_rings
from planning._errors import CRSError, GeometryError, InputError, Problem

#: geometry families accepted where a kind of layer is expected
POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")
PUNCTUAL = ("Point", "MultiPoint")


class Checker:
    """Collects problems of one call, then raises them together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self, summary: str, kind: type[InputError] = InputError) -> None:
        if self.problems:
            raise kind(summary, self.problems)


def require_frame(obj: object, name: str) -> gpd.GeoDataFrame:
    """Return ``obj`` when it is a GeoDataFrame, else raise a clear TypeError."""
    if not isinstance(obj, gpd.GeoDataFrame):
        msg = (
            f"{name} must be a geopandas.GeoDataFrame, got {type(obj).__name__}. "
            "Read files with planning.read_layer() or geopandas.read_file()."
        )
        raise TypeError(msg)
    return obj


def check_crs(frames: dict[str, gpd.GeoDataFrame]) -> None:
    """Raise :class:`CRSError` unless every frame has a CRS, the same one, and it is metric."""
    missing = [name for name, gdf in frames.items() if gdf.crs is None]
    if missing:
        msg = (
            f"Layer(s) {', '.join(missing)} have no CRS. Set it with "
            "gdf.set_crs('EPSG:4548') if the coordinates are CGCS2000 Gauss-Kruger zone 39 "
            "metres, or read the file with planning.read_layer(..., crs=...)."
        )
        raise CRSError(msg)
    crss = {name: gdf.crs for name, gdf in frames.items()}
    first_name, first = next(iter(crss.items()))
    differing = [name for name, crs in crss.items() if crs != first]
    if differing:
        listing = "; ".join(f"{n}: {crss[n].to_string()}" for n in [first_name, *differing])
        msg = (
            f"CRS mismatch between the layers ({listing}). Use to_crs() to reproject them to "
            "one CRS (the county's: gdf.to_crs(ws.county.crs)), or read them with "
            "planning.read_layer(..., county=county), which moves every layer to the "
            "county's CRS."
        )
        raise CRSError(msg)
    if first is not None and not first.is_projected:
        msg = (
            f"The layers are in a geographic CRS ({first.to_string()}); areas and distances "
            "need a projected metric CRS. Use gdf.to_crs(ws.county.crs), the county's "
            "Gauss-Kruger CRS (planning.TAIQIAN.crs is EPSG:4548 for the sample)."
        )
        raise CRSError(msg)


def check_columns(
    gdf: pd.DataFrame, required: Sequence[str], name: str, checker: Checker
) -> None:
    """Add a problem for each required column that is missing."""
    for column in required:
        if column not in gdf.columns:
            checker.add(
                Problem(name, f"required column is missing (columns present: "
                        f"{', '.join(map(str, gdf.columns))})", column=column)
            )


def check_geometries(
    gdf: gpd.GeoDataFrame,
    name: str,
    checker: Checker,
    *,
    allowed: Sequence[str] | None = None,
    id_column: str | None = None,
) -> None:
    """Add problems for missing, empty, invalid or wrongly typed geometries."""
    geoms = gdf.geometry.values
    ids = gdf[id_column].to_numpy() if id_column and id_column in gdf else gdf.index.to_numpy()
    missing = shapely.is_missing(geoms)
    empty = shapely.is_empty(geoms) & ~missing
    invalid = ~shapely.is_valid(geoms) & ~missing & ~empty
    for i in np.flatnonzero(missing):
        checker.add(Problem(name, "geometry is missing", row=int(i), value=str(ids[i])))
    for i in np.flatnonzero(empty):
        checker.add(Problem(name, "geometry is empty", row=int(i), value=str(ids[i])))
    for i in np.flatnonzero(empty_rings(np.asarray(geoms, dtype=object))):
        checker.add(Problem(
            name, "polygon has an empty ring, which crashes geometry operations; read the "
            "layer with planning.read_layer(), which removes it", row=int(i),
            value=str(ids[i])))
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        for i, reason in zip(np.flatnonzero(invalid), reasons, strict=True):
            checker.add(Problem(
                name, f"geometry is invalid ({reason}); repair it with "
                "planning.read_layer() or gdf.make_valid()", row=int(i), value=str(ids[i]),
            ))
    if allowed is not None:
        types = shapely.get_type_id(geoms)
        names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                          "MultiLineString", "MultiPolygon", "GeometryCollection"])
        present = ~missing & ~empty
        bad = present & ~np.isin(names[np.clip(types, 0, 7)], list(allowed))
        for i in np.flatnonzero(bad):
            checker.add(Problem(
                name, f"geometry type {names[types[i]]} is not allowed here "
                f"(expected {' or '.join(allowed)})", row=int(i), value=str(ids[i]),
            ))


def check_unique(gdf: pd.DataFrame, column: str, name: str, checker: Checker) -> None:
    """Add a problem for each value of ``column`` that occurs more than once."""
    if column not in gdf.columns:
        return
    values = gdf[column]
    dup = values.duplicated(keep=False) & values.notna()
    for value, rows in values[dup].groupby(values[dup]).groups.items():
        positions = [int(i) for i in np.flatnonzero(gdf.index.isin(list(rows)))]
        checker.add(Problem(
            name, f"id is not unique: it occurs in rows {positions}", column=column,
            value=str(value),
        ))


def validate_layer(
    gdf: object,
    name: str,
    *,
    required: Sequence[str] = (),
    allowed: Sequence[str] | None = None,
    id_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Check one layer at a public entry point; raise once with every problem found."""
    frame = require_frame(gdf, name)
    checker = Checker()
    check_columns(frame, required, name, checker)
    check_geometries(frame, name, checker, allowed=allowed, id_column=id_column)
    if id_column:
        check_unique(frame, id_column, name, checker)
    checker.raise_if_any(f"Layer {name!r} cannot be used as it is.", GeometryError)
    return frame
