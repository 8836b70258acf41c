"""planning.datum: Xian 1980 / Beijing 1954 to CGCS2000 with the bureau's parameters, checked
against a hand computation (geocentric coordinates and the Bursa-Wolf formula written out in
NumPy here, and plain arithmetic for the plane similarity)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

import planning
from planning import CRSError, InputError
from planning.datum import Helmert7, PlaneSimilarity, parse_datum_shift

XIAN80 = (6378140.0, 298.257)       # IAG 1975
BEIJING54 = (6378245.0, 298.3)      # Krassovsky 1940
CGCS2000 = (6378137.0, 298.257222101)
ARCSEC = math.pi / 180 / 3600
PARAMS = {"dx_m": -12.5, "dy_m": 108.2, "dz_m": 51.3, "rx_arcsec": 0.8, "ry_arcsec": -1.1,
          "rz_arcsec": 2.4, "scale_ppm": -3.2}


def to_ecef(lon: np.ndarray, lat: np.ndarray, a: float, rf: float) -> np.ndarray:
    e2 = (1 / rf) * (2 - 1 / rf)
    lam, phi = np.radians(lon), np.radians(lat)
    n = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    return np.array([n * np.cos(phi) * np.cos(lam), n * np.cos(phi) * np.sin(lam),
                     n * (1 - e2) * np.sin(phi)])


def from_ecef(xyz: np.ndarray, a: float, rf: float) -> tuple[np.ndarray, np.ndarray]:
    e2 = (1 / rf) * (2 - 1 / rf)
    x, y, z = xyz
    p = np.hypot(x, y)
    phi = np.arctan2(z, p * (1 - e2))
    for _ in range(20):
        n = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
        h = p / np.cos(phi) - n
        phi = np.arctan2(z, p * (1 - e2 * n / (n + h)))
    return np.degrees(np.arctan2(y, x)), np.degrees(phi)


def bursa_wolf(xyz: np.ndarray, convention: str) -> np.ndarray:
    """X' = T + (1 + s) R X with the small-angle rotation matrix of the convention."""
    rx, ry, rz = (PARAMS[k] * ARCSEC for k in ("rx_arcsec", "ry_arcsec", "rz_arcsec"))
    if convention == "position_vector":
        rx, ry, rz = -rx, -ry, -rz
    rotation = np.array([[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]])
    shift = np.array([[PARAMS["dx_m"]], [PARAMS["dy_m"]], [PARAMS["dz_m"]]])
    return shift + (1 + PARAMS["scale_ppm"] * 1e-6) * rotation @ xyz


@pytest.mark.parametrize("convention", ["coordinate_frame", "position_vector"])
@pytest.mark.parametrize("ellipsoid", [XIAN80, BEIJING54])
def test_helmert7_matches_the_hand_computation(convention: str, ellipsoid: tuple[float, float]):
    lon = np.array([115.85, 113.65, 87.6, 126.6])
    lat = np.array([35.99, 34.76, 43.8, 45.75])
    shift = Helmert7(**PARAMS, convention=convention)  # type: ignore[arg-type]
    got_lon, got_lat = shift.transform_lonlat(lon, lat, ellipsoid=ellipsoid)
    want_lon, want_lat = from_ecef(bursa_wolf(to_ecef(lon, lat, *ellipsoid), convention),
                                   *CGCS2000)
    # 1e-9 degrees is about 0.1 mm
    assert np.abs(got_lon - want_lon).max() < 1e-9
    assert np.abs(got_lat - want_lat).max() < 1e-9
    moved = pyproj.Geod(ellps="GRS80").inv(lon, lat, got_lon, got_lat)[2]
    assert (moved > 30).all()
    assert (moved < 200).all()


def test_helmert7_conventions_differ_and_a_pure_shift_is_exact():
    lon, lat = np.array([115.85]), np.array([35.99])
    frame = Helmert7(**PARAMS, convention="coordinate_frame").transform_lonlat(
        lon, lat, ellipsoid=XIAN80)
    vector = Helmert7(**PARAMS, convention="position_vector").transform_lonlat(
        lon, lat, ellipsoid=XIAN80)
    apart = pyproj.Geod(ellps="GRS80").inv(frame[0], frame[1], vector[0], vector[1])[2][0]
    assert apart > 50  # the rotation convention matters: tens of metres here
    east = Helmert7(dx_m=0, dy_m=100, dz_m=0, rx_arcsec=0, ry_arcsec=0, rz_arcsec=0,
                    scale_ppm=0, convention="coordinate_frame")
    x, y = east.transform_lonlat([0.0], [0.0], ellipsoid=XIAN80)
    # at (0 E, 0 N) geocentric Y points east: 100 m moves the longitude by atan(100 / a)
    assert x[0] == pytest.approx(math.degrees(math.atan2(100.0, XIAN80[0])), abs=1e-12)
    assert y[0] == pytest.approx(0.0, abs=1e-12)


