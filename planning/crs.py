"""Coordinate reference systems of Chinese county data.

- Gauss-Kruger zones of CGCS2000, Xian 1980 and Beijing 1954, with and without the zone
  number prefixed to the easting: 3-degree zones 25-45 (EPSG:4548 is zone 39 without prefix,
  EPSG:4527 with it) and 6-degree zones 13-23 (EPSG:4491-4501 with the prefix, 4502-4512
  without, for CGCS2000). The zone numbers of the two widths do not overlap, so a zone number
  alone says its width (:func:`gk_zone_width`).
- Detection of the zone from a longitude or from an 8-digit easting, and the working CRS of a
  layer derived from its data (:func:`gk_crs_for`: the zone of the layer's centre longitude).
- What a layer that reaches beyond its zone suffers: :func:`zone_distortion` (planar against
  ellipsoidal area, and the largest area scale in the layer's extent).
- GCJ-02 ("Mars coordinates" of AMap/Gaode data and tiles) to and from WGS84, vectorised over
  arrays and over whole GeoDataFrames; :data:`GCJ02` is the name ``read_layer(crs=...)`` takes
  for longitude/latitude in GCJ-02.

CGCS2000 and WGS84 differ by a few centimetres; web maps treat EPSG:4490 as EPSG:4326.
Xian 1980 and Beijing 1954 differ from CGCS2000 by up to about 100 m, and converting them
needs local parameters that pyproj does not have: :func:`check_datum` says so, and
:mod:`planning.datum` applies the parameters a bureau is given.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

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
#: First EPSG code of each datum's 6-degree GK series (zone 13 / central meridian 75 E):
#: (with zone prefix, without prefix).
_GK6_FIRST_EPSG: dict[str, tuple[int, int]] = {
    "cgcs2000": (4491, 4502),
    "xian1980": (2327, 2338),
    "beijing1954": (21413, 21473),
}
_FIRST_ZONE6, _LAST_ZONE6 = 13, 23

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


def gk_zone_width(zone: int) -> Literal[3, 6]:
    """The width in degrees of a Gauss-Kruger zone number: 3 for zones 25-45, 6 for 13-23.

    Examples
    --------
    >>> gk_zone_width(39), gk_zone_width(20)
    (3, 6)
    """
    if _FIRST_ZONE <= zone <= _LAST_ZONE:
        return 3
    if _FIRST_ZONE6 <= zone <= _LAST_ZONE6:
        return 6
    msg = (f"A Gauss-Kruger zone of China is {_FIRST_ZONE}-{_LAST_ZONE} (3-degree zones) or "
           f"{_FIRST_ZONE6}-{_LAST_ZONE6} (6-degree zones), got {zone}.")
    raise CRSError(msg)


def gk_central_meridian(zone: int) -> float:
    """The central meridian of a Gauss-Kruger zone, in degrees east.

    Examples
    --------
    >>> gk_central_meridian(39), gk_central_meridian(20)
    (117.0, 117.0)
    """
    return 3.0 * zone if gk_zone_width(zone) == 3 else 6.0 * zone - 3.0


def gk_crs(zone: int, *, prefix: bool = False, datum: Datum = "cgcs2000") -> pyproj.CRS:
    """Return the Gauss-Kruger CRS of a zone (3-degree zones 25-45, 6-degree zones 13-23).

    Parameters
    ----------
    zone : int
        Zone number: 25 to 45 for 3-degree zones (central meridian ``3 * zone`` degrees
        east), 13 to 23 for 6-degree zones (central meridian ``6 * zone - 3``).
    prefix : bool
        True for the variant whose eastings carry the zone number (8 digits, e.g. 39 500 000).
    datum : {"cgcs2000", "xian1980", "beijing1954"}

    Examples
    --------
    >>> gk_crs(39).to_epsg(), gk_crs(39, prefix=True).to_epsg()
    (4548, 4527)
    >>> gk_crs(20, prefix=True).to_epsg(), gk_crs(20).to_epsg()  # 6-degree zone 20, CM 117 E
    (4498, 4509)
    """
    width = gk_zone_width(zone)
    first_zone = _FIRST_ZONE if width == 3 else _FIRST_ZONE6
    with_prefix, without = (_GK3_FIRST_EPSG if width == 3 else _GK6_FIRST_EPSG)[datum]
    first = with_prefix if prefix else without
    return pyproj.CRS.from_epsg(first + zone - first_zone)


def zone_from_easting(x: float) -> int | None:
    """Return the zone number carried by an 8-digit easting, or None for a 6-digit one.

    3-degree zones are 25-45, 6-degree zones 13-23 (:func:`gk_zone_width`).

    Examples
    --------
    >>> zone_from_easting(39_412_345.0), zone_from_easting(20_412_345.0)
    (39, 20)
    >>> zone_from_easting(412_345.0) is None
    True
    """
    if 1e7 <= abs(x) < 1e8:
        zone = int(abs(x) // 1e6)
        if _FIRST_ZONE <= zone <= _LAST_ZONE or _FIRST_ZONE6 <= zone <= _LAST_ZONE6:
            return zone
    return None


def gk_zone_info(crs: pyproj.CRS) -> tuple[int, bool, Datum] | None:
    """Return ``(zone, prefixed, datum)`` when ``crs`` is a Gauss-Kruger CRS of China.

    3-degree zones are numbered 25-45 and 6-degree zones 13-23, so the zone says the width
    (:func:`gk_zone_width`).

    Examples
    --------
    >>> gk_zone_info(pyproj.CRS.from_epsg(4527))
    (39, True, 'cgcs2000')
    >>> gk_zone_info(pyproj.CRS.from_epsg(2338))  # Xian 1980, 6-degree CM 75 E
    (13, False, 'xian1980')
    """
    code = crs.to_epsg()
    if code is None:
        return None
    for series, first_zone, count in ((_GK3_FIRST_EPSG, _FIRST_ZONE, 21),
                                      (_GK6_FIRST_EPSG, _FIRST_ZONE6, 11)):
        for datum, (with_prefix, without) in series.items():
            if with_prefix <= code < with_prefix + count:
                return first_zone + code - with_prefix, True, datum  # type: ignore[return-value]
            if without <= code < without + count:
                return first_zone + code - without, False, datum  # type: ignore[return-value]
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
    try:
        to_lonlat = pyproj.Transformer.from_crs(frame.crs, 4490, always_xy=True)
        west, south, east, north = to_lonlat.transform_bounds(minx, miny, maxx, maxy,
                                                              densify_pts=21)
    except pyproj.exceptions.ProjError:  # no way from that CRS to the earth (a CAD system)
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
    county's (or province's) transformation parameters, which pyproj lacks:
    :mod:`planning.datum` applies the ones a bureau is given.
    """
    name = crs.datum.name if crs.datum is not None else ""
    if any(local in name for local in _LOCAL_DATUMS):
        msg = (
            f"{source} is in {crs.name!r} (datum {name}). Moving it to CGCS2000 needs the local "
            "transformation parameters (a 7-parameter or 4-parameter transformation computed "
            "for the province or county); pyproj does not have them and would shift the data "
            "by up to about 100 m. Pass the parameters the bureau was given with "
            "datum_shift=planning.datum.Helmert7(...) or PlaneSimilarity(...) (see "
            "planning.datum), or, if the coordinates are in fact CGCS2000 and only the .prj is "
            "wrong, pass the right CRS with crs=... ."
        )
        raise CRSError(msg)


