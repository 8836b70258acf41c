"""The schematic third-survey layers of the Taiqian sample (called by ``build_sample.py``).

- ``admin_units`` (XZQ, village level): every township of the sample split into villages
  (Voronoi cells around random seeds inside it); codes are the township's 9 digits and a
  3-digit number (201, 202, ...), names are made up ("侯庙一村"), the control area KZMJ and
  the computed area JSMJ are the village's ellipsoidal area.
- ``land_survey`` (DLTB): the county cut by a field pattern (Voronoi cells of about 18 ha),
  the villages, the land-use plan's patches and, inside the county seat's built-up area, the
  urban plan's zones; each patch gets the present-state class that agrees with the plans
  where they overlap (villages of the land-use plan are homesteads, its highway a highway,
  the reservoir a reservoir; in the built-up area the zoned class as built; elsewhere
  farmland, orchards and forest as the land-use plan has them, the Yellow River and its
  flats along the bank). Patches smaller than 600 m² are merged into a neighbour of the same
  village. TBMJ are the ellipsoidal areas adjusted to the villages' control areas (they add
  up to KZMJ to the cent); KCMJ / TBDLMJ follow from a field-bank factor on dry land.
- ``settlement_land`` (CZCDYD): the county seat and the township seats (202) and the villages
  of the land-use plan (203), each the union of its patches (every patch inside carries the
  settlement's CZCSXM).

Everything here is SCHEMATIC (``source`` says so): invented for teaching and testing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

import planning
from planning import classes
from planning.io import map_fields
from planning.survey import adjust_to_control, field_map, schema

SOURCE = "schematic: 三调 layer invented for the sample, not surveyed"
SJNF = 2019
#: cells of the field pattern (about 18 ha each over the county's 442 km²)
FIELD_CELLS = 2400
NUMERALS = "一二三四五六七八九十"
#: present-state class of a GB 50137 zone inside the built-up area (as built)
BUILT = {"R": "0701", "A1": "08H1", "A3": "08H2", "A5": "08H2", "B": "05H1", "M": "0601",
         "W": "0508", "S": "1004", "U": "0809", "G": "0810", "E12": "1103", "E13": "1104",
         "E": "0102", "H14": "0702"}
Faces = Callable[[BaseGeometry, Iterable[BaseGeometry]], list[shapely.Polygon]]


def _numeral(i: int) -> str:
    if i <= 10:
        return NUMERALS[i - 1]
    tens, ones = divmod(i, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")


def _villages(townships: gpd.GeoDataFrame, faces: Faces, rng: np.random.Generator
              ) -> gpd.GeoDataFrame:
    """Each township split into villages of about 6 km² (codes 201, 202, ...)."""
    rows = []
    for town in townships.itertuples():
        poly = town.geometry
        n = max(3, round(poly.area / 6e6))
        seeds = _seeds(poly, rng, n)
        cells = shapely.get_parts(shapely.voronoi_polygons(
            shapely.MultiPoint(seeds), extend_to=poly.buffer(2000)))
        pieces = faces(poly, cells)
        owner = [int(np.argmin([f.representative_point().distance(s) for s in seeds]))
                 for f in pieces]
        short = str(town.name_zh)[:-1]
        order = np.argsort([(-s.y, s.x) for s in seeds], axis=0)[:, 0]
        for rank, i in enumerate(order, start=1):
            parts = [f for f, o in zip(pieces, owner, strict=True) if o == i]
            rows.append({"XZQDM": f"{town.code}{200 + rank:03d}",
                         "XZQMC": f"{short}{_numeral(rank)}村",
                         "geometry": shapely.union_all(parts)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=townships.crs)


def _seeds(poly: BaseGeometry, rng: np.random.Generator, n: int) -> list[Point]:
    """``n`` random points inside ``poly`` (rejection sampling in its bounds)."""
    minx, miny, maxx, maxy = poly.bounds
    pts: list[Point] = []
    while len(pts) < n:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if poly.contains(p):
            pts.append(p)
    return pts


def _field_cells(outline: BaseGeometry, rng: np.random.Generator, n: int) -> list[BaseGeometry]:
    pts = _seeds(outline, rng, n)
    return list(shapely.get_parts(shapely.voronoi_polygons(
        shapely.MultiPoint(pts), extend_to=outline.buffer(5000))))


def _at(points: np.ndarray, layer: gpd.GeoDataFrame, column: str) -> np.ndarray:
    """The value of ``column`` of the polygon of ``layer`` holding each point (None)."""
    tree = shapely.STRtree(np.asarray(layer.geometry.array))
    p, z = tree.query(points, predicate="within")
    out = np.full(len(points), None, dtype=object)
    out[p] = layer[column].to_numpy(dtype=object)[z]
    return out


def _merge_small(geoms: list[BaseGeometry], village: np.ndarray, min_m2: float
                 ) -> tuple[list[BaseGeometry], np.ndarray]:
    """Merge faces smaller than ``min_m2`` into the neighbour of the same village with which
    they share the longest edge (repeatedly), so the sample has no slivers."""
    geoms, village = list(geoms), np.asarray(village, dtype=object)
    for _ in range(6):
        arr = np.array(geoms, dtype=object)
        area = shapely.area(arr)
        small = np.flatnonzero(area < min_m2)
        if not len(small):
            break
        tree = shapely.STRtree(arr)
        target = {}
        for i in small:
            near = [j for j in tree.query(arr[i], predicate="touches")
                    if village[j] == village[i] and j != i and j not in target]
            shared = [shapely.length(shapely.intersection(arr[i].boundary, arr[j].boundary))
                      for j in near]
            if shared and max(shared) > 0:  # an edge, not a corner: the union is one polygon
                target[i] = near[int(np.argmax(shared))]
        if not target:
            break
        absorb: dict[int, list[int]] = {}
        for i, first in target.items():
            j = first
            while j in target:  # a chain of small faces ends in a face that stays
                j = target[j]
            absorb.setdefault(j, []).append(i)
        for j, members in absorb.items():
            arr[j] = shapely.coverage_union_all(np.array([arr[j], *arr[members]], dtype=object))
        keep = np.setdiff1d(np.arange(len(arr)), list(target))
        geoms, village = list(arr[keep]), village[keep]
    return geoms, village


def _single_parts(geoms: np.ndarray) -> np.ndarray:
    """Give the crumbs that snapping to the 0.01 m grid cut off a patch (narrow necks) to
    the neighbour sharing the longest edge with them: every patch stays one polygon and the
    coverage stays exact."""
    geoms = np.asarray(geoms, dtype=object).copy()
    for i in np.flatnonzero(shapely.get_num_geometries(geoms) > 1):
        parts = sorted(shapely.get_parts(geoms[i]), key=lambda g: -g.area)
        geoms[i] = parts[0]
        tree = shapely.STRtree(geoms)
        for crumb in parts[1:]:
            near = [j for j in tree.query(crumb, predicate="touches") if j != i]
            shared = [shapely.length(shapely.intersection(crumb.boundary, geoms[j].boundary))
                      for j in near]
            j = near[int(np.argmax(shared))] if near else i
            geoms[j] = shapely.coverage_union_all(np.array([geoms[j], crumb], dtype=object))
    return geoms


def _classes(info: pd.DataFrame) -> pd.DataFrame:
    """DLBM and CZCSXM of every patch from where it lies."""
    draw = info["draw"].to_numpy()
    land = info["land"].fillna("11").astype(str).to_numpy()
    dlbm = np.full(len(info), "0102", dtype=object)
    dlbm[draw > 0.75] = "0103"
    dlbm[(draw > 0.72) & (draw <= 0.75)] = "1202"
    dlbm[(draw > 0.70) & (draw <= 0.72)] = "1104"
    dlbm[land == "12"] = "0201"
    dlbm[land == "13"] = np.where(draw[land == "13"] > 0.7, "0307", "0301")
    dlbm[land == "222"] = "1003"
    dlbm[land == "226"] = "1103"
    dlbm[land == "231"] = "09"
    river = land == "311"
    dlbm[river] = np.where(info["bank_m"].to_numpy()[river] < 200, "1101", "1106")
    town = info["town"].to_numpy(dtype=bool)
    village = info["village_site"].to_numpy(dtype=bool)
    seat = info["seat"].to_numpy(dtype=bool)
    dlbm[village] = np.where(draw[village] > 0.9, "1004", "0702")
    seat_classes = np.select([draw < 0.55, draw < 0.65, draw < 0.75, draw < 0.85],
                             ["0701", "05H1", "08H2", "0601"], "1004")
    dlbm[seat] = seat_classes[seat]
    urban = info["urban"].fillna("").astype(str).to_numpy()
    for i in np.flatnonzero(town):
        code = urban[i]
        key = next((k for k in sorted(BUILT, key=len, reverse=True) if code.startswith(k)),
                   "E")
        dlbm[i] = BUILT[key]
    czcsxm = np.full(len(info), None, dtype=object)
    czcsxm[village] = "203"
    czcsxm[seat | info["town_area"].to_numpy(dtype=bool)] = "202"
    czcsxm[dlbm == "09"] = "205"
    return pd.DataFrame({"DLBM": dlbm, "CZCSXM": czcsxm})


def _patches(frames: dict[str, pd.DataFrame], villages: gpd.GeoDataFrame, faces: Faces,
             rng: np.random.Generator) -> gpd.GeoDataFrame:
    outline = frames["county"].geometry.iloc[0]
    landuse, urban = frames["landuse_plan"], frames["urban_plan"]
    builtup = shapely.union_all(np.asarray(frames["builtup_area"].geometry.array))
    zones = urban[urban.intersects(builtup)].copy()
    zones["geometry"] = zones.geometry.intersection(builtup)
    fields = _field_cells(outline, rng, FIELD_CELLS)
    cutters = [*fields, *villages.geometry, *landuse.geometry, *zones.geometry, builtup]
    pieces = faces(outline, cutters)
    points = shapely.point_on_surface(np.array(pieces, dtype=object))
    village = _at(points, villages, "XZQDM")
    lost = np.flatnonzero(pd.isna(village))  # slivers between the townships' edges
    if len(lost):
        near = shapely.STRtree(np.asarray(villages.geometry.array)).query_nearest(points[lost])
        village[lost[near[0]]] = villages["XZQDM"].to_numpy(dtype=object)[near[1]]
    pieces, village = _merge_small(pieces, village, 600.0)
    points = shapely.point_on_surface(np.array(pieces, dtype=object))
    cells = gpd.GeoDataFrame({"cell": np.arange(len(fields))}, crs=villages.crs,
                             geometry=fields)
    draws = rng.uniform(size=len(cells))
    cell = _at(points, cells, "cell")
    seats = landuse[(landuse["class_code"] == "211")
                    & ~landuse.intersects(shapely.box(*urban.total_bounds))]
    info = pd.DataFrame({
        "draw": [draws[c] if c is not None else 0.0 for c in cell],
        "land": _at(points, landuse, "class_code"),
        "urban": _at(points, zones, "class_code"),
        # built in the built-up area where the land-use plan has construction land
        "town": shapely.within(points, builtup) & pd.Series(
            _at(points, landuse, "class_code")).astype(str).str.startswith("2").to_numpy(),
        "town_area": shapely.within(points, builtup),
        "seat": shapely.within(points, shapely.union_all(np.asarray(seats.geometry.array))),
        "village_site": _at(points, landuse, "class_code") == "212",
        "bank_m": shapely.distance(points, outline.boundary),  # the river strip is on it
    })
    info = pd.concat([info, _classes(info)], axis=1)
    return gpd.GeoDataFrame(info.assign(XZQDM=village), geometry=list(pieces),
                            crs=villages.crs)


def _dltb(patches: gpd.GeoDataFrame, villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The DLTB attributes of every patch (every field of the schema, in order)."""
    names = classes.table("sandiao").set_index("code")["name_zh"]
    vname = villages.set_index("XZQDM")["XZQMC"]
    dlbm = patches["DLBM"].astype(str)
    state = dlbm.isin(["1003", "1101", "1106", "1103", "09"]) | patches["CZCSXM"].eq("202")
    farmland = dlbm.str.startswith("01")
    order = np.lexsort((patches.geometry.centroid.x, -patches.geometry.centroid.y,
                        patches["XZQDM"].astype(str)))
    patches = patches.iloc[order].reset_index(drop=True)
    dlbm, state, farmland = (dlbm.iloc[order].reset_index(drop=True),
                             state.iloc[order].reset_index(drop=True),
                             farmland.iloc[order].reset_index(drop=True))
    code19 = patches["XZQDM"].astype(str) + "0000000"
    out = pd.DataFrame(dict.fromkeys(schema("DLTB")["field"]), index=patches.index)
    out["BSM"] = 410927100000000001 + np.arange(len(patches), dtype=np.int64)
    out["YSDM"] = "2001010100"
    out["TBBH"] = (patches.groupby("XZQDM").cumcount() + 1).astype(str)
    out["DLBM"] = dlbm
    out["DLMC"] = dlbm.map(names)
    out["QSXZ"] = np.where(state, "20", "30")
    out["QSDWDM"] = np.where(state, "4109270000000000000", code19)
    out["QSDWMC"] = np.where(state, "台前县", patches["XZQDM"].map(vname))
    out["ZLDWDM"] = code19
    out["ZLDWMC"] = patches["XZQDM"].map(vname)
    out["KCDLBM"] = np.where(farmland & dlbm.eq("0103"), "1203", None)
    out["KCXS"] = np.where(farmland & dlbm.eq("0103"), 0.01, np.nan)
    out["GDLX"] = None
    out["GDPDJB"] = np.where(farmland, "1", None)
    out["CZCSXM"] = patches["CZCSXM"]
    out["SJNF"] = SJNF
    out["source"] = SOURCE
    for field in ("TBMJ", "KCMJ", "TBDLMJ", "XZDWKD", "GDDB"):
        out[field] = np.nan
    return gpd.GeoDataFrame(out, geometry=list(patches.geometry), crs=patches.crs)


