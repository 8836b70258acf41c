"""The printing commands: planning print (thematic maps, atlases) and planning report."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from _pdf import need_poppler, page_sizes_mm, text

from planning.cli import main


def test_print_a_township_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    need_poppler()
    out = tmp_path / "侯庙镇.pdf"
    assert main(["print", "-o", str(out), "--paper", "A4", "--township", "侯庙镇",
                 "--date", "2011-12-17", "--unit", "台前县规划局"]) == 0
    assert page_sizes_mm(out) == [(297.0, 210.0)]
    body = "".join(text(out).split())
    assert "台前县侯庙镇" in body
    assert "编制单位：台前县规划局" in body
    assert "1:" in capsys.readouterr().out


def test_report_one_project(tmp_path: Path) -> None:
    out = tmp_path / "r.docx"
    assert main(["report", "--project", "TQ-002", "-o", str(out), "--date", "2011-12-17",
                 "--no-map"]) == 0
    book = docx.Document(str(out))
    assert book.paragraphs[0].text == "台前县建设项目选址审查意见书"


@pytest.mark.parametrize(("argv", "flag"), [
    (["print", "--township", "北京"], "--township"),
    (["print", "--project", "XX"], "--project"),
    (["print", "-o", "m.svg"], ".pdf, .png, .jpg, .jpeg or a folder"),
    (["report", "--project", "XX"], "--project"),
])
def test_bad_input_is_one_line_and_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            argv: list[str], flag: str) -> None:
    if "-o" not in argv:
        argv = [*argv, "-o", str(tmp_path / "x.pdf")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert flag in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
