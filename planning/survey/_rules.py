"""The quality rules (质检规则): an editable table, read and checked here.

``planning/data/survey/quality_rules.csv`` has one row per rule: ``rule_id``, ``category``
(structure, domain, uniqueness, topology, logic, area, math_basis), ``layer`` (workspace
layer names separated by ``;``, or ``*`` for every layer inspected), ``check`` (what the
rule does, one of :data:`CHECKS`), ``description_zh``, ``description`` and ``parameters``
(``key=value`` pairs separated by ``;``, list values separated by ``|``:
``classes=05|06|07; field=CZCSXM``). A bureau copies the file, edits, adds or removes rows
and passes it as ``rules=``.
"""

from __future__ import annotations

import difflib
import importlib.resources
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planning._errors import InputError, Problem
from planning._validate import Checker
from planning.io import read_grid

#: Rule categories, with their Chinese names.
CATEGORIES = {"structure": "结构", "domain": "值域", "uniqueness": "唯一性", "topology": "拓扑",
              "logic": "逻辑", "area": "面积", "math_basis": "数学基础"}
#: Each check and the parameters it needs (required, optional).
CHECKS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fields_present": ((), ()),
    "field_types": ((), ()),
    "field_lengths": ((), ()),
    "required_values": ((), ()),
    "domain": (("field", "domain"), ()),
    "unique": (("field",), ("within",)),
    "valid_geometry": ((), ()),
    "overlaps": ((), ("min_area_m2",)),
    "gaps": (("within",), ("min_area_m2",)),
    "multipart": ((), ()),
    "covered_by": (("by",), ("where", "by_where", "min_area_m2")),
    "no_holes": ((), ()),
    "requires": (("classes", "field"), ("code",)),
    "allowed_classes": (("field", "values", "classes"), ("code",)),
    "only_for": (("classes", "fields"), ("code",)),
    "name_matches": (("code", "name", "domain"), ()),
    "requires_fields": (("when", "fields"), ()),
    "location_matches": (("by", "code", "unit_code", "digits"), ()),
    "area_equation": (("left", "right"), ("tolerance_m2",)),
    "area_ellipsoidal": (("field",), ("rtol", "atol_m2")),
    "area_sums": (("by", "code", "unit_code", "digits", "field", "control"),
                  ("tolerance_m2",)),
    "min_area": (("field", "domain"), ("construction", "agricultural", "unused")),
    "crs_datum": (("datum",), ()),
    "crs_zone": ((), ()),
}
RULE_COLUMNS = ("rule_id", "category", "layer", "check", "description_zh", "description",
                "parameters")


@dataclass(frozen=True)
class Rule:
    """One quality rule: its id, category, layers, check and parameters."""

    rule_id: str
    category: str
    layers: tuple[str, ...]
    check: str
    description_zh: str
    description: str
    parameters: dict[str, str] = field(default_factory=dict)

    def text(self, name: str, default: str | None = None) -> str:
        """A parameter as text."""
        value = self.parameters.get(name, default)
        if value is None:  # pragma: no cover - required parameters are checked on loading
            msg = f"rule {self.rule_id} has no parameter {name!r}."
            raise InputError(msg)
        return value

    def items(self, name: str) -> list[str]:
        """A list parameter (``a|b|c``)."""
        return [v.strip() for v in self.text(name, "").split("|") if v.strip()]

    def number(self, name: str, default: float) -> float:
        """A number parameter (checked when the rules are read)."""
        return float(self.parameters.get(name, default))

    def applies_to(self, layer: str) -> bool:
        return "*" in self.layers or layer in self.layers


def parse_parameters(text: str) -> dict[str, str]:
    """``"field=DLBM; domain=sandiao"`` -> ``{"field": "DLBM", "domain": "sandiao"}``.

    Examples
    --------
    >>> parse_parameters("classes=05|06; field=CZCSXM")
    {'classes': '05|06', 'field': 'CZCSXM'}
    """
    out: dict[str, str] = {}
    for part in str(text or "").split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            msg = f"a parameter is written key=value, got {part.strip()!r}"
            raise ValueError(msg)
        out[key.strip()] = value.strip()
    return out


