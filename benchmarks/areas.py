"""Benchmark: planning.ellipsoidal_area on 1 million survey patches, against a per-polygon
pyproj Geod loop.

Data: a survey-like coverage of 100,000 Voronoi cells of about 43 vertices over a 21 x 21 km
square at Taiqian (planning.datasets.voronoi_coverage, EPSG:4548), tiled ten times side by
side (10 counties, 1,000,000 patches, about 43 million vertices), generated once into a
cache folder.

- ours: ``planning.ellipsoidal_area(patches)`` (inverse Gauss projection by pyproj, the
  trapezoid series per edge, the midpoint and curvature corrections; threads);
- baseline: what one would write with pyproj alone: ``patches.to_crs(4490)`` and a Python
  loop of ``pyproj.Geod(ellps="GRS80").geometry_area_perimeter(geometry)`` per polygon, on a
  random subsample (``--sample``), extrapolated to the whole layer (the loop's time grows
  linearly with the number of polygons).

Runs alternate ours / baseline; medians are printed with the ratio, and the two agree on the
subsample (the largest relative difference is printed).

    python benchmarks/areas.py                 # 3 runs, 1,000,000 patches (~2 min + data)
    python benchmarks/areas.py --runs 5 --sample 50000
    python benchmarks/areas.py --quick         # 100,000 patches: a smoke test
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

SIDE = 21_000.0


def patches(cache: Path, counties: int):  # type: ignore[no-untyped-def]
    """The survey layer of ``counties`` tiles (generated once into ``cache``)."""
    import geopandas as gpd
    import pandas as pd

    from planning.datasets import voronoi_coverage

    tile = cache / "survey-100k.parquet"
    if not tile.exists():
        cache.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        voronoi_coverage(100_000, vertices=40, seed=1).to_parquet(tile)
        print(f"tile generated in {time.perf_counter() - t0:.0f} s", flush=True)
    one = gpd.read_parquet(tile)
    parts = [one.translate(i * SIDE - 4 * SIDE, 0) for i in range(counties)]
    return gpd.GeoDataFrame(geometry=pd.concat(parts, ignore_index=True), crs=one.crs)


def ours(layer, workers):  # type: ignore[no-untyped-def]
    import planning

    t0, c0 = time.perf_counter(), time.process_time()
    area = planning.ellipsoidal_area(layer, workers=workers)
    return time.perf_counter() - t0, time.process_time() - c0, area


def baseline(layer):  # type: ignore[no-untyped-def]
    import numpy as np
    import pyproj

    geod = pyproj.Geod(ellps="GRS80")
    t0, c0 = time.perf_counter(), time.process_time()
    lonlat = layer.to_crs(4490)
    area = np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in lonlat.geometry])
    return time.perf_counter() - t0, time.process_time() - c0, area


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=20_000,
                        help="polygons the Geod loop measures (extrapolated to the layer)")
    parser.add_argument("--quick", action="store_true", help="100,000 patches")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "planning-bench-areas")
    args = parser.parse_args()
    import numpy as np

    layer = patches(args.cache, 1 if args.quick else 10)
    vertices = int(layer.count_coordinates().sum())
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(len(layer), size=min(args.sample, len(layer)), replace=False))
    sub = layer.iloc[pick]
    print(f"{len(layer):,} patches, {vertices:,} vertices; Geod loop on {len(sub):,} of them; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    times: dict[str, list[float]] = {"ours": [], "ours_cpu": [], "geod": [], "geod_cpu": []}
    worst = 0.0
    for i in range(args.runs):
        for name in (("ours", "geod") if i % 2 == 0 else ("geod", "ours")):
            if name == "ours":
                wall, cpu, area = ours(layer, args.workers)
                mine = area.to_numpy()[pick]
            else:
                wall, cpu, theirs = baseline(sub)
                wall, cpu = wall * len(layer) / len(sub), cpu * len(layer) / len(sub)
            times[name].append(wall)
            times[f"{name}_cpu"].append(cpu)
            print(f"run {i + 1} {name:4s} {wall:8.2f} s (CPU {cpu:7.2f} s)"
                  + (" extrapolated" if name == "geod" else ""), flush=True)
        worst = max(worst, float(np.max(np.abs(mine - theirs) / theirs)))
    t_ours, t_geod = statistics.median(times["ours"]), statistics.median(times["geod"])
    print(f"\nmedians of {args.runs} runs for {len(layer):,} patches:")
    print(f"  planning.ellipsoidal_area   {t_ours:8.2f} s  (CPU "
          f"{statistics.median(times['ours_cpu']):.2f} s)")
    print(f"  Geod loop (extrapolated)    {t_geod:8.2f} s  (CPU "
          f"{statistics.median(times['geod_cpu']):.2f} s)")
    print(f"  speed-up {t_geod / t_ours:.1f}x; largest relative difference on the subsample "
          f"{worst:.1e} (the loop takes edges as geodesics, ours as straight in the plane)")


if __name__ == "__main__":
    main()
