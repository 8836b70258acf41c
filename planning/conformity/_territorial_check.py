"""The territorial review's public entry point and its part of :func:`check_conformity`."""

from __future__ import annotations

from typing import NamedTuple, Protocol

import geopandas as gpd
import pandas as pd

from planning._errors import WorkspaceError
from planning.conformity._plan_conflicts import plan_conflicts
from planning.conformity._territorial import review_sites
from planning.overlay import Engine, get_engine

#: The plan systems :func:`planning.check_conformity` reviews projects against.
SYSTEMS = ("two-plans", "territorial", "both")
#: The layers of the territorial plan the review reads (any of them; ``projects`` required).
TERRITORIAL_INPUTS = ("planning_zones", "landsea_use", "control_lines")


def check_territorial(
    projects: gpd.GeoDataFrame,
    *,
    planning_zones: gpd.GeoDataFrame | None = None,
    landsea_use: gpd.GeoDataFrame | None = None,
    control_lines: gpd.GeoDataFrame | None = None,
    land_survey: gpd.GeoDataFrame | None = None,
    min_area_m2: float = 1.0,
    engine: str | Engine = "local",
    workers: int | None = None,
) -> gpd.GeoDataFrame:
    """Review each project's site against the territorial spatial plan: one row per project.

    Sites are drawn as in :func:`planning.check_projects` (lines buffered by half their
    ``width_m``, points checked as points). The project's use is its ``landsea_class`` (2023
    guide) when the layer has one, else its GB 50137 ``land_class`` through the crosswalk
    ``planning/data/territorial/project_uses.csv``. Each reason names what the site occupies
    and by how much:

    - control lines (``territorial_line``): permanent basic farmland and the ecological red
      line conflict; inside the urban development boundary the reason names the zone kind
      (城镇集中建设区 / 城镇弹性发展区 / 特别用途区);
    - planning zones (``planning_zone``, GHFQDM): whether the use is allowed in each zone the
      site falls in (``zone_uses.csv``: e.g. a new village in 一般农业区 is a conflict, an
      urban use in 城镇弹性发展区 conditional);
    - without planning zones, the boundary's zone kind judges the use and an urban use
      outside the boundary is a conflict (``outside_development_boundary``);
    - land/sea use of the central urban area (``landsea_use``, YDYHFLDM): the project's use
      against the zoned class (``landsea_compatibility.csv``); ground outside the layer is
      reported (``outside_central_area``), not judged.

    Parameters
    ----------
    projects : geopandas.GeoDataFrame
        ``project_id``, ``land_class`` (and optionally ``landsea_class``), ``width_m`` for
        lines.
    planning_zones, landsea_use, control_lines : geopandas.GeoDataFrame, optional
        The territorial plan's layers (see docs/territorial.md for their columns).
    land_survey : geopandas.GeoDataFrame, optional
        Third-survey land patches (DLTB: ``class_code`` from DLBM, ``ownership`` from QSXZ);
        only :func:`planning.check_conformity` reports the area breakdown from it.
    min_area_m2 : float, default 1.0
        Reasons occupying less are listed but do not count towards the verdict.
    engine, workers
        As :func:`planning.check_projects`.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`planning.check_projects`, plus ``landsea_class`` (the use in
        the 2023 guide's codes); ``reasons_zh`` in Chinese.

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> review = planning.check_territorial(
    ...     ws["projects"], planning_zones=ws["planning_zones"],
    ...     landsea_use=ws["landsea_use"], control_lines=ws["control_lines"])
    >>> review.set_index("project_id").loc["TQ-011", "reasons_zh"].split("；")[0]
    '冲突：用地用海1001 工业用地，占用157.50亩（项目用途与规划用地用海分类不兼容）'
    """
    runner = get_engine(engine) if workers is None else get_engine(engine, workers=workers)
    return review_sites(projects, planning_zones=planning_zones, landsea_use=landsea_use,
                        control_lines=control_lines, land_survey=land_survey,
                        min_area_m2=min_area_m2, engine=runner).projects


class _Layers(Protocol):
    """What the review needs of a workspace (a Workspace or a mapping of frames)."""

    def __getitem__(self, key: str) -> pd.DataFrame: ...

    def __contains__(self, key: object) -> bool: ...


class TerritorialParts(NamedTuple):
    """The territorial frames of a :class:`planning.ConformityReport`."""

    projects: gpd.GeoDataFrame
    reasons: pd.DataFrame
    land_breakdown: pd.DataFrame
    plan_conflicts: gpd.GeoDataFrame


def check_system(system: object) -> str:
    """The ``system=`` asked for, or an error naming the choices."""
    if system not in SYSTEMS:
        msg = (f"system must be one of {', '.join(map(repr, SYSTEMS))} (the plans the projects "
               f"are reviewed against), got {system!r}.")
        raise WorkspaceError(msg)
    return str(system)


def territorial_parts(
    ws: _Layers, *, engine: Engine, boundary_quota_mu: float | None,
    min_area_m2: float = 1.0,
) -> TerritorialParts:
    """The territorial review of a workspace's projects and the plan's own conflicts."""

    def layer(name: str) -> gpd.GeoDataFrame | None:
        frame = ws[name] if name in ws else None  # noqa: SIM401 - a Workspace has no .get
        return frame if isinstance(frame, gpd.GeoDataFrame) else None

    if layer("projects") is None or not any(layer(n) is not None for n in TERRITORIAL_INPUTS):
        msg = ("The territorial review needs a projects layer and at least one of the "
               f"territorial plan's layers ({', '.join(TERRITORIAL_INPUTS)}). Add them with "
               "ws.add_layer(name, frame), or open the bureau's File Geodatabase (GHFQ, "
               "ZXCQGHYDYH, STBHHX, YJJBNTBHTB, CZKFBJ) with planning.open_workspace().")
        raise WorkspaceError(msg)
    review = review_sites(ws["projects"], planning_zones=layer("planning_zones"),
                          landsea_use=layer("landsea_use"),
                          control_lines=layer("control_lines"),
                          land_survey=layer("land_survey"), min_area_m2=min_area_m2,
                          engine=engine)
    conflicts = plan_conflicts(control_lines=layer("control_lines"),
                               planning_zones=layer("planning_zones"), county=layer("county"),
                               boundary_quota_mu=boundary_quota_mu, engine=engine)
    return TerritorialParts(review.projects, review.reasons, review.breakdown, conflicts)