def parse_crs(value: Any, *, what: str = "crs") -> pyproj.CRS:
    """Return ``value`` as a :class:`pyproj.CRS`, or raise :class:`CRSError` saying what to give.

    Examples
    --------
    >>> parse_crs("EPSG:4548").name
    'CGCS2000 / 3-degree Gauss-Kruger CM 117E'
    >>> parse_crs("EPSG:99999")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planning._errors.CRSError: crs='EPSG:99999' is not a CRS pyproj knows ...
    """
    if isinstance(value, pyproj.CRS):
        return value
    if is_gcj02(value):
        msg = (f"{what}={value!r}: GCJ-02 is not a CRS of its own but an offset of "
               "longitude/latitude; planning.read_layer(..., crs='GCJ-02') takes it.")
        raise CRSError(msg)
    try:
        return pyproj.CRS.from_user_input(value)
    except (pyproj.exceptions.CRSError, TypeError, ValueError) as err:
        reason = str(err).split(": ", 1)[-1] if ": " in str(err) else str(err)
        msg = (f"{what}={value!r} is not a CRS pyproj knows ({reason}). Give an EPSG code "
               "(EPSG:4490 for CGCS2000 longitude/latitude, EPSG:4548 for CGCS2000 3-degree "
               "Gauss-Kruger zone 39), a WKT or PROJ string, or 'GCJ-02' for AMap/Gaode "
               "longitude/latitude.")
        raise CRSError(msg) from None


