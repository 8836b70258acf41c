"""The result of the three-plans-in-one check: :class:`ConformityReport`."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio

from planning._core.units import HA_PER_M2, MU_PER_M2
from planning.areas import ellipsoidal_area
from planning.conformity._excel import ledger_sheets
from planning.conformity._excel_territorial import territorial_sheets
from planning.conformity._patches import KINDS
from planning.io import atomic_output, write_workbook

if TYPE_CHECKING:
    from planning.conformity._territorial_check import TerritorialParts

log = logging.getLogger(__name__)


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
        ``verdict``, ``area_m2``, ``area_mu``, ``area_ha``, ``counted``, ``detail``,
        ``detail_zh``.
    by_township : pandas.DataFrame
        Area per township, code and kind: ``township``, ``code``, ``kind``, ``patches``,
        ``area_m2``, ``area_mu``, ``area_ha`` (ellipsoidal), ``planar_area_m2``.
    areas : pandas.Series
        The reconciliation in ellipsoidal m2: ``urban_plan``, ``landuse_plan``, ``both``
        (the analysed area: patches with a code), ``urban_plan_only``,
        ``landuse_plan_only``, ``conflict``, ``sliver``.
    planar_areas : pandas.Series
        The same reconciliation in the plane of the CRS (``planar_area_m2``).
    system : str
        The plans the projects were reviewed against: ``"two-plans"`` (the above),
        ``"territorial"`` (then ``projects`` and ``reasons`` are the territorial review and
        the patch tables are empty) or ``"both"``.
    territorial_projects : geopandas.GeoDataFrame or None
        The territorial review, one row per project (see :func:`check_territorial`); None
        for a two-plans report.
    territorial_reasons : pandas.DataFrame or None
        Its reasons, in the columns of ``reasons`` (checks in
        :data:`planning.conformity.TERRITORIAL_CHECKS`).
    land_breakdown : pandas.DataFrame or None
        The area breakdown of each site from the land survey: ``project_id``,
        ``ownership`` (``all``, ``state``, ``collective``, ``unknown``), the areas of
        :data:`planning.conformity.BREAKDOWN_AREAS` (m²), ``note``, ``note_zh`` (which say
        when the workspace has no ``land_survey``).
    plan_conflicts : geopandas.GeoDataFrame or None
        Conflicts of the territorial plan itself: ``conflict_id``, ``check``
        (:data:`planning.conformity.PLAN_CHECKS`), ``what``, ``verdict``, ``area_m2``,
        ``area_mu``, ``area_ha``, ``sliver``, ``detail_zh``, geometry.

    Every ``area_m2`` / ``area_mu`` / ``area_ha`` is ellipsoidal
    (:func:`planning.ellipsoidal_area`, the land-survey method); ``planar_area_m2`` is the
    area in the plane of the layers' CRS.
    """

    discrepancies: gpd.GeoDataFrame
    projects: gpd.GeoDataFrame
    reasons: pd.DataFrame
    by_township: pd.DataFrame
    areas: pd.Series = field(repr=False)
    planar_areas: pd.Series | None = field(default=None, repr=False)
    system: str = "two-plans"
    territorial_projects: gpd.GeoDataFrame | None = field(default=None, repr=False)
    territorial_reasons: pd.DataFrame | None = field(default=None, repr=False)
    land_breakdown: pd.DataFrame | None = field(default=None, repr=False)
    plan_conflicts: gpd.GeoDataFrame | None = field(default=None, repr=False)

    @classmethod
    def territorial_only(cls, parts: TerritorialParts) -> ConformityReport:
        """A report of the territorial review alone (no patches: the two-plans tables are
        empty, with their columns)."""
        crs = parts.projects.crs
        patches = gpd.GeoDataFrame({c: pd.Series(dtype=t) for c, t in _PATCH_COLUMNS.items()},
                                   geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        areas = pd.Series(0.0, index=list(_AREA_KEYS), name="area_m2")
        return cls(discrepancies=patches, projects=parts.projects, reasons=parts.reasons,
                   by_township=by_township(patches), areas=areas, system="territorial",
                   territorial_projects=parts.projects, territorial_reasons=parts.reasons,
                   land_breakdown=parts.land_breakdown, plan_conflicts=parts.plan_conflicts)

    def with_territorial(self, parts: TerritorialParts) -> ConformityReport:
        """This two-plans report with the territorial review beside it (``system="both"``)."""
        return replace(self, system="both", territorial_projects=parts.projects,
                       territorial_reasons=parts.reasons, land_breakdown=parts.land_breakdown,
                       plan_conflicts=parts.plan_conflicts)

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
        三规合一 conformity: 144 conflict patches, 14,259.4 mu (2 slivers)
          04 basic_farmland: ...
        projects: 12 conflict, 1 conditional, 14 conforms
        """
        if self.system == "territorial":
            return self._territorial_text()
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
        if self.system == "both":
            lines.append(self._territorial_text())
        return "\n".join(lines)

    def _territorial_text(self) -> str:
        """The territorial review in a few lines: verdicts and the plan's own conflicts."""
        frame = self.territorial_projects
        if frame is None:
            return ""
        counts = frame["verdict"].value_counts()
        verdicts = [v for v in ("conflict", "conditional", "conforms") if v in counts]
        lines = ["国土空间规划 territorial review: projects " + ", ".join(
            f"{int(counts[v])} {v}" for v in verdicts)]
        conflicts = self.plan_conflicts
        if conflicts is not None and len(conflicts):
            counted = conflicts[~conflicts["sliver"].astype(bool)]
            for check, part in counted.groupby("check", sort=False):
                lines.append(f"  plan conflict {check}: {len(part)}, "
                             f"{part['area_mu'].sum():,.1f} mu")
            slivers = int(conflicts["sliver"].astype(bool).sum())
            if slivers:
                lines.append(f"  plan slivers (not counted): {slivers}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<ConformityReport: {len(self.discrepancies)} patches "
                f"({int(self.discrepancies['conflict'].sum())} conflicts), "
                f"{len(self.projects)} projects>")

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the conflict ledger workbook atomically; return its path.

        Sheets: 冲突台账 (one row per conflict patch of at least the minimum area, with
        empty 经发意见 / 规建意见 / 国土意见 / 处理措施 columns for the meeting), 汇总 (area
        per township and code, in mu and ha), 面积核对 (the reconciliation, ellipsoidal and
        planar), 项目审查 (one row per project), 审查原因 (every reason), 碎图斑 (conflict
        slivers); with a territorial review, 国土空间规划审查, 国土审查原因, 用地构成 and
        规划自身冲突 (only those for ``system="territorial"``). Areas are ellipsoidal
        (CGCS2000, the land-survey method).
        """
        sheets = [] if self.system == "territorial" else ledger_sheets(self)
        written = write_workbook(path, [*sheets, *territorial_sheets(self)])
        log.info("conflict ledger written to %s", written.path)
        return written.path

    def to_gpkg(self, path: str | os.PathLike[str]) -> Path:
        """Write the patches, projects, reasons and township statistics to one GeoPackage
        (layers ``discrepancies``, ``projects``, ``reasons``, ``by_township``), atomically;
        an existing file at ``path`` is replaced."""
        target = Path(path)
        with atomic_output(target) as tmp:
            if self.system != "territorial":
                pyogrio.write_dataframe(self.discrepancies, tmp, layer="discrepancies",
                                        driver="GPKG", geometry_type="Unknown")
            pyogrio.write_dataframe(self.projects, tmp, layer="projects", driver="GPKG",
                                    geometry_type="Unknown")
            pyogrio.write_dataframe(self.reasons, tmp, layer="reasons", driver="GPKG")
            if self.system != "territorial":
                pyogrio.write_dataframe(self.by_township, tmp, layer="by_township",
                                        driver="GPKG")
            self._territorial_layers(tmp)
        log.info("conformity layers written to %s", target)
        return target

    def _territorial_layers(self, path: Path) -> None:
        """The territorial frames as layers of the GeoPackage being written."""
        if self.system == "both" and self.territorial_projects is not None:
            pyogrio.write_dataframe(self.territorial_projects, path,
                                    layer="territorial_projects", driver="GPKG",
                                    geometry_type="Unknown")
            if self.territorial_reasons is not None:
                pyogrio.write_dataframe(self.territorial_reasons, path,
                                        layer="territorial_reasons", driver="GPKG")
        if self.land_breakdown is not None:
            pyogrio.write_dataframe(self.land_breakdown, path, layer="land_breakdown",
                                    driver="GPKG")
        if self.plan_conflicts is not None and len(self.plan_conflicts):
            pyogrio.write_dataframe(self.plan_conflicts, path, layer="plan_conflicts",
                                    driver="GPKG", geometry_type="Unknown")


#: the columns of the patch table (see :func:`planning.discrepancies`), for empty reports
_PATCH_COLUMNS = {
    "patch_id": object, "code": object, "kind": object, "sub_kind": object, "conflict": bool,
    "township": object, "urban_class": object, "urban_class_name": object,
    "land_class": object, "land_class_name": object, "landuse_zone": object,
    "urban_zone_id": object, "land_patch_id": object, "area_m2": float, "area_mu": float,
    "area_ha": float, "planar_area_m2": float, "sliver": bool,
}
_AREA_KEYS = ("urban_plan", "landuse_plan", "both", "urban_plan_only", "landuse_plan_only",
              "conflict", "sliver")


def by_township(patches: gpd.GeoDataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(patches.drop(columns=patches.geometry.name))
    frame["code"] = frame["code"].fillna("")
    grouped = frame.groupby(["township", "code", "kind"], dropna=False, sort=True).agg(
        patches=("patch_id", "size"), area_m2=("area_m2", "sum"),
        planar_area_m2=("planar_area_m2", "sum")).reset_index()
    grouped["code"] = grouped["code"].replace("", pd.NA)
    grouped["area_mu"] = grouped["area_m2"] * MU_PER_M2
    grouped["area_ha"] = grouped["area_m2"] * HA_PER_M2
    return grouped[["township", "code", "kind", "patches", "area_m2", "area_mu", "area_ha",
                    "planar_area_m2"]]


def reconciled_areas(
    patches: gpd.GeoDataFrame, urban: gpd.GeoDataFrame, land: gpd.GeoDataFrame, *,
    planar: bool = False,
) -> pd.Series:
    """The areas that reconcile (ellipsoidal m², or planar with ``planar=True``)."""
    kind = patches["kind"]
    column = "planar_area_m2" if planar else "area_m2"
    area = patches[column]

    def total(layer: gpd.GeoDataFrame) -> float:
        return float(layer.area.sum() if planar else ellipsoidal_area(layer).sum())

    return pd.Series({
        "urban_plan": total(urban),
        "landuse_plan": total(land),
        "both": float(area[patches["code"].notna()].sum()),
        "urban_plan_only": float(area[kind == "urban_plan_only"].sum()),
        "landuse_plan_only": float(area[kind == "landuse_plan_only"].sum()),
        "conflict": float(area[patches["conflict"]].sum()),
        "sliver": float(area[patches["sliver"]].sum()),
    }, name=column)

