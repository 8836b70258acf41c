"""Escaping of values that came from data, for the two places they reach in a map.

- Text inside HTML (legend, title panel, layer names): :func:`html_text`.
- Data inside a ``<script>`` element (feature properties, labels, styles): :func:`script_json`,
  JSON whose ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\u003c``-style escapes, so no
  value can close the script element, open a comment or break a JavaScript string.

Both also hide the template delimiters ``{{``, ``{%`` and ``{#``: folium (through branca)
passes the text every element renders through Jinja a second time, so a value such as
``{{ 7*7 }}`` would otherwise be *evaluated in Python* when the map is rendered (plain folium
shows ``49`` for it in a tooltip). :func:`html_text` writes ``{`` and ``}`` as character
references; :func:`script_json` writes a ``{`` that starts a delimiter as ``\\u007b``.

Values reach the page only through these two functions; the map's script builds popups,
tooltips and labels with ``textContent``, never ``innerHTML``, so a value such as
``<img src=x onerror=alert(1)>`` shows as text.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd

_JINJA_OPEN = re.compile(r"\{(?=[{%#])")
_SCRIPT_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def html_text(value: object) -> str:
    """Return ``value`` as text that is safe inside HTML elements and attribute values.

    Examples
    --------
    >>> html_text('<img src=x onerror=alert(1)>')
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> html_text(None)
    ''
    """
    text = html.escape(display_text(value), quote=True)
    return text.replace("{", "&#123;").replace("}", "&#125;")


def script_json(value: Any) -> str:
    """Return ``value`` as JSON that is safe inside a ``<script>`` element.

    Examples
    --------
    >>> print(script_json({"name": "</script><b>", "path": "D:\\\\项目", "t": "{{ 7*7 }}"}))
    {"name":"\\u003c/script\\u003e\\u003cb\\u003e","path":"D:\\\\项目","t":"\\u007b{ 7*7 }}"}
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in _SCRIPT_ESCAPES.items():  # str.replace: fast on megabytes
        text = text.replace(chr(char), escape)
    # JSON structure never writes "{{", "{%" or "{#": such a "{" is inside a string
    return _JINJA_OPEN.sub(r"\\u007b", text)


def display_text(value: object) -> str:  # noqa: PLR0911 - one return per kind of value
    """Return the text a map shows for one data value (missing values show as empty text).

    Dates show as ``YYYY-MM-DD``; whole floats without a decimal point; other floats with up
    to 2 decimals.

    Examples
    --------
    >>> display_text(pd.Timestamp("2011-12-07")), display_text(3500.0), display_text(0.125)
    ('2011-12-07', '3500', '0.12')
    >>> display_text(float("nan")), display_text(pd.NaT), display_text(pd.NA), display_text(None)
    ('', '', '', '')
    """
    if isinstance(value, str):  # the common case first
        return value
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return ""
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return f"{number:.2f}"
    if isinstance(value, pd.Timestamp | dt.datetime):
        if pd.isna(value):
            return ""
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


_ASCII_WORD = re.compile(r"^[\x21-\x7e]*[A-Za-z][\x21-\x7e]*$")


def chinese_text(text: str) -> str:
    """A bilingual label (``冲突 conflict``) in Chinese only: the English words after the
    Chinese are dropped, with a bare number that belongs to them; codes before the Chinese
    (``R2``, ``04``) and figures (``< 10%``, ``(3)``) are kept. Text with no Chinese is
    returned as it is.

    Examples
    --------
    >>> chinese_text("R2 二类居住用地 residential class 2")
    'R2 二类居住用地'
    >>> chinese_text("城镇化率 urbanisation >= 50%"), chinese_text("缺口 gap (3)")
    ('城镇化率 >= 50%', '缺口 (3)')
    >>> chinese_text("2011年重点工作台账 2011 key-works ledger"), chinese_text("Residential")
    ('2011年重点工作台账', 'Residential')
    """
    tokens = text.split(" ")
    cjk = [any(ord(ch) > 0x2E80 for ch in t) for t in tokens]
    if not any(cjk):
        return text
    first = cjk.index(True)
    drop = [i > first and bool(_ASCII_WORD.match(t)) for i, t in enumerate(tokens)]
    for i, token in enumerate(tokens):
        if i > first and token.isdigit() and (
                (i + 1 < len(tokens) and drop[i + 1]) or drop[i - 1]):
            drop[i] = True
    return " ".join(t for t, d in zip(tokens, drop, strict=True) if not d).strip()
