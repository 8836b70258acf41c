"""The layer contract's value vocabularies that more than one analysis shows in Chinese.

Codes the data keeps (``fyp12`` in ``projects.listed_in``, ``permanent_basic_farmland`` in
``control_lines.line_type``) are never printed in a Chinese sheet, report or popup: they are
shown through these tables (docs/ARCHITECTURE.md, "Value vocabularies").
"""

from __future__ import annotations

import re

#: plan keys of ``projects.listed_in``, code -> Chinese name
PLANS: dict[str, str] = {"fyp12": "十二五规划", "ledger2011": "2011年台账"}
#: ``control_lines.line_type``, code -> Chinese name
LINE_TYPES: dict[str, str] = {
    "permanent_basic_farmland": "永久基本农田",
    "ecological_red_line": "生态保护红线",
    "urban_development_boundary": "城镇开发边界",
}
_CODES = {**PLANS, **LINE_TYPES}
_IN_TEXT = re.compile(r"\b(" + "|".join(map(re.escape, sorted(_CODES, key=len, reverse=True)))
                      + r")\b")


def zh_code(code: object) -> str:
    """A vocabulary code in Chinese (other values as written).

    Examples
    --------
    >>> zh_code("fyp12"), zh_code("ecological_red_line"), zh_code("R2")
    ('十二五规划', '生态保护红线', 'R2')
    """
    text = "" if code is None else str(code)
    return _CODES.get(text, text)


def zh_text(text: str) -> str:
    """Text with the vocabulary's codes replaced by their Chinese names.

    Examples
    --------
    >>> zh_text("已列入发展规划（fyp12）")
    '已列入发展规划（十二五规划）'
    """
    return _IN_TEXT.sub(lambda m: _CODES[m.group(1)], text)
