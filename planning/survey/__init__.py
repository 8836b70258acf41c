"""Third-survey (三调) layers: the layer model, official areas, statistics tables, quality.

- the layer model: DLTB (workspace layer ``land_survey``), XZQ / CJDCQ (``admin_units``) and
  CZCDYD (``settlement_land``) with their field schemas and domains as data
  (:func:`schema`, :func:`layers`, :func:`domains`, :func:`read_survey_layer`,
  :func:`standardize`); the land classes are the ``sandiao`` classification of
  :mod:`planning.classes` (the third-survey working classification, mapped to GB/T 21010,
  the 2023 guide and GB 50137);
- official areas: :func:`check_tbmj` (stored TBMJ against the ellipsoidal area) and
  :func:`adjust_to_control` (平差 to the villages' control areas, exact to the cent);
- statistics: :func:`land_summary` (现状汇总 by village, township and county),
  :func:`present_state` and :func:`balance_tables` (GB 50137-2011 tables A.0.1 / A.0.2 and
  the thresholds of chapter 4, :func:`thresholds`);
- quality: :func:`inspect_quality` (质检) by the rules of an editable table
  (:func:`rules_table`, :func:`load_rules`), a :class:`QualityReport` with an error
  GeoPackage and an Excel report.

Every area here is ellipsoidal (:func:`planning.ellipsoidal_area`); see docs/survey.md.

Examples
--------
>>> import planning
>>> ws = planning.load_sample()
>>> summary = planning.survey.land_summary(ws["land_survey"], ws["admin_units"])
>>> county = summary.units.iloc[0]
>>> bool(county["total_m2"] == county["control_m2"])  # the classes add up to the control area
True
"""

from __future__ import annotations

from planning.survey._adjust import Adjustment, adjust_to_control, check_tbmj
from planning.survey._balance import (
    CLIMATE_ZONES,
    LandBalance,
    balance_tables,
    present_state,
    thresholds,
)
from planning.survey._quality import QualityReport, inspect_quality
from planning.survey._rules import CHECKS, Rule, load_rules, rules_table
from planning.survey._schema import (
    CLASSIFICATION,
    domain_codes,
    domains,
    field_map,
    layers,
    read_survey_layer,
    schema,
    standardize,
)
from planning.survey._summary import LandSummary, land_summary

__all__ = [
    "CHECKS",
    "CLASSIFICATION",
    "CLIMATE_ZONES",
    "Adjustment",
    "LandBalance",
    "LandSummary",
    "QualityReport",
    "Rule",
    "adjust_to_control",
    "balance_tables",
    "check_tbmj",
    "domain_codes",
    "domains",
    "field_map",
    "inspect_quality",
    "land_summary",
    "layers",
    "load_rules",
    "present_state",
    "read_survey_layer",
    "rules_table",
    "schema",
    "standardize",
    "thresholds",
]
