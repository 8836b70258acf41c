"""Text encoding of Shapefile attribute tables (.dbf).

Chinese Shapefiles are very often GBK without a ``.cpg`` file, and GDAL then reads them as
Latin-1: the user sees mojibake. We read the field names and text fields of the ``.dbf``
ourselves and decide from the bytes.
"""

from __future__ import annotations

import struct
from pathlib import Path

from planning._errors import InputError

#: .cpg contents seen in the wild -> Python codec
_CPG = {
    "UTF-8": "utf-8", "UTF8": "utf-8", "65001": "utf-8",
    "GBK": "gb18030", "CP936": "gb18030", "936": "gb18030", "ANSI 936": "gb18030",
    "GB2312": "gb18030", "GB18030": "gb18030", "54936": "gb18030",
    "BIG5": "big5", "950": "big5",
    "1252": "cp1252", "ANSI 1252": "cp1252", "CP1252": "cp1252",
    "88591": "latin-1", "ISO-8859-1": "latin-1", "ISO88591": "latin-1",
}
#: dBASE language driver ids meaning Chinese GBK
_LDID_GBK = {0x4D, 0x7A}


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
    """The name without a last character cut in half by the 11-byte limit, or None if whole.

    GDAL and other writers truncate long field names at 11 bytes, which can split a UTF-8 or
    GBK character; readers then fail on the whole file.
    """
    try:
        raw.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3 and exc.end == len(raw):
            fixed = raw[:exc.start]
            if _decodes(fixed, codec):
                return fixed
    return None


def dbf_text_bytes(dbf: Path, limit: int) -> tuple[bytes, int]:
    """Return the bytes of the field names and text (C) fields, and the language driver id.

    A field name whose last character was cut by the 11-byte limit is taken without it.
    """
    with dbf.open("rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            msg = f"{dbf} is not a dBASE file (too short)."
            raise InputError(msg)
        n_records, header_len, record_len = struct.unpack("<IHH", head[4:12])
        ldid = head[29]
        descriptors = fh.read(header_len - 32)
        fields: list[tuple[bytes, bytes, int]] = []
        for off in range(0, len(descriptors) - 31, 32):
            desc = descriptors[off:off + 32]
            if desc[0] == 0x0D:
                break
            fields.append((desc[:11].split(b"\x00")[0], desc[11:12], desc[16]))
        count = min(n_records, max(1, limit // max(record_len, 1)))
        fh.seek(header_len)
        body = fh.read(count * record_len)
    chunks = [cut_name(name, "utf-8") or cut_name(name, "gb18030") or name
              for name, _, _ in fields]
    offsets = []
    pos = 1  # deletion flag
    for _, kind, length in fields:
        if kind == b"C":
            offsets.append((pos, length))
        pos += length
    for start in range(0, len(body) - record_len + 1, record_len):
        record = body[start:start + record_len]
        chunks.extend(record[a:a + n].rstrip(b" \x00") for a, n in offsets)
    return b"\n".join(chunks), ldid


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def detect_shapefile_encoding(dbf: Path, limit: int) -> tuple[str, str, bool]:
    """Return ``(codec, reason, corrected)`` for a Shapefile's ``.dbf``.

    A ``.cpg`` is trusted when the text decodes with it; otherwise the bytes decide:
    plain ASCII, valid UTF-8, else GB18030 (a superset of GBK and GB2312). ``corrected`` is
    True when a wrong ``.cpg`` was overridden or non-UTF-8 text had no ``.cpg``.
    """
    data, ldid = dbf_text_bytes(dbf, limit)
    cpg = dbf.with_suffix(".cpg")
    if not cpg.exists():
        cpg = dbf.with_suffix(".CPG")
    declared = None
    if cpg.exists():
        text = cpg.read_bytes().decode("ascii", "replace").strip().upper()
        declared = _CPG.get(text)
        if declared and _decodes(data, declared):
            return declared, f".cpg says {text}", False
    if data.isascii():
        return "utf-8", "text is plain ASCII", False
    where = f"the .cpg says {declared} but the text is not {declared}" if declared else "no .cpg"
    if _decodes(data, "utf-8"):
        return "utf-8", f"{where}; the text is UTF-8", declared is not None
    if _decodes(data, "gb18030"):
        ldid_note = ", as the language driver id says" if ldid in _LDID_GBK else ""
        return "gb18030", f"{where}; the text is GB18030/GBK{ldid_note}", True
    msg = (f"Cannot tell the text encoding of {dbf}: it is neither UTF-8 nor GBK/GB18030. "
           "Pass the encoding with read_layer(..., encoding='...') (for example 'big5').")
    raise InputError(msg)
