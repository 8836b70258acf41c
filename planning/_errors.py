"""The toolkit's exceptions.

Every error says what was expected, what arrived and how to fix it. Errors about the
content of inputs subclass :class:`ValueError`; errors about files subclass :class:`OSError`.
Checks collect every problem first and raise once, so one run shows all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in an input.

    Attributes
    ----------
    source : str
        The file, layer or sheet the problem is in.
    message : str
        What is wrong and, where possible, how to fix it.
    row : int or None
        Row (feature) number, 0-based for layers, as shown in Excel (1-based) for sheets.
    column : str or None
        The column or field concerned.
    value : str or None
        The offending value, as text.
    """

    source: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where) + f": {self.message}"
        if self.value is not None:
            text += f" (value: {self.value!r})"
        return text


def format_problems(problems: Iterable[Problem], *, limit: int = 50) -> str:
    """Return the problems as numbered lines, at most ``limit`` of them."""
    items = list(problems)
    lines = [f"  {i}. {p}" for i, p in enumerate(items[:limit], start=1)]
    if len(items) > limit:
        lines.append(f"  ... and {len(items) - limit} more")
    return "\n".join(lines)


class InputError(ValueError):
    """An input cannot be used as it is. ``problems`` lists every problem found."""

    def __init__(self, summary: str, problems: Iterable[Problem] = ()) -> None:
        self.problems: list[Problem] = list(problems)
        message = summary
        if self.problems:
            message += f"\n{len(self.problems)} problem(s):\n" + format_problems(self.problems)
        super().__init__(message)


class CRSError(InputError):
    """A layer has no CRS, an unusable CRS, or CRSs do not match."""


class GeometryError(InputError):
    """Geometries are of the wrong type, empty where they must not be, or not a coverage."""


class UnknownCodeError(InputError):
    """Classification codes not found in the classification table in use."""


class SheetError(InputError):
    """A spreadsheet (ledger, inspections) has rows that cannot be read."""


class WorkspaceError(ValueError):
    """A workspace is missing a layer, or a layer name is not allowed."""


class LayerFileError(OSError):
    """A file cannot be opened or written as a layer or workspace."""


def require_extra(modules: Iterable[str], *, what: str, extra: str) -> None:
    """Raise a clear ImportError naming the extra when optional modules are not installed.

    Examples
    --------
    >>> require_extra(["json"], what="The demo", extra="demo")  # all there: nothing happens
    """
    missing = []
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        msg = (f"{what} needs {', '.join(missing)}, which are not installed; install the "
               f"{extra} extra: pip install 'planning[{extra}]'.")
        raise ImportError(msg)
