"""Shared fixtures: the sample workspace and small layers that always carry a CRS."""

from __future__ import annotations

import os
import shutil

import geopandas as gpd
import pytest
import shapely

import planning

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_tool(available: bool, what: str) -> None:
    """Skip when a system tool is missing, except in CI where it must be there."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI (CI=true) but is missing")
    pytest.skip(f"{what} is not installed")


def need_chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    need_tool(path is not None, "Debian chromium")
    return str(path)


@pytest.fixture(scope="session")
def sample_ro() -> planning.Workspace:
    """The sample workspace, shared by tests that only read it (do not modify)."""
    return planning.load_sample()


@pytest.fixture
def sample() -> planning.Workspace:
    """A fresh copy of the sample workspace that a test may change."""
    return planning.load_sample()


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Four 100 m squares near the county seat, in EPSG:4548."""
    x0, y0 = 397_000.0, 3_983_000.0
    geoms = [shapely.box(x0 + i * 100, y0, x0 + (i + 1) * 100, y0 + 100) for i in range(4)]
    return gpd.GeoDataFrame({"zone_id": ["a", "b", "c", "d"], "class_code": ["R2", "M1", "G1",
                             "E2"]}, geometry=geoms, crs="EPSG:4548")
