"""The legend and the title panel: static HTML, every text escaped.

Colours come from :class:`~planning.webmap._styles.Style`, which accepts only ``#rrggbb``,
so the inline ``style`` attributes below cannot carry anything else.
"""

from __future__ import annotations

from collections.abc import Sequence

from planning.webmap._escape import html_text
from planning.webmap._styles import Category, Style


def swatch(category: Category) -> str:
    """The HTML of one legend symbol."""
    st: Style = category.style
    parts = []
    if category.kind == "line":
        colour = st.fill or st.color or "#333333"
        dash = "dashed" if st.dash else "solid"
        parts.append(f"border-top: {max(2, min(int(st.line_width), 6))}px {dash} {colour}")
        if st.fill and st.color:
            parts.append(f"box-shadow: 0 -1px 0 1px {st.color}")
        return f'<span class="pm-swatch pm-line" style="{"; ".join(parts)}"></span>'
    if st.fill:
        parts.append(f"background: {st.fill}")
        parts.append(f"opacity: {max(st.fill_opacity, 0.35):.2f}")
    if st.color and st.weight > 0:
        style = "dashed" if st.dash else "solid"
        parts.append(f"border: {max(1, min(round(st.weight), 4))}px {style} {st.color}")
    css = "pm-swatch pm-point" if category.kind == "point" else "pm-swatch"
    return f'<span class="{css}" style="{"; ".join(parts)}"></span>'


def legend_html(sections: Sequence[tuple[str, Sequence[Category], bool]]) -> str:
    """The legend: a section per layer, topmost layer first (open when the layer is shown;
    the map's script folds a section when its layer is switched off and opens it when it is
    switched on), a row per class, and a button that folds the whole legend away.

    Examples
    --------
    >>> from planning.webmap._styles import Style, Category
    >>> html = legend_html([("项目 <b>", [Category("计划 planned", Style(fill="#1f78b4"))], True)])
    >>> "&lt;b&gt;" in html and "<b>" not in html
    True
    >>> 'data-layer="项目 &lt;b&gt;"' in html
    True
    """
    rows = ['<div class="pm-legend-head"><span class="pm-legend-title">图例 Legend</span>'
            '<button type="button" class="pm-legend-toggle" aria-expanded="true" '
            'title="收起 / 展开图例 fold the legend">收起</button></div>',
            '<div class="pm-legend-body">']
    for title, categories, shown in reversed(sections):
        if not categories:
            continue
        rows.append(f'<details data-layer="{html_text(title)}"{" open" if shown else ""}>'
                    f"<summary>{html_text(title)}</summary>")
        for category in categories:
            rows.append(f'<div class="pm-row">{swatch(category)}'
                        f"<span>{html_text(category.label)}</span></div>")
        rows.append("</details>")
    rows.append("</div>")
    return "".join(rows)


def title_html(title: str, *, date_text: str | None, notes: Sequence[str] = ()) -> str:
    """The title and date panel.

    Examples
    --------
    >>> title_html("台前县 <script>", date_text="2011-12-17")
    '<h1>台前县 &lt;script&gt;</h1><div class="pm-date">截至 as of 2011-12-17</div>'
    """
    out = [f"<h1>{html_text(title)}</h1>"]
    if date_text:
        out.append(f'<div class="pm-date">截至 as of {html_text(date_text)}</div>')
    out.extend(f'<div class="pm-note">{html_text(note)}</div>' for note in notes)
    return "".join(out)