def _settlements(dltb: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """CZCDYD: the union of the patches of each town (202) and village (203, 205)."""
    sub = dltb[dltb["CZCSXM"].notna()].copy()
    town = sub["CZCSXM"].eq("202")
    sub["CZCDM"] = np.where(town, sub["ZLDWDM"].str[:9] + "0" * 10, sub["ZLDWDM"])
    rows = []
    for (code, kind), group in sub.groupby(["CZCDM", "CZCSXM"], sort=True):
        geom = shapely.coverage_union_all(np.asarray(group.geometry.array))
        name = (str(group["ZLDWMC"].iloc[0]) if kind != "202"
                else f"{code[:9]}镇区")
        rows.append({"CZCLX": kind, "CZCDM": code, "CZCMC": name,
                     "CZCMJ": round(float(group["TBMJ"].sum()), 2), "geometry": geom})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=dltb.crs)
    out = pd.DataFrame(dict.fromkeys(schema("CZCDYD")["field"]), index=frame.index)
    out["BSM"] = 410927300000000001 + np.arange(len(frame), dtype=np.int64)
    out["YSDM"] = "2099010100"
    for column in ("CZCLX", "CZCDM", "CZCMC", "CZCMJ"):
        out[column] = frame[column]
    out["source"] = SOURCE
    return gpd.GeoDataFrame(out, geometry=frame.geometry.array, crs=dltb.crs)


