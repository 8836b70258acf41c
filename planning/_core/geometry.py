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
