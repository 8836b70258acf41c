"""The meeting commands: ``demo`` (the main job), ``brief``, ``assess``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planning.conformity import ConformityReport

from planning.cli._common import (
    SAMPLE_MEETING,
    Subcommands,
    add_header_options,
    command,
    day,
    header_options,
    output,
    period,
    sheet,
    sheet_file,
    workspace,
    workspace_source,
)


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the Taiqian sample: the meeting pack (map, ledger, briefing, ...)."""
    from planning.reports import meeting_pack  # noqa: PLC0415
    from planning.workspace import load_sample  # noqa: PLC0415

    pack = meeting_pack(load_sample(), args.output, on=SAMPLE_MEETING,
                        title="台前县推进城镇化工作会议 · 十日例会")
    for path in pack.files.values():
        if path.is_dir():
            files = [f for f in path.rglob("*") if f.is_file()]
            size = sum(f.stat().st_size for f in files)
            print(f"wrote {path}/ ({len(files)} files, {size / 1024:,.0f} KiB)")
        else:
            print(f"wrote {path} ({path.stat().st_size / 1024:,.0f} KiB)")
    print(_demo_headline(pack.report))
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from planning.ledger import Ledger, header_fields, write_briefing  # noqa: PLC0415

    headers = header_options(args, fields=header_fields(), what="a ledger",
                             sheet_flag="--ledger")
    if args.ledger:
        ledger = Ledger.from_excel(args.ledger, sheet=args.sheet, headers=headers,
                                   errors="skip" if args.skip_bad_rows else "raise")
        report = None
    else:
        from planning.conformity import check_conformity  # noqa: PLC0415

        ws = workspace(args.workspace)
        ledger = ws.ledger
        report = check_conformity(ws)
    path = write_briefing(ledger, on=args.on, path=args.output, report=report)
    print(f"wrote {path}")
    return 0


def cmd_assess(args: argparse.Namespace) -> int:
    """Rank the responsible units (node completion, days overdue, sanitation scores)."""
    from planning import assessment  # noqa: PLC0415

    ws = workspace(args.workspace)
    result = assessment.rank_workspace(ws, period=args.period, on=args.on)
    out = Path(args.output)
    result.to_excel(out)
    result.chart(out.with_suffix(".png"))
    print(result.table.to_string(index=False))
    print(f"wrote {out} and {out.with_suffix('.png')}")
    return 0


def _demo_headline(report: ConformityReport | None) -> str:
    """One line: projects by verdict, and where the map is."""
    if report is None:
        return ""
    counts = report.projects["verdict"].value_counts()
    return ("projects: " + ", ".join(f"{k} {v}" for k, v in counts.items())
            + "; open maps/meeting.html in any browser (works offline)")


def add_commands(sub: Subcommands[argparse.ArgumentParser]) -> None:
    """Add this group's subcommands."""
    p = command(sub, "demo", cmd_demo,
                "the main job on the Taiqian sample: map, report, briefing")
    p.add_argument("-o", "--output", default="maps", help="output folder (default: maps)",
                   type=output("", what="the meeting pack", folder=True))

    p = command(sub, "brief", cmd_brief, "the 10-day working meeting briefing (HTML)")
    p.add_argument("--ledger", type=sheet_file, help="an Excel ledger (台账, .xlsx or .xls); "
                   "default: the workspace's ledger")
    p.add_argument("--sheet", type=sheet, help="the sheet's name, or its position from 1 "
                   "(name:2011 for a sheet named by a number)")
    add_header_options(p, "--ledger")
    p.add_argument("--workspace", type=workspace_source)
    p.add_argument("--on", type=day, required=True,
                   help="meeting date (2011-12-17, 2011年12月17日; a month means its last day)")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="leave out unreadable rows (listed in the briefing) instead of stopping")
    p.add_argument("-o", "--output", default="maps/briefing.html",
                   type=output(".html", ".htm", what="the briefing"))

    p = command(sub, "assess", cmd_assess,
                "rank responsible units for reward and accountability")
    p.add_argument("workspace", nargs="?", type=workspace_source)
    p.add_argument("--period", type=period, default="2011Q4",
                   help="e.g. 2011Q4, 2011年第四季度, 2011-12 or 2012")
    p.add_argument("--on", type=day, default=day(SAMPLE_MEETING),
                   help="the assessment date (default 2011-12-17)")
    p.add_argument("-o", "--output", default="maps/assessment.xlsx",
                   type=output(".xlsx", what="the assessment table"),
                   help="the table (.xlsx); the chart goes beside it (.png)")
