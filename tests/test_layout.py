"""The package's layout: the layering contract holds, and it fails when it is broken.

The contracts live in pyproject.toml ([tool.importlinter]); ``lint-imports`` in the test
command checks them on the package as it is. Here they are also run on copies of the package
with one bad import added, to show that each kind of breach is caught.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "planning"
#: the size above which a module should be split by what it does (STYLE.md)
MAX_MODULE_LINES = 800


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter with the project's contracts on the package under ``root``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]
    (root / ".importlinter").write_text(_ini(contracts), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
         " sys.exit(lint_imports_command())", str(root / ".importlinter"),
         "--no-cache"],
        cwd=root, capture_output=True, text=True, check=False,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def _ini(contracts: dict[str, object]) -> str:
    """The [tool.importlinter] table of pyproject.toml as an .importlinter INI file."""
    lines = ["[importlinter]", f"root_package = {contracts['root_package']}", ""]
    for i, contract in enumerate(contracts["contracts"]):  # type: ignore[attr-defined]
        lines.append(f"[importlinter:contract:{i}]")
        for key, value in contract.items():
            if isinstance(value, list):
                lines.append(f"{key} =")
                lines += [f"    {item}" for item in value]
            else:
                lines.append(f"{key} = {value}")
        lines.append("")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package (sources only) to break on purpose."""
    root = tmp_path_factory.mktemp("layout")
    shutil.copytree(PACKAGE, root / "planning",
                    ignore=shutil.ignore_patterns("__pycache__", "vendor", "data", "static"))
    return root


def _with_line(root: Path, module: str, line: str) -> Path:
    """A fresh copy of ``root`` where ``module`` (a file under planning/) gets ``line``."""
    copy = root.parent / f"{root.name}-{abs(hash((module, line)))}"
    shutil.copytree(root, copy)
    path = copy / "planning" / module
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("from __future__ import annotations\n")
    path.write_text(head + sep + line + "\n" + rest, encoding="utf-8")
    return copy


def test_the_package_keeps_its_contracts(package_copy: Path) -> None:
    result = _lint(package_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "reported"), [
    # an upward import: the workspace (below the ledger) imports the ledger
    ("workspace/_open.py", "import planning.ledger",
     "planning.workspace is not allowed to import planning.ledger"),
    # an upward import for type checking only is still an upward import
    ("io/_read.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
     "    import planning.workspace", "planning.io is not allowed to import planning.workspace"),
    # siblings: conformity and sanitation never import each other
    ("sanitation/_grid.py", "import planning.conformity",
     "planning.sanitation is not allowed to import planning.conformity"),
    # a cycle inside a subpackage
    ("ledger/_vocab.py", "import planning.ledger._tables", "No cycles are allowed in "
     "planning.ledger"),
    # another subpackage's private module
    ("sanitation/_grid.py", "import planning.overlay._local",
     "planning.sanitation._grid -> planning.overlay._local"),
])
def test_a_breach_breaks_the_contract(package_copy: Path, module: str, line: str,
                                      reported: str) -> None:
    result = _lint(_with_line(package_copy, module, line))
    assert result.returncode != 0
    assert reported in result.stdout, result.stdout


def test_modules_stay_small() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    big = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not big, f"modules over {MAX_MODULE_LINES} lines (split them by purpose): {big}"
    assert len(sizes) > 40  # the walk found the package
