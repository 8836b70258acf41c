"""Files that are not what they claim: checked before any reader opens them.

A bureau's file may be a named pipe, a link that loops, a folder, empty, cut short by an
interrupted copy, or wrapped by document-encryption software (a vendor header before the
format's own first bytes). GDAL then hangs, reads part of it without a word, or fails with a
message about a temporary path. :func:`check_path` and :func:`check_content` look first: they
use ``os.stat`` (never opening a FIFO) and the file's first bytes, and raise a
:class:`LayerFileError` that names the user's file and says what to do.

:class:`Part` is one file of a layer source, on disk or inside a ``.zip``; the checks and the
encoding detection read it the same way. :func:`gdal_errors` turns the errors of GDAL (through
pyogrio) into :class:`LayerFileError` naming the user's file, never a temporary copy.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyogrio

from planning._errors import LayerFileError

#: first bytes of the formats (what a file of that suffix must begin with)
_SHP_MAGIC = b"\x00\x00\x27\x0a"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
#: dBASE version bytes (dBASE III-V, FoxPro, Visual FoxPro, with and without memo)
_DBF_VERSIONS = frozenset({0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x7B, 0x83,
                           0x8B, 0x8E, 0xCB, 0xE5, 0xF5, 0xFB})
#: how far into a file a wrapped format's own first bytes are looked for
_WRAPPER_SEARCH = 64 * 1024
_KINDS = {".shp": "Shapefile", ".shx": "Shapefile index (.shx)", ".dbf": "dBASE (.dbf)",
          ".gpkg": "GeoPackage", ".sqlite": "SQLite", ".zip": "zip archive",
          ".geojson": "GeoJSON", ".json": "GeoJSON"}
_ENCRYPTED = ("Files wrapped like this come from document-encryption software (文档加密): open "
              "it on a computer with the encryption client and save an unencrypted copy, or "
              "ask whoever sent it for one")


@dataclass(frozen=True)
class Part:
    """One file of a layer source: on disk (``path``) or a member of a zip ``archive``."""

    display: str
    path: Path | None = None
    archive: Path | None = None
    member: str | None = None

    @property
    def suffix(self) -> str:
        name = self.member if self.member is not None else str(self.path)
        return Path(name).suffix.lower()

    def size(self) -> int:
        if self.path is not None:
            return self.path.stat().st_size
        with zipfile.ZipFile(self._archive()) as archive:
            return archive.getinfo(self._member()).file_size

    def read(self, limit: int | None = None, *, offset: int = 0) -> bytes:
        """Up to ``limit`` bytes from ``offset`` (all of it when ``limit`` is None)."""
        if self.path is not None:
            with self.path.open("rb") as fh:
                fh.seek(offset)
                return fh.read() if limit is None else fh.read(limit)
        with zipfile.ZipFile(self._archive()) as archive, \
                archive.open(self._member()) as fh:
            if offset:
                fh.read(offset)
            return fh.read() if limit is None else fh.read(limit)

    def _archive(self) -> Path:
        if self.archive is None:  # pragma: no cover - a Part has a path or an archive
            raise LayerFileError(self.display)
        return self.archive

    def _member(self) -> str:
        if self.member is None:  # pragma: no cover - as above
            raise LayerFileError(self.display)
        return self.member


def check_path(path: Path, *, folder_ok: bool = True, what: str = "file") -> os.stat_result:
    """``os.stat`` of a path, or a clear error: missing, a broken or looping link, a named pipe,
    a socket or a device (never opened), or a folder where a file is needed."""
    try:
        info = path.stat()
    except OSError as err:
        raise LayerFileError(_stat_problem(path, err, what)) from None
    if stat.S_ISDIR(info.st_mode):
        if not folder_ok:
            msg = (f"{path} is a folder, not a {what}: give the file itself (for a Shapefile, "
                   "its .shp).")
            raise LayerFileError(msg)
        return info
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "a device")
        msg = (f"{path} is {kind}, not a {what}: reading it could wait for ever. Give the "
               "file itself (copy it to a folder first if it comes through a pipe).")
        raise LayerFileError(msg)
    return info


def _stat_problem(path: Path, err: OSError, what: str) -> str:
    if err.errno == errno.ELOOP:
        return (f"{path} is a symbolic link that loops (it leads back to itself through "
                f"other links): it points to no {what}. Give the real file's path.")
    if path.is_symlink():
        return (f"{path} is a symbolic link to {path.readlink()}, which does not exist: "
                f"give the real {what}'s path.")
    if err.errno == errno.ENOENT:
        return f"No such file or folder: {path}"
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"{path} cannot be read (permission denied): ask for read access to it."
    return f"{path} cannot be opened: {err.strerror or err}."


def check_file(path: str | os.PathLike[str], *, folder_ok: bool = True,
               what: str = "file") -> Path:
    """Check a file before reading it: refuse a missing file, a looping or broken link, a
    named pipe, socket or device (never opened), an empty or truncated file, or one wrapped
    by document-encryption software (:class:`LayerFileError`, naming the file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> empty = pathlib.Path(tempfile.mkdtemp()) / "plan.gpkg"
    >>> _ = empty.write_bytes(b"")
    >>> check_file(empty)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planning._errors.LayerFileError: ...plan.gpkg is empty (0 bytes): ...
    """
    src = Path(path)
    info = check_path(src, folder_ok=folder_ok, what=what)
    if stat.S_ISREG(info.st_mode):
        check_content(Part(str(src), path=src))
    return src


def check_content(part: Part) -> None:
    """Refuse an empty, truncated or wrapped (encrypted) file of a known format."""
    size = part.size()
    if size == 0:
        msg = (f"{part.display} is empty (0 bytes): the copy or download did not finish, or the "
               "file was emptied. Get the file again.")
        raise LayerFileError(msg)
    suffix = part.suffix
    if suffix not in _KINDS:
        return
    head = part.read(512)
    problem = _wrong_start(suffix, head)
    if problem is not None:
        raise LayerFileError(_not_the_format(part, suffix, head, problem))
    expected = _declared_size(suffix, head)
    if expected is not None and size < expected:
        msg = (f"{part.display} is truncated: its header says {expected:,} bytes and the file "
               f"has {size:,} (an interrupted copy or download?). Get the file again; nothing "
               "of it was read.")
        raise LayerFileError(msg)


def _wrong_start(suffix: str, head: bytes) -> str | None:
    """What a file of ``suffix`` should begin with, when ``head`` does not."""
    if suffix in (".shp", ".shx"):
        return None if head.startswith(_SHP_MAGIC) and len(head) >= 100 else \
            "00 00 27 0a (the Shapefile file code 9994)"
    if suffix in (".gpkg", ".sqlite"):
        return None if head.startswith(_SQLITE_MAGIC) else "'SQLite format 3'"
    if suffix == ".zip":
        return None if head[:4] in _ZIP_MAGICS else "'PK' (a zip archive)"
    if suffix == ".dbf":
        ok = len(head) >= 32 and head[0] in _DBF_VERSIONS \
            and struct.unpack("<H", head[8:10])[0] >= 33 and struct.unpack("<H", head[10:12])[0]
        return None if ok else "a dBASE version byte (03 for dBASE III) and a header"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return None if not text or text[:1] in (b"{", b"[", b"\x1e") else "'{' (a JSON object)"


def _declared_size(suffix: str, head: bytes) -> int | None:
    """The size the file's own header says it has (None when it does not say)."""
    if suffix in (".shp", ".shx"):
        return int(struct.unpack(">i", head[24:28])[0]) * 2
    if suffix == ".dbf":
        records, header, record = struct.unpack("<IHH", head[4:12])
        return int(header + records * record)
    if suffix in (".gpkg", ".sqlite") and len(head) >= 100:
        page = struct.unpack(">H", head[16:18])[0]
        page = 65536 if page == 1 else page
        pages, counter, valid_for = (struct.unpack(">I", head[o:o + 4])[0]
                                     for o in (28, 24, 92))
        return int(page * pages) if pages and counter == valid_for else None
    return None


def _not_the_format(part: Part, suffix: str, head: bytes, expected: str) -> str:
    kind = _KINDS[suffix]
    start = " ".join(f"{b:02x}" for b in head[:8])
    msg = f"{part.display} is not a {kind} file: it begins with {start} instead of {expected}"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        return (f"{msg}: it is a web page or an XML document (an error page saved by a failed "
                "download?). Get the file again.")
    offset = _wrapped_at(part, suffix)
    words = re.findall(rb"[A-Za-z][A-Za-z0-9_.\-]{5,}", head[:512])
    if offset is not None:
        msg += f"; the {kind} data starts after a header of {offset:,} bytes"
    if words:
        msg += f"{' holding' if offset is not None else '; its first bytes hold'} the text " \
               f"{words[0].decode('ascii')!r}"
    if offset is not None or words:
        return msg + f". {_ENCRYPTED}."
    return (msg + f". It may be encrypted by document-security software, damaged, or another "
            f"kind of file saved under a {suffix} name. {_ENCRYPTED}.")


def _wrapped_at(part: Part, suffix: str) -> int | None:
    """Where the format's own first bytes begin inside a wrapped file (None: not found)."""
    data = part.read(_WRAPPER_SEARCH)
    if suffix in (".gpkg", ".sqlite"):
        found = data.find(_SQLITE_MAGIC, 1)
        return found if found > 0 else None
    if suffix == ".zip":
        found = data.find(b"PK\x03\x04", 1)
        return found if found > 0 else None
    if suffix in (".shp", ".shx"):
        start = data.find(_SHP_MAGIC, 1)
        while start > 0:
            if data[start + 28:start + 32] == b"\xe8\x03\x00\x00":  # version 1000
                return start
            start = data.find(_SHP_MAGIC, start + 1)
    return None


@contextlib.contextmanager
def gdal_errors(display: str, *hidden: str) -> Iterator[None]:
    """Turn GDAL's errors (pyogrio's) into :class:`LayerFileError` naming ``display``.

    ``hidden`` are paths (temporary copies) the message must not show: they are replaced by
    ``display``.
    """
    try:
        yield
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        text = str(exc)
        for path in hidden:
            text = text.replace(path, display)
        if "not recognized as being in a supported file format" in text:
            msg = (f"{display} is not a layer file: GDAL reads Shapefiles (.shp, or a .zip "
                   "holding one), GeoPackages (.gpkg), GeoJSON, File Geodatabases (.gdb) and "
                   f"other GIS formats, and this {Path(display).suffix or 'file'} is none of "
                   "them.")
        else:
            msg = f"Cannot read {display}: {text.rstrip('.')}."
        raise LayerFileError(msg) from None
