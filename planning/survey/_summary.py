"""The land-survey summary (现状汇总): class areas by village, township and county.

Class areas are the patches' net class areas (TBDLMJ) under their class, plus the deducted
areas (KCMJ: field banks and the like) under the deduction class (KCDLBM), so that the
classes of a unit add up to the sum of its patch areas (TBMJ), and, after the adjustment
(:func:`planning.survey.adjust_to_control`), to its control area (KZMJ), to the cent. Sums
are taken in whole cents of m²; the tables in 公顷 (2 decimals) and 亩 (1 decimal) are
rounded row by row by largest remainders, so that in every row the first-level classes add
up to the total and the second-level classes to their first-level class.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from planning import classes
from planning._core.units import M2_PER_MU
from planning._errors import InputError, Problem, UnknownCodeError
from planning._validate import Checker, check_columns, require_frame
from planning.io import Column, Table, write_workbook
from planning.survey._adjust import _numbers, adjust_to_control
from planning.survey._rounding import apportion
from planning.survey._schema import CLASSIFICATION, standardize

log = logging.getLogger(__name__)

Unit = Literal["ha", "mu"]
#: cents of m² per display step, and decimals: 0.01 公顷 = 100 m², 0.1 亩 = 66.67 m²
_STEPS: dict[str, tuple[float, int, str]] = {"ha": (10_000.0, 2, "公顷"),
                                              "mu": (M2_PER_MU * 10, 1, "亩")}
LEVEL_ZH = {"county": "县", "township": "乡镇", "village": "村",
            "unlocated": "未落入村级单位"}
#: the name of the row of patches with a blank ZLDWDM
UNLOCATED_ZH = "未落入村级单位"


def _class_table() -> pd.DataFrame:
    """Codes of the classification with their first- and second-level class."""
    table = classes.table(CLASSIFICATION).set_index("code")
    parent = table["parent"].to_dict()
    level = table["level"].astype(int).to_dict()

    def up(code: str, to: int) -> str:
        while level[code] > to:
            code = parent[code]
        return code

    return pd.DataFrame({"first": [up(c, 1) for c in table.index],
                         "second": [up(c, 2) for c in table.index],
                         "name_zh": table["name_zh"]}, index=table.index)


@dataclass(frozen=True)
class LandSummary:
    """The land-survey summary (现状汇总) of :func:`land_summary`.

    Attributes
    ----------
    units : pandas.DataFrame
        The rows of the tables, in order (the county first, then each township followed by
        its villages): ``level`` (county / township / village), ``code``, ``name``,
        ``total_m2`` (sum of the classes), ``patches_m2`` (sum of TBMJ), ``control_m2``
        (KZMJ of a village; sums for townships and the county; NaN without admin units).
    second_m2 : pandas.DataFrame
        Class areas in m² (exact to the cent), one column per second-level class (a
        first-level class without children, such as 09, is its own column), rows as
        ``units``.
    first_m2 : pandas.DataFrame
        The same for the first-level classes.
    problems : tuple of Problem
        What the adjustment to the control areas reported (patches in no unit, units
        without patches or control area, patches without geometry); the workbook's sheet
        平差问题 lists them.

    Patches with a blank ZLDWDM are a row of their own (level ``unlocated``, 未落入村级单位)
    under the county, never dropped.
    """

    units: pd.DataFrame
    second_m2: pd.DataFrame
    first_m2: pd.DataFrame
    problems: tuple[Problem, ...] = ()

    def table(self, *, level: Literal[1, 2] = 2, unit: Unit = "ha") -> pd.DataFrame:
        """A summary table in 公顷 (2 decimals) or 亩 (1 decimal): code, name, level, total,
        then the classes (for ``level=2`` each first-level class followed by its
        second-level classes), rounded so that every row adds up.

        Examples
        --------
        >>> import planning
        >>> ws = planning.load_sample()
        >>> s = planning.survey.land_summary(ws["land_survey"], ws["admin_units"],
        ...                                  townships=ws["townships"],
        ...                                  county_name=ws.county.name_zh)
        >>> t = s.table(level=1)
        >>> t.iloc[0, :3].tolist()   # the county first
        ['410927', '台前县', '县']
        >>> row = t.iloc[0]
        >>> bool(abs(row.iloc[4:].sum() - row["合计"]) < 1e-6)
        True
        """
        if unit not in _STEPS:
            msg = (f"unit must be one of {', '.join(map(repr, _STEPS))} (公顷 / 亩); got "
                   f"{unit!r}.")
            raise InputError(msg)
        step, decimals, _ = _STEPS[unit]
        cents = np.round(self.second_m2.to_numpy() * 100).astype(np.int64)
        info = _class_table()
        firsts = list(dict.fromkeys(info.loc[self.second_m2.columns, "first"]))
        n = len(self.units)
        total = np.round(cents.sum(axis=1) / step).astype(np.int64)
        first_cents = np.column_stack([cents[:, [info.loc[c, "first"] == f
                                                 for c in self.second_m2.columns]].sum(axis=1)
                                       for f in firsts]) if firsts else np.zeros((n, 0))
        rows = np.repeat(np.arange(n), len(firsts))
        first = apportion(first_cents.ravel(), rows, total).reshape(n, len(firsts))
        out = self.units[["code", "name"]].copy()
        out["级别"] = self.units["level"].map(LEVEL_ZH).to_numpy()
        out["合计"] = total / 10**decimals
        names = info["name_zh"]
        for j, f in enumerate(firsts):
            label = f"{f} {names[f]}"
            out[label] = first[:, j] / 10**decimals
            children = [c for c in self.second_m2.columns if info.loc[c, "first"] == f
                        and c != f]
            if level == 2 and children:
                idx = [list(self.second_m2.columns).index(c) for c in children]
                part = apportion(cents[:, idx].ravel(), np.repeat(np.arange(n), len(idx)),
                                 first[:, j]).reshape(n, len(idx))
                for k, c in enumerate(children):
                    out[f"{c} {names[c]}"] = part[:, k] / 10**decimals
        return out.rename(columns={"code": "单位代码", "name": "单位名称"}).reset_index(drop=True)

    def reconciliation(self) -> pd.DataFrame:
        """Per row: the control area, the sum of the patch areas, the sum of the classes and
        the differences, in m².

        Examples
        --------
        >>> import planning
        >>> ws = planning.load_sample()
        >>> r = planning.survey.land_summary(ws["land_survey"], ws["admin_units"]).reconciliation()
        >>> float(r["分类面积-控制面积(平方米)"].abs().max())
        0.0
        """
        u = self.units
        return pd.DataFrame({
            "单位代码": u["code"], "单位名称": u["name"],
            "级别": u["level"].map(LEVEL_ZH),
            "控制面积(平方米)": u["control_m2"],
            "图斑面积合计(平方米)": u["patches_m2"],
            "分类面积合计(平方米)": u["total_m2"],
            "分类面积-控制面积(平方米)": (u["total_m2"] - u["control_m2"]).round(2),
            "图斑面积-控制面积(平方米)": (u["patches_m2"] - u["control_m2"]).round(2),
        }).reset_index(drop=True)

    def sheets(self) -> list[Table]:
        """The workbook sheets: first- and second-level tables in 公顷 and 亩, the
        reconciliation (for :func:`planning.io.write_workbook`)."""
        out = []
        for unit in ("ha", "mu"):
            _, decimals, label = _STEPS[unit]
            for level, title in (1, "一级分类"), (2, "二级分类"):
                frame = self.table(level=1 if level == 1 else 2, unit=unit)
                columns = [Column(str(c)) if i < 3 else
                           Column(str(c), kind=unit, decimals=decimals)
                           for i, c in enumerate(frame.columns)]
                out.append(Table(f"{title}({label})", frame, columns,
                                 title=[f"土地利用现状{title}面积汇总表（单位：{label}）",
                                        "面积为椭球面积（CGCS2000），经控制面积平差"]))
        recon = self.reconciliation()
        out.append(Table("面积核对", recon, [Column(str(c)) if i < 3 else
                                         Column(str(c), kind="m2")
                                         for i, c in enumerate(recon.columns)]))
        if self.problems:
            issues = pd.DataFrame([{"图层": p.source, "行号": p.row, "字段": p.column,
                                    "值": p.value, "问题": p.message} for p in self.problems])
            out.append(Table("平差问题", issues, title="面积平差中发现的问题"))
        return out

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the summary workbook atomically; return its path."""
        return write_workbook(path, self.sheets()).path


