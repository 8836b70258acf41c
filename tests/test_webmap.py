"""planning.webmap without a browser: encoding, escaping, layers, offline output, basemaps.

The browser side (rendering, popups, hostile values, requests) is in test_webmap_browser.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from types import SimpleNamespace

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given, settings
from hypothesis import strategies as st

import planning
from planning import classes
from planning._errors import CRSError, GeometryError, InputError, UnknownCodeError
from planning.crs import wgs84_to_gcj02
from planning.webmap import (
    CompactLayer,
    OfflineError,
    Style,
    add_layer,
    basemap,
    meeting_map,
    remaining_addresses,
    render_html,
    save_map,
)
from planning.webmap._compact import (
    ALPHABET,
    QUANTUM_DEG,
    decode,
    decode_numbers,
    encode,
    encode_numbers,
)
from planning.webmap._elements import static_text
from planning.webmap._escape import html_text, script_json

DAY = "2011-12-17"
VENDOR = Path(planning.__file__).parent / "webmap" / "vendor"
HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>",
           "`${alert(1)}`", "D:\\项目\\台账.xlsx", "{{ 7*7 }}", "{% raw %}", "{# x #}",
           "\u2028\u2029", "'\"&"]


def layers_of(m: folium.Map) -> dict[str, CompactLayer]:
    return {layer.key: layer for layer in m._children.values()
            if isinstance(layer, CompactLayer)}


def payload(layer: CompactLayer) -> dict:
    return json.loads(layer.payload)


def column(data: dict, key: str) -> list:
    col = data["columns"][key]
    if isinstance(col, dict):
        return [None if i < 0 else col["dict"][i] for i in col["idx"]]
    return col


# --- compact encoding ---------------------------------------------------------------------

def test_alphabet_needs_no_escaping_anywhere():
    assert len(set(ALPHABET)) == len(ALPHABET) == 85
    assert not set(ALPHABET) & set("\"\\<>&'`{ \n")
    assert script_json(ALPHABET) == f'"{ALPHABET}"'


@given(st.lists(st.integers(min_value=0, max_value=2**40), max_size=300))
def test_numbers_round_trip(values):
    assert decode_numbers(encode_numbers(values)) == values


def test_small_differences_take_one_character():
    assert len(encode_numbers(list(range(63)))) == 63
    assert len(encode_numbers([63, 1385])) == 4


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-0.05, 0.05), st.floats(-0.05, 0.05)), min_size=3,
                max_size=30))
def test_geometries_round_trip_within_half_a_grid_step(points):
    lon = 115.85 + np.array([p[0] for p in points])
    lat = 35.99 + np.array([p[1] for p in points])
    line = shapely.LineString(np.column_stack([lon, lat]))
    hull = shapely.convex_hull(line)
    geoms = [line, hull, shapely.MultiPoint(np.column_stack([lon, lat]))]
    back = decode(encode(geoms))
    for original, decoded in zip(geoms, back, strict=True):
        if original.is_empty or original.geom_type not in ("Polygon", "LineString",
                                                           "MultiPoint"):
            continue
        assert shapely.hausdorff_distance(original, decoded) <= QUANTUM_DEG * 0.71


def test_every_geometry_kind_and_empty_ones_are_kept():
    poly = shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 1)],
                           [[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]])
    geoms = [poly, shapely.MultiPolygon([shapely.box(2, 2, 3, 3), shapely.box(4, 4, 5, 5)]),
             shapely.LineString([(0, 0), (1, 1)]), shapely.MultiLineString([[(0, 0), (1, 0)],
                                                                          [(2, 0), (3, 1)]]),
             shapely.Point(1, 2), shapely.MultiPoint([(1, 1), (2, 2)]), None,
             shapely.Polygon()]
    geoms = [shapely.affinity.translate(g, 115, 35) if g is not None else None for g in geoms]
    enc = encode(geoms)
    assert enc.counts == {"features": 8, "parts": 9, "rings": 10, "vertices": 25}
    back = decode(enc)
    assert back[6] is None
    assert back[7] is None
    for original, decoded in zip(geoms[:6], back[:6], strict=True):
        assert decoded.geom_type == original.geom_type
        assert shapely.equals_exact(original.normalize(), decoded.normalize(), 1e-5)


def test_collections_are_refused_with_the_row():
    collection = shapely.GeometryCollection([shapely.Point(115, 35)])
    with pytest.raises(GeometryError, match=r"row 1.*explode"):
        encode([shapely.Point(115, 35), collection], source="layer x")


def test_a_coverage_stays_a_coverage():
    cells = [shapely.box(115.8 + i * 0.001, 35.9 + j * 0.001, 115.801 + i * 0.001,
                         35.901 + j * 0.001) for i in range(20) for j in range(20)]
    # irregular shared edges: bend every vertical edge by the same function of its position
    bent = [shapely.segmentize(c, 0.0002) for c in cells]
    wiggle = lambda xy: xy + np.column_stack(  # noqa: E731
        [np.sin(xy[:, 1] * 9001.0) * 3.3e-5, np.cos(xy[:, 0] * 7001.0) * 2.7e-5])
    bent = [shapely.transform(c, wiggle) for c in bent]
    back = np.array(decode(encode(bent)), dtype=object)
    union = shapely.union_all(back)
    assert shapely.get_num_interior_rings(union) == 0  # no gap between neighbours
    total = shapely.area(back).sum()
    assert total == pytest.approx(union.area, rel=1e-9)  # and no overlap
    assert union.area == pytest.approx(shapely.union_all(bent).area, rel=1e-4)


def test_large_layers_are_compact():
    rng = np.random.default_rng(3)
    x = 395_000 + rng.uniform(0, 20_000, 2_000)
    y = 3_975_000 + rng.uniform(0, 20_000, 2_000)
    circles = shapely.buffer(shapely.points(x, y), 40, quad_segs=10)  # 41 vertices each
    frame = gpd.GeoDataFrame(geometry=circles, crs="EPSG:4548")
    enc = encode(frame.to_crs(4326).geometry.to_numpy())
    assert enc.counts["vertices"] == 2_000 * 40
    assert len(enc.text) / enc.counts["vertices"] < 3.0  # characters per vertex


# --- escaping ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE)
def test_script_json_round_trips_and_cannot_close_a_script(value):
    text = script_json({"v": value, "list": [value, 1.5, None]})
    assert json.loads(text) == {"v": value, "list": [value, 1.5, None]}
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert not re.search(r"\{[{%#]", text)
    assert "\u2028" not in text
    assert "\u2029" not in text


@pytest.mark.parametrize("value", HOSTILE)
def test_html_text_has_no_markup_and_no_template_syntax(value):
    text = html_text(value)
    assert "<" not in text
    assert ">" not in text
    assert "{" not in text
    assert '"' not in text
    import html

    assert html.unescape(text) == value


def test_own_script_and_styles_have_no_template_syntax_and_no_addresses():
    for name in ("planning-map.js", "planning-map.css"):
        text = static_text(name)
        assert not re.search(r"\{[{%#]", text), name
        assert "http" not in text, name


def test_plain_folium_evaluates_template_syntax_in_values_ours_does_not():
    # why every value is escaped for Jinja too: folium renders element output as a template
    m = folium.Map(tiles=None)
    folium.Marker([36, 115.9], tooltip="X{{ 7*7 }}X").add_to(m)
    assert "X49X" in m.get_root().render()
    ws = {"townships": gpd.GeoDataFrame(
        {"name_zh": ["Y{{ 7*7 }}Y"], "code": ["{% if 1 %}Z{% endif %}"]},
        geometry=[shapely.box(395_000, 3_985_000, 396_000, 3_986_000)], crs="EPSG:4548")}
    html = render_html(meeting_map(ws, title="T{{ 6*7 }}T"))
    assert "Y49Y" not in html
    assert "T42T" not in html
    assert ">Z<" not in html
    assert "T&#123;&#123; 6*7 &#125;&#125;T" in html


# --- the sample meeting map ------------------------------------------------------------------

@pytest.fixture(scope="module")
def report(sample_ro):
    return planning.check_conformity(sample_ro)


def test_sample_map_has_every_layer_with_every_feature(sample_ro, report):
    m = meeting_map(sample_ro, report, on=DAY)
    layers = layers_of(m)
    for key in ("townships", "projects", "urban_plan", "landuse_plan", "control_zones",
                "control_lines", "builtup_area", "roads", "sanitation_zones", "county"):
        assert layers[key].feature_count == len(sample_ro[key]), key
    assert layers["sanitation_scores"].feature_count == len(sample_ro["sanitation_zones"])
    coded = report.discrepancies[report.discrepancies["code"].notna()]
    assert layers["discrepancies"].feature_count == len(coded)
    classes = column(payload(layers["discrepancies"]), "_class")
    assert classes.count("水库水面(非冲突) reservoir water, not a conflict") == int(
        (coded["kind"] == "reservoir_water").sum())
    assert classes.count("细小图斑 sliver") == int(coded["sliver"].sum())
    coverage = planning.sanitation.check_coverage(sample_ro["sanitation_zones"],
                                                  sample_ro["builtup_area"])
    assert layers["sanitation_coverage"].feature_count == len(coverage.gaps) + len(
        coverage.overlaps)
    names = [layer.layer_name for layer in layers.values()]
    assert "乡镇 Townships" in names
    assert "重点项目 Key projects" in names
    towns = payload(layers["townships"])
    assert sorted(towns["labels"]["text"]) == sorted(sample_ro["townships"]["name_zh"])


def test_sample_map_without_a_report_and_with_a_layer_subset(sample_ro):
    m = meeting_map(sample_ro, layers=["projects", "townships"], on=DAY)
    assert sorted(layers_of(m)) == ["projects", "townships"]
    verdicts = column(payload(layers_of(m)["projects"]), "_verdict")
    assert set(verdicts) == {"未审查 not checked"}
    with pytest.raises(InputError, match=r"Unknown map layer.*'parks'.*choose from"):
        meeting_map(sample_ro, layers=["parks"])


def test_project_status_and_next_node_follow_the_ledger_on_the_day(sample_ro):
    ids = sample_ro["projects"]["project_id"].tolist()
    for day in ("2011-06-01", DAY, "2013-12-31"):
        snap = sample_ro.ledger.snapshot(on=day).set_index("project_id").reindex(ids)
        data = payload(layers_of(meeting_map(sample_ro, layers=["projects"],
                                              on=day))["projects"])
        statuses = column(data, "_status")
        expected = [planning.webmap._styles.STATUS.get(s, ("状态不明",))[0]
                    for s in snap["status"]]
        assert statuses == expected, day
        nexts = column(data, "_next")
        for text, node in zip(nexts, snap["next_node"], strict=True):
            assert (node in text) if isinstance(node, str) else text is None
        overdue = column(data, "_overdue")
        assert sum(v is not None for v in overdue) == int((snap["overdue_nodes"] > 0).sum())


def test_projects_are_classed_by_status_verdict_and_overdue(sample_ro, report):
    data = payload(layers_of(meeting_map(sample_ro, report, layers=["projects"],
                                          on=DAY))["projects"])
    styles = [data["styles"][c] for c in data["cls"]]
    verdicts = report.projects.set_index("project_id").reindex(
        sample_ro["projects"]["project_id"])
    overdue = sample_ro.ledger.snapshot(on=DAY).set_index("project_id").reindex(
        sample_ro["projects"]["project_id"])["overdue_nodes"] > 0
    outline = {"conflict": ("#d50000", 4.0), "conditional": ("#f9a825", 4.0),
               "conforms": ("#1b5e20", 1.5)}
    for style, verdict, late in zip(styles, verdicts["verdict"], overdue, strict=True):
        colour, width = outline[verdict]
        if late and verdict == "conforms":
            colour, width = "#aa00ff", 3.0
        assert (style["color"], style["weight"]) == (colour, width)
        assert (style["dash"] is not None) == bool(late)
    reasons = column(data, "_reasons")
    first = verdicts["reasons_zh"].iloc[0].split("；")
    # one reason a line, plan keys by their Chinese names (never fyp12 in a popup)
    assert reasons[0].split("\n") == [r.replace("fyp12", "十二五规划") for r in first]
    assert "fyp12" not in "".join(reasons)


def test_inputs_are_not_changed(sample):
    before = {k: sample[k].copy() for k in sample.layers}
    report = planning.check_conformity(sample)
    disc, projects = report.discrepancies.copy(), report.projects.copy()
    meeting_map(sample, report, on=DAY)
    for key, frame in before.items():
        assert_geodataframe_equal(sample[key], frame)
    assert_geodataframe_equal(report.discrepancies, disc)
    assert_geodataframe_equal(report.projects, projects)


def test_partial_workspaces_still_map(sample_ro):
    projects = sample_ro["projects"]
    data = payload(layers_of(meeting_map({"projects": projects}, on=DAY))["projects"])
    expected = [planning.webmap._styles.STATUS[s][0] for s in projects["status"]]
    assert column(data, "_status") == expected  # recorded status, no ledger to ask
    assert set(column(data, "_next")) == {None}
    empty = render_html(meeting_map({}))
    assert "PlanningMap.setup" in empty
    assert "PlanningMap.compactLayer" not in empty


def test_bad_inputs_get_clear_errors(sample_ro):
    with pytest.raises(TypeError, match=r"planning\.Workspace"):
        meeting_map(sample_ro["townships"])
    with pytest.raises(InputError, match="on='next tuesday' is not a date"):
        meeting_map(sample_ro, on="next tuesday")
    with pytest.raises(TypeError, match=r"report must be a planning\.ConformityReport"):
        meeting_map(sample_ro, sample_ro["projects"])  # type: ignore[arg-type]
    towns = sample_ro["townships"].set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match=r"townships.*no CRS"):
        meeting_map({"townships": towns})
    with pytest.raises(InputError, match="Unknown basemap 'google'"):
        meeting_map(sample_ro, basemap="google")


# --- plan classes: names and colours from planning.classes ---------------------------------

PLANS = [("urban_plan", "class_code", "gb50137"), ("landuse_plan", "class_code", "tdt1024"),
         ("control_zones", "zone_code", "control_zones")]


def fills_and_labels(m: folium.Map, key: str) -> tuple[list[str], list[str], list[tuple]]:
    """Per feature: the fill drawn and the class shown; and the legend rows (label, fill)."""
    data = payload(layers_of(m)[key])
    fills = [data["styles"][c]["fill"] for c in data["cls"]]
    labels = column(data, "_zone" if key == "control_zones" else "_class")
    section = next(rows for name, rows, _ in m.legend_sections
                   if name == planning.webmap._meeting.LAYERS[key])
    return fills, labels, [(row.label, row.style.fill) for row in section]


@pytest.mark.parametrize(("key", "code_column", "classification"), PLANS)
def test_plan_legends_and_fills_are_those_of_the_classification_table(
        sample_ro, key, code_column, classification):
    fills, labels, legend = fills_and_labels(meeting_map(sample_ro, layers=[key], on=DAY), key)
    expected = classes.styles(sample_ro[key][code_column], classification)
    assert expected["code"].notna().all()  # the sample's codes are all in the tables
    assert fills == expected["colour"].tolist()
    assert labels == expected["label"].tolist()
    order = classes.table(classification)["code"].tolist()
    rows = expected.drop_duplicates("code").assign(
        at=lambda f: f["code"].map(order.index)).sort_values("at")
    assert legend == list(zip(rows["label"], rows["colour"], strict=True))


def test_urban_plan_legend_of_the_sample_reads_as_the_standard(sample_ro):
    _, _, legend = fills_and_labels(meeting_map(sample_ro, layers=["urban_plan"]), "urban_plan")
    shown = dict(legend)
    assert shown["R2 二类居住用地 residential class 2"] == "#ffff4d"  # residential yellow
    assert shown["M1 一类工业用地 industrial class 1"] == "#a0785a"  # industrial brown
    assert shown["E12 水库 reservoir"] == "#99ddff"  # water, from E1
    assert "其他代码 other codes" not in shown


def test_a_custom_table_changes_the_map_and_the_check_alike(sample_ro):
    custom = classes.table("gb50137")
    custom.loc[custom["code"] == "R", "colour"] = "#123456"
    custom.loc[custom["code"] == "R2", "name_zh"] = "二类居住用地（省标）"
    fills, labels, legend = fills_and_labels(
        meeting_map(sample_ro, layers=["urban_plan"], urban_classification=custom),
        "urban_plan")
    r2 = (sample_ro["urban_plan"]["class_code"] == "R2").to_numpy()
    assert {f for f, is_r2 in zip(fills, r2, strict=True) if is_r2} == {"#123456"}
    assert {lab for lab, is_r2 in zip(labels, r2, strict=True) if is_r2} == {
        "R2 二类居住用地（省标） residential class 2"}
    assert ("R2 二类居住用地（省标） residential class 2", "#123456") in legend
    patches = planning.conformity.discrepancies(sample_ro["urban_plan"],
                                                sample_ro["landuse_plan"],
                                                urban_classification=custom)
    names = patches.loc[patches["urban_class"] == "R2", "urban_class_name"]
    assert len(names) > 0
    assert set(names) == {"二类居住用地（省标）"}
    # a table without colours still maps: a palette colour per first-level class
    plain = classes.table("gb50137").drop(columns="colour")
    fills, _, _ = fills_and_labels(
        meeting_map(sample_ro, layers=["urban_plan"], urban_classification=plain),
        "urban_plan")
    assert fills == classes.colours(plain).reindex(
        classes.match_codes(sample_ro["urban_plan"]["class_code"], plain)).tolist()
    assert set(fills) <= set(planning._core.colours.PALETTE)


@pytest.mark.parametrize("classification", ["gb50137", "tdt1024"])
def test_other_codes_on_the_map_exactly_where_the_check_refuses_them(squares, classification):
    codes = ["R2", "M4", "M4x", "ROAD", "R23", "2261", "22a", "226", "", None]
    layer = squares.iloc[[i % len(squares) for i in range(len(codes))]].reset_index(drop=True)
    layer["class_code"] = codes
    key = "urban_plan" if classification == "gb50137" else "landuse_plan"
    options = {"urban_classification" if key == "urban_plan" else "land_classification":
               classification}
    fills, labels, legend = fills_and_labels(meeting_map({key: layer}, **options), key)
    for code, fill, label in zip(codes, fills, labels, strict=True):
        try:
            classes.match_codes([code], classification)
        except UnknownCodeError:
            refused = True
        else:
            refused = False
        assert (fill == "#cccccc") == refused, code
        assert ((label or "") == (code or "")) == refused, code  # the code as written
    assert legend[-1] == ("其他代码 other codes", "#cccccc")


# --- saving, offline ---------------------------------------------------------------------

def test_offline_file_has_no_web_address_and_inlines_leaflet(sample_ro, report, tmp_path):
    out = save_map(meeting_map(sample_ro, report, on=DAY),
                   tmp_path / "m.html")
    html = out.read_text(encoding="utf-8")
    assert re.findall(r"https?://", html, flags=re.IGNORECASE) == []
    assert "<script src=" not in html
    assert 'rel="stylesheet"' not in html
    assert "leaflet/leaflet.js (vendored)" in html
    assert "L.Canvas.extend" in html
    assert "data:image/png;base64," in html  # Leaflet's images inlined
    assert len(html.encode()) < 2_000_000


def test_online_file_links_the_pinned_cdn_versions(sample_ro, tmp_path):
    html = save_map(meeting_map(sample_ro, layers=["townships"]), tmp_path / "m.html",
                    offline=False).read_text(encoding="utf-8")
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js">' in html
    versions = {p["name"]: p["version"] for p in
                json.loads((VENDOR / "VERSIONS.json").read_text())["packages"]}
    assert f"leaflet.fullscreen@{versions['leaflet.fullscreen']}" in html


@pytest.mark.parametrize(("name", "hosts"), [
    ("osm", {"tile.openstreetmap.org"}), ("gaode", {"webrd0{s}.is.autonavi.com"}),
    ("tianditu-img", {"t{s}.tianditu.gov.cn"})])
def test_only_the_chosen_tiles_stay_in_an_offline_file(sample_ro, tmp_path, monkeypatch, name,
                                                       hosts):
    monkeypatch.setenv("TIANDITU_KEY", "0123456789abcdef0123456789abcdef")
    html = save_map(meeting_map(sample_ro, layers=["townships"], basemap=name),
                    tmp_path / "m.html").read_text(encoding="utf-8")
    found = {m.group(1) for m in re.finditer(r"https://([^/\"\\]+)", html)}
    assert found == hosts
    assert remaining_addresses(html, allowed=[t.url for t in basemap(name).tiles]) == []


def test_any_folium_map_saves_offline_with_its_default_assets(tmp_path, caplog):
    m = folium.Map(location=[36, 115.9], tiles=None)
    folium.Marker([36, 115.9], icon=folium.Icon(icon="home", prefix="fa")).add_to(m)
    html = save_map(m, tmp_path / "m.html").read_text(encoding="utf-8")
    assert re.findall(r"https?://", html) == []
    for path in ("jquery/jquery.min.js", "bootstrap/css/bootstrap.min.css",
                 "fortawesome-fontawesome-free/css/all.min.css",
                 "leaflet.awesome-markers/leaflet.awesome-markers.js"):
        assert f"{path} (vendored)" in html
    assert "data:font/woff2;base64," in html
    assert ".ttf" not in html
    assert "left out offline: bootstrap-glyphicons.css" in html
    assert "bootstrap-glyphicons.css left out" in caplog.text  # reported, not silent


def test_a_map_needing_unvendored_assets_is_refused_not_broken(tmp_path):
    from folium.plugins import MarkerCluster

    m = folium.Map(tiles=None)
    MarkerCluster().add_to(m)
    target = tmp_path / "m.html"
    target.write_text("previous", encoding="utf-8")
    with pytest.raises(OfflineError, match="offline=False") as err:
        save_map(m, target)
    urls = {p.value for p in err.value.problems}
    assert urls
    assert all("markercluster" in u for u in urls)
    assert target.read_text(encoding="utf-8") == "previous"  # nothing half-written
    assert save_map(m, target, offline=False).read_text(encoding="utf-8").startswith("<!DOCTYPE")


def test_user_links_left_in_an_offline_map_are_reported(sample_ro, tmp_path):
    m = meeting_map(sample_ro, layers=["townships"])
    folium.Marker([36, 115.9], popup="<a href='https://example.org/x'>x</a>").add_to(m)
    with pytest.raises(OfflineError, match="self-contained") as err:
        save_map(m, tmp_path / "m.html")
    assert [p.value for p in err.value.problems] == ["https://example.org/x"]


def test_notebook_display_is_the_offline_page(sample_ro):
    shown = meeting_map(sample_ro, layers=["townships"])._repr_html_()
    assert shown.startswith("<div")
    assert "<iframe srcdoc=" in shown
    assert re.findall(r"https?://", shown) == []
    assert "leaflet/leaflet.js (vendored)" in shown


def test_save_map_wants_an_html_name(sample_ro, tmp_path):
    with pytest.raises(InputError, match=r"\.html"):
        save_map(meeting_map(sample_ro, layers=["townships"]), tmp_path / "m.png")


def test_vendored_files_match_their_recorded_hashes_and_licences():
    packages = json.loads((VENDOR / "VERSIONS.json").read_text())["packages"]
    script = (Path(planning.__file__).parent.parent / "scripts" /
              "vendor_webmap_assets.sh").read_text()
    assert {p["name"] for p in packages} >= {"leaflet", "leaflet.fullscreen"}
    for pkg in packages:
        assert f'"{pkg["name"]} {pkg["version"]} ' in script  # pinned in the script
        assert (VENDOR / pkg["license_file"]).read_text().strip()
        assert pkg["tarball_sha512"].startswith("sha512-")
        assert pkg["license"]
        for path, info in pkg["files"].items():
            digest = hashlib.sha256((VENDOR / path).read_bytes()).hexdigest()
            assert digest == info["sha256"], path


# --- basemaps and GCJ-02 -------------------------------------------------------------------

def test_gcj02_reference_points():
    # published pair: WGS84 39.90105 N 116.42079 E -> GCJ-02 39.90245 N 116.42703 E
    lon, lat = wgs84_to_gcj02([116.42079], [39.90105])
    assert lon[0] == pytest.approx(116.42703, abs=2e-5)
    assert lat[0] == pytest.approx(39.90245, abs=2e-5)
    lon, lat = wgs84_to_gcj02([-0.1276, 115.85], [51.5072, 35.99])  # London: no shift
    assert (lon[0], lat[0]) == (-0.1276, 51.5072)
    assert 300 < abs(lon[1] - 115.85) * 90_000 + abs(lat[1] - 35.99) * 111_000 < 1000


def test_gaode_basemap_shifts_every_layer_to_gcj02(sample_ro):
    plain = payload(layers_of(meeting_map(sample_ro, layers=["townships"]))["townships"])
    shifted = payload(layers_of(meeting_map(sample_ro, layers=["townships"],
                                            basemap="gaode"))["townships"])
    a = list(plain["anchors"])
    b = list(shifted["anchors"])
    lon, lat = wgs84_to_gcj02([p[0] for p in a], [p[1] for p in a])
    np.testing.assert_allclose(np.array(b)[:, 0], lon, atol=1e-6)
    np.testing.assert_allclose(np.array(b)[:, 1], lat, atol=1e-6)
    g0 = decode(SimpleNamespace(**_enc(plain)))
    g1 = decode(SimpleNamespace(**_enc(shifted)))
    dx = shapely.get_coordinates(g1[0])[0] - shapely.get_coordinates(g0[0])[0]
    assert 0.004 < abs(dx[0]) < 0.007  # about 500 m east at Taiqian


def _enc(data: dict) -> dict:
    g = data["geom"]
    return {"text": g["text"], "origin": tuple(g["origin"]), "quantum_deg": g["q"],
            "counts": g["counts"]}


def test_tianditu_key_comes_from_argument_or_environment(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(InputError, match="TIANDITU_KEY"):
        basemap("tianditu")
    monkeypatch.setenv("TIANDITU_KEY", "abcdef0123456789abcdef0123456789")
    assert basemap("tianditu").tile_urls()[0].endswith("tk=abcdef0123456789abcdef0123456789")
    assert "tk=fedcba9876543210" in basemap("tianditu-img", key="fedcba9876543210").tiles[1].url
    with pytest.raises(InputError, match="letters or digits"):
        basemap("tianditu", key="abc'&<script>")
    assert len(basemap("tianditu").tiles) == 2  # with the annotation layer


# --- add_layer and styles ------------------------------------------------------------------

def test_add_layer_classes_styles_and_popup(squares):
    m = folium.Map(tiles=None)
    layer = add_layer(m, squares, name="Zones", by="class_code",
                      styles={"R2": Style(fill="#ffff00")}, popup={"zone_id": "编号"},
                      tooltip="zone_id")
    data = payload(layer)
    assert next(data["styles"][c]["fill"] for c in data["cls"]) == "#ffff00"
    assert len({data["styles"][c]["fill"] for c in data["cls"]}) == 4
    assert data["fields"] == [["zone_id", "编号"]]
    assert column(data, "zone_id") == ["a", "b", "c", "d"]
    with pytest.raises(InputError, match="'nope'"):
        add_layer(m, squares, name="x", by="nope")
    with pytest.raises(InputError, match="missing"):
        add_layer(m, squares, name="x", tooltip="nope")
    with pytest.raises(CRSError, match="no CRS"):
        add_layer(m, squares.set_crs(None, allow_override=True), name="x")


def test_style_accepts_only_hex_colours():
    with pytest.raises(ValueError, match="#rrggbb"):
        Style(fill="red;background:url(x)")
    with pytest.raises(ValueError, match="non-negative"):
        Style(weight=-1)
