"""Scale benchmark: the local overlay engine against the Dask engine, 100k to 1M patches.

A synthetic region of counties side by side (each about 21 x 21 km in EPSG:4548), each with a
survey-like coverage of ``--patches`` patches (about 40 vertices each) and a zoning coverage
of a tenth as many cells. The overlay of survey and zoning (``planning.overlay.intersection``)
is timed for regions of 1, 2, 5 and 10 counties with

- ``local``: the local engine, layers in memory (threads);
- ``dask``: the same call with ``engine=planning.overlay.DaskEngine(client=client,
  local_below=0)`` on a ``LocalCluster`` of 2 worker processes (one thread each), layers in
  memory (Hilbert partitions, scattered to the workers);
- ``dask-parquet``: the same cluster reading the layers from GeoParquet, one file per county
  (the files' bounding boxes are the spatial partitions; reading is inside the time).

Every measurement runs in a fresh process. Peak memory is the peak resident set of that
process plus, for Dask, the peaks of the two worker processes (an upper bound of what was
resident at once). The pieces of every run are checked against the local engine's: the same
(patch, zone) pairs in the same order, areas equal to 1e-9 relative.

Usage::

    python benchmarks/scale.py                  # 1, 2, 5, 10 counties of 100k patches
    python benchmarks/scale.py --quick          # 1 and 2 counties of 20k patches (smoke run)
    python benchmarks/scale.py --counties 1 10 --repeat 3 --engines local dask

The synthetic counties are generated once and kept in ``--cache`` (default: a folder in the
system's temporary directory); generating 10 counties of 100k patches takes several minutes.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

#: Width of one county square, metres (Taiqian's sample square).
COUNTY_M = 21_000.0
#: Counties per row of the region.
ROW = 5
#: Origin of the region in EPSG:4548 (Taiqian's county seat square).
ORIGIN = (389_000.0, 3_973_000.0)


def county_bounds(k: int) -> tuple[float, float, float, float]:
    x0 = ORIGIN[0] + (k % ROW) * COUNTY_M
    y0 = ORIGIN[1] + (k // ROW) * COUNTY_M
    return (x0, y0, x0 + COUNTY_M, y0 + COUNTY_M)


def county_files(cache: Path, patches: int, k: int) -> tuple[Path, Path]:
    """Build (once) and return the survey and zoning GeoParquet files of county ``k``."""
    from planning.datasets import voronoi_coverage

    folder = cache / f"p{patches}"
    survey = folder / "survey" / f"county{k:02d}.parquet"
    zones = folder / "zones" / f"county{k:02d}.parquet"
    if not survey.exists() or not zones.exists():
        for path in (survey, zones):
            path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        cells = voronoi_coverage(patches, bounds=county_bounds(k), seed=1000 + k)
        cells = cells.assign(patch=cells.pop("cell_id") + k * patches, county=k)
        cells[["patch", "county", "geometry"]].to_parquet(survey.with_suffix(".tmp"))
        plan = voronoi_coverage(max(1, patches // 10), bounds=county_bounds(k), seed=2000 + k)
        ids = plan.pop("cell_id").to_numpy()
        plan = plan.assign(zone=ids + k * patches, class_code=np.where(ids % 3 == 0, "211", "111"))
        plan[["zone", "class_code", "geometry"]].to_parquet(zones.with_suffix(".tmp"))
        survey.with_suffix(".tmp").rename(survey)
        zones.with_suffix(".tmp").rename(zones)
        print(f"  built county {k} ({patches} patches) in "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    return survey, zones


def read_region(cache: Path, patches: int, counties: int) -> tuple[object, object]:
    import geopandas as gpd
    import pandas as pd

    files = [county_files(cache, patches, k) for k in range(counties)]
    survey = gpd.GeoDataFrame(pd.concat([gpd.read_parquet(s) for s, _ in files],
                                        ignore_index=True), crs="EPSG:4548")
    zones = gpd.GeoDataFrame(pd.concat([gpd.read_parquet(z) for _, z in files],
                                       ignore_index=True), crs="EPSG:4548")
    return survey, zones


def worker_peak_kib() -> int:
    """Peak resident set of the calling process, KiB (runs on the workers too)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def child(engine: str, counties: int, patches: int, cache: Path, out: Path) -> None:
    """One measurement in this (fresh) process: print a JSON line, save the pieces' keys."""
    from planning import overlay

    client = cluster = None
    if engine.startswith("dask"):
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        client = Client(cluster)
    if engine == "dask-parquet":
        files = [county_files(cache, patches, k) for k in range(counties)]
        left, right = [str(s) for s, _ in files], [str(z) for _, z in files]
    else:
        left, right = read_region(cache, patches, counties)
    started = time.perf_counter()
    if engine == "local":
        pieces = overlay.intersection(left, right, engine=overlay.LocalEngine())
    else:  # every overlay on the cluster, however small (--patches may be small)
        dask = overlay.DaskEngine(client=client, local_below=0)
        pieces = overlay.intersection(left, right, engine=dask)
    seconds = time.perf_counter() - started
    peak = worker_peak_kib()
    workers = 0
    if client is not None and cluster is not None:
        workers = sum(client.run(worker_peak_kib).values())
        client.close()
        cluster.close()
    areas = pieces.area.to_numpy()
    np.savez(out, patch=pieces["patch"].to_numpy(), zone=pieces["zone"].to_numpy(),
             area=areas)
    print(json.dumps({"engine": engine, "counties": counties, "patches": counties * patches,
                      "pieces": len(pieces), "seconds": seconds,
                      "peak_gib": (peak + workers) / 2**20, "area_km2": areas.sum() / 1e6}))


