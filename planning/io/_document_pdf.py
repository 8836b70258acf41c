"""Rendering a :class:`~planning.io.document.Document` as PDF with reportlab (internals).

A CJK TrueType font found on the system is embedded (subset), so Chinese is drawn on any
reader; reportlab's paragraph markup never sees a value unescaped.
"""

from __future__ import annotations

import functools
import io
import logging
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from planning._core.fonts import cjk_font_files
from planning._errors import LayerFileError
from planning.io._document_model import (
    NUMERIC_KINDS,
    SIGNATURE,
    Document,
    Facts,
    Heading,
    Image,
    OpinionBox,
    PageBreak,
    Paragraph,
    TableBlock,
    clean,
    format_value,
)

log = logging.getLogger(__name__)

#: the name the embedded CJK font is registered under
FONT = "PlanningCJK"
_SIZES = {0: 18.0, 1: 15.0, 2: 13.0, 3: 11.5}
_PROBE = "中国图例比例尺审查意见"
_HEAD_FILL = "#F2F2F2"
_SHADE_FILL = "#FDE2E2"


@functools.cache
def cjk_pdf_font() -> str:
    """Register the first installed CJK TrueType font with reportlab; return its family.

    Raises
    ------
    LayerFileError
        No installed font draws Chinese (reportlab embeds TrueType outlines only).
    """
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415
    from reportlab.pdfbase.ttfonts import TTFError, TTFont  # noqa: PLC0415

    tried = []
    for family, path in cjk_font_files():
        try:
            font = TTFont(FONT, str(path), subfontIndex=0)
        except (TTFError, OSError, ValueError) as err:
            tried.append(f"{path.name} ({err})")
            continue
        if all(ord(ch) in font.face.charToGlyph for ch in _PROBE):
            pdfmetrics.registerFont(font)
            log.debug("PDF font: %s (%s)", family, path)
            return family
        tried.append(f"{path.name} (does not draw Chinese)")
    msg = ("A PDF with Chinese text needs a TrueType CJK font to embed, and none was found"
           + (f" (tried {', '.join(tried)})" if tried else "")
           + ": install fonts-wqy-microhei (Debian/Ubuntu: apt-get install fonts-wqy-microhei).")
    raise LayerFileError(msg)


def _markup(text: str) -> str:
    """Text for a reportlab paragraph: escaped, line breaks kept."""
    return escape(text).replace("\n", "<br/>")


@functools.cache
def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT  # noqa: PLC0415
    from reportlab.lib.styles import ParagraphStyle  # noqa: PLC0415

    def style(name: str, size: float, **extra: Any) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=FONT, fontSize=size, leading=size * 1.45,
                              wordWrap="CJK", **extra)

    return {
        "title": style("title", _SIZES[0], alignment=TA_CENTER, spaceAfter=4),
        "subtitle": style("subtitle", 11, alignment=TA_CENTER, spaceAfter=2),
        "h1": style("h1", _SIZES[1], spaceBefore=10, spaceAfter=4, keepWithNext=1),
        "h2": style("h2", _SIZES[2], spaceBefore=8, spaceAfter=3, keepWithNext=1),
        "h3": style("h3", _SIZES[3], spaceBefore=6, spaceAfter=2, keepWithNext=1),
        "body": style("body", 10.5, spaceAfter=4, alignment=TA_LEFT),
        "center": style("center", 10.5, spaceAfter=4, alignment=TA_CENTER),
        "right": style("right", 10.5, spaceAfter=4, alignment=TA_RIGHT),
        "note": style("note", 8.5, spaceAfter=3, textColor="#555555"),
        "cell": style("cell", 9),
        "cell_right": style("cell_right", 9, alignment=TA_RIGHT),
        "cell_head": style("cell_head", 9, alignment=TA_CENTER),
        "caption": style("caption", 9, alignment=TA_CENTER, spaceAfter=6),
        "fact": style("fact", 10),
    }


def _para(text: str, name: str, *, bold: bool = False) -> Any:
    """A paragraph; ``bold`` text is drawn in dark blue-black and kept with what follows
    (CJK faces have no bold weight to embed)."""
    from reportlab.platypus import Paragraph as RLParagraph  # noqa: PLC0415

    markup = _markup(text)
    if bold:
        markup = f'<font color="#000033">{markup}</font>'
    return RLParagraph(markup, _styles()[name])


def save_pdf(document: Document, path: Path) -> None:
    """Write ``document`` to ``path`` (a new file)."""
    from reportlab.lib.units import mm  # noqa: PLC0415
    from reportlab.platypus import KeepTogether, SimpleDocTemplate  # noqa: PLC0415

    family = cjk_pdf_font()
    width, height = document.page_mm
    margin = document.margin_mm * mm
    template = SimpleDocTemplate(
        str(path), pagesize=(width * mm, height * mm), leftMargin=margin, rightMargin=margin,
        topMargin=margin, bottomMargin=margin, title=clean(document.title), author="planning",
        creator="planning", subject=family, initialFontName=FONT, initialFontSize=10.5)
    story = [_para(document.title, "title")]
    story += [_para(line, "subtitle") for line in document.subtitle_lines]
    frame_w = width * mm - 2 * margin
    frame_h = height * mm - 2 * margin
    held: list[Any] = []  # a heading waits to go on the page with what follows it
    for block in document.blocks:
        made = _flowables(block, frame_w, frame_h)
        if isinstance(block, Heading):
            held += made
            continue
        if held and not isinstance(block, PageBreak | Image):
            made = [KeepTogether([*held, *made[:1]]), *made[1:]]
        else:
            story += held
        held = []
        story += made
    story += held
    template.build(story, canvasmaker=_numbered_canvas(document))


