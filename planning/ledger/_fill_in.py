"""Fill-in workbooks (台账填报表): each responsible unit's part of the ledger, to fill in.

One workbook per unit with only its time nodes: the columns the office owns (ids, names,
start and due dates, the responsible unit) locked, the columns the unit reports (done date,
state, percentage complete, progress, problems) open and shaded, with data validations; an
instructions sheet; and a very hidden sheet, ``_planning``, holding the unit, the as-of date,
the deadline, the send id, every value as sent and checksums, by which
:meth:`planning.Ledger.merge_returns` recognises the returned file and what the unit changed.
Every workbook is written by the one workbook writer (text never a formula).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planning._core.text import compact, is_missing
from planning._errors import InputError
from planning.io import Column, Sheet, Table, write_workbook
from planning.io.workbook import Kind, Validation
from planning.ledger._lights import ProgressRule
from planning.ledger._view import HistoryView
from planning.ledger._vocab import REPORT_STATES

#: the sheets of a fill-in workbook
FILL_SHEET = "节点填报"
GUIDE_SHEET = "填报说明"
META_SHEET = "_planning"
#: what the hidden sheet's first cell says (and the version of its layout)
META_FORMAT = "planning.fill_in/1"
#: the row of the column headers of the fill-in sheet (title and cover rows above it)
HEADER_ROW = 3
DEFAULT_DEADLINE_DAYS = 7

#: the columns of the fill-in sheet: header, field, kind, filled in by the unit
_Spec = tuple[str, str, Kind, bool]
COLUMNS: tuple[_Spec, ...] = (
    ("序号", "_no", "int", False),
    ("项目编号", "project_id", "text", False),
    ("项目名称", "project_name", "text", False),
    ("计划开工时间", "start_date", "date", False),
    ("节点编号", "node_id", "text", False),
    ("节点内容", "name_zh", "text", False),
    ("完成时限", "due_date", "date", False),
    ("责任单位", "responsible", "text", False),
    ("实际完成时间", "done_date", "date", True),
    ("推进状态", "report_state", "text", True),
    ("完成进度（%）", "progress_pct", "number", True),
    ("进展情况", "progress", "text", True),
    ("存在问题", "problems", "text", True),
)
#: the fields the office owns (locked) and those the unit reports, as the hidden sheet keeps them
LOCKED_FIELDS = ("node_id", "project_id", "project_name", "start_date", "name_zh", "due_date",
                 "responsible")
OPEN_FIELDS = ("done_date", "report_state", "progress_pct", "progress", "problems")
SENT_FIELDS = (*LOCKED_FIELDS, *OPEN_FIELDS)
#: the labels of the cover row (row 2), each followed by its value cell
COVER = ("填报单位", "填报人", "联系电话", "填报日期", "报送截止", "填报编号")
_WIDTHS = {"project_name": 24, "name_zh": 18, "progress": 36, "problems": 30,
           "responsible": 16, "report_state": 10}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}
_MAX_NAME = 60


@dataclass(frozen=True, eq=False)
class FillInSend:
    """What :meth:`planning.Ledger.fill_in_workbooks` wrote.

    Attributes
    ----------
    send_id : str
        ``TB`` and the as-of date (``TB20111217``): the send the returns belong to.
    on, deadline : pandas.Timestamp
        The day of the ledger sent, and the day the returns are due.
    folder : pathlib.Path
    workbooks : pandas.DataFrame
        One row per unit: ``unit``, ``path``, ``nodes``, ``overdue``, ``checksum``.
    dispatch : pathlib.Path
        The dispatch list (发送清单) of the send, with a blank column for the day each
        return comes in.
    notes : tuple of str
        Units asked for that had no node to report, and file names that were changed.
    """

    send_id: str
    on: pd.Timestamp
    deadline: pd.Timestamp
    folder: Path
    workbooks: pd.DataFrame
    dispatch: Path
    notes: tuple[str, ...] = field(default=())

    @property
    def paths(self) -> list[Path]:
        """The workbooks written, one per unit."""
        return [Path(p) for p in self.workbooks["path"]]


def send_id_of(day: pd.Timestamp) -> str:
    """The id of the send of the ledger of ``day``."""
    return f"TB{day:%Y%m%d}"


def cn_date(day: pd.Timestamp) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def safe_file_name(text: str) -> str:
    """A file-name part every file system accepts, keeping Chinese text as it is.

    Examples
    --------
    >>> safe_file_name("县住房和城乡建设局"), safe_file_name('a/b:c*"d"'), safe_file_name("CON")
    ('县住房和城乡建设局', 'a_b_c_d', '_CON')
    """
    clean = _UNSAFE.sub("_", str(text)).strip(" ._")[:_MAX_NAME].strip(" ._")
    if not clean:
        clean = "unit"
    if clean.split(".")[0].upper() in _RESERVED:
        clean = "_" + clean
    return clean


def unit_rows(ledger: HistoryView, day: pd.Timestamp, *, include_done: bool) -> pd.DataFrame:
    """Every node to send on ``day`` with the values the workbook shows (sorted by unit)."""
    nodes = ledger.node_reports(on=day)
    if not include_done:
        nodes = nodes[~nodes["state"].isin(["done", "done_late"])]
    out = nodes.assign(responsible=nodes["responsible"].map(
        lambda v: None if is_missing(v) else str(v)))
    return out.sort_values(["responsible", "project_id", "seq"], kind="stable").reset_index(
        drop=True)


def chosen_units(rows: pd.DataFrame, ledger: HistoryView, units: Iterable[str] | None,
                 day: pd.Timestamp) -> tuple[list[str], list[str]]:
    """The units to write for (in the order of the departments table, then by name), and
    notes on the units asked for that have nothing to report."""
    present = [u for u in dict.fromkeys(rows["responsible"]) if u is not None]
    departments = ledger.departments
    if departments is not None and "name_zh" in departments.columns:
        order = {str(n): i for i, n in enumerate(departments["name_zh"])}
        present.sort(key=lambda u: (order.get(u, len(order)), u))
    if units is None:
        return present, []
    if isinstance(units, str):
        units = [units]
    asked = [str(u) for u in units]
    known = set(ledger.node_states(on=day)["responsible"].dropna().astype(str))
    if departments is not None and "name_zh" in departments.columns:
        known |= set(departments["name_zh"].dropna().astype(str))
    unknown = [u for u in asked if u not in known]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, sorted(known), n=2, cutoff=0.4)
            hints.append(f"{name!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
        msg = (f"units= names {len(unknown)} unit(s) that are neither responsible for a node "
               f"nor in the departments table: {', '.join(hints)}.")
        raise InputError(msg)
    chosen = [u for u in dict.fromkeys(asked) if u in present]
    notes = [f"{u} has no time node to report on {day.date()}: no workbook was written"
             for u in dict.fromkeys(asked) if u not in present]
    return chosen, notes


def text_of(value: object) -> str:
    """A value as the hidden sheet and the checksums keep it (days as ISO text)."""
    if is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return str(value.isoformat())[:10]
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def checksum(lines: Iterable[Sequence[str]]) -> str:
    """A short SHA-256 of rows of text (``h`` and 16 hex digits: never read as a number)."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(("\t".join(line) + "\n").encode("utf-8"))
    return "h" + digest.hexdigest()[:16]