def _bundled() -> pd.DataFrame:
    path = importlib.resources.files("planning") / "data" / "survey" / "quality_rules.csv"
    with path.open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def rules_table(rules: str | os.PathLike[str] | pd.DataFrame | None = None) -> pd.DataFrame:
    """The rules as a table: the bundled ones, a CSV / Excel file of your own, or a frame.

    Examples
    --------
    >>> t = rules_table()
    >>> sorted(set(t["category"])) == sorted(CATEGORIES)
    True
    """
    if rules is None:
        return _bundled()
    if isinstance(rules, pd.DataFrame):  # read with pd.read_excel / read_csv: NaN is blank
        return rules.astype(object).where(rules.notna(), "").astype(str)
    path = Path(rules)
    grid = read_grid(path)
    if not grid.rows:
        msg = f"The rules file {path} is empty; it needs the columns {', '.join(RULE_COLUMNS)}."
        raise InputError(msg)
    header = [str(c or "").strip() for c in grid.rows[0]]
    body = [["" if v is None else str(v) for v in row] for row in grid.rows[1:]]
    return pd.DataFrame(body, columns=header)


def load_rules(rules: str | os.PathLike[str] | pd.DataFrame | None = None) -> list[Rule]:
    """The rules, checked: known categories and checks, required parameters, numbers.

    Raises
    ------
    InputError
        Listing every problem of the table (row numbers as in the file, the header being
        row 1).

    Examples
    --------
    >>> [r.rule_id for r in load_rules()][:4]
    ['S01', 'S02', 'S03', 'S04']
    """
    table = rules_table(rules)
    source = "quality rules" if not isinstance(rules, str | os.PathLike) else str(rules)
    checker = Checker()
    for column in RULE_COLUMNS:
        if column not in table.columns:
            checker.add(Problem(source, "column is missing from the rules table",
                                column=column))
    checker.raise_if_any("The quality rules cannot be used.")
    out: list[Rule] = []
    named = {v.strip() for text in table["layer"] for v in str(text).split(";")}
    for i, row in enumerate(table.itertuples(index=False), start=2):
        rule = _rule(row, i, source, checker)
        if rule is not None:
            _check_names(rule, i, source, checker, named)
            out.append(rule)
    ids = pd.Series([r.rule_id for r in out])
    for value in sorted(set(ids[ids.duplicated()])):
        checker.add(Problem(source, "rule id occurs more than once", column="rule_id",
                            value=value))
    checker.raise_if_any("The quality rules cannot be used.")
    return out


def _no_id(values: dict[str, str], line: int, source: str, checker: Checker) -> None:
    """A row without rule_id: an empty line of the sheet, or an error."""
    if any(values.values()):
        checker.add(Problem(source, "the rule has no rule_id: give every rule an id (S01, "
                            "D01, ...) or delete the row", row=line, column="rule_id"))


def _check_numbers(params: dict[str, str], bad: Callable[[str, str], None]) -> None:
    for name in ("min_area_m2", "tolerance_m2", "rtol", "atol_m2", "digits", "construction",
                 "agricultural", "unused"):
        if name in params:
            try:
                ok = float(params[name]) >= 0
            except ValueError:
                ok = False
            if not ok:
                bad("parameters", f"parameter {name} must be a number of at least 0, got "
                    f"{params[name]!r}")
            elif name == "digits" and not float(params[name]).is_integer():
                bad("parameters", f"parameter digits is a number of code digits (a whole "
                    f"number such as 12), got {params[name]!r}")


def _rule(row: object, line: int, source: str, checker: Checker) -> Rule | None:
    values = {c: str(getattr(row, c)).strip() for c in RULE_COLUMNS}
    rule_id = values["rule_id"]
    if not rule_id:
        _no_id(values, line, source, checker)
        return None

    def bad(column: str, message: str) -> None:
        checker.add(Problem(source, f"rule {rule_id}: {message}", row=line, column=column))

    try:
        params = parse_parameters(values["parameters"])
    except ValueError as exc:
        bad("parameters", str(exc))
        return None
    if values["category"] not in CATEGORIES:
        bad("category", f"category {values['category']!r} is not one of "
            + ", ".join(CATEGORIES))
    check = values["check"]
    if check not in CHECKS:
        bad("check", f"check {check!r} is not one of " + ", ".join(CHECKS))
        return None
    required, optional = CHECKS[check]
    for name in required:
        if not params.get(name):
            bad("parameters", f"the check {check} needs the parameter {name}=...")
    for name in sorted(set(params) - set(required) - set(optional)):
        bad("parameters", f"unknown parameter {name!r} for the check {check} (it takes "
            f"{', '.join(required + optional) or 'none'})")
    _check_numbers(params, bad)
    layers = tuple(v.strip() for v in values["layer"].split(";") if v.strip())
    if not layers:
        bad("layer", "layer is empty (give layer names separated by ';', or *)")
    return Rule(rule_id, values["category"], layers, check, values["description_zh"],
                values["description"], params)