def _flowables(block: object, frame_w: float, frame_h: float) -> list[Any]:
    from reportlab.platypus import KeepTogether, Spacer  # noqa: PLC0415
    from reportlab.platypus import PageBreak as RLPageBreak  # noqa: PLC0415

    out: list[Any]
    if isinstance(block, Heading):
        out = [_para(block.text, f"h{block.level}")]
    elif isinstance(block, Paragraph):
        out = [_para(block.text, block.style, bold=block.bold)]
    elif isinstance(block, Facts):
        out = [_facts(block, frame_w), Spacer(1, 6)]
    elif isinstance(block, TableBlock):
        out = [*_table(block, frame_w), Spacer(1, 6)]
    elif isinstance(block, Image):
        out = _image(block, frame_w, frame_h)
    elif isinstance(block, OpinionBox):
        out = [KeepTogether([_opinion(block, frame_w)]), Spacer(1, 8)]
    else:
        out = [RLPageBreak()] if isinstance(block, PageBreak) else []
    return out


def _grid_style(*extra: tuple[Any, ...]) -> Any:
    from reportlab.platypus import TableStyle  # noqa: PLC0415

    return TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.5, "#000000"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        *extra,
    ])


def _table(block: TableBlock, frame_w: float) -> list[Any]:
    from reportlab.platypus import Table  # noqa: PLC0415

    columns = block.resolved_columns()
    out: list[Any] = []
    if block.caption:
        out.append(_para(block.caption, "body", bold=True))
    rows = block.cells()
    if not rows or not columns:
        return [*out, _para(block.empty, "note")]
    relative = block.relative_widths()
    widths = [frame_w * w / sum(relative) for w in relative]
    cell_styles = ["cell_right" if c.kind in NUMERIC_KINDS else "cell" for c in columns]
    data = [[_para(c.title, "cell_head") for c in columns]]
    data += [[_para(v, s) for v, s in zip(row, cell_styles, strict=True)] for row in rows]
    shading = [("BACKGROUND", (0, i), (-1, i), _SHADE_FILL)
               for i, shaded in enumerate(block.shaded(), start=1) if shaded]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(_grid_style(("BACKGROUND", (0, 0), (-1, 0), _HEAD_FILL), *shading))
    out.append(table)
    return out


def _facts(block: Facts, frame_w: float) -> Any:
    from reportlab.lib.units import mm  # noqa: PLC0415
    from reportlab.platypus import Table  # noqa: PLC0415

    per_row = block.columns
    label_w = min(32 * mm, frame_w / per_row * 0.38)
    value_w = frame_w / per_row - label_w
    items = list(block.items)
    data: list[list[Any]] = []
    for start in range(0, max(len(items), 1), per_row):
        row: list[Any] = []
        for label, value in items[start:start + per_row]:
            row += [_para(clean(label), "fact"), _para(format_value(value), "fact")]
        row += [""] * (2 * per_row - len(row))
        data.append(row)
    shading = [("BACKGROUND", (2 * i, 0), (2 * i, -1), _HEAD_FILL) for i in range(per_row)]
    table = Table(data, colWidths=[label_w, value_w] * per_row, hAlign="LEFT")
    table.setStyle(_grid_style(*shading))
    return table


def _image(block: Image, frame_w: float, frame_h: float) -> list[Any]:
    from reportlab.lib.units import mm  # noqa: PLC0415
    from reportlab.platypus import Image as RLImage  # noqa: PLC0415

    data = block.data()
    pixels_w, pixels_h = block.pixel_size()
    width = min(block.width_mm * mm if block.width_mm else frame_w, frame_w)
    room = frame_h - (14 if block.caption else 2)
    if width * pixels_h / pixels_w > room:
        width = room * pixels_w / pixels_h
    picture = RLImage(io.BytesIO(data), width=width, height=width * pixels_h / pixels_w)
    out: list[Any] = [picture]
    if block.caption:
        out.append(_para(block.caption, "caption"))
    return out


def _opinion(block: OpinionBox, frame_w: float) -> Any:
    from reportlab.lib.units import mm  # noqa: PLC0415
    from reportlab.platypus import Table  # noqa: PLC0415

    rows: list[list[Any]] = [[_para(clean(block.label), "body", bold=True)], [""]]
    heights: list[float | None] = [None, block.height_mm * mm]
    if block.signature:
        rows.append([_para(SIGNATURE, "right")])
        heights.append(None)
    table = Table(rows, colWidths=[frame_w], rowHeights=heights, hAlign="LEFT")
    table.setStyle(_grid_style(("GRID", (0, 0), (-1, -1), 0, "#FFFFFF"),
                               ("BOX", (0, 0), (-1, -1), 0.8, "#000000"),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")))
    return table


def _numbered_canvas(document: Document) -> Any:
    """A canvas class that draws the running header and 第 N 页 共 M 页 on every page."""
    from reportlab.lib.units import mm  # noqa: PLC0415
    from reportlab.pdfgen.canvas import Canvas  # noqa: PLC0415

    width, height = (v * mm for v in document.page_mm)
    margin = document.margin_mm * mm
    header, footer = clean(document.header), clean(document.footer)

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802  (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._furniture(number, total)
                super().showPage()
            super().save()

        def _furniture(self, number: int, total: int) -> None:
            self.saveState()
            self.setFont(FONT, 9)
            self.setFillColor("#333333")
            if header:
                self.drawCentredString(width / 2, height - margin / 2, header)
                self.setLineWidth(0.4)
                self.line(margin, height - margin / 2 - 3, width - margin, height - margin / 2 - 3)
            if footer:
                self.drawString(margin, margin / 2, footer)
            if document.page_numbers:
                self.drawCentredString(width / 2, margin / 2, f"第 {number} 页 共 {total} 页")
            self.restoreState()

    return NumberedCanvas
