"""The meeting map without rough edges, in headless Chromium (network blocked): search
results readable and clickable, the legend following the layer switches and folding away,
the key-project legend visible on common screens, a north arrow, labels that never overlap,
Chinese popups with the conforming items folded, and a print stylesheet (one landscape page).
"""

from __future__ import annotations

import itertools
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _browser
import pytest
from _pdf import need_poppler

import planning
from planning.webmap import meeting_map, save_map

pytestmark = pytest.mark.browser

MEETING_DAY = "2011-12-17"
PROJECTS = "重点项目 Key projects"
#: internal codes and English words that a Chinese popup must not show
CODES = re.compile(r"fyp12|ledger2011|permanent_basic_farmland|ecological_red_line|"
                   r"urban_development_boundary|\b(conforms|conditional|conflict|planned|"
                   r"in progress|completed)\b")


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
    path = save_map(meeting_map(ws, report, on=MEETING_DAY),
                    tmp_path_factory.mktemp("maps") / "meeting.html")
    return path, ws, report


def open_map(page: Any, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_function("window.__planningMaps && window.__planningMaps.length > 0",
                           timeout=30_000)


def test_search_results_are_wide_apart_and_open_popups(browser, sample_file):
    path, ws, _ = sample_file
    with browser.page() as page:
        open_map(page, path)
        # Leaflet's touch rule (30 px squares) applies in this browser: pointer events
        assert page.locator(".leaflet-container.leaflet-touch").count() == 1
        page.fill(".pm-search-input", "县")
        page.wait_for_selector(".pm-search-item")
        items = page.locator(".pm-search-item")
        n = items.count()
        expected = [n for n in ws["projects"]["name_zh"] if "县" in n]
        assert n == min(len(expected), 12)
        boxes = [items.nth(i).bounding_box() for i in range(n)]
        assert all(b["width"] >= 200 for b in boxes)
        for upper, lower in itertools.pairwise(boxes):
            assert lower["y"] >= upper["y"] + upper["height"] - 0.5  # stacked, not piled up
        texts = items.all_inner_texts()
        assert texts == expected[:12]
        items.nth(1).click()
        page.wait_for_selector(".leaflet-popup-content")
        page.wait_for_timeout(300)
        assert texts[1] in page.inner_text(".leaflet-popup-content")
    assert browser.errors == []


def _section(page: Any, name: str) -> Any:
    return page.locator(f'.pm-legend details[data-layer="{name}"]')


def test_legend_follows_the_layer_switches_and_folds_away(browser, sample_file):
    path, _, _ = sample_file
    with browser.page() as page:
        open_map(page, path)
        section = _section(page, PROJECTS)
        assert section.evaluate("d => d.open")
        page.hover(".leaflet-control-layers")
        box = page.locator(".leaflet-control-layers-overlays label", has_text="重点项目")
        box.locator("input").uncheck()
        assert not section.evaluate("d => d.open")
        box.locator("input").check()
        assert section.evaluate("d => d.open")
        hidden = _section(page, "城市总体规划 Urban plan")
        assert not hidden.evaluate("d => d.open")  # not shown when the map opens: folded
        page.locator(".leaflet-control-layers-overlays label", has_text="城市总体规划"
                     ).locator("input").check()
        assert hidden.evaluate("d => d.open")
        page.mouse.move(5, 400)
        page.click(".pm-legend-toggle")
        assert not page.locator(".pm-legend-body").is_visible()
        page.click(".pm-legend-toggle")
        assert page.locator(".pm-legend-body").is_visible()
    assert browser.errors == []


@pytest.mark.parametrize(("width", "height"), [(1600, 1000), (1024, 768)])
def test_key_project_legend_is_not_cut_off(browser, sample_file, width, height):
    path, _, _ = sample_file
    with browser.page(width=width, height=height) as page:
        open_map(page, path)
        legend = page.locator(".pm-legend").bounding_box()
        section = _section(page, PROJECTS).bounding_box()
        assert section["y"] >= legend["y"]
        assert section["y"] + section["height"] <= legend["y"] + legend["height"]
        assert section["y"] + section["height"] <= height
        assert legend["x"] + legend["width"] <= width
        rows = _section(page, PROJECTS).locator(".pm-row").count()
        assert rows >= 7  # statuses, verdicts, overdue


def test_north_arrow_and_declutter_at_zoom_14(browser, sample_file):
    path, _, _ = sample_file
    with browser.page() as page:
        open_map(page, path)
        arrow = page.locator(".pm-north")
        assert arrow.is_visible()
        assert "北" in arrow.inner_text()
        page.evaluate("""() => { const m = window.__planningMaps[0];
            m.setView([35.995, 115.86], 14, {animate: false}); }""")
        page.wait_for_timeout(600)
        rects = page.evaluate("""() => Array.from(document.querySelectorAll('.pm-label'))
            .filter(e => e.style.visibility !== 'hidden' && e.getBoundingClientRect().width)
            .map(e => { const r = e.getBoundingClientRect();
                        return [r.left, r.top, r.right, r.bottom]; })""")
        assert len(rects) >= 3
        for i, a in enumerate(rects):
            for b in rects[i + 1:]:
                overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                assert not overlap, (a, b)
    assert browser.errors == []


def test_popups_are_chinese_with_conforming_items_folded(browser, sample_file):
    path, _, report = sample_file
    verdicts = report.projects.set_index("project_id")
    with browser.page() as page:
        open_map(page, path)
        for pid in ("TQ-001", "TQ-004"):
            page.fill(".pm-search-input", pid)
            page.wait_for_selector(".pm-search-item")
            page.click(".pm-search-item")
            page.wait_for_selector(".leaflet-popup-content")
            popup = page.locator(".leaflet-popup-content")
            shown = popup.inner_text()
            assert not CODES.search(shown), shown
            heads = popup.locator("th").all_inner_texts()
            assert not [h for h in heads if re.search("[A-Za-z]", h)], heads
            reasons = report.reasons[(report.reasons["project_id"] == pid)
                                     & report.reasons["counted"]]
            fine = reasons[reasons["verdict"] == "conforms"]
            fold = popup.locator("details.pm-fold")
            assert not fold.evaluate("d => d.open")
            assert f"符合项 {len(fine)} 项" in fold.inner_text()
            for line in reasons.loc[reasons["verdict"] != "conforms", "detail_zh"]:
                assert line in shown
            assert "符合：" not in shown.replace("有条件符合：", "")  # folded away
            fold.locator("summary").click()
            assert "符合：" in popup.inner_text()
            assert verdicts.loc[pid, "name_zh"] in shown
            page.evaluate("() => window.__planningMaps[0].closePopup()")
    assert browser.errors == []


def test_print_puts_map_and_legend_on_one_landscape_page(browser, sample_file, tmp_path):
    need_poppler()
    path, _, _ = sample_file
    with browser.page(width=1122, height=793) as page:
        open_map(page, path)
        page.emulate_media(media="print")
        for selector in (".leaflet-control-zoom", ".leaflet-control-layers", ".pm-search",
                         ".pm-legend-toggle"):
            assert not page.locator(selector).first.is_visible(), selector
        assert page.locator(".pm-legend").is_visible()
        assert page.locator(".pm-north").is_visible()
        out = tmp_path / "map.pdf"
        page.pdf(path=str(out), prefer_css_page_size=True, print_background=True)
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True,
                          text=True).stdout
    assert re.search(r"Pages:\s+1\b", info)
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert size is not None
    assert float(size.group(1)) > float(size.group(2))  # landscape
