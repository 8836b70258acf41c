"""The urban-management unit grid (万米单元网格) of an area (:func:`unit_grid`)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._core.geometry import polygonal
from planning._errors import InputError
from planning._validate import check_crs, require_frame
from planning.county import County, check_code
from planning.sanitation._geometry import (
    MAX_CELLS,
    area_geometry,
    check_zones,
    geo_frame,
    grid_boxes,
    majority_zone,
)

# --------------------------------------------------------------------------------------------
# unit grid


def _county_code(county: County | None, county_code: str | None) -> str:
    """The code prefixed to the cells: the county's, or the one given."""
    if county is not None and not isinstance(county, County):
        msg = f"county must be a planning.County, got {type(county).__name__}."
        raise TypeError(msg)
    if county is None and county_code is None:
        msg = ("unit_grid() numbers the cells with the county code: pass county=ws.county "
               "(for the sample planning.TAIQIAN) or county_code='410927'.")
        raise InputError(msg)
    if county is not None and county_code is not None and county.code != county_code:
        msg = (f"unit_grid() got county {county} and county_code {county_code!r}, which "
               "differ; pass one of them.")
        raise InputError(msg)
    return county.code if county is not None else check_code(county_code)



def unit_grid(
    area: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    cell_m2: float = 10_000,
    zones: gpd.GeoDataFrame | None = None,
    county: County | None = None,
    county_code: str | None = None,
    id_column: str = "zone_id",
) -> gpd.GeoDataFrame:
    """Build the urban-management unit grid (万米单元网格) clipped to an area.

    Square cells of ``cell_m2`` (10,000 m² by default, 100 m by 100 m) on a grid aligned to
    multiples of the cell side in the CRS, so that the same area always gives the same cells.

    Parameters
    ----------
    area : geopandas.GeoDataFrame or GeoSeries
        The area to cover (the built-up area), in a projected metric CRS.
    cell_m2 : float, default 10000
        Area of a whole cell in square metres.
    zones : geopandas.GeoDataFrame, optional
        Sanitation zones in the same CRS; each cell gets the zone covering most of it.
    county : planning.County, optional
        The county the area lies in (``ws.county`` for a workspace's area); its code is
        prefixed to the cell codes.
    county_code : str, optional
        The six-digit county code instead of a county (``"410927"``). One of ``county`` and
        ``county_code`` is required.
    id_column : str, default "zone_id"
        Column of ``zones`` holding the zone ids.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell part inside the area, numbered by rows from the north-west:
        ``code`` (county code + six-digit sequence, e.g. ``410927000001``), ``row``, ``col``,
        ``area_m2`` (of the clipped cell), ``whole`` (the cell lies wholly inside the area),
        ``zone_id``, ``department``, ``township`` (of the zone covering most of the cell; NA
        where no zone covers it or no zones were given), ``zone_share`` (share of the clipped
        cell that zone covers), geometry.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> area = gpd.GeoDataFrame(geometry=[box(0, 0, 250, 100)], crs="EPSG:4548")
    >>> zones = gpd.GeoDataFrame(
    ...     {"zone_id": ["Z1", "Z2"], "department": ["D01", "D02"], "township": ["城关镇"] * 2},
    ...     geometry=[box(0, 0, 130, 100), box(130, 0, 250, 100)], crs="EPSG:4548")
    >>> import planning
    >>> grid = unit_grid(area, zones=zones, county=planning.TAIQIAN)
    >>> grid[["code", "area_m2", "whole", "zone_id", "zone_share"]].to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'code': '410927000001', 'area_m2': 10000.0, 'whole': True, 'zone_id': 'Z1',
      'zone_share': 1.0},
     {'code': '410927000002', 'area_m2': 10000.0, 'whole': True, 'zone_id': 'Z2',
      'zone_share': 0.7},
     {'code': '410927000003', 'area_m2': 5000.0, 'whole': False, 'zone_id': 'Z2',
      'zone_share': 1.0}]
    """
    if isinstance(area, gpd.GeoSeries):
        area = gpd.GeoDataFrame(geometry=area)
    area_frame = require_frame(area, "area")
    check_crs({"area": area_frame})
    if not (isinstance(cell_m2, int | float) and math.isfinite(cell_m2) and cell_m2 > 0):
        msg = f"cell_m2 must be a positive area in square metres, got {cell_m2!r}."
        raise InputError(msg)
    code = _county_code(county, county_code)
    zone_frame = None
    if zones is not None:
        zone_frame = check_zones(zones, "zones", id_column=id_column)
        area_geom = area_geometry(area_frame, zone_frame)
    else:
        area_geom = area_geometry(area_frame, area_frame)
    side_m = math.sqrt(cell_m2)
    boxes, rows, cols = grid_boxes(area_geom, side_m)
    shapely.prepare(area_geom)
    hit = shapely.intersects(area_geom, boxes)
    boxes, rows, cols = boxes[hit], rows[hit], cols[hit]
    cells = polygonal(shapely.intersection(boxes, area_geom))
    keep = shapely.area(cells) > 0
    cells, rows, cols = cells[keep], rows[keep], cols[keep]
    if len(cells) > MAX_CELLS:
        msg = (f"The grid would have {len(cells)} cells (at most {MAX_CELLS}); pass a larger "
               "cell_m2.")
        raise InputError(msg)
    cell_area = shapely.area(cells)
    grid = geo_frame({
        "code": [f"{code}{i:06d}" for i in range(1, len(cells) + 1)],
        "row": rows, "col": cols, "area_m2": cell_area,
        "whole": np.isclose(cell_area, cell_m2, rtol=1e-9, atol=0.0),
    }, cells, area_frame.crs)
    for column in ("zone_id", "department", "township"):
        grid[column] = pd.Series(pd.NA, index=grid.index, dtype="string")
    grid["zone_share"] = 0.0
    if zone_frame is not None and len(cells):
        best = majority_zone(cells, zone_frame, id_column)
        found = best["zone"].notna().to_numpy()
        picked = best.loc[found, "zone"].astype(int).to_numpy()
        grid.loc[found, "zone_id"] = zone_frame[id_column].astype(str).to_numpy()[picked]
        for column in ("department", "township"):
            if column in zone_frame.columns:
                grid.loc[found, column] = zone_frame[column].astype("string").to_numpy()[picked]
        grid["zone_share"] = best["shared_m2"].to_numpy() / cell_area
    cols_order = ["code", "row", "col", "area_m2", "whole", "zone_id", "department", "township",
                  "zone_share", "geometry"]
    return grid[cols_order]
