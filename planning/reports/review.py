"""Review reports per project (建设项目选址审查意见书), in Word (.docx) and PDF.

A report is written from the frames of a :class:`planning.ConformityReport` (its
``projects`` row and its ``reasons`` rows of the project), so that checks and columns added to
the report (a territorial-plan review, ellipsoidal areas) flow into it: every check is a row,
every area column of the project a fact. Sections:

1. 项目基本情况: the project's facts (and, with ``ws``, its ledger row: township, lead
   department, investment, dates);
2. 项目位置图: the site on the plans (a :func:`planning.print_map` sheet of the project);
3. 三规合一审查 (and, when the report carries the territorial review beside it, 国土空间规划
   审查), each with 用地面积构成 (each check's classes with their areas and share of the
   site), 控制线占用 (the control lines the site occupies) and 审查结论 (the verdict,
   conflicts first, then conditions, the conforming items in one line);
4. 会议审查意见: blank opinion boxes for the meeting.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from planning._core.dates import DateLike, as_of
from planning._core.vocab import zh_code, zh_text
from planning._errors import InputError
from planning.conformity import CHECK_ZH, TERRITORIAL_CHECKS, VERDICT_ZH, ConformityReport
from planning.io import Column, atomic_output
from planning.io.document import (
    Block,
    Document,
    Facts,
    Heading,
    Image,
    OpinionBox,
    Paragraph,
    TableBlock,
    write_document,
)
from planning.ledger import CATEGORIES, STATUSES
from planning.reports.maps import print_map

log = logging.getLogger(__name__)

#: the opinion boxes of the meeting, as the conflict ledger's opinion columns
OPINIONS = ("经发意见", "规建意见", "国土意见", "处理措施")
_SITE = {"polygon": "面状", "line": "线状（按宽度缓冲）", "point": "点状"}
_AREA_LABELS = {"m2": "平方米", "mu": "亩", "ha": "公顷"}
_SHOWN = {"project_id", "name_zh", "land_class", "site_kind", "site_area_m2", "site_area_mu",
          "verdict", "n_conflicts", "n_conditions", "reasons", "reasons_zh", "geometry"}
_LINE_CHECKS = ("control_line", "outside_development_boundary", "territorial_line")
#: every check's Chinese name: the two-plans review and the territorial review
_CHECKS = {**CHECK_ZH, **TERRITORIAL_CHECKS}
_NUMBERS = "一二三四五六七八九十"
_BREAKDOWN = (Column("check_zh", "审查项"), Column("class_zh", "类别"),
              Column("verdict_zh", "结论"),
              Column("area_m2", "面积(平方米)", kind="m2"),
              Column("area_mu", "面积(亩)", kind="mu"), Column("share", "占用地比例", kind="pct"))
_LINES = (Column("class_zh", "控制线"), Column("verdict_zh", "结论"),
          Column("area_m2", "占用面积(平方米)", kind="m2"),
          Column("area_mu", "占用面积(亩)", kind="mu"), Column("share", "占用地比例", kind="pct"))


def _project_row(report: ConformityReport, project_id: str) -> pd.Series:
    projects = report.projects
    rows = projects[projects["project_id"].astype(str) == str(project_id)]
    if rows.empty:
        some = ", ".join(map(str, projects["project_id"].head(5)))
        msg = (f"project {project_id!r} is not in the conformity report; its projects are "
               f"{some}, ... (report.projects['project_id']).")
        raise InputError(msg)
    row: pd.Series = rows.iloc[0]
    return row


def _ledger_facts(ws: Mapping[str, pd.DataFrame] | None, project_id: str) -> list[tuple[str,
                                                                                    object]]:
    if ws is None or "projects" not in ws:
        return []
    frame = ws["projects"]
    rows = frame[frame["project_id"].astype(str) == project_id]
    if rows.empty:
        return []
    row = rows.iloc[0]
    out: list[tuple[str, object]] = []
    for column, label in (("township", "所属乡镇"), ("lead_department", "牵头单位"),
                          ("category", "项目类别"), ("status", "项目状态"),
                          ("investment_wan", "总投资（万元）"), ("start_date", "开工时间"),
                          ("planned_completion", "计划完成时间"), ("listed_in", "列入计划")):
        if column not in row.index:
            continue
        value = row[column]
        if column == "category":
            value = CATEGORIES.get(str(value), value)
        elif column == "status":
            value = STATUSES.get(str(value), value)
        elif column == "listed_in" and isinstance(value, str):
            value = "、".join(zh_code(k.strip()) for k in value.split(";") if k.strip())
        out.append((label, value))
    return out


def _facts(row: pd.Series, ledger: list[tuple[str, object]]) -> Facts:
    items: list[tuple[str, object]] = [
        ("项目编号", row["project_id"]), ("项目名称", row.get("name_zh")),
        ("拟用地性质", row.get("land_class")),
        ("选址形式", _SITE.get(str(row.get("site_kind")), row.get("site_kind"))),
        ("用地面积（亩）", _round(row.get("site_area_mu"), 2)),
        ("用地面积（平方米）", _round(row.get("site_area_m2"), 2)),
        ("审查结论", VERDICT_ZH.get(str(row["verdict"]), row["verdict"])),
    ]
    for column in row.index:  # area columns the report gained (ellipsoidal areas, ...)
        unit = str(column).rsplit("_", 1)[-1]
        if column not in _SHOWN and unit in _AREA_LABELS and isinstance(row[column], float):
            items.append((f"{column}（{_AREA_LABELS[unit]}）", _round(row[column], 2)))
    return Facts([*items, *ledger], columns=2)


def _round(value: object, places: int) -> object:
    if isinstance(value, float) and math.isfinite(value):
        return round(value, places)
    return "（点状，未计面积）" if isinstance(value, float) else value


def _class_zh(check: str, code: object, name: object) -> str:
    """What a reason is about, in Chinese (internal codes through the vocabularies)."""
    if check in _LINE_CHECKS or code is None or pd.isna(code):  # type: ignore[call-overload]
        return str(name)
    if check == "development_plan":
        return f"{name}（{zh_code(code)}）"
    return f"{code} {name}"


def reason_rows(reasons: pd.DataFrame, row: pd.Series) -> pd.DataFrame:
    """A project's reasons (from a report's ``reasons`` or ``territorial_reasons``) with
    Chinese labels and each area's share of the site."""
    own = pd.DataFrame(reasons[reasons["project_id"].astype(str) == str(row["project_id"])])
    own["check_zh"] = [_CHECKS.get(str(c), str(c)) for c in own["check"]]
    own["class_zh"] = [_class_zh(str(check), code, name) for check, code, name in
                       zip(own["check"], own["code"], own["name_zh"], strict=True)]
    own["verdict_zh"] = [VERDICT_ZH.get(str(v), str(v)) for v in own["verdict"]]
    site = row.get("site_area_m2")
    own["share"] = own["area_m2"] / site if isinstance(site, float) and site > 0 else math.nan
    own["text_zh"] = own["detail_zh"].astype(str).map(zh_text)
    return own.reset_index(drop=True)


