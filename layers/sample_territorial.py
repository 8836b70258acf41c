"""The territorial spatial plan of the Taiqian sample (schematic), for ``build_sample.py``.

Drawn from the sample's own plans so that it agrees with them where a county's later plan
would (see layers/PROVENANCE.md):

- ``planning_zones`` (规划分区, GHFQDM codes): the ecological red line is 01 生态保护区, the
  rest of the Yellow River belt 02 生态控制区, the permanent basic farmland 03 农田保护区,
  the urban development boundary 04 城镇发展区 in its three kinds (0401 城镇集中建设区,
  0402 城镇弹性发展区, 0403 特别用途区), villages and township seats 0501 村庄建设区, forest
  blocks 0503 林业发展区, the rest 0502 一般农业区; with one designed gap and one designed
  overlap between zones.
- ``landsea_use`` (中心城区规划用地用海, 2023 guide codes): the urban plan's zoning of the
  county-seat planning area translated into the 2023 classes, revised where the territorial
  plan kept land out of building: the west-suburb village stays rural homesteads (0703), the
  new district east of the boundary stays cultivated land (0103).
- the urban development boundary of ``control_lines`` split into its three zone kinds
  (``boundary_zone``), the union unchanged (the two-plans check reads the same lines).

``build_sample.py`` calls :func:`add_territorial` with the frames it has built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import Point, Polygon, box
from shapely.geometry.base import BaseGeometry

SCHEMATIC_PLAN = ("schematic: territorial spatial master plan 2021-2035 of the sample "
                  "(国土空间总体规划), invented for the sample")
#: the zone kinds of the development boundary (rectangles inside it; the rest concentrated)
SPECIAL_USE = box(396700, 3980600, 399100, 3981700)      # reservoir, ponds, park (0403)
FLEXIBLE = box(399100, 3980600, 400500, 3982900)         # south-east of the new district (0402)
#: revisions of the land/sea use against the urban plan
KEPT_FARMLAND = box(400500, 3981700, 401500, 3984100)    # new district beyond the boundary
#: the designed defects of the planning zones (a gap and an overlap), away from every site
GAP_AT = Point(385000, 3982500)
OVERLAP_AT = Point(383500, 3976000)
#: GB 50137 class of the urban plan -> the 2023 guide class the land/sea use draws
LANDSEA = {"R2": "0701", "A1": "0801", "A33": "0804", "A51": "0806", "B1": "0901",
           "M1": "1001", "W1": "1101", "S1": "1207", "U11": "1301", "U21": "1302",
           "G1": "1401", "E2": "0103", "E12": "1703", "E13": "1704"}
ZONE_NAMES = {"01": "生态保护区", "02": "生态控制区", "03": "农田保护区", "0401": "城镇集中建设区",
              "0402": "城镇弹性发展区", "0403": "特别用途区", "0501": "村庄建设区",
              "0502": "一般农业区", "0503": "林业发展区"}
LANDSEA_NAMES = {"0701": "城镇住宅用地", "0703": "农村宅基地", "0801": "机关团体用地",
                 "0804": "教育用地", "0806": "医疗卫生用地", "0901": "商业用地",
                 "1001": "工业用地", "1101": "物流仓储用地", "1207": "城镇村道路用地",
                 "1301": "供水用地", "1302": "排水用地", "1401": "公园绿地",
                 "0103": "旱地", "1703": "水库水面", "1704": "坑塘水面"}

Faces = Callable[[BaseGeometry, list[BaseGeometry]], list[Polygon]]
Labeller = Callable[..., gpd.GeoDataFrame]


def split_boundary(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The control lines with the development boundary split into its zone kinds."""
    boundary = lines[lines["line_type"] == "urban_development_boundary"]
    others = lines[lines["line_type"] != "urban_development_boundary"].assign(
        boundary_zone=None)
    rows = []
    for row in boundary.itertuples(index=False):
        geom = row.geometry
        special = shapely.intersection(geom, SPECIAL_USE)
        flexible = shapely.intersection(geom, FLEXIBLE)
        concentrated = shapely.difference(geom, shapely.union(SPECIAL_USE, FLEXIBLE))
        for kind, name, part in (("concentrated", "城镇集中建设区", concentrated),
                                 ("flexible", "城镇弹性发展区", flexible),
                                 ("special", "特别用途区", special)):
            rows.append({**row._asdict(), "name_zh": f"{row.name_zh}（{name}）",
                         "boundary_zone": kind, "geometry": part})
    split = gpd.GeoDataFrame(rows, geometry="geometry", crs=lines.crs)
    out = pd.concat([others, split], ignore_index=True)
    out["line_id"] = [f"KZX{i + 1:04d}" for i in range(len(out))]
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=lines.crs)
    out["geometry"] = shapely.set_precision(out.geometry.values, 0.01)
    return out[["line_id", "line_type", "name_zh", "boundary_zone", "source", "geometry"]]


def _union(frame: gpd.GeoDataFrame, mask: pd.Series) -> BaseGeometry:
    return shapely.union_all(np.asarray(frame.geometry[mask].array))