def locked_checksum(rows: Iterable[Sequence[str]]) -> str:
    """The checksum of the locked cells: node id and the office's fields, normalised."""
    return checksum([[compact(v) for v in row] for row in rows])


def build_workbook(unit: str, rows: pd.DataFrame, *, day: pd.Timestamp,
                   deadline: pd.Timestamp, send_id: str, rule: ProgressRule
                   ) -> tuple[list[Sheet], str]:
    """The sheets of one unit's workbook, and the checksum of its locked cells."""
    sent = [[text_of(record.get(f)) for f in SENT_FIELDS]
            for record in rows.to_dict("records")]
    locked = locked_checksum([r[: len(LOCKED_FIELDS)] for r in sent])
    meta = [
        ("format", META_FORMAT), ("unit", unit), ("as_of", day.date().isoformat()),
        ("deadline", deadline.date().isoformat()), ("send_id", send_id),
        ("sheet", FILL_SHEET), ("header_row", str(HEADER_ROW)), ("locked_checksum", locked),
    ]
    record = checksum([*meta, SENT_FIELDS, *sent])
    sheets = [
        _fill_sheet(unit, rows, day=day, deadline=deadline, send_id=send_id),
        _guide_sheet(unit, rows, day=day, deadline=deadline, send_id=send_id, rule=rule),
        _meta_sheet([*meta, ("record_checksum", record)], sent),
    ]
    return sheets, locked


