"""The report of a read: what :func:`planning.read_layer` found and did (private to io)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from planning._errors import Problem

log = logging.getLogger("planning.io._read")


@dataclass
class LayerReport:
    """What :func:`read_layer` found and did. Attached as ``gdf.attrs["planning_report"]``.

    Attributes
    ----------
    source : str
        File (and layer) read, as the user gave it (a zip member in brackets).
    encoding : str or None
        Text encoding used for a Shapefile's .dbf, and ``encoding_reason`` why.
    crs_in, crs_out : str
        CRS of the file (after any correction) and of the result, and ``crs_reason`` why
        the result is in that CRS (given by ``to_crs``, the county's, or derived from the data).
    fields : dict
        Standard field name -> toolkit column added (originals are kept).
    repaired : list of int
        Rows whose invalid geometry was made valid (or lost empty rings).
    problems : list of Problem
        Everything reported: repairs, empty geometries, duplicate ids, corrections.
    """

    source: str
    encoding: str | None = None
    encoding_reason: str = ""
    crs_in: str = ""
    crs_out: str = ""
    crs_reason: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    repaired: list[int] = field(default_factory=list)
    empty: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def note(self, message: str, *, level: int = logging.WARNING, **where: Any) -> None:
        """Record a finding (and log it: repairs and defects as warnings)."""
        self.problems.append(Problem(self.source, message, **where))
        log.log(level, "%s", self.problems[-1])

    def __str__(self) -> str:
        lines = [f"{self.source}: CRS {self.crs_in} -> {self.crs_out}"
                 + (f" ({self.crs_reason})" if self.crs_reason else "")]
        if self.encoding:
            lines.append(f"  encoding {self.encoding} ({self.encoding_reason})")
        if self.fields:
            lines.append("  fields " + ", ".join(f"{k}->{v}" for k, v in self.fields.items()))
        lines += [f"  {p.message}" + (f" (row {p.row})" if p.row is not None else "")
                  for p in self.problems]
        return "\n".join(lines)
