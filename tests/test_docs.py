"""The documentation runs: the README's and docs/'s Python examples, and every public name.

Each ```python block of README.md and docs/*.md runs as written, in a fresh namespace, in a
scratch folder that holds the repository's ``layers/`` (the examples read its files) and an
empty ``maps/``. A block preceded by ``<!-- not run: reason -->`` is skipped (it needs a
server or a cluster the tests cannot give it); the reason must be given.

Every dotted name ``planning.x.y`` the README, docs and notebooks mention resolves, and every
name a public module lists in ``__all__`` exists.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from pathlib import Path

import pytest

import planning

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"(?P<skip><!-- not run: (?P<why>[^>]+?) -->\s*\n)?```python\n"
                    r"(?P<code>.*?)\n```", re.DOTALL)
_DOTTED = re.compile(r"\bplanning(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


def _blocks() -> list[tuple[str, str, str | None]]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start("code"))
            found.append((f"{path.name}:{line}", match.group("code"), match.group("why")))
    return found


BLOCKS = _blocks()


def test_the_docs_have_examples() -> None:
    names = {block_id.split(":")[0] for block_id, _, why in BLOCKS if why is None}
    assert "README.md" in names
    assert len([b for b in BLOCKS if b[2] is None]) >= 5


@pytest.mark.slow
@pytest.mark.parametrize(("block_id", "code", "why"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_example_runs(block_id: str, code: str, why: str | None, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    if why is not None:
        pytest.skip(f"{block_id}: {why.strip()}")
    (tmp_path / "layers").symlink_to(ROOT / "layers", target_is_directory=True)
    (tmp_path / "maps").mkdir()
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{block_id}"}
    exec(compile(code, block_id, "exec"), namespace)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "layers" not in p.parts]
    if "save" in code or "to_excel" in code or "save_map" in code:
        assert written, f"{block_id} says it writes files but none appeared"


def _mentioned() -> set[str]:
    texts = [p.read_text(encoding="utf-8") for p in DOCS]
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        texts += ["".join(cell["source"]) for cell in cells]
    names = set()
    for text in texts:
        for name in _DOTTED.findall(text):
            if not any(part.startswith("_") for part in name.split(".")[1:]):
                names.add(name)
    return names


def _resolve(dotted: str) -> object:
    """The object a dotted name stands for: a module, or an attribute chain below one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


MENTIONED = sorted(_mentioned())


def test_the_docs_mention_public_names() -> None:
    assert "planning.overlay.intersection" in MENTIONED
    assert len(MENTIONED) > 20


@pytest.mark.parametrize("dotted", MENTIONED)
def test_documented_name_resolves(dotted: str) -> None:
    if dotted.endswith((".py", ".md", ".ipynb")) or dotted in {"planning.toml"}:
        pytest.skip("a file name, not a Python name")
    assert _resolve(dotted) is not None


#: the public paths other tools rely on (docs/ARCHITECTURE.md, "Public API"), with the name
#: each must resolve to
DOCUMENTED = {
    "planning.load_sample": "planning.workspace.load_sample",
    "planning.open_workspace": "planning.workspace.open_workspace",
    "planning.Workspace": "planning.workspace.Workspace",
    "planning.read_layer": "planning.io.read_layer",
    "planning.write_layer": "planning.io.write_layer",
    "planning.check_conformity": "planning.conformity.check_conformity",
    "planning.discrepancies": "planning.conformity.discrepancies",
    "planning.check_projects": "planning.conformity.check_projects",
    "planning.ConformityReport": "planning.conformity.ConformityReport",
    "planning.Ledger": "planning.ledger.Ledger",
    "planning.Briefing": "planning.ledger.Briefing",
    "planning.meeting_map": "planning.webmap.meeting_map",
    "planning.save_map": "planning.webmap.save_map",
    "planning.meeting_pack": "planning.reports.meeting_pack",
    "planning.ledger.write_briefing": "planning.ledger.write_briefing",
    "planning.sanitation.check_coverage": "planning.sanitation.check_coverage",
    "planning.overlay.intersection": "planning.overlay.intersection",
    "planning.io.read_layer": "planning.io.read_layer",
    "planning.io.atomic_output": "planning.io.atomic_output",
    "planning.assessment.rank": "planning.assessment.rank",
    "planning.datasets.voronoi_coverage": "planning.datasets.voronoi_coverage",
}


@pytest.mark.parametrize(("public", "defined"), sorted(DOCUMENTED.items()))
def test_public_path_is_the_same_object(public: str, defined: str) -> None:
    assert _resolve(public) is _resolve(defined)


PUBLIC_MODULES = ["planning", "planning.io", "planning.overlay", "planning.conformity",
                  "planning.ledger", "planning.sanitation", "planning.reports",
                  "planning.webmap", "planning.assessment", "planning.classes",
                  "planning.crs", "planning.workspace", "planning.datasets"]


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_exported_name_exists(module: str) -> None:
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", None)
    if names is None:  # a module without __all__: its public functions and classes
        names = [n for n in vars(mod) if not n.startswith("_")]
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{module}.__all__ names what it does not have: {missing}"
    assert names


def test_importing_planning_stays_cheap() -> None:
    code = ("import sys, planning; heavy = {'geopandas', 'pandas', 'shapely', 'folium'} "
            "& set(sys.modules); print(sorted(heavy))")
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "[]"
    assert planning.__version__


def test_version_matches_pyproject() -> None:
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert planning.__version__ == meta["project"]["version"]
