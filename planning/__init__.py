"""planning: a county planning toolkit (GIS layers, three plans in one, ledgers, maps).

The public API is re-exported here and imported lazily, so ``import planning`` stays cheap.

Examples
--------
>>> import planning
>>> ws = planning.load_sample()
>>> ws["townships"]["name_zh"].iloc[0], len(ws["projects"])
('城关镇', 27)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from planning._version import __version__

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "Problem": "planning._errors",
    "InputError": "planning._errors",
    "CRSError": "planning._errors",
    "GeometryError": "planning._errors",
    "UnknownCodeError": "planning._errors",
    "SheetError": "planning._errors",
    "WorkspaceError": "planning._errors",
    "LayerFileError": "planning._errors",
    # counties, io and workspaces
    "County": "planning.county",
    "TAIQIAN": "planning.county",
    "read_layer": "planning.io",
    "write_layer": "planning.io",
    "Workspace": "planning.workspace",
    "open_workspace": "planning.workspace",
    "load_sample": "planning.workspace",
    # three plans in one
    "discrepancies": "planning.conformity",
    "check_projects": "planning.conformity",
    "check_conformity": "planning.conformity",
    "ConformityReport": "planning.conformity",
    "check_territorial": "planning.conformity",
    # ledger
    "Ledger": "planning.ledger",
    "Briefing": "planning.ledger",
    # maps and what a bureau hands in
    "meeting_map": "planning.webmap",
    "save_map": "planning.webmap",
    "meeting_pack": "planning.reports",
    "print_map": "planning.reports",
    "print_atlas": "planning.reports",
    "review_report": "planning.reports",
}

#: submodules reachable as attributes (planning.overlay.intersection, ...)
_SUBMODULES = {
    "settings", "county", "crs", "datum", "io", "workspace", "classes", "overlay", "conformity",
    "ledger", "sanitation", "assessment", "webmap", "reports", "datasets",
}

__all__ = sorted(_EXPORTS) + sorted(_SUBMODULES)  # noqa: PLE0605 - built from the maps above


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"planning.{name}")
        globals()[name] = module
        return module
    msg = f"module 'planning' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from planning import (
        assessment,
        classes,
        conformity,
        county,
        crs,
        datasets,
        datum,
        io,
        ledger,
        overlay,
        reports,
        sanitation,
        settings,
        webmap,
        workspace,
    )
    from planning._errors import (
        CRSError,
        GeometryError,
        InputError,
        LayerFileError,
        Problem,
        SheetError,
        UnknownCodeError,
        WorkspaceError,
    )
    from planning.conformity import (
        ConformityReport,
        check_conformity,
        check_projects,
        check_territorial,
        discrepancies,
    )
    from planning.county import TAIQIAN, County
    from planning.io import read_layer, write_layer
    from planning.ledger import Briefing, Ledger
    from planning.reports import meeting_pack, print_atlas, print_map, review_report
    from planning.webmap import meeting_map, save_map
    from planning.workspace import Workspace, load_sample, open_workspace
