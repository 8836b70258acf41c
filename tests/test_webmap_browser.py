"""Meeting maps in headless Chromium (Debian's, via Playwright), with the network blocked.

What the browser shows is checked against the workspace: every layer draws its features,
the layer control lists the layers, popups hold the right Chinese text, labels render as
glyphs (not boxes), hostile values run nothing, and an offline map makes no request.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _browser
import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

import planning
from planning.webmap import add_layer, meeting_map, save_map
from planning.webmap._compact import decode, encode

pytestmark = pytest.mark.browser

MEETING_DAY = "2011-12-17"
HOSTILE = [
    "<img src=x onerror=\"window.__pwned=1;alert(1)\">",
    "</script><script>window.__pwned=2;alert(2)</script>",
    "`${window.__pwned=3}` ${alert(3)}",
    "D:\\项目\\台账.xlsx",
    "{{ 7*7 }} {% if 1 %}jinja{% endif %} {# c #}",
    "\"quoted\" 'single' & ampersand",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[_browser.Browser]:
    with _browser.launch() as b:
        yield b


@pytest.fixture(autouse=True)
def _clean(browser: _browser.Browser) -> None:
    browser.reset()


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, Any]:
    ws = planning.load_sample()
    report = planning.check_conformity(ws)
    m = meeting_map(ws, report, on=MEETING_DAY)
    path = save_map(m, tmp_path_factory.mktemp("maps") / "meeting.html")
    return path, ws, report


def open_map(page: Any, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_function("window.__planningMaps && window.__planningMaps.length > 0",
                           timeout=30_000)


LAYER_INFO = """() => PlanningMap.instances.map(l => ({
    key: l.data.key, name: l.data.name, n: l.featureCount(), on: !!l._map,
    drawn: l.lastDraw ? l.lastDraw.features : null}))"""


def enable_all_layers(page: Any) -> None:
    """Tick every layer in the layer control (as a user does)."""
    page.hover(".leaflet-control-layers")
    boxes = page.locator(".leaflet-control-layers-overlays input[type=checkbox]")
    for i in range(boxes.count()):
        if not boxes.nth(i).is_checked():
            boxes.nth(i).check()
    page.mouse.move(5, 400)


def test_every_layer_draws_its_features_and_is_listed(browser, sample_file):
    path, ws, report = sample_file
    with browser.page() as page:
        open_map(page, path)
        labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        enable_all_layers(page)
        page.evaluate("() => window.__planningMaps[0].fitBounds("
                      "window.__planningMaps[0].getBounds())")
        info = {d["key"]: d for d in page.evaluate(LAYER_INFO)}
    expected = {"townships": len(ws["townships"]), "projects": len(ws["projects"]),
                "urban_plan": len(ws["urban_plan"]), "landuse_plan": len(ws["landuse_plan"]),
                "control_zones": len(ws["control_zones"]),
                "control_lines": len(ws["control_lines"]), "roads": len(ws["roads"]),
                "builtup_area": 1, "county": 1, "sanitation_zones": len(ws["sanitation_zones"]),
                "sanitation_scores": len(ws["sanitation_zones"]),
                "discrepancies": int(report.discrepancies["code"].notna().sum())}
    for key, n in expected.items():
        assert info[key]["n"] == n, key
        assert info[key]["on"], key
        assert info[key]["drawn"] > 0, f"layer {key} drew nothing"
    assert info["sanitation_coverage"]["drawn"] >= 1
    names = [label.strip() for label in labels]
    assert names == [d["name"] for d in info.values()] or set(names) == {
        d["name"] for d in info.values()}
    assert "乡镇 Townships" in names
    assert "重点项目 Key projects" in names
    assert browser.blocked == []
    assert browser.errors == []
    assert browser.dialogs == []


CJK_CHECK = """() => {
    const labels = [...document.querySelectorAll('.pm-label')].filter(e => e.offsetParent);
    const ink = (ch) => {
        const c = document.createElement('canvas'); c.width = 64; c.height = 64;
        const ctx = c.getContext('2d'); ctx.font = '48px ' + getComputedStyle(labels[0])
            .fontFamily; ctx.fillText(ch, 4, 52);
        return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((v, i) => i % 4 == 3));
    };
    const same = (a, b) => a.every((v, i) => v === b[i]);
    const tofu = String.fromCodePoint(0x10FFFD);  // no font has it: drawn as a box
    return {
        texts: labels.map(e => e.textContent),
        widths: labels.map(e => e.getBoundingClientRect().width),
        cityIsTofu: same(ink('城'), ink(tofu)),
        cityEqualsGuan: same(ink('城'), ink('关')),
        inked: ink('城').filter(v => v > 0).length,
    };
}"""


def test_chinese_labels_render_as_glyphs_and_screenshot(browser, sample_file, tmp_path):
    path, ws, _ = sample_file
    with browser.page(width=1400, height=900) as page:
        open_map(page, path)
        result = page.evaluate(CJK_CHECK)
        enable_all_layers(page)
        shot = tmp_path / "meeting_map.png"
        page.screenshot(path=str(shot))
        drawn = {d["key"]: d["drawn"] for d in page.evaluate(LAYER_INFO)}
    assert sorted(result["texts"]) == sorted(ws["townships"]["name_zh"])
    assert all(w > 20 for w in result["widths"])
    assert not result["cityIsTofu"], "Chinese renders as empty boxes: install a CJK font"
    assert not result["cityEqualsGuan"], "different characters render the same (tofu boxes)"
    assert result["inked"] > 100
    assert all(n > 0 for n in drawn.values()), drawn
    from PIL import Image

    image = np.asarray(Image.open(shot).convert("RGB"))
    colours = len(np.unique(image.reshape(-1, 3), axis=0))
    assert image.shape[:2] == (900, 1400)
    assert colours > 200
    target = os.environ.get("PLANNING_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / "meeting_map.png")
    assert browser.blocked == []
    assert browser.errors == []


def click_feature(page: Any, key: str, index: int, zoom: int = 15) -> str:
    """Centre the map on a feature's anchor, click it, return the popup text."""
    point = page.evaluate(f"""() => {{
        const map = window.__planningMaps[0];
        map.closePopup();
        const layer = PlanningMap.instances.find(l => l.data.key === {key!r});
        if (!map.hasLayer(layer)) {{ map.addLayer(layer); }}
        map.setView(layer.featureAnchor({index}), {zoom}, {{animate: false}});
        const p = map.latLngToContainerPoint(layer.featureAnchor({index}));
        const box = map.getContainer().getBoundingClientRect();
        return [p.x + box.left, p.y + box.top];
    }}""")
    page.wait_for_selector(".leaflet-popup", state="detached")  # the last one faded out
    page.mouse.click(point[0], point[1])
    page.wait_for_selector(".leaflet-popup-content", timeout=20_000)
    return str(page.inner_text(".leaflet-popup-content"))