def _unit_keys(frame: pd.DataFrame) -> npt.NDArray[np.object_]:
    """ZLDWDM as text; a blank one is the county's code (6 digits, the most common prefix):
    the row of unlocated patches."""
    codes = frame["ZLDWDM"].astype("string").str.strip()
    codes = codes.mask(codes == "")
    county = codes.dropna().str[:6].mode()
    out: npt.NDArray[np.object_] = codes.fillna(str(county.iloc[0]) if len(county) else
                                                "").to_numpy(dtype=object)
    return out


def _blank_areas(frame: pd.DataFrame) -> None:
    """Without the adjustment the stored areas are summed: they must all be given."""
    tbmj, net = _numbers(frame, "TBMJ"), _numbers(frame, "TBDLMJ")
    bad = np.flatnonzero(~np.isfinite(tbmj) | (("TBDLMJ" in frame.columns)
                                              & ~np.isfinite(net) & ~np.isfinite(tbmj)))
    if len(bad):
        problems = [Problem("land_survey", "TBMJ / TBDLMJ is blank", row=int(r),
                            column="TBMJ", value=str(frame["BSM"].iloc[r]) if "BSM" in frame
                            else None) for r in bad]
        msg = (f"{len(bad)} patch(es) have no area (blank TBMJ / TBDLMJ), and without the "
               "adjustment the stored areas are summed: adjust them to the control areas "
               "(adjust=True with admin_units; on the command line drop --no-adjust), or "
               "fill TBMJ and TBDLMJ.")
        raise InputError(msg, problems)