def build_planning_zones(outline: Polygon, landuse: gpd.GeoDataFrame,
                         lines: gpd.GeoDataFrame, bank_belt: BaseGeometry, *,
                         faces: Faces, label_faces: Labeller, dissolve: Labeller
                         ) -> gpd.GeoDataFrame:
    """The planning zones: a coverage of the county, then the designed gap and overlap."""
    kind = lines["boundary_zone"].astype(object)
    rules: list[tuple[BaseGeometry, dict[str, object]]] = [
        (_union(landuse, landuse["class_code"] == "13"), {"zone_code": "0503"}),
        (bank_belt, {"zone_code": "02"}),
        (_union(lines, lines["line_type"] == "permanent_basic_farmland"), {"zone_code": "03"}),
        (_union(landuse, landuse["class_code"].isin(["211", "212"])), {"zone_code": "0501"}),
        (_union(lines, lines["line_type"] == "ecological_red_line"), {"zone_code": "01"}),
    ]
    rules += [(_union(lines, kind == k), {"zone_code": code})
              for k, code in (("concentrated", "0401"), ("flexible", "0402"),
                              ("special", "0403"))]
    labelled = label_faces(faces(outline, [shape for shape, _ in rules]), rules,
                           lambda _pt: {"zone_code": "0502"})
    zones = dissolve(labelled, ["zone_code"]).sort_values("zone_code", kind="stable")
    zones = _plant_zone_defects(_fill_gaps(zones.reset_index(drop=True), outline))
    zones.insert(0, "zone_id", [f"GHFQ{i + 1:04d}" for i in range(len(zones))])
    zones.insert(2, "zone_name", zones["zone_code"].map(ZONE_NAMES))
    zones["source"] = SCHEMATIC_PLAN + ": planning zones (规划分区)"
    return zones[["zone_id", "zone_code", "zone_name", "source", "geometry"]]


def _fill_gaps(zones: gpd.GeoDataFrame, outline: Polygon) -> gpd.GeoDataFrame:
    """Give the slivers the face-building leaves uncovered to their widest neighbour."""
    zones = zones.copy()
    covered = shapely.union_all(np.asarray(zones.geometry.array))
    for gap in shapely.get_parts(shapely.difference(outline, covered)):
        if gap.area <= 0:
            continue
        touch = shapely.area(shapely.intersection(np.asarray(zones.geometry.array),
                                                  gap.buffer(0.05)))
        best = zones.index[int(np.argmax(touch))]
        zones.loc[best, "geometry"] = shapely.union(zones.geometry.loc[best], gap)
    return zones


def _plant_zone_defects(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A 6,000 m² hole in one zone (a gap) and a zone reaching 30 m into its neighbour."""
    zones = zones.copy()
    hit = zones.geometry.contains(GAP_AT)
    hole = box(GAP_AT.x - 50, GAP_AT.y - 30, GAP_AT.x + 50, GAP_AT.y + 30)
    zones.loc[hit, "geometry"] = zones.geometry[hit].difference(hole)
    owner = int(np.flatnonzero(zones.geometry.contains(OVERLAP_AT))[0])
    geom = zones.geometry.iloc[owner]
    nearest = shapely.ops.nearest_points(geom.exterior, OVERLAP_AT)[0]
    reach = Point(nearest.x, nearest.y).buffer(30, quad_segs=2)
    zones.loc[zones.index[owner], "geometry"] = shapely.union(geom, reach)
    zones["geometry"] = shapely.set_precision(zones.geometry.values, 0.01)
    return zones


def build_landsea_use(area: BaseGeometry, urban: gpd.GeoDataFrame, village: Polygon, *,
                      faces: Faces, label_faces: Labeller, dissolve: Labeller
                      ) -> gpd.GeoDataFrame:
    """Land and sea use of the central urban area (the urban plan's planning area)."""
    tree = shapely.STRtree(np.asarray(urban.geometry.array))
    codes = urban["class_code"].to_numpy()

    def default(pt: Point) -> dict[str, object]:
        hits = tree.query(pt, predicate="within")
        return {"class_code": LANDSEA[str(codes[int(hits[0])])] if len(hits) else "0103"}

    rules: list[tuple[BaseGeometry, dict[str, object]]] = [
        (village, {"class_code": "0703"}),
        (KEPT_FARMLAND, {"class_code": "0103"}),
    ]
    cutters = [*np.asarray(urban.geometry.array), village, KEPT_FARMLAND]
    labelled = label_faces(faces(area, cutters), rules, default)
    use = dissolve(labelled, ["class_code"]).sort_values("class_code", kind="stable")
    use = use.reset_index(drop=True)
    use.insert(0, "patch_id", [f"YDYH{i + 1:04d}" for i in range(len(use))])
    use.insert(2, "class_name", use["class_code"].map(LANDSEA_NAMES))
    use["source"] = SCHEMATIC_PLAN + ": land and sea use of the central urban area (中心城区)"
    return use[["patch_id", "class_code", "class_name", "source", "geometry"]]


def add_territorial(frames: dict[str, Any], outline: Polygon, *, planning_area: BaseGeometry,
                    bank_belt: BaseGeometry, village: Polygon, faces: Faces,
                    label_faces: Labeller, dissolve: Labeller) -> dict[str, Any]:
    """The frames with the territorial plan added (the hook ``build_sample.build`` calls)."""
    lines = split_boundary(frames["control_lines"])
    tools = {"faces": faces, "label_faces": label_faces, "dissolve": dissolve}
    zones = build_planning_zones(outline, frames["landuse_plan"], lines, bank_belt, **tools)
    landsea = build_landsea_use(planning_area, frames["urban_plan"], village, **tools)
    out = dict(frames)
    out["control_lines"] = lines
    at = list(out).index("control_lines") + 1
    items = list(out.items())
    items[at:at] = [("planning_zones", zones), ("landsea_use", landsea)]
    return dict(items)
