"""Printed thematic maps (planning.print_map, planning.print_atlas): read back with poppler.

Page size as asked, a CJK font embedded, the title, legend, scales, CRS statement and north
arrow present, Chinese glyphs covered by the embedded font, the numeric scale true on paper.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _pdf import fonts, need_poppler, page_sizes_mm, render, text
from PIL import Image as PILImage

import planning
from planning import InputError
from planning.reports import maps

ON = "2011-12-17"


def _cjk(chars: str) -> str:
    return "".join(ch for ch in chars if 0x4E00 <= ord(ch) <= 0x9FFF)


def _pixels(box: tuple[float, float, float, float], dpi: int) -> tuple[slice, slice]:
    x0, y0, x1, y1 = (round(v / 25.4 * dpi) for v in box)
    return slice(y0, y1), slice(x0, x1)


@pytest.fixture(scope="module")
def township_sheet(tmp_path_factory: pytest.TempPathFactory) -> maps.MapSheet:
    out = tmp_path_factory.mktemp("print") / "城关镇.pdf"
    return planning.print_map(planning.load_sample(), out, paper="A3", orientation="landscape",
                              township="城关镇", date=ON, unit="台前县规划局")


def test_township_sheet_has_the_furniture(township_sheet: maps.MapSheet) -> None:
    need_poppler()
    assert page_sizes_mm(township_sheet.path) == [(420.0, 297.0)]
    listed = fonts(township_sheet.path)
    cjk = [f for f in listed if "WenQuanYi" in f.name or "Hei" in f.name or "CJK" in f.name]
    assert cjk, listed
    assert all(f.embedded for f in listed)
    assert all("Type 3" not in f.type for f in cjk)  # TrueType (pdf.fonttype 42), not Type 3
    body = "".join(text(township_sheet.path).split())
    for expected in ("台前县城关镇", "图例", "比例尺", f"1:{township_sheet.scale:,}",
                     "2000国家大地坐标系", "中央经线117°E", "第39带", "编制单位：台前县规划局",
                     "2011年12月17日", "示意数据", "北", "土地利用总体规划", "三条控制线"):
        assert expected in body, expected


def test_scale_is_round_and_true_on_paper(township_sheet: maps.MapSheet) -> None:
    x0, y0, x1, y1 = township_sheet.boxes["map"]
    ex0, ey0, ex1, ey1 = township_sheet.extent
    assert township_sheet.scale in maps.L.SCALES
    assert (ex1 - ex0) / ((x1 - x0) / 1000) == pytest.approx(township_sheet.scale)
    assert (ey1 - ey0) / ((y1 - y0) / 1000) == pytest.approx(township_sheet.scale)
    ws = planning.load_sample()
    town = ws["townships"].loc[ws["townships"]["name_zh"] == "城关镇"].total_bounds
    assert ex0 <= town[0] and ey0 <= town[1] and ex1 >= town[2] and ey1 >= town[3]  # noqa: PT018
    # the next round scale up would not fit the township: the scale is the largest that does
    smaller = maps.L.SCALES[maps.L.SCALES.index(township_sheet.scale) - 1]
    assert (town[2] - town[0]) / smaller > (x1 - x0) / 1000 or \
        (town[3] - town[1]) / smaller > (y1 - y0) / 1000


def test_north_arrow_is_drawn_where_the_sheet_says(township_sheet: maps.MapSheet) -> None:
    need_poppler()
    dpi = 60
    page = render(township_sheet.path, dpi=dpi)
    assert page.shape[0] == pytest.approx(297 / 25.4 * dpi, abs=1)
    assert page.shape[1] == pytest.approx(420 / 25.4 * dpi, abs=1)
    rows, cols = _pixels(township_sheet.boxes["north_arrow"], dpi)
    arrow = page[rows, cols].min(axis=2)
    dark = (arrow < 60).mean()
    assert 0.08 < dark < 0.6, dark  # a black half-arrowhead, a white one, and 北
    # its left half (black) is darker than its right half (white, outlined)
    half = arrow.shape[1] // 2
    assert (arrow[:, :half] < 60).mean() > 2 * (arrow[:, half:] < 60).mean()


def test_chinese_glyphs_are_in_the_embedded_font(township_sheet: maps.MapSheet) -> None:
    need_poppler()
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    family = planning._core.fonts.cjk_font()
    assert family is not None
    face = FT2Font(font_manager.findfont(family))
    printed = _cjk(text(township_sheet.path))
    assert len(set(printed)) > 40
    missing = [ch for ch in set(printed) if face.get_char_index(ord(ch)) == 0]
    assert not missing


def test_png_and_portrait_a4(tmp_path: Path) -> None:
    sheet = planning.print_map(planning.load_sample(), tmp_path / "site.png", paper="A4",
                               orientation="portrait", project="TQ-004", dpi=100, date=ON)
    with PILImage.open(sheet.path) as picture:
        assert picture.size[0] == pytest.approx(210 / 25.4 * 100, abs=1)
        assert picture.size[1] == pytest.approx(297 / 25.4 * 100, abs=1)
        pixels = np.asarray(picture.convert("RGB"))
    assert sheet.scale <= 10_000
    assert sheet.title == "老城区棚户区改造一期选址位置图"
    rows, cols = _pixels(sheet.boxes["north_arrow"], 100)
    assert (pixels[rows, cols].min(axis=2) < 60).mean() > 0.08
    assert sheet.boxes["legend"][1] > sheet.boxes["map"][3]  # legend under the map


def test_county_map_of_chosen_layers_and_scale(tmp_path: Path) -> None:
    need_poppler()
    sheet = planning.print_map(planning.load_sample(), tmp_path / "c.pdf", paper="A4",
                               layers=["townships", "county"], scale=250_000, date=ON,
                               title="台前县行政区划图")
    assert sheet.scale == 250_000
    assert sheet.layers == ("townships", "county")
    body = "".join(text(sheet.path).split())
    assert "台前县行政区划图" in body
    assert "1:250,000" in body
    assert "城镇化率" in body  # the townships alone: the urbanisation choropleth's legend
    assert page_sizes_mm(sheet.path) == [(297.0, 210.0)]


def test_atlas_by_township(tmp_path: Path) -> None:
    need_poppler()
    ws = planning.load_sample()
    sheets = planning.print_atlas(ws, tmp_path / "atlas.pdf", paper="A4", date=ON,
                                  layers=["control_lines", "townships", "county"])
    assert len(sheets) == len(ws["townships"])
    assert len(page_sizes_mm(tmp_path / "atlas.pdf")) == len(ws["townships"])
    first = ws["townships"].sort_values("code")["name_zh"].iloc[0]
    assert first in "".join(text(tmp_path / "atlas.pdf", page=1).split())


class _Layers(dict):  # type: ignore[type-arg]
    """Some of the sample's layers, with its county (as a Workspace carries it)."""

    county = planning.TAIQIAN


