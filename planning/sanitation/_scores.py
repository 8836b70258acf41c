"""Inspection scores per zone, per department and township, and hot spots."""

from __future__ import annotations

import logging
from typing import Literal

import geopandas as gpd
import pandas as pd

from planning._core.dates import PeriodLike, period_bounds
from planning._errors import InputError, Problem
from planning.sanitation._geometry import check_zones
from planning.sanitation.inspections import Inspections, as_inspections

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# scores

#: a total below this is a low score (the usual pass mark of 100-point sheets)
LOW_SCORE = 60.0


def _scored(
    inspections: Inspections | pd.DataFrame,
    zones: gpd.GeoDataFrame,
    period: PeriodLike | None,
    id_column: str,
) -> pd.DataFrame:
    """The good inspection records within the period, checked against the zones."""
    frame = check_zones(zones, "zones", id_column=id_column)
    result = as_inspections(inspections, zones=frame.rename(columns={id_column: "zone_id"}))
    records = result.records
    known = set(frame[id_column].astype(str))
    stray = sorted(set(records["zone_id"].astype(str)) - known)
    if stray:
        problems = [Problem(result.source, "inspection of a zone that is not in the zones layer",
                            column="zone_id", value=z) for z in stray]
        msg = ("Some inspections name zones that are not in the zones layer; read the sheet "
               "with read_inspections(..., zones=zones) to see the rows.")
        raise InputError(msg, problems)
    if period is not None:
        first, last = period_bounds(period)
        dates = pd.to_datetime(records["date"])
        records = records[(dates >= first) & (dates <= last)]
    return records.assign(zone_id=records["zone_id"].astype(str))


def _per_zone(records: pd.DataFrame, low_score: float) -> pd.DataFrame:
    grouped = records.assign(low=records["total"] < low_score).groupby("zone_id")
    return pd.DataFrame({
        "score": grouped["total"].mean(),
        "n_inspections": grouped.size(),
        "n_low": grouped["low"].sum().astype(int),
        "last_date": grouped["date"].max(),
    })


def zone_scores(
    inspections: Inspections | pd.DataFrame,
    zones: gpd.GeoDataFrame,
    *,
    period: PeriodLike | None = None,
    low_score: float = LOW_SCORE,
    id_column: str = "zone_id",
) -> gpd.GeoDataFrame:
    """Mean inspection score of every zone over a period (for the choropleth).

    Parameters
    ----------
    inspections : Inspections or pandas.DataFrame
        From :func:`read_inspections`, or the workspace table ``inspections`` (checked; any bad
        row raises :class:`~planning.SheetError`).
    zones : geopandas.GeoDataFrame
        The sanitation zones.
    period : str, pandas.Period or (first, last), optional
        ``"2011-12"`` / ``"2011年12月"`` (a month), ``"2011Q4"`` / ``"2011年第四季度"``,
        ``"2011年上半年"``, ``"2011"`` or (first, last) dates, both included (read by
        :func:`planning._core.dates.period_bounds`). All records by default.
    low_score : float, default 60
        Totals below this count as low (``n_low``).
    id_column : str, default "zone_id"

    Returns
    -------
    geopandas.GeoDataFrame
        The zones (every column kept) plus ``score`` (mean total, 0-100; NaN when the zone
        was not inspected in the period), ``n_inspections``, ``n_low`` and ``last_date``.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> zones = gpd.GeoDataFrame({"zone_id": ["Z1", "Z2"]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs="EPSG:4548")
    >>> table = pd.DataFrame({"zone_id": ["Z1", "Z1"], "date": ["2011-12-05", "2011-12-15"],
    ...                       "total": [90, 55]})
    >>> zone_scores(table, zones, period="2011-12")[["zone_id", "score", "n_low"]].to_dict(
    ...     "records")
    [{'zone_id': 'Z1', 'score': 72.5, 'n_low': 1}, {'zone_id': 'Z2', 'score': nan, 'n_low': 0}]
    """
    records = _scored(inspections, zones, period, id_column)
    return _with_scores(zones, records, low_score, id_column)


def _with_scores(zones: gpd.GeoDataFrame, records: pd.DataFrame, low_score: float,
                 id_column: str) -> gpd.GeoDataFrame:
    """A copy of the zones with the per-zone figures of the records."""
    per_zone = _per_zone(records, low_score)
    out = zones.copy()
    key = out[id_column].astype(str)
    out["score"] = key.map(per_zone["score"]).astype(float).to_numpy()
    out["n_inspections"] = key.map(per_zone["n_inspections"]).fillna(0).astype(int).to_numpy()
    out["n_low"] = key.map(per_zone["n_low"]).fillna(0).astype(int).to_numpy()
    out["last_date"] = key.map(per_zone["last_date"]).to_numpy()
    return out


