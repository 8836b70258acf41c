"""Cell text: the one meaning of "blank", cleaning for storage, folding for comparison.

- :func:`is_blank` — None, NaN, NaT, NA and text that is only (full-width) spaces.
- :func:`is_missing` — None, NaN, NaT and NA only (a space is a value).
- :func:`blank_mask` — :func:`is_blank` over a whole column.
- :func:`clean_text` — text as it is stored: stray spaces removed.
- :func:`compact` / :func:`fold` — keys to compare headers and words with; never stored.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import numpy.typing as npt
import pandas as pd

_CJK = "\u3400-\u9fff\uf900-\ufaff（）《》、，：；"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")


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


def clean_text(value: object) -> object:
    """Text with stray and full-width spaces removed (between Chinese characters: all); NA kept.

    Examples
    --------
    >>> clean_text("\u3000城 关 镇 "), clean_text("Renmin  Road"), clean_text("  ")
    ('城关镇', 'Renmin Road', <NA>)
    """
    if is_blank(value):
        return pd.NA
    text = " ".join(unicodedata.normalize("NFKC", str(value)).split())
    text = _CJK_GAP.sub("", text)
    return text or pd.NA


def compact(value: object) -> str:
    """NFKC text without any spaces (how headers and words are compared).

    Examples
    --------
    >>> compact(" 项目 名称\u3000")
    '项目名称'
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def fold(value: object) -> str:
    """:func:`compact`, lower-cased: the key for case-insensitive comparison.

    Examples
    --------
    >>> fold(" Zone ID ")
    'zoneid'
    """
    return compact(value).lower()


def cell_text(value: object) -> str:
    """A cell as text, ``3.0`` as ``"3"``, full-width folded and stripped (for parsing).

    Examples
    --------
    >>> cell_text(3.0), cell_text("　８５ ")
    ('3', '85')
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()
