"""The attribute checks of the quality inspection: structure, domains, uniqueness, logic and
areas. Each takes a rule and the layers, and returns its findings (one row per finding:
``row``, ``field``, ``value``, ``message``, ``geometry``)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from planning import classes
from planning._core.text import blank_mask
from planning.areas import ellipsoidal_area
from planning.survey._rules import Rule
from planning.survey._schema import CLASSIFICATION, domain_codes, schema, standardize

Layers = Mapping[str, gpd.GeoDataFrame]
Check = Callable[[Rule, str, Layers], pd.DataFrame]
FINDING_COLUMNS = ["row", "field", "value", "message", "geometry"]
#: the survey layer (schema) of each workspace layer name
SURVEY_OF = {"land_survey": "DLTB", "admin_units": "XZQ", "settlement_land": "CZCDYD"}


def survey_layer(name: str, frame: pd.DataFrame) -> str | None:
    """The survey layer a workspace layer holds (an admin layer with ZLDWDM / DCMJ and no
    XZQDM is a CJDCQ layer); None for other layers."""
    layer = SURVEY_OF.get(name, name.upper() if name.upper() in
                          ("DLTB", "XZQ", "CJDCQ", "CZCDYD") else None)
    if layer == "XZQ":
        upper = {str(c).upper() for c in frame.columns}
        if "XZQDM" not in upper and {"ZLDWDM", "DCMJ"} <= upper:
            return "CJDCQ"
    return layer


#: the XZQ fields a rule names, in a CJDCQ admin layer (村级调查区: ZLDWDM, DCMJ)
CJDCQ_FIELDS = {"XZQDM": "ZLDWDM", "XZQMC": "ZLDWMC", "KZMJ": "DCMJ"}


def unit_field(name: str, layers: Layers, field: str) -> str:
    """``field`` of the admin layer ``name``: its CJDCQ name when the layer is a CJDCQ one."""
    if survey_layer(name, layers[name]) == "CJDCQ":
        return CJDCQ_FIELDS.get(field, field)
    return field


def findings(frame: gpd.GeoDataFrame, rows: npt.ArrayLike, field: str | None,
             messages: npt.ArrayLike | str, values: npt.ArrayLike | None = None
             ) -> pd.DataFrame:
    """Findings for rows of a layer (the rows' geometries, their values of ``field``)."""
    idx = np.asarray(rows, dtype=np.intp)
    if values is None:
        values = (frame[field].to_numpy(dtype=object)[idx] if field and field in frame
                  else np.full(len(idx), None, dtype=object))
    text = np.array([None if v is None or v is pd.NA or v is pd.NaT
                     or (isinstance(v, float) and math.isnan(v)) else str(v)
                     for v in np.asarray(values, dtype=object)], dtype=object)
    message = (np.full(len(idx), messages, dtype=object) if isinstance(messages, str)
               else np.asarray(messages, dtype=object))
    return pd.DataFrame({"row": idx, "field": field, "value": text, "message": message,
                         "geometry": np.asarray(frame.geometry.array, dtype=object)[idx]})


def none() -> pd.DataFrame:
    return pd.DataFrame(columns=FINDING_COLUMNS)


def numbers(frame: pd.DataFrame, field: str) -> npt.NDArray[np.float64]:
    if field not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[field], errors="coerce").to_numpy(dtype=float)


def text_of(frame: pd.DataFrame, field: str) -> pd.Series:
    """Values as stripped text (NA where blank)."""
    if field not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    values = frame[field]
    if pd.api.types.is_float_dtype(values):
        values = values.map(lambda v: None if pd.isna(v) else
                            (str(int(v)) if float(v).is_integer() else str(v)))
    out = values.astype("string").str.strip()
    return out.mask(blank_mask(frame[field]))


def starts_with(values: pd.Series, prefixes: list[str]) -> npt.NDArray[np.bool_]:
    text = values.fillna("").astype(str)
    result: npt.NDArray[np.bool_] = np.zeros(len(text), dtype=bool)
    for p in prefixes:
        result |= text.str.startswith(p).to_numpy(dtype=bool)
    return result


# --- structure ---------------------------------------------------------------------------


def _schema_of(name: str, frame: pd.DataFrame) -> pd.DataFrame | None:
    layer = survey_layer(name, frame)
    return None if layer is None else schema(layer)


