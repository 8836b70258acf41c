"""The one grid reader on the files bureaus really send: old ``.xls`` workbooks (and files
named one thing and being another), formula cells never computed, numbers shown as
percentages, and header mappings."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _sheets import SheetSpec, raw_xlsx, write_both, write_xls, write_xlsx

import planning
from planning.io import read_grid, read_header_map
from planning.io.workbook import MAX_GRID_CELLS

ROWS: list[list[object]] = [
    ["台前县重点项目台账", None, None, None, None],
    ["项目编号", "项目名称", "总投资", "完成时限", "进度"],
    ["TQ-001", "（深圳）西环路", 18600, dt.datetime(2012, 3, 1), 0.85],
    ["TQ-002", "人民路", 4200.5, "2011年12月", "已完成"],
    [None, None, True, "#N/A", 1],
]


def test_an_xls_sheet_reads_as_the_same_xlsx_sheet(tmp_path: Path) -> None:
    sheets = [SheetSpec("旧表", [["x"]], hidden=True),
              SheetSpec("台账", ROWS, merges=["A3:E3", "A6:A7"], percents=["E5", "E7"],
                        first_row=3)]
    xlsx, xls = write_both(tmp_path, "台账", sheets)
    new, old = read_grid(xlsx), read_grid(xls)
    assert (old.kind, new.kind) == ("xls", "xlsx")
    assert old.rows == new.rows
    assert old.rows[2] == ["TQ-001", "（深圳）西环路", 18600, dt.datetime(2012, 3, 1), 0.85]
    assert type(old.rows[2][2]) is int
    assert old.rows[4][2] is True
    assert old.rows[4][0] == "TQ-002"  # filled from the merge's top-left cell
    assert (old.first_row, old.first_column) == (new.first_row, new.first_column) == (3, 1)
    assert set(old.merges) == set(new.merges) == {(3, 1, 3, 5), (6, 1, 7, 1)}
    assert dict(old.merged) == dict(new.merged)
    assert [(s.name, s.state) for s in old.sheets] == [("旧表", "hidden"), ("台账", "visible")]
    assert old.title == "台账"
    assert any("'旧表' is hidden" in n for n in old.notes)
    assert old.percents == new.percents == {(2, 4), (4, 4)}
    assert read_grid(xls, sheet="旧表").rows == [["x"]]
    assert read_grid(xls, sheet=0).title == "旧表"
    with pytest.raises(planning.LayerFileError, match="no sheet '台'"):
        read_grid(xls, sheet="台")


def test_files_named_one_thing_and_being_another(tmp_path: Path) -> None:
    xlsx, xls = write_both(tmp_path, "t", [SheetSpec("台账", ROWS)])
    as_xls = tmp_path / "really_xlsx.xls"
    as_xls.write_bytes(xlsx.read_bytes())
    as_xlsx = tmp_path / "really_xls.xlsx"
    as_xlsx.write_bytes(xls.read_bytes())
    for path, kind, note in ((as_xls, "xlsx", "named .xls; it was read as .xlsx"),
                             (as_xlsx, "xls", "named .xlsx; it was read as .xls")):
        grid = read_grid(path)
        assert grid.kind == kind
        assert grid.rows == read_grid(xlsx).rows
        assert any(note in n for n in grid.notes), grid.notes
    data = xls.read_bytes()
    cases = {
        # a password to open (a FILEPASS record where the workbook starts)
        "encrypted.xls": _with_filepass(data),
        # an OLE2 file without a workbook in it
        "other.xls": data.replace("Workbook".encode("utf-16-le"), "Xorkbook".encode("utf-16-le")),
        # a password-protected .xlsx is an OLE2 file holding an EncryptedPackage
        "protected.xlsx": data.replace("Workbook".encode("utf-16-le"),
                                       "Xorkbook".encode("utf-16-le"))
        + "EncryptedPackage".encode("utf-16-le"),
        "page.xls": b"<html><body><table><tr><td>1</td></tr></table></body></html>",
        "empty.xls": b"",
        "tabs.xls": "项目编号\t项目名称\nP1\t人民路\n".encode("gb18030"),
        "wrapped.xls": b"\x01\x02DOCENC\x00\x00" + data,
    }
    expected = {"encrypted.xls": "protected by a password",
                "other.xls": "holds no workbook",
                "protected.xlsx": "password-protected workbook",
                "page.xls": "web page", "empty.xls": "empty (0 bytes)",
                "tabs.xls": "text file", "wrapped.xls": "document-encryption program"}
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(planning.LayerFileError) as info:
            read_grid(path)
        assert expected[name] in str(info.value), (name, str(info.value))
        assert str(info.value).startswith(f"Cannot read {name} as an Excel workbook")


def _with_filepass(data: bytes) -> bytes:
    """The .xls with the record after the workbook's BOF turned into FILEPASS (encrypted)."""
    at = data.index(b"\x09\x08\x10\x00")  # BOF, BIFF8, 16 bytes
    out = bytearray(data)
    record = at + 4 + 16
    out[record:record + 6] = bytes.fromhex("2f0002000200")
    return bytes(out)


