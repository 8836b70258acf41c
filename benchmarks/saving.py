"""Saving a workspace: ``Workspace.save`` against plain pyogrio writes, in the same run.

    python benchmarks/saving.py                   # the sample and 20,000 polygons, 5 runs
    python benchmarks/saving.py --n 100000 --runs 3

For each format (GeoPackage, File Geodatabase, GeoJSON folder), interleaved runs of

- ours: ``ws.save(path)`` over an existing workspace (staging folder, name rules, text check,
  every file flushed with fsync, the swap, the metadata with the stored names and dtypes,
  the read-back check of names);
- pyogrio: ``pyogrio.write_dataframe`` of every frame into a fresh path (tables of a folder
  with ``DataFrame.to_csv``): no staging, no flush, no check, nothing kept of the names a
  format cannot hold.

and the same for opening: ``planning.open_workspace`` against ``pyogrio.read_dataframe`` of
every layer. Medians and the ratio ours / pyogrio. The machine is shared: figures are noisy,
the ratio is what to look at.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyogrio

import planning
from planning.datasets import voronoi_coverage

FORMATS = {"GeoPackage": "ws.gpkg", "File Geodatabase": "ws.gdb", "GeoJSON folder": "ws"}
#: 64-bit integers as integers, as ours writes them
ARCGIS = {"TARGET_ARCGIS_VERSION": "ARCGIS_PRO_3_2_OR_LATER"}


def workspace(n: int) -> planning.Workspace:
    ws = planning.load_sample()
    if n:
        cells = voronoi_coverage(n, bounds=(380_000.0, 3_960_000.0, 410_000.0, 3_990_000.0),
                                 vertices=40, seed=7)
        cells["class_code"] = np.array(["R", "A", "B", "M", "G", "E"])[cells["cell_id"] % 6]
        cells["name_zh"] = "图斑 " + cells["cell_id"].astype(str)
        ws.add_layer("cells", cells)
    return ws


def plain_save(ws: planning.Workspace, path: Path) -> None:
    driver = {".gpkg": "GPKG", ".gdb": "OpenFileGDB"}.get(path.suffix)
    if driver is None:
        path.mkdir()
        for name, frame in ws.layers.items():
            pyogrio.write_dataframe(frame, path / f"{name}.geojson", driver="GeoJSON")
        for name, table in ws.tables.items():
            table.to_csv(path / f"{name}.csv", index=False)
        return
    for name, frame in ws.layers.items():
        if driver == "GPKG":
            pyogrio.write_dataframe(frame, path, layer=name, driver=driver,
                                    geometry_type="Unknown")
            continue
        # a File Geodatabase layer holds one geometry family: mixed layers in parts
        families = frame.geom_type.str.replace("Multi", "")
        for family in families.unique():
            part = frame[(families == family).to_numpy()]
            pyogrio.write_dataframe(part, path, layer=f"{name}_{family}", driver=driver,
                                    promote_to_multi=True, **ARCGIS)
    for name, table in ws.tables.items():
        pyogrio.write_dataframe(table, path, layer=name, driver=driver,
                                **(ARCGIS if driver == "OpenFileGDB" else {}))


def plain_open(path: Path) -> None:
    if path.is_dir() and path.suffix != ".gdb":
        for p in path.glob("*.geojson"):
            pyogrio.read_dataframe(p)
        return
    for name, _ in pyogrio.list_layers(path):
        pyogrio.read_dataframe(path, layer=name)


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(ws: planning.Workspace, folder: Path, target: str, runs: int) -> list[float]:
    ours_path = folder / "ours" / target
    ours_path.parent.mkdir()
    ws.save(ours_path)  # saving over an existing workspace, as people do
    plain_path = folder / "plain" / target
    plain_path.parent.mkdir()
    saves: dict[str, list[float]] = {"ours": [], "plain": []}
    opens: dict[str, list[float]] = {"ours": [], "plain": []}
    for _ in range(runs):
        saves["ours"].append(timed(lambda: ws.save(ours_path)))
        shutil.rmtree(plain_path, ignore_errors=True)
        plain_path.unlink(missing_ok=True)
        saves["plain"].append(timed(lambda: plain_save(ws, plain_path)))
        opens["ours"].append(timed(lambda: planning.open_workspace(ours_path)))
        opens["plain"].append(timed(lambda: plain_open(plain_path)))
    return [statistics.median(saves["ours"]), statistics.median(saves["plain"]),
            statistics.median(opens["ours"]), statistics.median(opens["plain"])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="polygons of the large case")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'workspace':22s} {'format':17s} {'save ours':>9s} {'pyogrio':>8s} {'ratio':>6s}"
          f" {'open ours':>9s} {'pyogrio':>8s} {'ratio':>6s}")
    for label, n in (("sample", 0), (f"sample + {args.n:,} cells", args.n)):
        ws = workspace(n)
        for fmt, target in FORMATS.items():
            with tempfile.TemporaryDirectory() as tmp:
                save_ours, save_plain, open_ours, open_plain = measure(ws, Path(tmp), target,
                                                                       args.runs)
            print(f"{label:22s} {fmt:17s} {save_ours:8.3f}s {save_plain:7.3f}s "
                  f"{save_ours / save_plain:6.2f} {open_ours:8.3f}s {open_plain:7.3f}s "
                  f"{open_ours / open_plain:6.2f}")


if __name__ == "__main__":
    main()
