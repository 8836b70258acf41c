"""The printing commands: ``print`` (thematic maps and atlases) and ``report`` (review
reports of projects, in Word or PDF)."""

from __future__ import annotations

import argparse
from pathlib import Path

from planning._errors import InputError
from planning.cli._common import Subcommands, command, day, output, workspace


def _known(ws: object, layer: str, column: str, value: str | None, flag: str) -> None:
    """Check --township / --project against the workspace, in the command line's terms."""
    frame = ws[layer] if value is not None and layer in ws else None  # type: ignore[operator,index]
    if value is None or (frame is not None and value in set(frame[column].astype(str))):
        return
    known = "、".join(map(str, frame[column])) if frame is not None else f"(no {layer} layer)"
    msg = f"{flag} {value!r} is not in the workspace; choose one of {known}."
    raise InputError(msg)


def cmd_print(args: argparse.Namespace) -> int:
    from planning import reports  # noqa: PLC0415

    ws = workspace(args.workspace)
    _known(ws, "townships", "name_zh", args.township, "--township")
    _known(ws, "projects", "project_id", args.project, "--project")
    layers = args.layers.split(",") if args.layers else None
    options = {"paper": args.paper, "orientation": args.orientation, "layers": layers,
               "scale": args.scale, "unit": args.unit, "date": args.date, "on": args.on,
               "dpi": args.dpi}
    if args.atlas:
        sheets = reports.print_atlas(ws, args.output, by=args.atlas, format=args.format,
                                     **options)
        for sheet in sheets:
            print(f"wrote {sheet.path}  {sheet.title}  1:{sheet.scale:,}")
        return 0
    sheet = reports.print_map(ws, args.output, township=args.township, project=args.project,
                              title=args.title, **options)
    print(f"wrote {sheet.path}  {sheet.title}  1:{sheet.scale:,}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from planning import reports  # noqa: PLC0415
    from planning.conformity import check_conformity  # noqa: PLC0415

    ws = workspace(args.workspace)
    _known(ws, "projects", "project_id", args.project, "--project")
    report = check_conformity(ws)
    options = {"ws": ws, "unit": args.unit, "date": args.date,
               "location_map": not args.no_map}
    if args.project:
        out = Path(args.output or f"maps/{args.project}审查意见书.{args.format}")
        reports.review_report(report, args.project, out, **options)  # type: ignore[arg-type]
        print(f"wrote {out}")
        return 0
    folder = Path(args.output or "maps/审查意见书")
    written = reports.review_reports(report, folder, format=args.format, **options)
    print(f"wrote {len(written)} review reports into {folder}")
    return 0


def add_commands(sub: Subcommands[argparse.ArgumentParser]) -> None:
    """Add this group's subcommands."""
    p = command(sub, "print", cmd_print,
                "a thematic map (专题图) to PDF, PNG or JPEG, or an atlas of townships/projects")
    p.add_argument("workspace", nargs="?")
    p.add_argument("-o", "--output", default="maps/thematic.pdf",
                   type=output(".pdf", ".png", ".jpg", ".jpeg", "", what="a thematic map"),
                   help=".pdf, .png or .jpg; for --atlas a .pdf (one page per sheet) or a "
                   "folder (one file per sheet, named for delivery)")
    p.add_argument("--paper", choices=("A3", "A4"), default="A3")
    p.add_argument("--orientation", choices=("landscape", "portrait"), default="landscape")
    p.add_argument("--layers", help="comma-separated meeting-map layers, bottom first")
    p.add_argument("--township", help="frame one township (its Chinese name)")
    p.add_argument("--project", help="frame one project's site (its project_id)")
    p.add_argument("--atlas", choices=("township", "project"),
                   help="one sheet per township or per project")
    p.add_argument("--format", choices=("pdf", "png", "jpg"), default="pdf",
                   help="the files' format when --atlas writes into a folder")
    p.add_argument("--title")
    p.add_argument("--scale", type=int, help="scale denominator, e.g. 10000 for 1:10,000")
    p.add_argument("--unit", help="the compiling unit (编制单位)")
    p.add_argument("--date", type=day, help="the map's date (default today)")
    p.add_argument("--on", type=day, help="projects' status on this day")
    p.add_argument("--dpi", type=int, default=300, help="PNG/JPEG resolution (default 300)")

    p = command(sub, "report", cmd_report,
                "review reports (审查意见书) of projects, in Word or PDF")
    p.add_argument("workspace", nargs="?")
    p.add_argument("--project", help="one project's report (its project_id); default: all, "
                   "into a folder")
    p.add_argument("-o", "--output", type=output(".docx", ".pdf", "", what="a review report"),
                   help="the file (one project) or folder (all)")
    p.add_argument("--format", choices=("docx", "pdf"), default="docx")
    p.add_argument("--unit", help="the issuing unit")
    p.add_argument("--date", type=day, help="the report's date (default today)")
    p.add_argument("--no-map", action="store_true", help="leave out the location map")
