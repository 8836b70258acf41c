"""The one workbook layer (planning.io.workbook): safe writing, sparse reading, hidden sheets.

Every workbook the toolkit writes is written from a workspace whose text carries hostile
values; none of them may become a formula, and the ledger must read back unchanged. Sheets
that declare huge dimensions or merges are read (or refused) within time and memory bounds.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

import planning
from planning import assessment, sanitation
from planning.io import Column, Sheet, Table, read_grid, write_csv, write_workbook
from planning.io.workbook import MAX_GRID_CELLS, display_width, guess_columns, number_format
from planning.ledger import Ledger, write_briefing

ON = "2011-12-17"
#: the values an attacker (or an unlucky clerk) puts in a text cell
HOSTILE = ('=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3",
           "\x00", "\x1b", "")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: every text column the workbooks show, by layer or table
TEXT_COLUMNS = {
    "townships": ("name_zh", "name_en"),
    "projects": ("project_id", "name_zh", "name_en", "township", "lead_department"),
    "time_nodes": ("node_id", "project_id", "name_zh", "responsible"),
    "departments": ("name_zh", "name_en"),
    "sanitation_zones": ("zone_id", "name_zh", "township", "department", "person_in_charge"),
    "inspections": ("inspection_id", "zone_id", "inspector"),
    "roads": ("name_zh",),
}


def _clean(text: str) -> str:
    return CONTROL.sub("", text)


@pytest.fixture(scope="module")
def hostile() -> planning.Workspace:
    """The sample workspace with a hostile prefix before every text value.

    One mapping for the whole workspace (a department's name is changed alike wherever it
    appears), so that ids still link projects to nodes and zones to inspections.
    """
    ws = planning.load_sample()
    prefixes = itertools.cycle(HOSTILE[:-1])
    mapping: dict[str, str] = {}
    for name, columns in TEXT_COLUMNS.items():
        frame = ws[name].copy()
        for column in columns:
            frame[column] = [v if pd.isna(v) else mapping.setdefault(v, next(prefixes) + v)
                             for v in frame[column]]
        if "geometry" in frame.columns:
            ws.add_layer(name, frame)
        else:
            ws.add_table(name, frame)
    # names that are nothing but a control character, and one that is all hostile
    projects = ws["projects"].copy()
    projects.loc[0, "name_en"] = "\x00"
    projects.loc[1, "name_zh"] = HOSTILE[0]
    ws.add_layer("projects", projects)
    return ws


def _workbooks(ws: planning.Workspace, folder: Path) -> dict[str, Path]:
    report = planning.check_conformity(ws)
    zones = ws["sanitation_zones"]
    scores = sanitation.unit_scores(ws["inspections"], zones)
    return {
        "conformity": report.to_excel(folder / "冲突台账.xlsx"),
        "ledger": ws.ledger.to_excel(folder / "台账.xlsx", on=ON),
        "ledger_by_month": ws.ledger.to_excel(folder / "台账月.xlsx", on=ON, by="M"),
        "briefing": write_briefing(ws.ledger, on=ON, path=folder / "简报.xlsx", report=report),
        "assessment": assessment.rank(ws.ledger, period="2011Q4", inspections=scores)
        .to_excel(folder / "考核.xlsx"),
        "coverage": sanitation.check_coverage(zones, ws["builtup_area"])
        .to_excel(folder / "coverage.xlsx"),
        "owners": sanitation.check_owners(zones, roads=ws["roads"],
                                          departments=ws["departments"])
        .to_excel(folder / "owners.xlsx"),
    }


@pytest.fixture(scope="module")
def written(hostile: planning.Workspace, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, Path]:
    return _workbooks(hostile, tmp_path_factory.mktemp("hostile"))


def _text_cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(path)  # data_only=False: formulas would show as formulas
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


@pytest.mark.parametrize("name", ["conformity", "ledger", "ledger_by_month", "briefing",
                                  "assessment", "coverage", "owners"])
def test_no_value_from_data_becomes_a_formula(written: dict[str, Path], name: str) -> None:
    cells = _text_cells(written[name])
    assert cells
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c for c in cells if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in texts)
    assert not [c.value for c in texts if CONTROL.search(c.value)]
    formula_like = [c for c in texts if c.value.startswith(("=", "+", "-", "@"))]
    starts = {c.value[0] for c in formula_like}
    # every kind of hostile text is there (the coverage report shows only a few zone ids)
    assert starts == {"=", "+", "-", "@"} or (name == "coverage" and starts), starts
    assert all(c.quotePrefix for c in formula_like)  # and stays text when edited in Excel
    assert any("HYPERLINK" in c.value for c in formula_like)


def test_hostile_values_appear_as_text(written: dict[str, Path],
                                       hostile: planning.Workspace) -> None:
    ledger_texts = {c.value for c in _text_cells(written["ledger"]) if isinstance(c.value, str)}
    for column in ("name_zh", "township", "lead_department"):
        assert {_clean(v) for v in hostile["projects"][column].dropna()} <= ledger_texts
    assert {_clean(v) for v in hostile["time_nodes"]["responsible"].dropna()} <= ledger_texts
    conformity = {c.value for c in _text_cells(written["conformity"])
                  if isinstance(c.value, str)}
    towns = {_clean(v) for v in hostile["townships"]["name_zh"]}
    assert towns & conformity  # the 所属乡镇 of the conflict patches
    owners = {c.value for c in _text_cells(written["owners"]) if isinstance(c.value, str)}
    assert {_clean(v) for v in hostile["sanitation_zones"]["department"].dropna()} & owners


def test_the_ledger_reads_back_unchanged(hostile: planning.Workspace, tmp_path: Path,
                                         caplog: pytest.LogCaptureFixture) -> None:
    ledger = hostile.ledger
    with caplog.at_level(logging.WARNING, logger="planning.io.workbook"):
        path = ledger.to_excel(tmp_path / "台账.xlsx", on=ON)
    notes = [r.getMessage() for r in caplog.records]
    assert any("control character(s)" in n and "台账.xlsx" in n for n in notes), notes
    back = Ledger.from_excel(path)
    assert back.problems == []
    columns = ["project_id", "name_zh", "township", "lead_department", "investment_wan",
               "start_date", "planned_completion", "status", "nodes_total", "overdue_nodes"]
    expected = ledger.snapshot(on=ON)[columns].copy()
    for column in ("project_id", "name_zh", "township", "lead_department"):
        expected[column] = [_clean(v) if isinstance(v, str) else v for v in expected[column]]
    # ids that began with a control character sort elsewhere once it is removed
    pd.testing.assert_frame_equal(_sorted(back.snapshot(on=ON)[columns], "project_id"),
                                  _sorted(expected, "project_id"), check_dtype=False)
    node_columns = ["node_id", "name_zh", "responsible", "due_date"]
    nodes = ledger.node_states(on=ON)[node_columns]
    nodes = nodes.assign(**{c: nodes[c].map(_clean) for c in node_columns[:3]})
    pd.testing.assert_frame_equal(_sorted(back.node_states(on=ON)[node_columns], "node_id"),
                                  _sorted(nodes, "node_id"), check_dtype=False)
    assert HOSTILE[0] in set(back.projects["name_zh"])


def _sorted(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


# --- the writer ------------------------------------------------------------------------------


def test_write_workbook_counts_and_notes_what_it_changed(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["a\x00b\x1bc", "x" * 40_000, "#N/A", None],
                          "area_mu": [1.0, float("inf"), float("nan"), 2.5]})
    out = write_workbook(tmp_path / "t.xlsx", [Table("表" * 40, frame), Table("表" * 40, frame)])
    assert (out.removed_characters, out.cells_with_removed_characters) == (4, 2)
    assert out.shortened_cells == 2
    assert out.sheets == ("表" * 31, "表" * 27 + " (2)")
    assert any("cut to that length" in n for n in out.notes)
    assert any("written as" in n for n in out.notes)  # the renamed sheet
    grid = read_grid(out.path)
    assert grid.rows[1] == ["abc", 1.0]
    assert grid.rows[2] == ["x" * 32_767, None]
    assert grid.rows[3] == ["#N/A", None]  # text, not Excel's error value
    with pytest.raises(planning.LayerFileError, match=r"\.xlsx"):
        write_workbook(tmp_path / "t.xls", [Table("a", frame)])


def test_our_illegal_characters_cover_openpyxl_s() -> None:
    from planning.io._workbook_values import ILLEGAL_CHARACTERS

    for code in range(0x20):
        if ILLEGAL_CHARACTERS_RE.match(chr(code)):
            assert ILLEGAL_CHARACTERS.match(chr(code)), hex(code)
    assert not ILLEGAL_CHARACTERS.search("\t\n\r")


def test_formats_frozen_rows_filter_and_print_setup(written: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(written["conformity"])
    sheet = book["冲突台账"]
    headers = {c.value: c.column_letter for c in sheet[1]}
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:O{sheet.max_row}"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == int(sheet.PAPERSIZE_A4)
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet[f"{headers['面积(亩)']}2"].number_format == "0.00"
    assert book["碎图斑"]["J2"].number_format == "0.0000"  # slivers are a few m²
    assert sheet[f"{headers['面积(平方米)']}2"].number_format == "#,##0.00"
    assert sheet[f"{headers['序号']}2"].number_format == "#,##0"
    opinion = headers["国土意见"]
    assert sheet.column_dimensions[opinion].width == 24
    assert sheet[f"{opinion}2"].alignment.wrap_text
    assert book["项目审查"].column_dimensions["J"].width == 60  # long opinions: capped, wrapped
    assert any(c.alignment.wrap_text for c in book["项目审查"]["J"][1:])

    ledger = openpyxl.load_workbook(written["ledger"])["台账"]
    assert ledger.freeze_panes == "C4"
    assert ledger.print_title_rows == "$1:$3"
    assert ledger.auto_filter.ref.startswith("A3:")
    invest = next(c.column_letter for c in ledger[2] if c.value == "总投资（万元）")
    due = next(c.column_letter for c in ledger[3] if c.value == "完成时限")
    assert ledger[f"{invest}4"].number_format == "#,##0.00"
    assert ledger[f"{due}4"].number_format == "yyyy-mm-dd"
    assert ledger["A1"].font.bold

    brief = openpyxl.load_workbook(written["briefing"])
    share = next(c.column_letter for c in brief["投资按类别"][3] if c.value == "占比")
    assert brief["投资按类别"][f"{share}4"].number_format == "0.0%"
    assert brief["投资按类别"].freeze_panes == "A4"
    headline = {r[0].value: r[1] for r in brief["总体情况"].iter_rows(min_row=4)}
    assert headline["节点按期完成率"].number_format == "0.0%"
    assert headline["总投资（万元）"].number_format == "#,##0.00"
    assert headline["项目总数"].number_format == "#,##0"


def test_number_formats_and_widths() -> None:
    assert [number_format(k) for k in ("m2", "ha", "mu", "wan", "int", "pct", "date")] == [
        "#,##0.00", "0.00", "0.00", "#,##0.00", "#,##0", "0.0%", "yyyy-mm-dd"]
    assert number_format("mu", 4) == "0.0000"
    with pytest.raises(ValueError, match="Unknown kind"):
        number_format("acres")
    with pytest.raises(ValueError, match="Unknown kind"):
        Column("a", kind="acres")  # type: ignore[arg-type]
    assert display_width("城关镇ab") == 8
    assert display_width(1234567.891, "wan") == len("1,234,567.89")
    frame = pd.DataFrame({"t": ["短", "很长" * 40], "n": [1, 2]})
    sheet = Table("s", frame).to_sheet()
    assert sheet.widths == {1: 60, 2: 8}  # capped at 60, at least 8
    cells = {(r, c): style for r, c, _, style in sheet.cells()}
    assert (cells[(3, 1)].wrap, cells[(2, 1)].wrap) == (True, False)
    kinds = [c.kind for c in guess_columns(pd.DataFrame({
        "a_m2": [1.0], "b_mu": [1.0], "c_wan": [1.0], "d": [pd.Timestamp("2011-12-01")],
        "e": [1.5], "geometry": ["Polygon"]}))]
    assert kinds == ["m2", "mu", "wan", "date", "number", "text"]  # a text column may be named so


def test_a_sheet_checks_its_merges(tmp_path: Path) -> None:
    sheet = Sheet("s")
    sheet.merge(1, 1, 2, 2)
    with pytest.raises(ValueError, match="overlaps"):
        sheet.merge(2, 2, 3, 3)
    with pytest.raises(ValueError, match="row 1 to"):
        sheet.put(0, 1, "x")
    sheet.put(2, 2, "inside")
    with pytest.raises(ValueError, match="inside the merged range"):
        write_workbook(tmp_path / "bad.xlsx", [sheet])
    assert not (tmp_path / "bad.xlsx").exists()


def test_csv_writer_protects_formula_like_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"名称": list(HOSTILE[:4]) + ["城关\x00镇", "\tx", "plain"],
                          "n": [-1, 2, 3, 4, 5, 6, 7],
                          "day": pd.to_datetime(["2011-12-01"] * 7)})
    out = write_csv(frame, tmp_path / "layers.csv")
    raw = out.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese text
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "名称,n,day"
    assert lines[1] == "\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\",-1,2011-12-01"
    assert [line.split(",")[0] for line in lines[2:]] == [
        "'+cmd|' /C calc'!A0", "'@SUM(1)", "'-2+3", "城关镇", "'\tx", "plain"]
    assert (out.protected_cells, out.removed_characters) == (5, 1)
    assert frame.loc[4, "名称"] == "城关\x00镇"  # the caller's frame is not changed
    grid = read_grid(out.path)
    assert grid.rows[3][0] == "'@SUM(1)"


def test_the_meeting_pack_csv_goes_through_the_csv_writer() -> None:
    from planning.reports import pack

    source = Path(pack.__file__).read_text(encoding="utf-8")
    assert "write_csv(ws.summary()" in source
    assert "to_csv" not in source


# --- the reader ------------------------------------------------------------------------------


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
         'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
         'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
             'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台账" '
             'sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://'
                  'schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                  'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def _text(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def huge_workbook(path: Path, rows: str, merges: str = "") -> Path:
    """A minimal workbook written by hand whose sheet declares the whole sheet as its size."""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/>'
             f"<sheetData>{rows}</sheetData>{merges}</worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


_HEADER = "".join(_text(f"{c}2", h) for c, h in zip("ABCD", ["项目编号", "项目名称", "节点内容",
                                                              "完成时限"], strict=True))
HUGE = {
    # one cell, at the sheet's last row and column
    "corner": (f'<row r="1048576">{_text("XFD1048576", "x")}</row>', ""),
    # a ledger whose one merge spans A3:XFD1048576 (the project id over every row and column)
    "merge": (f'<row r="1">{_text("A1", "台账")}</row><row r="2">{_HEADER}</row>'
              f'<row r="3">{_text("A3", "P1")}</row>',
              '<mergeCells count="1"><mergeCell ref="A3:XFD1048576"/></mergeCells>'),
    # a cell at each corner: the box of the values is the whole sheet
    "corners": (f'<row r="1">{_text("A1", "a")}</row>'
                f'<row r="1048576">{_text("XFD1048576", "x")}</row>', ""),
}
_PROBE = r"""
import json, resource, sys, time
import planning
from planning.io import read_grid
from planning.sanitation import read_inspections
out = {}
for name in sys.argv[1:]:
    for reader in ("grid", "ledger", "inspections"):
        start = time.perf_counter()
        try:
            if reader == "grid":
                grid = read_grid(name)
                result = [grid.first_row, grid.first_column, grid.rows]
            elif reader == "ledger":
                ledger = planning.Ledger.from_excel(name)
                result = [ledger.projects["project_id"].tolist(), ledger.notes]
            else:
                result = len(read_inspections(name).records)
        except (planning.SheetError, planning.LayerFileError) as exc:
            result = type(exc).__name__ + ": " + str(exc)
        out[f"{name} {reader}"] = [result, time.perf_counter() - start]
