"""Meeting-map layers at scale: planning.webmap against folium's GeoJson, in the same run.

    python benchmarks/webmap.py                 # 100,000 polygons of about 40 vertices
    python benchmarks/webmap.py --n 20000 --runs 5

One polygon coverage (``planning.datasets.voronoi_coverage``: Voronoi cells over Taiqian,
edges densified and bent, about 40 vertices per cell, EPSG:4548) with a class per cell is
written as one HTML map by each contender:

- ours: ``planning.webmap.add_layer(m, cells, by="cls", tooltip=..., popup=...)`` on a
  ``planning.webmap.MeetingMap`` (no basemap), then ``save_map(m, offline=True)`` (one
  self-contained file);
- folium: ``folium.GeoJson(cells.to_crs(4326), style_function=<by class>, tooltip=
  GeoJsonTooltip([...]))`` then ``m.save()`` (Leaflet is inlined afterwards so that the
  file can render with the network blocked; folium's other CDN links are left to fail).

Measured, as medians of ``--runs`` interleaved runs (ours, folium, ours, folium, ...):
generation time (GeoDataFrame in EPSG:4548 to the file on disk), file size, and time to
first render in headless Chromium offline (navigation start to two animation frames after
the load event, i.e. after the map script ran and the first frame with the features was
painted). A folium render that takes longer than ``--timeout`` seconds is reported as such.
The machine is shared: figures are noisy, the ratio is what to look at.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import folium
import numpy as np

from planning.datasets import voronoi_coverage
from planning.webmap import MeetingMap, add_layer, save_map
from planning.webmap._offline import _css, _js

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
RENDERED = ("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
            "() => r(performance.now()))))")


def cells(n: int) -> Any:
    frame = voronoi_coverage(n, bounds=(380_000.0, 3_960_000.0, 410_000.0, 3_990_000.0),
                             vertices=40, seed=7)
    frame["cls"] = np.array(["R", "A", "B", "M", "G", "E"])[frame["cell_id"] % 6]
    frame["name"] = "图斑 " + frame["cell_id"].astype(str)
    return frame


def ours(frame: Any, path: Path) -> None:
    m = MeetingMap(location=[35.99, 115.85], zoom_start=11)
    add_layer(m, frame, name="图斑 patches", by="cls", tooltip="name",
              popup={"cell_id": "编号", "cls": "类别"})
    save_map(m, path, offline=True)


def theirs(frame: Any, path: Path) -> None:
    m = folium.Map(location=[35.99, 115.85], zoom_start=11, tiles=None)
    colour = dict(zip("RABMGE", COLOURS, strict=True))
    folium.GeoJson(
        frame.to_crs(4326),
        style_function=lambda f: {"fillColor": colour[f["properties"]["cls"]],
                                  "color": "#333333", "weight": 1, "fillOpacity": 0.5},
        tooltip=folium.GeoJsonTooltip(["name"]),
    ).add_to(m)
    m.save(str(path))


def inline_leaflet(path: Path) -> None:
    """Let folium's file render offline: Leaflet inlined, other CDN links left to fail."""
    html = path.read_text(encoding="utf-8")
    html = re.sub(r'<script src="[^"]*leaflet@[^"]*/leaflet\.js"></script>',
                  lambda _: f"<script>{_js('leaflet/leaflet.js')}</script>", html)
    html = re.sub(r'<link rel="stylesheet" href="[^"]*leaflet@[^"]*/leaflet\.css"\s*/?>',
                  lambda _: f"<style>{_css('leaflet/leaflet.css', [])}</style>", html)
    path.write_text(html, encoding="utf-8")


def render_ms(browser: Any, path: Path, timeout_s: float) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("file:", "data:")) else route.abort())
    page = context.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=timeout_s * 1000)
        return float(page.evaluate(RENDERED))
    except Exception as err:  # noqa: BLE001 - a timeout of the baseline is a result
        print(f"  render of {path.name} failed or timed out: {type(err).__name__}")
        return float("inf")
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="polygons (default 100000)")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs (default 3)")
    parser.add_argument("--timeout", type=float, default=300, help="render timeout, s")
    parser.add_argument("--no-browser", action="store_true", help="skip render timing")
    args = parser.parse_args(argv)
    t = time.perf_counter()
    frame = cells(args.n)
    vertices = frame.geometry.count_coordinates().sum() / len(frame)
    print(f"{len(frame)} polygons, {vertices:.1f} vertices each on average "
          f"(built in {time.perf_counter() - t:.1f} s)")
    results: dict[str, dict[str, list[float]]] = {
        name: {"gen_s": [], "mb": [], "render_s": []} for name in ("ours", "folium")}
    out = Path(tempfile.mkdtemp(prefix="webmap-bench-"))
    browser = playwright = None
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        for run in range(args.runs):
            for name, build in (("ours", ours), ("folium", theirs)):
                path = out / f"{name}-{run}.html"
                t = time.perf_counter()
                build(frame, path)
                results[name]["gen_s"].append(time.perf_counter() - t)
                if name == "folium":
                    inline_leaflet(path)
                results[name]["mb"].append(path.stat().st_size / 1e6)
                if browser is not None:
                    results[name]["render_s"].append(
                        render_ms(browser, path, args.timeout) / 1000)
                print(f"run {run + 1} {name:6s}: " + ", ".join(
                    f"{k} {v[-1]:.2f}" for k, v in results[name].items() if v), flush=True)
                path.unlink()
    finally:
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()
    print(f"\nmedians of {args.runs} interleaved runs, {len(frame)} polygons "
          "(shared machine: noisy)")
    print(f"{'':14s}{'ours':>10s}{'folium':>10s}{'folium/ours':>13s}")
    for key, label in (("gen_s", "generation s"), ("mb", "HTML MB"),
                       ("render_s", "render s")):
        if not results["ours"][key]:
            continue
        a = statistics.median(results["ours"][key])
        b = statistics.median(results["folium"][key])
        print(f"{label:14s}{a:10.2f}{b:10.2f}{b / a:12.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
