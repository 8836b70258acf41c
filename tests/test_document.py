"""The one document layer (planning.io.document): Word and PDF, CJK embedded, values as values.

PDFs are read back with poppler-utils (page size, fonts, text, pixels); Word files with
python-docx.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest
from _pdf import fonts, need_poppler, page_sizes_mm, render, text

from planning import LayerFileError
from planning.io import Column
from planning.io import _document_pdf as pdf_writer
from planning.io.document import (
    Document,
    Facts,
    Heading,
    Image,
    OpinionBox,
    PageBreak,
    Paragraph,
    TableBlock,
    format_value,
    page_size_mm,
    write_document,
)

#: text that would be markup in reportlab, a field or formula elsewhere
HOSTILE = ['<b>侯庙镇</b>&amp;<br/>', '=HYPERLINK("http://x")', '{ PAGE }', "城关\x00镇"]


def _png(width: int = 60, height: int = 40) -> bytes:
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def _document(**page: object) -> Document:
    frame = pd.DataFrame({"name": HOSTILE, "area_mu": [1234.5, 0.25, 3.0, None],
                          "late": [True, False, False, True]})
    return Document("审查意见书", [
        Heading("一、项目基本情况"),
        Facts([("项目名称", HOSTILE[0]), ("用地面积（亩）", 12.5),
               ("开工日期", pd.Timestamp("2011-03-01"))]),
        Paragraph("正文：规划审查意见。\n第二行"),
        Paragraph("注：示意数据", style="note"),
        TableBlock(frame, [Column("name", "乡镇"), Column("area_mu", "面积（亩）", kind="mu")],
                   caption="表1 面积", highlight="late"),
        Image(_png(), caption="图1 位置图"),
        OpinionBox("规划建设局意见"),
        PageBreak(),
        Heading("二、附件", level=2),
        TableBlock(frame.iloc[0:0], [Column("name", "乡镇")], empty="无记录"),
    ], subtitle=["台前县自然资源局", "2011年12月17日"], header="台前县 审查意见", **page)


@pytest.mark.parametrize(("paper", "orientation"), [("A4", "portrait"), ("A3", "landscape")])
def test_pdf_page_size_fonts_and_text(tmp_path: Path, paper: str, orientation: str) -> None:
    need_poppler()
    out = write_document(_document(paper=paper, orientation=orientation), tmp_path / "r.pdf")
    sizes = page_sizes_mm(out)
    assert len(sizes) >= 2  # the page break
    assert set(sizes) == {tuple(round(v, 1) for v in page_size_mm(paper, orientation))}
    listed = fonts(out)
    assert listed, "no font in the PDF"
    assert all(f.embedded for f in listed), listed  # nothing left to the reader's fonts
    assert any("WenQuanYi" in f.name or "CJK" in f.name or "Hei" in f.name for f in listed)
    body = text(out)
    squeezed = "".join(body.split())
    n = len(sizes)
    for expected in ("审查意见书", "一、项目基本情况", "台前县自然资源局", "规划建设局意见",
                     "签字", "1234.50", "0.25", "2011-03-01", "无记录", f"第1页共{n}页",
                     f"第{n}页共{n}页", "台前县审查意见"):
        assert expected in squeezed, expected
    # values from data print as themselves: no markup, no fields, control characters gone
    assert "<b>侯庙镇</b>&amp;<br/>" in body
    assert '=HYPERLINK("http://x")' in body
    assert "{ PAGE }" in body
    assert "城关镇" in body


def test_pdf_draws_chinese_glyphs_not_boxes(tmp_path: Path) -> None:
    """The rendering of Chinese differs from the font's missing-glyph box, and the embedded
    font covers every character the document prints."""
    need_poppler()
    family = pdf_writer.cjk_pdf_font()
    assert family
    chinese = write_document(Document("图例比例尺", [Paragraph("审查意见")]), tmp_path / "a.pdf")
    boxes = write_document(Document("\ue000\ue001\ue002\ue003\ue004",
                                    [Paragraph("\ue005\ue006\ue007\ue008")]), tmp_path / "b.pdf")
    a, b = render(chinese, dpi=40), render(boxes, dpi=40)
    assert (a < 128).any()
    assert (b < 128).any()
    assert np.abs(a.astype(int) - b.astype(int)).sum() > 1000
    from reportlab.pdfbase import pdfmetrics

    face = pdfmetrics.getFont(pdf_writer.FONT).face
    doc = _document()
    printed = "".join([doc.title, *doc.subtitle_lines, "第页共", "签字日期年月"])
    assert all(ord(ch) in face.charToGlyph for ch in printed if ord(ch) > 0x2E80)


def test_docx_reads_back(tmp_path: Path) -> None:
    out = write_document(_document(paper="A3", orientation="landscape"), tmp_path / "r.docx")
    book = docx.Document(str(out))
    section = book.sections[0]
    assert round(section.page_width.mm) == 420
    assert round(section.page_height.mm) == 297
    paragraphs = [p.text for p in book.paragraphs]
    assert paragraphs[0] == "审查意见书"
    assert "台前县自然资源局" in paragraphs
    headings = [(p.style.name, p.text) for p in book.paragraphs if p.style.name.startswith("Head")]
    assert headings == [("Heading 1", "一、项目基本情况"), ("Heading 2", "二、附件")]
    facts, table, opinion = book.tables
    assert [c.text for c in facts.rows[0].cells] == ["项目名称", HOSTILE[0], "用地面积（亩）",
                                                     "12.5"]
    assert [c.text for c in table.rows[0].cells] == ["乡镇", "面积（亩）"]
    assert [r.cells[1].text for r in table.rows[1:]] == ["1234.50", "0.25", "3.00", ""]
    assert [r.cells[0].text for r in table.rows[1:]] == [*HOSTILE[:3], "城关镇"]
    assert opinion.rows[0].cells[0].text == "规划建设局意见"
    assert "无记录" in paragraphs
    assert "第 1 页 共 1 页" in section.footer.paragraphs[-1].text
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert "fldSimple" not in xml  # no field in the body
    assert "instrText" not in xml
    assert "&lt;b&gt;侯庙镇&lt;/b&gt;&amp;amp;" in xml  # stored as text
    footer = "".join(zipfile.ZipFile(out).read(n).decode()
                     for n in zipfile.ZipFile(out).namelist() if "footer" in n)
    assert "PAGE" in footer  # the only fields: page numbers
    assert "NUMPAGES" in footer
    assert len(book.inline_shapes) == 1


def test_write_is_atomic_and_checks_suffix(tmp_path: Path) -> None:
    target = tmp_path / "r.pdf"
    target.write_bytes(b"old")
    bad = Document("x", [Image(b"not a picture")])
    with pytest.raises(LayerFileError, match="PNG or JPEG"):
        write_document(bad, target)
    with pytest.raises(LayerFileError, match="PNG or JPEG"):
        write_document(bad, tmp_path / "r.docx")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]  # nothing half-written
    with pytest.raises(LayerFileError, match=r"\.docx or \.\.\.\.pdf"):
        write_document(_document(), tmp_path / "r.odt")
    with pytest.raises(LayerFileError, match="Cannot read the picture"):
        write_document(Document("x", [Image(tmp_path / "missing.png")]), tmp_path / "m.docx")


def test_pdf_without_cjk_font_says_what_to_install(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_writer, "cjk_font_files", list)
    pdf_writer.cjk_pdf_font.cache_clear()
    try:
        with pytest.raises(LayerFileError, match="fonts-wqy-microhei"):
            write_document(Document("标题"), tmp_path / "x.pdf")
    finally:
        pdf_writer.cjk_pdf_font.cache_clear()
    assert not (tmp_path / "x.pdf").exists()


def test_model_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="paper"):
        Document("x", paper="A5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="orientation"):
        Document("x", orientation="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="blocks"):
        Document("x", ["text"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="level"):
        Heading("x", level=4)
    with pytest.raises(ValueError, match="no column nope"):
        TableBlock(pd.DataFrame({"a": [1]}), [Column("nope")]).cells()
    with pytest.raises(ValueError, match="Unknown kind"):
        format_value(1, "acres")


def test_format_value_follows_the_workbook_kinds() -> None:
    assert format_value(14263.041, "m2") == "14,263.04"
    assert format_value(1234567, "int") == "1,234,567"
    assert format_value(0.2525, "pct") == "25.2%"
    assert format_value(12.3456, "mu", 4) == "12.3456"
    assert format_value(46.66666666666666, "float") == "46.67"
    assert format_value(46.66666666666666) == "46.67"
    assert format_value(7.0) == "7"
    assert format_value(float("nan"), "mu") == ""
    assert format_value(pd.NaT, "date") == ""
    assert format_value(False) == "否"
