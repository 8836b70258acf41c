"""Xian 1980 and Beijing 1954 data to CGCS2000, with the parameters the bureau is given.

pyproj has no exact transformation from the old national datums (Xian 1980, Beijing 1954) to
CGCS2000: they differ by up to about 100 m, and the official conversion uses parameters
computed for a province, city or county from common control points. A bureau receives them
from its surveying institute (or the provincial 自然资源厅) in one of two forms, and both are
here as plain values that :func:`planning.read_layer` takes (``datum_shift=...``):

- :class:`Helmert7` — the seven-parameter (Bursa-Wolf) transformation between geocentric
  coordinates: three shifts in metres, three rotations in arc seconds, a scale in parts per
  million, and the rotation convention the parameters were computed in (coordinate frame or
  position vector: the sign of the rotations; the parameter sheet says which, and a wrong one
  moves points by metres). Heights are taken as 0 (the data is two-dimensional).
- :class:`PlaneSimilarity` — the four-parameter plane similarity between Gauss-Kruger
  coordinates of one zone: two shifts in metres, one rotation in arc seconds and a scale in
  parts per million, in the axis order the sheet uses (``"north_east"``: X north, Y east, as
  Chinese surveying writes them; ``"east_north"``: x east, y north, as GIS software does).

Formulas (s the scale in ppm · 10⁻⁶, angles in radians)::

    Helmert7, coordinate frame:  [X']   [dx]           [ 1   rz  -ry] [X]
                                 [Y'] = [dy] + (1 + s) [-rz   1   rx] [Y]
                                 [Z']   [dz]           [ ry -rx    1] [Z]
    position vector: the same with rx, ry, rz negated.

    PlaneSimilarity, north_east:  X' = dx + (1 + s)(X cos a - Y sin a)
                                  Y' = dy + (1 + s)(X sin a + Y cos a)
    (X northing, Y easting; with east_north, x easting and y northing in the same formula)

The four-parameter transformation works on the coordinates as the file holds them (with or
without the zone prefix, as the parameters were computed) and gives coordinates of the same
zone of CGCS2000; the seven-parameter one gives CGCS2000 longitude/latitude (EPSG:4490).

Examples
--------
>>> shift = Helmert7(dx_m=-12.5, dy_m=108.2, dz_m=51.3, rx_arcsec=0.8, ry_arcsec=-1.1,
...                  rz_arcsec=2.4, scale_ppm=-3.2, convention="coordinate_frame")
>>> parse_datum_shift(shift.spec()) == shift
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from planning._errors import CRSError, InputError
from planning.crs import gk_crs, gk_zone_info

Convention = Literal["coordinate_frame", "position_vector"]
Axes = Literal["north_east", "east_north"]
FloatArray = npt.NDArray[np.float64]

#: The CGCS2000 ellipsoid (GRS 1980 figures): semi-major axis (m), inverse flattening.
CGCS2000_ELLIPSOID = (6378137.0, 298.257222101)
_CONVENTIONS = ("coordinate_frame", "position_vector")
_AXES = ("north_east", "east_north")
_ARCSEC = math.pi / (180.0 * 3600.0)


def _finite(obj: object, names: tuple[str, ...], label: str) -> None:
    bad = [n for n in names if isinstance(getattr(obj, n), bool)
           or not isinstance(getattr(obj, n), int | float)
           or not math.isfinite(getattr(obj, n))]
    if bad:
        msg = (f"{label}: {', '.join(f'{n}={getattr(obj, n)!r}' for n in bad)} must be finite "
               "numbers (the values of the bureau's parameter sheet).")
        raise InputError(msg)


def _is_local(crs: pyproj.CRS) -> bool:
    datum = crs.datum.name if crs.datum is not None else ""
    return not any(name in datum for name in ("China 2000", "CGCS2000", "World Geodetic",
                                              "WGS"))


@dataclass(frozen=True, kw_only=True)
class Helmert7:
    """Seven-parameter (Bursa-Wolf) transformation from a local datum to CGCS2000.

    Parameters
    ----------
    dx_m, dy_m, dz_m : float
        Shifts of the geocentric coordinates, in metres.
    rx_arcsec, ry_arcsec, rz_arcsec : float
        Rotations about the geocentric axes, in arc seconds.
    scale_ppm : float
        Scale difference in parts per million.
    convention : {"coordinate_frame", "position_vector"}
        The rotation convention of the parameters (see the module documentation); required,
        because a wrong one moves points by metres without any other sign.

    Examples
    --------
    >>> import shapely
    >>> shift = Helmert7(dx_m=0, dy_m=0, dz_m=0, rx_arcsec=0, ry_arcsec=0, rz_arcsec=0,
    ...                  scale_ppm=0, convention="position_vector")
    >>> seat = gpd.GeoDataFrame(geometry=[shapely.Point(397720, 3983363)], crs="EPSG:2384")
    >>> moved = shift.to_cgcs2000(seat)  # zero parameters: only the ellipsoid changes
    >>> moved.crs.to_epsg(), [round(v, 4) for v in moved.geometry.iloc[0].coords[0]]
    (4490, [115.866, 35.975])
    """

    dx_m: float
    dy_m: float
    dz_m: float
    rx_arcsec: float
    ry_arcsec: float
    rz_arcsec: float
    scale_ppm: float
    convention: Convention

    def __post_init__(self) -> None:
        _finite(self, tuple(f.name for f in fields(self))[:-1], "Helmert7")
        if self.convention not in _CONVENTIONS:
            msg = (f"Helmert7: convention must be 'coordinate_frame' or 'position_vector' (the "
                   f"parameter sheet says which), got {self.convention!r}.")
            raise InputError(msg)

    def spec(self) -> str:
        """The parameters as :func:`parse_datum_shift` (and ``--datum-shift``) reads them."""
        values = (self.dx_m, self.dy_m, self.dz_m, self.rx_arcsec, self.ry_arcsec,
                  self.rz_arcsec, self.scale_ppm)
        return f"helmert7:{self.convention}:" + ",".join(f"{v:g}" for v in values)

    def transform_lonlat(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, ellipsoid: tuple[float, float],
    ) -> tuple[FloatArray, FloatArray]:
        """Longitudes/latitudes on the local ``ellipsoid`` (semi-major axis in m, inverse
        flattening) to CGCS2000 longitudes/latitudes, heights taken as 0."""
        a, rf = ellipsoid
        pipeline = (
            "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
            f"+step +proj=cart +a={a!r} +rf={rf!r} "
            f"+step +proj=helmert +x={self.dx_m!r} +y={self.dy_m!r} +z={self.dz_m!r} "
            f"+rx={self.rx_arcsec!r} +ry={self.ry_arcsec!r} +rz={self.rz_arcsec!r} "
            f"+s={self.scale_ppm!r} +convention={self.convention} "
            f"+step +inv +proj=cart +a={CGCS2000_ELLIPSOID[0]!r} "
            f"+rf={CGCS2000_ELLIPSOID[1]!r} "
            "+step +proj=unitconvert +xy_in=rad +xy_out=deg")
        transformer = pyproj.Transformer.from_pipeline(pipeline)
        x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_cgcs2000(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """A copy of ``frame`` (in a CRS of the local datum) in CGCS2000 lon/lat, EPSG:4490."""
        crs = _source_crs(frame, "Helmert7")
        geodetic = crs.geodetic_crs
        if geodetic is None:  # pragma: no cover - a CRS with a datum has a geodetic CRS
            msg = f"{crs.name} has no geodetic CRS to take the ellipsoid from."
            raise CRSError(msg)
        ellipsoid = crs.ellipsoid
        if ellipsoid is None:  # pragma: no cover - as above
            msg = f"{crs.name} has no ellipsoid."
            raise CRSError(msg)
        figure = (float(ellipsoid.semi_major_metre), float(ellipsoid.inverse_flattening))
        to_geodetic = pyproj.Transformer.from_crs(crs, geodetic, always_xy=True)

        def move(coords: FloatArray) -> FloatArray:
            lon, lat = to_geodetic.transform(coords[:, 0], coords[:, 1])
            x, y = self.transform_lonlat(lon, lat, ellipsoid=figure)
            return np.column_stack([x, y])

        return _replace_geometry(frame, move, pyproj.CRS.from_epsg(4490))


@dataclass(frozen=True, kw_only=True)
class PlaneSimilarity:
    """Four-parameter plane similarity from Gauss-Kruger coordinates of a local datum to those
    of the same zone of CGCS2000.

    Parameters
    ----------
    dx_m, dy_m : float
        Shifts in metres, of the first and second axis of ``axes``.
    rotation_arcsec : float
        Rotation in arc seconds (a radian is 206,264.806 arc seconds).
    scale_ppm : float
        Scale difference in parts per million.
    axes : {"north_east", "east_north"}
        Axis order the parameters were computed in: ``"north_east"`` (X north, Y east, Chinese
        surveying practice) or ``"east_north"`` (x east, y north); required.

    Examples
    --------
    >>> import shapely
    >>> shift = PlaneSimilarity(dx_m=-20.0, dy_m=30.0, rotation_arcsec=0, scale_ppm=0,
    ...                         axes="north_east")
    >>> seat = gpd.GeoDataFrame(geometry=[shapely.Point(397720, 3983363)], crs="EPSG:2384")
    >>> moved = shift.to_cgcs2000(seat)
    >>> moved.crs.to_epsg(), moved.geometry.iloc[0].coords[0]  # east +30 m, north -20 m
    (4548, (397750.0, 3983343.0))
    """

    dx_m: float
    dy_m: float
    rotation_arcsec: float
    scale_ppm: float
    axes: Axes

    def __post_init__(self) -> None:
        _finite(self, ("dx_m", "dy_m", "rotation_arcsec", "scale_ppm"), "PlaneSimilarity")
        if self.axes not in _AXES:
            msg = (f"PlaneSimilarity: axes must be 'north_east' (X north, Y east, as Chinese "
                   f"surveying writes them) or 'east_north', got {self.axes!r}.")
            raise InputError(msg)

    def spec(self) -> str:
        """The parameters as :func:`parse_datum_shift` (and ``--datum-shift``) reads them."""
        values = (self.dx_m, self.dy_m, self.rotation_arcsec, self.scale_ppm)
        return f"plane4:{self.axes}:" + ",".join(f"{v:g}" for v in values)

    def transform_xy(self, east: npt.ArrayLike, north: npt.ArrayLike
                     ) -> tuple[FloatArray, FloatArray]:
        """Eastings/northings of the local zone to those of the CGCS2000 zone."""
        e = np.asarray(east, dtype=float)
        n = np.asarray(north, dtype=float)
        first, second = (n, e) if self.axes == "north_east" else (e, n)
        k = 1.0 + self.scale_ppm * 1e-6
        angle = self.rotation_arcsec * _ARCSEC
        cos, sin = math.cos(angle), math.sin(angle)
        out1 = self.dx_m + k * (first * cos - second * sin)
        out2 = self.dy_m + k * (first * sin + second * cos)
        return (out2, out1) if self.axes == "north_east" else (out1, out2)

    def to_cgcs2000(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """A copy of ``frame`` (in a Gauss-Kruger CRS of the local datum) in the same zone of
        CGCS2000."""
        crs = _source_crs(frame, "PlaneSimilarity")
        info = gk_zone_info(crs)
        if info is None:
            msg = (f"A four-parameter transformation works on Gauss-Kruger coordinates, and the "
                   f"layer is in {crs.name}: give the layer's Gauss-Kruger CRS (crs=...), or use "
                   "the seven-parameter transformation (Helmert7).")
            raise CRSError(msg)
        target = gk_crs(info[0], prefix=info[1], datum="cgcs2000")

        def move(coords: FloatArray) -> FloatArray:
            x, y = self.transform_xy(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return _replace_geometry(frame, move, target)


DatumShift = Helmert7 | PlaneSimilarity


def _source_crs(frame: gpd.GeoDataFrame, label: str) -> pyproj.CRS:
    crs: pyproj.CRS | None = frame.crs
    if crs is None:
        msg = (f"{label} needs the layer's own CRS (Xian 1980 or Beijing 1954): the layer has "
               "none; give it with crs=... .")
        raise CRSError(msg)
    if not _is_local(crs):
        datum = crs.datum.name if crs.datum is not None else crs.name
        msg = (f"A datum shift moves Xian 1980 or Beijing 1954 data to CGCS2000, and the "
               f"layer is already in {crs.name} (datum {datum}): leave out the datum shift, or "
               "give the layer's real CRS with crs=... if its .prj is wrong.")
        raise CRSError(msg)
    return crs


def _replace_geometry(frame: gpd.GeoDataFrame, move: Callable[[FloatArray], FloatArray],
                      crs: pyproj.CRS) -> gpd.GeoDataFrame:
    out = frame.copy()
    out[out.geometry.name] = shapely.transform(frame.geometry.values, move)
    return out.set_crs(crs, allow_override=True)


def parse_datum_shift(text: str) -> DatumShift:
    """Read a datum shift written as text (what ``--datum-shift`` takes on the command line).

    ``helmert7:CONVENTION:DX,DY,DZ,RX,RY,RZ,PPM`` (metres, arc seconds, parts per million;
    CONVENTION ``coordinate_frame`` or ``position_vector``) or
    ``plane4:AXES:DX,DY,ROTATION,PPM`` (metres, arc seconds, ppm; AXES ``north_east`` or
    ``east_north``).

    Examples
    --------
    >>> parse_datum_shift("plane4:north_east:-20,30,1.5,4.2")
    PlaneSimilarity(dx_m=-20.0, dy_m=30.0, rotation_arcsec=1.5, scale_ppm=4.2, axes='north_east')
    """
    forms = ("helmert7:coordinate_frame|position_vector:DX,DY,DZ,RX,RY,RZ,PPM or "
             "plane4:north_east|east_north:DX,DY,ROTATION,PPM")
    kind, _, rest = text.strip().partition(":")
    option, _, numbers = rest.partition(":")
    try:
        values = [float(v) for v in numbers.split(",")] if numbers else []
    except ValueError:
        values = []
    kind = kind.lower()
    count = {"helmert7": 7, "plane4": 4}.get(kind)
    if count is None or len(values) != count:
        msg = f"A datum shift is written {forms}; got {text!r}."
        raise InputError(msg)
    if kind == "helmert7":
        return Helmert7(dx_m=values[0], dy_m=values[1], dz_m=values[2], rx_arcsec=values[3],
                        ry_arcsec=values[4], rz_arcsec=values[5], scale_ppm=values[6],
                        convention=option)  # type: ignore[arg-type]
    return PlaneSimilarity(dx_m=values[0], dy_m=values[1], rotation_arcsec=values[2],
                           scale_ppm=values[3], axes=option)  # type: ignore[arg-type]
