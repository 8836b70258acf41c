"""What the user gave, as a layer GDAL can open: a file, a Shapefile's part, a folder, a zip.

The user may give a Shapefile's ``.shp``, its ``.dbf`` (or another part), the folder it is in,
or a ``.zip`` holding it; a GeoPackage, GeoJSON or File Geodatabase, bare or zipped.
:func:`resolve` finds the layer file in each case, checks every file it will be read from
(:mod:`planning.io._files`: named pipes, loops, empty, truncated and wrapped files), and
returns a :class:`Source`: what GDAL opens, how messages name it (always the user's path),
and the parts of a Shapefile, so that the encoding is detected from the same ``.dbf`` bytes
whichever of these was given.
"""

from __future__ import annotations

import contextlib
import shutil
import stat
import struct
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from planning._errors import InputError, LayerFileError
from planning.io._files import Part, check_content, check_path

#: files that hold a layer (what a folder or a zip is searched for)
LAYER_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")
#: the files of a Shapefile besides the .shp (what a user may give instead of it)
_SIDECARS = (".dbf", ".shx", ".prj", ".cpg", ".sbn", ".sbx", ".qix", ".qmd", ".fix")


@dataclass(frozen=True)
class Shapefile:
    """The parts of one Shapefile (``None``: the part is missing)."""

    shp: Part
    shx: Part | None
    dbf: Part | None
    prj: Part | None
    cpg: Part | None

    @property
    def shapes(self) -> int | None:
        """Shapes the ``.shx`` indexes (one 8-byte record each after a 100-byte header)."""
        return None if self.shx is None else max(0, (self.shx.size() - 100) // 8)

    @property
    def records(self) -> int | None:
        """Records the ``.dbf`` header declares."""
        if self.dbf is None:
            return None
        return int(struct.unpack("<I", self.dbf.read(8)[4:8])[0])

    def parts(self) -> dict[str, Part]:
        found = {".shp": self.shp, ".shx": self.shx, ".dbf": self.dbf, ".prj": self.prj,
                 ".cpg": self.cpg}
        return {k: v for k, v in found.items() if v is not None}


@dataclass(frozen=True)
class Source:
    """A layer source: what GDAL opens (``gdal``), how messages name it (``display``)."""

    user: Path
    display: str
    gdal: str
    layer: str | int | None
    shapefile: Shapefile | None = None
    notes: tuple[str, ...] = field(default=())


def resolve(src: Path, layer: str | int | None) -> Source:
    """The layer source the user means by ``src`` (and ``layer``), with every file checked."""
    if stat.S_ISDIR(check_path(src).st_mode):
        if src.suffix.lower() == ".gdb":
            return _geodatabase(src, layer)
        return _folder(src, layer)
    suffix = src.suffix.lower()
    if suffix in _SIDECARS:
        shp = _sibling(src, ".shp")
        if shp is None:
            what = "attribute table" if suffix == ".dbf" else f"{suffix} file"
            msg = (f"{src} is the {what} of a Shapefile, and there is no {src.stem}.shp beside "
                   "it: give the .shp, or copy it into the same folder with the .shx and .dbf.")
            raise LayerFileError(msg)
        found = resolve(shp, layer)
        return _with_note(found, f"{src.name} is part of the Shapefile {shp.name}: read that")
    if suffix == ".zip":
        return _zip(src, layer)
    if suffix == ".shp":
        return _shapefile_on_disk(src, layer)
    check_content(Part(str(src), path=src))
    return Source(src, str(src), str(src), layer)


def _with_note(source: Source, note: str) -> Source:
    return Source(source.user, source.display, source.gdal, source.layer, source.shapefile,
                  (note, *source.notes))


def _sibling(src: Path, suffix: str) -> Path | None:
    """The file beside ``src`` with the same stem and ``suffix`` (any case), if any."""
    exact = src.with_suffix(suffix)
    if exact.exists() or exact.is_symlink():
        return exact
    for candidate in (src.with_suffix(suffix.upper()),):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    stem = src.stem.lower()
    for entry in src.parent.iterdir():
        if entry.stem.lower() == stem and entry.suffix.lower() == suffix:
            return entry
    return None


def _shapefile_on_disk(shp: Path, layer: str | int | None) -> Source:
    check_path(shp, folder_ok=False, what="Shapefile")
    parts: dict[str, Part | None] = {}
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        path = shp if suffix == ".shp" else _sibling(shp, suffix)
        if path is not None:
            check_path(path, folder_ok=False, what=f"{suffix} file")
        parts[suffix] = None if path is None else Part(str(path), path=path)
    _check_layer_name(shp.stem, layer, str(shp))
    return Source(shp, str(shp), str(shp), None, _checked_shapefile(parts, str(shp)))


def _checked_shapefile(parts: Mapping[str, Part | None], display: str) -> Shapefile:
    shp = parts[".shp"]
    if shp is None:  # pragma: no cover - the .shp is what was found
        raise LayerFileError(display)
    if parts.get(".shx") is None:
        msg = (f"The index file (.shx) of {display} is missing: a Shapefile is read from its "
               ".shp, .shx and .dbf (and .prj, .cpg) together. Copy the .shx into the same "
               "folder.")
        raise LayerFileError(msg)
    for suffix in (".shp", ".shx", ".dbf"):
        part = parts.get(suffix)
        if part is not None:
            check_content(part)
    return Shapefile(shp, parts.get(".shx"), parts.get(".dbf"), parts.get(".prj"),
                     parts.get(".cpg"))


def _check_layer_name(stem: str, layer: str | int | None, display: str) -> None:
    if layer is None or layer == 0 or (isinstance(layer, str) and layer.lower() == stem.lower()):
        return
    msg = (f"{display} holds one layer, {stem!r}; there is no layer {layer!r} in it (leave "
           "layer=... out).")
    raise InputError(msg)


def _choose(names: list[str], layer: str | int | None, where: str, kinds: str) -> int:
    """Which of the layer files ``names`` (stems or member paths) the user means."""
    if not names:
        msg = f"{where} holds no layer files ({kinds}): give the file itself."
        raise LayerFileError(msg)
    if layer is None:
        if len(names) == 1:
            return 0
        msg = (f"{where} holds {len(names)} layers ({', '.join(names)}); choose one with "
               "layer=... .")
        raise InputError(msg)
    if isinstance(layer, int) and not isinstance(layer, bool):
        if 0 <= layer < len(names):
            return layer
    else:
        wanted = str(layer).lower()
        for i, name in enumerate(names):
            if wanted in (name.lower(), PurePosixPath(name).stem.lower(),
                          PurePosixPath(name).name.lower()):
                return i
    msg = f"{where} has no layer {layer!r}; its layers are {', '.join(names)}."
    raise InputError(msg)


def _folder(src: Path, layer: str | int | None) -> Source:
    if src.suffix.lower() in (*LAYER_SUFFIXES, ".zip", *_SIDECARS):
        msg = (f"{src} is a folder, not a {src.suffix} file: give the file itself, or the "
               "folder that holds it.")
        raise LayerFileError(msg)
    files = sorted(p for p in src.iterdir() if not p.name.startswith(".")
                   and (p.suffix.lower() in LAYER_SUFFIXES or p.suffix.lower() == ".gdb"))
    kinds = ".shp, .gpkg, .geojson, .gdb"
    inward = len(files) == 1 and not _matches(files[0].name, layer)  # a layer of that file
    index = _choose([p.name for p in files], None if inward else layer, f"The folder {src}",
                    kinds)
    chosen = files[index]
    found = resolve(chosen, layer if inward else None)
    return _with_note(found, f"the folder {src} was given: read {chosen.name}")


def _geodatabase(src: Path, layer: str | int | None) -> Source:
    if not any(p.suffix.lower() == ".gdbtable" for p in src.iterdir()):
        msg = (f"{src} is a folder named .gdb without File Geodatabase tables (.gdbtable) in it: "
               "copy the whole .gdb folder again.")
        raise LayerFileError(msg)
    return Source(src, str(src), str(src), layer)


# --- zip archives -----------------------------------------------------------------------


def _zip(src: Path, layer: str | int | None) -> Source:
    check_content(Part(str(src), path=src))
    try:
        with zipfile.ZipFile(src) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()
                     and not i.filename.startswith("__MACOSX/")
                     and not PurePosixPath(i.filename).name.startswith("._")]
    except zipfile.BadZipFile as err:
        msg = (f"{src} is not a complete zip archive ({err}): it is truncated or damaged. Get "
               "the file again.")
        raise LayerFileError(msg) from None
    if any(i.flag_bits & 0x1 for i in infos):
        msg = f"{src} is protected by a password: unpack it with the password and read the files."
        raise LayerFileError(msg)
    names = [i.filename for i in infos]
    roots = {root for root in map(_gdb_root, names) if root is not None}
    layers = sorted({*(n for n in names if PurePosixPath(n).suffix.lower() in LAYER_SUFFIXES),
                     *roots})
    inward = len(layers) == 1 and not _matches(layers[0], layer)  # a layer of that one file
    index = _choose([_shown(n, infos) for n in layers], None if inward else layer,
                    f"The zip archive {src}", ".shp, .gpkg, .geojson, .gdb")
    member = layers[index]
    display = f"{src} [{_shown(member, infos)}]"
    gdal = f"/vsizip/{src.resolve()}/{member}"
    inner = layer if inward else None
    if PurePosixPath(member).suffix.lower() != ".shp":
        if not member.endswith(".gdb"):
            check_content(Part(display, archive=src, member=member))
        return Source(src, display, gdal, inner)
    stem = str(PurePosixPath(member).with_suffix(""))
    by_lower = {n.lower(): n for n in names}
    parts: dict[str, Part | None] = {}
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        name = member if suffix == ".shp" else by_lower.get((stem + suffix).lower())
        parts[suffix] = None if name is None else Part(
            f"{src} [{_shown(name, infos)}]", archive=src, member=name)
    return Source(src, display, gdal, None, _checked_shapefile(parts, display))


