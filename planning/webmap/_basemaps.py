"""Basemaps of the meeting map: none (offline), OpenStreetMap, Tianditu, Gaode (AMap).

- ``None`` / ``"none"``: no tiles; the map works with no network at all (the default).
- ``"osm"``: OpenStreetMap standard tiles (WGS84 / Web Mercator, no shift).
- ``"tianditu"`` (vector) or ``"tianditu-img"`` (imagery), each with its annotation layer:
  the national platform 天地图. Tiles are CGCS2000, drawn as WGS84 (a few cm apart), so no
  shift. They need a key (``tk``), from ``key=`` or the ``TIANDITU_KEY`` environment variable,
  never from the code; the key ends up in the HTML, as with any web map that uses it (use a
  browser-side key restricted to your domain or office network).
- ``"gaode"`` (vector) or ``"gaode-img"`` (imagery): AMap tiles are in GCJ-02, so every layer
  is shifted WGS84 -> GCJ-02 (about 500 m at Taiqian) to sit on them.

Attribution is shown as plain text in the map corner.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from planning._errors import InputError

#: Environment variable holding the Tianditu key.
TIANDITU_ENV = "TIANDITU_KEY"
_KEY = re.compile(r"^[0-9A-Za-z]{8,64}$")


@dataclass(frozen=True)
class TileSpec:
    """One tile layer: URL template (``{s}``, ``{z}``, ``{x}``, ``{y}``), subdomains, zooms."""

    url: str
    subdomains: str = "abc"
    max_native_zoom: int = 18


@dataclass(frozen=True)
class Basemap:
    """A basemap: its tile layers (drawn in order), attribution and coordinate system.

    Attributes
    ----------
    name : str
        ``none``, ``osm``, ``tianditu``, ``tianditu-img``, ``gaode`` or ``gaode-img``.
    label : str
        Shown in the layer control.
    tiles : tuple of TileSpec
        Empty for ``none``.
    attribution : str
        Plain text.
    gcj02 : bool
        True when the tiles are in GCJ-02 and the layers must be shifted.
    """

    name: str
    label: str
    tiles: tuple[TileSpec, ...] = ()
    attribution: str = ""
    gcj02: bool = False

    @property
    def offline(self) -> bool:
        """True when the basemap needs no network."""
        return not self.tiles

    def tile_urls(self) -> list[str]:
        """The URL templates that stay in an offline map (the only http(s) references)."""
        return [t.url for t in self.tiles]


_TDT = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
        "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
_TDT_SUBDOMAINS = "01234567"
_GAODE = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
_GAODE_IMG = "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}"
_OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

NAMES = ("none", "osm", "tianditu", "tianditu-img", "gaode", "gaode-img")


def _tianditu_key(key: str | None) -> str:
    value = key if key is not None else os.environ.get(TIANDITU_ENV)
    if not value:
        msg = (f"The Tianditu basemap needs a key (tk): pass key=... to planning.webmap.basemap()"
               f" or set the environment variable {TIANDITU_ENV}. Apply for a browser key at "
               "the Tianditu developer site (console.tianditu.gov.cn), or use basemap=None for "
               "a map without tiles.")
        raise InputError(msg)
    if not _KEY.match(value):
        msg = (f"The Tianditu key must be 8-64 letters or digits (a 32-character hex key is "
               f"usual); got {len(value)} characters including other symbols. Check "
               f"{TIANDITU_ENV} or the key= argument.")
        raise InputError(msg)
    return value


def basemap(name: str | Basemap | None = None, *, key: str | None = None) -> Basemap:
    """Return a basemap by name.

    Parameters
    ----------
    name : str, Basemap or None
        One of :data:`NAMES` (``"openstreetmap"`` and ``"amap"`` are accepted too), a
        :class:`Basemap` (returned as is), or None for no tiles.
    key : str, optional
        The Tianditu key; default: the ``TIANDITU_KEY`` environment variable.

    Examples
    --------
    >>> basemap().offline, basemap("gaode").gcj02, basemap("osm").tile_urls()
    (True, True, ['https://tile.openstreetmap.org/{z}/{x}/{y}.png'])
    >>> basemap("tianditu", key="0123456789abcdef0123456789abcdef").tile_urls()[0][:32]
    'https://t{s}.tianditu.gov.cn/vec'
    """
    if isinstance(name, Basemap):
        return name
    chosen = (name or "none").strip().lower()
    chosen = {"openstreetmap": "osm", "amap": "gaode", "amap-img": "gaode-img",
              "tianditu-vec": "tianditu"}.get(chosen, chosen)
    if chosen == "none":
        return Basemap("none", "无底图 no basemap")
    if chosen == "osm":
        return Basemap("osm", "OpenStreetMap", (TileSpec(_OSM, "", 19),),
                       "© OpenStreetMap contributors")
    if chosen in ("tianditu", "tianditu-img"):
        tk = _tianditu_key(key)
        base, note = ("vec", "cva") if chosen == "tianditu" else ("img", "cia")
        tiles = tuple(TileSpec(_TDT.format(layer=layer, key=tk), _TDT_SUBDOMAINS, 18)
                      for layer in (base, note))
        label = "天地图 Tianditu " + ("矢量 vector" if base == "vec" else "影像 imagery")
        return Basemap(chosen, label, tiles, "© 国家地理信息公共服务平台 天地图 Tianditu")
    if chosen in ("gaode", "gaode-img"):
        url = _GAODE if chosen == "gaode" else _GAODE_IMG
        label = "高德地图 Gaode " + ("矢量 vector" if chosen == "gaode" else "影像 imagery")
        return Basemap(chosen, label, (TileSpec(url, "1234", 18),), "© 高德地图 AutoNavi",
                       gcj02=True)
    msg = f"Unknown basemap {name!r}: use one of {', '.join(NAMES)} or None."
    raise InputError(msg)