def test_project_popup_shows_the_ledger_row_in_chinese(browser, sample_file):
    path, ws, report = sample_file
    snap = ws.ledger.snapshot(on=MEETING_DAY).set_index("project_id")
    projects = ws["projects"]
    polygons = np.flatnonzero(projects.geom_type.to_numpy() == "Polygon")
    with browser.page() as page:
        open_map(page, path)
        for i in polygons[:3]:
            row = projects.iloc[i]
            text = click_feature(page, "projects", int(i), zoom=16)
            assert row["name_zh"] in text
            assert row["category_zh"] in text
            assert row["lead_department"] in text
            state = snap.loc[row["project_id"]]
            if isinstance(state["next_node"], str):
                assert state["next_node"] in text
            verdict = report.projects.set_index("project_id").loc[row["project_id"]]
            words = {"conforms": "符合", "conditional": "有条件", "conflict": "冲突"}
            assert words[verdict["verdict"]] in text
            first = verdict["reasons_zh"].split("；")[0]
            if first.startswith("符合"):  # conforming items are folded under a count
                assert "符合项" in text
            else:
                assert first in text
    assert browser.blocked == []
    assert browser.errors == []


def test_search_finds_a_project_and_opens_its_popup(browser, sample_file):
    path, _, _ = sample_file
    with browser.page() as page:
        open_map(page, path)
        page.fill(".pm-search-input", "西环")
        page.wait_for_selector(".pm-search-item")
        items = page.locator(".pm-search-item").all_inner_texts()
        assert items == ["县城西环路"]
        page.click(".pm-search-item")
        page.wait_for_selector(".leaflet-popup-content")
        page.wait_for_timeout(300)  # still open after the click has gone through
        assert "县城西环路" in page.inner_text(".leaflet-popup-content")
        assert page.locator(".pm-search-item").count() == 0
        page.fill(".pm-search-input", "没有这个项目")
        assert "无结果" in page.inner_text(".pm-search-results")
    assert browser.errors == []