def _matches(member: str, layer: str | int | None) -> bool:
    """``layer`` names this member or file (or, None, names nothing else)."""
    if layer is None or (isinstance(layer, int) and layer == 0):
        return True
    return isinstance(layer, str) and layer.lower() in (
        member.lower(), PurePosixPath(member).stem.lower(), PurePosixPath(member).name.lower())


def _gdb_root(name: str) -> str | None:
    parts = PurePosixPath(name).parts
    for i, part in enumerate(parts[:-1]):
        if part.lower().endswith(".gdb"):
            return "/".join(parts[: i + 1])
    return None


def _shown(name: str, infos: list[zipfile.ZipInfo]) -> str:
    """A member's name as its writer meant it: names without the UTF-8 flag are bytes in the
    writer's code page (GBK on Chinese Windows), which zipfile decodes as CP437."""
    flagged = {i.filename: bool(i.flag_bits & 0x800) for i in infos}
    if flagged.get(name, True) or name.isascii():
        return name
    raw = name.encode("cp437")
    for codec in ("utf-8", "gb18030"):
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode(codec)
    return name


# --- temporary copies (the user's files are never changed) -------------------------------


@contextlib.contextmanager
def local_copy(parts: Mapping[str, Part], *, stem: str = "layer",
               writable: tuple[str, ...] = ()) -> Iterator[dict[str, Path]]:
    """The ``parts`` (suffix -> Part) as files of one temporary folder, named ``stem`` + suffix.

    Files on disk are linked (copied where links are not possible, and always for the suffixes
    in ``writable``); zip members are extracted. The folder is removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="planning-layer-") as tmp:
        out: dict[str, Path] = {}
        for suffix, part in parts.items():
            target = Path(tmp) / f"{stem}{suffix}"
            if part.path is not None and suffix not in writable:
                try:
                    target.symlink_to(part.path.resolve())
                except OSError:
                    shutil.copyfile(part.path, target)
            elif part.path is not None:
                shutil.copyfile(part.path, target)
            else:
                target.write_bytes(part.read())
            out[suffix] = target
        yield out