def test_a_far_value_in_an_xls_sheet_is_refused_fast(tmp_path: Path) -> None:
    corner = write_xls(tmp_path / "corner.xls", [SheetSpec("台账", [["x"]], first_row=65536)])
    start = time.perf_counter()
    grid = read_grid(corner)
    assert (grid.first_row, grid.rows) == (65536, [["x"]])
    rows: list[list[object]] = [["a"]] + [[]] * 65534 + [[None] * 255 + ["far"]]
    spread = write_xls(tmp_path / "spread.xls", [SheetSpec("台账", rows)])
    with pytest.raises(planning.SheetError) as info:
        read_grid(spread)
    assert time.perf_counter() - start < 10
    assert "from A1 to IV65536" in str(info.value)
    assert "IV65536 ('far')" in str(info.value)
    assert f"{MAX_GRID_CELLS:,} cells" in str(info.value)


def test_formula_cells_without_a_computed_value(tmp_path: Path) -> None:
    cells = ('<row r="1"><c r="A1" t="inlineStr"><is><t>项目</t></is></c>'
             '<c r="B1"><f>1+1</f><v>2</v></c>'              # computed: its value is read
             '<c r="C1"><f>DATE(2024,6,30)</f></c>'          # never computed: no value
             '<c r="D1"><f>SUM(B1:B1)</f><v/></c>'           # never computed (openpyxl's way)
             '<c r="E1" t="str"><f>IF(1,"","x")</f><v></v></c>'  # computed: an empty text
             '</row><row r="3"><c r="F3"><f t="shared" si="0"/></c></row>')
    grid = read_grid(raw_xlsx(tmp_path / "f.xlsx", cells))
    assert grid.rows[0][:5] == ["项目", 2, None, None, None]
    assert dict(grid.formulas) == {(0, 2): "=DATE(2024,6,30)", (0, 3): "=SUM(B1:B1)",
                                   (2, 5): "="}
    assert grid.n_rows == 3
    assert grid.n_columns == 6
    [note] = [n for n in grid.notes if "formula" in n]
    assert "3 formula cell(s) have no computed value" in note
    assert "C1 (=DATE(2024,6,30)), D1 (=SUM(B1:B1)), F3 (a shared formula)" in note
    assert grid.cell_name(2, 5) == "F3"
    stale = read_grid(raw_xlsx(tmp_path / "s.xlsx", '<row r="1"><c r="A1"><f>1+1</f><v>2</v>'
                               "</c></row>", calc='<calcPr fullCalcOnLoad="1"/>'))
    assert stale.rows == [[2]]
    assert not stale.formulas
    assert any("asks to be recalculated" in n for n in stale.notes)


def test_numbers_shown_as_percentages(tmp_path: Path) -> None:
    sheet = SheetSpec("进度", [["形象进度"], [0.85], [0.5], ["60%"]], percents=["A2"])
    for path in write_both(tmp_path, "p", [sheet]):
        grid = read_grid(path)
        assert grid.percents == {(1, 0)}, path
        assert grid.rows == [["形象进度"], [0.85], [0.5], ["60%"]]


def test_header_maps(tmp_path: Path) -> None:
    csv_path = tmp_path / "h.csv"
    csv_path.write_text("# our headers\nheader,field,note\n工程名称,name_zh,\n 截止时间 ,node_due,"
                        "x\n,,\n", encoding="utf-8")
    assert read_header_map(csv_path) == {"工程名称": "name_zh", "截止时间": "node_due"}
    book = write_xlsx(tmp_path / "h.xlsx", [SheetSpec("表头", [["表头", "字段"],
                                                              ["工程名称", "name_zh"]])])
    assert read_header_map(book) == {"工程名称": "name_zh"}
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n工程名称,name_zh\n", encoding="utf-8")
    with pytest.raises(planning.SheetError, match="first row must name the columns"):
        read_header_map(bad)
    gap = tmp_path / "gap.csv"
    gap.write_text("header,field\n工程名称,\n里程碑,node_name\n", encoding="utf-8")
    with pytest.raises(planning.SheetError) as info:
        read_header_map(gap)
    assert [(p.row, p.value) for p in info.value.problems] == [(2, "工程名称")]
    with pytest.raises(planning.LayerFileError, match="does not exist"):
        read_header_map(tmp_path / "none.csv")


def test_reading_an_xls_does_not_print(tmp_path: Path) -> None:
    """xlrd writes its warnings to standard output unless told otherwise."""
    path = write_xls(tmp_path / "t.xls", [SheetSpec("台账", ROWS)])
    damaged = tmp_path / "short.xls"
    damaged.write_bytes(path.read_bytes() + b"\0" * 77)  # not a whole number of sectors
    code = ("import sys; from planning.io import read_grid; g = read_grid(sys.argv[1]); "
            "sys.stderr.write(repr(g.notes))")
    run = subprocess.run([sys.executable, "-c", code, str(damaged)], capture_output=True,
                         text=True, check=True, timeout=60)
    assert run.stdout == ""
