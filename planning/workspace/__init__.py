"""Workspaces: the named layers and tables of one county.

A :class:`Workspace` holds GeoDataFrames (``ws.layers``) in one metric CRS, plain tables
(``ws.tables``: departments, time nodes, inspections, ledger history) and the county they
belong to (``ws.county``, a :class:`planning.County`: code, names, working CRS, extent). It
opens from and saves to a GeoPackage (the default), a File Geodatabase (``.gdb``), a folder of
GeoJSON files, or PostGIS (``postgresql://...``, with the ``postgis`` extra); the county is
saved with it, in the metadata of every store.

- :mod:`planning.workspace._workspace` — the class, its parts (the ledger), validation;
- :mod:`planning.workspace._clean` — the names and text every store can hold;
- :mod:`planning.workspace._store` — the file stores, :mod:`planning.workspace._storage` —
  how each format stores names and dtypes (docs/saving.md), :mod:`planning.workspace._tables`
  — CSV tables of a folder; :mod:`planning.workspace._open` — :func:`open_workspace`;
  :mod:`planning.workspace._sample` — :func:`load_sample`.
"""

from __future__ import annotations

from planning.workspace._open import open_workspace
from planning.workspace._sample import load_sample, sample_path
from planning.workspace._storage import META_TABLE
from planning.workspace._workspace import (
    BUILTIN_PARTS,
    STANDARD_LAYERS,
    MissingLayerError,
    Part,
    Workspace,
    register_part,
    validate_workspace,
)

__all__ = [
    "BUILTIN_PARTS",
    "META_TABLE",
    "STANDARD_LAYERS",
    "MissingLayerError",
    "Part",
    "Workspace",
    "load_sample",
    "open_workspace",
    "register_part",
    "sample_path",
    "validate_workspace",
]