def build(frames: dict[str, pd.DataFrame], faces: Faces) -> dict[str, gpd.GeoDataFrame]:
    """The three survey layers, from the other layers of the sample."""
    rng = np.random.default_rng(410927_2019)
    townships = frames["townships"]
    villages = _villages(townships, faces, rng)
    patches = _patches(frames, villages, faces, rng)
    patches["geometry"] = _single_parts(shapely.set_precision(patches.geometry.values, 0.01))
    patches = patches[~patches.geometry.is_empty].reset_index(drop=True)
    # the villages are the unions of their patches, so that both layers share every vertex
    units = patches.groupby("XZQDM")["geometry"].agg(
        lambda g: shapely.coverage_union_all(np.asarray(g.array)))
    villages = villages.drop(columns="geometry").merge(
        units.rename("geometry").reset_index(), on="XZQDM")
    villages = gpd.GeoDataFrame(villages, geometry="geometry", crs=townships.crs)
    area = planning.ellipsoidal_area(villages).round(2)
    admin = pd.DataFrame(dict.fromkeys(schema("XZQ")["field"]), index=villages.index)
    admin["BSM"] = 410927200000000001 + np.arange(len(villages), dtype=np.int64)
    admin["YSDM"] = "1000600100"
    admin["XZQDM"], admin["XZQMC"] = villages["XZQDM"], villages["XZQMC"]
    admin["KZMJ"], admin["JSMJ"] = area.to_numpy(), area.to_numpy()
    admin["source"] = SOURCE
    admin_units = gpd.GeoDataFrame(admin, geometry=villages.geometry.array, crs=townships.crs)
    dltb = _dltb(patches, villages)
    dltb = adjust_to_control(dltb, admin_units).land_survey.drop(columns="TBMJ_before")
    layers = {"land_survey": ("DLTB", dltb), "admin_units": ("XZQ", admin_units),
              "settlement_land": ("CZCDYD", _settlements(dltb))}
    # with the toolkit-named copies of the standard fields, as planning.read_layer adds them
    return {name: map_fields(frame, field_map(layer))[0]
            for name, (layer, frame) in layers.items()}
