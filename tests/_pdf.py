"""Reading PDFs back in tests with Debian's poppler-utils (pdfinfo, pdffonts, pdftotext,
pdftoppm): page sizes, embedded fonts, text, and pages rendered to pixels.

Outside CI a test that needs them is skipped when poppler-utils is missing; in CI
(``CI=true``) it fails (``scripts/test.sh`` installs ``poppler-utils``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from conftest import need_tool

#: millimetres per PDF point
MM_PER_PT = 25.4 / 72


def need_poppler() -> None:
    """Skip (outside CI) or fail (in CI) when poppler-utils is missing."""
    need_tool(all(shutil.which(t) for t in ("pdfinfo", "pdffonts", "pdftotext", "pdftoppm")),
              "Debian poppler-utils (pdfinfo, pdffonts, pdftotext, pdftoppm)")


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120).stdout


def page_sizes_mm(path: Path) -> list[tuple[float, float]]:
    """(width, height) of every page in millimetres, rounded to 0.1 mm."""
    out = _run("pdfinfo", "-f", "1", "-l", "9999", str(path))
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)
    return [(round(float(w) * MM_PER_PT, 1), round(float(h) * MM_PER_PT, 1)) for w, h in sizes]


@dataclass(frozen=True)
class PdfFont:
    name: str
    type: str
    embedded: bool


def fonts(path: Path) -> list[PdfFont]:
    """The fonts pdffonts lists (name, type, embedded)."""
    lines = _run("pdffonts", str(path)).splitlines()[2:]
    out = []
    for line in lines:
        parts = line.split()
        # name, type (1 or 2 words), encoding, emb, sub, uni, object, id
        emb = parts[-5]
        out.append(PdfFont(parts[0], " ".join(parts[1:-6]), emb == "yes"))
    return out


def text(path: Path, *, page: int | None = None) -> str:
    """The text of the PDF (or of one page), in reading order."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return _run("pdftotext", "-layout", *pages, str(path), "-")


def render(path: Path, *, page: int = 1, dpi: int = 50) -> np.ndarray:
    """One page as an RGB array (height, width, 3) of uint8."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        stem = Path(tmp) / "page"
        _run("pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile",
             str(path), str(stem))
        with Image.open(stem.with_suffix(".png")) as picture:
            return np.asarray(picture.convert("RGB")).copy()
