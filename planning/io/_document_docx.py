"""Rendering a :class:`~planning.io.document.Document` as Word (.docx) with python-docx (internals).

Text from data goes into text runs only (``run.text``): Word never reads it as a field code.
The page numbers are the one field this module writes itself (PAGE and NUMPAGES).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

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

#: East Asian fonts Word and WPS have on every Chinese system (the reader supplies them)
BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
_HEAD_FILL = "F2F2F2"
_SHADE_FILL = "FDE2E2"
_SIZES = {0: 18.0, 1: 15.0, 2: 13.0, 3: 11.5}


def save_docx(document: Document, path: Path) -> None:
    """Write ``document`` to ``path`` (a new file)."""
    import docx  # noqa: PLC0415  (heavy; only for Word output)

    out: Any = docx.Document()
    _page(out, document)
    _styles(out)
    _title(out, document)
    for block in document.blocks:
        if isinstance(block, Heading):
            out.add_heading(clean(block.text), level=block.level)
        elif isinstance(block, Paragraph):
            _paragraph(out, block)
        elif isinstance(block, Facts):
            _facts(out, block, document.text_width_mm)
        elif isinstance(block, TableBlock):
            _table(out, block, document.text_width_mm)
        elif isinstance(block, Image):
            _image(out, block, document)
        elif isinstance(block, OpinionBox):
            _opinion(out, block, document.text_width_mm)
        elif isinstance(block, PageBreak):
            out.add_page_break()
    out.core_properties.title = clean(document.title)
    out.core_properties.author = "planning"
    out.save(str(path))


def _page(out: Any, document: Document) -> None:
    from docx.enum.section import WD_ORIENT  # noqa: PLC0415
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Mm, Pt  # noqa: PLC0415

    section = out.sections[0]
    width, height = document.page_mm
    section.orientation = (WD_ORIENT.LANDSCAPE if document.orientation == "landscape"
                           else WD_ORIENT.PORTRAIT)
    section.page_width, section.page_height = Mm(width), Mm(height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(document.margin_mm))
    section.header_distance = section.footer_distance = Mm(document.margin_mm / 2)
    if document.header:
        para = section.header.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(para, clean(document.header), size=9)
    footer = section.footer.paragraphs[0]
    if document.footer:
        _run(footer, clean(document.footer), size=9)
        footer = section.footer.add_paragraph()
    if document.page_numbers:
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(footer, "第 ", size=9)
        _field(footer, "PAGE")
        _run(footer, " 页 共 ", size=9)
        _field(footer, "NUMPAGES")
        _run(footer, " 页", size=9)
        for run in footer.runs:
            run.font.size = Pt(9)


def _field(paragraph: Any, code: str) -> None:
    """A PAGE / NUMPAGES field (the only fields written; never from data)."""
    from docx.oxml import OxmlElement  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415

    for kind, text in (("begin", None), ("instr", code), ("separate", None), ("text", "1"),
                       ("end", None)):
        run = paragraph.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._r.append(instr)  # python-docx has no field API
        elif kind == "text":
            run.text = str(text)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


def _east_asian(element: Any, font: str) -> None:
    from docx.oxml.ns import qn  # noqa: PLC0415

    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)


def _styles(out: Any) -> None:
    from docx.shared import Pt, RGBColor  # noqa: PLC0415

    normal = out.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)
    _east_asian(normal.element, BODY_FONT)
    for level in (1, 2, 3):
        style = out.styles[f"Heading {level}"]
        style.font.name = LATIN_FONT
        style.font.size = Pt(_SIZES[level])
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.keep_with_next = True
        _east_asian(style.element, HEADING_FONT)


def _run(paragraph: Any, text: str, *, size: float | None = None, bold: bool = False,
         font: str | None = None, grey: bool = False) -> Any:
    from docx.shared import Pt, RGBColor  # noqa: PLC0415

    run = paragraph.add_run(text)
    if size is not None:
        run.font.size = Pt(size)
    run.font.bold = bold or None
    if font is not None:
        _east_asian(run._r, font)
    if grey:
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    return run


def _title(out: Any, document: Document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    para = out.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(para, clean(document.title), size=_SIZES[0], bold=True, font=HEADING_FONT)
    for line in document.subtitle_lines:
        sub = out.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(sub, clean(line), size=11)


def _paragraph(out: Any, block: Paragraph) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    para = out.add_paragraph()
    if block.style == "center":
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif block.style == "right":
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(para, clean(block.text), bold=block.bold, size=9 if block.style == "note" else None,
         grey=block.style == "note")


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _cell(cell: Any, text: str, *, bold: bool = False, right: bool = False,
          center: bool = False, size: float = 9.0) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    para = cell.paragraphs[0]
    if right:
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(para, text, bold=bold, size=size)


def _grid(out: Any, rows: int, columns: int, widths_mm: list[float]) -> Any:
    from docx.shared import Mm  # noqa: PLC0415

    table = out.add_table(rows=rows, cols=columns)
    table.style = out.styles["Table Grid"]
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    return table


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415

    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(mark)


def _table(out: Any, block: TableBlock, width_mm: float) -> None:
    columns = block.resolved_columns()
    if block.caption:
        _run(out.add_paragraph(), clean(block.caption), bold=True)
    rows = block.cells()
    if not rows or not columns:
        _run(out.add_paragraph(), clean(block.empty), grey=True)
        return
    relative = block.relative_widths()
    widths = [width_mm * w / sum(relative) for w in relative]
    table = _grid(out, len(rows) + 1, len(columns), widths)
    _repeat_header(table.rows[0])
    for cell, column in zip(table.rows[0].cells, columns, strict=True):
        _cell(cell, clean(column.title), bold=True, center=True)
        _shade(cell, _HEAD_FILL)
    numeric = [c.kind in NUMERIC_KINDS for c in columns]
    for row, values, shaded in zip(table.rows[1:], rows, block.shaded(), strict=True):
        for cell, value, right in zip(row.cells, values, numeric, strict=True):
            _cell(cell, value, right=right)
            if shaded:
                _shade(cell, _SHADE_FILL)


def _facts(out: Any, block: Facts, width_mm: float) -> None:
    per_row = block.columns
    items = list(block.items)
    label_mm = min(32.0, width_mm / per_row * 0.38)
    value_mm = width_mm / per_row - label_mm
    n_rows = max(1, -(-len(items) // per_row))
    table = _grid(out, n_rows, 2 * per_row, [label_mm, value_mm] * per_row)
    for i, (label, value) in enumerate(items):
        row, pair = divmod(i, per_row)
        label_cell = table.cell(row, 2 * pair)
        _cell(label_cell, clean(label), bold=True, size=10)
        _shade(label_cell, _HEAD_FILL)
        _cell(table.cell(row, 2 * pair + 1), format_value(value), size=10)


def _image(out: Any, block: Image, document: Document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Mm  # noqa: PLC0415

    data = block.data()
    pixels_w, pixels_h = block.pixel_size()
    width = min(block.width_mm or document.text_width_mm, document.text_width_mm)
    height_room = document.page_mm[1] - 2 * document.margin_mm - 25
    if width * pixels_h / pixels_w > height_room:
        width = height_room * pixels_w / pixels_h
    out.add_picture(io.BytesIO(data), width=Mm(width))
    out.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if block.caption:
        para = out.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(para, clean(block.caption), size=9)


def _opinion(out: Any, block: OpinionBox, width_mm: float) -> None:
    from docx.enum.table import WD_ROW_HEIGHT_RULE  # noqa: PLC0415
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Mm  # noqa: PLC0415

    table = _grid(out, 2 if block.signature else 1, 1, [width_mm])
    _cell(table.cell(0, 0), clean(block.label), bold=True, size=10.5)
    table.rows[0].height = Mm(block.height_mm)
    table.rows[0].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    if block.signature:
        cell = table.cell(1, 0)
        _cell(cell, SIGNATURE, size=10)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out.add_paragraph()
