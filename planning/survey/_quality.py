"""The data quality inspection (质检): rules from an editable table, run on survey and plan
layers; an error layer (GeoPackage, one feature per finding) and an Excel report."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from planning._errors import CRSError, InputError
from planning.crs import gk_crs_for
from planning.io import Column, Table, atomic_output, write_workbook
from planning.overlay import Engine, get_engine
from planning.survey._checks import ATTRIBUTE_CHECKS, FINDING_COLUMNS
from planning.survey._rules import CATEGORIES, Rule, load_rules, rules_table
from planning.survey._schema import layer_row
from planning.survey._topology import TOPOLOGY_CHECKS, _ids

log = logging.getLogger(__name__)

#: The layer of the error GeoPackage, and of the rules table in it.
ERROR_LAYER = "quality_errors"
RULES_LAYER = "quality_rules"
#: Columns of the findings.
COLUMNS = ["finding_id", "rule_id", "category", "category_zh", "layer", "row", "feature_id",
           "field", "value", "message", "description_zh"]


@dataclass(frozen=True, repr=False)
class QualityReport:
    """What :func:`inspect_quality` found.

    Attributes
    ----------
    findings : geopandas.GeoDataFrame
        One row per finding: ``finding_id``, ``rule_id``, ``category`` (and
        ``category_zh``), ``layer``, ``row`` (position in the layer, -1 for findings about
        a whole layer or about a piece such as a gap), ``feature_id`` (BSM or the layer's
        id), ``field``, ``value``, ``message``, ``description_zh`` (the rule's), geometry
        (the feature, the overlap / gap / outside piece, or the layer's extent).
    rules : pandas.DataFrame
        One row per rule: the rule's columns, ``layers_checked``, ``findings``, ``status``
        (``passed``, ``failed``, or ``not run`` with the reason in ``note``), ``seconds``.
    notes : tuple of str
        What the inspection did to run: layers reprojected to one CRS for the topology
        checks, empty layers.
    """

    findings: gpd.GeoDataFrame
    rules: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True when no rule found anything and at least one rule ran (a run that checked
        nothing does not pass)."""
        ran = bool((self.rules["status"] != "not run").any()) if len(self.rules) else False
        return bool(self.findings.empty) and ran

    def summary(self) -> pd.DataFrame:
        """Findings per category and rule."""
        return self.rules[["rule_id", "category", "description_zh", "layers_checked",
                           "findings", "status"]].copy()

    def __repr__(self) -> str:
        failed = int((self.rules["status"] == "failed").sum())
        return (f"<QualityReport: {len(self.findings)} findings, {failed} of "
                f"{len(self.rules)} rules failed>")

    def to_gpkg(self, path: str | os.PathLike[str]) -> Path:
        """Write the error layer (``quality_errors``: declared GEOMETRY, one feature per
        finding — polygons as MultiPolygon, lines as MultiLineString, points as MultiPoint;
        features about a whole layer drawn as its extent) and the rules table
        (``quality_rules``) to a new GeoPackage, atomically."""
        target = Path(path)
        frame = self.findings.copy()
        for column in ("field", "value", "feature_id", "layer", "message", "description_zh"):
            frame[column] = frame[column].astype("string")
        with atomic_output(target) as tmp:  # findings of line layers are lines: GEOMETRY
            pyogrio.write_dataframe(frame, tmp, layer=ERROR_LAYER, driver="GPKG",
                                    geometry_type="Unknown", promote_to_multi=True)
            pyogrio.write_dataframe(self.rules.astype({"findings": int, "seconds": float}),
                                    tmp, layer=RULES_LAYER, driver="GPKG")
        log.info("quality errors written to %s", target)
        return target

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the report: 质检汇总 (rules, findings, status), 问题清单 (every finding),
        质检规则 (the rules as used), atomically."""
        rules = self.rules.rename(columns={
            "rule_id": "规则编号", "category": "类别", "layer": "图层", "check": "检查",
            "description_zh": "规则说明", "layers_checked": "检查图层", "findings": "问题数",
            "status": "结论", "note": "备注", "seconds": "耗时(秒)"})
        status_zh = {"passed": "通过", "failed": "未通过", "not run": "未检查"}
        rules["结论"] = rules["结论"].map(status_zh).fillna(rules["结论"])
        rules["类别"] = rules["类别"].map(CATEGORIES).fillna(rules["类别"])
        summary = rules[["规则编号", "类别", "规则说明", "检查图层", "问题数", "结论", "备注"]]
        found = pd.DataFrame(self.findings.drop(columns=self.findings.geometry.name)).rename(
            columns={"finding_id": "问题编号", "rule_id": "规则编号", "category_zh": "类别",
                     "layer": "图层", "row": "行号", "feature_id": "标识码", "field": "字段",
                     "value": "值", "message": "问题描述", "description_zh": "规则说明"})
        found = found.drop(columns=["category"])
        used = rules[["规则编号", "类别", "图层", "检查", "规则说明", "description",
                      "parameters"]].rename(columns={"description": "说明(英文)",
                                                     "parameters": "参数"})
        notes = pd.DataFrame({"说明": list(self.notes)})
        sheets = [
            *([Table("说明", notes, title="质检说明")] if self.notes else []),
            Table("质检汇总", summary, [Column(c, kind="int") if c == "问题数" else Column(c)
                                    for c in summary.columns], title="数据质量检查汇总"),
            Table("问题清单", found, [Column(c, kind="int") if c in ("问题编号", "行号")
                                  else Column(c) for c in found.columns],
                  title="数据质量问题清单"),
            Table("质检规则", used, title="质检规则"),
        ]
        return write_workbook(path, sheets).path


def _layers(data: Any, names: list[str] | None) -> dict[str, gpd.GeoDataFrame]:
    """The layers to inspect, by workspace name (survey names DLTB ... are accepted)."""
    source = data.layers if hasattr(data, "layers") and hasattr(data, "tables") else data
    if not isinstance(source, Mapping):
        msg = ("inspect_quality takes a Workspace or a mapping of layer names to "
               f"GeoDataFrames; got {type(data).__name__}.")
        raise InputError(msg)
    out: dict[str, gpd.GeoDataFrame] = {}
    for key, frame in source.items():
        if not isinstance(frame, gpd.GeoDataFrame):
            continue
        name = str(key)
        if name.upper() in ("DLTB", "XZQ", "CJDCQ", "CZCDYD"):
            name = str(layer_row(name)["contract"])
        out[name] = frame
    if names is not None:
        names = [names] if isinstance(names, str) else list(names)  # one layer as text
        names = [str(layer_row(n)["contract"]) if n.upper() in ("DLTB", "XZQ", "CJDCQ",
                                                                 "CZCDYD") else n
                 for n in names]
        missing = [n for n in names if n not in out]
        if missing:
            msg = (f"No layer {', '.join(missing)} to inspect; the layers are "
                   f"{', '.join(out) or 'none'}.")
            raise InputError(msg)
        out = {n: out[n] for n in names}
    return out


#: the checks that see the layers in their own CRS (the others run on the working layers)
_OWN_CRS = frozenset({"crs_datum", "crs_zone"})


def _working(chosen: dict[str, gpd.GeoDataFrame]) -> tuple[
        dict[str, gpd.GeoDataFrame], Any, list[str]]:
    """The layers for the geometric checks, all in one metric CRS: the survey layer's (else
    the first layer's with a CRS); a lon/lat CRS is replaced by the Gauss-Kruger zone of the
    data, so that areas are in m². Returns the layers, the CRS of the findings (the survey
    layer's own) and notes saying what was reprojected. Layers without a CRS stay as they are
    (M01 reports them)."""
    with_crs = [n for n, f in chosen.items() if f.crs is not None]
    if not with_crs:
        return dict(chosen), None, []
    lead = "land_survey" if "land_survey" in with_crs else with_crs[0]
    crs = chosen[lead].crs
    work_crs = crs
    notes: list[str] = []
    if crs.is_geographic:
        try:
            work_crs = gk_crs_for(chosen[lead])
        except CRSError:
            work_crs = None
        if work_crs is not None:
            notes.append(f"{lead} is in lon/lat ({crs.name}): the topology checks ran in "
                         f"{work_crs.name} (EPSG:{work_crs.to_epsg()}), areas in m²")
    out = dict(chosen)
    if work_crs is None:
        return out, crs, notes
    for name in with_crs:
        frame = chosen[name]
        if frame.crs != work_crs:
            out[name] = frame.to_crs(work_crs)
            if name != lead or not crs.is_geographic:
                notes.append(f"{name} ({frame.crs.name}) was reprojected to "
                             f"{work_crs.name} for the topology checks")
    return out, crs, notes


def _run(rule: Rule, name: str, layers: dict[str, gpd.GeoDataFrame], engine: Engine
         ) -> pd.DataFrame:
    if rule.check in TOPOLOGY_CHECKS:
        return TOPOLOGY_CHECKS[rule.check](rule, name, layers, engine)
    return ATTRIBUTE_CHECKS[rule.check](rule, name, layers)


def inspect_quality(
    data: Any,
    *,
    rules: str | os.PathLike[str] | pd.DataFrame | None = None,
    layers: list[str] | None = None,
    engine: str | Engine = "local",
) -> QualityReport:
    """Inspect the quality of survey and plan layers by the rules of an editable table.

    Parameters
    ----------
    data : planning.Workspace or mapping of layer name to GeoDataFrame
        The layers (``land_survey``, ``admin_units``, ``settlement_land``, plan layers; the
        survey names DLTB, XZQ, CJDCQ, CZCDYD are accepted too). Never changed.
    rules : path or DataFrame, optional
        The rules (default: ``planning/data/survey/quality_rules.csv``; see
        :func:`planning.survey.rules_table`): a CSV or Excel file of your own, or a frame.
    layers : list of str, optional
        Inspect only these layers.
    engine : {"local", "dask"} or planning.overlay.Engine
        Where the topology overlays run.

    Returns
    -------
    QualityReport

    Examples
    --------
    >>> import planning
    >>> ws = planning.load_sample()
    >>> report = planning.survey.inspect_quality(ws, layers=["land_survey", "admin_units",
    ...                                                     "settlement_land"])
    >>> report.passed, len(report.rules)
    (True, 42)
    >>> broken = {"land_survey": ws["land_survey"].assign(CZCSXM=None),
    ...           "admin_units": ws["admin_units"]}
    >>> found = planning.survey.inspect_quality(broken).findings
    >>> sorted(set(found["rule_id"]))
    ['L01']
    """
    chosen = _layers(data, layers)
    work, crs, notes = _working(chosen)
    runner = get_engine(engine)
    table = rules_table(rules)
    parsed = load_rules(table)
    rows, parts = [], []
    for rule in parsed:
        names = [n for n in chosen if rule.applies_to(n)]
        source = work if rule.check in TOPOLOGY_CHECKS and rule.check not in _OWN_CRS \
            else chosen
        t0 = time.perf_counter()
        count, skipped = 0, []
        for name in names:
            try:
                found = _run(rule, name, source, runner)
            except CRSError as exc:  # a layer without a usable CRS: M01 / M02 say so
                skipped.append(f"not run on {name}: {' '.join(str(exc).split())}")
                continue
            if len(found):
                where = found["layer"].to_numpy(dtype=object) if "layer" in found else \
                    np.full(len(found), name, dtype=object)
                found = found.assign(rule_id=rule.rule_id, category=rule.category,
                                     layer=where, description_zh=rule.description_zh)
                rows_ = found["row"].to_numpy(dtype=int)
                ids = np.full(len(found), None, dtype=object)
                geoms = np.array(found["geometry"], dtype=object)
                for layer in set(where):
                    mine = (where == layer) & (rows_ >= 0)
                    ids[mine] = _ids(source[layer])[rows_[mine]]
                    own = source[layer].crs
                    if crs is not None and own is not None and own != crs:
                        at = where == layer
                        geoms[at] = gpd.GeoSeries(list(geoms[at]),
                                                  crs=own).to_crs(crs).to_numpy()
                found = found.assign(feature_id=ids, geometry=geoms)
                parts.append(found)
                count += len(found)
        ran = [n for n in names if not any(s.startswith(f"not run on {n}:") for s in skipped)]
        note = "; ".join(skipped)
        if not names:
            note = "layer(s) not given: " + ", ".join(rule.layers)
        empty = [n for n in ran if not len(chosen[n])]
        if empty:
            note = "; ".join([*([note] if note else []), "empty layer(s): " + ", ".join(empty)])
        status = "not run" if not ran else ("failed" if count else "passed")
        rows.append({"rule_id": rule.rule_id, "category": rule.category,
                     "layer": ";".join(rule.layers), "check": rule.check,
                     "description_zh": rule.description_zh, "description": rule.description,
                     "parameters": "; ".join(f"{k}={v}" for k, v in rule.parameters.items()),
                     "layers_checked": ";".join(ran), "findings": count, "status": status,
                     "note": note, "seconds": round(time.perf_counter() - t0, 3)})
    empty = [n for n, f in chosen.items() if not len(f)]
    if empty:
        notes.append(f"empty layer(s), no features to check: {', '.join(empty)}")
    return QualityReport(_findings(parts, crs), pd.DataFrame(rows), tuple(notes))


def _findings(parts: list[pd.DataFrame], crs: Any) -> gpd.GeoDataFrame:
    if parts:
        frame = pd.concat(parts, ignore_index=True)
    else:
        frame = pd.DataFrame(columns=[*FINDING_COLUMNS, "rule_id", "category", "layer",
                                      "description_zh", "feature_id"])
    frame.insert(0, "finding_id", np.arange(1, len(frame) + 1))
    frame["category_zh"] = frame["category"].map(CATEGORIES)
    frame["row"] = frame["row"].astype(int)
    out = gpd.GeoDataFrame(frame[COLUMNS], geometry=gpd.GeoSeries(
        list(frame["geometry"]), crs=crs), crs=crs)
    log.info("quality inspection: %d findings", len(out))
    return out
