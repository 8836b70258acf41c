"""An independent oracle for ellipsoidal areas: pyproj's Geod (GeographicLib, what PostGIS
geography uses) on polygons densified in their plane, then moved to longitude/latitude."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely


def geodesic_areas(frame: gpd.GeoDataFrame | gpd.GeoSeries, *,
                   densify_m: float = 50.0) -> np.ndarray:
    """Area (m²) of every geometry by pyproj.Geod on the CRS's ellipsoid, the edges first
    densified in the plane (so that the geodesic pieces follow the straight plane edges)."""
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    crs = geoms.crs
    ell = crs.ellipsoid
    geod = pyproj.Geod(a=ell.semi_major_metre, rf=ell.inverse_flattening)
    dense = shapely.segmentize(np.asarray(geoms.array), densify_m) if crs.is_projected \
        else np.asarray(geoms.array)
    lonlat = gpd.GeoSeries(dense, crs=crs).to_crs(crs.geodetic_crs)
    return np.array([abs(geod.geometry_area_perimeter(g)[0]) if g is not None else np.nan
                     for g in lonlat])


def scale_factor_area(geometry: shapely.Geometry, crs: pyproj.CRS) -> float:
    """Area of a small polygon of a conformal projection: its planar area divided by the
    projection's areal scale at its centroid (PROJ's ``get_factors``). The scale varies so
    slowly over a survey patch that this is exact to about 1e-10: a second oracle, free of
    Geod's round-off (about 1e-4 m²), for polygons too small for that."""
    centre = geometry.centroid
    lon, lat = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(
        centre.x, centre.y)
    factors = pyproj.Proj(crs).get_factors(lon, lat)
    return float(geometry.area / factors.areal_scale)
