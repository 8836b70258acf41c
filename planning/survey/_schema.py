"""The third-survey (三调) layer model: layers, field schemas and domain tables, kept as data.

The files are in ``planning/data/survey/``: ``layers.csv`` (each survey layer, the workspace
layer name it takes, its schema file and id field), one schema per layer (``dltb.csv``,
``xzq.csv``, ``cjdcq.csv``, ``czcdyd.csv``: field, toolkit name, Chinese name, type, length,
decimals, required, domain) and ``domains.csv`` (the code tables of the domains; the land
classes are the ``sandiao`` classification of :mod:`planning.classes`).
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from planning import classes
from planning._errors import InputError
from planning.io import list_layers, read_layer

log = logging.getLogger(__name__)

#: The land classification the survey layers use (DLBM, KCDLBM): TD/T 1055-2019 appendix A.
CLASSIFICATION = "sandiao"
#: Schema columns.
SCHEMA_COLUMNS = ("field", "name", "name_zh", "type", "length", "decimals", "required",
                  "domain")
FIELD_TYPES = ("text", "int", "float")


def _data(name: str) -> Any:
    return importlib.resources.files("planning") / "data" / "survey" / name


def _csv(name: str) -> pd.DataFrame:
    with _data(name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@functools.cache
def _layers() -> pd.DataFrame:
    return _csv("layers.csv")


def layers() -> pd.DataFrame:
    """The survey layers: ``layer`` (DLTB, XZQ, CJDCQ, CZCDYD), ``contract`` (the workspace
    layer name: ``land_survey``, ``admin_units``, ``settlement_land``), ``name_zh``,
    ``name_en``, ``schema``, ``id_field``, ``geometry``.

    Examples
    --------
    >>> layers().set_index("layer")["contract"].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'DLTB': 'land_survey', 'XZQ': 'admin_units', 'CJDCQ': 'admin_units',
     'CZCDYD': 'settlement_land'}
    """
    return _layers().copy()


def layer_row(layer: str) -> pd.Series:
    """The row of :func:`layers` for a survey layer name (case-insensitive) or contract name
    (``land_survey`` is DLTB, ``admin_units`` XZQ, ``settlement_land`` CZCDYD)."""
    table = _layers()
    key = str(layer).strip()
    hit = table[table["layer"] == key.upper()]
    if hit.empty:
        hit = table[table["contract"] == key.lower()].head(1)
    if hit.empty:
        names = ", ".join([*table["layer"], *dict.fromkeys(table["contract"])])
        msg = f"Unknown survey layer {layer!r}: use one of {names}."
        raise InputError(msg)
    return hit.iloc[0]


@functools.cache
def _schema(layer: str) -> pd.DataFrame:
    row = layer_row(layer)
    frame = _csv(row["schema"])
    missing = [c for c in SCHEMA_COLUMNS if c not in frame.columns]
    bad = sorted(set(frame["type"]) - set(FIELD_TYPES)) if "type" in frame else []
    if missing or bad:  # pragma: no cover - the bundled files are tested
        msg = f"Schema {row['schema']} is broken (missing {missing}, bad types {bad})."
        raise InputError(msg)
    frame["length"] = pd.to_numeric(frame["length"]).astype(int)
    frame["decimals"] = pd.to_numeric(frame["decimals"].replace("", "0")).astype(int)
    frame["required"] = frame["required"].str.lower().isin(["yes", "y", "true", "1", "是"])
    return frame


def schema(layer: str) -> pd.DataFrame:
    """The field schema of a survey layer (a copy): ``field``, ``name`` (toolkit name),
    ``name_zh``, ``type`` (text / int / float), ``length``, ``decimals``, ``required``
    (bool), ``domain`` (``sandiao`` for land classes, else a key of :func:`domains`).

    Examples
    --------
    >>> dltb = schema("DLTB").set_index("field")
    >>> [str(v) for v in dltb.loc["TBMJ", ["type", "length", "decimals", "required"]]]
    ['float', '15', '2', 'True']
    >>> dltb.loc["CZCSXM", "domain"]
    'czcsxm'
    """
    return _schema(str(layer_row(layer)["layer"])).copy()


@functools.cache
def _domains() -> pd.DataFrame:
    return _csv("domains.csv")


def domains() -> pd.DataFrame:
    """The domain code tables: ``domain``, ``code``, ``name_zh``, ``name_en``.

    Examples
    --------
    >>> d = domains()
    >>> d.loc[d["domain"] == "czcsxm", "code"].tolist()
    ['201', '201A', '202', '202A', '203', '203A', '204', '205']
    """
    return _domains().copy()


def domain_codes(domain: str) -> frozenset[str]:
    """The codes of one domain (``sandiao``: every code of the land classification)."""
    if domain == CLASSIFICATION:
        return frozenset(classes.table(CLASSIFICATION)["code"])
    table = _domains()
    codes = table.loc[table["domain"] == domain, "code"]
    if codes.empty:
        known = ", ".join(sorted({CLASSIFICATION, *table["domain"]}))
        msg = f"Unknown domain {domain!r}: the domains are {known}."
        raise InputError(msg)
    return frozenset(codes)


def field_map(layer: str) -> dict[str, str]:
    """``{FIELD: toolkit_name}`` of a survey layer (for :func:`planning.io.map_fields`)."""
    table = _schema(str(layer_row(layer)["layer"]))
    return {f: n for f, n in zip(table["field"], table["name"], strict=True) if n}


def standardize(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """A copy whose survey fields carry their standard names (``DLBM``, ``TBMJ``, ...).

    Fields are found case-insensitively (``dlbm``), or by their toolkit name
    (``class_code``) or Chinese name of the standard (``地类编码``, ``图斑面积``: the
    schema's ``name_zh``) when the standard field is absent; other columns are kept as they
    are. :func:`read_survey_layer` reports the Chinese names it mapped.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"dlbm": ["0102"], "patch_area_m2": [5.0]})
    >>> standardize(frame, "DLTB").columns.tolist()
    ['DLBM', 'TBMJ']
    """
    table = _schema(str(layer_row(layer)["layer"]))
    present = {str(c).upper(): c for c in frame.columns}
    chinese = {str(c).strip(): c for c in frame.columns}
    renames: dict[Any, str] = {}
    for std, name, zh in zip(table["field"], table["name"], table["name_zh"], strict=True):
        if std in frame.columns:
            continue
        column = present.get(std)
        if column is None and name and name in frame.columns:
            column = name
        if column is None and isinstance(zh, str) and zh and zh in chinese:
            column = chinese[zh]  # the Chinese field name of the standard (地类编码)
        if column is not None and column not in renames:
            renames[column] = std
    zh_renames = {c: f for c, f in renames.items() if str(c).strip() in set(table["name_zh"])}
    if zh_renames:
        log.info("%s: Chinese field names mapped to the standard ones: %s", layer,
                 ", ".join(f"{c} -> {f}" for c, f in zh_renames.items()))
    return frame.rename(columns=renames)


def sync_copies(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """``frame`` with its toolkit-named copies of standard fields (``patch_area_m2`` of
    ``TBMJ``, ...) set again from the standard fields, after these were changed."""
    for std, name in field_map(layer).items():
        if name in frame.columns and std in frame.columns and name != std:
            frame[name] = frame[std]
    if "township_code" in frame.columns and "ZLDWDM" in frame.columns:
        frame["township_code"] = frame["ZLDWDM"].astype("string").str[:9]
    return frame


def read_survey_layer(
    path: str | os.PathLike[str], layer: str = "DLTB", *, file_layer: str | int | None = None,
    extra_fields: Mapping[str, str] | None = None, **options: Any,
) -> Any:
    """Read a survey layer (DLTB, XZQ, CJDCQ, CZCDYD) with :func:`planning.read_layer`.

    The file is read as any layer is (encoding, CRS, repairs; ``options`` go to
    ``read_layer``: ``county=``, ``crs=``, ...); the standard fields keep their names and
    get the toolkit-named copies of the layer's schema (``DLBM`` -> ``class_code``,
    ``KZMJ`` -> ``control_area_m2``, ...), as :func:`planning.io.map_fields` adds them.

    Parameters
    ----------
    path : path
        The file (``.shp``, ``.gpkg``, ``.gdb`` folder, ...).
    layer : str, default "DLTB"
        Which survey layer the file holds (its schema).
    file_layer : str or int, optional
        The layer inside a multi-layer file (default: ``layer`` when the file has it).
    extra_fields : mapping, optional
        More ``{"FIELD": "toolkit_name"}`` pairs.
    """
    row = layer_row(layer)
    pick = file_layer
    if pick is None and str(path).lower().endswith((".gpkg", ".gdb")):
        pick = next((n for n in list_layers(path) if str(n).upper() == row["layer"]), None)
    try:
        frame = read_layer(path, pick, field_map={**field_map(row["layer"]),
                                                  **(extra_fields or {})}, **options)
    except InputError as exc:  # read_layer's advice names its own parameter, layer=
        if "layer=..." not in str(exc):
            raise
        raise InputError(str(exc).replace("layer=...", "file_layer=...")) from exc
    out = standardize(frame, row["layer"])
    table = schema(layer)
    have = {str(c).strip() for c in frame.columns}
    mapped = [f"{zh} -> {f}" for f, zh in zip(table["field"], table["name_zh"], strict=True)
              if f not in frame.columns and zh in have and f in out.columns]
    out.attrs = dict(frame.attrs)
    if mapped:
        log.warning("%s: Chinese field names mapped to the standard ones: %s", path,
                    ", ".join(mapped))
        out.attrs["mapped_fields"] = mapped
    return out
