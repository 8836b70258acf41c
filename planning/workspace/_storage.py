"""How a workspace's frames are stored in a file: the names each format can hold, the dtypes.

Private to :mod:`planning.workspace`. Each format has rules for the names of its layers
(tables, files) and columns:

================  ===================================  =================================
format            layer and table names                column names
================  ===================================  =================================
GeoPackage        not starting with ``gpkg``,          not ``fid``, ``geom`` or
                  ``rtree_``, ``sqlite_`` or one of    ``geometry``
                  `````~!@#$%^&*()+-={}|[]\\:";'<>?,./``
File Geodatabase  letters, digits and ``_``, starting  the same, at most 64 characters,
                  with a letter, at most 160           not ``OBJECTID``, ``SHAPE``,
                  characters, not an SQL reserved      ``Shape_Length``, ``Shape_Area``
                  word, not starting with ``GDB_``
folder            file names: no ``;`` or ``!`` (GDAL  GeoJSON: not ``geometry``; CSV:
                  reads them as separators), at most   not starting with ``= + - @ '``
                  200 bytes, not ending in a dot, no   (a spreadsheet would read a
                  Windows device name (``CON``, ...)   formula)
================  ===================================  =================================

All three are case-insensitive (GeoPackage and File Geodatabase names are; a folder may be
copied to Windows or macOS). A name a format cannot hold is stored under a name made from
it (what the format cannot hold replaced by ``_``, cut to fit, a short hash added so that it
is unique) and the original is kept in the workspace's metadata: the ``storage`` entry of
``workspace_meta`` lists, for every frame in order, its stored name, its columns (stored
name, name, pandas dtype) and its geometry column, so that opening gives back the frames as
they were saved, dtypes included.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from planning._errors import WorkspaceError

log = logging.getLogger(__name__)

#: The table holding the workspace's own metadata inside a file.
META_TABLE = "workspace_meta"
#: Format of the ``storage`` entry of the metadata.
STORAGE_VERSION = 1
#: the column that numbers the rows of a layer split by geometry family (File Geodatabase)
ROW = "_planning_row"

_SQL_WORDS = frozenset({
    "add", "alter", "and", "between", "by", "column", "create", "delete", "drop", "exists",
    "for", "from", "group", "in", "insert", "into", "is", "like", "not", "null", "or",
    "order", "select", "set", "table", "update", "values", "where"})
_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                      *(f"lpt{i}" for i in range(10))})
#: text a spreadsheet would read as a formula (OWASP), and the quote that protects it
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


@dataclass(frozen=True)
class Rules:
    """What names one format can hold (for layers, or for columns)."""

    label: str
    bad_char: re.Pattern[str] | None = None
    bad_start: re.Pattern[str] | None = None
    max_chars: int = 10_000
    max_bytes: int = 100_000
    reserved: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    extra: Callable[[str], bool] | None = None  # True when the name does not fit

    def fits(self, name: str) -> bool:
        folded = name.casefold()
        return not ((self.bad_char is not None and self.bad_char.search(name))
                    or (self.bad_start is not None and self.bad_start.match(name))
                    or len(name) > self.max_chars
                    or len(name.encode("utf-8", "surrogatepass")) > self.max_bytes
                    or folded in self.reserved or folded.startswith(self.prefixes)
                    or (self.extra is not None and self.extra(name)))

    def launder(self, name: str, salt: int = 0) -> str:
        """A name that fits, made from ``name``; ``salt`` makes another one."""
        text = self.bad_char.sub("_", name) if self.bad_char is not None else name
        if (self.bad_start is not None and self.bad_start.match(text)) \
                or text.casefold().startswith(self.prefixes):
            text = "x_" + text
        digest = hashlib.sha1(f"{name}\x00{salt}".encode("utf-8", "surrogatepass"),
                              usedforsecurity=False).hexdigest()[:6]
        room = min(self.max_chars, self.max_bytes) - len(digest) - 1
        head = text[:room]
        while len(head.encode("utf-8", "surrogatepass")) > room:
            head = head[:-1]
        return f"{head.rstrip('. ')}_{digest}"


def _windows_unsafe(name: str) -> bool:
    return name.endswith((".", " ")) or name.split(".", maxsplit=1)[0].casefold() in _DEVICES


_GPKG_START = re.compile(r"[`~!@#$%^&*()+\-={}|\[\]\\:\";'<>?,./\s]")
_WORD = re.compile(r"\W")
_NOT_LETTER = re.compile(r"[\W\d_]")

#: format -> (rules for layer and table names, rules for column names of layers, of tables)
FORMATS: dict[str, tuple[Rules, Rules, Rules]] = {
    "GPKG": (
        Rules("GeoPackage", bad_start=_GPKG_START, prefixes=("gpkg", "rtree_", "sqlite_")),
        gpkg_columns := Rules("GeoPackage", reserved=frozenset({"fid", "geom", "geometry"})),
        gpkg_columns,
    ),
    "OpenFileGDB": (
        Rules("File Geodatabase", bad_char=_WORD, bad_start=_NOT_LETTER, max_chars=160,
              reserved=_SQL_WORDS, prefixes=("gdb_",)),
        gdb_columns := Rules("File Geodatabase", bad_char=_WORD, bad_start=_NOT_LETTER,
                             max_chars=64, reserved=_SQL_WORDS | {
                                 "objectid", "shape", "shape_length", "shape_area", "geometry",
                                 "fid"}),
        gdb_columns,
    ),
    "folder": (
        Rules("folder (file names)", bad_char=re.compile(r'[;!<>:"/\\|?*\x00-\x1f]'),
              max_bytes=200, extra=_windows_unsafe),
        Rules("GeoJSON", reserved=frozenset({"geometry"})),
        Rules("CSV", bad_start=re.compile("[" + re.escape("".join(FORMULA_STARTS)) + "]")),
    ),
}


class Namer:
    """Hands out stored names that fit a format's rules and are unique (case-insensitively)."""

    def __init__(self, rules: Rules, taken: Iterable[str] = ()) -> None:
        self.rules = rules
        self.taken = {t.casefold() for t in taken}

    def __call__(self, name: str) -> str:
        stored = name
        salt = 0
        while not self.rules.fits(stored) or stored.casefold() in self.taken:
            stored = self.rules.launder(name, salt)
            salt += 1
            if salt > 100:  # pragma: no cover - the launder always fits
                msg = f"{name!r} cannot be stored in a {self.rules.label}."
                raise WorkspaceError(msg)
        self.taken.add(stored.casefold())
        return stored


