"""Third-survey (三调) layers: the layer model, official areas, statistics tables, quality.
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
