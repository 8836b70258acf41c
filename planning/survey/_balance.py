"""GB 50137-2011 appendix A: the land-use balance tables, and the planning thresholds.

- Table A.0.1 城乡用地汇总表: the H (construction) and E (non-construction) classes of the
  whole area, in hm² and as a share of it, present state and plan;
- Table A.0.2 城市建设用地平衡表: the classes of urban construction land (H11: R, A with A1-A6,
  B, M, W, S with S1, U, G with G1), in hm², as a share of H11 and per person (m²/人);
- the thresholds of clauses 4.2.1 (planned urban construction land per person, by climate
  zone and the present figure), 4.3.1-4.3.4 (per person: residential, public services, roads
  and transport, green space and parks) and 4.4.1 (structure), kept as data in
  ``planning/data/survey/gb50137_thresholds.csv`` with their clause numbers; every failure
  names its clause.

The present state comes from the land survey (:func:`present_state`: the third-survey
classes mapped to GB 50137, settlements by their CZCSXM), the plan from an urban plan in
GB 50137 classes. Areas are ellipsoidal (:func:`planning.ellipsoidal_area`).
"""

from __future__ import annotations

import importlib.resources
import logging
import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning import classes
from planning._errors import InputError, Problem
from planning._validate import Checker, check_columns, require_frame
from planning.areas import ellipsoidal_area
from planning.io import Column, Table, read_grid, write_workbook
from planning.overlay import intersection
from planning.survey._schema import CLASSIFICATION, standardize

log = logging.getLogger(__name__)

#: Settlement codes (CZCSXM) whose construction land is the city (H11): a county plan's
#: city is the county seat, a town (202) in the third survey.
CITY = ("201", "201A", "202", "202A")
URBAN = ("R", "A", "B", "M", "W", "S", "U", "G")
#: H1 class of urban uses in other settlements, and of other settlement types
SETTLEMENT_H = {"201": "H11", "201A": "H11", "202": "H12", "202A": "H12", "203": "H14",
                "203A": "H14", "204": "H5", "205": "H4"}
A01_ROWS = [("H", "建设用地"), ("H1", "城乡居民点建设用地"), ("H11", "城市建设用地"),
            ("H12", "镇建设用地"), ("H13", "乡建设用地"), ("H14", "村庄建设用地"),
            ("H2", "区域交通设施用地"), ("H3", "区域公用设施用地"), ("H4", "特殊用地"),
            ("H5", "采矿用地"), ("H9", "其他建设用地"), ("E", "非建设用地"), ("E1", "水域"),
            ("E2", "农林用地"), ("E9", "其他非建设用地")]
A02_ROWS = [("R", "居住用地"), ("A", "公共管理与公共服务设施用地"), ("A1", "行政办公用地"),
            ("A2", "文化设施用地"), ("A3", "教育科研用地"), ("A4", "体育用地"),
            ("A5", "医疗卫生用地"), ("A6", "社会福利用地"), ("B", "商业服务业设施用地"),
            ("M", "工业用地"), ("W", "物流仓储用地"), ("S", "道路与交通设施用地"),
            ("S1", "城市道路用地"), ("U", "公用设施用地"), ("G", "绿地与广场用地"),
            ("G1", "公园绿地")]
CLIMATE_ZONES = ("I", "II", "III", "IV", "V", "VI", "VII")


def thresholds() -> pd.DataFrame:
    """The planning thresholds of GB 50137-2011 chapter 4 with their clause numbers.

    Columns ``rule``, ``clause``, ``indicator`` (``per_capita`` m²/人 or ``share`` % of
    H11), ``class``, ``climate_zones`` (empty: all), ``present_min`` / ``present_max``
    (clause 4.2.1: the band of the present figure the row applies to, lower bound
    exclusive), ``minimum`` / ``maximum`` (the planned figure), ``change_min`` /
    ``change_max`` (clause 4.2.1: the allowed change from the present figure), ``name_zh``.

    Examples
    --------
    >>> t = thresholds()
    >>> t.loc[t["rule"] == "4.3.3", ["class", "minimum"]].values.tolist()
    [['S', 12.0]]
    """
    path = importlib.resources.files("planning") / "data" / "survey" / "gb50137_thresholds.csv"
    with path.open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype={"rule": str, "clause": str, "climate_zones": str},
                            keep_default_na=False, na_values=[""])
    frame["climate_zones"] = frame["climate_zones"].fillna("")
    return frame