def test_measuring_tool_gives_distance_and_area_in_mu(browser, sample_file):
    path, _, _ = sample_file
    with browser.page() as page:
        open_map(page, path)
        page.evaluate("() => window.__planningMaps[0].setView([35.97, 115.87], 15, "
                      "{animate: false})")
        page.click(".pm-measure-button")
        box = page.evaluate("() => { const b = window.__planningMaps[0].getContainer()"
                            ".getBoundingClientRect(); return [b.left, b.top]; }")
        pixels = [[500, 500], [800, 500], [800, 700]]
        for x, y in pixels:
            page.mouse.click(box[0] + x, box[1] + y)
        text = page.inner_text(".pm-measure-out")
        latlngs = page.evaluate(f"""() => {pixels}.map(p => {{
            const ll = window.__planningMaps[0].containerPointToLatLng(p);
            return [ll.lat, ll.lng]; }})""")
        popups = page.locator(".leaflet-popup-content").count()
    geod = pyproj.Geod(ellps="WGS84")
    lats, lons = [p[0] for p in latlngs], [p[1] for p in latlngs]
    length = geod.line_length(lons, lats)
    area = abs(geod.polygon_area_perimeter(lons, lats)[0])
    km = float(text.split("距离 Distance: ")[1].split(" km")[0])
    mu = float(text.split("= ")[1].split(" 亩")[0])
    assert math.isclose(km * 1000, length, rel_tol=0.01)
    assert math.isclose(mu, area / (10000 / 15), rel_tol=0.01)
    assert popups == 0  # measuring clicks open no feature popup


def hostile_workspace() -> planning.Workspace:
    ws = planning.load_sample()
    projects = ws["projects"].copy()
    towns = ws["townships"].copy()
    zones = ws["sanitation_zones"].copy()
    for i, value in enumerate(HOSTILE):
        projects.loc[projects.index[i], "name_zh"] = value
        projects.loc[projects.index[i], "lead_department"] = value
        towns.loc[towns.index[i], "name_zh"] = value
        zones.loc[zones.index[i], "department"] = value
        zones.loc[zones.index[i], "name_zh"] = value
    ws.add_layer("projects", projects)
    ws.add_layer("townships", towns)
    ws.add_layer("sanitation_zones", zones)
    return ws


