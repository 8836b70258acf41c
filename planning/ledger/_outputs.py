"""Writing the meeting briefing to a file (what ``planning brief`` and ``planning demo`` call)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from planning._core.dates import DateLike
from planning._errors import InputError
from planning.io import atomic_output
from planning.io.document import write_document
from planning.ledger._ledger import Ledger
from planning.ledger._view import ProjectReview


def write_briefing(
    ledger: Ledger | str | os.PathLike[str],
    *,
    on: DateLike,
    path: str | os.PathLike[str],
    period_days: int = 10,
    report: ProjectReview | None = None,
    title: str | None = None,
    errors: Literal["raise", "skip"] = "raise",
) -> Path:
    """Write the meeting briefing to ``path`` (``.html``, ``.xlsx``, ``.md``, ``.pdf`` or
    ``.docx``), atomically.

    This is what ``planning brief --ledger X.xlsx --on 2011-12-17 -o maps/brief.html`` and
    ``planning demo`` call.

    Parameters
    ----------
    ledger : Ledger or path
        A ledger, or an ``.xlsx`` ledger workbook read with :meth:`Ledger.from_excel`.
    on : date
        The meeting day.
    path : str or path-like
        The output; its suffix chooses the format.
    period_days, report, title
        As in :meth:`Ledger.briefing`.
    errors : {"raise", "skip"}, default "raise"
        For a workbook path, as in :meth:`Ledger.from_excel` (with ``"skip"`` the rows with
        problems are left out and listed in the briefing).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import planning, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "brief.md"
    >>> write_briefing(planning.load_sample().ledger, on="2011-12-17", path=out).name
    'brief.md'
    """
    if not isinstance(ledger, Ledger):
        ledger = Ledger.from_excel(ledger, errors=errors)
    brief = ledger.briefing(on=on, period_days=period_days, report=report, title=title)
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return brief.to_excel(target)
    if suffix in (".pdf", ".docx"):
        return write_document(brief.to_document(), target)
    if suffix not in (".html", ".htm", ".md", ".markdown"):
        msg = f"Cannot write a briefing as {target.name}: use .html, .xlsx, .md, .pdf or .docx."
        raise InputError(msg)
    text = brief.to_html() if suffix in (".html", ".htm") else brief.to_markdown()
    with atomic_output(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
