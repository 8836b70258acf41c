"""The ledger's round trip with the responsible units: ``planning ledger send | merge | lights
| notice``.

``send`` writes each unit its fill-in workbook; ``merge`` reads what comes back and records
it as one revision (``--save`` keeps it in a workspace); ``lights`` shows the progress lights
(红黄绿灯); ``notice`` writes the monthly or quarterly notice (通报) and the supervision
letters (督办函) in Word and PDF.
"""

from __future__ import annotations

import argparse
import difflib
from datetime import date
from typing import TYPE_CHECKING

from planning._core.dates import as_day
from planning._errors import InputError
from planning.cli._common import (
    SAMPLE_MEETING,
    WORKSPACE_SUFFIXES,
    Subcommands,
    command,
    day,
    existing,
    flags,
    output,
    period,
    sheet_file,
    workspace,
    workspace_source,
)

if TYPE_CHECKING:
    from planning.ledger import Ledger, MergeResult, ProgressRule
    from planning.workspace import Workspace


def _ledger(args: argparse.Namespace) -> tuple[Workspace, Ledger]:
    ws = workspace(args.workspace)
    return ws, ws.ledger


def _save(ws: Workspace, target: str | None) -> str:
    if target is None:
        return "not saved (give --save PATH to keep it in a workspace)"
    return f"saved to {ws.save(target)}"