def _standard(name: str, layers: Layers) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The layer in its survey layer's standard field names, and that schema (None for a
    layer that is not a survey layer)."""
    layer = survey_layer(name, layers[name])
    if layer is None:
        return None
    return standardize(layers[name], str(layer)), schema(layer)


def fields_present(_rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = layers[name]
    table = _schema_of(name, frame)
    if table is None:
        return none()
    have = {str(c).upper() for c in _standard(name, layers)[0].columns}  # type: ignore[index]
    missing = [f for f in table["field"] if f not in have]
    rows = pd.DataFrame({"row": -1, "field": missing, "value": None, "geometry": None,
                         "message": [f"field {f} ({n}) of the {survey_layer(name, frame)} "
                                     "schema is missing" for f, n in zip(
                                         missing, table.set_index("field").loc[missing,
                                                                              "name_zh"],
                                         strict=True)]})
    return rows[FINDING_COLUMNS]


def _type_problem(series: pd.Series, kind: str) -> npt.NDArray[np.bool_]:
    """Rows whose value is not of the field's type (blank values are not judged here)."""
    blank = blank_mask(series)
    if kind == "text":
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            return ~blank  # a text field stored as numbers (codes lose their leading zeros)
        return np.zeros(len(series), dtype=bool)
    number = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    bad = ~blank & ~np.isfinite(number)
    if kind == "int":
        bad |= ~blank & np.isfinite(number) & (np.floor(number) != number)
    result: npt.NDArray[np.bool_] = np.asarray(bad, dtype=bool)
    return result


