"""The ``planning`` command.

``planning demo`` is the main job: from the Taiqian sample it writes the meeting map, the
conformity report (conflict ledger) and the 10-day briefing under ``maps/``.

Other commands: ``info`` (what a workspace holds), ``inspect`` (how a bureau's file reads),
``import`` (files into a workspace), ``check`` (three-plans-in-one conformity), ``map`` (a
meeting map of any workspace), ``brief`` (the 10-day meeting briefing).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from planning._core.dates import as_of, period_bounds
from planning._version import __version__

if TYPE_CHECKING:
    from planning.conformity import ConformityReport

log = logging.getLogger("planning")

#: the first 10-day working meeting after the conference of 2011-12-07
SAMPLE_MEETING = "2011-12-17"


def _workspace(source: str | None):  # type: ignore[no-untyped-def]  # Workspace, lazily
    from planning.workspace import load_sample, open_workspace  # noqa: PLC0415

    return load_sample() if source in (None, "sample") else open_workspace(source)


def _date(text: str) -> date:
    """``--on``: any date form the toolkit reads; a period means its last day (as ``on=``)."""
    try:
        return as_of(text, "--on").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _period(text: str) -> str:
    """``--period``: checked by the toolkit's period reader, passed on as written."""
    try:
        period_bounds(text, "--period")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def cmd_info(args: argparse.Namespace) -> int:
    ws = _workspace(args.workspace)
    print(repr(ws))
    table = ws.summary().drop(columns=["columns"])
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from planning.io import read_layer  # noqa: PLC0415

    gdf = read_layer(args.path, args.layer, encoding=args.encoding, crs=args.crs,
                     swap_xy=args.swap_xy)
    print(gdf.attrs["planning_report"])
    print(f"{len(gdf)} features; columns: {', '.join(map(str, gdf.columns))}")
    print(gdf.drop(columns=gdf.geometry.name).head(args.rows).to_string())
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Read files into a workspace: into its county's CRS when the workspace exists and has
    one; into a new workspace, in the Gauss-Kruger zone of the first file's data."""
    from planning.workspace import Workspace, open_workspace  # noqa: PLC0415

    target = Path(args.output)
    ws = open_workspace(target) if target.exists() else Workspace(name=args.name or target.stem)
    for spec in args.sources:
        path, _, name = spec.partition("=")
        layer = name or Path(path).stem
        gdf = ws.read_layer(path, layer, encoding=args.encoding, crs=args.crs)
        report = gdf.attrs["planning_report"]
        print(f"{layer}: {len(gdf)} features from {path} ({len(report.problems)} notes)")
        for problem in report.problems:
            print(f"  - {problem}")
    ws.save(target)
    print(f"wrote {target}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from planning.conformity import check_conformity  # noqa: PLC0415

    ws = _workspace(args.workspace)
    report = check_conformity(ws)
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

    ws = _workspace(args.workspace)
    report = None if args.no_check else check_conformity(ws)
    layers = args.layers.split(",") if args.layers else None
    m = meeting_map(ws, report, layers=layers, basemap=args.basemap, title=args.title,
                    on=args.on)
    save_map(m, args.output, offline=not args.online)
    print(f"wrote {args.output}")
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from planning.ledger import Ledger, write_briefing  # noqa: PLC0415

    if args.ledger:
        ledger = Ledger.from_excel(args.ledger, sheet=args.sheet,
                                   errors="skip" if args.skip_bad_rows else "raise")
        report = None
    else:
        from planning.conformity import check_conformity  # noqa: PLC0415

        ws = _workspace(args.workspace)
        ledger = ws.ledger
        report = check_conformity(ws)
    path = write_briefing(ledger, on=args.on, path=args.output, report=report)
    print(f"wrote {path}")
    return 0


def cmd_sanitation(args: argparse.Namespace) -> int:
    """Check the responsibility zones: coverage, owners and, when given, inspection scores."""
    from planning import sanitation  # noqa: PLC0415

    ws = _workspace(args.workspace)
    zones, area = ws["sanitation_zones"], ws["builtup_area"]
    coverage = sanitation.check_coverage(zones, area, gap_width_m=args.gap_width_m)
    owners = sanitation.check_owners(zones, roads=ws.layers.get("roads"),
                                     departments=ws.tables.get("departments"), area=area)
    problems = [*coverage.problems, *owners.problems]
    print(coverage.summary())
    for problem in problems:
        print(f"  - {problem}")
    coverage.to_excel(args.output)
    print(f"wrote {args.output}")
    source = args.inspections or ws.tables.get("inspections")
    if source is not None:
        sheet = sanitation.read_inspections(source, sheet=args.sheet, zones=zones)
        for problem in sheet.problems:
            print(f"  - {problem}")
        problems += sheet.problems
        scores = sanitation.unit_scores(sheet, zones, period=args.period)
        print(scores.to_string(index=False))
    return 1 if problems else 0


def cmd_assess(args: argparse.Namespace) -> int:
    """Rank the responsible units (node completion, days overdue, sanitation scores)."""
    from planning import assessment  # noqa: PLC0415

    ws = _workspace(args.workspace)
    result = assessment.rank_workspace(ws, period=args.period, on=args.on)
    out = Path(args.output)
    result.to_excel(out.with_suffix(".xlsx"))
    result.chart(out.with_suffix(".png"))
    print(result.table.to_string(index=False))
    print(f"wrote {out.with_suffix('.xlsx')} and {out.with_suffix('.png')}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the Taiqian sample: the meeting pack (map, ledger, briefing, ...)."""
    from planning.reports import meeting_pack  # noqa: PLC0415
    from planning.workspace import load_sample  # noqa: PLC0415

    pack = meeting_pack(load_sample(), args.output, on=SAMPLE_MEETING,
                        title="台前县推进城镇化工作会议 · 十日例会")
    for path in pack.files.values():
        size = path.stat().st_size if path.is_file() else 0
        print(f"wrote {path} ({size / 1024:,.0f} KiB)")
    print(_demo_headline(pack.report))
    return 0


def _demo_headline(report: ConformityReport | None) -> str:
    """One line: projects by verdict, and where the map is."""
    if report is None:
        return ""
    counts = report.projects["verdict"].value_counts()
    return ("projects: " + ", ".join(f"{k} {v}" for k, v in counts.items())
            + "; open maps/meeting.html in any browser (works offline)")


def _command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
             func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_, description=help_)
    p.set_defaults(func=func)
    return p


def _data_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _command(sub, "demo", cmd_demo,
                 "the main job on the Taiqian sample: map, report, briefing")
    p.add_argument("-o", "--output", default="maps", help="output folder (default: maps)")

    p = _command(sub, "info", cmd_info, "what a workspace holds (default: the sample)")
    p.add_argument("workspace", nargs="?", help=".gpkg, .gdb, folder or postgresql:// URL")

    p = _command(sub, "inspect", cmd_inspect,
                 "read a layer file and show what was found and repaired")
    p.add_argument("path")
    p.add_argument("--layer")
    p.add_argument("--encoding", help="text encoding of a Shapefile (e.g. gbk)")
    p.add_argument("--crs", help="CRS of the coordinates when the file has none")
    p.add_argument("--swap-xy", action="store_true", help="swap x and y")
    p.add_argument("--rows", type=int, default=5)

    p = _command(sub, "import", cmd_import,
                 "read files into a workspace (layer name from file or =NAME)")
    p.add_argument("sources", nargs="+", metavar="FILE[=LAYER]")
    p.add_argument("-o", "--output", required=True, help="workspace .gpkg (created or updated)")
    p.add_argument("--name", help="workspace title")
    p.add_argument("--encoding")
    p.add_argument("--crs")

    p = _command(sub, "check", cmd_check,
                 "three plans in one: the conflict ledger (Excel) and patches")
    p.add_argument("workspace", nargs="?")
    p.add_argument("-o", "--output", default="maps/conformity.xlsx")
    p.add_argument("--gpkg", help="also write the patches to this GeoPackage")

    p = _command(sub, "map", cmd_map, "a meeting map of a workspace, one HTML file")
    p.add_argument("workspace", nargs="?")
    p.add_argument("-o", "--output", default="maps/meeting.html")
    p.add_argument("--basemap", help="none (default), osm, tianditu, tianditu-img, gaode, "
                   "gaode-img (Tianditu needs a key in the TIANDITU_KEY environment variable)")
    p.add_argument("--layers", help="comma-separated layers to draw (default: all)")
    p.add_argument("--title")
    p.add_argument("--on", type=_date, help="meeting date (2011-12-17, 2011年12月17日; a month "
                   "means its last day): colours projects by status then")
    p.add_argument("--online", action="store_true", help="load Leaflet from CDNs")
    p.add_argument("--no-check", action="store_true", help="skip the conformity check")

    p = _command(sub, "sanitation", cmd_sanitation,
                 "sanitation zones: gaps, overlaps, owners, scores")
    p.add_argument("workspace", nargs="?")
    p.add_argument("--gap-width-m", type=float, default=1.0,
                   help="gaps narrower than this are flagged as slivers")
    p.add_argument("--inspections", help="inspection sheet (.xlsx or .csv); default: the "
                   "workspace's inspections table")
    p.add_argument("--sheet")
    p.add_argument("--period", type=_period,
                   help="e.g. 2011-12 or 2011年12月 (a month), 2011Q4 or 2011年第四季度")
    p.add_argument("-o", "--output", default="maps/sanitation.xlsx")


def _meeting_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _command(sub, "brief", cmd_brief, "the 10-day working meeting briefing (HTML)")
    p.add_argument("--ledger", help="an Excel ledger (台账); default: the workspace's ledger")
    p.add_argument("--sheet")
    p.add_argument("--workspace")
    p.add_argument("--on", type=_date, required=True,
                   help="meeting date (2011-12-17, 2011年12月17日; a month means its last day)")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="leave out unreadable rows (listed in the briefing) instead of stopping")
    p.add_argument("-o", "--output", default="maps/briefing.html")

    p = _command(sub, "assess", cmd_assess,
                 "rank responsible units for reward and accountability")
    p.add_argument("workspace", nargs="?")
    p.add_argument("--period", type=_period, default="2011Q4",
                   help="e.g. 2011Q4, 2011年第四季度, 2011-12 or 2012")
    p.add_argument("--on", type=_date, default=_date(SAMPLE_MEETING),
                   help="the assessment date (default 2011-12-17)")
    p.add_argument("-o", "--output", default="maps/assessment.xlsx",
                   help="the table (.xlsx); the chart goes beside it (.png)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planning", description="County planning toolkit (Taiqian sample built in).")
    parser.add_argument("--version", action="version", version=f"planning {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)
    _data_commands(sub)
    _meeting_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except (ValueError, OSError) as exc:  # the toolkit's errors say what to do
        print(f"planning {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
