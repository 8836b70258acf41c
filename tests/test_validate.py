"""The shared input checks: every problem collected, raised once."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from planning import CRSError, GeometryError
from planning._errors import Problem, format_problems
from planning._validate import check_crs, validate_layer


def test_validate_layer_collects_every_problem(squares):
    bad = squares.copy()
    bad.loc[1, "geometry"] = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # bowtie
    bad.loc[2, "geometry"] = shapely.Point(0, 0)
    bad.loc[3, "zone_id"] = "a"
    with pytest.raises(GeometryError) as info:
        validate_layer(bad, "zones", required=["zone_id", "owner"],
                       allowed=("Polygon", "MultiPolygon"), id_column="zone_id")
    messages = [p.message for p in info.value.problems]
    assert len(messages) == 4
    assert any("required column is missing" in m for m in messages)
    assert any("invalid" in m and "Self-intersection" in m for m in messages)
    assert any("Point is not allowed" in m for m in messages)
    assert any("not unique" in m and "[0, 3]" in m for m in messages)
    assert "4 problem(s)" in str(info.value)


def test_valid_layer_passes_and_is_returned(squares):
    assert validate_layer(squares, "zones", required=["zone_id"], id_column="zone_id") is squares


def test_crs_checks_say_how_to_fix(squares):
    with pytest.raises(CRSError, match="to_crs"):
        check_crs({"a": squares, "b": squares.to_crs("EPSG:4547")})
    with pytest.raises(CRSError, match="projected metric CRS"):
        check_crs({"a": squares.to_crs("EPSG:4490")})
    with pytest.raises(CRSError, match="no CRS"):
        check_crs({"a": gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)])})


def test_type_errors_name_the_argument():
    with pytest.raises(TypeError, match=r"zones must be a geopandas\.GeoDataFrame"):
        validate_layer([1, 2], "zones")


def test_problem_text():
    problem = Problem("ledger.xlsx", "not a date", row=7, column="计划完成", value="明年")
    assert str(problem) == "ledger.xlsx, row 7, column '计划完成': not a date (value: '明年')"
    many = [Problem("x", f"p{i}") for i in range(60)]
    assert format_problems(many).endswith("... and 10 more")
