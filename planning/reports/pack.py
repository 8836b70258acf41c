"""The meeting pack: every output of the 10-day working meeting, into one folder."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from planning import assessment
from planning._core.dates import DateLike, as_of
from planning.conformity import ConformityReport, check_conformity
from planning.io import write_csv
from planning.ledger import write_briefing
from planning.webmap import meeting_map, save_map
from planning.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MeetingPack:
    """What :func:`meeting_pack` wrote, and the conformity report behind it.

    Attributes
    ----------
    files : dict of str to pathlib.Path
        ``layers`` (CSV, UTF-8 with BOM, formula-like text protected), ``conformity``
        (xlsx), ``conformity_gpkg``, ``map`` (HTML), ``briefing`` (HTML), ``assessment``
        (xlsx), ``assessment_chart`` (PNG).
    report : planning.ConformityReport
    """

    files: dict[str, Path] = field(default_factory=dict)
    report: ConformityReport | None = None


def meeting_pack(
    ws: Workspace,
    folder: str | os.PathLike[str],
    *,
    on: DateLike,
    period: str | None = None,
    title: str | None = None,
) -> MeetingPack:
    """Write the outputs of the working meeting on ``on`` into ``folder``.

    Each file is written atomically; files of an earlier pack in the folder are replaced.

    Parameters
    ----------
    ws : planning.Workspace
        With the layers of the conformity check (``urban_plan``, ``landuse_plan``,
        ``projects``) and the ledger tables.
    folder : path
        Created when missing.
    on : date
        The meeting day (as every ``on=``: a month such as ``2011-12`` means its last day).
    period : str, optional
        The assessment period (default: the quarter of ``on``, e.g. ``2011Q4``).
    title : str, optional
        The map's title.

    Returns
    -------
    MeetingPack

    Examples
    --------
    >>> import planning, tempfile
    >>> pack = meeting_pack(planning.load_sample(), tempfile.mkdtemp(), on="2011-12-17")
    >>> sorted(pack.files)[:3]
    ['assessment', 'assessment_chart', 'briefing']
    """
    day = as_of(on)
    out = Path(folder)
    files: dict[str, Path] = {}
    files["layers"] = write_csv(ws.summary(), out / "layers.csv").path

    report = check_conformity(ws)
    files["conformity"] = report.to_excel(out / "conformity.xlsx")
    files["conformity_gpkg"] = report.to_gpkg(out / "conformity.gpkg")

    m = meeting_map(ws, report, on=day.date(), title=title)
    files["map"] = save_map(m, out / "meeting.html", offline=True)

    files["briefing"] = write_briefing(ws.ledger, on=day, path=out / "briefing.html",
                                       report=report)

    quarter = period or f"{day.year}Q{day.quarter}"
    result = assessment.rank_workspace(ws, period=quarter, on=day)
    files["assessment"] = result.to_excel(out / "assessment.xlsx")
    result.chart(out / "assessment.png")
    files["assessment_chart"] = out / "assessment.png"
    log.info("meeting pack of %s written to %s", day.date(), out)
    return MeetingPack(files=files, report=report)