# --- how far a layer reaches beyond its zone ---------------------------------------------


class ZoneDistortion(NamedTuple):
    """What a layer's areas suffer in a transverse Mercator CRS (a Gauss-Kruger zone).

    Attributes
    ----------
    west, east : float
        The layer's longitudes (CGCS2000), degrees east.
    zone_west, zone_east : float
        The edges of the CRS's zone (central meridian ± half the zone's width).
    area_ratio : float
        Planar area in the CRS of the layer's lon/lat bounding box, divided by its
        ellipsoidal area (pyproj's Geod on the CRS's ellipsoid): ``1.0028`` means areas of the
        layer as a whole come out about 0.28 % too large.
    max_area_scale : float
        The largest area scale factor of the projection in the layer's extent (at its edge
        farthest from the central meridian): areas there are this many times too large.
    """

    west: float
    east: float
    zone_west: float
    zone_east: float
    area_ratio: float
    max_area_scale: float

    @property
    def beyond(self) -> bool:
        """True when the layer reaches outside its zone."""
        return self.west < self.zone_west - 1e-9 or self.east > self.zone_east + 1e-9

    def __str__(self) -> str:
        where = "beyond" if self.beyond else "within"
        return (f"the layer spans {self.west:.2f}-{self.east:.2f} E, {where} its zone "
                f"({self.zone_west:g}-{self.zone_east:g} E): its areas come out "
                f"{100 * (self.area_ratio - 1):+.2f} % against the ellipsoidal ones as a whole "
                f"(planar against ellipsoidal area of its bounding box), and up to "
                f"{100 * (self.max_area_scale - 1):+.2f} % at its farthest edge")


#: Coordinates above which a layer's lon/lat extent is taken from the corners of its
#: geometries' bounding boxes instead of every vertex (what that costs is bounded).
_EXTENT_VERTICES = 500_000


