"""Coordinate reference systems of Chinese county data.

- Gauss-Kruger 3-degree zones of CGCS2000, Xian 1980 and Beijing 1954, with and without the
  zone number prefixed to the easting (EPSG:4548 is zone 39 without prefix, EPSG:4527 with it).
- Detection of the zone from a longitude or from an 8-digit easting, and the working CRS of a
  layer derived from its data (:func:`gk_crs_for`: the zone of the layer's centre longitude).
- GCJ-02 ("Mars coordinates" of AMap/Gaode tiles) to and from WGS84, vectorised over arrays
  and over whole GeoDataFrames.

CGCS2000 and WGS84 differ by a few centimetres; web maps treat EPSG:4490 as EPSG:4326.
Xian 1980 and Beijing 1954 differ from CGCS2000 by up to about 100 m, and converting them
needs local parameters that pyproj does not have: :func:`check_datum` says so.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from planning._errors import CRSError

Datum = Literal["cgcs2000", "xian1980", "beijing1954"]

#: First EPSG code of each datum's 3-degree GK series (zone 25 / central meridian 75 E):
#: (with zone prefix, without prefix).
_GK3_FIRST_EPSG: dict[str, tuple[int, int]] = {
    "cgcs2000": (4513, 4534),
    "xian1980": (2349, 2370),
    "beijing1954": (2401, 2422),
}
_FIRST_ZONE, _LAST_ZONE = 25, 45

#: Datums pyproj cannot shift to CGCS2000 without local parameters.
_LOCAL_DATUMS = ("Xian 1980", "Beijing 1954", "New Beijing")
#: China in longitude/latitude (west, south, east, north), with a margin of about a degree:
#: data or a county outside it is in the wrong CRS.
CHINA_LONLAT = (73.0, 3.0, 136.0, 54.0)


def gk_zone(lon: float) -> int:
    """Return the 3-degree Gauss-Kruger zone containing a longitude.

    Examples
    --------
    >>> gk_zone(115.85)  # Taiqian
    39
    """
    zone = round(lon / 3.0)
    if not _FIRST_ZONE <= zone <= _LAST_ZONE:
        msg = (
            f"Longitude {lon} lies outside China's 3-degree Gauss-Kruger zones "
            f"{_FIRST_ZONE}-{_LAST_ZONE} (75 E to 135 E). Check that the value is a longitude."
        )
        raise CRSError(msg)
    return int(zone)


def gk_crs(zone: int, *, prefix: bool = False, datum: Datum = "cgcs2000") -> pyproj.CRS:
    """Return the 3-degree Gauss-Kruger CRS of a zone.

    Parameters
    ----------
    zone : int
        Zone number, 25 to 45 (central meridian ``3 * zone`` degrees east).
    prefix : bool
        True for the variant whose eastings carry the zone number (8 digits, e.g. 39 500 000).
    datum : {"cgcs2000", "xian1980", "beijing1954"}

    Examples
    --------
    >>> gk_crs(39).to_epsg(), gk_crs(39, prefix=True).to_epsg()
    (4548, 4527)
    """
    if not _FIRST_ZONE <= zone <= _LAST_ZONE:
        msg = f"Gauss-Kruger 3-degree zone must be {_FIRST_ZONE}-{_LAST_ZONE}, got {zone}."
        raise CRSError(msg)
    with_prefix, without = _GK3_FIRST_EPSG[datum]
    first = with_prefix if prefix else without
    return pyproj.CRS.from_epsg(first + zone - _FIRST_ZONE)


def zone_from_easting(x: float) -> int | None:
    """Return the zone number carried by an 8-digit easting, or None for a 6-digit one.

    Examples
    --------
    >>> zone_from_easting(39_412_345.0), zone_from_easting(412_345.0)
    (39, None)
    """
    if 1e7 <= abs(x) < 1e8:
        zone = int(abs(x) // 1e6)
        if _FIRST_ZONE <= zone <= _LAST_ZONE:
            return zone
    return None


def gk_zone_info(crs: pyproj.CRS) -> tuple[int, bool, Datum] | None:
    """Return ``(zone, prefixed, datum)`` when ``crs`` is a 3-degree GK CRS of China.

    Examples
    --------
    >>> gk_zone_info(pyproj.CRS.from_epsg(4527))
    (39, True, 'cgcs2000')
    """
    code = crs.to_epsg()
    if code is None:
        return None
    for datum, (with_prefix, without) in _GK3_FIRST_EPSG.items():
        if with_prefix <= code < with_prefix + 21:
            return _FIRST_ZONE + code - with_prefix, True, datum  # type: ignore[return-value]
        if without <= code < without + 21:
            return _FIRST_ZONE + code - without, False, datum  # type: ignore[return-value]
    return None


def in_china(lon: float, lat: float) -> bool:
    """True when a longitude/latitude lies in China (:data:`CHINA_LONLAT`).

    Examples
    --------
    >>> in_china(115.85, 35.99), in_china(2.35, 48.86), in_china(35.99, 115.85)
    (True, False, False)
    """
    west, south, east, north = CHINA_LONLAT
    return bool(west <= lon <= east and south <= lat <= north)


def lonlat_bounds(
    frame: gpd.GeoDataFrame | gpd.GeoSeries,
) -> tuple[float, float, float, float] | None:
    """Bounds of a layer's geometries in CGCS2000 longitude/latitude (EPSG:4490).

    Returns None when the layer has no CRS or no geometry. Coordinates the CRS cannot hold
    (metres labelled as degrees, eastings in the wrong zone) give values outside China or
    infinite ones, never an error.

    Examples
    --------
    >>> import shapely
    >>> seat = gpd.GeoSeries([shapely.Point(397720, 3983363)], crs="EPSG:4548")
    >>> [round(v, 2) for v in lonlat_bounds(seat)]
    [115.87, 35.97, 115.87, 35.97]
    """
    geoms = np.asarray(frame.geometry.values if isinstance(frame, gpd.GeoDataFrame)
                       else frame.values, dtype=object)
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if frame.crs is None or len(present) == 0:
        return None
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(present))
    to_lonlat = pyproj.Transformer.from_crs(frame.crs, 4490, always_xy=True)
    try:
        west, south, east, north = to_lonlat.transform_bounds(minx, miny, maxx, maxy,
                                                              densify_pts=21)
    except pyproj.exceptions.ProjError:
        return (np.inf, np.inf, -np.inf, -np.inf)
    return float(west), float(south), float(east), float(north)


def gk_crs_for(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """The working CRS derived from the data: the CGCS2000 3-degree Gauss-Kruger zone (no
    prefix) of the layer's centre longitude.

    This is what :func:`planning.read_layer` moves a layer to when no county is given (as
    osmnx derives a projection from the data).

    Raises
    ------
    CRSError
        The layer has no CRS or no geometry, or its centre lies outside China.

    Examples
    --------
    >>> import shapely
    >>> lonlat = gpd.GeoSeries([shapely.box(115.6, 35.8, 116.1, 36.1)], crs="EPSG:4490")
    >>> gk_crs_for(lonlat).to_epsg(), gk_crs_for(lonlat.translate(-3.0)).to_epsg()
    (4548, 4547)
    """
    bounds = lonlat_bounds(frame)
    if bounds is None:
        msg = ("A working CRS is derived from a layer's coordinates, and this layer has "
               + ("no CRS." if frame.crs is None else "no geometry.")
               + " Pass the CRS to use (to_crs=..., or a county with county=...).")
        raise CRSError(msg)
    lon, lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    if not (np.isfinite([lon, lat]).all() and in_china(lon, lat)):
        msg = (f"The layer's centre ({lon:.3f}, {lat:.3f} in longitude/latitude) lies outside "
               "China, so no Gauss-Kruger zone can be derived from it: the CRS is probably "
               "wrong (pass crs=...) or the axes are swapped (swap_xy=True).")
        raise CRSError(msg)
    return gk_crs(gk_zone(lon))


def check_datum(crs: pyproj.CRS, *, source: str = "layer") -> None:
    """Raise :class:`CRSError` when ``crs`` needs a local datum transformation.

    Xian 1980 and Beijing 1954 coordinates cannot be moved to CGCS2000 exactly without the
    county's (or province's) published 7-parameter transformation, which pyproj lacks.
    """
    name = crs.datum.name if crs.datum is not None else ""
    if any(local in name for local in _LOCAL_DATUMS):
        msg = (
            f"{source} is in {crs.name!r} (datum {name}). Moving it to CGCS2000 needs the local "
            "transformation parameters (a 7-parameter or grid transformation published for the "
            "province); pyproj does not have them and would shift the data by up to about "
            "100 m. Convert the file to CGCS2000 in your GIS with the official parameters, or, "
            "if the coordinates are in fact CGCS2000 and only the .prj is wrong, pass the right "
            "CRS with crs=... ."
        )
        raise CRSError(msg)


# --- GCJ-02 -------------------------------------------------------------------------------
# The GCJ-02 offset is a published closed-form function of WGS84 longitude and latitude on the
# Krasovsky 1940 ellipsoid; it applies inside China only.

_A = 6378245.0
_EE = 0.00669342162296594323
FloatArray = npt.NDArray[np.float64]


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    pi = np.pi
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx
    dlat += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx
    dlon += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * pi)
    return dlon, dlat


def wgs84_to_gcj02(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Shift WGS84 longitudes/latitudes to GCJ-02 (points outside China are unchanged).

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02([116.397455], [39.909187])  # Tiananmen
    >>> round(float(lon[0]), 4), round(float(lat[0]), 4)
    (116.4037, 39.9106)
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    dlon, dlat = _offset(x, y)
    inside = _in_china(x, y)
    return np.where(inside, x + dlon, x), np.where(inside, y + dlat, y)


def gcj02_to_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, tol_deg: float = 1e-10, max_iter: int = 30
) -> tuple[FloatArray, FloatArray]:
    """Shift GCJ-02 longitudes/latitudes back to WGS84 (iterative inverse, about 1 mm)."""
    gx = np.asarray(lon, dtype=float)
    gy = np.asarray(lat, dtype=float)
    x, y = gx.copy(), gy.copy()
    for _ in range(max_iter):
        fx, fy = wgs84_to_gcj02(x, y)
        ex, ey = fx - gx, fy - gy
        x -= ex
        y -= ey
        if np.all(np.abs(ex) < tol_deg) and np.all(np.abs(ey) < tol_deg):
            break
    return x, y


def _transform_frame(
    gdf: gpd.GeoDataFrame, func: str
) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        msg = "The layer has no CRS; set one with set_crs() before shifting it."
        raise CRSError(msg)
    out = gdf.to_crs(4326)
    shift = wgs84_to_gcj02 if func == "to" else gcj02_to_wgs84

    def _xy(coords: FloatArray) -> FloatArray:
        x, y = shift(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    out[out.geometry.name] = shapely.transform(out.geometry.values, _xy)
    return out


def to_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy in longitude/latitude shifted to GCJ-02, for AMap/Gaode basemaps.

    The result still says EPSG:4326 (there is no EPSG code for GCJ-02): use it for display
    only, never for analysis.
    """
    return _transform_frame(gdf, "to")


def from_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy in WGS84 of a layer whose longitude/latitude are GCJ-02 (AMap data)."""
    return _transform_frame(gdf, "from")