def _exact(values: pd.Series, column: str) -> pd.Series:
    """The codes of ``values``, which must be codes of the classification exactly: an
    invalid code (0199, 01990) is an error naming its rows, never counted under the class
    it starts with."""
    pad = str(classes.available().set_index("key").loc[CLASSIFICATION].get("pad", "") or "")
    norm = pd.Series(classes.normalize_codes(values, pad=pad), index=values.index,
                     dtype=object)
    known = set(classes.table(CLASSIFICATION)["code"])
    bad = np.flatnonzero(norm.notna().to_numpy(dtype=bool)
                         & ~norm.isin(known).to_numpy(dtype=bool))
    if len(bad):
        problems = [Problem("land_survey", f"{column} is not a code of the third-survey "
                            "classification", row=int(r), column=column,
                            value=str(values.iloc[r])) for r in bad]
        msg = (f"{len(bad)} patch(es) have a {column} that is not a class of the "
               f"{CLASSIFICATION} classification; correct them (planning.classes.table"
               f"({CLASSIFICATION!r}) lists the codes) before the summary.")
        raise UnknownCodeError(msg, problems)
    return classes.match_codes(values, CLASSIFICATION, source="land_survey", column=column)


def _class_cents(frame: pd.DataFrame) -> pd.DataFrame:
    """Long table: unit (19-digit ZLDWDM), second-level class, cents."""
    info = _class_table()
    tbmj = _numbers(frame, "TBMJ")
    kcmj = np.nan_to_num(_numbers(frame, "KCMJ"), nan=0.0)
    net = _numbers(frame, "TBDLMJ")
    net = np.where(np.isfinite(net), net, tbmj - kcmj)
    code = _exact(frame["DLBM"], "DLBM").to_numpy()
    where = _unit_keys(frame)
    rows = [pd.DataFrame({"unit": where, "class": info.loc[code, "second"].to_numpy(),
                          "cents": np.round(net * 100).astype(np.int64)})]
    deducted = kcmj != 0
    if deducted.any():
        kc = _exact(frame.loc[deducted, "KCDLBM"], "KCDLBM").to_numpy()
        rows.append(pd.DataFrame({"unit": where[deducted],
                                  "class": info.loc[kc, "second"].to_numpy(),
                                  "cents": np.round(kcmj[deducted] * 100).astype(np.int64)}))
    return pd.concat(rows, ignore_index=True)