def _lonlat_extent(
    frame: gpd.GeoDataFrame | gpd.GeoSeries,
) -> tuple[float, float, float, float] | None:
    """The longitude/latitude extent of a layer's geometries (not of its projected bounding
    box, which is wider): every vertex in EPSG:4490 or, for large layers, the corners of each
    geometry's bounding box."""
    geoms = np.asarray(frame.geometry.values if isinstance(frame, gpd.GeoDataFrame)
                       else frame.values, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if frame.crs is None or len(geoms) == 0:
        return None
    if int(shapely.get_num_coordinates(geoms).sum()) <= _EXTENT_VERTICES:
        x, y = shapely.get_coordinates(geoms).T
    else:
        minx, miny, maxx, maxy = shapely.bounds(geoms).T
        x, y = np.concatenate([minx, minx, maxx, maxx]), np.concatenate([miny, maxy, miny, maxy])
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    try:
        lon, lat = pyproj.Transformer.from_crs(frame.crs, 4490, always_xy=True).transform(x, y)
    except pyproj.exceptions.ProjError:
        return None
    lon, lat = np.asarray(lon), np.asarray(lat)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return None
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _zone_edges(crs: pyproj.CRS) -> tuple[float, float] | None:
    """(west, east) edges of a Gauss-Kruger or UTM zone, in degrees east."""
    info = gk_zone_info(crs)
    if info is not None:
        half = gk_zone_width(info[0]) / 2
        central = gk_central_meridian(info[0])
        return central - half, central + half
    if crs.utm_zone is not None:
        central = 6.0 * int(crs.utm_zone[:-1]) - 183.0
        return central - 3.0, central + 3.0
    return None


def zone_distortion(
    frame: gpd.GeoDataFrame | gpd.GeoSeries, crs: Any = None,
) -> ZoneDistortion | None:
    """How much a layer's areas are distorted in a Gauss-Kruger (or UTM) CRS.

    ``crs`` is the CRS the layer is (or is going to be) in; default its own. Returns None when
    the CRS is not a zone of a transverse Mercator series, the layer has no geometry, its
    coordinates are not valid, or its extent has no area (a single point). Official areas are
    ellipsoidal; a planar area in a zone grows with the square of the distance from the
    central meridian (about 0.03 % at 1.1 degrees at Taiqian's latitude, percents for a
    national layer in one zone).

    Examples
    --------
    >>> import shapely
    >>> henan = gpd.GeoSeries([shapely.box(110.35, 31.38, 116.65, 36.37)], crs="EPSG:4490")
    >>> d = zone_distortion(henan, "EPSG:4547")  # zone 38, central meridian 114 E
    >>> d.beyond, round(100 * (d.area_ratio - 1), 2), round(100 * (d.max_area_scale - 1), 2)
    (True, 0.08, 0.3)
    """
    target = parse_crs(frame.crs if crs is None else crs)
    edges = _zone_edges(target)
    bounds = _lonlat_extent(frame)
    if edges is None or bounds is None or not np.isfinite(bounds).all():
        return None
    west, south, east, north = bounds
    if not (east > west and north > south):  # a point, or a line along a meridian
        return None
    box = shapely.segmentize(shapely.box(west, south, east, north),
                             max(east - west, north - south) / 64 or 1.0)
    lonlat = gpd.GeoSeries([box], crs="EPSG:4490")
    planar = float(lonlat.to_crs(target).area.iloc[0])
    geod = target.get_geod() or pyproj.Geod(ellps="GRS80")
    ellipsoidal = abs(float(geod.geometry_area_perimeter(box)[0]))
    lon, lat = np.meshgrid(np.linspace(west, east, 9), np.linspace(south, north, 9))
    factors = pyproj.Proj(target).get_factors(lon.ravel(), lat.ravel())
    scale = np.asarray(factors.areal_scale, dtype=float)
    if ellipsoidal <= 0 or not np.isfinite(planar) or not np.isfinite(scale).any():
        return None
    return ZoneDistortion(west, east, edges[0], edges[1], planar / ellipsoidal,
                          float(np.nanmax(scale)))


# --- GCJ-02 -------------------------------------------------------------------------------
# The GCJ-02 offset is a published closed-form function of WGS84 longitude and latitude on the
# Krasovsky 1940 ellipsoid; it applies inside China only.

#: The name :func:`planning.read_layer` takes (``crs="GCJ-02"``) for longitude/latitude in
#: GCJ-02, the offset coordinates of AMap/Gaode (and of data taken from them).
GCJ02 = "GCJ-02"


def is_gcj02(value: object) -> bool:
    """True when ``value`` names GCJ-02 (``"GCJ-02"``, ``"gcj02"``, ``"GCJ_02"``).

    Examples
    --------
    >>> is_gcj02("GCJ-02"), is_gcj02("gcj02"), is_gcj02("EPSG:4490")
    (True, True, False)
    """
    return isinstance(value, str) and value.strip().upper().replace("-", "").replace(
        "_", "").replace(" ", "") == "GCJ02"


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