def present_state(
    land_survey: gpd.GeoDataFrame, *, area: gpd.GeoDataFrame | None = None,
    city: Sequence[str] = CITY,
) -> gpd.GeoDataFrame:
    """The present state in GB 50137-2011 classes, from a land survey (DLTB).

    Each third-survey class has its GB 50137 class (the ``gb50137`` column of the
    ``sandiao`` classification: 0701 R, 08H1 A1, 0601 M, 1003 H22, 0102 E2, ...). Urban
    uses (R, A, B, M, W, S, U, G) are urban construction land where the patch's settlement
    (CZCSXM) is in ``city``; in other settlements they are that settlement's land (202 town
    H12, 203 village H14, 204 H5, 205 H4), and outside settlements H9.

    Parameters
    ----------
    land_survey : GeoDataFrame
        A DLTB layer (DLBM, CZCSXM); never changed.
    area : GeoDataFrame, optional
        Clip to this area first (the planning area, e.g. the urban plan's extent), with
        :func:`planning.overlay.intersection`.
    city : sequence of str
        The settlement codes of the city (default 201, 201A, 202, 202A: the county seat).

    Returns
    -------
    GeoDataFrame
        ``class_code`` (GB 50137), ``DLBM``, ``CZCSXM``, ``area_m2`` (ellipsoidal), geometry.

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> seat = ws["urban_plan"].dissolve()[["geometry"]]
    >>> now = planning.survey.present_state(ws["land_survey"], area=seat)
    >>> now.groupby("class_code")["area_m2"].sum().nlargest(3).index.tolist()
    ['E2', 'R', 'B']
    """
    frame = standardize(require_frame(land_survey, "land_survey"), "DLTB")
    checker = Checker()
    check_columns(frame, ["DLBM"], "land_survey", checker)
    checker.raise_if_any("The present state needs the patches' classes (DLBM).")
    notes = []
    if "CZCSXM" not in frame.columns or (len(frame) and frame["CZCSXM"].isna().all()):
        notes.append("land_survey has no CZCSXM (城镇村属性码): urban uses cannot be told apart "
                     "by settlement, so all of them count as H9 (其他建设用地) and H11 / H12 / "
                     "H14 are 0; add the field to the DLTB layer")
        warnings.warn(notes[-1], UserWarning, stacklevel=2)
    keep = [c for c in ("DLBM", "CZCSXM") if c in frame.columns]
    frame = gpd.GeoDataFrame(frame[keep], geometry=frame.geometry.array, crs=frame.crs)
    if area is not None:
        mask = require_frame(area, "area")[[area.geometry.name]]
        frame = intersection(frame, mask)[[*keep, "geometry"]]
    rows = classes.lookup(frame["DLBM"], CLASSIFICATION, source="land_survey", column="DLBM")
    gb = rows["gb50137"].astype(str).to_numpy(dtype=object)
    settlement = (frame["CZCSXM"].astype("string").str.strip().fillna("").to_numpy(dtype=object)
                  if "CZCSXM" in frame else np.full(len(frame), "", dtype=object))
    urban = np.array([str(c)[:1] in URBAN for c in gb], dtype=bool)
    in_city = np.isin(settlement, list(city))
    other = np.array([SETTLEMENT_H.get(s, "H9") for s in settlement], dtype=object)
    code = np.where(urban & ~in_city, other, gb)
    code = np.where(urban & ~in_city & (other == "H11"), "H9", code)  # city codes not chosen
    out = gpd.GeoDataFrame({"class_code": code, "DLBM": frame["DLBM"].to_numpy(),
                            "CZCSXM": settlement}, geometry=frame.geometry.array,
                           crs=frame.crs)
    out["area_m2"] = ellipsoidal_area(out).to_numpy() if len(out) else np.zeros(0)
    out.attrs["notes"] = notes  # balance_tables carries them into its notes
    return out


