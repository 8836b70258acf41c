"""The one document layer: what the toolkit prints and hands in, as Word (.docx) or PDF.

A :class:`Document` is a title, an optional subtitle and a sequence of blocks:

- :class:`Heading` (levels 1 to 3) and :class:`Paragraph` (body text, a note, centred text);
- :class:`Facts`, label/value pairs laid out in a bordered grid (a project's facts);
- :class:`TableBlock`, a frame with :class:`planning.io.Column` specs, the same column kinds
  as the workbook layer (:data:`planning.io.workbook.KINDS`): m², 亩, 公顷, 万元, shares,
  dates and whole numbers are formatted alike in a workbook, a Word file and a PDF;
- :class:`Image`, a PNG or JPEG (a map) scaled to the text width or a given width;
- :class:`OpinionBox`, a blank bordered box for an opinion written in at the meeting, with a
  line for the signature and the date;
- :class:`PageBreak`.

The page is A4 or A3, portrait or landscape, with a running header and a footer that numbers
the pages (第 N 页 共 M 页). :func:`write_document` renders it by the file's suffix:

- ``.docx`` with python-docx (Chinese text in 宋体 / 黑体, which Word and WPS have; the
  reader's program supplies the font);
- ``.pdf`` with reportlab, embedding a CJK font found on the system
  (:func:`planning._core.fonts.cjk_font_files`; the test command installs
  ``fonts-wqy-microhei``): Chinese glyphs are drawn, never boxes. Without such a font the
  PDF is refused with a :class:`~planning.LayerFileError` that says what to install.

Every value from data is a value: text is stored as text runs in Word (never a field code)
and escaped before it reaches reportlab's paragraph markup, so ``<b>`` or ``&amp;`` in a
project's name prints as those characters. Characters a file cannot hold (control
characters) are removed, as in workbooks. Files are written atomically
(:func:`planning.io.atomic_output`).

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from planning.io import Column
>>> frame = pd.DataFrame({"name": ["城关镇", "<b>侯庙镇</b>"], "area_mu": [1234.5, 0.25]})
>>> doc = Document("审查意见书", [
...     Heading("一、项目基本情况"),
...     Facts([("项目名称", "台前县示例项目"), ("用地面积（亩）", 12.5)]),
...     TableBlock(frame, [Column("name", "乡镇"), Column("area_mu", "面积（亩）", kind="mu")]),
...     OpinionBox("规划建设局意见"),
... ], subtitle="台前县自然资源局", header="台前县")
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_document(doc, folder / "review.docx").name
'review.docx'
>>> write_document(doc, folder / "review.pdf").stat().st_size > 10_000
True
>>> format_value(1234.5, "mu"), format_value(0.25, "pct"), format_value(None, "int")
('1234.50', '25.0%', '')
"""

from __future__ import annotations

import os
from pathlib import Path

from planning._errors import LayerFileError
from planning.io._document_model import (
    NUMERIC_KINDS,
    PAPER_MM,
    SIGNATURE,
    Block,
    Document,
    Facts,
    Heading,
    Image,
    OpinionBox,
    Orientation,
    PageBreak,
    Paper,
    Paragraph,
    TableBlock,
    format_value,
    page_size_mm,
)
from planning.io._write import atomic_output

__all__ = [
    "NUMERIC_KINDS",
    "PAPER_MM",
    "SIGNATURE",
    "Block",
    "Document",
    "Facts",
    "Heading",
    "Image",
    "OpinionBox",
    "Orientation",
    "PageBreak",
    "Paper",
    "Paragraph",
    "TableBlock",
    "format_value",
    "page_size_mm",
    "write_document",
]


def write_document(document: Document, path: str | os.PathLike[str]) -> Path:
    """Write a document as ``.docx`` or ``.pdf`` (by the suffix), atomically.

    Parameters
    ----------
    document : Document
    path : str or path-like
        ``....docx`` (Word, python-docx) or ``....pdf`` (reportlab, a CJK font embedded).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    LayerFileError
        The suffix is neither ``.docx`` nor ``.pdf``; or, for a PDF, no font that draws
        Chinese is installed (install ``fonts-wqy-microhei``).
    """
    if not isinstance(document, Document):
        msg = ("write_document writes a planning.io.document.Document; got "
               f"{type(document).__name__}")
        raise TypeError(msg)
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".docx":
        from planning.io._document_docx import save_docx  # noqa: PLC0415  (python-docx)

        with atomic_output(target) as tmp:
            save_docx(document, tmp)
        return target
    if suffix == ".pdf":
        from planning.io._document_pdf import save_pdf  # noqa: PLC0415  (reportlab)

        with atomic_output(target) as tmp:
            save_pdf(document, tmp)
        return target
    msg = (f"write_document writes Word (.docx) or PDF (.pdf) files; {target.name} has the "
           f"suffix {target.suffix or '(none)'}: name the file ....docx or ....pdf.")
    raise LayerFileError(msg)
