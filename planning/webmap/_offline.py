"""Offline single-file HTML: inline the vendored Leaflet and plugin assets into the page.

:func:`inline` replaces every ``<script src=...>`` and ``<link rel="stylesheet" href=...>``
that folium writes with the content of the matching file in ``planning/webmap/vendor/``
(fetched from the npm registry by ``scripts/vendor_webmap_assets.sh``; versions, licences and
sha256 in ``vendor/VERSIONS.json``). Images and fonts referenced by the CSS become ``data:``
URIs. Inside the inlined libraries, web addresses that are not fetched (licence banners,
comments, the SVG namespace string) are written with an escaped slash (``https:\\/\\/``),
which JavaScript and CSS read as the same text, so that the only ``http(s)://`` left in the
file are the tile URL templates of a chosen basemap. Anything else that would still load or
link from the network is an error (:class:`OfflineError`) naming the address, never dropped
silently.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import urllib.parse
from collections.abc import Iterable, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from jinja2.utils import htmlsafe_json_dumps

from planning._errors import InputError, Problem

log = logging.getLogger(__name__)

_SCRIPT_TAG = re.compile(r'<script src="(?P<url>[^"]+)"></script>')
_LINK_TAG = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]+)"\s*/?>')
_NPM_CDN = re.compile(
    r"^https://(?:cdn\.jsdelivr\.net/npm/|unpkg\.com/)"
    r"(?P<pkg>(?:@[^/@]+/)?[^/@]+)@(?P<version>[^/]+)/(?P<file>.+)$"
)
_HTTP = re.compile(r"https?://", re.IGNORECASE)
_SCHEME = re.compile(r"[sS]?://")
_CSS_URL = re.compile(
    r"""url\(\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^)'"\s]+))\s*\)""")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif",
         ".jpg": "image/jpeg", ".woff2": "font/woff2", ".woff": "font/woff",
         ".ttf": "font/ttf"}

#: Files other tools' CDN addresses name differently from the vendored package.
_ALIASES = {("leaflet.fullscreen", "Control.FullScreen.min.js"): "Control.FullScreen.js"}

