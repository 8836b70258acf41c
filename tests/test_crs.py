from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from planning import CRSError
from planning.crs import (
    check_datum,
    from_gcj02,
    gcj02_to_wgs84,
    gk_crs,
    gk_zone,
    gk_zone_info,
    to_gcj02,
    wgs84_to_gcj02,
    zone_from_easting,
)

# Published WGS84 -> GCJ-02 pairs (Beijing railway station, Tiananmen).
REFERENCE = [
    ((116.42079, 39.90105), (116.42703, 39.90245)),
    ((116.39089, 39.90734), (116.397131, 39.908746)),
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_reference_points(wgs, gcj):
    lon, lat = wgs84_to_gcj02([wgs[0]], [wgs[1]])
    assert lon[0] == pytest.approx(gcj[0], abs=2e-5)
    assert lat[0] == pytest.approx(gcj[1], abs=2e-5)


def test_gcj02_round_trip_is_millimetric():
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(74, 134, 1000), rng.uniform(18, 53, 1000)
    glon, glat = wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert np.abs(back_lon - lon).max() < 1e-8
    assert np.abs(back_lat - lat).max() < 1e-8
    # the shift itself is hundreds of metres
    assert np.abs(glon - lon).max() > 1e-3


def test_gcj02_leaves_points_outside_china():
    lon, lat = wgs84_to_gcj02([2.35], [48.85])  # Paris
    assert (lon[0], lat[0]) == (2.35, 48.85)


def test_gcj_shift_of_frames_about_500_m_at_taiqian():
    pt = gpd.GeoDataFrame(geometry=[shapely.Point(397720, 3983363)], crs="EPSG:4548")
    shifted = to_gcj02(pt).to_crs(4548)
    assert 400 < shifted.distance(pt).iloc[0] < 650
    back = from_gcj02(to_gcj02(pt)).to_crs(4548)
    assert back.distance(pt).iloc[0] < 0.01


def test_gauss_kruger_zones():
    assert gk_zone(115.85) == 39
    assert gk_zone(114.2) == 38
    assert gk_crs(39).to_epsg() == 4548
    assert gk_crs(39, prefix=True).to_epsg() == 4527
    assert gk_crs(38).to_epsg() == 4547
    assert gk_crs(39, datum="xian1980").to_epsg() == 2384
    assert gk_crs(39, prefix=True, datum="beijing1954").to_epsg() == 2415
    assert gk_zone_info(gk_crs(39, prefix=True)) == (39, True, "cgcs2000")
    assert zone_from_easting(39_400_000.0) == 39
    assert zone_from_easting(400_000.0) is None
    with pytest.raises(CRSError, match="outside China"):
        gk_zone(10.0)


def test_local_datums_are_refused_with_an_explanation():
    with pytest.raises(CRSError, match="7-parameter"):
        check_datum(gk_crs(39, datum="xian1980"))
    check_datum(gk_crs(39))  # CGCS2000 is fine
