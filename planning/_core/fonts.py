"""Fonts that draw Chinese, for charts and printed maps (found on the system, never
downloaded; the test command installs ``fonts-wqy-microhei``)."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

log = logging.getLogger(__name__)

#: CJK fonts tried for charts, in order (the first installed one is used)
CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
             "Source Han Sans SC", "Source Han Sans CN", "SimHei", "Microsoft YaHei",
             "PingFang SC", "Heiti SC", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback")
_FONT_FILES = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "simhei", "msyh", "pingfang",
               "uming", "ukai", "droidsansfallback")


@functools.cache
def cjk_font() -> str | None:
    """The family name of an installed font that draws Chinese, or None (logged once).

    Tries :data:`CJK_FONTS` among the fonts matplotlib knows, then looks for their files
    among the system fonts (a stale matplotlib font cache may not list a font installed
    later) and registers the first one found.

    Examples
    --------
    >>> cjk_font() is None or isinstance(cjk_font(), str)
    True
    """
    from matplotlib import font_manager  # noqa: PLC0415  (heavy; only for charts)

    known = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in known:
            return name
    for path in sorted(font_manager.findSystemFonts()):
        stem = Path(path).name.lower().replace("-", "").replace("_", "")
        if any(key in stem for key in _FONT_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
            added = {f.name for f in font_manager.fontManager.ttflist} - known
            for name in CJK_FONTS:
                if name in added:
                    return name
            if added:
                return sorted(added)[0]
    log.warning("no CJK font found: Chinese text in charts will show as boxes; install "
                "fonts-wqy-microhei (Debian) or another CJK font")
    return None


def cjk_font_files() -> list[tuple[str, Path]]:
    """Installed font files that draw Chinese, best first: (family name, file).

    The families of :data:`CJK_FONTS` in that order, as matplotlib's font list knows them
    (after :func:`cjk_font` has registered a font a stale cache missed). A ``.ttc``
    collection is named by its first face, the one matplotlib reads. Writers that embed a
    font (the PDF writer of :mod:`planning.io.document`) try them in turn.

    Examples
    --------
    >>> all(path.exists() for _, path in cjk_font_files())
    True
    """
    from matplotlib import font_manager  # noqa: PLC0415  (heavy; only for printing)

    cjk_font()
    found: list[tuple[str, Path]] = []
    seen: set[Path] = set()
    entries = font_manager.fontManager.ttflist
    for name in CJK_FONTS:
        for entry in sorted(entries, key=lambda e: (e.weight != 400, e.style != "normal",
                                                     str(e.fname))):
            path = Path(entry.fname)
            if entry.name == name and path not in seen and path.exists():
                seen.add(path)
                found.append((name, path))
    return found