def verdict_blocks(row: pd.Series, reasons: pd.DataFrame) -> list[Block]:
    """The verdict with its reasons: conflicts, then conditions, conforming items in one line."""
    verdict = VERDICT_ZH.get(str(row["verdict"]), str(row["verdict"]))
    counted = reasons[reasons["counted"].astype(bool)]
    blocks: list[Block] = [Paragraph(f"审查结论：{verdict}。", bold=True)]
    for key, heading in (("conflict", "冲突项"), ("conditional", "有条件项")):
        items = counted[counted["verdict"] == key]
        if len(items):
            blocks.append(Paragraph(f"{heading}（{len(items)}项）：", bold=True))
            blocks += [Paragraph(f"{i}. {t}") for i, t in enumerate(items["text_zh"], start=1)]
    fine = counted[counted["verdict"] == "conforms"]
    if len(fine):
        names = "；".join(f"{c}{('（' + k + '）') if k and k != c else ''}"
                         for c, k in zip(fine["check_zh"], fine["class_zh"], strict=True))
        blocks.append(Paragraph(f"符合项（{len(fine)}项）：{names}。"))
    skipped = reasons[~reasons["counted"].astype(bool)]
    if len(skipped):
        blocks.append(Paragraph(f"另有{len(skipped)}项占用面积小于最小面积，不计入结论。",
                                style="note"))
    return blocks


def _review_blocks(reasons: pd.DataFrame, row: pd.Series) -> list[Block]:
    """Area breakdown, control lines and verdict of one review."""
    lines = reasons[reasons["check"].astype(str).isin(_LINE_CHECKS)]
    areas = reasons[~reasons["check"].astype(str).isin(_LINE_CHECKS) & reasons["area_m2"].notna()]
    return [
        Heading("用地面积构成", level=2),
        TableBlock(areas, _BREAKDOWN, empty="点状选址，按点核查，未计面积。"),
        Heading("控制线占用", level=2),
        TableBlock(lines, _LINES, empty="未占用三条控制线。"),
        Heading("审查结论", level=2),
        *verdict_blocks(row, reasons),
    ]


