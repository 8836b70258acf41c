"""The data commands: ``info``, ``inspect``, ``import``."""

from __future__ import annotations

import argparse
from pathlib import Path

from planning.cli._common import Subcommands, command, workspace


def cmd_info(args: argparse.Namespace) -> int:
    ws = workspace(args.workspace)
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


def add_commands(sub: Subcommands[argparse.ArgumentParser]) -> None:
    """Add this group's subcommands."""
    p = command(sub, "info", cmd_info, "what a workspace holds (default: the sample)")
    p.add_argument("workspace", nargs="?", help=".gpkg, .gdb, folder or postgresql:// URL")

    p = command(sub, "inspect", cmd_inspect,
                "read a layer file and show what was found and repaired")
    p.add_argument("path")
    p.add_argument("--layer")
    p.add_argument("--encoding", help="text encoding of a Shapefile (e.g. gbk)")
    p.add_argument("--crs", help="CRS of the coordinates when the file has none")
    p.add_argument("--swap-xy", action="store_true", help="swap x and y")
    p.add_argument("--rows", type=int, default=5)

    p = command(sub, "import", cmd_import,
                "read files into a workspace (layer name from file or =NAME)")
    p.add_argument("sources", nargs="+", metavar="FILE[=LAYER]")
    p.add_argument("-o", "--output", required=True, help="workspace .gpkg (created or updated)")
    p.add_argument("--name", help="workspace title")
    p.add_argument("--encoding")
    p.add_argument("--crs")
