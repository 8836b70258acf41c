"""Three plans in one (三规合一): discrepancy patches, project review, the conflict ledger.

- :func:`discrepancies`: overlay the urban plan (GB 50137 classes) and the land-use plan
  (TD/T 1024 classes), reduce both to construction / non-construction land and classify
  every patch: ``01`` both construction, ``02`` both non-construction, ``03`` land-use
  plan construction but urban plan not, ``04`` urban plan construction but land-use plan
  not. 03 and 04 are conflicts, sub-typed by what they occupy; reservoir water (TD/T 226
  against GB 50137 E1x) is its own, non-conflict kind. Slivers are flagged, never dropped;
  the area only one plan covers is reported too; areas reconcile.
- :func:`check_projects`: may each project be built where it is drawn? One row per project
  with its verdict (conforms / conditional / conflict) and every reason with its area.
- :func:`check_conformity`: both on a workspace, as a :class:`ConformityReport` with
  per-township statistics and Excel / GeoPackage export.

The method, the codes and the compatibility table are documented in docs/conformity.md.

Examples
--------
>>> import planning
>>> report = planning.check_conformity(planning.load_sample())
>>> sorted(report.projects.loc[report.projects["verdict"] == "conflict", "project_id"])[:3]
['TQ-001', 'TQ-002', 'TQ-008']
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import geopandas as gpd
import pandas as pd
import pyogrio

from planning import classes, settings
from planning._conformity_excel import write_workbook
from planning._conformity_patches import (
    HA_PER_M2,
    KINDS,
    MU_PER_M2,
    PiecesFn,
    check_plans,
    compute_patches,
)
from planning._conformity_projects import REASON_COLUMNS, check_projects_frame
from planning._errors import InputError, WorkspaceError
from planning.io import atomic_output
from planning.overlay import pieces_of

if TYPE_CHECKING:
    from collections.abc import Mapping

log = logging.getLogger(__name__)

__all__ = ["ConformityReport", "check_conformity", "check_projects", "discrepancies"]

#: Engines of the conformity check: the overlay function each one runs.
_ENGINES: dict[str, PiecesFn] = {"local": pieces_of}


def _engine(engine: str) -> PiecesFn:
    if engine == "dask" and engine not in _ENGINES:
        from planning import _dask  # noqa: PLC0415 - optional extra, imported on demand

        return _dask.pieces_of
    if engine not in _ENGINES:
        names = sorted({*_ENGINES, "dask"})
        msg = (f"Unknown engine {engine!r} for the conformity check: use one of "
               f"{', '.join(map(repr, names))} ('dask' needs the dask extra: "
               "pip install 'planning[dask]').")
        raise InputError(msg)
    return _ENGINES[engine]


def discrepancies(
    urban_plan: gpd.GeoDataFrame,
    landuse_plan: gpd.GeoDataFrame,
    *,
    basic_farmland: gpd.GeoDataFrame | None = None,
    townships: gpd.GeoDataFrame | None = None,
    min_area_m2: float = 66.7,
    urban_classification: classes.Classification = "gb50137",
    land_classification: classes.Classification = "tdt1024",
    engine: str = "local",
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
    engine : {"local", "dask"}
        Where the overlays run: this process's threads, or a Dask cluster (the current
        client; see :mod:`planning._dask` for client and partition options).
    workers : int, optional
        Threads of the local engine.

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
    plans = check_plans(
        {"urban_plan": urban_plan, "landuse_plan": landuse_plan, "townships": townships,
         "basic_farmland": basic_farmland},
        urban_classification=urban_classification, land_classification=land_classification,
    )
    return compute_patches(plans, basic_farmland=basic_farmland, townships=townships,
                           min_area_m2=min_area_m2, workers=workers, pieces=_engine(engine))


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
    engine: str = "local",
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
        land_classification=land_classification, workers=workers, pieces=_engine(engine),
    )
    return frame


class _WorkspaceLike(Protocol):
    """What :func:`check_conformity` needs of a workspace."""

    def __getitem__(self, key: str) -> pd.DataFrame: ...

    def __contains__(self, key: object) -> bool: ...


@dataclass(frozen=True, repr=False)
class ConformityReport:
    """The result of :func:`check_conformity`.

    Attributes
    ----------
    discrepancies : geopandas.GeoDataFrame
        The patches (see :func:`discrepancies`).
    projects : geopandas.GeoDataFrame
        One row per project (see :func:`check_projects`).
    reasons : pandas.DataFrame
        Every reason of every project: ``project_id``, ``check``, ``code``, ``name_zh``,
        ``verdict``, ``area_m2``, ``area_mu``, ``counted``, ``detail``, ``detail_zh``.
    by_township : pandas.DataFrame
        Area per township, code and kind: ``township``, ``code``, ``kind``, ``patches``,
        ``area_m2``, ``area_mu``, ``area_ha``.
    areas : pandas.Series
        The reconciliation in m2: ``urban_plan``, ``landuse_plan``, ``both`` (the analysed
        area: patches with a code), ``urban_plan_only``, ``landuse_plan_only``,
        ``conflict``, ``sliver``.
    """

    discrepancies: gpd.GeoDataFrame
    projects: gpd.GeoDataFrame
    reasons: pd.DataFrame
    by_township: pd.DataFrame
    areas: pd.Series = field(repr=False)

    @property
    def conflicts(self) -> gpd.GeoDataFrame:
        """The conflict patches (03/04 without reservoir water), slivers included."""
        return self.discrepancies[self.discrepancies["conflict"]].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Area (mu) of each kind of patch, and the number of projects per verdict.

        Examples
        --------
        >>> import planning
        >>> report = planning.check_conformity(planning.load_sample())
        >>> int(report.summary().loc["projects: conflict", "count"]) >= 1
        True
        """
        d = self.discrepancies
        rows = {f"patches: {k}": (int((d["kind"] == k).sum()),
                                  float(d.loc[d["kind"] == k, "area_mu"].sum()))
                for k in KINDS}
        for verdict in ("conforms", "conditional", "conflict"):
            rows[f"projects: {verdict}"] = (int((self.projects["verdict"] == verdict).sum()),
                                            float("nan"))
        return pd.DataFrame.from_dict(rows, orient="index", columns=["count", "area_mu"])

    def summary_text(self) -> str:
        """A few lines for a terminal: conflicts by code and sub-kind, projects by verdict.

        Examples
        --------
        >>> import planning
        >>> print(planning.check_conformity(planning.load_sample()).summary_text())
        ... # doctest: +ELLIPSIS
        三规合一 conformity: 144 conflict patches, 14,263.0 mu (2 slivers)
          04 basic_farmland: ...
        projects: 12 conflict, 1 conditional, 14 conforms
        """
        c = self.conflicts
        lines = [f"三规合一 conformity: {len(c)} conflict patches, {c['area_mu'].sum():,.1f} mu "
                 f"({int(c['sliver'].sum())} slivers)"]
        grouped = c.groupby(["code", "sub_kind"])["area_mu"].agg(["size", "sum"])
        for (code, sub), row in grouped.sort_values("sum", ascending=False).iterrows():
            lines.append(f"  {code} {sub}: {int(row['size'])} patches, {row['sum']:,.1f} mu")
        reservoir = self.discrepancies[self.discrepancies["kind"] == "reservoir_water"]
        if len(reservoir):
            lines.append(f"  reservoir water (not a conflict): {len(reservoir)} patches, "
                         f"{reservoir['area_mu'].sum():,.1f} mu")
        counts = self.projects["verdict"].value_counts()
        verdicts = [v for v in ("conflict", "conditional", "conforms") if v in counts]
        lines.append("projects: " + ", ".join(f"{int(counts[v])} {v}" for v in verdicts))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<ConformityReport: {len(self.discrepancies)} patches "
                f"({int(self.discrepancies['conflict'].sum())} conflicts), "
                f"{len(self.projects)} projects>")

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the conflict ledger workbook atomically; return its path.

        Sheets: 冲突台账 (one row per conflict patch of at least the minimum area, with
        empty 经发意见 / 规建意见 / 国土意见 / 处理措施 columns for the meeting), 汇总 (area
        per township and code, in mu and ha, and the reconciliation), 项目审查 (one row per
        project), 审查原因 (every reason), 碎图斑 (conflict slivers).
        """
        target = Path(path)
        with atomic_output(target) as tmp:
            write_workbook(self, tmp)
        log.info("conflict ledger written to %s", target)
        return target

    def to_gpkg(self, path: str | os.PathLike[str]) -> Path:
        """Write the patches, projects, reasons and township statistics to one GeoPackage
        (layers ``discrepancies``, ``projects``, ``reasons``, ``by_township``), atomically;
        an existing file at ``path`` is replaced."""
        target = Path(path)
        with atomic_output(target) as tmp:
            pyogrio.write_dataframe(self.discrepancies, tmp, layer="discrepancies",
                                    driver="GPKG", geometry_type="Unknown")
            pyogrio.write_dataframe(self.projects, tmp, layer="projects", driver="GPKG",
                                    geometry_type="Unknown")
            pyogrio.write_dataframe(self.reasons, tmp, layer="reasons", driver="GPKG")
            pyogrio.write_dataframe(self.by_township, tmp, layer="by_township", driver="GPKG")
        log.info("conformity layers written to %s", target)
        return target


def check_conformity(
    ws: _WorkspaceLike | Mapping[str, pd.DataFrame],
    *,
    engine: str = "local",
    min_area_m2: float | None = None,
    plan_key: str | None = "fyp12",
    workers: int | None = None,
) -> ConformityReport:
    """Run the three-plans-in-one check on a workspace.

    Uses the layers ``urban_plan``, ``landuse_plan`` and ``projects`` (required) and
    ``townships``, ``control_zones``, ``control_lines`` (when present; the
    ``permanent_basic_farmland`` control lines sub-type the conflicts).

    Parameters
    ----------
    ws : planning.Workspace or mapping of layer name to GeoDataFrame
    engine : {"local", "dask"}
        Where the overlays run; other names raise an error listing the engines.
    min_area_m2 : float, optional
        Sliver threshold for the patches (default ``planning.settings.sliver_area_m2``).
    plan_key : str or None, default "fyp12"
        Key of the development plan in the projects' ``listed_in``.
    workers : int, optional
        Threads of the local engine.

    Returns
    -------
    ConformityReport

    Examples
    --------
    >>> import planning
    >>> report = planning.check_conformity(planning.load_sample())
    >>> bool(report.conflicts["area_m2"].sum() > 0)
    True
    >>> a = report.areas  # the land-use plan = its part shared with the urban plan + the rest
    >>> bool(abs(a["both"] + a["landuse_plan_only"] - a["landuse_plan"]) < 1e-3)
    True
    """
    pieces = _engine(engine)
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
                              min_area_m2=sliver, workers=workers, pieces=pieces)
    projects, reasons = check_projects_frame(
        ws["projects"], urban_plan=ws["urban_plan"], landuse_plan=ws["landuse_plan"],
        control_zones=layer("control_zones"), control_lines=lines, plan_key=plan_key,
        workers=workers, pieces=pieces,
    )
    return ConformityReport(
        discrepancies=patches, projects=projects, reasons=reasons[REASON_COLUMNS],
        by_township=_by_township(patches),
        areas=_areas(patches, ws["urban_plan"], ws["landuse_plan"]),
    )


def _by_township(patches: gpd.GeoDataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(patches.drop(columns=patches.geometry.name))
    frame["code"] = frame["code"].fillna("")
    grouped = frame.groupby(["township", "code", "kind"], dropna=False, sort=True).agg(
        patches=("patch_id", "size"), area_m2=("area_m2", "sum")).reset_index()
    grouped["code"] = grouped["code"].replace("", pd.NA)
    grouped["area_mu"] = grouped["area_m2"] * MU_PER_M2
    grouped["area_ha"] = grouped["area_m2"] * HA_PER_M2
    return grouped


def _areas(
    patches: gpd.GeoDataFrame, urban: gpd.GeoDataFrame, land: gpd.GeoDataFrame
) -> pd.Series:
    kind = patches["kind"]
    area = patches["area_m2"]
    return pd.Series({
        "urban_plan": float(urban.area.sum()),
        "landuse_plan": float(land.area.sum()),
        "both": float(area[patches["code"].notna()].sum()),
        "urban_plan_only": float(area[kind == "urban_plan_only"].sum()),
        "landuse_plan_only": float(area[kind == "landuse_plan_only"].sum()),
        "conflict": float(area[patches["conflict"]].sum()),
        "sliver": float(area[patches["sliver"]].sum()),
    }, name="area_m2")

