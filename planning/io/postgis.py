"""PostGIS storage: the layers and tables of a workspace in a PostgreSQL schema.

This module stores frames; :class:`planning.Workspace` builds itself from them. Reached
through ``Workspace.save("postgresql://...", schema=...)`` and
``planning.open_workspace("postgresql://...", schema=...)``; needs the ``postgis`` extra
(SQLAlchemy, GeoAlchemy2 and psycopg 3: ``pip install planning[postgis]``).

How a workspace is stored
-------------------------
- One table per layer and per table, named as the layer (identifiers are always quoted, so
  ``县城 规划``, ``roads;2011``, ``Roads`` beside ``roads`` or ``x'; DROP TABLE y; --`` is
  stored as a name; values are bound or copied, never spliced into SQL). A name longer than
  PostgreSQL's 63 bytes is shortened with a hash suffix, and the mapping is kept in the
  metadata table. Text holding NUL (which PostgreSQL cannot store) is refused before anything
  is written; a workspace removes such characters when a frame is added, with a note.
- Geometry columns are ``geometry(<type>, <srid>)`` with the SRID of the layer's CRS; a
  layer mixing geometry types (``projects``: points, lines and polygons) gets a generic
  ``geometry(GEOMETRY, <srid>)`` column. Each geometry column has a GiST spatial index.
- Dates are ``date`` columns (``timestamp`` when a column holds times of day), integers
  ``bigint``, floats ``double precision``, text ``text``, booleans ``boolean``.
- A table ``workspace_meta`` (``key``, ``value``, as in the GeoPackage) holds the workspace
  name, its county (key ``county``: the :class:`planning.County` profile as JSON, empty for
  a workspace without one), the CRS, the order of layers and tables and, for each of them,
  its table, its columns and their pandas dtypes, so a round trip returns equal frames.

A save runs in one transaction: every table is written, indexed, and the metadata replaced,
or nothing changes. Saving over a schema that holds a workspace replaces that workspace (its
tables and metadata); tables in the schema that the workspace does not own are left alone,
and a name clash with one of them is an error. Concurrent saves to one schema are serialised
with an advisory lock.

Opening a schema that was not written by this module (a bureau's own database) reads every
table with a geometry column as a layer (moved to ``to_crs``, which
:func:`planning.open_workspace` sets to the county's CRS; invalid geometries repaired and
standard field names mapped, as :func:`planning.read_layer` does) and every other table as a
table.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from planning._errors import (
    LayerFileError,
    Problem,
    WorkspaceError,
    format_problems,
    require_extra,
)
from planning.io._fields import map_fields
from planning.io._read import repair_geometries
from planning.io._report import LayerReport

if TYPE_CHECKING:
    import sqlalchemy as sa

log = logging.getLogger(__name__)

#: The metadata table (the same name as in a GeoPackage workspace).
META_TABLE = "workspace_meta"
#: Format of the ``storage`` entry in the metadata table.
STORAGE_VERSION = 1
#: PostgreSQL truncates identifiers longer than this many bytes.
MAX_IDENTIFIER_BYTES = 63
#: The schema used when none is given.
DEFAULT_SCHEMA = "public"

_URL_PREFIXES = ("postgresql+psycopg://", "postgresql://", "postgres://")


# --- optional dependencies and connections -----------------------------------------------


def _require() -> None:
    """Raise a clear ImportError when the ``postgis`` extra is not installed."""
    require_extra(("sqlalchemy", "geoalchemy2", "psycopg"), what="PostGIS workspaces",
                  extra="postgis")


def _driver_url(url: str) -> str:
    """Return ``url`` with SQLAlchemy's psycopg 3 driver named."""
    for prefix in _URL_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    msg = (f"Not a PostgreSQL URL: {_safe_url(url)!r}. Use "
           "postgresql://user:password@host:port/database.")
    raise LayerFileError(msg)


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    import sqlalchemy as sa  # noqa: PLC0415 - optional dependency

    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url.rsplit("@", maxsplit=1)[-1]