def land_summary(
    land_survey: pd.DataFrame,
    admin_units: pd.DataFrame | None = None,
    *,
    townships: pd.DataFrame | None = None,
    county_name: str | None = None,
    adjust: bool = True,
) -> LandSummary:
    """The land-survey summary (现状汇总) by village, township and county.

    Parameters
    ----------
    land_survey : GeoDataFrame
        A DLTB layer (DLBM, ZLDWDM, TBMJ, KCMJ / KCDLBM, TBDLMJ); never changed.
    admin_units : DataFrame, optional
        Village units (XZQDM, XZQMC, KZMJ): their names and control areas. With
        ``adjust=True`` the patch areas are first adjusted to the control areas
        (:func:`planning.survey.adjust_to_control`), so that the classes of every village
        add up to its KZMJ.
    townships : DataFrame, optional
        ``code`` (9 digits) and ``name_zh`` of the townships (the workspace's layer).
    county_name : str, optional
        The county's name (default: its code).
    adjust : bool, default True

    Returns
    -------
    LandSummary
    """
    frame = standardize(require_frame(land_survey, "land_survey"), "DLTB")
    checker = Checker()
    check_columns(frame, ["DLBM", "ZLDWDM", "TBMJ"], "land_survey", checker)
    checker.raise_if_any("The summary needs the patches' classes, locations and areas.")
    if not len(frame):
        msg = ("the land_survey layer is empty (no patches): there is nothing to summarise; "
               "import the DLTB layer with its patches.")
        raise InputError(msg)
    problems: tuple[Problem, ...] = ()
    if admin_units is not None and adjust:
        adjustment = adjust_to_control(frame, admin_units)
        frame, problems = adjustment.land_survey, tuple(adjustment.problems)
    else:
        _blank_areas(frame)
    long = _class_cents(frame)
    village = long["unit"].str[:12]
    table = long.assign(village=village).pivot_table(
        index="village", columns="class", values="cents", aggfunc="sum", fill_value=0)
    order = list(_class_table()["second"].drop_duplicates())  # every class, as the
    table = table.reindex(columns=order, fill_value=0)        # standard tables show them
    if admin_units is not None and "XZQDM" in standardize(admin_units, "XZQ").columns:
        known = standardize(admin_units, "XZQ")["XZQDM"].astype("string").str.strip().str[:12]
        extra = sorted(set(known.dropna()) - set(table.index.astype(str)))
        if extra:  # villages without patches keep their rows and control areas
            table = pd.concat([table, pd.DataFrame(0, index=extra, columns=table.columns)])
    patches = pd.Series(np.round(_numbers(frame, "TBMJ") * 100).astype(np.int64)).groupby(
        pd.Series(_unit_keys(frame), dtype=object).str[:12].to_numpy()).sum()
    units = _units(table, patches, admin_units, townships, county_name)
    second = _rollup(table, units)
    first = second.T.groupby(_class_table().loc[second.columns, "first"].to_numpy(),
                             sort=False).sum().T
    log.info("land summary: %d villages", len(table))
    return LandSummary(units, second / 100, first / 100, problems)


def _units(table: pd.DataFrame, patches: pd.Series, admin_units: pd.DataFrame | None,
           townships: pd.DataFrame | None, county_name: str | None) -> pd.DataFrame:
    """The rows: county, then each township and its villages."""
    villages = pd.Index(table.index.astype(str))
    names: dict[str, str] = {}
    control: dict[str, float] = {}
    if admin_units is not None:
        units = standardize(admin_units, "XZQ")
        for code, name, kz in zip(units["XZQDM"].astype(str), units.get("XZQMC", units["XZQDM"]),
                                  _numbers(units, "KZMJ"), strict=True):
            names[code[:12]], control[code[:12]] = str(name), float(kz)
    if townships is not None and "code" in townships and "name_zh" in townships:
        names.update(zip(townships["code"].astype(str), townships["name_zh"].astype(str),
                         strict=True))
    rows = []
    county = sorted({v[:6] for v in villages})
    for c in county:
        rows.append(("county", c, county_name or c))
        if c in villages:  # patches with a blank ZLDWDM
            rows.append(("unlocated", c, UNLOCATED_ZH))
        for t in sorted({v[:9] for v in villages if v.startswith(c) and len(v) > 6}):
            rows.append(("township", t, names.get(t, t)))
            rows.extend(("village", v, names.get(v, v)) for v in sorted(villages)
                        if v.startswith(t))
    out = pd.DataFrame(rows, columns=["level", "code", "name"])
    village_rows = out["level"].isin(["village", "unlocated"])
    by_village = out["code"].where(village_rows)
    kz = pd.Series(control, dtype=float)
    out["control_m2"] = np.nan
    out.loc[village_rows, "control_m2"] = by_village[village_rows].map(kz).to_numpy()
    out["patches_m2"] = np.nan
    out.loc[village_rows, "patches_m2"] = (by_village[village_rows].map(patches).fillna(0)
                                           / 100).to_numpy()
    for level, digits in (("township", 9), ("county", 6)):
        rows_ = out["level"] == level
        for column in ("control_m2", "patches_m2"):
            sums = out.loc[village_rows].groupby(out.loc[village_rows, "code"].str[:digits])[
                column].sum(min_count=1)
            out.loc[rows_, column] = out.loc[rows_, "code"].map(sums).to_numpy()
    for column in ("control_m2", "patches_m2"):
        out[column] = out[column].round(2)
    return out


def _rollup(table: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Cents per row of ``units`` (villages as they are, townships and the county summed)."""
    table = table.copy()
    table.index = table.index.astype(str)
    rows = []
    for level, code in zip(units["level"], units["code"], strict=True):
        if level in ("village", "unlocated"):
            rows.append(table.loc[code])
        else:
            rows.append(table[table.index.str.startswith(code)].sum())
    second = pd.DataFrame(rows).reset_index(drop=True)
    units["total_m2"] = second.sum(axis=1).to_numpy() / 100
    return second