def test_atlas_files_are_named_for_delivery(tmp_path: Path) -> None:
    ws = planning.load_sample()
    few = _Layers(roads=ws["roads"], projects=ws["projects"].iloc[[0, 3, 6]])
    ids = sorted(few["projects"]["project_id"])
    sheets = planning.print_atlas(few, tmp_path / "atlas", by="project", format="jpg",
                                  paper="A4", dpi=40, date=ON, layers=["roads", "projects"])
    names = sorted(p.name for p in (tmp_path / "atlas").iterdir())
    assert len(names) == len(ids) == len(sheets)
    assert names[0] == "410927台前县01县城西环路选址位置图.jpg"
    assert all(n.endswith(".jpg") for n in names)
    assert [s.path.name for s in sheets] == names
    with PILImage.open(sheets[0].path) as picture:  # A4 landscape at 40 dpi
        assert picture.size[0] == pytest.approx(297 / 25.4 * 40, abs=1)


def test_bad_arguments_say_what_to_do(tmp_path: Path) -> None:
    ws = planning.load_sample()
    with pytest.raises(InputError, match=r"\.pdf, \.png or \.jpg"):
        planning.print_map(ws, tmp_path / "m.svg")
    with pytest.raises(InputError, match="choose one of 城关镇"):
        planning.print_map(ws, tmp_path / "m.pdf", township="北京")
    with pytest.raises(InputError, match="not both"):
        planning.print_map(ws, tmp_path / "m.pdf", township="城关镇", project="TQ-001")
    with pytest.raises(InputError, match="denominator"):
        planning.print_map(ws, tmp_path / "m.pdf", scale=0)
    with pytest.raises(InputError, match="Unknown map layer"):
        planning.print_map(ws, tmp_path / "m.pdf", layers=["nope"])
    assert not list(tmp_path.iterdir())