#: folium's default assets that are not on an npm CDN: address -> (package, file in it).
_URLS = {
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
    "leaflet.awesome-markers.js": ("leaflet.awesome-markers", "dist/leaflet.awesome-markers.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
    "leaflet.awesome-markers.css": ("leaflet.awesome-markers",
                                    "dist/leaflet.awesome-markers.css"),
}

#: folium's default stylesheets that are on no registry: left out of offline files, with a
#: warning (Bootstrap 3 glyphicons for Icon(prefix="glyphicon"): the marker shows without its
#: glyph, use prefix="fa"; folium's rotation rule for Icon(angle=...)).
OMITTED = {
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
    "leaflet.awesome.rotate.min.css",
}


class OfflineError(InputError):
    """A map cannot be made self-contained: it uses assets that are not vendored."""


@functools.cache
def _vendor() -> dict[str, Any]:
    text = _vendor_dir().joinpath("VERSIONS.json").read_text("utf-8")
    return {p["name"]: p for p in json.loads(text)["packages"]}


def _vendor_dir() -> Traversable:
    return resources.files("planning.webmap").joinpath("vendor")


def vendored_packages() -> list[dict[str, Any]]:
    """Name, version, licence and files of every vendored package (from VERSIONS.json)."""
    return list(_vendor().values())


def _resolve(url: str) -> str | None:
    """The vendored file (path inside vendor/) for a CDN address, or None."""
    if url in _URLS:
        name, wanted = _URLS[url]
        version = _vendor()[name]["version"]
    else:
        match = _NPM_CDN.match(url)
        if not match:
            return None
        name, version = match["pkg"], match["version"]
        wanted = _ALIASES.get((name, match["file"]), match["file"])
    pkg = _vendor().get(name)
    if pkg is None or version.split(".")[0] != pkg["version"].split(".")[0]:
        return None  # not vendored, or another major version
    for dest, info in pkg["files"].items():
        if info["from"] == wanted:
            if version != pkg["version"]:
                log.info("offline map: %s %s inlined in place of %s", name, pkg["version"],
                         version)
            return str(dest)
    return None


def _data_uri(path: str) -> str:
    suffix = path[path.rfind("."):].lower()
    mime = _MIME.get(suffix)
    if mime is None:
        msg = f"No MIME type known for the vendored file {path}."
        raise OfflineError(msg)
    data = _vendor_dir().joinpath(path).read_bytes()
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _default_icon() -> str:
    """Point Leaflet's default marker icon at inlined images.

    Leaflet finds its marker images from the address of leaflet.css, which an inlined
    stylesheet does not have; without this, ``L.marker`` would ask for marker-icon.png next
    to the HTML file.
    """
    urls = {key: _data_uri(f"leaflet/images/{name}") for key, name in (
        ("iconUrl", "marker-icon.png"), ("iconRetinaUrl", "marker-icon-2x.png"),
        ("shadowUrl", "marker-shadow.png"))}
    return ("/* planning: Leaflet's default marker icon from inlined images */\n"
            f"L.Icon.Default.imagePath = ''; L.Icon.Default.mergeOptions({json.dumps(urls)});\n")


def _escape_addresses(text: str) -> str:
    """Write ``http(s)://`` as ``http(s):\\/\\/`` (same text for JS strings and comments)."""
    return _HTTP.sub(lambda m: m.group(0)[:-2] + "\\/\\/", text)


def _ref(match: re.Match[str]) -> str:
    return (match["dq"] or match["sq"] or match["bare"] or "").strip()


def _target(base: str, ref: str) -> str:
    """The vendored path a relative ``url()`` of a stylesheet in ``base`` points to."""
    parts = base.split("/")
    for piece in ref.split("?", maxsplit=1)[0].split("#", maxsplit=1)[0].split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _font_sources(text: str, base: str) -> str:
    """In ``src:`` lists with a vendored source, drop the sources that are not vendored.

    Font Awesome lists WOFF2 then TrueType; only WOFF2 is vendored (every browser since
    2016 reads it).
    """
    def keep(match: re.Match[str]) -> str:
        items = [item.strip() for item in match["list"].split(",")]
        refs = [_CSS_URL.search(item) for item in items]
        present = [item for item, ref in zip(items, refs, strict=True) if ref and
                   _vendor_dir().joinpath(_target(base, _ref(ref))).is_file()]
        if not present or len(present) == len(items):
            return match.group(0)
        return f"src:{','.join(present)}"

    return re.sub(r"src:(?P<list>[^;}]*url\([^;}]*)", keep, text)


def _data_as_base64(ref: str) -> str:
    """A ``data:`` URI with percent-encoded text (inline SVG) re-encoded as base64."""
    head, _, body = ref.partition(",")
    if head.endswith(";base64"):
        return ref
    data = urllib.parse.unquote_to_bytes(body)
    return f"{head};base64,{base64.b64encode(data).decode('ascii')}"


def _css(path: str, problems: list[Problem]) -> str:
    text = _vendor_dir().joinpath(path).read_text("utf-8")
    base = path.rsplit("/", 1)[0]
    text = _font_sources(text, base)

    def replace(match: re.Match[str]) -> str:
        ref = _ref(match)
        if ref.startswith("data:"):
            return f'url("{_data_as_base64(ref)}")'
        if ref.startswith("#"):
            return match.group(0)
        if _HTTP.match(ref) or ref.startswith("//"):
            problems.append(Problem(path, "stylesheet loads a web address", value=ref))
            return match.group(0)
        target = _target(base, ref)
        if not _vendor_dir().joinpath(target).is_file():
            problems.append(Problem(path, "stylesheet refers to a file that is not vendored",
                                    value=ref))
            return match.group(0)
        return f'url("{_data_uri(target)}")'

    text = _CSS_URL.sub(replace, text)
    text = _CSS_COMMENT.sub(lambda m: _escape_addresses(m.group(0)), text)
    return text.replace("</style", "<\\/style")


def _js(path: str) -> str:
    text = _vendor_dir().joinpath(path).read_text("utf-8")
    text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
    return _escape_addresses(text.replace("<!--", "<\\!--"))


def _allowed_forms(allowed: Iterable[str]) -> list[str]:
    """Each allowed address as written raw and as folium's ``tojson`` writes it."""
    forms = []
    for url in allowed:
        forms.append(url)
        forms.append(str(htmlsafe_json_dumps(url))[1:-1])
        forms.append(json.dumps(url)[1:-1])
    return sorted(set(forms), key=len, reverse=True)


def remaining_addresses(html: str, *, allowed: Sequence[str] = ()) -> list[str]:
    """Every ``http(s)://`` address in ``html`` that is not one of the ``allowed`` ones.

    Examples
    --------
    >>> remaining_addresses('<a href="https://x.org/a">', allowed=["https://t/{z}"])
    ['https://x.org/a']
    """
    forms = _allowed_forms(allowed)
    found = []
    for match in _SCHEME.finditer(html):  # find "://" (fast), then look back for http(s)
        start = match.start() - 4
        if start < 0 or not _HTTP.match(html, start):
            continue
        if any(html.startswith(form, start) for form in forms):
            continue
        end = start
        while end < len(html) and html[end] not in "\"'<> \n\t)`":
            end += 1
        found.append(html[start:min(end, start + 200)])
    return found


def inline(html: str, *, allowed: Sequence[str] = ()) -> str:
    """Return ``html`` with every linked script and stylesheet inlined from the vendor folder.

    Parameters
    ----------
    html : str
        A rendered folium page.
    allowed : sequence of str
        Addresses that may stay (the basemap's tile URL templates).

    Raises
    ------
    OfflineError
        Listing every asset that is not vendored and every web address left in the page.
    """
    problems: list[Problem] = []

    def script(match: re.Match[str]) -> str:
        path = _resolve(match["url"])
        if path is None:
            problems.append(Problem("page", "script is not vendored", value=match["url"]))
            return match.group(0)
        extra = _default_icon() if path == "leaflet/leaflet.js" else ""
        return f"<script>/* {path} (vendored) */\n{_js(path)}\n{extra}</script>"

    def style(match: re.Match[str]) -> str:
        if match["url"] in OMITTED:
            log.warning("offline map: %s left out (on no registry; see docs/webmap.md)",
                        match["url"])
            return f"<!-- left out offline: {match['url'].rsplit('/', 1)[-1]} -->"
        path = _resolve(match["url"])
        if path is None:
            problems.append(Problem("page", "stylesheet is not vendored", value=match["url"]))
            return match.group(0)
        return f"<style>/* {path} (vendored) */\n{_css(path, problems)}\n</style>"

    out = _LINK_TAG.sub(style, _SCRIPT_TAG.sub(script, html))
    if not problems:
        problems.extend(Problem("page", "web address left in an offline map", value=url)
                        for url in dict.fromkeys(remaining_addresses(out, allowed=allowed)))
    if problems:
        msg = ("The map cannot be saved as a self-contained offline file. Remove the elements "
               "that use these addresses, or save with offline=False (the file will then need "
               "internet). Vendored packages: "
               + ", ".join(f"{p['name']} {p['version']}" for p in vendored_packages()) + ".")
        raise OfflineError(msg, problems)
    return out