# this process's own high-water mark (ru_maxrss would keep the forking parent's size)
status = open("/proc/self/status").read() if sys.platform == "linux" else ""
hwm = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
out["peak_mb"] = (int(hwm[0]) if hwm else
                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
print(json.dumps(out))
"""


def test_huge_declared_sheets_are_read_in_bounded_time_and_memory(tmp_path: Path) -> None:
    paths = {name: huge_workbook(tmp_path / f"{name}.xlsx", *parts)
             for name, parts in HUGE.items()}
    assert all(p.stat().st_size < 5_000 for p in paths.values())
    probe = subprocess.run([sys.executable, "-c", _PROBE, *map(str, paths.values())],
                           capture_output=True, text=True, check=True, timeout=120)
    out = json.loads(probe.stdout)
    peak_mb = out.pop("peak_mb")
    assert peak_mb < 500, (peak_mb, out)  # the whole process, planning and pandas included
    assert all(seconds < 10 for _, seconds in out.values()), out
    result = {key.split("/")[-1]: value for key, (value, _) in out.items()}
    assert result["corner.xlsx grid"] == [1048576, 16384, [["x"]]]
    assert result["corner.xlsx ledger"].startswith("SheetError: No ledger header")
    assert result["corner.xlsx inspections"].startswith("SheetError")
    first_row, first_col, rows = result["merge.xlsx grid"]
    assert (first_row, first_col) == (1, 1)
    assert rows[2] == ["P1"] * 4  # filled from A3, only inside the cells that exist
    # the row under the header is P1 in every column: a heading, left out with a note
    assert result["merge.xlsx ledger"] == [
        [], ["merge.xlsx [台账]: row 3 ('P1') is a heading and was left out"]]
    assert result["merge.xlsx inspections"].startswith("SheetError: merge.xlsx [台账]: no "
                                                       "header row")
    for reader in ("grid", "ledger", "inspections"):
        refused = result[f"corners.xlsx {reader}"]
        assert refused.startswith("SheetError: The sheet corners.xlsx [台账] has values from A1 "
                                  "to XFD1048576"), refused
        assert f"{MAX_GRID_CELLS:,} cells" in refused
        assert "XFD1048576 ('x')" in refused


def test_the_grid_starts_where_the_values_start(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "台账"
    for r, row in enumerate([["项目编号", "项目名称", "节点内容", "完成时限"],
                             ["P1", "人民路改造", "立项", "2011-10-15"],
                             [None, None, "开工", "昨天"]], start=5):
        for c, value in enumerate(row, start=3):
            ws.cell(row=r, column=c, value=value)
    ws.merge_cells("C6:C7")
    ws.merge_cells("D6:D7")
    ws["Z100"].font = openpyxl.styles.Font(bold=True)  # a styled empty cell: not a value
    book.save(tmp_path / "offset.xlsx")
    grid = read_grid(tmp_path / "offset.xlsx")
    assert (grid.first_row, grid.first_column, grid.n_rows, grid.n_columns) == (5, 3, 3, 4)
    assert grid.rows[2][:2] == ["P1", "人民路改造"]
    assert grid.merged[(2, 0)] == (1, 0)
    assert (2, 2) not in grid.merged
    assert set(grid.merges) == {(6, 3, 7, 3), (6, 4, 7, 4)}
    with pytest.raises(planning.SheetError) as info:
        Ledger.from_excel(tmp_path / "offset.xlsx")
    [problem] = info.value.problems
    assert (problem.row, problem.column, problem.value) == (7, "完成时限", "昨天")  # Excel's row


def test_a_hidden_sheet_is_never_read_in_place_of_the_visible_one(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    secret = book.active
    secret.title = "旧台账"
    secret.append(["项目编号", "项目名称", "节点内容"])
    secret.append(["OLD", "作废项目", "立项"])
    secret.sheet_state = "hidden"
    shown = book.create_sheet("台账")
    shown.append(["项目编号", "项目名称", "节点内容"])
    shown.append(["P1", "人民路改造", "立项"])
    book.create_sheet("备份").sheet_state = "veryHidden"
    path = tmp_path / "hidden.xlsx"
    book.save(path)
    grid = read_grid(path)
    assert grid.title == "台账"
    assert [(s.name, s.state) for s in grid.sheets] == [
        ("旧台账", "hidden"), ("台账", "visible"), ("备份", "veryHidden")]
    assert any("'旧台账' is hidden and was not read" in n for n in grid.notes)
    ledger = Ledger.from_excel(path)
    assert ledger.projects["project_id"].tolist() == ["P1"]
    assert any("旧台账" in n and "hidden" in n for n in ledger.notes)
    named = read_grid(path, sheet="旧台账")
    assert named.rows[1][0] == "OLD"
    assert any("read because it was named" in n for n in named.notes)
    assert read_grid(path, sheet=0).title == "旧台账"
    records = sanitation.read_inspections(_inspections_with_hidden_sheet(tmp_path)).records
    assert records["zone_id"].tolist() == ["Z1"]
    with pytest.raises(planning.LayerFileError, match="no visible sheet"):
        read_grid(_hide_every_sheet(path))


def _hide_every_sheet(path: Path) -> Path:
    """The workbook with every sheet hidden (openpyxl refuses to save one)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts["xl/workbook.xml"].decode("utf-8")
    parts["xl/workbook.xml"] = xml.replace('state="visible"', 'state="hidden"').encode()
    hidden = path.with_name("all_hidden.xlsx")
    with zipfile.ZipFile(hidden, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return hidden


def _inspections_with_hidden_sheet(folder: Path) -> Path:
    book = openpyxl.Workbook()
    old = book.active
    old.append(["责任区编号", "检查日期", "总分"])
    old.append(["Z9", "2011-11-05", 10])
    old.sheet_state = "hidden"
    new = book.create_sheet("12月")
    new.append(["责任区编号", "检查日期", "总分"])
    new.append(["Z1", "2011-12-05", 90])
    path = folder / "inspections.xlsx"
    book.save(path)
    return path


def test_files_that_are_not_workbooks_say_how_to_fix_them(tmp_path: Path) -> None:
    with pytest.raises(planning.LayerFileError, match="does not exist"):
        read_grid(tmp_path / "missing.xlsx")
    old = tmp_path / "台账.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # cut off after its signature
    with pytest.raises(planning.LayerFileError, match=r"台账\.xls .*damaged.*save it as .*\.xlsx"):
        read_grid(old)
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(planning.LayerFileError, match=r"renamed\.xlsx.*97-2003"):
        read_grid(renamed)  # read as the .xls it is, and found damaged
    page = tmp_path / "page.xlsx"
    page.write_text("<html><table></table></html>", encoding="utf-8")
    with pytest.raises(planning.LayerFileError, match="web page"):
        read_grid(page)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(planning.LayerFileError, match=r"broken\.xlsx.*damaged"):
        Ledger.from_excel(broken)
    with pytest.raises(planning.LayerFileError, match="CSV file"):
        Ledger.from_excel(_csv(tmp_path))
    other = tmp_path / "x.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(planning.LayerFileError, match="expected an Excel workbook"):
        read_grid(other)


def _csv(folder: Path) -> Path:
    path = folder / "ledger.csv"
    path.write_text("项目编号,项目名称\nP1,甲\n", encoding="utf-8")
    return path


def test_csv_grids(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("责任区编号,总分\nZ1,\n\nZ2,95,备注\n".encode("gb18030"))
    grid = read_grid(path)
    assert grid.rows == [["责任区编号", "总分", None], ["Z1", None, None],
                         [None, None, None], ["Z2", "95", "备注"]]
    assert grid.notes == ("t.csv: read as GB18030 text",)
    with pytest.raises(planning.SheetError, match="more than 5 cells"):
        read_grid(path, max_cells=5)
    with pytest.raises(planning.LayerFileError, match="has no sheets"):
        read_grid(path, sheet="a")
