"""The result of the three-plans-in-one check: :class:`ConformityReport`."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from planning._core.units import HA_PER_M2, MU_PER_M2
from planning.areas import ellipsoidal_area
from planning.conformity._excel import ledger_sheets
from planning.conformity._patches import KINDS
from planning.io import atomic_output, write_workbook

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
        per township and code, in mu and ha), 面积核对 (the reconciliation, ellipsoidal and
        planar), 项目审查 (one row per project), 审查原因 (every reason), 碎图斑 (conflict
        slivers). Areas are ellipsoidal (CGCS2000, the land-survey method).
        """
        written = write_workbook(path, ledger_sheets(self))
        log.info("conflict ledger written to %s", written.path)
        return written.path

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