def _row_of(code: str, rows: Sequence[str]) -> str | None:
    """The A.0.1 / A.0.2 row a GB 50137 code adds to (its longest prefix among ``rows``)."""
    best = [r for r in rows if code.startswith(r)]
    return max(best, key=len) if best else None


def _areas_by(frame: gpd.GeoDataFrame, source: str) -> pd.Series:
    """Ellipsoidal m² per GB 50137 class code (matched in the gb50137 table)."""
    checker = Checker()
    check_columns(frame, ["class_code"], source, checker)
    checker.raise_if_any(f"The balance tables need the GB 50137 classes of {source}.")
    codes = classes.match_codes(frame["class_code"], "gb50137", source=source)
    area = (frame["area_m2"].to_numpy(float) if "area_m2" in frame
            else ellipsoidal_area(frame).to_numpy())
    return pd.Series(area).groupby(codes.to_numpy()).sum()


def _a01(areas: pd.Series) -> pd.Series:
    """Areas (m²) of the A.0.1 rows (urban uses count as H11), and the total."""
    codes = [c for c, _ in A01_ROWS]
    out = pd.Series(0.0, index=[*codes, "total"])
    for code, value in areas.items():
        c = "H11" if str(code)[:1] in URBAN else str(code)
        row = _row_of(c, [r for r in codes if len(r) > 1] + ["H", "E"])
        if row is None:
            continue
        for parent in codes:
            if row.startswith(parent):
                out[parent] += value
        out["total"] += value
    return out


def _a02(areas: pd.Series) -> pd.Series:
    codes = [c for c, _ in A02_ROWS]
    out = pd.Series(0.0, index=[*codes, "H11"])
    for code, value in areas.items():
        if str(code)[:1] not in URBAN:
            continue
        for row in codes:
            if str(code).startswith(row):
                out[row] += value
        out["H11"] += value
    return out


