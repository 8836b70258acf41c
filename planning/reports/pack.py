"""The meeting pack: every output of the 10-day working meeting, into one folder."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from planning import assessment
from planning._core.dates import DateLike, as_of
from planning._errors import InputError
from planning.conformity import ConformityReport, check_conformity
from planning.io import write_csv
from planning.ledger import write_briefing
from planning.reports.maps import print_map
from planning.reports.review import review_reports
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
        (xlsx), ``conformity_gpkg``, ``map`` (HTML), ``map_print`` (the county's thematic
        map, A3 PDF), ``briefing`` (HTML), ``briefing_pdf`` (A4, print-ready),
        ``assessment`` (xlsx), ``assessment_chart`` (PNG) and ``reviews`` (a folder of review
        reports, PDF) when any are written.
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
    reviews: Literal["none", "flagged", "all"] = "flagged",
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
    reviews : {"flagged", "all", "none"}, default "flagged"
        Review reports (审查意见书, PDF) of the projects whose verdict is conflict or
        conditional, of every project, or none (about a second per report).

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

    if reviews not in ("none", "flagged", "all"):
        msg = f"reviews must be 'flagged', 'all' or 'none', got {reviews!r}"
        raise InputError(msg)
    system = "both" if "planning_zones" in ws else "two-plans"
    report = check_conformity(ws, system=system)
    files["conformity"] = report.to_excel(out / "conformity.xlsx")
    files["conformity_gpkg"] = report.to_gpkg(out / "conformity.gpkg")

    m = meeting_map(ws, report, on=day.date(), title=title)
    files["map"] = save_map(m, out / "meeting.html", offline=True)

    files["map_print"] = print_map(ws, out / "map.pdf", title=title, report=report, on=day,
                                   date=day).path
    files["briefing"] = write_briefing(ws.ledger, on=day, path=out / "briefing.html",
                                       report=report)
    files["briefing_pdf"] = write_briefing(ws.ledger, on=day, path=out / "briefing.pdf",
                                           report=report)

    quarter = period or f"{day.year}Q{day.quarter}"
    result = assessment.rank_workspace(ws, period=quarter, on=day)
    files["assessment"] = result.to_excel(out / "assessment.xlsx")
    result.chart(out / "assessment.png")
    files["assessment_chart"] = out / "assessment.png"
    if reviews != "none":
        verdicts = report.projects["verdict"]
        chosen = report.projects.loc[verdicts.isin(["conflict", "conditional"]) |
                                     (reviews == "all"), "project_id"]
        if len(chosen):
            review_reports(report, out / "reviews", format="pdf", ws=ws,
                           projects=list(chosen.astype(str)), date=day.date())
            files["reviews"] = out / "reviews"
    log.info("meeting pack of %s written to %s", day.date(), out)
    return MeetingPack(files=files, report=report)