def _fill_sheet(unit: str, rows: pd.DataFrame, *, day: pd.Timestamp, deadline: pd.Timestamp,
                send_id: str) -> Sheet:
    width = len(COLUMNS)
    sheet = Sheet(FILL_SHEET, landscape=True)
    sheet.put(1, 1, f"{unit}重点项目时间节点填报表（截至{cn_date(day)}）", role="title")
    sheet.merge(1, 1, 1, width)
    cover: list[tuple[str, object, bool, Kind]] = [  # label, value, filled in, kind
        ("填报单位", unit, True, "text"), ("填报人", None, True, "text"),
        ("联系电话", None, True, "text"), ("填报日期", None, True, "date"),
        ("报送截止", deadline, False, "date"), ("填报编号", send_id, False, "text")]
    for i, (label, value, editable, kind) in enumerate(cover):
        sheet.put(2, 2 * i + 1, label, role="head")
        sheet.put(2, 2 * i + 2, value, kind=kind, editable=editable)
    for c, (header, _, _, _) in enumerate(COLUMNS, start=1):
        sheet.put(HEADER_ROW, c, header, role="head")
    first = HEADER_ROW + 1
    for r, record in enumerate(rows.to_dict("records"), start=first):
        record["_no"] = r - HEADER_ROW
        record["report_state"] = REPORT_STATES.get(str(record.get("report_state")))
        for c, (_, name, kind, editable) in enumerate(COLUMNS, start=1):
            sheet.put(r, c, record.get(name), kind=kind, editable=editable,
                      wrap=name in ("progress", "problems", "project_name", "name_zh"))
    last = max(first + len(rows) - 1, first)
    _validations(sheet, first, last, day=day)
    for c, (_, name, _, _) in enumerate(COLUMNS, start=1):
        if name in _WIDTHS:
            sheet.widths[c] = _WIDTHS[name]
    sheet.fit_widths(maximum=40)
    sheet.freeze_at = (first, 4)
    sheet.print_rows = (1, HEADER_ROW)
    sheet.autofilter = (HEADER_ROW, 1, last, width)
    sheet.protected = True
    return sheet


def _validations(sheet: Sheet, first: int, last: int, *, day: pd.Timestamp) -> None:
    index = {name: c for c, (_, name, _, _) in enumerate(COLUMNS, start=1)}
    latest = (day + pd.Timedelta(days=366)).date()
    dates = Validation("date", minimum=pd.Timestamp("2000-01-01").date(), maximum=latest,
                       title="实际完成时间", prompt="节点完成的日期，如 2011-12-15；未完成的不填",
                       error=f"请填写2000-01-01至{latest.isoformat()}之间的日期（yyyy-mm-dd）；"
                             "完成时间晚于报送当日的，合并时不予采用")
    rules = {
        "done_date": dates,
        "report_state": Validation("list", options=tuple(REPORT_STATES.values()),
                                   title="推进状态", prompt="从下拉列表中选择",
                                   error="请从下拉列表中选择：" + "、".join(
                                       REPORT_STATES.values())),
        "progress_pct": Validation("decimal", minimum=0, maximum=100, title="完成进度",
                                   prompt="0-100；节点完成时填 100",
                                   error="完成进度为 0 到 100 之间的数"),
        "progress": Validation("text_length", maximum=2000, error="进展情况不超过2000字"),
        "problems": Validation("text_length", maximum=2000, error="存在问题不超过2000字"),
    }
    for name, rule in rules.items():
        sheet.validate(first, index[name], last, index[name], rule)
    column = 2 * COVER.index("填报日期") + 2
    sheet.validate(2, column, 2, column, Validation(
        "date", minimum=day.date(), maximum=latest, error="请填写填报日期（yyyy-mm-dd）"))


