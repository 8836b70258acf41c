"""The checks of three plans in one: :func:`discrepancies`, :func:`check_projects` and
:func:`check_conformity` (both on a workspace).

- discrepancy codes: ``01`` both construction, ``02`` both non-construction, ``03`` land-use
  plan construction but urban plan not, ``04`` urban plan construction but land-use plan
  not. 03 and 04 are conflicts, sub-typed by what they occupy; reservoir water (TD/T 226
  against GB 50137 E1x) is its own, non-conflict kind. Slivers are flagged, never dropped;
  the area only one plan covers is reported too; areas reconcile.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

import geopandas as gpd
import pandas as pd

from planning import classes, settings
from planning._errors import WorkspaceError
from planning.conformity._patches import check_plans, compute_patches
from planning.conformity._projects import REASON_COLUMNS, check_projects_frame
from planning.conformity._report import ConformityReport, by_township, reconciled_areas
from planning.conformity._territorial_check import check_system, territorial_parts
from planning.overlay import Engine, get_engine

if TYPE_CHECKING:
    from collections.abc import Mapping

log = logging.getLogger(__name__)


def _engine(engine: str | Engine, workers: int | None) -> Engine:
    """The engine asked for (``workers``, when given, is the local engine's option)."""
    return get_engine(engine) if workers is None else get_engine(engine, workers=workers)


def discrepancies(
    urban_plan: gpd.GeoDataFrame,
    landuse_plan: gpd.GeoDataFrame,
    *,
    basic_farmland: gpd.GeoDataFrame | None = None,
    townships: gpd.GeoDataFrame | None = None,
    min_area_m2: float = 66.7,
    urban_classification: classes.Classification = "gb50137",
    land_classification: classes.Classification = "tdt1024",
    engine: str | Engine = "local",
    workers: int | None = None,
) -> gpd.GeoDataFrame:
    """Return the discrepancy patches of the urban plan and the land-use plan.

    Parameters
    ----------
    urban_plan : geopandas.GeoDataFrame
        Polygon coverage with the GB 50137 class in ``class_code`` (``zone_id`` is carried
        over when present).
    landuse_plan : geopandas.GeoDataFrame
        Polygon coverage with the TD/T 1024 class in ``class_code`` and, optionally, the
        land-use zone (TDYTQLXDM) in ``landuse_zone`` (``patch_id`` is carried over).
    basic_farmland : geopandas.GeoDataFrame, optional
        Basic-farmland polygons (for example the ``permanent_basic_farmland`` control
        lines); conflict patches inside them get ``sub_kind`` ``basic_farmland``.
    townships : geopandas.GeoDataFrame, optional
        Township polygons with ``name_zh``; patches are split by township.
    min_area_m2 : float, default 66.7 (0.1 mu)
        Patches smaller than this are flagged ``sliver`` (kept, never dropped).
    urban_classification, land_classification : str, path or DataFrame
        The classification tables (see :mod:`planning.classes`); pass your own for
        provincial variants.
    engine : {"local", "dask"} or planning.overlay.Engine, default "local"
        Where the overlays run: this process's threads, a Dask cluster (the current client),
        or an engine object such as ``planning.overlay.DaskEngine(client=client,
        npartitions=8)`` (see :mod:`planning.overlay.engines`).
    workers : int, optional
        Threads of the local engine (the same as ``engine=LocalEngine(workers=...)``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per patch: ``patch_id``, ``code`` (01-04; missing where only one plan
        covers the ground), ``kind`` (``conflict``, ``reservoir_water``, ``consistent``,
        ``urban_plan_only``, ``landuse_plan_only``), ``sub_kind`` (for conflicts:
        ``basic_farmland``, ``other_farmland``, ``ecological``, ``other``; for reservoirs
        ``reservoir_water``), ``conflict`` (bool), ``township``, ``urban_class``,
        ``urban_class_name``, ``land_class``, ``land_class_name``, ``landuse_zone``,
        ``urban_zone_id``, ``land_patch_id``, ``area_m2``, ``area_mu``, ``area_ha``,
        ``sliver``, geometry. Conflicts come first, largest first within a township.
        The patches with a code add up to the area both plans cover, and all patches to
        the area either plan covers.

    Raises
    ------
    CRSError
        Missing, different or geographic CRSs.
    GeometryError
        Missing columns, invalid or non-polygonal geometries, or overlapping polygons
        inside one plan (every overlap listed, with its place and area).
    UnknownCodeError
        Codes not in the classification tables (each listed with its rows).

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> patches = planning.discrepancies(ws["urban_plan"], ws["landuse_plan"],
    ...                                  townships=ws["townships"])
    >>> sorted(patches["code"].dropna().unique())
    ['01', '02', '03', '04']
    >>> bool(patches.loc[patches["kind"] == "reservoir_water", "conflict"].any())
    False
    """
    runner = _engine(engine, workers)
    plans = check_plans(
        {"urban_plan": urban_plan, "landuse_plan": landuse_plan, "townships": townships,
         "basic_farmland": basic_farmland},
        urban_classification=urban_classification, land_classification=land_classification,
    )
    return compute_patches(plans, basic_farmland=basic_farmland, townships=townships,
                           min_area_m2=min_area_m2, engine=runner)


def check_projects(
    projects: gpd.GeoDataFrame,
    *,
    urban_plan: gpd.GeoDataFrame,
    landuse_plan: gpd.GeoDataFrame,
    control_zones: gpd.GeoDataFrame | None = None,
    control_lines: gpd.GeoDataFrame | None = None,
    plan_key: str | None = "fyp12",
    min_area_m2: float = 1.0,
    urban_classification: classes.Classification = "gb50137",
    land_classification: classes.Classification = "tdt1024",
    engine: str | Engine = "local",
    workers: int | None = None,
) -> gpd.GeoDataFrame:
    """Review each project's site against the plans: one row per project.

    Polygon sites are used as drawn; line sites (roads, pipes) are buffered by half their
    ``width_m`` on each side (flat ends); point sites are checked as points and their
    reasons say so (no area). Each reason names the zone or class and the occupied area:

    - construction-control zone (GZQLXDM): 010 conforms, 020 conditional, 030 and 040
      conflict;
    - land-use zone (TDYTQLXDM, when ``landuse_zone`` is given): 010 basic farmland and
      080 heritage conflict, 070 ecological conditional;
    - land-use plan class: non-construction land occupied is conditional (it needs
      conversion or a plan adjustment);
    - urban plan class: the intended use (``land_class``, GB 50137) against the zoned class,
      by the compatibility table (:func:`planning.classes.compatibility`); ground outside the
      urban plan is reported, not judged;
    - control lines: permanent basic farmland and the ecological red line conflict; an urban
      use (R, A, B, M, W, S, U, G) outside the urban development boundary is conditional;
    - development plan: a project not listed under ``plan_key`` in ``listed_in`` is
      conditional.

    Parameters
    ----------
    projects : geopandas.GeoDataFrame
        ``project_id``, ``land_class`` (GB 50137 intended use), ``listed_in``
        (``;``-separated plan keys), ``width_m`` for lines; Point, LineString or Polygon.
    urban_plan, landuse_plan, control_zones, control_lines : geopandas.GeoDataFrame
        The plan layers (see the layer contract in docs/ARCHITECTURE.md).
    plan_key : str or None, default "fyp12"
        Key of the development plan in ``listed_in``; None skips that check.
    min_area_m2 : float, default 1.0
        Reasons occupying less than this are listed but do not count towards the verdict
        (digitising noise along shared edges).
    urban_classification, land_classification, engine, workers
        As :func:`discrepancies`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``project_id``, ``name_zh``, ``land_class``, ``site_kind`` (polygon / line / point),
        ``site_area_m2``, ``site_area_mu``, ``verdict``, ``n_conflicts``, ``n_conditions``,
        ``reasons`` and ``reasons_zh`` (every reason, worst first), and the project geometry.

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> review = planning.check_projects(
    ...     ws["projects"], urban_plan=ws["urban_plan"], landuse_plan=ws["landuse_plan"],
    ...     control_zones=ws["control_zones"], control_lines=ws["control_lines"])
    >>> housing = review.set_index("project_id").loc["TQ-011"]  # worker housing zoned M
    >>> housing["verdict"], housing["reasons"].split("; ")[0]
    ('conflict', 'conflict: urban plan class M1 一类工业用地, 105,000.0 m2 (157.50 mu)')
    """
    frame, _ = check_projects_frame(
        projects, urban_plan=urban_plan, landuse_plan=landuse_plan,
        control_zones=control_zones, control_lines=control_lines, plan_key=plan_key,
        min_area_m2=min_area_m2, urban_classification=urban_classification,
        land_classification=land_classification, engine=_engine(engine, workers),
    )
    return frame


class _WorkspaceLike(Protocol):
    """What :func:`check_conformity` needs of a workspace."""

    def __getitem__(self, key: str) -> pd.DataFrame: ...

    def __contains__(self, key: object) -> bool: ...


def check_conformity(
    ws: _WorkspaceLike | Mapping[str, pd.DataFrame],
    *,
    engine: str | Engine = "local",
    min_area_m2: float | None = None,
    plan_key: str | None = "fyp12",
    workers: int | None = None,
    system: str = "two-plans",
    boundary_quota_mu: float | None = None,
) -> ConformityReport:
    """Run the three-plans-in-one check on a workspace.

    Uses the layers ``urban_plan``, ``landuse_plan`` and ``projects`` (required) and
    ``townships``, ``control_zones``, ``control_lines`` (when present; the
    ``permanent_basic_farmland`` control lines sub-type the conflicts).

    Parameters
    ----------
    ws : planning.Workspace or mapping of layer name to GeoDataFrame
    engine : {"local", "dask"} or planning.overlay.Engine, default "local"
        Where the overlays run, as in :func:`discrepancies`: ``engine="dask"`` uses the
        current Dask client; ``engine=DaskEngine(client=client, npartitions=64)`` the one
        given. Other names raise an error listing the engines.
    min_area_m2 : float, optional
        Sliver threshold for the patches (default ``planning.settings.sliver_area_m2``).
    plan_key : str or None, default "fyp12"
        Key of the development plan in the projects' ``listed_in``.
    workers : int, optional
        Threads of the local engine (the same as ``engine=LocalEngine(workers=...)``).
    system : {"two-plans", "territorial", "both"}, default "two-plans"
        The plans the projects are reviewed against: the urban plan and the land-use plan
        (three plans in one, as above); the territorial spatial plan (the layers
        ``planning_zones``, ``landsea_use``, ``control_lines`` and, for the area breakdown,
        ``land_survey``: :func:`check_territorial`, docs/territorial.md), whose review is
        then the report's ``projects``; or both, the two-plans review in ``projects`` and the
        territorial one in ``territorial_projects``.
    boundary_quota_mu : float, optional
        The development boundary's quota (mu); with a territorial review, a boundary larger
        than it is a conflict of the plan (``report.plan_conflicts``).

    Returns
    -------
    ConformityReport

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> both = planning.check_conformity(ws, system="both")
    >>> both.projects["project_id"].tolist() == both.territorial_projects["project_id"].tolist()
    True
    >>> report = planning.check_conformity(planning.load_sample())
    >>> bool(report.conflicts["area_m2"].sum() > 0)
    True
    >>> a = report.areas  # the land-use plan = its part shared with the urban plan + the rest
    >>> bool(abs(a["both"] + a["landuse_plan_only"] - a["landuse_plan"]) < 1e-3)
    True
    """
    runner = _engine(engine, workers)
    system = check_system(system)
    territorial = None if system == "two-plans" else territorial_parts(
        ws, engine=runner, boundary_quota_mu=boundary_quota_mu)
    if territorial is not None and system == "territorial":
        return ConformityReport.territorial_only(territorial)
    missing = [n for n in ("urban_plan", "landuse_plan", "projects") if n not in ws]
    if missing:
        msg = (f"The workspace has no {', '.join(missing)} layer(s), which the conformity "
               "check needs. Add them with ws.add_layer(name, frame).")
        raise WorkspaceError(msg)

    def layer(name: str) -> gpd.GeoDataFrame | None:
        if name not in ws:
            return None
        frame = ws[name]
        return frame if isinstance(frame, gpd.GeoDataFrame) else None

    lines = layer("control_lines")
    farmland = (lines[lines["line_type"].astype(str) == "permanent_basic_farmland"]
                if lines is not None and "line_type" in lines else None)
    sliver = settings.sliver_area_m2 if min_area_m2 is None else min_area_m2
    plans = check_plans(
        {"urban_plan": ws["urban_plan"], "landuse_plan": ws["landuse_plan"],
         "townships": layer("townships"), "basic_farmland": farmland},
    )
    patches = compute_patches(plans, basic_farmland=farmland, townships=layer("townships"),
                              min_area_m2=sliver, engine=runner)
    projects, reasons = check_projects_frame(
        ws["projects"], urban_plan=ws["urban_plan"], landuse_plan=ws["landuse_plan"],
        control_zones=layer("control_zones"), control_lines=lines, plan_key=plan_key,
        engine=runner,
    )
    report = ConformityReport(
        discrepancies=patches, projects=projects, reasons=reasons[REASON_COLUMNS],
        by_township=by_township(patches),
        areas=reconciled_areas(patches, ws["urban_plan"], ws["landuse_plan"]),
    )
    return report if territorial is None else report.with_territorial(territorial)