def test_plane_similarity_by_hand():
    shift = PlaneSimilarity(dx_m=10.0, dy_m=-5.0, rotation_arcsec=0.0, scale_ppm=1000.0,
                            axes="north_east")
    east, north = shift.transform_xy([500_000.0], [4_000_000.0])
    # X (north) = 10 + 1.001 * 4 000 000; Y (east) = -5 + 1.001 * 500 000
    assert (east[0], north[0]) == pytest.approx((500_495.0, 4_004_010.0), abs=1e-6)
    turn = PlaneSimilarity(dx_m=0, dy_m=0, rotation_arcsec=3600.0, scale_ppm=0,
                           axes="north_east")
    east, north = turn.transform_xy([0.0], [1000.0])
    # one degree: X' = 1000 cos 1°, Y' = 1000 sin 1°
    assert (north[0], east[0]) == pytest.approx((999.8476951563913, 17.452406437283512),
                                                abs=1e-9)
    gis = PlaneSimilarity(dx_m=0, dy_m=0, rotation_arcsec=3600.0, scale_ppm=0,
                          axes="east_north")
    east, north = gis.transform_xy([1000.0], [0.0])
    assert (east[0], north[0]) == pytest.approx((999.8476951563913, 17.452406437283512),
                                                abs=1e-9)


def test_read_layer_with_the_bureaus_parameters(tmp_path: Path):
    x, y = 397_720.0, 3_983_363.0
    xian = gpd.GeoDataFrame({"zone_id": ["a"]}, geometry=[shapely.Point(x, y)],
                            crs="EPSG:2384")
    xian.to_file(tmp_path / "xian.gpkg")
    with pytest.raises(CRSError, match=r"Xian 1980.*datum_shift=planning\.datum\.Helmert7"):
        planning.read_layer(tmp_path / "xian.gpkg")
    shift = Helmert7(**PARAMS, convention="coordinate_frame")
    gdf = planning.read_layer(tmp_path / "xian.gpkg", datum_shift=shift, county=planning.TAIQIAN)
    lon, lat = pyproj.Transformer.from_crs(2384, 4610, always_xy=True).transform(x, y)
    want = from_ecef(bursa_wolf(to_ecef(np.array([lon]), np.array([lat]), *XIAN80),
                                "coordinate_frame"), *CGCS2000)
    expected = pyproj.Transformer.from_crs(4490, 4548, always_xy=True).transform(*want)
    point = gdf.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((expected[0][0], expected[1][0]), abs=1e-4)
    assert gdf.crs.to_epsg() == 4548
    assert "helmert7:coordinate_frame" in gdf.attrs["planning_report"].problems[0].message
    plane = PlaneSimilarity(dx_m=-20.0, dy_m=30.0, rotation_arcsec=0, scale_ppm=0,
                            axes="north_east")
    moved = planning.read_layer(tmp_path / "xian.gpkg", datum_shift=plane).geometry.iloc[0]
    assert (moved.x, moved.y) == pytest.approx((x + 30.0, y - 20.0), abs=1e-6)


def test_shifts_are_checked():
    with pytest.raises(InputError, match="convention must be"):
        Helmert7(**PARAMS, convention="clockwise")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"dx_m=nan must be finite"):
        Helmert7(**{**PARAMS, "dx_m": float("nan")}, convention="coordinate_frame")
    with pytest.raises(InputError, match="axes must be"):
        PlaneSimilarity(dx_m=0, dy_m=0, rotation_arcsec=0, scale_ppm=0,
                        axes="xy")  # type: ignore[arg-type]
    cgcs = gpd.GeoDataFrame(geometry=[shapely.Point(397_720, 3_983_363)], crs="EPSG:4548")
    with pytest.raises(CRSError, match="already in CGCS2000"):
        Helmert7(**PARAMS, convention="coordinate_frame").to_cgcs2000(cgcs)
    lonlat = gpd.GeoDataFrame(geometry=[shapely.Point(115.8, 36.0)], crs="EPSG:4610")
    with pytest.raises(CRSError, match="works on Gauss-Kruger coordinates"):
        PlaneSimilarity(dx_m=0, dy_m=0, rotation_arcsec=0, scale_ppm=0,
                        axes="north_east").to_cgcs2000(lonlat)
    assert parse_datum_shift("helmert7:position_vector:1,2,3,0.1,0.2,0.3,4") == Helmert7(
        dx_m=1, dy_m=2, dz_m=3, rx_arcsec=0.1, ry_arcsec=0.2, rz_arcsec=0.3, scale_ppm=4,
        convention="position_vector")
    for bad in ("helmert7:coordinate_frame:1,2,3", "plane4:north_east:a,b,c,d", "seven:1"):
        with pytest.raises(InputError, match="A datum shift is written"):
            parse_datum_shift(bad)