def unit_scores(
    inspections: Inspections | pd.DataFrame,
    zones: gpd.GeoDataFrame,
    *,
    period: PeriodLike | None = None,
    by: Literal["department", "township"] = "department",
    id_column: str = "zone_id",
) -> pd.DataFrame:
    """Mean inspection score of every responsible unit (the input of the assessment).

    Parameters
    ----------
    inspections : Inspections or pandas.DataFrame
        As in :func:`zone_scores`.
    zones : geopandas.GeoDataFrame
        The sanitation zones, with the column named by ``by``.
    period : str, pandas.Period or (first, last), optional
        As in :func:`zone_scores`.
    by : {"department", "township"}, default "department"
        Roll up by the zones' department (the units ranked by
        :func:`planning.assessment.rank`) or by township.
    id_column : str, default "zone_id"

    Returns
    -------
    pandas.DataFrame
        One row per unit named in the zones, sorted by unit: ``unit``, ``score`` (mean of the
        inspection totals of its zones, each inspection weighing the same, 0-100; NaN when
        none of its zones was inspected in the period), ``n_inspections``, ``n_zones``.
        Inspections of zones with no unit are left out and logged as a warning
        (:func:`check_owners` lists those zones).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> zones = gpd.GeoDataFrame({"zone_id": ["Z1", "Z2", "Z3"],
    ...     "department": ["D01", "D01", "D02"], "township": ["城关镇"] * 3},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(20, 0, 30, 10)],
    ...     crs="EPSG:4548")
    >>> table = pd.DataFrame({"zone_id": ["Z1", "Z2", "Z2"],
    ...     "date": ["2011-12-05", "2011-12-05", "2011-12-15"], "total": [90, 80, 70]})
    >>> unit_scores(table, zones).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'unit': 'D01', 'score': 80.0, 'n_inspections': 3, 'n_zones': 2},
     {'unit': 'D02', 'score': nan, 'n_inspections': 0, 'n_zones': 1}]
    """
    if by not in ("department", "township"):
        msg = f"by must be 'department' or 'township', got {by!r}."
        raise InputError(msg)
    frame = check_zones(zones, "zones", id_column=id_column, required=(by,))
    records = _scored(inspections, frame, period, id_column)
    owner = pd.Series(frame[by].astype("string").str.strip().to_numpy(),
                      index=frame[id_column].astype(str).to_numpy())
    owner = owner.mask(owner == "")
    units = records["zone_id"].map(owner)
    orphan = records.loc[units.isna().to_numpy(), "zone_id"]
    if len(orphan):
        log.warning("%d inspection(s) of zone(s) with no %s left out of the unit scores: %s",
                    len(orphan), by, ", ".join(sorted(set(orphan))))
    scored = records.assign(unit=units.to_numpy()).dropna(subset=["unit"])
    grouped = scored.groupby("unit")["total"]
    n_zones = owner.dropna().value_counts()
    out = pd.DataFrame(index=pd.Index(sorted(n_zones.index), name="unit"))
    out["score"] = grouped.mean().reindex(out.index).astype(float)
    out["n_inspections"] = grouped.size().reindex(out.index).fillna(0).astype(int)
    out["n_zones"] = n_zones.reindex(out.index).astype(int)
    out = out.reset_index()
    out["unit"] = out["unit"].astype(str)
    return out


def hot_spots(
    inspections: Inspections | pd.DataFrame,
    zones: gpd.GeoDataFrame,
    *,
    period: PeriodLike | None = None,
    low_score: float = LOW_SCORE,
    min_low: int = 2,
    id_column: str = "zone_id",
) -> gpd.GeoDataFrame:
    """Zones with repeatedly low inspection scores (the "dirty, messy, poor" spots).

    Parameters
    ----------
    inspections : Inspections or pandas.DataFrame
        As in :func:`zone_scores`.
    zones : geopandas.GeoDataFrame
        The sanitation zones.
    period : str, pandas.Period or (first, last), optional
        As in :func:`zone_scores`.
    low_score : float, default 60
        Totals below this are low.
    min_low : int, default 2
        A zone is a hot spot when at least this many of its inspections in the period are low.
    id_column : str, default "zone_id"

    Returns
    -------
    geopandas.GeoDataFrame
        The zones that are hot spots, worst first (most low scores, then lowest mean), with the
        columns of :func:`zone_scores` plus ``low_dates`` (``;``-separated ISO dates).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> zones = gpd.GeoDataFrame({"zone_id": ["Z1", "Z2"]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs="EPSG:4548")
    >>> table = pd.DataFrame({"zone_id": ["Z1", "Z1", "Z2", "Z2"],
    ...     "date": ["2011-12-05", "2011-12-15", "2011-12-05", "2011-12-15"],
    ...     "total": [55, 58, 50, 90]})
    >>> hot_spots(table, zones)[["zone_id", "n_low", "low_dates"]].to_dict("records")
    [{'zone_id': 'Z1', 'n_low': 2, 'low_dates': '2011-12-05;2011-12-15'}]
    """
    if min_low < 1:
        msg = f"min_low must be at least 1, got {min_low!r}."
        raise InputError(msg)
    records = _scored(inspections, zones, period, id_column)
    scores = _with_scores(zones, records, low_score, id_column)
    low = records[records["total"] < low_score]
    dates = (low.sort_values("date").groupby("zone_id")["date"]
             .agg(lambda s: ";".join(f"{d:%Y-%m-%d}" for d in s)))
    hot = scores[scores["n_low"] >= min_low].copy()
    hot["low_dates"] = hot[id_column].astype(str).map(dates).to_numpy()
    return hot.sort_values(["n_low", "score", id_column], ascending=[False, True, True])