def review_document(report: ConformityReport, project_id: str, *,
                    ws: Mapping[str, pd.DataFrame] | None = None, picture: bytes | None = None,
                    unit: str | None = None, date: dt.date | None = None) -> Document:
    """The review report of one project as a :class:`planning.io.document.Document`.

    With a territorial review beside the two-plans one (``check_conformity(ws,
    system="both")``) the report has a section for each.
    """
    row = _project_row(report, project_id)
    county = getattr(getattr(ws, "county", None), "name_zh", "") or ""
    day = date or dt.date.today()
    reviews = [("三规合一审查" if getattr(report, "system", "") != "territorial"
                else "国土空间规划审查", report.reasons, row)]
    extra = getattr(report, "territorial_reasons", None)
    other = getattr(report, "territorial_projects", None)
    if isinstance(extra, pd.DataFrame) and isinstance(other, pd.DataFrame) \
            and extra is not report.reasons:
        rows = other[other["project_id"].astype(str) == str(row["project_id"])]
        if len(rows):
            reviews.append(("国土空间规划审查", extra, rows.iloc[0]))
    numbers = iter(_NUMBERS)
    blocks: list[Block] = [Heading(f"{next(numbers)}、项目基本情况"),
                           _facts(row, _ledger_facts(ws, str(row["project_id"])))]
    if picture is not None:
        blocks += [Heading(f"{next(numbers)}、项目位置图"),
                   Image(picture, caption=f"图1 {row.get('name_zh')}选址位置")]
    for name, frame, own in reviews:
        blocks += [Heading(f"{next(numbers)}、{name}"),
                   *_review_blocks(reason_rows(frame, own), own)]
    blocks += [Heading(f"{next(numbers)}、会议审查意见"),
               *[OpinionBox(label, height_mm=28) for label in OPINIONS]]
    return Document(
        f"{county}建设项目选址审查意见书", blocks,
        subtitle=[f"{row['project_id']}　{row.get('name_zh')}",
                  f"{unit or '编制单位：（未填写）'}　{day.year}年{day.month}月{day.day}日"],
        header=f"{county}建设项目选址审查　{row['project_id']}",
        footer="由 planning 工具包根据审查结果生成")


def _picture(report: ConformityReport, project_id: str,
             ws: Mapping[str, pd.DataFrame] | None, day: dt.date) -> bytes:
    source: Mapping[str, pd.DataFrame] = ws if ws is not None else {"projects": report.projects}
    layers = (["landuse_plan", "control_lines", "roads", "projects"] if ws is not None
              else ["discrepancies", "projects"])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site.png"
        print_map(source, out, paper="A4", orientation="landscape", project=project_id,
                  report=report, layers=layers, dpi=150, date=day)
        return out.read_bytes()


def review_report(
    report: ConformityReport,
    project_id: str,
    path: str | os.PathLike[str],
    *,
    ws: Mapping[str, pd.DataFrame] | None = None,
    unit: str | None = None,
    date: DateLike | None = None,
    location_map: bool = True,
) -> Path:
    """Write one project's review report (审查意见书) as ``.docx`` or ``.pdf``, atomically.

    Parameters
    ----------
    report : planning.ConformityReport
    project_id : str
    path : str or path-like
        ``....docx`` (Word) or ``....pdf``.
    ws : planning.Workspace, optional
        Adds the project's ledger facts and draws the location map on the plans; without it
        the map shows the report's discrepancy patches around the site.
    unit : str, optional
        The issuing unit, under the title.
    date : date, optional
        The report's date (default today).
    location_map : bool, default True

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import planning, tempfile, pathlib
    >>> ws = planning.load_sample()
    >>> report = planning.check_conformity(ws)
    >>> out = planning.review_report(report, "TQ-001", pathlib.Path(tempfile.mkdtemp())
    ...                              / "TQ-001.docx", ws=ws, date="2011-12-17")
    >>> out.name
    'TQ-001.docx'
    """
    if not isinstance(report, ConformityReport):
        msg = ("report must be a planning.ConformityReport (planning.check_conformity(ws)), got "
               f"{type(report).__name__}")
        raise TypeError(msg)
    day = as_of(date).date() if date is not None else dt.date.today()
    _project_row(report, project_id)
    picture = _picture(report, project_id, ws, day) if location_map else None
    doc = review_document(report, project_id, ws=ws, picture=picture, unit=unit, date=day)
    return write_document(doc, path)


def review_reports(
    report: ConformityReport,
    folder: str | os.PathLike[str],
    *,
    format: str = "docx",  # the file format
    ws: Mapping[str, pd.DataFrame] | None = None,
    projects: Sequence[str] | None = None,
    **options: object,
) -> list[Path]:
    """Every project's review report into a folder (``{project_id}{name}审查意见书.docx``),
    the folder written atomically; ``projects`` (ids) limits them to those projects. Options
    as in :func:`review_report`."""
    if format not in ("docx", "pdf"):
        msg = f"format must be 'docx' or 'pdf', got {format!r}"
        raise InputError(msg)
    target = Path(folder)
    chosen = report.projects
    if projects is not None:
        wanted = [str(p) for p in projects]
        unknown = sorted(set(wanted) - set(chosen["project_id"].astype(str)))
        if unknown:
            msg = (f"projects {', '.join(unknown)} are not in the report; its projects are "
                   f"{', '.join(chosen['project_id'].astype(str))}.")
            raise InputError(msg)
        chosen = chosen[chosen["project_id"].astype(str).isin(wanted)]
    names: list[Path] = []
    with atomic_output(target) as tmp:
        tmp.mkdir(parents=True)
        for _, row in chosen.iterrows():
            name = f"{row['project_id']}{row.get('name_zh') or ''}审查意见书.{format}"
            name = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in name)
            review_report(report, str(row["project_id"]), tmp / name, ws=ws,
                          **options)  # type: ignore[arg-type]
            names.append(target / name)
    return names
