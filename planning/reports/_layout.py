"""The furniture of a printed thematic map (internals): page frames, scale, north arrow,
scale bar, legend and the text blocks, drawn with matplotlib in millimetres on the paper.

Positions are given from the page's top-left corner in millimetres (as a planner measures a
sheet); :class:`Page` turns them into matplotlib's figure fractions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from planning.webmap import Category, Style, chinese_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: round scale denominators a bureau prints at (1:500 to 1:1,000,000)
SCALES = (500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000, 50_000, 100_000, 200_000,
          250_000, 500_000, 1_000_000)
#: lengths a graphic scale bar may show, in metres
_BAR_LENGTHS = (50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000,
                50_000, 100_000)
_PX_TO_PT = 0.5  # a screen pixel of the meeting map's styles, as a printed line width


def nice_scale(minimum: float) -> int:
    """The smallest round scale denominator at or above ``minimum``.

    Examples
    --------
    >>> nice_scale(7_300), nice_scale(10_000), nice_scale(31_000)
    (10000, 10000, 50000)
    """
    for scale in SCALES:
        if scale >= minimum:
            return scale
    return int(math.ceil(minimum / 1_000_000) * 1_000_000)


def layer_title(name: str) -> str:
    """The Chinese part of a layer's bilingual name (``乡镇 Townships`` -> ``乡镇``)."""
    head = re.split(r"\s+[A-Z]", name, maxsplit=1)[0].strip()
    return head or name


@dataclass
class Page:
    """A sheet of paper as a matplotlib figure; boxes in mm from the top-left corner."""

    width_mm: float
    height_mm: float
    figure: Figure
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

    def fraction(self, x: float, y: float, w: float, h: float
                 ) -> tuple[float, float, float, float]:
        """[left, bottom, width, height] as figure fractions of a box given in mm."""
        return (x / self.width_mm, 1 - (y + h) / self.height_mm, w / self.width_mm,
                h / self.height_mm)

    def axes(self, name: str, x: float, y: float, w: float, h: float, **kw: Any) -> Axes:
        """An axes over a box (recorded in :attr:`boxes` under ``name``)."""
        self.boxes[name] = (x, y, x + w, y + h)
        ax: Axes = self.figure.add_axes(self.fraction(x, y, w, h), **kw)
        ax.set_axis_off()
        return ax

    def text(self, x: float, y: float, text: str, **kw: Any) -> None:
        """Text at (x, y) mm from the top-left."""
        self.figure.text(x / self.width_mm, 1 - y / self.height_mm, text, **kw)


def neatline(page: Page, *, outer: float = 8.0, gap: float = 1.5) -> tuple[float, float, float,
                                                                              float]:
    """The map's frame (图廓): a thick outer line and a thin inner one; returns the inner box
    (x0, y0, x1, y1) in mm."""
    from matplotlib.patches import Rectangle  # noqa: PLC0415

    ax = page.axes("page", 0, 0, page.width_mm, page.height_mm, zorder=-10)
    ax.set_xlim(0, page.width_mm)
    ax.set_ylim(page.height_mm, 0)
    inner = outer + gap
    ax.add_patch(Rectangle((outer, outer), page.width_mm - 2 * outer, page.height_mm - 2 * outer,
                           fill=False, linewidth=2.0, edgecolor="#000000"))
    ax.add_patch(Rectangle((inner, inner), page.width_mm - 2 * inner, page.height_mm - 2 * inner,
                           fill=False, linewidth=0.6, edgecolor="#000000"))
    page.boxes["neatline"] = (outer, outer, page.width_mm - outer, page.height_mm - outer)
    return inner, inner, page.width_mm - inner, page.height_mm - inner


def north_arrow(page: Page, x: float, y: float, *, size: float = 16.0) -> None:
    """A north arrow (指北针) in a box ``size`` mm wide at (x, y): a split arrowhead and 北."""
    from matplotlib.patches import Polygon  # noqa: PLC0415

    ax = page.axes("north_arrow", x, y, size, size * 1.5)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.5)
    ax.add_patch(Polygon([(0.5, 1.12), (0.18, 0.05), (0.5, 0.32)], closed=True,
                         facecolor="#000000", edgecolor="#000000", linewidth=0.8))
    ax.add_patch(Polygon([(0.5, 1.12), (0.82, 0.05), (0.5, 0.32)], closed=True,
                         facecolor="#ffffff", edgecolor="#000000", linewidth=0.8))
    ax.text(0.5, 1.3, "北", ha="center", va="center", fontsize=11)


def bar_length(scale: int, *, target_mm: float = 50.0) -> int:
    """A round length in metres whose bar at ``scale`` is about ``target_mm`` long.

    Examples
    --------
    >>> bar_length(10_000), bar_length(50_000)
    (500, 2500)
    """
    wanted = target_mm / 1000 * scale
    return min(_BAR_LENGTHS, key=lambda length: abs(math.log(length / wanted)))


