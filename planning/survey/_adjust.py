"""Patch areas of a survey layer: the TBMJ check and the adjustment to control areas (平差).

- :func:`check_tbmj` lists the patches whose stored area (TBMJ) differs from the ellipsoidal
  area of their geometry (:func:`planning.ellipsoidal_area`) beyond a tolerance.
- :func:`adjust_to_control` scales the patch areas of every village (or township) to its
  control area (KZMJ) and rounds them to 0.01 m² by largest remainders, so that the stored
  two-decimal figures add up to the control area exactly; the deducted areas (KCMJ =
  TBMJ × KCXS) and net class areas (TBDLMJ = TBMJ − KCMJ) follow.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from planning._errors import InputError, Problem
from planning._validate import Checker, check_columns, require_frame
from planning.areas import ellipsoidal_area
from planning.survey._rounding import apportion
from planning.survey._schema import standardize, sync_copies

log = logging.getLogger(__name__)

#: Digits of ZLDWDM that name a unit: village (12) and township (9).
UNIT_DIGITS = {"village": 12, "township": 9}
Level = Literal["village", "township"]


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def check_tbmj(
    land_survey: gpd.GeoDataFrame, *, rtol: float = 1e-6, atol_m2: float = 0.05,
) -> gpd.GeoDataFrame:
    """The patches whose stored TBMJ differs from the ellipsoidal area of their geometry.

    A patch is listed when ``|TBMJ - area| > atol_m2 + rtol * area`` (TBMJ is stored with 2
    decimals, so half a cent of rounding is always there), or when TBMJ is missing or not a
    number.

    Parameters
    ----------
    land_survey : geopandas.GeoDataFrame
        A DLTB layer (standard field names, or their toolkit names); never changed.
    rtol : float, default 1e-6
        Relative tolerance.
    atol_m2 : float, default 0.05
        Absolute tolerance, m².

    Returns
    -------
    geopandas.GeoDataFrame
        One row per patch listed: ``row`` (position in the layer), ``BSM``, ``ZLDWDM``,
        ``DLBM``, ``TBMJ`` (stored), ``area_m2`` (ellipsoidal), ``difference_m2``
        (TBMJ - area), ``relative`` (difference / area), geometry. Largest differences first.

    Examples
    --------
    >>> import planning
    >>> dltb = planning.load_sample()["land_survey"]
    >>> len(planning.survey.check_tbmj(dltb))  # the sample's TBMJ are the computed areas
    0
    >>> wrong = dltb.copy()
    >>> wrong.loc[3, "TBMJ"] = wrong.loc[3, "TBMJ"] + 1.0
    >>> planning.survey.check_tbmj(wrong)["row"].tolist()
    [3]
    """
    for name, value in (("rtol", rtol), ("atol_m2", atol_m2)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            msg = f"{name} must be a non-negative number, got {value!r}."
            raise InputError(msg)
    frame = standardize(require_frame(land_survey, "land_survey"), "DLTB")
    checker = Checker()
    check_columns(frame, ["TBMJ"], "land_survey", checker)
    checker.raise_if_any("The TBMJ check needs the patch areas.")
    area = ellipsoidal_area(frame).to_numpy()
    stored = _numbers(frame, "TBMJ")
    diff = stored - area
    bad = (~np.isfinite(stored) | ~np.isfinite(area)  # no area given, or no geometry
           | (np.abs(diff) > atol_m2 + rtol * np.abs(area)))
    rows = np.flatnonzero(bad)
    out = pd.DataFrame({"row": rows})
    for column in ("BSM", "ZLDWDM", "DLBM"):
        out[column] = frame[column].to_numpy()[rows] if column in frame else None
    out["TBMJ"] = stored[rows]
    out["area_m2"] = area[rows]
    out["difference_m2"] = diff[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["relative"] = diff[rows] / area[rows]
    order = np.argsort(-np.nan_to_num(np.abs(diff[rows]), nan=np.inf), kind="stable")
    result = gpd.GeoDataFrame(out.iloc[order].reset_index(drop=True),
                              geometry=np.asarray(frame.geometry.array)[rows][order],
                              crs=frame.crs)
    log.info("TBMJ check: %d of %d patches differ from the ellipsoidal area", len(result),
             len(frame))
    return result


@dataclass(frozen=True)
class Adjustment:
    """The result of :func:`adjust_to_control`.

    Attributes
    ----------
    land_survey : geopandas.GeoDataFrame
        A copy of the layer with TBMJ adjusted (2 decimals), KCMJ = round(TBMJ × KCXS, 2)
        and TBDLMJ = TBMJ − KCMJ recomputed; ``TBMJ_before`` keeps the area the adjustment
        started from (the ellipsoidal area, or the stored TBMJ).
    units : pandas.DataFrame
        One row per unit: ``code``, ``name``, ``control_m2`` (KZMJ), ``basis_m2`` (the sum
        before), ``adjusted_m2`` (the sum after: equal to the control area), ``difference_m2``
        (basis − control), ``scale``, ``patches``.
    problems : list of Problem
        Patches in no unit, units without a control area or without patches (nothing is
        dropped: such patches keep their rounded basis area).
    """

    land_survey: gpd.GeoDataFrame
    units: pd.DataFrame
    problems: list[Problem]


def _unit_table(admin_units: pd.DataFrame, code: str, control: str, digits: int
                ) -> pd.DataFrame:
    units = standardize(admin_units, "XZQ") if code == "XZQDM" else admin_units
    checker = Checker()
    check_columns(units, [code, control], "admin_units", checker)
    checker.raise_if_any("The adjustment needs the units' codes and control areas.")
    codes = units[code].astype("string").str.strip().str[:digits]
    names = (units["XZQMC"].astype("string") if "XZQMC" in units
             else pd.Series(pd.NA, index=units.index, dtype="string"))
    table = pd.DataFrame({"code": codes.to_numpy(), "name": names.to_numpy(),
                          "control_m2": _numbers(units, control)})
    negative = np.flatnonzero(table["control_m2"].to_numpy() < 0)
    if len(negative):
        problems = [Problem("admin_units", f"{control} is negative", row=int(r), column=control,
                            value=f"{table['control_m2'].iloc[r]:g}") for r in negative]
        msg = (f"admin_units has {len(negative)} negative control area(s) ({control}): a "
               "control area is the unit's area in m²; correct them.")
        raise InputError(msg, problems)
    dup = table["code"].duplicated(keep=False) & table["code"].notna()
    if dup.any():
        values = sorted(set(table.loc[dup, "code"].astype(str)))
        msg = (f"admin_units has {len(values)} unit code(s) more than once ({', '.join(values)}):"
               " each unit needs one control area.")
        raise InputError(msg)
    return table


def adjust_to_control(
    land_survey: gpd.GeoDataFrame,
    admin_units: pd.DataFrame,
    *,
    level: Level = "village",
    basis: Literal["ellipsoidal", "TBMJ"] = "ellipsoidal",
    code: str = "XZQDM",
    control: str = "KZMJ",
) -> Adjustment:
    """Adjust (平差) the patch areas of every unit to its control area, exactly.

    The patches of a unit are the ones whose ZLDWDM starts with the unit's code (12 digits
    for villages, 9 for townships). Their areas (``basis``: the ellipsoidal area of the
    geometry, as the survey computes it, or the stored TBMJ) are scaled by
    control / sum and rounded to 0.01 m² by largest remainders, so that the two-decimal
    TBMJ of a unit add up to its control area to the cent. KCMJ and TBDLMJ follow.

    Parameters
    ----------
    land_survey : geopandas.GeoDataFrame
        A DLTB layer; never changed.
    admin_units : pandas.DataFrame
        The units with their code (``code``, default XZQDM) and control area (``control``,
        default KZMJ, m²).
    level : {"village", "township"}
    basis : {"ellipsoidal", "TBMJ"}

    Returns
    -------
    Adjustment

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> adj = planning.survey.adjust_to_control(ws["land_survey"], ws["admin_units"])
    >>> sums = adj.land_survey.groupby(adj.land_survey["ZLDWDM"].str[:12])["TBMJ"].sum()
    >>> control = ws["admin_units"].set_index("XZQDM")["KZMJ"]
    >>> bool((abs(sums - control.loc[sums.index]) < 0.005).all())
    True
    """
    if level not in UNIT_DIGITS or basis not in ("ellipsoidal", "TBMJ"):
        msg = (f"level must be 'village' or 'township' and basis 'ellipsoidal' or 'TBMJ'; got "
               f"level={level!r}, basis={basis!r}.")
        raise InputError(msg)
    frame = standardize(require_frame(land_survey, "land_survey"), "DLTB")
    checker = Checker()
    check_columns(frame, ["ZLDWDM"] + (["TBMJ"] if basis == "TBMJ" else []), "land_survey",
                  checker)
    checker.raise_if_any("The adjustment needs the patches' location codes.")
    digits = UNIT_DIGITS[level]
    units = _unit_table(admin_units, code, control, digits)
    start = (ellipsoidal_area(frame).to_numpy() if basis == "ellipsoidal"
             else _numbers(frame, "TBMJ"))
    unit_of = frame["ZLDWDM"].astype("string").str.strip().str[:digits]
    position = {c: i for i, c in enumerate(units["code"]) if isinstance(c, str)}
    group = unit_of.map(position).fillna(-1).astype(int).to_numpy()
    has_control = np.isfinite(units["control_m2"].to_numpy())
    adjusted = group >= 0
    adjusted[adjusted] = has_control[group[adjusted]]
    cents = np.round(np.nan_to_num(start, nan=0.0) * 100).astype(np.int64)
    if adjusted.any():
        targets = np.round(np.nan_to_num(units["control_m2"].to_numpy()) * 100).astype(np.int64)
        cents[adjusted] = apportion(np.nan_to_num(start[adjusted]), group[adjusted], targets)
    out = _with_areas(frame, cents, start)
    table = _unit_summary(units, group, start, cents)
    problems = _problems(unit_of, group, table, level)
    blank = np.flatnonzero(~np.isfinite(start))
    if len(blank):
        what = "geometry" if basis == "ellipsoidal" else "TBMJ"
        problems.append(Problem(
            "land_survey", f"{len(blank)} patch(es) have no {what} "
            "to start from: their TBMJ is 0 after the adjustment (the other patches of the "
            f"unit take their share); rows {', '.join(map(str, blank[:20]))}"
            + (" ..." if len(blank) > 20 else ""), row=int(blank[0]),
            column=what))
    log.info("adjusted %d patches of %d units to their control areas", int(adjusted.sum()),
             int((table["patches"] > 0).sum()))
    return Adjustment(out, table, problems)


def _with_areas(frame: gpd.GeoDataFrame, cents: np.ndarray, start: np.ndarray
                ) -> gpd.GeoDataFrame:
    """A copy with TBMJ from cents, KCMJ = round(TBMJ × KCXS, 2), TBDLMJ = TBMJ − KCMJ."""
    out = frame.copy()
    factor = np.nan_to_num(_numbers(frame, "KCXS"), nan=0.0)
    deduction = np.floor(cents * factor + 0.5).astype(np.int64)  # cents of KCMJ, half up
    out["TBMJ_before"] = start
    out["TBMJ"] = cents / 100
    if "KCXS" in frame.columns or "KCMJ" in frame.columns:
        out["KCMJ"] = deduction / 100
    out["TBDLMJ"] = (cents - deduction) / 100
    return sync_copies(out, "DLTB")


def _unit_summary(units: pd.DataFrame, group: np.ndarray, start: np.ndarray,
                  cents: np.ndarray) -> pd.DataFrame:
    n = len(units)
    inside = group >= 0
    basis = np.bincount(group[inside], weights=np.nan_to_num(start[inside]), minlength=n)
    after = np.bincount(group[inside], weights=cents[inside], minlength=n) / 100
    count = np.bincount(group[inside], minlength=n)
    table = units.copy()
    table["basis_m2"] = basis
    table["adjusted_m2"] = after
    table["difference_m2"] = basis - table["control_m2"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["scale"] = table["control_m2"] / basis
    table["patches"] = count
    return table


def _problems(unit_of: pd.Series, group: np.ndarray, table: pd.DataFrame, level: str
              ) -> list[Problem]:
    """Patches in no unit, units without control area or without patches."""
    problems = []
    lost = np.flatnonzero(group < 0)
    codes = unit_of.fillna("").to_numpy(dtype=object)[lost]
    for value in sorted(set(codes)):
        rows = lost[codes == value]
        problems.append(Problem(
            "land_survey", f"{len(rows)} patch(es) lie in no {level} of admin_units; their "
            "areas are kept (rounded), not adjusted", row=int(rows[0]), column="ZLDWDM",
            value=str(value) or None))
    for row in table.to_dict("records"):
        if not np.isfinite(row["control_m2"]) and row["patches"]:
            problems.append(Problem("admin_units", "unit has no control area (KZMJ); its "
                                    "patches are not adjusted", column="KZMJ",
                                    value=str(row["code"])))
        elif row["patches"] == 0:
            problems.append(Problem("admin_units", "unit has no patches in land_survey",
                                    column="XZQDM", value=str(row["code"])))
    return problems
