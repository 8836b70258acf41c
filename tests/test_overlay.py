"""The overlay engine against geopandas' own overlay (the oracle)."""

from __future__ import annotations

from unittest.mock import patch

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning import overlay
from planning._errors import CRSError, GeometryError, InputError
from planning.datasets import dissolved_coverage, voronoi_coverage

CRS = "EPSG:4548"
X0, Y0 = 397_000.0, 3_983_000.0


def oracle(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.overlay(left, right, how="intersection", keep_geom_type=True)


def assert_same_pieces(ours: gpd.GeoDataFrame, theirs: gpd.GeoDataFrame, keys: list[str]) -> None:
    """Same columns, same pairs in the same order, per-pair areas within 1e-6 m2; a pair
    found by one side only must have no area (a rounding sliver)."""
    assert list(ours.columns) == list(theirs.columns)
    assert isinstance(ours.index, pd.RangeIndex)
    a = ours.assign(area=ours.area).drop(columns="geometry")
    b = theirs.assign(area=theirs.area).drop(columns="geometry")
    merged = a.merge(b, on=keys, how="outer", suffixes=("_ours", "_gpd"), indicator=True)
    both = merged[merged["_merge"] == "both"]
    np.testing.assert_allclose(both["area_ours"], both["area_gpd"], rtol=0, atol=1e-6)
    lone = merged[merged["_merge"] != "both"]
    assert (lone[["area_ours", "area_gpd"]].fillna(0).to_numpy() < 1e-6).all()
    if lone.empty:
        pd.testing.assert_frame_equal(a.drop(columns="area"), b.drop(columns="area"))


def named(cells: gpd.GeoDataFrame, prefix: str, column: str) -> gpd.GeoDataFrame:
    return cells.rename(columns={"cell_id": column}).assign(
        **{f"{prefix}_code": lambda f, c=column: f[c].astype(str).radd(prefix)})


@pytest.fixture(scope="module")
def survey() -> gpd.GeoDataFrame:
    return named(voronoi_coverage(600, seed=11), "s", "patch")


@pytest.mark.parametrize("kind", ["independent", "aligned", "townships"])
def test_matches_geopandas(survey: gpd.GeoDataFrame, kind: str) -> None:
    if kind == "independent":
        zones = named(voronoi_coverage(60, seed=12), "z", "zone")
    elif kind == "aligned":
        zones = named(dissolved_coverage(survey, 60, seed=13).rename(
            columns={"zone_id": "cell_id"}), "z", "zone")
    else:
        zones = named(voronoi_coverage(5, seed=14, vertices=300), "z", "zone")
    ours = overlay.intersection(survey, zones)
    theirs = oracle(survey, zones)
    assert_same_pieces(ours, theirs, ["patch", "zone"])
    assert ours.area.sum() == pytest.approx(survey.area.sum(), rel=1e-12)
    assert ours.crs == survey.crs


def test_same_result_whichever_side_is_larger(survey: gpd.GeoDataFrame) -> None:
    zones = named(voronoi_coverage(40, seed=21), "z", "zone")
    forward = overlay.intersection(survey, zones)
    backward = overlay.intersection(zones, survey)
    assert_same_pieces(backward, oracle(zones, survey), ["zone", "patch"])
    assert len(forward) == len(backward)


def test_threads_do_not_change_the_result(survey: gpd.GeoDataFrame) -> None:
    zones = named(voronoi_coverage(50, seed=22), "z", "zone")
    one = overlay.intersection(survey, zones, workers=1)
    many = overlay.intersection(survey, zones, workers=3)
    assert_geodataframe_equal(one, many)


def test_shared_column_names_get_geopandas_suffixes(squares: gpd.GeoDataFrame) -> None:
    other = squares.assign(geometry=squares.translate(50, 0))
    ours = overlay.intersection(squares, other)
    theirs = oracle(squares, other)
    assert list(ours.columns) == ["zone_id_1", "class_code_1", "zone_id_2", "class_code_2",
                                  "geometry"]
    assert_same_pieces(ours, theirs, ["zone_id_1", "zone_id_2"])


def test_nesting_touching_and_collections() -> None:
    """Covered, covering, touch-only and polygon-plus-line pairs, as geopandas has them."""
    left = gpd.GeoDataFrame({"l": [1, 2, 3]}, crs=CRS, geometry=[
        shapely.box(X0, Y0, X0 + 200, Y0 + 200),              # covers r=1, contains r=2
        shapely.box(X0 + 300, Y0, X0 + 310, Y0 + 10),          # inside r=3
        shapely.box(X0 + 200, Y0, X0 + 300, Y0 + 100),         # touches l=1's neighbours
    ])
    right = gpd.GeoDataFrame({"r": [1, 2, 3, 4]}, crs=CRS, geometry=[
        shapely.box(X0, Y0, X0 + 200, Y0 + 200),               # equal to l=1
        shapely.box(X0 + 50, Y0 + 50, X0 + 60, Y0 + 60),       # inside l=1
        shapely.box(X0 + 290, Y0 - 10, X0 + 400, Y0 + 20),     # covers l=2, crosses l=3
        shapely.MultiPolygon([shapely.box(X0 + 150, Y0 - 50, X0 + 250, Y0 + 20),
                              shapely.box(X0 + 200, Y0 + 150, X0 + 260, Y0 + 300)]),
    ])
    ours = overlay.intersection(left, right)
    theirs = oracle(left, right)
    assert_same_pieces(ours, theirs, ["l", "r"])
    pairs = set(zip(ours["l"], ours["r"], strict=True))
    assert (3, 1) not in pairs  # touch only
    piece = ours[(ours["l"] == 1) & (ours["r"] == 4)].geometry.iloc[0]
    assert piece.geom_type in ("Polygon", "MultiPolygon")  # the line part of a collection dropped


def test_touching_layers_give_an_empty_frame_like_geopandas(squares: gpd.GeoDataFrame) -> None:
    left, right = squares.iloc[[0, 2]], squares.iloc[[1, 3]]
    ours = overlay.intersection(left, right)
    theirs = oracle(left, right)
    assert len(ours) == len(theirs) == 0
    assert list(ours.columns) == list(theirs.columns)


def test_inputs_are_not_changed(survey: gpd.GeoDataFrame) -> None:
    zones = named(voronoi_coverage(30, seed=23), "z", "zone")
    before_s, before_z = survey.copy(), zones.copy()
    overlay.intersection(survey, zones)
    assert_geodataframe_equal(survey, before_s)
    assert_geodataframe_equal(zones, before_z)
    assert not shapely.is_prepared(np.asarray(zones.geometry.array)).any()
    assert not shapely.is_prepared(np.asarray(survey.geometry.array)).any()


def test_remainders_conserve_area(survey: gpd.GeoDataFrame) -> None:
    """Pieces plus remainders give back every left polygon's area, also where the right
    layer covers only part of the left one."""
    zones = named(voronoi_coverage(20, seed=24, bounds=(392_000, 3_976_000, 404_000,
                                                       3_990_000)), "z", "zone")
    left = np.asarray(survey.geometry.array)
    right = np.asarray(zones.geometry.array)
    pieces = overlay.pieces_of(left, right)
    rest = overlay.remainders(left, pieces.left, shapely.area(pieces.geometry), right,
                              pieces.right)
    per_left = np.bincount(np.concatenate([pieces.left, rest.left]),
                           weights=shapely.area(np.concatenate([pieces.geometry, rest.geometry])),
                           minlength=len(left))
    np.testing.assert_allclose(per_left, shapely.area(left), rtol=1e-9)
    outside = shapely.difference(left, shapely.union_all(right))
    assert shapely.area(rest.geometry).sum() == pytest.approx(shapely.area(outside).sum(),
                                                              rel=1e-9)


def test_crs_mismatch_is_an_error(squares: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="CRS mismatch"):
        overlay.intersection(squares, squares.to_crs("EPSG:4547"))
    with pytest.raises(CRSError, match="no CRS"):
        overlay.intersection(squares, squares.set_crs(None, allow_override=True))


def test_invalid_and_wrong_geometries_are_listed(squares: gpd.GeoDataFrame) -> None:
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    bad = squares.copy()
    bad.loc[1, "geometry"] = bowtie
    bad.loc[2, "geometry"] = shapely.Point(X0, Y0)
    with pytest.raises(GeometryError) as err:
        overlay.intersection(squares, bad)
    text = str(err.value)
    assert "right, row 1" in text
    assert "Self-intersection" in text
    assert "right, row 2" in text
    assert "Point is not allowed" in text
    assert len(err.value.problems) == 2


def test_engines(squares: gpd.GeoDataFrame) -> None:
    with pytest.raises(InputError, match="Unknown engine 'spark'"):
        overlay.intersection(squares, squares, engine="spark")
    with pytest.raises(TypeError, match="client"):
        overlay.intersection(squares, squares, client=None)


coverage_cases = st.tuples(
    st.integers(1, 40), st.integers(1, 40), st.integers(0, 10_000),
    st.sampled_from([4, 12, 40]), st.floats(0.0, 0.08),
    st.floats(-3000.0, 3000.0), st.floats(-3000.0, 3000.0),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coverage_cases)
def test_property_random_coverages(case: tuple[int, int, int, int, float, float, float]) -> None:
    """Random coverages, shifted against each other: the same pieces as geopandas, and the
    pieces add up to the area the two layers share."""
    n_left, n_right, seed, vertices, bend, dx, dy = case
    bounds = (390_000.0, 3_975_000.0, 396_000.0, 3_981_000.0)
    shifted = (bounds[0] + dx, bounds[1] + dy, bounds[2] + dx, bounds[3] + dy)
    left = named(voronoi_coverage(n_left, bounds=bounds, seed=seed, vertices=vertices,
                                  bend=bend), "l", "a")
    right = named(voronoi_coverage(n_right, bounds=shifted, seed=seed + 1, bend=bend), "r", "b")
    ours = overlay.intersection(left, right)
    assert_same_pieces(ours, oracle(left, right), ["a", "b"])
    shared = shapely.area(shapely.intersection(shapely.box(*bounds), shapely.box(*shifted)))
    assert ours.area.sum() == pytest.approx(shared, rel=1e-9, abs=1e-6)


def test_overlaps_inside_one_layer() -> None:
    """planning.overlay.overlaps: every overlapping pair once, with its area; touching,
    nested and duplicate polygons handled; a clean coverage has none."""
    from planning.overlay import overlaps

    cells = voronoi_coverage(300, seed=31)
    assert len(overlaps(cells, "cell_id")) == 0
    messy = pd.concat([cells, gpd.GeoDataFrame(
        {"cell_id": [1000, 1001]}, crs=CRS,
        geometry=[cells.geometry.iloc[5], cells.geometry.iloc[40].buffer(-5)])],
        ignore_index=True)
    found = overlaps(messy, "cell_id")
    pairs = {tuple(sorted(p)) for p in zip(found["id_1"], found["id_2"], strict=True)}
    assert (5, 1000) in pairs
    assert (40, 1001) in pairs
    expected = {}
    geoms = messy.geometry.to_numpy()
    for i, j in zip(*shapely.STRtree(geoms).query(geoms), strict=True):
        if i < j:
            area = shapely.intersection(geoms[i], geoms[j]).area
            if area > 1e-6:
                expected[(int(messy["cell_id"].iloc[i]), int(messy["cell_id"].iloc[j]))] = area
    ours = {(int(a), int(b)): s for a, b, s in
            zip(found["id_1"], found["id_2"], found["area_m2"], strict=True)}
    assert ours.keys() == expected.keys()
    for key, area in expected.items():
        assert ours[key] == pytest.approx(area, rel=1e-9)


large_zone_cases = st.tuples(
    st.integers(150, 500), st.integers(1, 6), st.integers(0, 10_000), st.booleans(),
    st.floats(-2000.0, 2000.0), st.floats(0.0, 0.08),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(large_zone_cases)
def test_property_large_zones_over_small_cells(case: tuple[int, int, int, bool, float, float]
                                               ) -> None:
    """Zones far larger than the cells (the indexed-boundary path: townships over survey
    patches), with multipolygon cells and zones made of scattered cells: same as geopandas."""
    n_cells, n_zones, seed, scatter, dx, bend = case
    bounds = (390_000.0, 3_975_000.0, 396_000.0, 3_981_000.0)
    cells = voronoi_coverage(n_cells, bounds=bounds, seed=seed, bend=bend)
    rng = np.random.default_rng(seed)
    if scatter:  # pairs of non-adjacent cells become multipolygons
        groups = rng.permutation(len(cells)) // 2
        cells = cells.dissolve(by=groups).reset_index(drop=True).assign(
            cell_id=lambda f: np.arange(len(f)))
    cells = named(cells, "c", "cell")
    shifted = (bounds[0] + dx, bounds[1], bounds[2] + dx, bounds[3])
    zones = named(voronoi_coverage(n_zones, bounds=shifted, seed=seed + 1, vertices=200,
                                   bend=bend), "z", "zone")
    for left, right, keys in [(cells, zones, ["cell", "zone"]), (zones, cells, ["zone", "cell"])]:
        expected = oracle(left, right)
        # the boundary-index path, forced on and forced off, against geopandas
        for ratio in (0.0, np.inf):
            with patch.object(overlay._local, "_EDGE_INDEX_AREA_RATIO", ratio):
                assert_same_pieces(overlay.intersection(left, right), expected, keys)


def test_large_zone_with_a_hole_and_cells_on_its_edges() -> None:
    cells = named(voronoi_coverage(400, seed=5), "c", "cell")
    x0, y0, x1, y1 = cells.total_bounds
    outer = shapely.box(x0 + 1000, y0 + 1000, x1 - 1000, y1 - 1000)
    hole = shapely.box(x0 + 5000, y0 + 5000, x0 + 9000, y0 + 9000)
    # one zone with a hole, one zone filling the hole, one drawn on cell boundaries
    on_edges = shapely.union_all(np.asarray(cells.geometry.array)[:40])
    zones = gpd.GeoDataFrame({"zone": [1, 2, 3]}, geometry=[
        outer.difference(hole).difference(on_edges), hole.difference(on_edges), on_edges,
    ], crs=cells.crs)
    for ratio in (0.0, np.inf):
        with patch.object(overlay._local, "_EDGE_INDEX_AREA_RATIO", ratio):
            ours = overlay.intersection(cells, zones)
        assert_same_pieces(ours, oracle(cells, zones), ["cell", "zone"])