def run_one(engine: str, counties: int, args: argparse.Namespace, out: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", engine, str(counties),
               "--patches", str(args.patches), "--cache", str(args.cache), "--out", str(out)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def same_pieces(a: Path, b: Path) -> str:
    x, y = np.load(a), np.load(b)
    if len(x["patch"]) != len(y["patch"]):
        return f"DIFFERENT ({len(x['patch'])} against {len(y['patch'])} pieces)"
    if not (np.array_equal(x["patch"], y["patch"]) and np.array_equal(x["zone"], y["zone"])):
        return "DIFFERENT pairs"
    worst = float(np.max(np.abs(x["area"] - y["area"]) / np.maximum(y["area"], 1e-12),
                         initial=0.0))
    return "equal" if worst <= 1e-9 else f"DIFFERENT areas (worst {worst:.1e})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patches", type=int, default=100_000, help="patches per county")
    parser.add_argument("--counties", type=int, nargs="+", default=[1, 2, 5, 10])
    parser.add_argument("--engines", nargs="+", default=["local", "dask", "dask-parquet"])
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per engine and size (interleaved); sizes of 5 counties and "
                        "more run once unless --repeat-large is given")
    parser.add_argument("--repeat-large", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1 and 2 counties of 20k patches")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "planning-scale-cache")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "COUNTIES"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.patches, args.cache, args.out)
        return
    if args.quick:
        args.patches, args.counties = 20_000, [1, 2]
    print(f"building / checking {max(args.counties)} counties of {args.patches} patches "
          f"in {args.cache}", file=sys.stderr)
    for k in range(max(args.counties)):
        county_files(args.cache, args.patches, k)
    rows: dict[tuple[str, int], list[dict[str, float]]] = {}
    checks: dict[tuple[str, int], str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for counties in args.counties:
            repeat = args.repeat if counties < 5 else args.repeat_large
            for r in range(repeat):
                for engine in args.engines:
                    out = Path(tmp) / f"{engine}-{counties}.npz"
                    result = run_one(engine, counties, args, out)
                    rows.setdefault((engine, counties), []).append(result)
                    print(f"  {engine:>12} {counties:>2} counties run {r + 1}: "
                          f"{result['seconds']:7.1f} s, {result['peak_gib']:5.2f} GiB",
                          file=sys.stderr)
            reference = Path(tmp) / f"local-{counties}.npz"
            for engine in args.engines:
                if engine != "local" and reference.exists():
                    checks[(engine, counties)] = same_pieces(Path(tmp) / f"{engine}-{counties}.npz",
                                                             reference)
    report(rows, checks, args)


def report(rows: dict[tuple[str, int], list[dict[str, float]]],
           checks: dict[tuple[str, int], str], args: argparse.Namespace) -> None:
    print(f"\nOverlay of survey x zoning, {args.patches} patches and {args.patches // 10} "
          "zones per county; medians of the runs")
    print(f"{'engine':>12} {'counties':>8} {'patches':>9} {'pieces':>9} {'runs':>4} "
          f"{'median s':>9} {'peak GiB':>8} {'vs local':>8} {'growth':>7}  result")
    first: dict[str, float] = {}
    for (engine, counties), results in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        median = statistics.median(r["seconds"] for r in results)
        peak = max(r["peak_gib"] for r in results)
        local = rows.get(("local", counties))
        ratio = median / statistics.median(r["seconds"] for r in local) if local else float("nan")
        first.setdefault(engine, median / counties)
        growth = median / (first[engine] * counties)
        check = "reference" if engine == "local" else checks.get((engine, counties), "?")
        print(f"{engine:>12} {counties:>8} {int(results[0]['patches']):>9} "
              f"{int(results[0]['pieces']):>9} {len(results):>4} {median:>9.1f} {peak:>8.2f} "
              f"{ratio:>8.2f} {growth:>7.2f}  {check}")
    print("\nvs local: median time / local engine's median at the same size. growth: time per "
          "county relative to the smallest size run (1.00 = linear).")


if __name__ == "__main__":
    main()