def _guide_sheet(unit: str, rows: pd.DataFrame, *, day: pd.Timestamp, deadline: pd.Timestamp,
                 send_id: str, rule: ProgressRule) -> Sheet:
    overdue = int((rows["state"] == "overdue").sum())
    lines = [
        f"报送单位：{unit}",
        f"台账截至：{cn_date(day)}；请于{cn_date(deadline)}前（含当日）报送领导小组办公室。",
        f"填报编号：{send_id}。请在本文件“{FILL_SHEET}”工作表中填写后原文件报送，勿另建表格。",
        f"一、本表列出贵单位负责的{len(rows)}个时间节点，其中逾期未完成{overdue}个。",
        "二、未着色的列（项目编号、项目名称、计划开工时间、节点编号、节点内容、完成时限、责任单位）"
        "由领导小组办公室维护，已锁定，请勿修改；需调整完成时限或责任单位的，请在工作例会上提出。",
        "三、黄色的列由贵单位填写：实际完成时间（节点完成的日期，不得晚于报送当日）；推进状态"
        "（下拉选择：" + "、".join(REPORT_STATES.values()) + "）；完成进度（0-100，节点完成时填"
        "100）；进展情况；存在问题（需要协调解决的问题）。表头下方一行请填写填报人、联系电话和"
        "填报日期。",
        "四、节点已完成的，请填写实际完成时间并将推进状态选为“已完成”；未完成的，请填写完成进度"
        "和进展情况。",
        "五、可以筛选（表格已保护，Excel不能对含锁定单元格的区域排序）；另行录入的报表行、列顺序不影响读取；请勿增删行、改动表头或节点编号。",
        f"六、进度红黄绿灯：完成进度低于序时进度（节点时限已过去的比例）的{rule.red_below:.0%}为"
        f"红灯，低于{rule.yellow_below:.0%}为黄灯；逾期未完成的节点为红灯"
        + (f"；连续{rule.yellows_to_red}次黄灯升为红灯" if rule.yellows_to_red else "") + "。",
        "七、逾期报送、未报送的，计入考核（报送及时情况）。",
    ]
    frame = pd.DataFrame({"line": lines})
    table = Table(GUIDE_SHEET, frame, [Column("line", "说明", width=100, wrap=True)],
                  title=f"{unit}台账填报说明", landscape=False)
    sheet = table.to_sheet()
    sheet.autofilter = None
    return sheet


def _meta_sheet(meta: Sequence[tuple[str, str]], sent: Sequence[Sequence[str]]) -> Sheet:
    sheet = Sheet(META_SHEET)
    for r, (key, value) in enumerate(meta, start=1):
        sheet.put(r, 1, key)
        sheet.put(r, 2, value)
    start = len(meta) + 2
    for c, name in enumerate(SENT_FIELDS, start=1):
        sheet.put(start, c, name)
    for r, row in enumerate(sent, start=start + 1):
        for c, value in enumerate(row, start=1):
            sheet.put(r, c, value if value != "" else None)
    sheet.hide("veryHidden")
    sheet.protected = True
    return sheet


