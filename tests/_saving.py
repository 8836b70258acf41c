"""Helpers of the saving tests: small versioned workspaces, a hostile one, and a driver that
kills a save (SIGKILL) at each of its steps.

``python -m tests._saving FOLDER TARGET MODE`` saves version 1 at FOLDER/TARGET, then for
k = 1, 2, ... forks a child that saves version 2 and kills itself just before the k-th step
(a folder created, a frame written, data flushed, a rename, a folder removed), until a save
completes. After each kill it records what the target holds (opening it, which restores what
the killed save moved aside), what was left beside it, and what the next save (version 1
again) leaves; one
JSON line per step on stdout. MODE ``two-steps`` makes folder swaps take the two-step path
(``exchange``: the one-step swap, where the system has it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

import planning
from planning.io import _atomic
from planning.workspace import Workspace, open_workspace

X0, Y0 = 397_000.0, 3_983_000.0  # near the county seat, EPSG:4548


def small(version: int) -> Workspace:
    """A workspace of two layers and a table whose content says which version it is."""
    zones = gpd.GeoDataFrame(
        {"zone_id": [f"v{version}-{i}" for i in range(3)], "n": [version] * 3},
        geometry=[shapely.box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 100 * version)
                  for i in range(3)], crs="EPSG:4548")
    roads = gpd.GeoDataFrame(
        {"road_id": [f"r{version}"], "width_m": [10.0 * version]},
        geometry=[shapely.LineString([(X0, Y0), (X0 + 50 * version, Y0 + 300)])],
        crs="EPSG:4548")
    notes = pd.DataFrame({"k": [version], "note": [f"version {version}"]})
    return Workspace({"zones": zones, "roads": roads}, {"notes": notes}, name=f"v{version}",
                     county=planning.TAIQIAN)


def version_of(path: Path, known: dict[int, Workspace] | None = None
               ) -> tuple[int, list[str]]:
    """The version a store holds (opened, so restored if need be), checked complete against
    ``small(version)`` (or ``known[version]``, built once)."""
    ws = open_workspace(path)
    version = int(ws.name[1:])
    expected = known[version] if known and version in known else small(version)
    diffs = expected.compare(ws, tolerance=1e-3)
    if diffs:
        msg = f"{path} holds an incomplete version {version}: {diffs}"
        raise AssertionError(msg)
    return version, list(ws.notes)


def beside(path: Path) -> list[str]:
    """Everything in the target's folder but the target."""
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


#: text that every store must give back as it was (NUL aside, removed with a note)
TEXTS = ["".join(chr(c) for c in range(1, 32)) + "\x7f\x80\x9f", "\u2028\u00a0\u3000 中文",
         "NA", "null", "None", "nan", "", "'quoted", "=1+2", "-2+3", "@SUM(1)", " lead",
         "trail ", "🙂 emoji", "a" * 5000, "2011-12-17", "0102", "410927100001"]
HOSTILE_NAMES = ["roads;2011", "layer with space", "t'; DELETE FROM x; --", "x]; DROP",
                 "道路" * 3, "a" * 200, "路" * 200, "2011roads", "select", "Roads", "roads",
                 "gpkg_contents", "%s", "a!b", "CON", "rtree_x_geom", "GDB_Items", "Ｒｏａｄｓ"]
HOSTILE_COLUMNS = ["name with space", "2011col", "select", "fid", "FID", "OBJECTID", "geom",
                   "Shape", "Shape_Area", "c;d", "c'e", "x]y", "列" * 70, "b" * 100, "Name",
                   "name", "a.b", "=cmd", "-x", "'q", "_planning_row", "geometry_1"]


def hostile() -> Workspace:
    """Layers and tables with every awkward name and text, and many dtypes."""
    ws = Workspace(county=planning.TAIQIAN)
    n = len(TEXTS)
    for i, name in enumerate(HOSTILE_NAMES):
        data: dict[str, Any] = {c: [f"{c[:3]}{i}-{r}" for r in range(n)]
                                for c in HOSTILE_COLUMNS}
        data["text"] = pd.Series(TEXTS, dtype=object)
        data["text_str"] = pd.Series(TEXTS, dtype="str")
        data["num"] = [0.1 + 0.2, 1 / 3, np.nan, 1e300, -0.0, np.inf, *range(n - 6)]
        data["int"] = np.arange(n, dtype="int64") * 10**15
        data["flag"] = [r % 2 == 0 for r in range(n)]
        data["when"] = pd.Series(pd.date_range("2011-12-17", periods=n, freq="37h"),
                                 dtype="datetime64[ms]").where(np.arange(n) != 1)
        data["count"] = pd.array([None if r == 2 else r for r in range(n)], dtype="Int64")
        data["kind"] = pd.Categorical(["甲", "乙"] * (n // 2) + ["甲"] * (n % 2))
        if i % 3 == 2:
            ws.add_table(name, pd.DataFrame(data))
            continue
        geometry = [shapely.box(X0 + 10 * r, Y0 + i, X0 + 10 * r + 5, Y0 + i + 5)
                    for r in range(n)]
        ws.add_layer(name, gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4548"))
    return ws


def dtypes(ws: Workspace) -> dict[str, dict[str, str]]:
    return {name: {str(c): str(t) for c, t in ws[name].dtypes.items()} for name in ws}


# --- the kill-at-each-step driver -------------------------------------------------------------


def _steps() -> list[tuple[Any, str]]:
    """The calls that are steps of a save: (owner, attribute)."""
    return [(os, "mkdir"), (os, "rename"), (os, "replace"), (_atomic, "_exchange"),
            (_atomic, "_sync_tree"), (_atomic, "_sync_dir"), (shutil, "rmtree"),
            (pyogrio, "write_dataframe"), (pd.DataFrame, "to_csv")]


def _kill_at(k: int) -> None:
    count = [0]

    def hooked(real: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            count[0] += 1
            if count[0] == k:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return step

    for owner, name in _steps():
        setattr(owner, name, hooked(getattr(owner, name)))


def main(folder: str, target: str, mode: str) -> int:
    path = Path(folder) / target
    if mode == "two-steps":
        _atomic._exchange = lambda *_: False  # type: ignore[assignment]
    known = {1: small(1), 2: small(2)}
    known[1].save(path)
    for k in range(1, 200):
        pid = os.fork()
        if pid == 0:  # the child: save version 2 over version 1, killed at step k
            _kill_at(k)
            known[2].save(path)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        left = beside(path)
        version, notes = version_of(path, known)
        known[1].save(path)  # the next save (and version 1 again for the next step)
        sys.stdout.write(json.dumps({"k": k, "killed": killed, "version": version,
                                     "notes": notes, "left": left, "after": beside(path)})
                         + "\n")
        sys.stdout.flush()
        if not killed:
            return 0 if version_of(path, known)[0] == 1 else 1
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
