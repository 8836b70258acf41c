"""Ellipsoidal areas (planning.ellipsoidal_area) against pyproj's Geod (GeographicLib, what
PostGIS geography uses), on random polygons in Gauss-Kruger zones 37 to 40, with and without
zone prefixes; the constants; the CRSs; the geometry kinds."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given, settings
from hypothesis import strategies as st

import planning
from planning import areas
from planning._errors import CRSError, GeometryError, InputError
from planning.crs import gk_crs
from tests._geod import geodesic_areas, scale_factor_area

GEOD = pyproj.Geod(ellps="GRS80")


def star(x: float, y: float, radii: list[float], angles: list[float]) -> shapely.Polygon:
    order = np.argsort(angles)
    a, r = np.asarray(angles)[order], np.asarray(radii)[order]
    return shapely.Polygon(np.column_stack([x + r * np.cos(a), y + r * np.sin(a)]))


@st.composite
def survey_polygons(draw: st.DrawFn) -> tuple[int, shapely.Polygon]:
    """A polygon with edges of up to 100 m somewhere in zones 37 to 40 (20-45 N, up to
    150 km from the central meridian)."""
    zone = draw(st.integers(37, 40))
    lat = draw(st.floats(20, 45))
    x = 500_000 + draw(st.floats(-150_000, 150_000))
    n = draw(st.integers(3, 24))
    radii = draw(st.lists(st.floats(5, 50), min_size=n, max_size=n))
    angles = draw(st.lists(st.floats(0, 2 * math.pi), min_size=n, max_size=n, unique=True))
    poly = star(x, lat * 110_900, radii, angles)
    return zone, poly


@settings(max_examples=150, deadline=None)
@given(survey_polygons())
def test_agrees_with_geod_in_zones_37_to_40(case: tuple[int, shapely.Polygon]) -> None:
    """Within 1e-6 of Geod for polygons of 1,000 m² and more: Geod's own round-off is about
    1e-4 m² (its area changes by that much when the edges are densified differently), which
    is 1e-6 of a 100 m² sliver. Every polygon, slivers included, agrees within 1e-8 (or
    1e-5 m², for slivers) with the second oracle (planar area over the areal scale)."""
    zone, poly = case
    if not poly.is_valid or poly.area < 10:
        return
    assert max(np.hypot(*np.diff(np.asarray(poly.exterior.coords), axis=0).T)) <= 100
    plain = gpd.GeoSeries([poly], crs=gk_crs(zone))
    ours = planning.ellipsoidal_area(plain).iloc[0]
    assert ours == pytest.approx(scale_factor_area(poly, plain.crs), rel=1e-8, abs=1e-5)
    if poly.area >= 1_000:
        assert ours == pytest.approx(geodesic_areas(plain, densify_m=20.0)[0], rel=1e-6)
    # the same polygon with the zone number prefixed to its eastings (EPSG:4513 + ...)
    prefixed = gpd.GeoSeries([shapely.transform(poly, lambda c: c + [zone * 1e6, 0])],
                             crs=gk_crs(zone, prefix=True))
    # (8-digit eastings carry about 1e-8 m less precision than 6-digit ones)
    assert planning.ellipsoidal_area(prefixed).iloc[0] == pytest.approx(ours, rel=1e-8,
                                                                        abs=1e-5)
    assert planning.ellipsoidal_area(prefixed).iloc[0] == pytest.approx(
        geodesic_areas(plain, densify_m=20.0)[0], rel=1e-6, abs=2e-4)


def test_many_polygons_at_once_agree_one_by_one() -> None:
    rng = np.random.default_rng(3)
    polys = [star(397_000 + rng.uniform(-5e4, 5e4), 3_983_000 + rng.uniform(-5e4, 5e4),
                  list(rng.uniform(20, 50, 9)), list(rng.uniform(0, 2 * np.pi, 9)))
             for _ in range(2_000)]
    layer = gpd.GeoDataFrame({"id": range(len(polys))}, geometry=polys, crs="EPSG:4548")
    layer = layer[layer.is_valid]
    together = planning.ellipsoidal_area(layer, workers=2)
    alone = [planning.ellipsoidal_area([g], crs=layer.crs).iloc[0] for g in layer.geometry[:50]]
    np.testing.assert_allclose(together.iloc[:50], alone, rtol=1e-13)
    # every vertex through pyproj (no expansion) gives the same areas
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(areas, "ANCHOR_M", 0.0)
        direct = planning.ellipsoidal_area(layer)
    np.testing.assert_allclose(together, direct, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(together, geodesic_areas(layer, densify_m=20.0), rtol=1e-6)


def test_taiqian_square_and_the_planar_excess() -> None:
    square = gpd.GeoSeries([shapely.box(397_000, 3_983_000, 398_000, 3_984_000)],
                           crs="EPSG:4548")
    ours = planning.ellipsoidal_area(square).iloc[0]
    assert ours == pytest.approx(geodesic_areas(square, densify_m=5)[0], rel=1e-9)
    # 1.1 degrees west of CM 117 E the plane is about 0.026 % too large
    assert 0.00025 < 1 - ours / 1e6 < 0.00027
    far = square.translate(-150_000)  # 1.7 degrees off the central meridian: more
    assert 1 - planning.ellipsoidal_area(far).iloc[0] / 1e6 > 0.0006


def test_long_edges_are_densified() -> None:
    """A 60 km polygon with straight 40 km edges agrees with Geod on the densified edges."""
    big = gpd.GeoSeries([shapely.Polygon([(370_000, 3_950_000), (430_000, 3_960_000),
                                          (420_000, 4_010_000), (380_000, 4_000_000)])],
                        crs="EPSG:4548")
    expected = geodesic_areas(big, densify_m=100.0)[0]
    assert planning.ellipsoidal_area(big).iloc[0] == pytest.approx(expected, rel=1e-8)
    coarse = planning.ellipsoidal_area(big, max_edge_m=1e9).iloc[0]
    assert abs(coarse / expected - 1) > abs(planning.ellipsoidal_area(big).iloc[0]
                                            / expected - 1)


def test_holes_multipolygons_collections_lines_empty_and_missing() -> None:
    outer = shapely.box(397_000, 3_983_000, 397_400, 3_983_400)
    hole = shapely.box(397_100, 3_983_100, 397_200, 3_983_200)
    holed = outer.difference(hole)
    second = shapely.box(398_000, 3_983_000, 398_100, 3_983_100)
    geoms = [holed, shapely.MultiPolygon([holed, second]),
             shapely.GeometryCollection([second, shapely.Point(0, 0)]),
             shapely.LineString([(397_000, 3_983_000), (398_000, 3_984_000)]),
             shapely.Polygon(), None]
    layer = gpd.GeoDataFrame({"k": list("abcdef")}, geometry=geoms, crs="EPSG:4548",
                             index=[10, 11, 12, 13, 14, 15])
    result = planning.ellipsoidal_area(layer)
    assert result.name == "area_m2"
    assert list(result.index) == [10, 11, 12, 13, 14, 15]
    one = planning.ellipsoidal_area([outer, hole, second], crs="EPSG:4548").to_numpy()
    assert result[10] == pytest.approx(one[0] - one[1], rel=1e-11)
    assert result[11] == pytest.approx(one[0] - one[1] + one[2], rel=1e-11)
    assert result[12] == pytest.approx(one[2], rel=1e-11)
    assert result[13] == 0.0
    assert result[14] == 0.0
    assert np.isnan(result[15])
    assert result[10] == pytest.approx(geodesic_areas(layer.iloc[[0]], densify_m=10)[0],
                                       rel=1e-9)
    # the orientation of rings does not matter
    flipped = shapely.Polygon(outer.exterior.coords[::-1], [hole.exterior.coords])
    assert planning.ellipsoidal_area([flipped], crs="EPSG:4548").iloc[0] == pytest.approx(
        result[10], rel=1e-11)


def test_lonlat_layers_have_geodesic_edges() -> None:
    cell = shapely.Polygon([(115.60, 35.80), (116.10, 35.82), (116.05, 36.10),
                            (115.62, 36.05)])
    ours = planning.ellipsoidal_area([cell], crs="EPSG:4490").iloc[0]
    lon, lat = np.asarray(cell.exterior.coords).T
    expected = abs(GEOD.polygon_area_perimeter(lon, lat)[0])
    assert ours == pytest.approx(expected, rel=1e-9)
    with pytest.raises(CRSError, match="not latitudes"):
        planning.ellipsoidal_area([shapely.box(397_000, 3_983_000, 398_000, 3_984_000)],
                                  crs="EPSG:4490")


def test_xian_1980_and_beijing_1954_use_their_own_ellipsoid() -> None:
    square = shapely.box(397_000, 3_983_000, 398_000, 3_984_000)
    for epsg, ellipsoid in ((2385, areas.XIAN1980), (2437, areas.BEIJING1954)):
        crs = pyproj.CRS.from_epsg(epsg)
        assert areas.ellipsoid_of(crs) == ellipsoid
        layer = gpd.GeoSeries([square], crs=crs)
        geod = pyproj.Geod(a=ellipsoid.a, rf=ellipsoid.inverse_flattening)
        dense = np.asarray(shapely.segmentize(square, 5).exterior.coords)
        lon, lat = pyproj.Transformer.from_crs(crs, crs.geodetic_crs,
                                               always_xy=True).transform(*dense.T)
        expected = abs(geod.polygon_area_perimeter(lon, lat)[0])
        assert planning.ellipsoidal_area(layer).iloc[0] == pytest.approx(expected, rel=1e-9)


def test_constants() -> None:
    cgcs = pyproj.CRS.from_epsg(4490).ellipsoid
    assert (areas.CGCS2000.a, areas.CGCS2000.inverse_flattening) == (
        cgcs.semi_major_metre, cgcs.inverse_flattening) == (6_378_137.0, 298.257222101)
    assert areas.CGCS2000.e2 == pytest.approx(0.00669438002290, rel=1e-12)
    assert areas.BEIJING1954.e2 == pytest.approx(0.006693421622966, rel=1e-12)
    assert areas.XIAN1980.e2 == pytest.approx(0.00669438499959, rel=1e-9)
    # the series against the closed form of the area between two parallels
    ell = areas.CGCS2000
    e = math.sqrt(ell.e2)

    def zone(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return ell.b**2 / 2 * (s / (1 - ell.e2 * s * s)
                               + math.log((1 + e * s) / (1 - e * s)) / (2 * e))

    for lat1, lat2 in ((35.5, 36.5), (0.0, 10.0), (40.0, 53.0)):
        expected = (zone(lat2) - zone(lat1)) * math.radians(0.7)
        assert areas.trapezoid_area(lat1, lat2, 0.7)[0] == pytest.approx(expected, rel=1e-11)
    # a band 0.1 m wide, where the closed form cancels: the derivative b² cos B / (1 - e² sin² B)²
    lat, width = 20.0, 1e-6
    s = math.sin(math.radians(lat + width / 2))
    slope = ell.b**2 * math.cos(math.radians(lat + width / 2)) / (1 - ell.e2 * s * s) ** 2
    assert areas.trapezoid_area(lat, lat + width, 0.7)[0] == pytest.approx(
        slope * math.radians(width) * math.radians(0.7), rel=1e-9)


def test_zone_prefix_errors_and_repairs() -> None:
    plain = shapely.box(397_000, 3_983_000, 398_000, 3_984_000)
    prefixed = shapely.box(39_397_000, 3_983_000, 39_398_000, 3_984_000)
    base = planning.ellipsoidal_area([plain], crs="EPSG:4548").iloc[0]
    # 8-digit eastings of zone 39 under the unprefixed zone-39 CRS: the prefix is stripped
    assert planning.ellipsoidal_area([prefixed], crs="EPSG:4548").iloc[0] == pytest.approx(
        base, rel=1e-12)
    with pytest.raises(CRSError, match="zone prefix"):
        planning.ellipsoidal_area([plain], crs="EPSG:4527")  # 6-digit eastings, CRS prefixed
    with pytest.raises(CRSError, match="does not match"):
        planning.ellipsoidal_area([shapely.box(38_397_000, 3_983_000, 38_398_000, 3_984_000)],
                                  crs="EPSG:4548")
    with pytest.raises(CRSError, match="needs the CRS"):
        planning.ellipsoidal_area([plain])
    with pytest.raises(CRSError, match="differs from the layer's own CRS"):
        planning.ellipsoidal_area(gpd.GeoSeries([plain], crs="EPSG:4548"), crs="EPSG:4547")
    with pytest.raises(InputError, match="max_edge_m"):
        planning.ellipsoidal_area([plain], crs="EPSG:4548", max_edge_m=0)
    with pytest.raises(InputError, match="shapely geometries"):
        planning.ellipsoidal_area(["POLYGON"], crs="EPSG:4548")


def test_inputs_are_not_changed(sample_ro: planning.Workspace) -> None:
    layer = sample_ro["townships"]
    before = layer.copy()
    planning.ellipsoidal_area(layer)
    assert_geodataframe_equal(layer, before)


def test_pieces_add_up_to_the_whole(sample_ro: planning.Workspace) -> None:
    """Additivity: the areas of a coverage's pieces add up to the area of the whole (the
    edges shared by two pieces cancel), the reconciliation the analyses rely on."""
    land, towns = sample_ro["landuse_plan"], sample_ro["townships"]
    inside = planning.overlay.intersection(land, towns)
    outside = gpd.overlay(land, towns, how="difference")
    whole = planning.ellipsoidal_area(land).sum()
    parts = planning.ellipsoidal_area(inside).sum() + planning.ellipsoidal_area(outside).sum()
    assert parts == pytest.approx(whole, rel=1e-11)
    assert isinstance(planning.ellipsoidal_area(inside), pd.Series)


@pytest.mark.parametrize(("geoms", "crs", "error", "match"), [
    ([shapely.box(397_000, 3_983_000, 398_000, 3_984_000),
      [(397_000, 3_983_000), (np.inf, 3_983_000), (397_000, 3_984_000)]],
     "EPSG:4548", GeometryError, r"not finite numbers .*rows 1"),
    ([[(115.0, 36.0), (np.nan, 36.0), (115.0, 36.1)]], "EPSG:4490",
     GeometryError, "rows 0"),
    ([shapely.box(400.0, 35.0, 401.0, 36.0)], "EPSG:4490", CRSError,
     "outside longitude -180..180"),
    ([shapely.box(115.9, 35.9, 115.91, 35.91)], "EPSG:4548", CRSError,
     r"look like degrees .* set the CRS to EPSG:4490"),
    ([shapely.box(397_000, 3_983_000, 397_100, 3_983_100),
      shapely.box(39_397_000, 3_983_000, 39_397_100, 3_983_100)], "EPSG:4548", CRSError,
     r"mixes eastings with the zone prefix \(8 digits, rows 1\) and without it"),
    ([shapely.box(397_000, 3_983_000, 397_100, 3_983_100),
      shapely.box(39_397_000, 3_983_000, 39_397_100, 3_983_100)], "EPSG:4527", CRSError,
     "mixes eastings"),
])
def test_bad_coordinates_are_clear_errors(geoms: list[shapely.Geometry | list], crs: str,
                                          error: type[Exception], match: str) -> None:
    with warnings.catch_warnings():  # GEOS warns about the NaN / infinite coordinates
        warnings.simplefilter("ignore", RuntimeWarning)
        geoms = [g if isinstance(g, shapely.Geometry) else shapely.Polygon(g) for g in geoms]
    with pytest.raises(error, match=match):
        planning.ellipsoidal_area(geoms, crs=crs)