def test_hostile_values_show_as_text_and_run_nothing(browser, tmp_path):
    ws = hostile_workspace()
    m = meeting_map(ws, planning.check_conformity(ws), on=MEETING_DAY,
                    title=" / ".join(HOSTILE))
    path = save_map(m, tmp_path / "hostile.html")
    with browser.page() as page:
        open_map(page, path)
        enable_all_layers(page)
        drawn = {d["key"]: d["drawn"] for d in page.evaluate(LAYER_INFO)}
        labels = page.evaluate("() => [...document.querySelectorAll('.pm-label')]"
                               ".map(e => e.textContent)")
        title = page.inner_text(".pm-title h1")
        legend = page.text_content(".pm-legend")
        popup = click_feature(page, "projects", 0, zoom=16)
        page.evaluate("() => window.__planningMaps[0].closePopup()")
        page.wait_for_selector(".leaflet-popup", state="detached")
        anchor = page.evaluate("""() => { const map = window.__planningMaps[0];
            const layer = PlanningMap.instances.find(l => l.data.key === 'projects');
            const p = map.latLngToContainerPoint(layer.featureAnchor(0));
            const b = map.getContainer().getBoundingClientRect();
            return [p.x + b.left, p.y + b.top]; }""")
        page.mouse.move(anchor[0] + 1, anchor[1])
        page.mouse.move(anchor[0], anchor[1])
        page.wait_for_selector(".pm-tooltip")
        tooltip = page.inner_text(".pm-tooltip")
        pwned = page.evaluate("() => window.__pwned || null")
        page_title = page.title()
    assert browser.dialogs == []
    assert pwned is None
    assert browser.errors == []
    for value in HOSTILE:
        assert value in labels
        assert value in title
        assert value in legend
    assert page_title == " / ".join(HOSTILE)
    assert HOSTILE[0] in popup
    assert tooltip.strip() == HOSTILE[0]
    assert "49" not in title  # the Jinja expression was not evaluated
    assert all(n > 0 for n in drawn.values())
    assert browser.blocked == []


@pytest.mark.parametrize(("name", "host"), [("osm", "https://tile.openstreetmap.org/"),
                                            ("gaode", "https://webrd0")])
def test_online_basemap_requests_only_its_tiles(browser, tmp_path, name, host):
    ws = planning.load_sample()
    m = meeting_map(ws, layers=["townships", "projects"], basemap=name, on=MEETING_DAY)
    path = save_map(m, tmp_path / f"{name}.html")
    with browser.page() as page:
        open_map(page, path)
        page.wait_for_timeout(300)
        drawn = {d["key"]: d["drawn"] for d in page.evaluate(LAYER_INFO)}
        attribution = page.inner_text(".leaflet-control-attribution")
    assert browser.blocked, "the tiles were requested"
    assert all(url.startswith(host) for url in browser.blocked), browser.blocked[:3]
    assert all(n > 0 for n in drawn.values())
    assert ("OpenStreetMap" if name == "osm" else "高德") in attribution


def test_browser_decoder_matches_the_python_decoder(browser, tmp_path):
    x, y = 395_000, 3_985_000
    polygon = shapely.Polygon([(x, y), (x + 300, y), (x + 300, y + 200), (x, y + 200)],
                              [[(x + 50, y + 50), (x + 100, y + 50), (x + 100, y + 100),
                                (x + 50, y + 100)]])
    geoms = [polygon, shapely.MultiPolygon([shapely.box(x + 400, y, x + 450, y + 50),
                                            shapely.box(x + 500, y, x + 560, y + 70)]),
             shapely.LineString([(x, y + 300), (x + 100, y + 350), (x + 250, y + 320)]),
             shapely.MultiPoint([(x + 10, y + 400), (x + 20, y + 420)]),
             shapely.Point(x + 600, y + 600), None]
    frame = gpd.GeoDataFrame({"id": list(range(6))}, geometry=geoms, crs="EPSG:4548")
    ll = frame.to_crs(4326)
    enc = encode(ll.geometry.to_numpy())
    m = planning.meeting_map({"townships": frame.assign(name_zh="x")}, layers=["townships"])
    path = save_map(m, tmp_path / "decode.html")
    with browser.page() as page:
        open_map(page, path)
        js = page.evaluate(f"""() => {{
            const g = PlanningMap.decodeGeometry({{text: {enc.text!r},
                origin: {list(enc.origin)}, q: {enc.quantum_deg}, counts: {enc.counts}}});
            return {{kind: Array.from(g.kind), xy: Array.from(g.xy),
                     rings: Array.from(g.ringVert)}};
        }}""")
    back = decode(enc)
    coords = []
    for geom in back:
        if geom is None:
            continue
        for part in getattr(geom, "geoms", [geom]):
            rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
            for ring in rings:
                xy = np.asarray(ring.coords)
                coords.append(xy[:-1] if part.geom_type == "Polygon" else xy)
    lonlat = np.concatenate(coords)
    px = 256 * (0.5 + lonlat[:, 0] / 360)
    py = 256 * (0.5 - np.log(np.tan(np.pi / 4 + np.radians(lonlat[:, 1]) / 2)) / (2 * np.pi))
    got = np.asarray(js["xy"]).reshape(-1, 2)
    assert js["kind"] == [2, 2, 1, 0, 0, -1]
    np.testing.assert_allclose(got[:, 0], px, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got[:, 1], py, rtol=0, atol=1e-9)


