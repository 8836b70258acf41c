"""Colours of map classes: the ``#rrggbb`` form, a qualitative palette, the "other" grey.

Shared by :mod:`planning.classes` (the colours of classification tables, with a palette for
tables that carry none) and :mod:`planning.webmap` (any categorical layer).

Examples
--------
>>> palette(3)
['#1f77b4', '#ff7f0e', '#2ca02c']
>>> is_colour("#A0785A"), is_colour("brown")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: A colour as the toolkit writes it: ``#`` and six hexadecimal digits.
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

#: A qualitative palette (colour-blind friendly first, then more), cycled when needed.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
)

#: Fill of the codes that match no class of a table, and its legend label.
OTHER_COLOUR = "#cccccc"
OTHER_LABEL = "其他代码 other codes"


def is_colour(value: object) -> bool:
    """True for text of the form ``#rrggbb``."""
    return isinstance(value, str) and HEX_COLOUR.match(value) is not None


def palette(n: int, colours: Sequence[str] = PALETTE) -> list[str]:
    """Return ``n`` colours from a palette, cycling when there are more classes than colours."""
    return [colours[i % len(colours)] for i in range(n)]
