"""Benchmark: the quality inspection (质检) of a 200,000-patch land survey, against a
topology check written with geopandas (sjoin and overlay).

Data (generated once into a cache folder, a few minutes): a DLTB-like coverage of 200,000
Voronoi patches of about 43 vertices over a 30 x 30 km square at Taiqian (EPSG:4548), 300
village units dissolved from it (their edges follow the patches), every field of the DLTB
schema filled as a survey has it (classes, ownership, location codes, TBMJ adjusted to the
villages' control areas, field banks on dry land, CZCSXM on built land), the settlement land
of the built patches, and planted defects: 200 patches grown by 1 m (overlaps), 200 shrunk
by 1 m (gaps), 50 bow-ties (invalid), 100 unknown classes.

- ours: ``planning.survey.inspect_quality`` with every rule of the bundled table, and with
  the topology rules alone (T01 validity, T02 overlaps, T03 gaps, T04 multipart, T05 patches
  outside the villages);
- baseline: the same topology with geopandas: ``is_valid``; overlapping pairs by
  ``geopandas.sjoin(predicate="overlaps")`` and their intersections; gaps by
  ``geopandas.overlay(villages, patches, how="difference")``; patches outside the villages by
  ``geopandas.overlay(patches, villages, how="difference")``; multipart by ``count_geometries``.

Runs alternate; medians are printed with the ratio, and both must find the same overlapping
pairs, gap area and outside area.

    python benchmarks/quality.py              # 3 runs (~10 min + data)
    python benchmarks/quality.py --quick      # 20,000 patches
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

TOPOLOGY = ("T01", "T02", "T03", "T04", "T05")
CLASSES = [("0102", 0.55), ("0103", 0.18), ("0301", 0.05), ("0201", 0.03), ("0702", 0.07),
           ("0701", 0.03), ("1003", 0.02), ("1004", 0.02), ("1104", 0.02), ("1202", 0.02),
           ("05H1", 0.01)]


def make_data(cache: Path, n: int) -> dict[str, Any]:  # noqa: PLR0915 - one recipe
    """The layers (generated once into ``cache`` as GeoParquet)."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from planning import classes, survey
    from planning.datasets import dissolved_coverage, voronoi_coverage
    from planning.io import map_fields

    names = ("land_survey", "admin_units", "settlement_land")
    if all((cache / f"{k}-{n}.parquet").exists() for k in names):
        return {k: gpd.read_parquet(cache / f"{k}-{n}.parquet") for k in names}
    cache.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    side = 30_000.0 * (n / 200_000) ** 0.5
    bounds = (398_000 - side / 2, 3_983_000 - side / 2, 398_000 + side / 2,
              3_983_000 + side / 2)
    cells = voronoi_coverage(n, bounds=bounds, vertices=40, seed=7)
    units = dissolved_coverage(cells, max(10, n // 670), seed=8)
    tree = shapely.STRtree(np.asarray(units.geometry.array))
    p, u = tree.query(shapely.point_on_surface(np.asarray(cells.geometry.array)),
                      predicate="within")
    unit = np.zeros(len(cells), dtype=int)
    unit[p] = u
    codes = np.array([f"410927{100 + i // 30:03d}{200 + i % 30:03d}" for i in range(len(units))])
    rng = np.random.default_rng(9)
    dlbm = rng.choice([c for c, _ in CLASSES], size=n, p=[w for _, w in CLASSES])
    built = np.isin(dlbm, ["0702", "0701", "1004", "05H1"])
    table = classes.table("sandiao").set_index("code")["name_zh"]
    d = pd.DataFrame(dict.fromkeys(survey.schema("DLTB")["field"]), index=cells.index)
    d["BSM"] = 410927100000000001 + np.arange(n, dtype=np.int64)
    d["YSDM"] = "2001010100"
    d["TBBH"] = pd.Series(np.arange(n)).groupby(unit).cumcount().add(1).astype(str).to_numpy()
    d["DLBM"], d["DLMC"] = dlbm, table.loc[dlbm].to_numpy()
    d["QSXZ"], d["ZLDWDM"] = "30", np.char.add(codes[unit], "0000000")
    d["QSDWDM"], d["QSDWMC"] = d["ZLDWDM"], "村民委员会"
    d["ZLDWMC"] = "村"
    dry = dlbm == "0103"
    d["KCDLBM"] = np.where(dry, "1203", None)
    d["KCXS"] = np.where(dry, 0.01, np.nan)
    d["GDPDJB"] = np.where(np.char.startswith(dlbm.astype(str), "01"), "1", None)
    d["CZCSXM"] = np.where(built, "203", None)
    d["SJNF"] = 2019
    for field in ("TBMJ", "KCMJ", "TBDLMJ", "XZDWKD", "GDDB"):
        d[field] = np.nan
    dltb = gpd.GeoDataFrame(d, geometry=cells.geometry.array, crs=cells.crs)
    admin = gpd.GeoDataFrame(dict.fromkeys(survey.schema("XZQ")["field"]), index=units.index,
                             geometry=units.geometry.array, crs=units.crs)
    admin["BSM"] = 410927200000000001 + np.arange(len(units), dtype=np.int64)
    admin["YSDM"], admin["XZQDM"], admin["XZQMC"] = "1000600100", codes, "村"
    import planning

    area = planning.ellipsoidal_area(admin).round(2).to_numpy()
    admin["KZMJ"], admin["JSMJ"] = area, area
    dltb = survey.adjust_to_control(dltb, admin).land_survey.drop(columns="TBMJ_before")
    places = dltb[built].dissolve(by="ZLDWDM").reset_index()
    settle = gpd.GeoDataFrame(dict.fromkeys(survey.schema("CZCDYD")["field"]),
                              index=places.index, geometry=places.geometry.array,
                              crs=dltb.crs)
    settle["BSM"] = 410927300000000001 + np.arange(len(places), dtype=np.int64)
    settle["YSDM"], settle["CZCLX"], settle["CZCDM"] = "2099010100", "203", places["ZLDWDM"]
    settle["CZCMC"], settle["CZCMJ"] = "村庄", planning.ellipsoidal_area(places).round(2)
    # the planted defects
    geoms = np.asarray(dltb.geometry.array).copy()
    pick = rng.choice(n, size=550, replace=False)
    grow, shrink, twist, wrong = pick[:200], pick[200:400], pick[400:450], pick[450:]
    geoms[grow] = shapely.buffer(geoms[grow], 1.0)
    geoms[shrink] = shapely.buffer(geoms[shrink], -1.0)
    for i in twist:
        x0, y0, x1, y1 = geoms[i].bounds
        geoms[i] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    dltb = dltb.set_geometry(gpd.GeoSeries(geoms, crs=dltb.crs, index=dltb.index))
    dltb.loc[dltb.index[wrong], "DLBM"] = "0199"
    layers = {"land_survey": map_fields(dltb, survey.field_map("DLTB"))[0],
              "admin_units": admin, "settlement_land": settle}
    for k, v in layers.items():
        v.to_parquet(cache / f"{k}-{n}.parquet")
    print(f"data generated in {time.perf_counter() - t0:.0f} s", flush=True)
    return layers


def ours(layers: dict[str, Any], rules: Any = None) -> tuple[float, float, Any]:
    from planning import survey

    t0, c0 = time.perf_counter(), time.process_time()
    report = survey.inspect_quality(layers, rules=rules)
    return time.perf_counter() - t0, time.process_time() - c0, report


def baseline(layers: dict[str, Any]) -> tuple[float, float, dict[str, float]]:
    import geopandas as gpd

    dltb, units = layers["land_survey"], layers["admin_units"]
    t0, c0 = time.perf_counter(), time.process_time()
    valid = dltb.is_valid
    invalid = int((~valid).sum())
    good = dltb.loc[valid, ["BSM", "geometry"]].reset_index(drop=True)
    pairs = gpd.sjoin(good, good, predicate="overlaps")
    pairs = pairs[pairs.index < pairs["index_right"]]
    pieces = good.geometry.iloc[pairs.index].intersection(
        good.geometry.iloc[pairs["index_right"]], align=False)
    overlap = pieces.area.to_numpy()
    gaps = gpd.overlay(units[["XZQDM", "geometry"]], good, how="difference",
                       keep_geom_type=True).explode(index_parts=False)
    outside = gpd.overlay(good, units[["XZQDM", "geometry"]], how="difference",
                          keep_geom_type=True)
    multipart = int((dltb.geometry.count_geometries() > 1).sum())
    found = {"invalid": invalid, "overlap_pairs": int((overlap > 1e-4).sum()),
             "gap_m2": float(gaps.area[gaps.area >= 1e-4].sum()),
             "outside_m2": float(outside.area[outside.area >= 1e-4].sum()),
             "multipart": multipart}
    return time.perf_counter() - t0, time.process_time() - c0, found


def _ours_found(report: Any) -> dict[str, float]:
    f = report.findings
    return {"invalid": int((f["rule_id"] == "T01").sum()),
            "overlap_pairs": int((f["rule_id"] == "T02").sum()),
            "gap_m2": float(f.loc[f["rule_id"] == "T03"].geometry.area.sum()),
            "outside_m2": float(f.loc[f["rule_id"] == "T05"].geometry.area.sum()),
            "multipart": int((f["rule_id"] == "T04").sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20,000 patches")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "planning-bench-quality")
    args = parser.parse_args()
    from planning import survey

    n = 20_000 if args.quick else 200_000
    layers = make_data(args.cache, n)
    table = survey.rules_table()
    topology = table[table["rule_id"].isin(TOPOLOGY)]
    print(f"{len(layers['land_survey']):,} patches "
          f"({int(layers['land_survey'].count_coordinates().sum()):,} vertices), "
          f"{len(layers['admin_units'])} villages; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    times: dict[str, list[float]] = {}
    results: dict[str, dict[str, float]] = {}
    for i in range(args.runs):
        order = ("all", "topology", "geopandas") if i % 2 == 0 else ("geopandas", "topology",
                                                                     "all")
        for name in order:
            if name == "geopandas":
                wall, cpu, found = baseline(layers)
            else:
                wall, cpu, report = ours(layers, None if name == "all" else topology)
                found = _ours_found(report)
                if name == "all":
                    print(f"  {len(report.findings):,} findings by "
                          f"{int((report.rules['status'] == 'failed').sum())} rules")
            results[name] = found
            times.setdefault(name, []).append(wall)
            times.setdefault(f"{name}_cpu", []).append(cpu)
            print(f"run {i + 1} {name:9s} {wall:8.2f} s (CPU {cpu:7.2f} s)", flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\nmedians of {args.runs} runs, {n:,} patches:")
    print(f"  inspect_quality, all {len(table)} rules   {med['all']:8.2f} s "
          f"(CPU {med['all_cpu']:.2f} s)")
    print(f"  inspect_quality, topology T01-T05 {med['topology']:8.2f} s "
          f"(CPU {med['topology_cpu']:.2f} s)")
    print(f"  geopandas sjoin/overlay topology  {med['geopandas']:8.2f} s "
          f"(CPU {med['geopandas_cpu']:.2f} s)")
    print(f"  topology speed-up {med['geopandas'] / med['topology']:.1f}x")
    a, b = results["topology"], results["geopandas"]
    same = (a["invalid"] == b["invalid"] and a["overlap_pairs"] == b["overlap_pairs"]
            and a["multipart"] == b["multipart"]
            and abs(a["gap_m2"] - b["gap_m2"]) <= 1e-6 * max(b["gap_m2"], 1)
            and abs(a["outside_m2"] - b["outside_m2"]) <= 1e-6 * max(b["outside_m2"], 1))
    print(f"  found: ours {a}\n         geopandas {b}\n  {'the same' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
