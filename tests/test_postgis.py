"""PostGIS workspaces (planning.io.postgis) against a real server.

The server comes from scripts/test.sh (``PLANNING_TEST_POSTGIS_URL``); in CI these tests
must run, elsewhere they are skipped when the URL is unset.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planning
from planning._errors import LayerFileError, WorkspaceError
from planning.io import postgis as _postgis
from planning.workspace import Workspace
from tests._saving import TEXTS, dtypes, hostile
from tests.conftest import need_tool

pytestmark = pytest.mark.postgis

HOSTILE = "x'; DROP TABLE townships; --"
HOSTILE_COLUMN = 'a"; DROP TABLE y; --'


@pytest.fixture(scope="module")
def url() -> str:
    try:
        import geoalchemy2  # noqa: F401
        import psycopg  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        need_tool(False, "the postgis extra (pip install 'planning[postgis]')")
    value = os.environ.get("PLANNING_TEST_POSTGIS_URL")
    need_tool(value is not None, "a PostGIS server (PLANNING_TEST_POSTGIS_URL, scripts/test.sh)")
    assert value is not None
    return value


@pytest.fixture(scope="module")
def engine(url: str) -> Iterator[object]:
    import sqlalchemy as sa

    eng = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                           poolclass=sa.pool.NullPool)
    yield eng
    eng.dispose()


def _sql(engine: object, query: str, **params: object) -> list[tuple[object, ...]]:
    import sqlalchemy as sa

    assert isinstance(engine, sa.Engine)
    with engine.begin() as conn:
        result = conn.execute(sa.text(query), params)
        return [tuple(r) for r in result] if result.returns_rows else []


@pytest.fixture
def schema(engine: object) -> Iterator[str]:
    """A fresh schema name; the schema is dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    yield name
    _drop(engine, name)


def _drop(engine: object, name: str) -> None:
    import sqlalchemy as sa
    from psycopg import sql

    assert isinstance(engine, sa.Engine)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def _snapshot(engine: object) -> set[tuple[object, ...]]:
    """Every relation outside the system schemas, with its row estimate and column count."""
    return set(_sql(engine, """
        SELECT n.nspname, c.relname, c.relkind,
               (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"""))


def _full(ws: Workspace) -> Workspace:
    """The workspace as saved: its tables plus the ledger's."""
    return Workspace(ws.layers, ws._all_tables(), name=ws.name)


def _assert_same(expected: Workspace, got: Workspace, *, compare: bool = True) -> None:
    if compare:  # Workspace.compare cannot compare time-zone-aware columns yet
        assert expected.compare(got, tolerance=0) == []
    assert list(got.layers) == list(expected.layers)
    assert list(got.tables) == list(expected.tables)
    assert got.name == expected.name
    for name, frame in {**expected.layers, **expected.tables}.items():
        back = got[name]
        assert list(back.columns) == list(frame.columns), name
        assert back.dtypes.astype(str).tolist() == frame.dtypes.astype(str).tolist(), name
        if isinstance(frame, gpd.GeoDataFrame):
            assert isinstance(back, gpd.GeoDataFrame)
            assert back.crs == frame.crs, name
            assert back.geometry.name == frame.geometry.name
            same = shapely.equals_exact(back.geometry.values, frame.geometry.values, 0)
            missing = shapely.is_missing(frame.geometry.values)
            assert (same | (missing & shapely.is_missing(back.geometry.values))).all(), name
        pd.testing.assert_frame_equal(pd.DataFrame(back).drop(columns=_geo_cols(back)),
                                      pd.DataFrame(frame).drop(columns=_geo_cols(frame)))


def _geo_cols(frame: pd.DataFrame) -> list[object]:
    return [c for c in frame.columns if isinstance(frame[c].dtype, gpd.array.GeometryDtype)]


# --- round trips -------------------------------------------------------------------------


def test_sample_round_trip_is_equal(url: str, schema: str, sample: Workspace) -> None:
    _ = sample.ledger  # the ledger tables are saved once the ledger is used
    expected = _full(sample)
    assert "ledger_nodes_history" in expected.tables
    assert sample.save(url, schema=schema) == url
    _assert_same(expected, planning.open_workspace(url, schema=schema))


