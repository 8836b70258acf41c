"""The package works when installed normally (not editable), from outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_load_sample_from_an_installed_wheel(tmp_path: Path):
    # Build the wheel offline with the hatchling installed in this environment.
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(ROOT)], check=True, cwd=tmp_path)
    wheel = next(dist.glob("planning-*.whl"))
    # A fresh virtual environment; its dependencies (geopandas, ...) come from this one through
    # a .pth line, but the project itself only from the wheel.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                                "get_paths()['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True, cwd=tmp_path)
    script = (
        "import planning, shapely, json\n"
        "ws = planning.load_sample()\n"
        "towns, county = ws['townships'], ws['county']\n"
        "m = planning.meeting_map(ws, layers=['townships'])\n"
        "html = planning.save_map(m, 'map.html').read_text(encoding='utf-8')\n"
        "print(json.dumps({'file': planning.__file__, 'n': len(towns),\n"
        "  'ratio': towns.union_all().area / county.union_all().area,\n"
        "  'vendored': 'leaflet/leaflet.js (vendored)' in html,\n"
        "  'crs': sorted({str(g.crs) for g in ws.layers.values()})}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True,
                         check=True, cwd=tmp_path, env=env)
    import json

    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(site))  # the installed copy, not the checkout
    assert result["n"] == 9
    assert abs(result["ratio"] - 1) < 1e-3
    assert result["crs"] == ["EPSG:4548"]
    assert result["vendored"]  # the offline assets travel inside the wheel
