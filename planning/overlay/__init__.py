"""The coverage overlay engine: the pieces of two polygon layers, fast.

- :func:`intersection` — the same pieces as ``geopandas.overlay(how="intersection",
  keep_geom_type=True)``, built for coverages (survey patches, plan zones, townships), on the
  engine asked for;
- :class:`LocalEngine`, :class:`DaskEngine`, :func:`get_engine` — where overlays run: this
  process's threads, or a Dask cluster (:mod:`planning.overlay.engines`; every analysis takes
  ``engine="local"``, ``engine="dask"`` or an engine object);
- :func:`pieces_of` / :func:`remainders` — the same on geometry arrays, for analyses that
  attach their own attributes;
- :func:`overlaps` / :func:`require_coverage` — polygons of one layer that overlap (a plan
  layer must be a coverage).

The method is described in :mod:`planning.overlay._local`.
"""

from __future__ import annotations

from planning.overlay._coverage import NOISE_M2, overlap_problems, overlaps, require_coverage
from planning.overlay._local import (
    CHUNK_PAIRS,
    Geoms,
    Index,
    Pieces,
    default_workers,
    pieces_of,
    polygons_ok,
    remainders,
    validate_pair,
)
from planning.overlay.engines import (
    ENGINES,
    DaskEngine,
    Engine,
    LocalEngine,
    get_engine,
    intersection,
)

__all__ = [
    "CHUNK_PAIRS",
    "ENGINES",
    "NOISE_M2",
    "DaskEngine",
    "Engine",
    "Geoms",
    "Index",
    "LocalEngine",
    "Pieces",
    "default_workers",
    "get_engine",
    "intersection",
    "overlap_problems",
    "overlaps",
    "pieces_of",
    "polygons_ok",
    "remainders",
    "require_coverage",
    "validate_pair",
]
