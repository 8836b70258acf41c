"""The check commands: ``check`` (three plans in one), ``map``, ``sanitation``."""

from __future__ import annotations

import argparse
from pathlib import Path

from planning.cli._common import (
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


def _mu(text: str) -> float:
    """A non-negative number of mu (for --boundary-quota-mu)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= 0 or value == float("inf"):
        msg = f"expected a non-negative number of mu, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def cmd_check(args: argparse.Namespace) -> int:
    from planning.conformity import check_conformity  # noqa: PLC0415

    ws = workspace(args.workspace)
    report = check_conformity(ws, system=args.system, boundary_quota_mu=args.boundary_quota_mu)
    out = Path(args.output)
    report.to_excel(out)
    print(f"wrote {out}")
    if args.gpkg:
        report.to_gpkg(args.gpkg)
        print(f"wrote {args.gpkg}")
    print(report.summary_text())
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from planning.conformity import check_conformity  # noqa: PLC0415
    from planning.webmap import meeting_map, save_map  # noqa: PLC0415

    ws = workspace(args.workspace)
    report = None if args.no_check else check_conformity(ws, system=args.system)
    layers = args.layers.split(",") if args.layers else None
    m = meeting_map(ws, report, layers=layers, basemap=args.basemap, title=args.title,
                    on=args.on)
    save_map(m, args.output, offline=not args.online)
    print(f"wrote {args.output}")
    return 0


def cmd_sanitation(args: argparse.Namespace) -> int:
    """Check the responsibility zones: coverage, owners and, when given, inspection scores."""
    from planning import sanitation  # noqa: PLC0415
    from planning.sanitation.inspections import HEADER_FIELDS  # noqa: PLC0415

    headers = header_options(args, fields=HEADER_FIELDS, what="an inspection",
                             sheet_flag="--inspections")
    ws = workspace(args.workspace)
    zones, area = ws["sanitation_zones"], ws["builtup_area"]
    coverage = sanitation.check_coverage(zones, area, gap_width_m=args.gap_width_m)
    owners = sanitation.check_owners(zones, roads=ws.layers.get("roads"),
                                     departments=ws.tables.get("departments"), area=area)
    problems = [*coverage.problems, *owners.problems]
    print(coverage.summary())
    for problem in problems:
        print(f"  - {problem}")
    source = args.inspections or ws.tables.get("inspections")
    scores = zone_scores = None
    if source is not None:
        sheet = sanitation.read_inspections(source, sheet=args.sheet, zones=zones,
                                            headers=headers)
        for problem in sheet.problems:
            print(f"  - {problem}")
        problems += sheet.problems
        scores = sanitation.unit_scores(sheet, zones, period=args.period)
        zone_scores = sanitation.zone_scores(sheet, zones, period=args.period)
        print(scores.to_string(index=False))
    sanitation.sanitation_workbook(args.output, coverage=coverage, owners=owners,
                                   unit_scores=scores, zone_scores=zone_scores)
    print(f"wrote {args.output}")
    return 1 if problems else 0


def add_commands(sub: Subcommands[argparse.ArgumentParser]) -> None:
    """Add this group's subcommands."""
    p = command(sub, "check", cmd_check,
                "three plans in one: the conflict ledger (Excel) and patches")
    p.add_argument("workspace", nargs="?", type=workspace_source)
    p.add_argument("-o", "--output", default="maps/conformity.xlsx",
                   type=output(".xlsx", what="the conflict ledger"))
    p.add_argument("--gpkg", help="also write the patches to this GeoPackage",
                   type=output(".gpkg", what="the patches"))
    p.add_argument("--system", choices=("two-plans", "territorial", "both"),
                   default="two-plans", help="review the projects against the urban and "
                   "land-use plans (two-plans, the default), the territorial spatial plan "
                   "(territorial: control lines, planning zones, land/sea use), or both")
    p.add_argument("--boundary-quota-mu", type=_mu, metavar="MU",
                   help="the development boundary's quota in mu: a larger boundary is a "
                   "conflict of the territorial plan")

    p = command(sub, "map", cmd_map, "a meeting map of a workspace, one HTML file")
    p.add_argument("workspace", nargs="?", type=workspace_source)
    p.add_argument("-o", "--output", default="maps/meeting.html",
                   type=output(".html", ".htm", what="the meeting map"))
    p.add_argument("--basemap", help="none (default), osm, tianditu, tianditu-img, gaode, "
                   "gaode-img (Tianditu needs a key in the TIANDITU_KEY environment variable)")
    p.add_argument("--layers", help="comma-separated layers to draw (default: all)")
    p.add_argument("--title")
    p.add_argument("--on", type=day, help="meeting date (2011-12-17, 2011年12月17日; a month "
                   "means its last day): colours projects by status then")
    p.add_argument("--online", action="store_true", help="load Leaflet from CDNs")
    p.add_argument("--no-check", action="store_true", help="skip the conformity check")
    p.add_argument("--system", choices=("two-plans", "territorial", "both"),
                   default="two-plans", help="the plans the projects' verdicts are from "
                   "(as for planning check)")

    p = command(sub, "sanitation", cmd_sanitation,
                "sanitation zones: gaps, overlaps, owners, scores")
    p.add_argument("workspace", nargs="?", type=workspace_source)
    p.add_argument("--gap-width-m", type=float, default=1.0,
                   help="gaps narrower than this are flagged as slivers")
    p.add_argument("--inspections", type=sheet_file, help="inspection sheet (.xlsx, .xls or "
                   ".csv); default: the workspace's inspections table")
    p.add_argument("--sheet", type=sheet, help="the sheet's name, or its position from 1 "
                   "(name:2011 for a sheet named by a number)")
    add_header_options(p, "--inspections")
    p.add_argument("--period", type=period,
                   help="e.g. 2011-12 or 2011年12月 (a month), 2011Q4 or 2011年第四季度")
    p.add_argument("-o", "--output", default="maps/sanitation.xlsx",
                   type=output(".xlsx", what="the sanitation workbook"))
