"""Geometry parts: the one rule for keeping the polygonal part of a geometry.

Overlays, ``make_valid`` repairs and gap searches all produce GeometryCollections with
slivers of lines and points; analyses of areas keep only the polygons (geopandas'
``keep_geom_type=True`` rule for polygon layers).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

Geoms = npt.NDArray[np.object_]

POLYGON, MULTIPOLYGON, COLLECTION = 3, 6, 7


def keep_polygons(geoms: Geoms) -> tuple[Geoms, npt.NDArray[np.bool_]]:
    """Return the polygonal part of each geometry and where there is one.

    Polygons and MultiPolygons are kept as they are; the polygonal parts of a
    GeometryCollection are unioned; anything else (lines, points, empty collections) has
    no polygonal part: ``keep`` is False there and the geometry is returned unchanged.

    Examples
    --------
    >>> import shapely
    >>> mixed = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.Point(5, 5)])
    >>> out, keep = keep_polygons(np.array([mixed, shapely.Point(0, 0)], dtype=object))
    >>> out[0].geom_type, keep.tolist()
    ('Polygon', [True, False])
    """
    types = shapely.get_type_id(geoms)
    keep = (types == POLYGON) | (types == MULTIPOLYGON)
    out = np.asarray(geoms, dtype=object).copy()
    for i in np.flatnonzero(types == COLLECTION):
        parts = shapely.get_parts(geoms[i])
        parts = parts[np.isin(shapely.get_type_id(parts), (POLYGON, MULTIPOLYGON))]
        if len(parts):
            out[i], keep[i] = shapely.union_all(parts), True
    return out, keep


def polygonal(geoms: Geoms) -> Geoms:
    """The polygonal part of each geometry, an empty Polygon where there is none.

    Examples
    --------
    >>> import shapely
    >>> [g.wkt for g in polygonal(np.array([shapely.LineString([(0, 0), (1, 1)])]))]
    ['POLYGON EMPTY']
    """
    out, keep = keep_polygons(np.asarray(geoms, dtype=object))
    out[~keep] = shapely.Polygon()
    return out


def polygonal_part(geom: Any) -> Any:
    """:func:`polygonal` of one geometry."""
    return polygonal(np.array([geom], dtype=object))[0]


def empty_rings(geoms: Geoms) -> npt.NDArray[np.bool_]:
    """Where a polygon (or a part of one) has an empty ring.

    Such polygons come out of some writers, survive GeoPackage, GeoJSON and GeoParquet, pass
    ``is_valid`` and ``make_valid`` unchanged, and crash GEOS (the whole process) in
    predicates such as ``touches``, ``relate`` and ``equals``. This test only counts
    coordinates, which is safe.

    Examples
    --------
    >>> import struct, shapely
    >>> ring = [(0, 0), (1, 0), (1, 1), (0, 0)]
    >>> wkb = (struct.pack("<BIII", 1, 3, 2, 4) + b"".join(struct.pack("<dd", *p) for p in ring)
    ...        + struct.pack("<I", 0))  # a polygon whose second ring has no points
    >>> bad = shapely.from_wkb(wkb)
    >>> empty_rings(np.array([bad, shapely.box(0, 0, 1, 1)], dtype=object)).tolist()
    [True, False]
    """
    values = np.asarray(geoms, dtype=object)
    out = np.zeros(len(values), dtype=bool)
    if len(values) == 0:
        return out
    kinds = shapely.get_type_id(values)
    # only polygons with interior rings, and multi-part geometries, can hold an empty ring
    holes = np.flatnonzero((kinds == POLYGON) & (shapely.get_num_interior_rings(values) > 0))
    multi = np.flatnonzero((kinds == MULTIPOLYGON) | (kinds == COLLECTION))
    candidates = np.concatenate([holes, multi])
    if len(candidates) == 0:
        return out
    parts, owner = shapely.get_parts(values[candidates], return_index=True)
    rings, part = shapely.get_rings(parts, return_index=True)
    empty = shapely.get_num_coordinates(rings) == 0
    out[candidates[np.unique(owner[part[empty]])]] = True
    return out


def drop_empty_rings(geom: Any) -> Any:
    """The geometry without its empty rings (parts whose outer ring is empty are dropped).

    Examples
    --------
    >>> import shapely
    >>> drop_empty_rings(shapely.box(0, 0, 1, 1)).area
    1.0
    """
    kind = shapely.get_type_id(geom)
    if kind == POLYGON:
        shell = np.asarray(geom.exterior.coords)
        if len(shell) == 0:
            return shapely.Polygon()
        holes = [np.asarray(r.coords) for r in geom.interiors if len(r.coords)]
        return shapely.Polygon(shell, holes)
    if kind == MULTIPOLYGON:
        kept = [p for p in (drop_empty_rings(g) for g in geom.geoms) if not p.is_empty]
        return shapely.MultiPolygon(kept)
    if kind == COLLECTION:
        return shapely.GeometryCollection([drop_empty_rings(g) for g in geom.geoms])
    return geom