@dataclass(frozen=True)
class LandBalance:
    """GB 50137-2011 appendix A tables and the threshold checks of :func:`balance_tables`.

    Attributes
    ----------
    a01 : pandas.DataFrame
        Table A.0.1: ``code``, ``name``, ``present_hm2``, ``present_pct``, ``plan_hm2``,
        ``plan_pct`` (shares of the whole area), the total last.
    a02 : pandas.DataFrame
        Table A.0.2: ``code``, ``name``, ``present_hm2``, ``present_pct`` (of H11),
        ``present_m2_per_person``, the same for the plan, H11 last.
    checks : pandas.DataFrame
        One row per threshold: ``rule``, ``clause``, ``name_zh``, ``value``, ``unit``,
        ``allowed``, ``result`` (pass / fail / not checked), ``message``.
    notes : tuple of str
        What limits the tables (the present state without CZCSXM, an area with no patches);
        the sheet 说明 lists them.
    """

    a01: pd.DataFrame
    a02: pd.DataFrame
    checks: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def failures(self) -> pd.DataFrame:
        """The thresholds the plan fails, each naming its clause."""
        return self.checks[self.checks["result"] == "fail"].reset_index(drop=True)

    def sheets(self) -> list[Table]:
        """The workbook sheets (A.0.1, A.0.2, the checks)."""
        a01 = self.a01.rename(columns={"code": "类别代码", "name": "类别名称",
                                       "present_hm2": "现状面积(hm²)", "present_pct": "现状占比(%)",
                                       "plan_hm2": "规划面积(hm²)", "plan_pct": "规划占比(%)"})
        a02 = self.a02.rename(columns={
            "code": "类别代码", "name": "类别名称", "present_hm2": "现状面积(hm²)",
            "present_pct": "现状占城市建设用地(%)", "present_m2_per_person": "现状人均(m²/人)",
            "plan_hm2": "规划面积(hm²)", "plan_pct": "规划占城市建设用地(%)",
            "plan_m2_per_person": "规划人均(m²/人)"})
        checks = self.checks.rename(columns={
            "rule": "规则", "clause": "条文", "name_zh": "指标", "value": "规划值", "unit": "单位",
            "allowed": "标准要求", "result": "结论", "message": "说明"})

        def columns(frame: pd.DataFrame, text: int) -> list[Column]:
            return [Column(str(c)) if i < text else Column(str(c), kind="float", decimals=2)
                    for i, c in enumerate(frame.columns)]

        notes = ([Table("说明", pd.DataFrame({"说明": list(self.notes)}), title="说明")]
                 if self.notes else [])
        return [
            *notes,
            Table("A.0.1城乡用地汇总表", a01, columns(a01, 2),
                  title=["城乡用地汇总表（GB 50137-2011 附录A 表A.0.1）", "面积为椭球面积"]),
            Table("A.0.2城市建设用地平衡表", a02, columns(a02, 2),
                  title=["城市建设用地平衡表（GB 50137-2011 附录A 表A.0.2）", "面积为椭球面积"]),
            Table("规划指标核查", checks, [Column(str(c)) if c != "规划值" else
                                       Column(str(c), kind="float", decimals=2)
                                       for c in checks.columns],
                  title="规划建设用地指标核查（GB 50137-2011 第4章）"),
        ]

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the tables and checks to a workbook atomically; return its path."""
        return write_workbook(path, self.sheets()).path


def _number(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not \
            math.isfinite(value) or value <= 0:
        msg = f"{name} must be a positive number of people, got {value!r}."
        raise InputError(msg)
    return float(value)


def balance_tables(
    present: gpd.GeoDataFrame | None,
    plan: gpd.GeoDataFrame | None,
    *,
    population: float | None = None,
    plan_population: float | None = None,
    climate_zone: str = "II",
    limits: pd.DataFrame | None = None,
    whole: gpd.GeoDataFrame | None = None,
) -> LandBalance:
    """GB 50137-2011 tables A.0.1 and A.0.2 for the present state and the plan, and the
    checks of the plan against the thresholds of chapter 4.

    Parameters
    ----------
    present, plan : GeoDataFrame or None
        Polygons with GB 50137 classes in ``class_code`` (the present state from
        :func:`present_state`, the plan from an urban plan layer), both over the same area;
        ``area_m2`` is used when present, the ellipsoidal area otherwise.
    population, plan_population : float, optional
        The urban population now and in the plan year (the per-person figures need them).
    climate_zone : str, default "II"
        Building climate zone (GB 50178): I to VII (Taiqian, Henan: II).
    limits : DataFrame or path, optional
        Thresholds as :func:`thresholds` returns them (a bureau's own table, or its CSV /
        Excel file); checked: every column, indicator, class, climate zone and number, the
        errors naming column and row.
    whole : GeoDataFrame, optional
        The present state of the whole administrative area (县域: :func:`present_state`
        without ``area``) for the present columns of table A.0.1, which covers the whole
        county; ``present`` (over the central city) then gives table A.0.2 only. Without it
        both tables use ``present``.

    Returns
    -------
    LandBalance

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> plan = ws["urban_plan"]
    >>> now = planning.survey.present_state(ws["land_survey"], area=plan.dissolve()[["geometry"]])
    >>> b = planning.survey.balance_tables(now, plan, population=41_000, plan_population=90_000)
    >>> h11 = b.a02.set_index("code").loc["H11"]
    >>> round(float(h11["present_hm2"]), 1), round(float(h11["plan_m2_per_person"]), 1)
    (823.7, 303.9)
    >>> print(b.failures["message"].iloc[1])
    GB 50137-2011 第4.3.1条：规划人均居住用地面积 122.59 m²/人，标准要求 28～38 m²/人
    """
    if str(climate_zone).upper() not in CLIMATE_ZONES:
        msg = f"climate_zone must be one of {', '.join(CLIMATE_ZONES)}; got {climate_zone!r}."
        raise InputError(msg)
    people = {"present": _number(population, "population"),
              "plan": _number(plan_population, "plan_population")}
    areas = {k: (_areas_by(require_frame(f, k), k) if f is not None else None)
             for k, f in (("present", present), ("plan", plan))}
    county = _areas_by(require_frame(whole, "whole"), "whole") if whole is not None else None
    notes = list(dict.fromkeys(n for f in (whole, present) if f is not None
                               for n in f.attrs.get("notes", [])))
    if present is not None and not len(present):
        notes.append("the present state has no patches in the area (no overlap with the "
                     "survey): its columns are 0")
    a01 = pd.DataFrame({"code": [c for c, _ in A01_ROWS] + ["合计"],
                        "name": [n for _, n in A01_ROWS] + ["城乡用地"]})
    a02 = pd.DataFrame({"code": [c for c, _ in A02_ROWS] + ["H11"],
                        "name": [n for _, n in A02_ROWS] + ["城市建设用地"]})
    for key, series in areas.items():
        if series is None:
            continue
        one = _a01(county if key == "present" and county is not None else series).to_numpy()
        two = _a02(series).to_numpy()
        a01[f"{key}_hm2"] = one / 10_000
        a01[f"{key}_pct"] = one / one[-1] * 100 if one[-1] else np.nan
        a02[f"{key}_hm2"] = two / 10_000
        a02[f"{key}_pct"] = two / two[-1] * 100 if two[-1] else np.nan
        a02[f"{key}_m2_per_person"] = two / people[key] if people[key] else np.nan
    checks = _checks(a02, str(climate_zone).upper(), _limits(limits))
    return LandBalance(a01.round(4), a02.round(4), checks, tuple(notes))


_LIMIT_NUMBERS = ("present_min", "present_max", "minimum", "maximum", "change_min",
                  "change_max")
_LIMIT_COLUMNS = ("rule", "clause", "indicator", "class", "climate_zones", "name_zh",
                  *_LIMIT_NUMBERS)


def _limits(limits: pd.DataFrame | str | os.PathLike[str] | None) -> pd.DataFrame:
    """The thresholds table, checked (a path is read as a CSV / Excel file)."""
    if limits is None:
        return thresholds()
    source = "limits"
    if isinstance(limits, str | os.PathLike):
        source = str(limits)
        grid = read_grid(Path(limits))
        header = [str(c or "").strip() for c in (grid.rows[0] if grid.rows else [])]
        limits = pd.DataFrame([["" if v is None else str(v) for v in row]
                               for row in grid.rows[1:]], columns=header)
    if not isinstance(limits, pd.DataFrame):
        msg = f"limits is a DataFrame or a CSV / Excel file; got {type(limits).__name__}."
        raise InputError(msg)
    missing = [c for c in _LIMIT_COLUMNS if c not in limits.columns]
    if missing:
        msg = (f"The thresholds table ({source}) lacks the column(s) {', '.join(missing)}; "
               "it needs the columns of planning.survey.thresholds().")
        raise InputError(msg)
    table = limits.copy()
    problems = []
    classes_ok = {c for c, _ in A02_ROWS} | {"H11"}
    for i, record in enumerate(table.to_dict("records")):
        row = i + 2  # as in the file, the header being row 1

        def bad(column: str, message: str, value: object, row: int = row) -> None:
            problems.append(Problem(source, message, row=row, column=column,
                                    value=str(value)))

        if str(record["indicator"]).strip() not in ("per_capita", "share"):
            bad("indicator", "indicator is per_capita or share", record["indicator"])
        if str(record["class"]).strip() not in classes_ok:
            bad("class", "class is a row of table A.0.2 (R, A, ..., G1) or H11", record["class"])
        zones = "" if pd.isna(record["climate_zones"]) else str(record["climate_zones"])
        for zone in (z.strip() for z in zones.split(",") if z.strip()):
            if zone not in CLIMATE_ZONES:
                bad("climate_zones", f"climate zone {zone!r} is not one of "
                    f"{', '.join(CLIMATE_ZONES)}", record["climate_zones"])
    for column in _LIMIT_NUMBERS:
        text = table[column].astype(object).where(table[column].notna(), "").astype(str)
        text = text.str.strip()
        number = pd.to_numeric(text.where(text != ""), errors="coerce")
        for j in np.flatnonzero((text != "").to_numpy() & number.isna().to_numpy()):
            problems.append(Problem(source, f"{column} must be a number (a decimal point, "
                                    "not a comma) or blank", row=int(j) + 2, column=column,
                                    value=text.iloc[int(j)]))
        table[column] = number.to_numpy(dtype=float)
    if problems:
        msg = f"The thresholds table ({source}) cannot be used."
        raise InputError(msg, problems)
    table["climate_zones"] = table["climate_zones"].astype(object).where(
        table["climate_zones"].notna(), "").astype(str)
    table["rule"] = table["rule"].astype(str).str.strip()
    table["clause"] = table["clause"].astype(str).str.strip()
    table["class"] = table["class"].astype(str).str.strip()
    table["indicator"] = table["indicator"].astype(str).str.strip()
    return table


def _in(value: float, low: float, high: float) -> bool:
    return (math.isnan(low) or value >= low - 1e-9) and (math.isnan(high) or value <= high + 1e-9)


def _allowed(low: float, high: float, unit: str) -> str:
    if math.isnan(high):
        return f"≥ {low:g} {unit}"
    if math.isnan(low):
        return f"≤ {high:g} {unit}"
    return f"{low:g}～{high:g} {unit}"


def _checks(a02: pd.DataFrame, zone: str, limits: pd.DataFrame) -> pd.DataFrame:
    table = a02.set_index("code")
    rows = []
    for record in limits.rename(columns={"class": "cls"}).to_dict("records"):
        r = SimpleNamespace(**{str(k): v for k, v in record.items()})
        zones = [z.strip() for z in str(r.climate_zones or "").split(",") if z.strip()]
        if zones and zone not in zones:
            continue
        per_capita = r.indicator == "per_capita"
        unit = "m²/人" if per_capita else "%"
        column = "plan_m2_per_person" if per_capita else "plan_pct"
        value = (float(table[column].to_dict().get(r.cls, np.nan)) if column in table
                 else np.nan)
        low, high = float(r.minimum), float(r.maximum)
        allowed = _allowed(low, high, unit)
        result, note = "not checked", ""
        if r.clause == "4.2.1":
            result, note, allowed = _per_capita_total(table, r, value, allowed)
        elif math.isnan(value):
            note = "无规划人口或规划数据" if per_capita else "无规划数据"
        else:
            result = "pass" if _in(value, low, high) else "fail"
        if result == "not checked" and r.clause == "4.2.1" and not note:
            continue  # another band of the present figure applies
        message = (f"GB 50137-2011 第{r.clause}条：{r.name_zh} {value:.2f} {unit}，"
                   f"标准要求 {allowed}" + (f"（{note}）" if note else ""))
        rows.append({"rule": r.rule, "clause": r.clause, "name_zh": r.name_zh, "value": value,
                     "unit": unit, "allowed": allowed, "result": result, "message": message})
    return pd.DataFrame(rows, columns=["rule", "clause", "name_zh", "value", "unit", "allowed",
                                       "result", "message"])


def _per_capita_total(table: pd.DataFrame, r: Any, value: float, allowed: str
                      ) -> tuple[str, str, str]:
    """Clause 4.2.1: the row of the present figure's band decides range and change."""
    now = float(table["present_m2_per_person"].get("H11", np.nan)) \
        if "present_m2_per_person" in table else np.nan
    lo_now, hi_now = float(r.present_min), float(r.present_max)
    if math.isnan(now) or math.isnan(value):
        first = math.isnan(lo_now)
        return ("not checked", "无现状或规划人均数据" if first else "", allowed)
    if not ((math.isnan(lo_now) or now > lo_now) and (math.isnan(hi_now) or now <= hi_now)):
        return "not checked", "", allowed
    change = value - now
    c_lo, c_hi = float(r.change_min), float(r.change_max)
    ok = _in(value, float(r.minimum), float(r.maximum)) and _in(change, c_lo, c_hi)
    text = f"{allowed}，调整幅度 {_allowed(c_lo, c_hi, 'm²/人')}（现状 {now:.2f} m²/人）"
    return ("pass" if ok else "fail"), f"调整幅度 {change:+.2f} m²/人", text
