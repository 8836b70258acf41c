"""Coverage of the responsibility zones: gaps, overlaps, edges (:func:`check_coverage`)."""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._core.geometry import polygonal
from planning._errors import InputError, Problem
from planning._validate import check_crs
from planning.io import write_layers
from planning.sanitation._geometry import (
    area_geometry,
    check_zones,
    fill_holes,
    gap_pieces,
    geo_frame,
    is_sliver,
    overlap_pairs,
)
from planning.sanitation._reports import problems_table, save_excel

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# coverage


@dataclass(frozen=True)
class CoverageReport:
    """What :func:`check_coverage` found: the pieces and figures that reconcile.

    Attributes
    ----------
    gaps : geopandas.GeoDataFrame
        One row per piece of the area that no zone covers: ``gap_id`` (``G1``, ``G2``, ...
        largest first), ``area_m2``, ``sliver`` (narrower than ``gap_width_m`` everywhere:
        likely digitising noise rather than an unassigned block), ``neighbours`` (the zone ids
        bordering it, ``;``-separated: the candidates to take it over), geometry.
    overlaps : geopandas.GeoDataFrame
        One row per pair of zones whose interiors overlap: ``zone_a`` < ``zone_b`` (as text),
        ``area_m2``, ``sliver``, geometry (the shared piece, not clipped to the area).
        Overlaps below 1e-6 m² (rounding noise, ``planning._coverage.NOISE_M2``) are not
        listed here; their edges still show in ``invalid_edges``.
    invalid_edges : geopandas.GeoDataFrame
        One row per zone with edges that do not match its neighbours exactly (shapely's
        ``coverage_invalid_edges``; this includes the edges of gaps narrower than
        ``gap_width_m``): ``zone_id``, ``length_m``, geometry (lines).
    outside : geopandas.GeoDataFrame
        One row per zone reaching beyond the area: ``zone_id``, ``area_m2``, geometry.
    area_m2, covered_m2, gap_m2 : float
        Area checked, the part of it covered by at least one zone, and the sum of the gaps;
        ``covered_m2 + gap_m2 == area_m2`` (up to floating-point rounding).
    overlap_m2 : float
        Sum of the overlaps, counted once per pair of zones.
    outside_m2 : float
        Area of the zones beyond the area.
    gap_width_m : float
        The gap width the check used.
    """

    gaps: gpd.GeoDataFrame
    overlaps: gpd.GeoDataFrame
    invalid_edges: gpd.GeoDataFrame
    outside: gpd.GeoDataFrame
    area_m2: float
    covered_m2: float
    gap_m2: float
    overlap_m2: float
    outside_m2: float
    gap_width_m: float
    source: str = "zones"

    @property
    def is_valid(self) -> bool:
        """True when the zones cover the area exactly once, edge to edge."""
        return bool(self.gaps.empty and self.overlaps.empty and self.invalid_edges.empty
                    and self.outside.empty)

    @property
    def problems(self) -> list[Problem]:
        """Every gap, overlap, invalid edge and spill-over, as :class:`~planning.Problem`."""
        out: list[Problem] = []
        for row in self.gaps.itertuples():
            kind = "narrow gap (sliver)" if row.sliver else "gap"
            out.append(Problem(self.source, f"{kind} of {row.area_m2:.1f} m² that no zone "
                               f"covers (bordering zones: {row.neighbours or 'none'}); assign "
                               "it to a zone", value=str(row.gap_id)))
        for row in self.overlaps.itertuples():
            out.append(Problem(self.source, f"zones {row.zone_a} and {row.zone_b} overlap by "
                               f"{row.area_m2:.1f} m²; decide which of them cleans the piece",
                               value=f"{row.zone_a}/{row.zone_b}"))
        for row in self.invalid_edges.itertuples():
            out.append(Problem(self.source, f"{row.length_m:.1f} m of edges do not match the "
                               "neighbouring zones exactly; snap them to the shared boundary",
                               value=str(row.zone_id)))
        for row in self.outside.itertuples():
            out.append(Problem(self.source, f"zone reaches {row.area_m2:.1f} m² beyond the "
                               "area checked", value=str(row.zone_id)))
        return out

    def summary(self) -> pd.Series:
        """The figures as one Series (``area_m2``, ``covered_m2``, ``gap_m2``, ...)."""
        return pd.Series({
            "area_m2": self.area_m2, "covered_m2": self.covered_m2, "gap_m2": self.gap_m2,
            "overlap_m2": self.overlap_m2, "outside_m2": self.outside_m2,
            "n_gaps": len(self.gaps), "n_overlaps": len(self.overlaps),
            "n_invalid_edges": len(self.invalid_edges), "n_outside": len(self.outside),
        }, name="coverage")

    def _layers(self) -> dict[str, gpd.GeoDataFrame]:
        return {"gaps": self.gaps, "overlaps": self.overlaps,
                "invalid_edges": self.invalid_edges, "outside": self.outside}

    def to_gpkg(self, path: str | os.PathLike[str], *, prefix: str = "sanitation_") -> Path:
        """Write the pieces as layers ``<prefix>gaps``, ``overlaps``, ``invalid_edges`` and
        ``outside`` of a GeoPackage, atomically; other layers of the file are kept."""
        return write_layers({prefix + k: v for k, v in self._layers().items()}, path)

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the summary, the problems and the pieces (without geometry) to a workbook."""
        sheets = {"summary": self.summary().rename_axis("figure").reset_index(),
                  "problems": problems_table(self.problems), **self._layers()}
        return save_excel(sheets, path)


def check_coverage(
    zones: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    *,
    gap_width_m: float = 1.0,
    id_column: str = "zone_id",
) -> CoverageReport:
    """Check that responsibility zones cover an area once, with no gaps and no overlaps.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Polygon zones in a projected metric CRS, with unique ids in ``id_column``.
    area : geopandas.GeoDataFrame or GeoSeries, optional
        The area the zones must cover (the built-up area), in the zones' CRS. By default the
        outline of the zones themselves, so that only holes between zones count as gaps.
    gap_width_m : float, default 1.0
        Gaps and overlaps narrower than this everywhere are marked ``sliver``; the edges of
        gaps narrower than this are also reported as invalid edges (shapely's ``gap_width``).
    id_column : str, default "zone_id"
        Column holding the zone ids.

    Returns
    -------
    CoverageReport
        Gaps, overlaps (once per pair), invalid edges, spill-over beyond the area, and the
        figures: ``covered_m2 + gap_m2 == area_m2``.

    Raises
    ------
    GeometryError
        When zones lack ids, have duplicate ids or invalid, empty or non-polygonal geometries.
    CRSError
        When a layer has no CRS, a geographic CRS, or the two CRSs differ.

    Examples
    --------
    Two zones side by side, a third overlapping the second, a 10 m by 100 m gap:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> zones = gpd.GeoDataFrame(
    ...     {"zone_id": ["Z1", "Z2", "Z3"]},
    ...     geometry=[box(0, 0, 100, 100), box(110, 0, 200, 100), box(150, 0, 250, 100)],
    ...     crs="EPSG:4548")
    >>> area = gpd.GeoDataFrame(geometry=[box(0, 0, 250, 100)], crs="EPSG:4548")
    >>> report = check_coverage(zones, area)
    >>> report.gaps[["gap_id", "area_m2", "neighbours"]].to_dict("records")
    [{'gap_id': 'G1', 'area_m2': 1000.0, 'neighbours': 'Z1;Z2'}]
    >>> report.overlaps[["zone_a", "zone_b", "area_m2"]].to_dict("records")
    [{'zone_a': 'Z2', 'zone_b': 'Z3', 'area_m2': 5000.0}]
    >>> report.covered_m2 + report.gap_m2 == report.area_m2
    True
    """
    frame = check_zones(zones, "zones", id_column=id_column)
    check_crs({"zones": frame})
    if not math.isfinite(gap_width_m) or gap_width_m < 0:
        msg = f"gap_width_m must be a non-negative number of metres, got {gap_width_m!r}."
        raise InputError(msg)
    crs = frame.crs
    geoms = np.asarray(frame.geometry.values, dtype=object)
    ids = frame[id_column].to_numpy(dtype=object)

    valid = bool(shapely.coverage_is_valid(geoms)) if len(geoms) else True
    union = (shapely.coverage_union_all(geoms) if valid else shapely.union_all(geoms))
    area_geom = fill_holes(union) if area is None else area_geometry(area, frame)

    gaps, neighbours = gap_pieces(area_geom, union, geoms, ids)
    gap_areas = shapely.area(gaps)
    gaps_frame = geo_frame({
        "gap_id": [f"G{i}" for i in range(1, len(gaps) + 1)],
        "area_m2": gap_areas, "sliver": is_sliver(gaps, gap_width_m),
        "neighbours": neighbours,
    }, gaps, crs)

    zone_a, zone_b, pieces = overlap_pairs(frame, id_column)
    order = np.lexsort((zone_b, zone_a)) if zone_a else np.array([], dtype=int)
    overlaps_frame = geo_frame({
        "zone_a": [zone_a[i] for i in order], "zone_b": [zone_b[i] for i in order],
        "area_m2": shapely.area(pieces[order]), "sliver": is_sliver(pieces[order], gap_width_m),
    }, pieces[order], crs)

    edges = shapely.coverage_invalid_edges(geoms, gap_width=gap_width_m) if len(geoms) else geoms
    bad = ~shapely.is_empty(edges) & ~shapely.is_missing(edges)
    edges_frame = geo_frame({"zone_id": ids[bad], "length_m": shapely.length(edges[bad])},
                         edges[bad], crs)

    beyond = polygonal(shapely.difference(geoms, area_geom))
    spill = shapely.area(beyond) > 0
    outside_frame = geo_frame({"zone_id": ids[spill], "area_m2": shapely.area(beyond[spill])},
                           beyond[spill], crs)

    area_m2 = float(shapely.area(area_geom))
    covered_m2 = float(shapely.area(shapely.intersection(union, area_geom)))
    report = CoverageReport(
        gaps=gaps_frame, overlaps=overlaps_frame, invalid_edges=edges_frame,
        outside=outside_frame, area_m2=area_m2, covered_m2=covered_m2,
        gap_m2=float(gap_areas.sum()), overlap_m2=float(overlaps_frame["area_m2"].sum()),
        outside_m2=float(outside_frame["area_m2"].sum()), gap_width_m=float(gap_width_m),
    )
    log.info("coverage of %d zones: %d gaps (%.1f m²), %d overlaps (%.1f m²)", len(frame),
             len(gaps_frame), report.gap_m2, len(overlaps_frame), report.overlap_m2)
    return report