def test_add_layer_on_a_meeting_map_is_drawn_and_in_the_legend(browser, tmp_path):
    ws = planning.load_sample()
    m = meeting_map(ws, layers=["townships"], on=MEETING_DAY)
    grid = gpd.GeoDataFrame(
        {"cell": [f"C{i}" for i in range(400)], "band": ["甲", "乙"] * 200},
        geometry=[shapely.box(395_000 + 50 * (i % 20), 3_983_000 + 50 * (i // 20),
                              395_050 + 50 * (i % 20), 3_983_050 + 50 * (i // 20))
                  for i in range(400)], crs="EPSG:4548")
    add_layer(m, grid, name="单元网格 grid", by="band", tooltip="cell")
    path = save_map(m, tmp_path / "added.html")
    with browser.page() as page:
        open_map(page, path)
        page.evaluate("() => window.__planningMaps[0].setView([35.98, 115.85], 15, "
                      "{animate: false})")
        drawn = {d["key"]: d["drawn"] for d in page.evaluate(LAYER_INFO)}
        legend = page.text_content(".pm-legend")
    assert drawn["单元网格 grid"] == 400
    assert "单元网格 grid" in legend
    assert "甲" in legend
    assert "乙" in legend
    assert browser.errors == []


def test_plain_folium_map_with_icons_renders_offline(browser, tmp_path):
    import folium

    m = folium.Map(location=[35.99, 115.85], zoom_start=13, tiles=None)
    folium.Marker([35.99, 115.85], icon=folium.Icon(icon="home", prefix="fa", color="red"),
                  tooltip="县政府").add_to(m)
    folium.Marker([35.98, 115.86]).add_to(m)  # Leaflet's default icon
    path = save_map(m, tmp_path / "plain.html")
    with browser.page() as page:
        page.goto(path.as_uri())
        page.wait_for_selector(".awesome-marker")
        glyph = page.evaluate("""async () => {
            await document.fonts.ready;
            const i = document.querySelector('.awesome-marker i');
            await document.fonts.load('900 16px "Font Awesome 6 Free"', '\\uf015');
            return {font: getComputedStyle(i, '::before').fontFamily,
                    loaded: [...document.fonts].some(f => f.family.includes(
                        'Font Awesome 6 Free') && f.weight === '900' && f.status === 'loaded'),
                    width: i.getBoundingClientRect().width};
        }""")
        default_icon = page.evaluate(
            "() => document.querySelector('img.leaflet-marker-icon').naturalWidth")
    assert "Font Awesome" in glyph["font"]
    assert glyph["loaded"]
    assert glyph["width"] > 0
    assert default_icon > 0  # Leaflet's marker image came from the inlined CSS
    assert browser.blocked == []
    assert browser.errors == []