def scale_bar(page: Page, x: float, y: float, scale: int) -> None:
    """The graphic scale (four alternating segments) and the numeric scale under it."""
    from matplotlib.patches import Rectangle  # noqa: PLC0415

    length = bar_length(scale)
    bar_mm = length / scale * 1000
    ax = page.axes("scale_bar", x, y, bar_mm + 20, 16)
    ax.set_xlim(-4, bar_mm + 16)
    ax.set_ylim(16, 0)
    for i in range(4):
        ax.add_patch(Rectangle((i * bar_mm / 4, 5), bar_mm / 4, 2, linewidth=0.6,
                               edgecolor="#000000",
                               facecolor="#000000" if i % 2 == 0 else "#ffffff"))
    unit, divisor = ("千米", 1000) if length >= 1000 else ("米", 1)
    for i in (0, 2, 4):
        value = length * i / 4 / divisor
        ax.text(i * bar_mm / 4, 4.2, f"{value:g}", ha="center", va="bottom", fontsize=7)
    ax.text(bar_mm + 2, 6, unit, ha="left", va="center", fontsize=7)
    ax.text(0, 12.5, f"比例尺 1:{scale:,}", ha="left", va="center", fontsize=9)


@dataclass(frozen=True)
class LegendSection:
    """One layer's rows in the printed legend."""

    title: str
    rows: Sequence[Category]
    kind: str = "polygon"


def _swatch(ax: Axes, x: float, y: float, row: Category, kind: str) -> None:
    from matplotlib.colors import to_rgba  # noqa: PLC0415
    from matplotlib.lines import Line2D  # noqa: PLC0415
    from matplotlib.patches import Circle, Rectangle  # noqa: PLC0415

    style: Style = row.style
    symbol = row.kind if row.kind in ("line", "point") else kind
    edge = style.color or "none"
    dash: Any = (0, tuple(d * 0.5 for d in style.dash)) if style.dash else "solid"
    if symbol == "line":
        colour = style.fill or style.color or "#000000"
        ax.add_line(Line2D([x, x + 8], [y, y], color=colour,
                           linewidth=max(0.8, (style.line_width if style.fill else style.weight)
                                         * _PX_TO_PT), linestyle=dash))
    elif symbol == "point":
        ax.add_patch(Circle((x + 4, y), 1.6, facecolor=style.fill or "none", edgecolor=edge,
                            linewidth=0.6))
    else:
        face = to_rgba(style.fill, style.fill_opacity) if style.fill else "none"
        ax.add_patch(Rectangle((x, y - 2), 8, 4, facecolor=face, edgecolor=edge,
                               linewidth=max(0.4, style.weight * _PX_TO_PT), linestyle=dash))


def legend(page: Page, box: tuple[float, float, float, float],
           sections: Sequence[LegendSection]) -> int:
    """The legend (图例) in ``box`` (x0, y0, x1, y1 mm); rows flow into a second column when
    the first is full. Returns the number of rows that did not fit (0 when all did)."""
    x0, y0, x1, y1 = box
    ax = page.axes("legend", x0, y0, x1 - x0, y1 - y0)
    ax.set_xlim(0, x1 - x0)
    ax.set_ylim(y1 - y0, 0)
    ax.text(0, 4, "图例", fontsize=12, va="center")
    lines: list[tuple[str, Category | None, str]] = []
    for section in sections:
        lines.append((section.title, None, section.kind))
        lines += [(chinese_text(r.label), r, section.kind) for r in section.rows]
    step = 5.2
    per_column = max(1, int((y1 - y0 - 10) // step))
    columns = 1 if len(lines) <= per_column else 2
    width = (x1 - x0) / columns
    for i, (text, row, kind) in enumerate(lines[: per_column * columns]):
        column, line = divmod(i, per_column)
        x, y = column * width, 10 + line * step
        if row is None:
            ax.text(x, y, text, fontsize=8.5, va="center")
            continue
        _swatch(ax, x + 1, y, row, kind)
        ax.text(x + 11, y, _fit(text, width - 12), fontsize=7.5, va="center")
    return max(0, len(lines) - per_column * columns)


def _width_mm(text: str, size: float) -> float:
    """About how wide text is at ``size`` points (CJK characters one em, others half)."""
    em = size * 25.4 / 72
    return sum(em if ord(ch) > 0x2E80 else em * 0.55 for ch in text)


def wrap(lines: Sequence[str], width_mm: float, *, size: float = 8.0) -> list[str]:
    """Lines broken to fit ``width_mm`` at ``size`` points (a continuation is indented).

    Examples
    --------
    >>> [len(line) for line in wrap(["坐标系：2000国家大地坐标系（CGCS2000）"], 40)]
    [15, 11]
    """
    out: list[str] = []
    for line in lines:
        current = ""
        for ch in line:
            if current and _width_mm(current + ch, size) > width_mm:
                out.append(current)
                current = "　" + ch
            else:
                current += ch
        out.append(current)
    return out


def _fit(text: str, width_mm: float) -> str:
    """Text cut with … to about ``width_mm`` at 7.5 pt (CJK characters 2.6 mm, others 1.5)."""
    used, out = 0.0, []  # type: float, list[str]
    for ch in text:
        used += 2.6 if ord(ch) > 0x2E80 else 1.5
        if used > width_mm:
            return "".join(out[:-1]) + "…"
        out.append(ch)
    return text


def text_block(page: Page, x: float, y: float, lines: Sequence[str], *, size: float = 8.0,
               name: str = "notes") -> float:
    """Lines of small text from (x, y) down; returns the y below the last line."""
    step = size * 0.5
    for i, line in enumerate(lines):
        page.text(x, y + i * step, line, fontsize=size, va="top")
    page.boxes[name] = (x, y, x + 1, y + len(lines) * step)
    return y + len(lines) * step
