"""The 10-day briefing print-ready: PDF and Word through the document layer."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from _pdf import fonts, need_poppler, page_sizes_mm, text

import planning
from planning.ledger import write_briefing

MEETING = "2011-12-17"


@pytest.fixture(scope="module")
def report(sample_ro: planning.Workspace) -> planning.ConformityReport:
    return planning.check_conformity(sample_ro)


def test_pdf_briefing_is_a4_portrait_numbered(tmp_path: Path, sample_ro: planning.Workspace,
                                              report: planning.ConformityReport) -> None:
    need_poppler()
    out = write_briefing(sample_ro.ledger, on=MEETING, path=tmp_path / "b.pdf", report=report)
    sizes = page_sizes_mm(out)
    assert set(sizes) == {(210.0, 297.0)}
    assert all(f.embedded for f in fonts(out))
    body = "".join(text(out).split())
    n = len(sizes)
    for expected in ("本次例会：2011年12月17日", "下次例会：2011年12月27日", f"第1页共{n}页",
                     f"第{n}页共{n}页", "五、与规划冲突或有条件符合的项目", "主要问题",
                     "附件：冲突与有条件符合项目的审查原因"):
        assert expected in body, expected
    # the conflict section: one row per project, its main conflict; conforming items only
    # counted (the appendix), never listed
    section = body[body.index("五、与规划冲突"):body.index("六、进度红黄绿灯")]
    brief = sample_ro.ledger.briefing(on=MEETING, report=report)
    assert brief.conflicts is not None
    for pid, main in zip(brief.conflicts["project_id"], brief.conflicts["main_reason"],
                         strict=True):
        assert section.count(pid) == 1
        assert "".join(main.split())[:12] in section
    assert "符合：" not in section.replace("有条件符合：", "")


def test_docx_briefing(tmp_path: Path, sample_ro: planning.Workspace,
                       report: planning.ConformityReport) -> None:
    out = write_briefing(sample_ro.ledger, on=MEETING, path=tmp_path / "b.docx", report=report)
    book = docx.Document(str(out))
    section = book.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    headings = [p.text for p in book.paragraphs if p.style.name.startswith("Heading")]
    assert "五、与规划冲突或有条件符合的项目（原因详见附件）" in headings
    assert headings[-1] == "附件：冲突与有条件符合项目的审查原因"
    brief = sample_ro.ledger.briefing(on=MEETING, report=report)
    conflicts = next(t for t in book.tables if len(t.columns) > 3
                     and t.rows[0].cells[3].text == "主要问题")
    assert [r.cells[0].text for r in conflicts.rows[1:]] == list(brief.conflicts["project_id"])
    assert "fyp12" not in "".join(c.text for t in book.tables for r in t.rows for c in r.cells)