#: survey layers whose field names the rules are checked against (their schemas)
_SCHEMAS = {"land_survey": ("DLTB",), "admin_units": ("XZQ", "CJDCQ"),
            "settlement_land": ("CZCDYD",)}
#: parameters naming fields of the ``by`` layer
_BY_FIELDS = ("unit_code", "control", "by_where")
#: parameters naming a layer
_LAYER_PARAMS = {"by": ("covered_by", "location_matches", "area_sums"), "within": ("gaps",)}
_TERM = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:([-+*])\s*([A-Za-z_]\w*))?\s*$")


def _fields_of(layer: str) -> set[str] | None:
    """The standard field names of a survey layer (None for other layers)."""
    from planning.survey._schema import schema  # noqa: PLC0415 - _schema reads the data

    names = _SCHEMAS.get(layer) or ((layer.upper(),) if layer.upper() in
                                    ("DLTB", "XZQ", "CJDCQ", "CZCDYD") else None)
    if names is None:
        return None
    return {f for n in names for f in schema(n)["field"]}


def _known_domains() -> set[str]:
    from planning import classes  # noqa: PLC0415
    from planning.survey._schema import CLASSIFICATION, domains  # noqa: PLC0415

    return {CLASSIFICATION, *domains()["domain"], *classes.available()["key"]}


def _check_names(rule: Rule, line: int, source: str, checker: Checker,
                 named: set[str]) -> None:
    """Field names against the schemas of survey layers, layer names, domains and area
    expressions: a typo is an error naming the rule and column, not a silent pass."""

    def bad(message: str) -> None:
        checker.add(Problem(source, f"rule {rule.rule_id}: {message}", row=line,
                            column="parameters"))

    p = rule.parameters
    layers = set(named) | set(_SCHEMAS) | {"DLTB", "XZQ", "CJDCQ", "CZCDYD"}
    for key, checks in _LAYER_PARAMS.items():
        if key in p and rule.check in checks and p[key] not in layers:
            close = difflib.get_close_matches(p[key], sorted(layers), n=1)
            bad(f"{key}={p[key]} is not a layer of the rules (the layers are "
                f"{', '.join(sorted(n for n in layers if n != '*'))})"
                + (f"; did you mean {key}={close[0]}?" if close else ""))
    for key in ("domain",):
        if key in p and p[key] not in _known_domains():
            close = difflib.get_close_matches(p[key], sorted(_known_domains()), n=1)
            bad(f"domain={p[key]} is not a known domain"
                + (f"; did you mean domain={close[0]}?" if close else ""))
    for key in ("left", "right"):
        if key in p and _TERM.match(p[key]) is None:
            bad(f"{key}={p[key]} is not an area expression: write FIELD, FIELD-FIELD, "
                "FIELD+FIELD or FIELD*FIELD (for example right=TBMJ-KCMJ)")

    def fields(layer: str, keys: tuple[str, ...], extra: list[tuple[str, str]]) -> None:
        known = _fields_of(layer)
        if known is None:
            return
        given: list[tuple[str, str]] = [(k, v.strip()) for k in keys if k in p
                 for v in (p[k].split("|") if k == "fields" else [p[k]]) if v.strip()]
        given += extra
        for key, value in given:
            if value not in known:
                close = difflib.get_close_matches(value, sorted(known), n=1)
                bad(f"{key}={value}: {layer} has no field {value}"
                    + (f"; did you mean {key}={close[0]}?" if close else "")
                    + " (the fields are those of the layer's schema, planning.survey.schema)")

    terms: list[tuple[str, str]] = [
        (k, t) for k in ("left", "right") if k in p and (m := _TERM.match(p[k]))
        for t in (m.group(1), m.group(3)) if t]
    own = ("field", "code", "name", "when", "where", "fields",
           *(("within",) if rule.check == "unique" else ()))
    for layer in rule.layers:
        fields(layer, own, terms)
    if "by" in p and rule.check in _LAYER_PARAMS["by"]:
        fields(p["by"], _BY_FIELDS, [])
