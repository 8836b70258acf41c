"""The survey commands: ``stats`` (the land-survey summary and the GB 50137 balance tables)
and ``inspect-quality`` (质检: the error layer and the report)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from planning.cli._common import (
    Subcommands,
    command,
    output,
    sheet_file,
    workspace,
    workspace_source,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from planning.workspace import Workspace


def _population(ws: Workspace, area: gpd.GeoDataFrame) -> tuple[float | None, str]:
    """The urban population now: of the township holding most of the planning area."""
    towns = ws.layers.get("townships")
    if towns is None or "pop_urban" not in towns:
        return None, ""
    shares = towns.geometry.intersection(area.geometry.union_all()).area
    best = towns.iloc[int(shares.to_numpy().argmax())]
    return float(best["pop_urban"]), str(best.get("name_zh", ""))


def _zone(text: str) -> str:
    """``--climate-zone``: one of the building climate zones I to VII."""
    from planning.survey import CLIMATE_ZONES  # noqa: PLC0415

    zone = text.strip().upper()
    if zone not in CLIMATE_ZONES:
        msg = f"expected one of {', '.join(CLIMATE_ZONES)}, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return zone


def _people(text: str) -> float:
    """``--population`` / ``--plan-population``: a positive number of people."""
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        msg = f"expected a positive number of people, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _need(ws: Workspace, name: str, flag: str) -> None:
    if name not in ws.layers:
        msg = (f"the workspace has no {name} layer, which {flag} needs; add it with "
               f"planning import FILE={name} -o WORKSPACE")
        raise ValueError(msg)


def cmd_stats(args: argparse.Namespace) -> int:
    """The land-survey summary and, with an urban plan, tables A.0.1 / A.0.2."""
    from planning.io import write_workbook  # noqa: PLC0415
    from planning.survey import balance_tables, land_summary, present_state  # noqa: PLC0415

    ws = workspace(args.workspace)
    _need(ws, "land_survey", "planning stats")
    county = ws.county
    summary = land_summary(ws.layers["land_survey"], ws.layers.get("admin_units"),
                           townships=ws.layers.get("townships"),
                           county_name=county.name_zh if county else None,
                           adjust=not args.no_adjust)
    sheets = summary.sheets()
    total = summary.units.iloc[0]
    print(f"现状汇总: {total['name']} {total['total_m2'] / 10_000:,.2f} 公顷 "
          f"({total['total_m2'] * 15 / 10_000:,.1f} 亩), "
          f"{int((summary.units['level'] == 'village').sum())} villages")
    recon = summary.reconciliation()
    worst = recon["分类面积-控制面积(平方米)"].abs().max()
    if recon["控制面积(平方米)"].notna().any():
        print(f"  classes against the control areas: largest difference {worst:.2f} m²")
    unlocated = summary.units[summary.units["level"] == "unlocated"]
    for row in unlocated.itertuples(index=False):
        print(f"  {row.name}: {row.total_m2:,.2f} m² of patches with a blank ZLDWDM")
    for problem in summary.problems[:20]:
        print(f"  adjustment: {problem}")
    if len(summary.problems) > 20:
        print(f"  ... and {len(summary.problems) - 20} more (sheet 平差问题)")
    if "urban_plan" in ws.layers and not args.no_balance:
        plan = ws.layers["urban_plan"]
        area = plan.dissolve()[[plan.geometry.name]]
        population, where = ((args.population, "--population") if args.population
                             else _population(ws, area))
        # A.0.1 is the whole county (县域), A.0.2 the central city (the urban plan's area)
        survey_layer = ws.layers["land_survey"]
        balance = balance_tables(present_state(survey_layer, area=area), plan,
                                 population=population, plan_population=args.plan_population,
                                 climate_zone=args.climate_zone,
                                 whole=present_state(survey_layer))
        sheets += balance.sheets()
        planned = (f"{args.plan_population:,.0f}" if args.plan_population
                   else "not given (pass --plan-population)")
        print(f"GB 50137 balance tables: urban population now "
              f"{f'{population:,.0f} ({where})' if population else 'not given'}, "
              f"planned {planned}")
        for note in balance.notes:
            print(f"  note: {note}")
        for message in balance.failures["message"]:
            print(f"  - {message}")
    out = write_workbook(args.output, sheets).path
    print(f"wrote {out}")
    return 0


def cmd_inspect_quality(args: argparse.Namespace) -> int:
    """Run the quality rules; exit status 1 when anything was found."""
    from planning.survey import inspect_quality  # noqa: PLC0415

    ws = workspace(args.workspace)
    layers = args.layers.split(",") if args.layers else None
    report = inspect_quality(ws, rules=args.rules, layers=layers)
    rules = report.rules
    print(f"质检: {len(report.findings)} findings, "
          f"{int((rules['status'] == 'failed').sum())} of {len(rules)} rules failed, "
          f"{int((rules['status'] == 'not run').sum())} not run")
    for note in report.notes:
        print(f"  note: {note}")
    for row in rules[rules["status"] == "failed"].itertuples(index=False):
        print(f"  {row.rule_id} {row.description_zh}: {row.findings}")
    if not (rules["status"] != "not run").any():
        print("  no rule ran: the workspace has none of the layers the rules check "
              "(nothing was inspected)")
    path = report.to_gpkg(args.output)
    print(f"wrote {path}")
    if args.excel:
        print(f"wrote {report.to_excel(args.excel)}")
    return 0 if report.passed else 1


def add_commands(sub: Subcommands[argparse.ArgumentParser]) -> None:
    """Add this group's subcommands."""
    p = command(sub, "stats", cmd_stats, "the land-survey summary (现状汇总) and the GB 50137 "
                "balance tables A.0.1 / A.0.2, with the threshold checks (Excel)")
    p.add_argument("workspace", nargs="?", type=workspace_source)
    p.add_argument("-o", "--output", default="maps/stats.xlsx",
                   type=output(".xlsx", what="the statistics workbook"))
    p.add_argument("--population", type=_people,
                   help="urban population now (default: the urban population of the "
                   "township holding the planning area)")
    p.add_argument("--plan-population", type=_people, help="planned urban population")
    p.add_argument("--climate-zone", default="II", type=_zone,
                   help="building climate zone (GB 50178), I to VII (Taiqian: II)")
    p.add_argument("--no-adjust", action="store_true",
                   help="use the stored TBMJ as they are (no adjustment to KZMJ)")
    p.add_argument("--no-balance", action="store_true", help="skip tables A.0.1 / A.0.2")

    p = command(sub, "inspect-quality", cmd_inspect_quality,
                "data quality inspection (质检) of survey and plan layers: an error layer "
                "(GeoPackage) and a report (Excel); exit status 1 when anything is found")
    p.add_argument("workspace", nargs="?", type=workspace_source)
    p.add_argument("-o", "--output", default="maps/quality.gpkg",
                   type=output(".gpkg", what="the error layer"), help="the error layer "
                   "(GeoPackage)")
    p.add_argument("--excel", type=output(".xlsx", what="the quality report"),
                   help="also write the report to this workbook")
    p.add_argument("--rules", type=sheet_file,
                   help="a rules table of your own (.csv, .xlsx or .xls)")
    p.add_argument("--layers", help="comma-separated layers to inspect (default: all)")