@dataclass
class FrameSpec:
    """How one frame is stored: its stored name, columns and geometry column."""

    name: str
    kind: str  # "layer" or "table"
    stored: str
    columns: list[tuple[str, str, str]]  # (stored name, name, pandas dtype), in order
    geometry: str | None = None  # the name of the active geometry column
    parts: list[str] = field(default_factory=list)  # File Geodatabase: one per geometry family

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "stored": self.stored,
                               "columns": [list(c) for c in self.columns]}
        if self.geometry is not None:
            out["geometry"] = self.geometry
        if self.parts:
            out["parts"] = self.parts
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> FrameSpec:
        return cls(str(raw["name"]), str(raw["kind"]), str(raw["stored"]),
                   [(str(s), str(n), str(d)) for s, n, d in raw["columns"]],
                   raw.get("geometry"), [str(p) for p in raw.get("parts", [])])

    def renamed(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (as the store gives it back) with the names and dtypes it was saved with."""
        names = {s: n for s, n, d in self.columns if d != "geometry"}
        out = frame.rename(columns=names)
        if isinstance(out, gpd.GeoDataFrame) and self.geometry is not None \
                and out.geometry.name != self.geometry:
            out = out.rename_geometry(self.geometry)
        for _, name, dtype in self.columns:
            if dtype == "geometry":
                continue
            if name not in out.columns:  # an empty layer in GeoJSON has no properties
                out[name] = pd.Series([None] * len(out), index=out.index, dtype=object)
            out[name] = restore_dtype(out[name], dtype)
        order = [n for _, n, _ in self.columns]
        extra = [c for c in out.columns if c not in order]
        return out[order + extra] if extra or list(out.columns) != order else out


def plan(frames: Mapping[str, pd.DataFrame], tables: set[str], driver: str,
         reserved: Iterable[str] = (META_TABLE,)) -> list[FrameSpec]:
    """The stored names of ``frames`` (layers, then the names in ``tables``) for ``driver``."""
    layer_rules, layer_columns, table_columns = FORMATS[driver]
    namer = Namer(layer_rules, reserved)
    specs = []
    for name, frame in frames.items():
        kind = "table" if name in tables else "layer"
        geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
        _one_geometry(name, frame, geometry, layer_rules.label)
        columns = Namer(table_columns if kind == "table" else layer_columns,
                        [ROW] if geometry is None else [ROW, geometry])
        specs.append(FrameSpec(name, kind, namer(name), [
            (c if c == geometry else columns(c), c,
             "geometry" if c == geometry else str(frame[c].dtype))
            for c in frame.columns], geometry))
    for spec in specs:
        changed = [(n, s) for s, n, _ in spec.columns if s != n]
        if spec.stored != spec.name or changed:
            log.debug("%s %r stored as %r, columns %s", layer_rules.label, spec.name,
                      spec.stored, changed)
    return specs


def _one_geometry(name: str, frame: pd.DataFrame, geometry: str | None, label: str) -> None:
    others = [str(c) for c in frame.columns if c != geometry
              and isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
    if others:
        what = "a table" if geometry is None else f"a layer besides {geometry!r}"
        msg = (f"{name!r} has geometry column(s) {others} as {what}; a {label.partition(' (')[0]} "
               "layer holds one geometry column. Drop them, turn them into text "
               "(frame[col].to_wkt()) or save to PostGIS, which keeps them.")
        raise WorkspaceError(msg)


def part_namer(driver: str, specs: Iterable[FrameSpec]) -> Namer:
    """Stored names for the parts of split layers, unique among the stored names."""
    return Namer(FORMATS[driver][0], [META_TABLE, *(s.stored for s in specs)])


def stored_frame(spec: FrameSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its columns under their stored names (attrs dropped)."""
    names = {n: s for s, n, _ in spec.columns if s != n}
    out = frame.rename(columns=names) if names else frame.copy()
    out.attrs = {}
    return out


def storage_entry(specs: Iterable[FrameSpec], driver: str) -> str:
    return json.dumps({"version": STORAGE_VERSION, "format": driver,
                       "frames": [s.to_json() for s in specs]}, ensure_ascii=False)


def read_storage(meta: Mapping[str, str]) -> list[FrameSpec] | None:
    """The frames a store holds as saved, or None for a store without a ``storage`` entry."""
    raw = meta.get("storage")
    if not raw:
        return None
    storage = json.loads(raw)
    if storage.get("version") != STORAGE_VERSION:
        msg = (f"The workspace was saved in storage format {storage.get('version')!r}; this "
               f"version of planning reads format {STORAGE_VERSION}. Upgrade planning.")
        raise WorkspaceError(msg)
    return [FrameSpec.from_json(f) for f in storage["frames"]]


#: the dtypes of text columns
TEXT_DTYPES = ("str", "string", "object", "string[python]", "string[pyarrow]")


def restore_dtype(series: pd.Series, dtype: str) -> pd.Series:
    """``series`` as read from a store, in the pandas dtype it was saved with (when it can)."""
    if str(series.dtype) == dtype:
        return series
    if dtype in TEXT_DTYPES:
        target = pd.api.types.pandas_dtype(dtype)
        if dtype == "object" or getattr(target, "kind", "") == "U":  # numpy text: objects
            return series.astype(object).where(series.notna(), None)
        return series.astype(target)
    try:
        target = pd.api.types.pandas_dtype(dtype)
        return _convert(series, target)
    except (ValueError, TypeError, OverflowError) as err:
        log.debug("column %r kept as %s, not %s (%s)", series.name, series.dtype, dtype, err)
        return series


def _convert(series: pd.Series, target: Any) -> pd.Series:
    if isinstance(target, pd.DatetimeTZDtype):
        return pd.to_datetime(series, utc=True).dt.tz_convert(target.tz).astype(target)
    if pd.api.types.is_datetime64_dtype(target):
        stamps = pd.to_datetime(series)
        if isinstance(stamps.dtype, pd.DatetimeTZDtype):
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        return stamps.astype(target)
    if pd.api.types.is_timedelta64_dtype(target):
        return pd.to_timedelta(series).astype(target)
    if pd.api.types.is_bool_dtype(target) and pd.api.types.is_string_dtype(series.dtype):
        mapped = series.map({"True": True, "False": False, "1": True, "0": False})
        return mapped.astype(target)
    if pd.api.types.is_numeric_dtype(target) and not pd.api.types.is_bool_dtype(target) \
            and pd.api.types.is_string_dtype(series.dtype):
        return pd.to_numeric(series).astype(target)
    return series.astype(target)
