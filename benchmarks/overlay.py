"""Benchmark: planning.overlay.intersection against geopandas.overlay, county-scale coverages.

Layers (EPSG:4548, a 21 x 21 km square around Taiqian's county seat, made by
planning.datasets):

- survey: 100,000 Voronoi cells of about 40 vertices (a land-survey-like layer);
- zoning_independent: 10,000 cells drawn independently of the survey (worst case: almost
  every zone edge cuts survey cells);
- zoning_aligned: 10,000 zones dissolved from the survey cells (how plan zones are usually
  drawn: on survey boundaries, so edges coincide);
- townships: 20 cells of about 800 vertices.

Each measurement runs in a fresh subprocess (the same data loaded from GeoParquet), so peak
memory is the child's peak resident set size during the overlay (VmHWM, reset after
loading), and runs are interleaved (ours, geopandas, ours, ...). Wall time and CPU time
(all threads) are both reported: on a shared machine the wall times are noisy, and the CPU
times show the work done. Quote the figures with that caveat.

    python benchmarks/overlay.py                    # 3 interleaved runs of each scenario
    python benchmarks/overlay.py --runs 5 --scenarios townships
    python benchmarks/overlay.py --quick            # 10x smaller layers, a smoke test
    python benchmarks/overlay.py --workers 1        # the local engine on one thread
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIOS = {
    "independent": ("survey", "zoning_independent"),
    "aligned": ("survey", "zoning_aligned"),
    "townships": ("survey", "townships"),
}
ENGINES = ("planning", "geopandas")


def make_data(cache: Path, scale: float) -> None:
    """Write the layers to ``cache`` as GeoParquet, unless they are already there."""
    from planning.datasets import dissolved_coverage, voronoi_coverage

    stamp = cache / f"done-{scale}"
    if stamp.exists():
        return
    cache.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    survey = voronoi_coverage(int(100_000 * scale), vertices=40, seed=1)
    survey["DLBM"] = (survey["cell_id"] % 13).astype(str)
    independent = voronoi_coverage(int(10_000 * scale), vertices=40, seed=2)
    independent["class_code"] = (independent["cell_id"] % 7).astype(str)
    aligned = dissolved_coverage(survey, int(10_000 * scale), seed=3)
    aligned["class_code"] = (aligned["zone_id"] % 7).astype(str)
    towns = voronoi_coverage(20, vertices=800, seed=4)
    towns["name"] = "T" + towns["cell_id"].astype(str)
    for name, layer in [("survey", survey), ("zoning_independent", independent),
                        ("zoning_aligned", aligned), ("townships", towns)]:
        layer.to_parquet(cache / f"{name}.parquet")
    stamp.write_text("ok")
    print(f"data generated in {time.perf_counter() - t0:.0f} s: {len(survey)} survey cells, "
          f"{len(independent)} / {len(aligned)} zones, {len(towns)} townships", flush=True)


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(engine: str, scenario: str, cache: Path, workers: int | None) -> None:
    """One measurement: load, reset the peak-RSS mark, overlay, report (JSON on stdout)."""
    import geopandas as gpd

    from planning import overlay

    local = overlay.LocalEngine(workers=workers)

    left_name, right_name = SCENARIOS[scenario]
    left = gpd.read_parquet(cache / f"{left_name}.parquet")
    right = gpd.read_parquet(cache / f"{right_name}.parquet")
    base = _rss_kib("VmRSS")
    try:  # reset VmHWM so that it measures the overlay only (Linux >= 4.0)
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    t0, c0 = time.perf_counter(), time.process_time()
    if engine == "planning":
        out = overlay.intersection(left, right, engine=local)
    else:
        out = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _rss_kib("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"engine": engine, "scenario": scenario, "seconds": seconds, "cpu": cpu,
                      "pieces": len(out), "area": float(out.area.sum()),
                      "base_mib": base / 1024, "peak_mib": peak / 1024}))


def measure(engine: str, scenario: str, cache: Path, workers: int | None) -> dict[str, float]:
    threads = ["--workers", str(workers)] if workers else []
    result = subprocess.run(
        [sys.executable, __file__, "--child", engine, scenario, "--cache", str(cache), *threads],
        capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--quick", action="store_true", help="layers 10x smaller")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=None,
                        help="threads of planning's local engine (default: the usable CPUs)")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "SCENARIO"))
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    cache = args.cache or Path(tempfile.gettempdir()) / f"planning-bench-overlay-{scale}"
    if args.child:
        child(args.child[0], args.child[1], cache, args.workers)
        return
    make_data(cache, scale)
    scenarios = args.scenarios.split(",")
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    for i in range(args.runs):
        for scenario in scenarios:
            order = ENGINES if i % 2 == 0 else ENGINES[::-1]
            for engine in order:
                r = measure(engine, scenario, cache, args.workers)
                runs.setdefault((scenario, engine), []).append(r)
                print(f"run {i + 1} {scenario:12s} {engine:10s} {r['seconds']:7.2f} s "
                      f"(CPU {r['cpu']:6.2f} s) peak {r['peak_mib']:7.0f} MiB "
                      f"({r['pieces']} pieces)", flush=True)
    print(f"\nmedians of {args.runs} interleaved runs, {os.cpu_count()} CPUs "
          f"(scale {scale}; peak = resident memory during the overlay, data loaded)")
    print(f"{'scenario':12s} {'planning s':>10s} {'geopandas s':>11s} {'speed-up':>8s} "
          f"{'CPU s ours/gpd':>15s} {'planning MiB':>12s} {'geopandas MiB':>13s} {'memory':>7s}"
          "  pieces")
    for scenario in scenarios:
        ours, theirs = runs[(scenario, "planning")], runs[(scenario, "geopandas")]
        t_ours = statistics.median(r["seconds"] for r in ours)
        t_theirs = statistics.median(r["seconds"] for r in theirs)
        c_ours = statistics.median(r["cpu"] for r in ours)
        c_theirs = statistics.median(r["cpu"] for r in theirs)
        m_ours = statistics.median(r["peak_mib"] for r in ours)
        m_theirs = statistics.median(r["peak_mib"] for r in theirs)
        same = ours[0]["pieces"] == theirs[0]["pieces"] and abs(
            ours[0]["area"] - theirs[0]["area"]) < 1e-6 * theirs[0]["area"]
        print(f"{scenario:12s} {t_ours:10.2f} {t_theirs:11.2f} {t_theirs / t_ours:7.1f}x "
              f"{c_ours:7.1f}/{c_theirs:<7.1f} {m_ours:12.0f} {m_theirs:13.0f} "
              f"{m_ours / m_theirs:6.2f}x  "
              f"{ours[0]['pieces']} {'(same as geopandas)' if same else '(DIFFERENT)'}")


if __name__ == "__main__":
    main()
