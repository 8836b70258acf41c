"""Standard layer names of the territorial plan database (GHFQ, ZXCQGHYDYH, STBHHX,
YJJBNTBHTB, CZKFBJ, ...) and the toolkit's layer contract.

The mapping is data (``planning/data/territorial/layers.csv``, the layer schemas in
``fields.csv`` beside it); :func:`map_layers` turns the layers of a bureau's File Geodatabase
or GeoPackage into the contract: ``planning_zones`` (``zone_id``, ``zone_code``,
``zone_name``), ``landsea_use`` (``patch_id``, ``class_code``, ``class_name``) and the three
control lines merged into ``control_lines`` (``line_id``, ``line_type``, ``name_zh``,
``boundary_zone`` for the development boundary, ``source``). Standard fields are kept.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import logging
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from planning._core.text import compact
from planning.io._fields import map_fields

log = logging.getLogger(__name__)

#: The contract layers the territorial plan's standard layers become.
TERRITORIAL_LAYERS = ("planning_zones", "landsea_use", "control_lines", "land_survey")
#: Identifier column of each contract layer (made from BSM, else numbered).
_IDS = {"planning_zones": ("zone_id", "GHFQ"), "landsea_use": ("patch_id", "YDYH"),
        "control_lines": ("line_id", "KZX"), "land_survey": ("patch_id", "DLTB")}


def _rows(name: str) -> list[dict[str, str]]:
    text = importlib.resources.files("planning").joinpath(f"data/territorial/{name}")
    with text.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@functools.cache
def _layer_rows() -> tuple[dict[str, str], ...]:
    return tuple(_rows("layers.csv"))


def standard_layers() -> pd.DataFrame:
    """The standard layer names and the contract layer each becomes (a data file).

    Columns ``layer`` (as the database specification names it, or its Chinese name),
    ``contract``, ``line_type`` (for the control lines), ``name_zh``, ``name_en``.

    Examples
    --------
    >>> table = standard_layers().set_index("layer")
    >>> table.loc["CZKFBJ", ["contract", "line_type"]].tolist()
    ['control_lines', 'urban_development_boundary']
    """
    return pd.DataFrame(list(_layer_rows()))


def layer_schema(layer: str | None = None) -> pd.DataFrame:
    """The fields of the standard layers (``fields.csv``): ``layer``, ``field``,
    ``name_zh``, ``type``, ``length``, ``required`` (M / O), ``column`` (the toolkit column
    it becomes), ``codes`` (the code table of its values).

    Examples
    --------
    >>> layer_schema("GHFQ")["field"].tolist()[:6]
    ['BSM', 'YSDM', 'XZQDM', 'XZQMC', 'GHFQDM', 'GHFQMC']
    """
    frame = pd.DataFrame(_rows("fields.csv"))
    return frame if layer is None else frame[frame["layer"] == layer].reset_index(drop=True)


def _key(name: str) -> str:
    return compact(name).upper()


def _standard(name: str) -> dict[str, str] | None:
    """The row of a file's layer name (case and spacing ignored; ``XX_STBHHX`` and
    ``STBHHX_2023`` style prefixes and suffixes are not guessed)."""
    key = _key(name)
    return next((row for row in _layer_rows() if _key(row["layer"]) == key), None)


def map_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, str]]:
    """Rename the territorial plan's standard layers to the toolkit's layer contract.

    A layer named as the specification names it (``GHFQ``, ``ZXCQGHYDYH``, ``STBHHX``,
    ``YJJBNTBHTB``, ``CZKFBJ``, ``DLTB``, or the Chinese layer names) becomes its contract
    layer, with the contract columns added from its standard fields (the originals are
    kept). The three control lines are merged into one ``control_lines`` layer with
    ``line_type``; a development boundary's zone kind (``GHFQDM`` / ``GHFQMC``: 城镇集中建设区,
    城镇弹性发展区, 特别用途区) becomes ``boundary_zone`` (``concentrated``, ``flexible``,
    ``special``). A contract layer that is already there is kept and the standard layer
    beside it is left under its own name (logged). Other layers pass through.

    Returns
    -------
    (dict, dict)
        The layers in their order (a contract layer where its first source was), and what
        was renamed: source layer -> contract layer.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> red = gpd.GeoDataFrame({"BSM": ["1"], "MC": ["黄河湿地"]},
    ...                        geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4548")
    >>> out, renamed = map_layers({"STBHHX": red})
    >>> renamed, out["control_lines"][["line_id", "line_type", "name_zh"]].values.tolist()
    ({'STBHHX': 'control_lines'}, [['1', 'ecological_red_line', '黄河湿地']])
    """
    groups: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for name in layers:
        row = _standard(name)
        if row is None:
            continue
        if row["contract"] in layers:
            log.info("layer %r kept under its own name: the workspace already has %r", name,
                     row["contract"])
            continue
        groups.setdefault(row["contract"], []).append((name, row))
    renamed = {name: contract for contract, items in groups.items() for name, _ in items}
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, frame in layers.items():
        if name not in renamed:
            out[name] = frame
        elif renamed[name] not in out:
            contract = renamed[name]
            out[contract] = _contract_layer(contract, [(layers[n], row)
                                                       for n, row in groups[contract]])
    for source, contract in renamed.items():
        log.info("standard layer %r read as %r", source, contract)
    return out, renamed


def _contract_layer(contract: str, parts: list[tuple[gpd.GeoDataFrame, dict[str, str]]]
                    ) -> gpd.GeoDataFrame:
    frames: list[gpd.GeoDataFrame] = []
    for frame, row in parts:
        extra = {r["field"]: r["column"] for r in _rows("fields.csv")
                 if r["layer"] == row["layer"] and r["column"]}
        fields, _ = map_fields(frame, extra)
        mapped = gpd.GeoDataFrame(fields, geometry=frame.geometry.name, crs=frame.crs)
        if contract == "control_lines":
            mapped["line_type"] = row["line_type"]
            if "name_zh" not in mapped.columns:
                mapped["name_zh"] = row["name_zh"]
            if row["line_type"] == "urban_development_boundary":
                mapped["boundary_zone"] = boundary_zones(mapped)
        frames.append(mapped)
    crs = frames[0].crs
    same = [f.to_crs(crs) if f.crs != crs else f for f in frames]
    joined = pd.concat(same, ignore_index=True)
    merged = gpd.GeoDataFrame(joined, geometry=frames[0].geometry.name, crs=crs)
    column, prefix = _IDS[contract]
    if column not in merged.columns:
        ids = merged["feature_id"].astype("string") if "feature_id" in merged.columns \
            else pd.Series(pd.NA, index=merged.index, dtype="string")
        numbered = pd.Series([f"{prefix}{i + 1:05d}" for i in range(len(merged))],
                             index=merged.index, dtype="string")
        usable = ids.notna() & ~ids.duplicated(keep=False)
        merged.insert(0, column, ids.where(usable, numbered))
    if "source" not in merged.columns:
        merged["source"] = "read from the standard layer(s) " + ", ".join(
            sorted({row["layer"] for _, row in parts}))
    return merged


@functools.cache
def _zone_kinds() -> tuple[dict[str, str], dict[str, str]]:
    """Development-boundary zone kinds by planning-zone code and by name."""
    rows = [r for r in _rows("planning_zones.csv") if r["boundary_zone"]]
    return ({r["code"]: r["boundary_zone"] for r in rows},
            {compact(r["name_zh"]): r["boundary_zone"] for r in rows})


def boundary_zones(frame: pd.DataFrame) -> pd.Series:
    """The zone kind of each development-boundary feature: ``concentrated`` (城镇集中建设区),
    ``flexible`` (城镇弹性发展区), ``special`` (特别用途区), NA when the feature does not say.

    Read from ``boundary_zone`` when present, else from the planning-zone code (``zone_code``,
    GHFQDM: 0401 / 0402 / 0403, longest prefix) and then the zone name (``zone_name``).

    Examples
    --------
    >>> import pandas as pd
    >>> boundary_zones(pd.DataFrame({"zone_code": ["0401", "040203", None],
    ...                              "zone_name": [None, None, "特别用途区"]})).tolist()
    ['concentrated', 'flexible', 'special']
    """
    by_code, by_name = _zone_kinds()
    kinds = set(by_code.values())
    out = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "boundary_zone" in frame.columns:
        given = frame["boundary_zone"].astype("string").str.strip()
        out = out.fillna(given.where(given.isin(list(kinds))))
    if "zone_code" in frame.columns:
        codes = frame["zone_code"].astype("string").str.strip()
        found = codes.map(lambda c: next((by_code[c[:n]] for n in range(len(c), 0, -1)
                                          if c[:n] in by_code), pd.NA)
                          if isinstance(c, str) else pd.NA)
        out = out.fillna(found.astype("string"))
    if "zone_name" in frame.columns:
        names = frame["zone_name"].map(lambda v: by_name.get(compact(v), pd.NA)
                                       if isinstance(v, str) else pd.NA)
        out = out.fillna(names.astype("string"))
    return out