def test_sample_is_stored_as_postgis_expects(url: str, schema: str, engine: object,
                                             sample_ro: Workspace) -> None:
    sample_ro.save(url, schema=schema)
    columns = {str(t): (str(g), int(s)) for t, g, s in _sql(
        engine, "SELECT f_table_name, type, srid FROM geometry_columns "
        "WHERE f_table_schema = :s", s=schema)}
    assert columns["projects"] == ("GEOMETRY", 4548)  # mixed points, lines and polygons
    assert columns["townships"] == ("POLYGON", 4548)
    assert columns["roads"] == ("LINESTRING", 4548)
    assert set(columns) == set(sample_ro.layers)
    indexed = {str(t) for (t,) in _sql(
        engine, "SELECT tablename FROM pg_indexes WHERE schemaname = :s "
        "AND indexdef LIKE '%USING gist%'", s=schema)}
    assert indexed == set(sample_ro.layers)
    kinds = dict(_sql(engine, "SELECT column_name, data_type FROM information_schema.columns "
                      "WHERE table_schema = :s AND table_name = 'time_nodes'", s=schema))
    assert kinds["due_date"] == "date"
    assert kinds["seq"] == "bigint"
    # a spatial query in the database gives the areas geopandas computes
    area = _sql(engine, f'SELECT sum(ST_Area(geometry)) FROM "{schema}".townships')[0][0]
    assert float(area) == pytest.approx(float(sample_ro["townships"].area.sum()), rel=1e-12)


def test_dtypes_and_special_values_round_trip(url: str, schema: str) -> None:
    n = 5
    layer = gpd.GeoDataFrame({
        "text": pd.Series(["a", "", None, "县城", "x\ty\n'\"\\"], dtype="str"),
        "obj": pd.Series(["a", None, "", "b", "c"], dtype=object),
        "int": np.arange(n, dtype="int64") * 10**12,
        "int32": np.arange(n, dtype="int32"),
        "nullable": pd.array([1, None, 3, 4, None], dtype="Int64"),
        "float": [1.5, np.nan, -0.0, 1e300, 2.0],
        "flag": [True, False, True, False, True],
        "day": pd.to_datetime(["2011-12-07", None, "2015-12-31", "2011-01-01",
                               "2020-02-29"]).astype("datetime64[ms]"),
        "moment": pd.to_datetime(["2011-12-07 09:30:01.250", None, "2015-12-31 23:59:00",
                                  "2011-01-01 00:00:00", "2020-02-29 12:00:00"],
                                 format="ISO8601").astype("datetime64[ms]"),
        "aware": pd.to_datetime(["2011-12-07 09:30", None, "2015-12-31 23:59",
                                 "2011-01-01 00:00", "2020-02-29 12:00"],
                                ).tz_localize("Asia/Shanghai"),
        "cat": pd.Categorical(["R", "M", None, "R", "G"]),
    }, geometry=[shapely.Point(1, 2, 3), None, shapely.Polygon(),
                 shapely.LineString([(0, 0, 1), (1, 1, 2)]),
                 shapely.GeometryCollection([shapely.Point(5, 5)])],
        crs="+proj=tmerc +lat_0=0 +lon_0=116.5 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 "
            "+units=m +no_defs")
    ws = Workspace({"odd": layer}, {"empty": pd.DataFrame({"a": pd.Series([], dtype="str")})},
                   name="")
    ws.save(url, schema=schema)
    back = planning.open_workspace(url, schema=schema)
    _assert_same(ws, back, compare=False)
    assert back["odd"]["text"].iloc[1] == ""  # an empty string is not NULL
    assert pd.isna(back["odd"]["text"].iloc[2])
    assert back["odd"]["moment"].iloc[0] == pd.Timestamp("2011-12-07 09:30:01.250")
    assert back["odd"]["aware"].iloc[0] == pd.Timestamp("2011-12-07 09:30", tz="Asia/Shanghai")


