"""Text encoding of Shapefile attribute tables (.dbf).

Chinese Shapefiles are very often GBK without a ``.cpg`` file, and GDAL then reads them as
Latin-1: the user sees mojibake. We read the field names and text fields of the ``.dbf``
ourselves and decide from the bytes, the same way whether the user gave the ``.shp``, the
``.dbf``, the folder or a ``.zip`` (the bytes come from a :class:`~planning.io._files.Part`).

A name can only have lost half a character to the dBASE limit when it fills the 10 bytes a
writer keeps (GDAL, ArcGIS): shorter names are whole, and are never "repaired". A whole UTF-8
name such as ``市代码`` (9 bytes) is therefore read as it is, whatever it would look like in
another encoding.
"""

from __future__ import annotations

import codecs
import struct
from typing import TYPE_CHECKING

from planning._errors import InputError, LayerFileError

if TYPE_CHECKING:
    from planning.io._files import Part
    from planning.io._sources import Shapefile

#: .cpg contents seen in the wild -> Python codec
_CPG = {
    "UTF-8": "utf-8", "UTF8": "utf-8", "65001": "utf-8",
    "GBK": "gb18030", "CP936": "gb18030", "936": "gb18030", "ANSI 936": "gb18030",
    "GB2312": "gb18030", "GB18030": "gb18030", "54936": "gb18030",
    "BIG5": "big5", "950": "big5",
    "1252": "cp1252", "ANSI 1252": "cp1252", "CP1252": "cp1252",
    "88591": "iso8859-1", "ISO-8859-1": "iso8859-1", "ISO88591": "iso8859-1",
}
#: dBASE language driver ids meaning Chinese GBK
_LDID_GBK = {0x4D, 0x7A}
#: the bytes of a field name a writer keeps: a name this long may end in half a character
NAME_LIMIT = 10


def check_encoding(encoding: str, *, what: str = "encoding") -> str:
    """The codec name Python (and GDAL) use for ``encoding``, or a clear error.

    Examples
    --------
    >>> check_encoding("GBK"), check_encoding("cp936")
    ('gbk', 'gbk')
    """
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        msg = (f"{what}={encoding!r} is not a text encoding: give one such as 'gbk' (or "
               "'gb18030', which covers it), 'utf-8' or 'big5'.")
        raise InputError(msg) from None


def field_names(header: bytes) -> list[tuple[int, bytes]]:
    """(offset, raw name) of every field descriptor of a .dbf header."""
    header_len = struct.unpack("<H", header[8:10])[0]
    out = []
    for off in range(32, min(header_len, len(header)) - 31, 32):
        if header[off] == 0x0D:
            break
        out.append((off, header[off:off + 11].split(b"\x00")[0]))
    return out


def cut_name(raw: bytes, codec: str) -> bytes | None:
    """The name without a last character cut in half by the dBASE limit, or None if whole.

    Only a name that fills the limit (:data:`NAME_LIMIT` bytes) can have been cut; the cut
    must be the last character, in ``codec``.

    Examples
    --------
    >>> cut_name("地类名称".encode()[:10], "utf-8").decode()  # GDAL keeps 10 bytes
    '地类名'
    >>> cut_name("市代码".encode(), "gb18030") is None  # 9 bytes: whole, in any encoding
    True
    """
    if len(raw) < NAME_LIMIT:
        return None
    try:
        raw.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3 and exc.end == len(raw):
            fixed = raw[:exc.start]
            if _decodes(fixed, codec):
                return fixed
    return None


def dbf_text(dbf: Part, limit: int) -> tuple[list[bytes], bytes, int]:
    """The raw field names, the bytes of the text (C) fields and the language driver id."""
    head = dbf.read(32)
    if len(head) < 32:
        msg = f"{dbf.display} is not a dBASE file (too short)."
        raise LayerFileError(msg)
    n_records, header_len, record_len = struct.unpack("<IHH", head[4:12])
    count = min(n_records, max(1, limit // max(record_len, 1)))
    data = dbf.read(header_len + count * record_len)
    names: list[bytes] = []
    offsets = []
    pos = 1  # deletion flag
    for off in range(32, header_len - 31, 32):
        desc = data[off:off + 32]
        if len(desc) < 32 or desc[0] == 0x0D:
            break
        names.append(desc[:11].split(b"\x00")[0])
        if desc[11:12] == b"C":
            offsets.append((pos, desc[16]))
        pos += desc[16]
    body = data[header_len:]
    chunks = [record[a:a + n].rstrip(b" \x00")
              for start in range(0, len(body) - record_len + 1, record_len)
              for record in (body[start:start + record_len],) for a, n in offsets]
    return names, b"\n".join(chunks), data[29] if len(data) > 29 else 0


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _reads_as(names: list[bytes], text: bytes, codec: str) -> bool:
    """The names (whole, or cut at the limit) and the text all decode in ``codec``."""
    return _decodes(text, codec) and all(
        _decodes(name, codec) or cut_name(name, codec) is not None for name in names)


def detect_shapefile_encoding(shapefile: Shapefile, limit: int) -> tuple[str, str, bool]:
    """Return ``(codec, reason, corrected)`` for a Shapefile's ``.dbf``.

    A ``.cpg`` is trusted when the names and text decode with it; otherwise the bytes
    decide: plain ASCII, valid UTF-8, else GB18030 (a superset of GBK and GB2312).
    ``corrected`` is True when a wrong ``.cpg`` was overridden or non-UTF-8 text had no
    ``.cpg``.
    """
    dbf = shapefile.dbf
    if dbf is None:  # pragma: no cover - callers detect only when there is a .dbf
        return "utf-8", "no .dbf", False
    names, text, ldid = dbf_text(dbf, limit)
    declared = None
    label = ""
    if shapefile.cpg is not None:
        label = shapefile.cpg.read(256).decode("ascii", "replace").strip().upper()
        declared = _CPG.get(label)
        if declared and _reads_as(names, text, declared):
            return declared, f".cpg says {label}", False
    everything = b"\n".join([*names, text])
    if everything.isascii():
        return "utf-8", "text is plain ASCII", False
    if declared:
        where = f"the .cpg says {label} but the text is not {declared}"
    elif label:
        where = f"the .cpg says {label!r}, which is not an encoding name"
    else:
        where = "no .cpg"
    if _reads_as(names, text, "utf-8"):
        return "utf-8", f"{where}; the text is UTF-8", declared is not None
    if _reads_as(names, text, "gb18030"):
        ldid_note = ", as the language driver id says" if ldid in _LDID_GBK else ""
        return "gb18030", f"{where}; the text is GB18030/GBK{ldid_note}", True
    msg = (f"Cannot tell the text encoding of {dbf.display}: its text is neither UTF-8 nor "
           "GBK/GB18030. Give the encoding with encoding='...' (for example 'big5' for "
           "traditional Chinese, 'cp1252' for Western European text).")
    raise InputError(msg)