def rule_file(text: str) -> ProgressRule:
    """``--rule``: a progress-light rule CSV, read (and checked) when the command line is."""
    from planning.ledger import ProgressRule  # noqa: PLC0415

    existing(text)
    try:
        return ProgressRule.read(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(flags(str(exc))) from None


def received_pair(text: str) -> tuple[str, date]:
    """``--received FILE=DATE``: the day a returned file came in."""
    name, sep, when = text.rpartition("=")
    if not sep or not name or not when:
        msg = (f"--received takes FILE=DATE (the day a file came in, e.g. "
               f"县水利局.xlsx=2011-12-22), got {text!r}")
        raise argparse.ArgumentTypeError(msg)
    try:
        return name, as_day(when, "--received", partial="end").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(flags(str(exc))) from None


def formats(text: str) -> list[str]:
    """``--formats``: docx, pdf or both (comma-separated)."""
    chosen = [f.strip().lstrip(".").lower() for f in text.split(",") if f.strip()]
    if not chosen or any(f not in ("docx", "pdf") for f in chosen):
        msg = f"--formats takes docx, pdf or docx,pdf; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return chosen


def _check_units(ledger: Ledger, units: list[str] | None) -> None:
    """``--unit`` names units of the ledger (responsible for a node, or departments)."""
    known = set(ledger.nodes["responsible"].dropna().astype(str))
    if ledger.departments is not None and "name_zh" in ledger.departments.columns:
        known |= set(ledger.departments["name_zh"].dropna().astype(str))
    for unit in units or []:
        if unit not in known:
            close = difflib.get_close_matches(unit, sorted(known), n=2, cutoff=0.4)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            msg = f"--unit {unit!r} is not a responsible unit of the ledger{hint}"
            raise InputError(msg)


def cmd_send(args: argparse.Namespace) -> int:
    """Write one fill-in workbook per responsible unit."""
    ws, ledger = _ledger(args)
    _check_units(ledger, args.unit)
    send = ledger.fill_in_workbooks(args.output, on=args.on, units=args.unit or None,
                                    deadline=args.deadline, include_done=args.include_done,
                                    rule=args.rule)
    for row in send.workbooks.to_dict("records"):
        print(f"wrote {row['path']}  ({row['nodes']} nodes, {row['overdue']} overdue)")
    print(f"wrote {send.dispatch}")
    for note in send.notes:
        print(f"note: {note}")
    print(f"send {send.send_id}: {len(send.workbooks)} unit(s), returns due "
          f"{send.deadline.date()}; {_save(ws, args.save)}")
    return 0


def _received(pairs: list[tuple[str, date]], on: date) -> dict[str, date]:
    """``--received FILE=DATE`` pairs, each checked against ``--on``."""
    for name, came in pairs:
        if came > on:
            msg = (f"--received {name}={came} is after --on {on}: a return is merged on or "
                   "after the day it came in")
            raise InputError(msg)
    return dict(pairs)


def _print_merge(result: MergeResult) -> None:
    for row in result.returns.to_dict("records"):
        print(f"{row['source']}: {row['unit'] or '?'} {row['status']}, {row['changes']} "
              f"change(s), {row['errors']} error(s), {row['warnings']} warning(s)")
    for row in result.problems.to_dict("records"):
        where = ", ".join(str(v) for v in (row["source"], row["row"] and f"row {row['row']}",
                                           row["column"]) if v and str(v) != "<NA>")
        print(f"  {row['severity']}: {row['unit']}: {where}: {row['message_zh']} "
              f"({row['message']})")
    for note in result.notes:
        print(f"note: {note}")
    late = result.meeting[result.meeting["status"].isin(["late", "missing"])]
    if len(late):
        print("late or missing: " + ", ".join(f"{u} ({s})" for u, s in
                                               zip(late["unit"], late["status_zh"],
                                                   strict=True)))


def cmd_merge(args: argparse.Namespace) -> int:
    """Merge returned workbooks into the ledger as one revision."""
    received = _received(args.received, args.on)
    ws, ledger = _ledger(args)
    result = ledger.merge_returns(args.files, on=args.on, received=received,
                                  apply=not args.check)
    _print_merge(result)
    if args.output:
        print(f"wrote {result.to_excel(args.output)}")
    if args.check:
        print(f"checked only: {len(result.changes)} change(s) would be recorded")
        return 0
    recorded = "" if result.revision is None else f" as revision {result.revision}"
    print(f"{len(result.changes)} change(s){recorded}; {_save(ws, args.save)}")
    return 0


def cmd_lights(args: argparse.Namespace) -> int:
    """Show the progress lights of the projects and units."""
    _, ledger = _ledger(args)
    lights = ledger.lights(on=args.on, rule=args.rule)
    counts = lights.counts()
    print(f"{args.on}: projects red {counts['red']}, yellow {counts['yellow']}, green "
          f"{counts['green']}")
    print(lights.units[["unit", "light_zh", "red", "yellow", "green", "nodes"]]
          .to_string(index=False))
    if args.output:
        print(f"wrote {lights.to_excel(args.output)}")
    return 0


def cmd_notice(args: argparse.Namespace) -> int:
    """Write the notice of a period and the supervision letters, in Word and PDF."""
    from planning.ledger import write_notices  # noqa: PLC0415

    _, ledger = _ledger(args)
    notice = ledger.notice(period=args.period, on=args.on, number=args.number,
                           issuer=args.issuer, rule=args.rule)
    letters = ledger.supervision_letters(on=notice.on, issuer=args.issuer, rule=args.rule)
    for path in write_notices(notice, [] if args.no_letters else letters, args.output,
                              formats=args.formats):
        print(f"wrote {path}")
    return 0


def add_commands(sub: Subcommands[argparse.ArgumentParser]) -> None:
    """Add the ``ledger`` command and its subcommands."""
    group = sub.add_parser("ledger", help="the ledger round trip with the responsible units",
                           description="Send fill-in workbooks to the responsible units, "
                           "merge their returns, show the progress lights, write notices.")
    steps = group.add_subparsers(dest="step", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workspace", type=workspace_source,
                       help="a workspace (.gpkg, folder, postgresql://...); default: the "
                       "Taiqian sample")
        p.add_argument("--rule", type=rule_file,
                       help="a progress-light rule CSV (default: planning's)")

    saved = output(*WORKSPACE_SUFFIXES, what="a workspace")

    p = command(steps, "send", cmd_send, "write one fill-in workbook per responsible unit")
    common(p)
    p.add_argument("--on", type=day, default=day(SAMPLE_MEETING),
                   help="the day of the ledger sent (default 2011-12-17)")
    p.add_argument("--unit", action="append", help="only this unit (repeat for more)")
    p.add_argument("--deadline", type=day, help="the day returns are due (default: --on + 7)")
    p.add_argument("--include-done", action="store_true", help="also list nodes already done")
    p.add_argument("--save", type=saved, help="save the workspace with the send recorded")
    p.add_argument("-o", "--output", default="maps/台账填报", help="the folder to write",
                   type=output("", what="the fill-in workbooks", folder=True))

    p = command(steps, "merge", cmd_merge, "merge returned workbooks as one revision")
    common(p)
    p.add_argument("files", nargs="+", type=sheet_file,
                   help="the returned workbooks (.xlsx, .xls, .csv)")
    p.add_argument("--on", type=day, required=True, help="the day of the revision")
    p.add_argument("--received", action="append", default=[], metavar="FILE=DATE",
                   type=received_pair,
                   help="the day a file came in (default: its modification day)")
    p.add_argument("--check", action="store_true", help="check only; record nothing")
    p.add_argument("--save", type=saved, help="save the workspace with the revision")
    p.add_argument("-o", "--output", help="the meeting's workbook of the merge",
                   type=output(".xlsx", what="the meeting's workbook of the merge"))

    p = command(steps, "lights", cmd_lights, "the progress lights (红黄绿灯) on a day")
    common(p)
    p.add_argument("--on", type=day, default=day(SAMPLE_MEETING))
    p.add_argument("-o", "--output", help="also write them as a workbook",
                   type=output(".xlsx", what="the lights' workbook"))

    p = command(steps, "notice", cmd_notice,
                "the notice (通报) of a period and the supervision letters (督办函)")
    common(p)
    p.add_argument("--period", type=period, default="2011-12",
                   help="a month (2011-12) or a quarter (2011Q4); default 2011-12")
    p.add_argument("--on", type=day, help="the day inside the period (default: its end)")
    p.add_argument("--number", help="the notice's document number (文号)")
    p.add_argument("--issuer", help="default 推进城镇化工作领导小组办公室")
    p.add_argument("--formats", type=formats, default=["docx", "pdf"],
                   help="docx, pdf or docx,pdf (default)")
    p.add_argument("--no-letters", action="store_true", help="the notice only")
    p.add_argument("-o", "--output", default="maps/通报", help="the folder to write",
                   type=output("", what="the notices", folder=True))