def test_hostile_and_long_names_are_stored_as_names(url: str, schema: str,
                                                    engine: object,
                                                    sample_ro: Workspace) -> None:
    long_name = "台前县城乡规划" * 6  # 126 bytes: PostgreSQL would cut it at 63
    frame = sample_ro["townships"].rename(columns={"name_en": HOSTILE_COLUMN,
                                                   "kind": "50% 比例"})
    ws = Workspace({HOSTILE: frame, "县城 规划": sample_ro["urban_plan"],
                    long_name: sample_ro["roads"], "Roads": sample_ro["roads"]},
                   {"x); DELETE FROM workspace_meta; --": sample_ro["departments"]},
                   name="名字'; --")
    before = _snapshot(engine)
    ws.save(url, schema=schema)
    assert before <= _snapshot(engine)  # nothing outside the new schema was dropped
    tables = {str(t) for (t,) in _sql(engine, "SELECT tablename FROM pg_tables "
                                      "WHERE schemaname = :s", s=schema)}
    assert {HOSTILE, "县城 规划", "Roads", "workspace_meta",
            "x); DELETE FROM workspace_meta; --"} <= tables
    assert len(tables) == 6
    assert all(len(t.encode()) <= 63 for t in tables)
    _assert_same(ws, planning.open_workspace(url, schema=schema))


def test_hostile_schema_name(url: str, engine: object, sample_ro: Workspace) -> None:
    name = 's"; DROP SCHEMA public CASCADE; --'
    ws = Workspace({"county": sample_ro["county"]}, name="c")
    try:
        ws.save(url, schema=name)
        assert list(planning.open_workspace(url, schema=name).layers) == ["county"]
        assert _sql(engine, "SELECT 1 FROM pg_namespace WHERE nspname = 'public'") == [(1,)]
    finally:
        _drop(engine, name)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(st.text(st.characters(codec="utf-8", exclude_characters='/\\:*?"<>|',
                                         exclude_categories=("Cc", "Cs")),
                           min_size=1, max_size=40)
                   .filter(lambda s: s == s.strip() and not s.startswith(".")  # "i": the other
                           and s.casefold() != "workspace_meta" and s != "i"),  # column
                   min_size=1, max_size=3, unique=True),
    values=st.lists(st.one_of(st.none(), st.text(st.characters(codec="utf-8"))),
                    min_size=1, max_size=6),
)
def test_any_names_and_text_round_trip(url: str, engine: object, names: list[str],
                                       values: list[str | None]) -> None:
    name = f"h_{uuid.uuid4().hex[:10]}"
    tables = {n: pd.DataFrame({n: pd.Series(values, dtype=object), "i": range(len(values))})
              for n in names}
    ws = Workspace({}, tables, name=names[0])
    # what no store can hold (NUL) is removed when the table is added, with a note;
    # everything else, the other control characters included, comes back as it was
    kept = [None if v is None else v.replace("\x00", "") for v in values]
    assert bool(ws.notes) == (kept != values)
    try:
        ws.save(url, schema=name)
        back = planning.open_workspace(url, schema=name)
        assert list(back.tables) == names
        for n in names:
            assert back[n].columns.tolist() == [n, "i"]
            assert back[n][n].tolist() == kept
    finally:
        _drop(engine, name)


def test_awkward_names_and_text_come_back_as_they_were(url: str, schema: str) -> None:
    """The workspace tests/test_saving.py saves to every file format, through PostGIS."""
    ws = hostile()
    ws.save(url, schema=schema)
    back = planning.open_workspace(url, schema=schema)
    assert list(back.layers) == list(ws.layers)
    assert list(back.tables) == list(ws.tables)
    assert ws.compare(back, tolerance=1e-9) == []
    assert dtypes(back) == dtypes(ws)
    for name in ws:
        assert list(back[name].columns) == list(ws[name].columns), name
        assert [None if pd.isna(v) else v for v in back[name]["text"]] == TEXTS, name


# --- atomicity and replacing -------------------------------------------------------------