def field_types(_rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    standard = _standard(name, layers)
    if standard is None:
        return none()
    frame, table = standard
    out = []
    words = {"text": "text", "int": "a whole number", "float": "a number"}
    for f, kind in zip(table["field"], table["type"], strict=True):
        if f not in frame.columns:
            continue
        bad = np.flatnonzero(_type_problem(frame[f], kind))
        if len(bad):
            out.append(findings(frame, bad, f, f"{f} must be {words[kind]}"
                                + (" (the column holds numbers: codes lose their leading "
                                   "zeros)" if kind == "text" else "")))
    return pd.concat(out, ignore_index=True) if out else none()


def field_lengths(_rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    standard = _standard(name, layers)
    if standard is None:
        return none()
    frame, table = standard
    out = []
    for f, kind, length, decimals in zip(table["field"], table["type"], table["length"],
                                         table["decimals"], strict=True):
        if f not in frame.columns:
            continue
        if kind == "text":
            size = text_of(frame, f).str.len().fillna(0).to_numpy(dtype=int)
            bad = np.flatnonzero(size > length)
            message = f"{f} is longer than {length} characters"
        else:
            number = numbers(frame, f)
            whole = length - decimals - (1 if decimals else 0)
            with np.errstate(invalid="ignore"):
                too_big = np.abs(number) >= 10.0 ** whole
                scaled = np.abs(number) * 10.0 ** decimals
                too_fine = np.abs(scaled - np.round(scaled)) > 1e-6 * np.maximum(scaled, 1)
            bad = np.flatnonzero(np.isfinite(number) & (too_big | too_fine))
            message = f"{f} does not fit {length} digits with {decimals} decimals"
        if len(bad):
            out.append(findings(frame, bad, f, message))
    return pd.concat(out, ignore_index=True) if out else none()


def required_values(_rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    standard = _standard(name, layers)
    if standard is None:
        return none()
    frame, table = standard
    out = []
    for f in table.loc[table["required"], "field"]:
        if f in frame.columns:
            bad = np.flatnonzero(blank_mask(frame[f]))
            if len(bad):
                out.append(findings(frame, bad, f, f"required field {f} is empty"))
    return pd.concat(out, ignore_index=True) if out else none()


# --- domains and uniqueness --------------------------------------------------------------


def _layer(_rule: Rule, name: str, layers: Layers) -> gpd.GeoDataFrame:
    frame = layers[name]
    layer = survey_layer(name, frame)
    return standardize(frame, layer) if layer else frame


def in_domain(values: pd.Series, domain: str) -> npt.NDArray[np.bool_]:
    """True where a (non-blank) value is a code of the domain: a survey domain (exact), or a
    classification of :mod:`planning.classes` (longest prefix, as the checks match)."""
    if domain in classes.available()["key"].tolist() and domain != CLASSIFICATION:
        table = classes.table(domain)
        codes = set(table["code"])
        longest = max(len(c) for c in codes)
        norm = classes.normalize_codes(values, pad=str(
            classes.available().set_index("key").loc[domain].get("pad", "") or ""))
        return np.array([isinstance(v, str) and any(
            v[:n] in codes and (n == len(v) or v[n:].isdigit())
            for n in range(min(len(v), longest), 0, -1)) for v in norm], dtype=bool)
    return values.isin(list(domain_codes(domain))).to_numpy(dtype=bool)


def domain(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    field = rule.text("field")
    if field not in frame.columns:
        return none()
    values = text_of(frame, field)
    bad = np.flatnonzero(values.notna().to_numpy(dtype=bool)
                         & ~in_domain(values, rule.text("domain")))
    return findings(frame, bad, field, f"{field} is not a code of {rule.text('domain')}")


def unique(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    field = rule.text("field")
    if field not in frame.columns:
        return none()
    keys = [text_of(frame, field)]
    within = rule.parameters.get("within")
    if within and within in frame.columns:
        keys.insert(0, text_of(frame, within))
    key = pd.Series(list(zip(*[k.fillna("").to_numpy() for k in keys], strict=True)),
                    index=frame.index)
    dup = key.duplicated(keep=False).to_numpy(dtype=bool) & keys[-1].notna().to_numpy(bool)
    scope = f" within its {within}" if within else ""
    return findings(frame, np.flatnonzero(dup), field,
                    f"{field} occurs more than once{scope}")


# --- logic ---------------------------------------------------------------------------------


def _classes_match(frame: pd.DataFrame, rule: Rule) -> npt.NDArray[np.bool_]:
    return starts_with(text_of(frame, rule.text("code", "DLBM")), rule.items("classes"))


def requires(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    field = rule.text("field")
    needed = _classes_match(frame, rule) & text_of(frame, field).isna().to_numpy(bool)
    code = rule.text("code", "DLBM")
    return findings(frame, np.flatnonzero(needed), field,
                    f"{code} {'/'.join(rule.items('classes'))} needs {field}",
                    values=text_of(frame, code).to_numpy(dtype=object)[np.flatnonzero(needed)])


def allowed_classes(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    field = rule.text("field")
    picked = text_of(frame, field).isin(rule.items("values")).to_numpy(dtype=bool)
    bad = np.flatnonzero(picked & ~_classes_match(frame, rule))
    code = rule.text("code", "DLBM")
    return findings(frame, bad, code, f"{field} {'/'.join(rule.items('values'))} patches must "
                    f"be {code} {'/'.join(rule.items('classes'))}")


def only_for(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    outside = ~_classes_match(frame, rule)
    out = []
    for field in rule.items("fields"):
        bad = np.flatnonzero(outside & text_of(frame, field).notna().to_numpy(bool))
        if len(bad):
            out.append(findings(frame, bad, field, f"{field} is filled only for "
                                f"{'/'.join(rule.items('classes'))}"))
    return pd.concat(out, ignore_index=True) if out else none()


def name_matches(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    code, label = rule.text("code"), rule.text("name")
    if code not in frame.columns or label not in frame.columns:
        return none()
    table = classes.table(rule.text("domain")).set_index("code")["name_zh"]
    expected = text_of(frame, code).map(table)
    given = text_of(frame, label)
    bad = np.flatnonzero((expected.notna() & (given.fillna("") != expected)).to_numpy(bool))
    return findings(frame, bad, label, [f"{label} should be {e!r} for {code} {c}" for e, c in
                                        zip(expected.to_numpy()[bad],
                                            text_of(frame, code).to_numpy()[bad],
                                            strict=True)])


def requires_fields(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    when = rule.text("when")
    active = np.nan_to_num(numbers(frame, when), nan=0.0) != 0
    out = []
    for field in rule.items("fields"):
        bad = np.flatnonzero(active & text_of(frame, field).isna().to_numpy(bool))
        if len(bad):
            out.append(findings(frame, bad, field, f"{when} is given, so {field} is needed"))
    return pd.concat(out, ignore_index=True) if out else none()


# --- areas ---------------------------------------------------------------------------------

_TERM = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:([-+*])\s*([A-Za-z_]\w*))?\s*$")


def _expression(frame: pd.DataFrame, text: str) -> npt.NDArray[np.float64]:
    """``A``, ``A-B``, ``A+B`` or ``A*B`` of numeric fields (a missing B counts as 0 in a
    sum or difference; a product with a missing factor is missing)."""
    match = _TERM.match(text)
    if match is None:
        msg = f"an area expression is FIELD, FIELD-FIELD, FIELD+FIELD or FIELD*FIELD; got {text!r}"
        raise ValueError(msg)
    a = numbers(frame, match.group(1))
    if not match.group(2):
        return a
    b = numbers(frame, match.group(3))
    if match.group(2) == "*":
        result: npt.NDArray[np.float64] = a * b
        return result
    return a + np.nan_to_num(b) * (1 if match.group(2) == "+" else -1)


def area_equation(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    left = _expression(frame, rule.text("left"))
    right = _expression(frame, rule.text("right"))
    tolerance = rule.number("tolerance_m2", 0.005)
    if "*" in rule.text("right"):  # a product: only where both factors are given
        left = np.where(np.isfinite(right), np.nan_to_num(left), np.nan)
    bad = np.flatnonzero(np.isfinite(right) & ~(np.abs(np.nan_to_num(left, nan=np.inf)
                                                        - right) <= tolerance))
    return findings(frame, bad, rule.text("left").strip(), [
        f"{rule.text('left')} = {lv:.2f} but {rule.text('right')} = {rv:.2f}"
        for lv, rv in zip(left[bad], right[bad], strict=True)], values=left[bad])


def area_ellipsoidal(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    field = rule.text("field")
    stored = numbers(frame, field)
    area = ellipsoidal_area(frame).to_numpy()
    tol = rule.number("atol_m2", 0.05) + rule.number("rtol", 1e-6) * np.abs(area)
    bad = np.flatnonzero(~np.isfinite(stored) | (np.abs(stored - area) > tol))
    return findings(frame, bad, field, [f"{field} {s:.2f} differs from the ellipsoidal area "
                                        f"{a:.2f} m² by {s - a:+.2f}" if np.isfinite(s) else
                                        f"{field} is blank; the ellipsoidal area is {a:.2f} m²"
                                        for s, a in
                                        zip(stored[bad], area[bad], strict=True)],
                    values=stored[bad])


def area_sums(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    by = rule.text("by")
    if by not in layers:
        return none()
    units = _layer(rule, by, layers)
    digits = int(rule.number("digits", 12))
    unit_of = text_of(frame, rule.text("code")).str[:digits]
    sums = pd.Series(numbers(frame, rule.text("field"))).groupby(unit_of.to_numpy()).sum()
    codes = text_of(units, unit_field(by, layers, rule.text("unit_code"))).str[:digits]
    ctrl = unit_field(by, layers, rule.text("control"))
    control = pd.Series(numbers(units, ctrl), index=codes.to_numpy())
    diff = sums.reindex(control.index).fillna(0.0).to_numpy() - control.to_numpy()
    bad = np.flatnonzero(np.isfinite(control.to_numpy())
                         & (np.abs(diff) > rule.number("tolerance_m2", 0.005)))
    field = rule.text("field")
    return findings(units, bad, ctrl, [
        f"sum of {field} of the unit's patches differs from {ctrl} by {d:+.2f} m²"
        for d in diff[bad]]).assign(layer=by)  # the findings are about the units


def min_area(rule: Rule, name: str, layers: Layers) -> pd.DataFrame:
    frame = _layer(rule, name, layers)
    field = rule.text("field")
    area = numbers(frame, field) if field in frame.columns else ellipsoidal_area(
        frame).to_numpy()
    rows = classes.table(rule.text("domain")).set_index("code")["broad"]
    broad = text_of(frame, "DLBM").map(rows).fillna("").to_numpy(dtype=object)
    minimum = np.array([rule.number(b, 0.0) if b in ("construction", "agricultural", "unused")
                        else 0.0 for b in broad])
    bad = np.flatnonzero(np.isfinite(area) & (area < minimum))
    return findings(frame, bad, field, [f"{a:.2f} m² is below the mapping minimum of {m:g} m²"
                                        f" for {b} land" for a, m, b in
                                        zip(area[bad], minimum[bad], broad[bad], strict=True)],
                    values=area[bad])


ATTRIBUTE_CHECKS: dict[str, Check] = {
    "fields_present": fields_present, "field_types": field_types,
    "field_lengths": field_lengths, "required_values": required_values, "domain": domain,
    "unique": unique, "requires": requires, "allowed_classes": allowed_classes,
    "only_for": only_for, "name_matches": name_matches, "requires_fields": requires_fields,
    "area_equation": area_equation, "area_ellipsoidal": area_ellipsoidal,
    "area_sums": area_sums, "min_area": min_area,
}