def file_name(day: pd.Timestamp, unit: str, taken: set[str]) -> str:
    """``20111217_县交通运输局_台账填报.xlsx``, numbered when two units' names clash."""
    base = f"{day:%Y%m%d}_{safe_file_name(unit)}_台账填报"
    name, n = f"{base}.xlsx", 2
    while name.casefold() in taken:
        name = f"{base}_{n}.xlsx"
        n += 1
    taken.add(name.casefold())
    return name


def write_send(ledger: HistoryView, folder: Path, *, day: pd.Timestamp,
               deadline: pd.Timestamp, units: Iterable[str] | None, include_done: bool,
               rule: ProgressRule, guard: Callable[[Path], str | None] | None = None
               ) -> FillInSend:
    """Write every unit's workbook and the dispatch list (see ``Ledger.fill_in_workbooks``).

    ``guard(path)`` says why an existing file must not be overwritten (None: it may be); when
    one must not, nothing is written."""
    if deadline < day:
        msg = (f"deadline ({deadline.date()}) is before the day of the ledger sent "
               f"({day.date()}); give a later deadline=")
        raise InputError(msg)
    rows = unit_rows(ledger, day, include_done=include_done)
    chosen, notes = chosen_units(rows, ledger, units, day)
    send_id = send_id_of(day)
    taken: set[str] = set()
    names = {unit: file_name(day, unit, taken) for unit in chosen}
    if guard is not None:
        _check_targets([folder / name for name in names.values()], guard)
    written = []
    for unit in chosen:
        own = rows[rows["responsible"] == unit].reset_index(drop=True)
        sheets, locked = build_workbook(unit, own, day=day, deadline=deadline,
                                        send_id=send_id, rule=rule)
        name = names[unit]
        if Path(name).stem != f"{day:%Y%m%d}_{unit}_台账填报":
            notes.append(f"{unit}: written as {name} (a file name cannot hold all of its "
                         "characters, or two names clash)")
        path = write_workbook(folder / name, sheets).path
        written.append({"unit": unit, "path": path, "nodes": len(own),
                        "overdue": int((own["state"] == "overdue").sum()),
                        "checksum": locked})
    table = pd.DataFrame(written, columns=["unit", "path", "nodes", "overdue", "checksum"])
    dispatch = _dispatch(folder, table, day=day, deadline=deadline, send_id=send_id)
    return FillInSend(send_id, day, deadline, folder, table, dispatch, tuple(notes))


def _check_targets(paths: list[Path], guard: Callable[[Path], str | None]) -> None:
    """Refuse to write over a file a unit filled in (a return saved under its sent name)."""
    kept = [(p, why) for p in paths if p.exists() and (why := guard(p)) is not None]
    if kept:
        shown = "; ".join(f"{p.name}: {why}" for p, why in kept)
        msg = (f"fill_in_workbooks would overwrite {len(kept)} file(s) in {paths[0].parent} "
               f"that differ from what was sent ({shown}); nothing was written: write the send "
               "to another folder (or move the returns out first)")
        raise InputError(msg)


def _dispatch(folder: Path, table: pd.DataFrame, *, day: pd.Timestamp,
              deadline: pd.Timestamp, send_id: str) -> Path:
    frame = table.assign(no=range(1, len(table) + 1),
                         file=[Path(p).name for p in table["path"]],
                         deadline=deadline, received=None, remark=None)
    columns = [Column("no", "序号", kind="int"), Column("unit", "责任单位"),
               Column("file", "填报文件"), Column("nodes", "节点数", kind="int"),
               Column("overdue", "其中逾期", kind="int"),
               Column("deadline", "报送截止", kind="date"),
               Column("received", "收到日期", kind="date"), Column("remark", "备注")]
    title = (f"台账填报发送清单（{send_id}，截至{cn_date(day)}，{len(table)}个单位，"
             f"报送截止{cn_date(deadline)}）")
    path = folder / f"{day:%Y%m%d}_台账填报_发送清单.xlsx"
    return write_workbook(path, [Table("发送清单", frame, columns, title=title)]).path