def test_failed_save_into_new_schema_leaves_nothing(url: str, schema: str, engine: object,
                                                    sample_ro: Workspace,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace(sample_ro.layers, sample_ro.tables)
    before = _snapshot(engine)

    def failing(conn: object, schema: str, meta: object) -> None:  # the last step fails
        conn.exec_driver_sql("SELECT 1 / 0")  # type: ignore[attr-defined]

    monkeypatch.setattr(_postgis, "_write_meta", failing)
    with pytest.raises(LayerFileError, match="rolled back"):
        ws.save(url, schema=schema)
    assert _snapshot(engine) == before
    assert _sql(engine, "SELECT 1 FROM pg_namespace WHERE nspname = :s", s=schema) == []


def test_failed_save_over_a_workspace_keeps_it(url: str, schema: str, engine: object,
                                               sample: Workspace,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sample.save(url, schema=schema)
    before = _snapshot(engine)
    written: list[str] = []
    real_write = _postgis._write

    def failing_write(conn: object, target: str, plan: _postgis._Plan) -> None:
        if len(written) == 4:  # after four layers were written, the fifth fails
            msg = "disk full"
            raise OSError(msg)
        real_write(conn, target, plan)  # type: ignore[arg-type]
        written.append(plan.name)

    changed = sample.copy()
    changed.add_layer("townships", sample["townships"].iloc[:3])
    monkeypatch.setattr(_postgis, "_write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        changed.save(url, schema=schema)
    assert len(written) == 4
    monkeypatch.undo()
    assert _snapshot(engine) == before
    _assert_same(sample, planning.open_workspace(url, schema=schema))


def test_database_error_half_way_over_a_workspace_keeps_it(
        url: str, schema: str, sample: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    sample.save(url, schema=schema)
    bad = sample.copy()
    bad.add_table("zz_bad", pd.DataFrame({"note": ["the database refuses this one"]}))
    bad.add_layer("townships", sample["townships"].iloc[:3])
    real = _postgis._write

    def refusing(conn: object, schema: str, plan: object) -> None:
        if getattr(plan, "name", "") == "zz_bad":
            conn.exec_driver_sql("SELECT 1 / 0")  # type: ignore[attr-defined]
        real(conn, schema, plan)  # type: ignore[arg-type]

    monkeypatch.setattr(_postgis, "_write", refusing)
    with pytest.raises(LayerFileError, match="not changed"):
        bad.save(url, schema=schema)
    _assert_same(sample, planning.open_workspace(url, schema=schema))


def test_saving_over_a_workspace_replaces_it_and_keeps_foreign_tables(
        url: str, schema: str, engine: object, sample_ro: Workspace) -> None:
    sample_ro.save(url, schema=schema)
    _sql(engine, f'CREATE TABLE "{schema}".notes (id int); INSERT INTO "{schema}".notes '
         "VALUES (1)")
    small = Workspace({"county": sample_ro["county"], "roads": sample_ro["roads"]},
                      name="small")
    small.save(url, schema=schema)
    back = planning.open_workspace(url, schema=schema)
    _assert_same(small, back)
    tables = {str(t) for (t,) in _sql(engine, "SELECT tablename FROM pg_tables "
                                      "WHERE schemaname = :s", s=schema)}
    assert tables == {"county", "roads", "workspace_meta", "notes"}


def test_a_foreign_table_is_never_replaced(url: str, schema: str, engine: object,
                                           sample_ro: Workspace) -> None:
    _sql(engine, f'CREATE SCHEMA "{schema}"; CREATE TABLE "{schema}".roads (id int); '
         f'INSERT INTO "{schema}".roads VALUES (7)')
    before = _snapshot(engine)
    with pytest.raises(WorkspaceError, match="roads"):
        Workspace({"roads": sample_ro["roads"]}).save(url, schema=schema)
    assert _snapshot(engine) == before
    assert _sql(engine, f'SELECT id FROM "{schema}".roads') == [(7,)]


# --- foreign schemas and errors ----------------------------------------------------------


def test_open_a_schema_not_written_by_planning(url: str, schema: str, engine: object) -> None:
    _sql(engine, f"""
        CREATE SCHEMA "{schema}";
        CREATE TABLE "{schema}"."DLTB" (id serial, "DLBM" text, "调查日期" date,
                                        geom geometry(Polygon, 4490));
        INSERT INTO "{schema}"."DLTB" ("DLBM", "调查日期", geom) VALUES
          ('0101', '2019-12-31', ST_GeomFromText(
            'POLYGON((115.85 35.99, 115.86 35.99, 115.86 36.0, 115.85 36.0, 115.85 35.99))',
            4490)),
          ('0702', NULL, ST_GeomFromText(
            'POLYGON((115.85 35.99, 115.86 36.0, 115.86 35.99, 115.85 36.0, 115.85 35.99))',
            4490));
        CREATE TABLE "{schema}".units (code text, n int, share numeric);
        INSERT INTO "{schema}".units VALUES ('410927', 9, 0.5);""")
    ws = planning.open_workspace(url, schema=schema)
    assert list(ws.layers) == ["DLTB"]
    layer = ws["DLTB"]
    assert layer.crs.to_epsg() == 4548
    assert layer["class_code"].tolist() == ["0101", "0702"]  # DLBM mapped
    assert bool(layer.is_valid.all())  # the bow tie was repaired
    assert str(layer["调查日期"].dtype) == "datetime64[ms]"
    # the first patch: about 0.01 x 0.01 degrees at 36 N
    assert 0.9e6 < float(layer.area.iloc[0]) < 1.1e6
    assert ws["units"].to_dict("records") == [{"code": "410927", "n": 9, "share": 0.5}]


def test_the_county_survives_postgis(url: str, schema: str, engine: object,
                                     sample_ro: Workspace) -> None:
    west = dataclasses.replace(planning.TAIQIAN, code="410999", name_zh="西县", name_en="Xi",
                               crs="EPSG:4547", extent_tolerance_m=12_345.0)
    ws = Workspace({"townships": sample_ro["townships"].to_crs(west.crs)}, county=west)
    ws.save(url, schema=schema)
    stored = dict(_sql(engine, f'SELECT key, value FROM "{schema}".workspace_meta'))
    assert json.loads(str(stored["county"]))["code"] == "410999"
    again = planning.open_workspace(url, schema=schema)
    assert again.county == west
    assert again.crs_name == "EPSG:4547"
    with pytest.raises(WorkspaceError, match="holds the workspace of county 西县"):
        planning.open_workspace(url, schema=schema, county=planning.TAIQIAN)


def test_a_foreign_schema_opened_as_a_county(url: str, schema: str, engine: object) -> None:
    _sql(engine, f"""
        CREATE SCHEMA "{schema}";
        CREATE TABLE "{schema}".xzq ("XZQDM" text, "XZQMC" text, geom geometry(Polygon, 4490));
        INSERT INTO "{schema}".xzq VALUES ('410927', '台前县', ST_GeomFromText(
            'POLYGON((115.7 35.9, 115.9 35.9, 115.9 36.0, 115.7 36.0, 115.7 35.9))', 4490));
        CREATE TABLE "{schema}".roads (id int, geom geometry(LineString, 4527));
        INSERT INTO "{schema}".roads VALUES (1, ST_GeomFromText(
            'LINESTRING(39397720 3983363, 39398720 3983363)', 4527));""")
    ws = planning.open_workspace(url, schema=schema, county=planning.TAIQIAN)
    assert ws.county is planning.TAIQIAN
    assert {name: frame.crs.to_epsg() for name, frame in ws.layers.items()} == {
        "roads": 4548, "xzq": 4548}
    assert float(ws["roads"].length.iloc[0]) == pytest.approx(1000.0, abs=1e-6)
    west = dataclasses.replace(planning.TAIQIAN, crs="EPSG:4547")
    assert planning.open_workspace(url, schema=schema, county=west).crs_name == "EPSG:4547"
    plain = planning.open_workspace(url, schema=schema)  # no county: the zone of the data
    assert plain.county is None
    assert plain.crs_name == "EPSG:4548"


def test_errors_are_clear(url: str, schema: str, engine: object,
                          sample_ro: Workspace) -> None:
    with pytest.raises(LayerFileError, match="No schema 'nope_"):
        planning.open_workspace(url, schema=f"nope_{schema}")
    odd = pd.DataFrame({"ok": [1, 2], "mixed": [{"a": 1}, [2]], "also": [1, "x"]})
    before = _snapshot(engine)
    with pytest.raises(WorkspaceError) as info:
        Workspace({}, {"odd": odd}).save(url, schema=schema)
    assert "'mixed'" in str(info.value)
    assert "'also'" in str(info.value)
    assert "'ok'" not in str(info.value)
    assert _snapshot(engine) == before
    with pytest.raises(WorkspaceError, match="schema name"):
        sample_ro.save(url, schema="x" * 64)
    dead = "postgresql://planning:secret@127.0.0.1:9/none"
    with pytest.raises(LayerFileError) as refused:
        planning.open_workspace(dead)
    assert "secret" not in str(refused.value)


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "geoalchemy2", None)
    with pytest.raises(ImportError, match=r"pip install 'planning\[postgis\]'"):
        Workspace().save("postgresql://x/y")


def test_importing_planning_does_not_import_the_extra() -> None:
    code = ("import sys, planning; planning.load_sample(); "
            "assert not {'sqlalchemy', 'psycopg', 'geoalchemy2'} & set(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
