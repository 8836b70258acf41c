"""Cell text: the one meaning of "blank", the stored value, and the keys to compare with.

Official text is kept as it was written: what is stored or shown is the text with its stray
spaces removed and nothing else changed (``（深圳）`` stays ``（深圳）``, ``Ｚ１`` stays ``Ｚ１``);
what is compared is a key that folds those differences away, never stored.

- :func:`is_blank` — None, NaN, NaT, NA and text that is only (full-width) spaces.
- :func:`is_missing` — None, NaN, NaT and NA only (a space is a value).
- :func:`blank_mask` — :func:`is_blank` over a whole column.
- :func:`is_placeholder` — text that stands for "nothing here" (``/``, ``—``, ``-``, ``无``).
- :func:`is_unfilled` — blank or a placeholder: the cell says nothing.
- :func:`clean_text` — text as it is stored: stray spaces removed, every character kept.
- :func:`shown` — a value as text for messages.
- :func:`compact` / :func:`fold` — keys to compare headers, words and ids with; never stored.
- :func:`header_key` — :func:`fold` of a column header without a template's marks
  (``*项目名称``, ``项目名称（必填）``).
- :func:`cell_text` — NFKC text for parsing numbers; never stored.
- :func:`instruction_row` — the first cell of a filling instruction or a note (填写说明, 注：).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

_CJK = "\u3400-\u9fff\uf900-\ufaff（）《》、，：；"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
#: cell texts that stand for "nothing here" (compared by :func:`fold`); dashes of any length
_PLACEHOLDER_WORDS = frozenset({"无", "暂无", "空", "n/a", "null"})
_DASHES = re.compile(r"^[-/\\—―–‐‑‒−﹣﹘]{1,6}$")
_INSTRUCTION = re.compile(
    r"^(?:填写说明|填表说明|填报说明|编制说明|说明|备注|附注|注|注意|提示|"
    r"填表人|填报人|制表人|制表|审核人|审核|复核|联系人|联系电话|负责人|单位负责人|"
    r"检查人|检查组|考核人|评分人|记录人|经办人|签字|签名|日期|"
    r"填报单位|填报日期|填报时间|制表日期|制表时间)"
    r"(?:[:：]|\s*$|(?<=注)\s*[\d①-⑳(（一二三四五六七八九十]|(?<=说明)\s*[\d①-⑳(（一二三四五六七八九十、.])")


def is_missing(value: object) -> bool:
    """True for None, NA, NaT and NaN (scalars only); text, even empty, is not missing.

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(pd.NaT), is_missing(""), is_missing(0)
    (True, True, False, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(math.isnan(value))
    return isinstance(value, np.datetime64) and bool(np.isnat(value))


def is_blank(value: object) -> bool:
    """True for a missing value and for text that is empty or only spaces.

    Examples
    --------
    >>> is_blank(None), is_blank("\u3000 "), is_blank("0"), is_blank(0.0)
    (True, True, False, False)
    """
    if is_missing(value):
        return True
    return isinstance(value, str) and not value.strip()


def blank_mask(values: pd.Series) -> npt.NDArray[np.bool_]:
    """:func:`is_blank` of every value of a column, as a boolean array.

    Examples
    --------
    >>> blank_mask(pd.Series(["a", " ", None, "b"])).tolist()
    [False, True, True, False]
    """
    text = values.astype("string").str.strip()
    return np.asarray((text.isna() | (text == "")).to_numpy(dtype=bool), dtype=bool)


def is_placeholder(value: object) -> bool:
    """True for text that fills a cell to say "nothing here": ``/``, ``-``, ``—``, ``——``, ``无``.

    A run of up to six dashes or slashes of any width, ``无``, ``暂无``, ``空``, ``N/A``. Not
    ``待定`` ("to be fixed"), which the date and amount readers read as not known yet.

    Examples
    --------
    >>> [is_placeholder(v) for v in ("/", "——", " － ", "无", "N/A", "待定", "无锡", 0)]
    [True, True, True, True, True, False, False, False]
    """
    if not isinstance(value, str):
        return False
    key = fold(value)
    return bool(key) and (key in _PLACEHOLDER_WORDS or bool(_DASHES.match(key)))


def is_unfilled(value: object) -> bool:
    """True for a blank cell and for a placeholder (:func:`is_placeholder`).

    Examples
    --------
    >>> is_unfilled(None), is_unfilled(" / "), is_unfilled("城关镇")
    (True, True, False)
    """
    return is_blank(value) or is_placeholder(value)


def clean_text(value: object) -> object:
    """Text as it is stored: stray spaces removed, every other character kept; NA when unfilled.

    Spaces at either end of a line and runs of spaces (full-width ones too) become one space,
    and a space between two Chinese characters (padding such as ``孙 口 乡``) is removed;
    line breaks inside a cell are kept. Full-width brackets, digits and letters stay as
    written: compare with :func:`compact` or :func:`fold`, never store them. Blank cells and
    placeholders (``/``, ``—``, ``无``) are NA; a whole number read as a float is written
    without ``.0``.

    Examples
    --------
    >>> clean_text("\u3000城 关 镇 "), clean_text("Renmin  Road"), clean_text("  ")
    ('城关镇', 'Renmin Road', <NA>)
    >>> clean_text("（深圳）国际交流中心"), clean_text("/"), clean_text(12.0)
    ('（深圳）国际交流中心', <NA>, '12')
    """
    if is_unfilled(value):
        return pd.NA
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    lines = (_CJK_GAP.sub("", " ".join(line.split())) for line in str(value).splitlines())
    text = "\n".join(line for line in lines if line)
    return text or pd.NA


def shown(value: object) -> str:
    """A value as text for a message: stripped, a whole float without ``.0``, characters kept.

    Examples
    --------
    >>> shown(" （深圳） "), shown(3.0), shown(2.5)
    ('（深圳）', '3', '2.5')
    """
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    return str(value).strip()


def compact(value: object) -> str:
    """NFKC text without any spaces (how headers, words and ids are compared); never stored.

    Examples
    --------
    >>> compact(" 项目 名称\u3000"), compact("（深圳）"), compact(3.0)
    ('项目名称', '(深圳)', '3')
    """
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def fold(value: object) -> str:
    """:func:`compact`, lower-cased: the key for case-insensitive comparison.

    Examples
    --------
    >>> fold(" Zone ID "), fold("Ｚ１")
    ('zoneid', 'z1')
    """
    return compact(value).lower()


_HEADER_MARKS = re.compile(r"^[*※★☆#]+|[*※★☆]+$|\((?:必填|选填|可选|必录|选录)\)")


def header_key(value: object) -> str:
    """:func:`fold` of a header, without the marks templates put on it: ``*`` / ``※`` / ``★``
    at either end, ``（必填）`` / ``（选填）``.

    Examples
    --------
    >>> header_key("*项目名称"), header_key("完成时限（必填）"), header_key(" Zone ID ")
    ('项目名称', '完成时限', 'zoneid')
    """
    return _HEADER_MARKS.sub("", fold(value))


def cell_text(value: object) -> str:
    """A cell as text, ``3.0`` as ``"3"``, full-width folded and stripped (for parsing only).

    Examples
    --------
    >>> cell_text(3.0), cell_text("　８５ ")
    ('3', '85')
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def instruction_row(cells: Sequence[object]) -> str | None:
    """The text of a row's first filled cell when it starts a filling instruction or a note.

    Sheets carry such rows above or below the table: ``填写说明：...``, ``注：1. ...``,
    ``备注：...``, ``说明``, and the signature lines ``填表人：`` / ``审核：`` / ``检查人：`` /
    ``联系电话：`` / ``日期：``.
    A word counts only at the start of the row's first filled cell and followed by a colon, a
    number or nothing, so ``注册登记`` or a project named ``说明书印刷厂`` is data.

    Examples
    --------
    >>> instruction_row([None, "注：1.投资单位为万元"]), instruction_row(["填写说明"])
    ('注：1.投资单位为万元', '填写说明')
    >>> instruction_row(["注册中心改造", 100]) is None, instruction_row([1, "注：无"]) is None
    (True, True)
    """
    first = next((v for v in cells if not is_blank(v)), None)
    if not isinstance(first, str):
        return None
    text = first.strip()
    return text if _INSTRUCTION.match(unicodedata.normalize("NFKC", text)) else None