@contextmanager
def _transaction(url: str, action: str) -> Iterator[sa.Connection]:
    """Yield a connection inside one transaction; database errors become LayerFileError."""
    _require()
    import psycopg  # noqa: PLC0415
    import sqlalchemy as sa  # noqa: PLC0415

    engine = sa.create_engine(_driver_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
            yield conn
    except (sa.exc.SQLAlchemyError, psycopg.Error) as err:
        detail = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
        msg = (f"{action} failed at {_safe_url(url)}: {detail}. The database was not "
               "changed (the transaction was rolled back).")
        raise LayerFileError(msg) from err
    finally:
        engine.dispose()


def _check_schema(schema: str | None) -> str:
    name = DEFAULT_SCHEMA if schema is None else schema
    if not isinstance(name, str) or not name or "\x00" in name \
            or len(name.encode()) > MAX_IDENTIFIER_BYTES or name.startswith("pg_"):
        msg = (f"{name!r} cannot be a schema name: use a non-empty name of at most "
               f"{MAX_IDENTIFIER_BYTES} bytes (UTF-8) that does not start with 'pg_'.")
        raise WorkspaceError(msg)
    return name


def _db_name(name: str, taken: set[str]) -> str:
    """A PostgreSQL identifier for ``name``: itself when it fits, else shortened + hash."""
    if name and "\x00" not in name and len(name.encode()) <= MAX_IDENTIFIER_BYTES \
            and name not in taken:
        taken.add(name)
        return name
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()
    head = name.replace("\x00", "").encode()[: MAX_IDENTIFIER_BYTES - 10]
    prefix = head.decode(errors="ignore")
    for i in range(len(digest) - 8):
        candidate = f"{prefix}_{digest[i:i + 9]}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    msg = f"Cannot find a unique table or column name for {name!r}."  # pragma: no cover
    raise WorkspaceError(msg)  # pragma: no cover


# --- how a frame is stored ---------------------------------------------------------------


@dataclass
class _Column:
    """One column of a frame as stored: database name, original name, pandas dtype."""

    stored: str
    original: str | int
    dtype: str
    sql: str  # geometry, text, bigint, double, boolean, date, timestamp, timestamptz, interval
    values: Any = None  # what is written (a list or object array, None for missing)
    srid: int = 0
    geometry_type: str | None = None
    dimension: int = 2


@dataclass
class _Plan:
    """How one layer or table is written."""

    name: str
    table: str
    columns: list[_Column]
    geometry: str | None  # stored name of the active geometry column
    rows: int
    crs: str | None = None  # full CRS (WKT) of the active geometry column

    def storage(self) -> dict[str, Any]:
        return {"table": self.table, "geometry": self.geometry, "crs": self.crs,
                "columns": [[c.stored, c.original, c.dtype, c.sql] for c in self.columns]}


_SQL_OF_INFERRED = {"string": "text", "empty": "text", "integer": "bigint",
                    "floating": "double", "mixed-integer-float": "double",
                    "integer-na": "double", "boolean": "boolean", "date": "date",
                    "datetime": "timestamp", "bytes": "bytea", "decimal": "numeric"}


_SQL_OF_DTYPE: tuple[tuple[Any, str], ...] = (
    (pd.api.types.is_bool_dtype, "boolean"),
    (lambda d: str(d).lower() == "uint64", "numeric"),
    (pd.api.types.is_integer_dtype, "bigint"),
    (pd.api.types.is_float_dtype, "double"),
    (lambda d: isinstance(d, pd.DatetimeTZDtype), "timestamptz"),
    (pd.api.types.is_timedelta64_dtype, "interval"),
    (lambda d: pd.api.types.is_string_dtype(d) and not pd.api.types.is_object_dtype(d),
     "text"),
)


def _sql_kind(series: pd.Series) -> str | None:
    """The SQL storage kind of a non-geometry column, or None when it cannot be stored."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(dtype):
        inferred = pd.api.types.infer_dtype(series.astype(object), skipna=True)
        return _SQL_OF_INFERRED.get(inferred)
    if pd.api.types.is_datetime64_dtype(dtype):
        stamps = series.dropna()
        return "date" if (stamps == stamps.dt.normalize()).all() else "timestamp"
    return next((kind for test, kind in _SQL_OF_DTYPE if test(dtype)), None)


def _values(series: pd.Series, sql: str) -> npt.NDArray[np.object_]:
    """The column as Python objects for COPY, None where missing."""
    missing = series.isna().to_numpy()
    if sql == "date":
        out: npt.NDArray[np.object_] = series.to_numpy("datetime64[ms]").astype(
            "datetime64[D]").astype(object)
    elif sql == "timestamp":
        out = series.to_numpy("datetime64[ms]").astype("datetime64[us]").astype(object)
    elif sql == "timestamptz":
        utc = series.dt.tz_convert("UTC").dt.tz_localize(None)
        out = utc.to_numpy("datetime64[ms]").astype("datetime64[us]").astype(object)
    elif sql == "interval":
        out = series.to_numpy("timedelta64[ms]").astype("timedelta64[us]").astype(object)
    else:
        out = series.astype(object).to_numpy(dtype=object, copy=True)
    out[missing] = None
    return out


def _plan_frame(name: str, frame: pd.DataFrame, taken: set[str],
                problems: list[Problem]) -> _Plan:
    """Work out the table, columns and values of one frame (no database access)."""
    table = _db_name(name, taken)
    names: set[str] = set()
    columns: list[_Column] = []
    active = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    geometry_stored: str | None = None
    if frame.columns.has_duplicates:
        dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        problems.append(Problem(name, f"column names occur twice: {dup}; rename them"))
    for original in frame.columns:
        if not isinstance(original, (str, int)) or isinstance(original, bool):
            problems.append(Problem(name, "a column name must be text or an integer",
                                    column=str(original)))
            continue
        series = frame[original]
        if isinstance(series, pd.DataFrame):  # duplicated name, reported above
            continue
        stored = _db_name(str(original), names)
        if isinstance(series.dtype, gpd.array.GeometryDtype):
            column = _geometry_column(name, series, stored, original, problems)
            if original == active:
                geometry_stored = stored
        else:
            kind = _sql_kind(series)
            if kind is None:
                sample = series.dropna()
                problems.append(Problem(
                    name, f"values of dtype {series.dtype} (for example "
                    f"{type(sample.iloc[0]).__name__ if len(sample) else 'none'}) cannot be "
                    "stored in PostGIS; convert the column to text, numbers or dates",
                    column=str(original)))
                continue
            column = _Column(stored, original, str(series.dtype), kind,
                             values=_values(series, kind))
            if kind == "text":
                _check_text(name, str(original), column.values, problems)
        columns.append(column)
    crs = frame.crs.to_wkt() if active is not None and frame.crs is not None else None
    return _Plan(name, table, columns, geometry_stored, len(frame), crs)


def _check_text(name: str, column: str, values: npt.NDArray[np.object_],
                problems: list[Problem]) -> None:
    """PostgreSQL text holds neither NUL nor unpaired surrogates: say where they are."""
    for row, value in enumerate(values):
        if isinstance(value, str) and ("\x00" in value or (not value.isprintable()
                                       and _unencodable(value))):
            problems.append(Problem(
                name, "text holds a NUL character or an unpaired surrogate, which PostgreSQL "
                "cannot store; remove it (Workspace.add_layer and add_table do, with a note)",
                row=row, column=column))
            return


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _geometry_column(name: str, series: pd.Series, stored: str, original: str | int,
                     problems: list[Problem]) -> _Column:
    geoms = np.asarray(series.array, dtype=object)
    crs = series.array.crs
    srid = 0
    if crs is not None:
        srid = crs.to_epsg() or 0
    present = geoms[~shapely.is_missing(geoms)]
    kinds = set(shapely.get_type_id(present).tolist())
    has_z, has_m = shapely.has_z(present), shapely.has_m(present)
    names = ("POINT", "LINESTRING", "LINEARRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING",
             "MULTIPOLYGON", "GEOMETRYCOLLECTION")
    if 2 in kinds:  # LinearRing has no WKB type of its own
        problems.append(Problem(name, "LinearRing geometries cannot be stored; convert them "
                                "to LineString or Polygon", column=str(original)))
    gtype: str | None = names[kinds.pop()] if len(kinds) == 1 else "GEOMETRY"
    dimension = 3 if len(present) and has_z.all() else 2
    if has_m.any() or (has_z.any() and not has_z.all()):
        gtype = None  # mixed dimensions: an unconstrained geometry column
    elif dimension == 3 and gtype is not None:
        gtype += "Z"
    hexes = shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)
    return _Column(stored, original, "geometry", "geometry", values=hexes, srid=srid,
                   geometry_type=gtype, dimension=dimension)


# --- saving ------------------------------------------------------------------------------


def save_frames(
    layers: Mapping[str, gpd.GeoDataFrame],
    tables: Mapping[str, pd.DataFrame],
    url: str,
    *,
    meta: Mapping[str, str],
    schema: str | None = None,
) -> None:
    """Save layers and tables to a PostGIS schema, in one transaction.

    Parameters
    ----------
    layers, tables : mapping of str to (Geo)DataFrame
        What a workspace saves (its ledger tables included when a ledger was used).
    meta : mapping of str to str
        The workspace's own metadata (name, county, version); the CRS, the order of the
        frames and their storage are added here.
    url : str
        ``postgresql://user:password@host:port/database``.
    schema : str, optional
        Schema to write (created when missing; default ``public``). A workspace already in
        it is replaced; tables it does not own are kept.

    Raises
    ------
    WorkspaceError
        A column cannot be stored, the schema name is not allowed, or a table of the
        workspace would replace a table in the schema that the workspace does not own.
    LayerFileError
        The database refused the save (nothing was changed) or cannot be reached.
    ImportError
        The ``postgis`` extra is not installed.
    """
    _require()
    target = _check_schema(schema)
    problems: list[Problem] = []
    taken = {META_TABLE}
    plans = [_plan_frame(name, frame, taken, problems) for name, frame in layers.items()]
    plans += [_plan_frame(name, table, taken, problems) for name, table in tables.items()]
    if problems:
        msg = (f"The workspace {meta.get('name', '')!r} cannot be saved to PostGIS as it is.\n"
               f"{len(problems)} problem(s):\n{format_problems(problems)}")
        raise WorkspaceError(msg)
    rows = _meta_rows(layers, plans, meta)
    with _transaction(url, f"Saving the workspace to schema {target!r}") as conn:
        _lock_schema(conn, target)
        _prepare_schema(conn, target, [p.table for p in plans])
        for plan in plans:
            _write(conn, target, plan)
        _write_meta(conn, target, rows)
    log.info("saved %d layers and %d tables to PostGIS schema %r", len(layers),
             len(plans) - len(layers), target)


def _meta_rows(layers: Mapping[str, gpd.GeoDataFrame], plans: Sequence[_Plan],
               meta: Mapping[str, str]) -> dict[str, str]:
    first = next(iter(layers.values()), None)
    crs = None if first is None else first.crs
    return {
        **meta,
        "crs_wkt": crs.to_wkt() if crs is not None else "",
        "layers": json.dumps(list(layers), ensure_ascii=False),
        "tables": json.dumps([p.name for p in plans if p.name not in layers],
                             ensure_ascii=False),
        "storage": json.dumps({"version": STORAGE_VERSION,
                               "frames": {p.name: p.storage() for p in plans}},
                              ensure_ascii=False),
    }


def _lock_schema(conn: sa.Connection, schema: str) -> None:
    import sqlalchemy as sa  # noqa: PLC0415

    conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": schema})


def _relations(conn: sa.Connection, schema: str) -> set[str]:
    """Tables, views and sequences... of a schema that no extension owns."""
    import sqlalchemy as sa  # noqa: PLC0415

    rows = conn.execute(sa.text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT EXISTS "
        "(SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
        "AND d.objid = c.oid AND d.deptype = 'e')"), {"s": schema})
    return {str(r[0]) for r in rows}


def _prepare_schema(conn: sa.Connection, schema: str, tables: Sequence[str]) -> None:
    """Create the schema, or drop the workspace it holds; refuse to replace foreign tables."""
    import sqlalchemy as sa  # noqa: PLC0415

    conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
    present = _relations(conn, schema)
    owned: set[str] = set()
    if META_TABLE in present:
        meta = _read_meta(conn, schema)
        if meta is None:
            msg = (f"Schema {schema!r} has a table {META_TABLE!r} that is not a planning "
                   "workspace's metadata; save to another schema.")
            raise WorkspaceError(msg)
        owned = {str(f["table"]) for f in _storage(meta).values()} | {META_TABLE}
    clash = sorted((set(tables) & present) - owned)
    if clash:
        msg = (f"Schema {schema!r} already has table(s) {clash} that are not part of a "
               "planning workspace saved there; they are left alone. Save to another schema "
               "(schema=...) or rename the layers.")
        raise WorkspaceError(msg)
    for table in sorted(owned & present):
        conn.execute(sa.schema.DropTable(_table_clause(schema, table)))


def _table_clause(schema: str, name: str, *columns: sa.Column[Any]) -> sa.Table:
    import sqlalchemy as sa  # noqa: PLC0415

    return sa.Table(sa.sql.quoted_name(name, quote=True), sa.MetaData(), *columns,
                    schema=sa.sql.quoted_name(schema, quote=True))


def _sa_type(column: _Column) -> Any:
    import sqlalchemy as sa  # noqa: PLC0415
    from geoalchemy2 import Geometry  # noqa: PLC0415

    if column.sql == "geometry":
        if column.geometry_type is None:
            return Geometry(geometry_type=None, srid=-1, spatial_index=False)
        return Geometry(geometry_type=column.geometry_type, srid=column.srid,
                        dimension=column.dimension, spatial_index=False)
    kinds: dict[str, Any] = {
        "text": sa.Text(), "bigint": sa.BigInteger(), "double": sa.Double(),
        "boolean": sa.Boolean(create_constraint=False), "date": sa.Date(),
        "timestamp": sa.DateTime(timezone=False), "timestamptz": sa.DateTime(timezone=True),
        "interval": sa.Interval(), "bytea": sa.LargeBinary(), "numeric": sa.Numeric(),
    }
    return kinds[column.sql]


def _write(conn: sa.Connection, schema: str, plan: _Plan) -> None:
    """Create one table, copy its rows in, index its geometry columns."""
    import sqlalchemy as sa  # noqa: PLC0415
    from psycopg import sql  # noqa: PLC0415

    table = _table_clause(schema, plan.table, *[
        sa.Column(sa.sql.quoted_name(c.stored, quote=True), _sa_type(c)) for c in plan.columns
    ])
    table.create(conn)
    raw = conn.connection.driver_connection
    if raw is None:  # pragma: no cover - a live connection always has one
        msg = "The database connection was closed during the save."
        raise LayerFileError(msg)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(schema, plan.table),
        sql.SQL(", ").join(sql.Identifier(c.stored) for c in plan.columns))
    if plan.columns and plan.rows:
        with raw.cursor() as cur, cur.copy(statement) as copy:
            for row in zip(*[c.values for c in plan.columns], strict=True):
                copy.write_row(row)
    target = sql.Identifier(schema, plan.table)
    with raw.cursor() as cur:
        for column in plan.columns:
            if column.sql == "geometry":
                cur.execute(sql.SQL("CREATE INDEX ON {} USING gist ({})").format(
                    target, sql.Identifier(column.stored)))
        cur.execute(sql.SQL("ANALYZE {}").format(target))
    log.debug("wrote %s to %s.%s (%d rows)", plan.name, schema, plan.table, plan.rows)


def _write_meta(conn: sa.Connection, schema: str, meta: Mapping[str, str]) -> None:
    import sqlalchemy as sa  # noqa: PLC0415

    table = _table_clause(schema, META_TABLE,
                          sa.Column("key", sa.Text(), primary_key=True),
                          sa.Column("value", sa.Text(), nullable=False))
    table.create(conn)
    conn.execute(table.insert(), [{"key": k, "value": v} for k, v in meta.items()])


# --- opening -----------------------------------------------------------------------------


class Stored(NamedTuple):
    """What a PostGIS schema holds: layers and tables in their saved order, and metadata."""

    layers: dict[str, gpd.GeoDataFrame]
    tables: dict[str, pd.DataFrame]
    meta: dict[str, str]


def load_frames(url: str, *, schema: str | None = None, to_crs: Any = None) -> Stored:
    """Read the layers and tables stored in a PostGIS schema.

    A schema written by :func:`save_workspace` comes back as it was saved (layers, tables,
    dtypes, order, name, CRS). Any other schema is read table by table: tables with a
    geometry column become layers in ``to_crs`` (invalid geometries repaired, standard field
    names such as DLBM mapped), the others tables.

    Parameters
    ----------
    url : str
        ``postgresql://user:password@host:port/database``.
    schema : str, optional
        The schema to read (default ``public``).
    to_crs : optional
        The metric CRS of layers read from a schema this module did not write (default:
        as they are stored, when projected; required for geographic ones).

    Returns
    -------
    Stored

    Raises
    ------
    LayerFileError
        The database cannot be reached, or the schema does not exist.
    """
    _require()
    import sqlalchemy as sa  # noqa: PLC0415

    target = _check_schema(schema)
    with _transaction(url, f"Opening schema {target!r}") as conn:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        exists = conn.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"),
                              {"s": target}).first()
        if exists is None:
            names = sorted(str(r[0]) for r in conn.execute(sa.text(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                "AND nspname <> 'information_schema'")))
            msg = (f"No schema {target!r} in the database at {_safe_url(url)} (schemas: "
                   f"{', '.join(names)}).")
            raise LayerFileError(msg)
        meta = _read_meta(conn, target) if META_TABLE in _relations(conn, target) else None
        if meta is not None and "storage" in meta:
            frames = {name: _read_stored(conn, target, spec)
                      for name, spec in _storage(meta).items()}
        else:
            frames = _read_foreign(conn, target, to_crs)
    meta = meta or {}
    layer_order = json.loads(meta.get("layers", "[]")) or []
    table_order = json.loads(meta.get("tables", "[]")) or []
    layers = {k: v for k, v in frames.items() if isinstance(v, gpd.GeoDataFrame)}
    tables = {k: v for k, v in frames.items() if not isinstance(v, gpd.GeoDataFrame)}
    return Stored({k: layers[k] for k in dict.fromkeys([*layer_order, *layers]) if k in layers},
                  {k: tables[k] for k in dict.fromkeys([*table_order, *tables]) if k in tables},
                  dict(meta))


def _read_meta(conn: sa.Connection, schema: str) -> dict[str, str] | None:
    """The key/value metadata, or None when the table is not planning's."""
    import sqlalchemy as sa  # noqa: PLC0415

    columns = {str(r[0]) for r in conn.execute(sa.text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = :s AND table_name = :t"), {"s": schema, "t": META_TABLE})}
    if not {"key", "value"} <= columns:
        return None
    table = _table_clause(schema, META_TABLE, sa.Column("key", sa.Text()),
                          sa.Column("value", sa.Text()))
    rows = conn.execute(sa.select(table.c.key, table.c.value))
    return {str(k): "" if v is None else str(v) for k, v in rows}


def _storage(meta: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    raw = meta.get("storage")
    if not raw:
        return {}
    storage = json.loads(raw)
    if storage.get("version") != STORAGE_VERSION:
        msg = (f"The workspace was saved in storage format {storage.get('version')!r}; this "
               f"version of planning reads format {STORAGE_VERSION}. Upgrade planning.")
        raise WorkspaceError(msg)
    frames: dict[str, dict[str, Any]] = storage["frames"]
    return frames


def _select(conn: sa.Connection, schema: str, table: str,
            columns: Sequence[tuple[str, bool]]) -> list[list[Any]]:
    """Read columns ``(name, is_geometry)`` of a table; geometries as WKB. Column-wise."""
    import sqlalchemy as sa  # noqa: PLC0415

    clause = _table_clause(schema, table, *[
        sa.Column(sa.sql.quoted_name(name, quote=True), sa.LargeBinary() if geom else None)
        for name, geom in columns])
    selected = [sa.func.ST_AsBinary(clause.c[name], type_=sa.LargeBinary()) if geom
                else clause.c[name] for name, geom in columns]
    rows = conn.execute(sa.select(*selected)).all() if selected else []
    if not rows:
        return [[] for _ in columns]
    return [list(col) for col in zip(*rows, strict=True)]


def _read_stored(conn: sa.Connection, schema: str,
                 spec: Mapping[str, Any]) -> pd.DataFrame:
    """One frame written by :func:`save_workspace`, with its dtypes restored."""
    columns = [(str(c[0]), c[1], str(c[2]), str(c[3])) for c in spec["columns"]]
    values = _select(conn, schema, str(spec["table"]),
                     [(stored, sql == "geometry") for stored, _, _, sql in columns])
    crs = pyproj.CRS.from_user_input(spec["crs"]) if spec.get("crs") else None
    data: dict[str | int, Any] = {}
    active: str | int | None = None
    for (stored, original, dtype, sql), vals in zip(columns, values, strict=True):
        if sql == "geometry":
            data[original] = gpd.GeoSeries(_geoms(vals), crs=crs)
            if stored == spec.get("geometry"):
                active = original
        else:
            data[original] = _restore(vals, dtype, sql)
    if active is None:
        return pd.DataFrame(data, columns=list(data))
    frame: pd.DataFrame = gpd.GeoDataFrame(data, columns=list(data), geometry=active, crs=crs)
    return frame


def _geoms(values: Sequence[Any]) -> npt.NDArray[np.object_]:
    wkb = np.array([None if v is None else bytes(v) for v in values], dtype=object)
    geoms: npt.NDArray[np.object_] = shapely.from_wkb(wkb)
    return geoms


def _restore(values: Sequence[Any], dtype: str, sql: str) -> pd.Series:
    """A column read back, in the pandas dtype it was saved with."""
    raw = pd.Series(list(values), dtype=object)
    target = pd.api.types.pandas_dtype(dtype)
    out: pd.Series
    if sql in ("date", "timestamp"):
        out = pd.to_datetime(raw).astype(target)
    elif sql == "timestamptz":
        stamps = pd.to_datetime(raw, utc=True)
        out = stamps.dt.tz_convert(getattr(target, "tz", "UTC")).astype(target)
    elif sql == "interval":
        out = pd.to_timedelta(raw).astype(target)
    elif dtype == "object":
        out = raw.where(raw.notna(), None) if sql == "text" else raw
    else:
        out = raw.astype(target)
    return out


def _read_foreign(conn: sa.Connection, schema: str, to_crs: Any) -> dict[str, pd.DataFrame]:
    """Every table and view of a schema not written by planning."""
    import sqlalchemy as sa  # noqa: PLC0415

    relations = _relations(conn, schema) - {META_TABLE}
    rows = conn.execute(sa.text(
        "SELECT table_name, column_name, udt_name, data_type FROM information_schema.columns "
        "WHERE table_schema = :s ORDER BY table_name, ordinal_position"), {"s": schema})
    columns: dict[str, list[tuple[str, str, str]]] = {}
    for table, column, udt, data_type in rows:
        if table in relations:
            columns.setdefault(str(table), []).append((str(column), str(udt), str(data_type)))
    srids = {(str(t), str(c)): int(s) for t, c, s in conn.execute(sa.text(
        "SELECT f_table_name, f_geometry_column, srid FROM geometry_columns "
        "WHERE f_table_schema = :s"), {"s": schema})}
    frames: dict[str, pd.DataFrame] = {}
    for table in sorted(columns):
        frames[table] = _read_foreign_table(conn, schema, table, columns[table], srids,
                                            to_crs=to_crs)
    return frames


def _read_foreign_table(conn: sa.Connection, schema: str, table: str,
                        columns: Sequence[tuple[str, str, str]],
                        srids: Mapping[tuple[str, str], int], *, to_crs: Any) -> pd.DataFrame:

    values = _select(conn, schema, table, [(c, udt == "geometry") for c, udt, _ in columns])
    data: dict[str, Any] = {}
    geometry: str | None = None
    for (column, udt, data_type), vals in zip(columns, values, strict=True):
        if udt == "geometry":
            srid = srids.get((table, column), 0)
            if srid <= 0:
                msg = (f"{schema}.{table}.{column} has no SRID, so its CRS is unknown. Set it "
                       f"in the database (SELECT UpdateGeometrySRID(...)).")
                raise WorkspaceError(msg)
            data[column] = gpd.GeoSeries(_geoms(vals), crs=f"EPSG:{srid}")
            geometry = geometry or column
        elif data_type in ("date", "timestamp without time zone"):
            data[column] = pd.to_datetime(pd.Series(vals, dtype=object)).astype(
                "datetime64[ms]")
        elif data_type in ("numeric", "real", "double precision"):
            data[column] = pd.to_numeric(pd.Series(vals, dtype=object)).astype("float64")
        elif data_type == "timestamp with time zone":
            data[column] = pd.to_datetime(pd.Series(vals, dtype=object), utc=True) \
                .dt.tz_localize(None).astype("datetime64[ms]")
        else:
            data[column] = pd.Series(vals, dtype=object).infer_objects()
    if geometry is None:
        return pd.DataFrame(data, columns=list(data))
    frame = gpd.GeoDataFrame(data, columns=list(data), geometry=geometry)
    if to_crs is not None:
        frame = frame.to_crs(to_crs)
    report = LayerReport(source=f"PostGIS {schema}.{table}")
    frame = repair_geometries(frame, report)
    mapped, _ = map_fields(frame)
    layer: pd.DataFrame = gpd.GeoDataFrame(mapped, geometry=geometry, crs=frame.crs)
    return layer
