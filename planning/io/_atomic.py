"""Putting a file or folder in place atomically, and mending what a killed save left behind.

Private to :mod:`planning.io` (:func:`planning.io.atomic_output`,
:func:`planning.io.recover_output`).

How a save puts its output in place
-----------------------------------
Everything is written into a *staging folder* beside the target (on the same file system, so
that renames are atomic), named ``.<name>.planning-save-<key>-<pid>-<random>``: ``<key>`` is
a hash of the target's name, so a staging folder is known to belong to it. It holds

- ``journal.json``: whose save it is (the target's name, process id and start time, host);
- ``new/<name>``: the output being written;
- ``old/<name>``: during a two-step folder swap, the previous version (a backup).

Then, only when everything was written (and flushed to disk with ``fsync``):

- a file replaces the target with one ``rename``;
- a folder is *exchanged* with the target in one step where the system can (Linux
  ``renameat2(RENAME_EXCHANGE)``); elsewhere the target is first renamed to ``old/<name>``
  and the new folder renamed to the target. If anything fails or is interrupted between the
  two, the backup is renamed back before the error propagates; after a hard kill there, the
  backup stays in the staging folder and the next save (or :func:`recover_output`, which
  :func:`planning.open_workspace` calls) renames it back and says so.

At every instant the target's name holds the complete old or the complete new output, or
(after a hard kill in a two-step swap) nothing, with the complete old one recoverable.

A staging folder whose save is over (its process has ended, or the machine has restarted
since) is removed by the next save in that folder; the staging folders of saves still
running are never touched, and nothing that does not carry a journal naming it as a save is
ever removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import socket
import stat
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from planning._errors import LayerFileError

log = logging.getLogger(__name__)

_MARK = ".planning-save-"
_STAGE = re.compile(r"^\..*\.planning-save-(?P<key>[0-9a-f]{12})-(?P<pid>\d+)-[0-9a-f]{8}$",
                    re.DOTALL)
#: staging folders of the previous implementation: ``.<name>.<8 random characters>``
_LEGACY = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}$", re.DOTALL)
_JOURNAL = "journal.json"
#: a save on another machine (shared folder) is taken as over after this long
_FOREIGN_AGE_S = 24 * 3600
#: below this much free space (or 16 blocks) a failed write is put down to a full disk
_NEARLY_FULL_BYTES = 256 * 1024
#: how writers (SQLite, GDAL, Python) say that the disk is full
_FULL_TEXT = re.compile(r"disk is full|no space left|disk full|quota exceeded", re.IGNORECASE)
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM}

#: staging folders in use by this process (another thread's save is not abandoned)
_ACTIVE: set[str] = set()
_ACTIVE_LOCK = threading.Lock()


# --- the context manager -----------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; put it in place only if the block succeeds.

    Works for files and for folders (File Geodatabases, GeoJSON folders): at every instant
    ``path`` holds the complete previous output or the complete new one. A symbolic link at
    ``path`` is followed (the file it points to is replaced, the link kept); a replaced file
    or folder keeps its permission bits (and owner and group, where allowed). What an earlier
    save that was killed left beside ``path`` is tidied first (a previous version it had
    moved aside is restored, with a warning in the log). On failure the temporary output is
    removed and the previous output is left as it was; a full disk, a read-only file system
    or a folder without write permission is one :class:`planning.LayerFileError` saying so.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_output(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    >>> sorted(p.name for p in target.parent.iterdir())  # nothing else left beside it
    ['out.txt']
    """
    given = Path(path)
    target = _resolve(given)
    _make_parent(given, target)
    for note in _tidy(target.parent, restore_only=False):
        log.warning(note)
    stage = _new_stage(given, target)
    new = stage / "new" / target.name
    existed = os.path.lexists(target)
    try:
        try:
            yield new
            if not os.path.lexists(new):
                msg = f"Nothing was written to {given}."
                raise LayerFileError(msg)
            _publish(new, target, stage, given)
        except BaseException as err:
            reason = _failure(err, stage, given, existed)
            _discard(stage, target)
            if reason is not None:
                raise LayerFileError(reason) from err
            raise
        _discard(stage, target)
    finally:  # whatever is left of it is for the next save to tidy
        _forget(stage)


def recover_output(path: str | os.PathLike[str]) -> list[str]:
    """Restore the previous version of ``path`` when a save that was killed left it moved aside.

    A save replacing a folder in two steps moves the old folder into its staging folder
    first; killed (power cut, ``SIGKILL``) at that instant, it leaves nothing at ``path``.
    This puts the old folder back (when ``path`` is missing and that save is over) and
    returns one sentence per restored output (also logged as a warning). Saves that are still
    running are left alone. :func:`planning.open_workspace` calls it; every save does too.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> recover_output(pathlib.Path(tempfile.mkdtemp()) / "ws.gdb")  # nothing to restore
    []
    """
    target = _resolve(Path(path))
    if not target.parent.is_dir():
        return []
    notes = _tidy(target.parent, restore_only=True)
    for note in notes:
        log.warning(note)
    return notes


# --- staging -----------------------------------------------------------------------------


def _resolve(path: Path) -> Path:
    """The file a save writes: symbolic links followed, so the link itself is kept."""
    real = Path(os.path.realpath(path))
    if real.is_symlink():
        msg = f"{path} is a symbolic link that cannot be followed (a loop); fix or remove it."
        raise LayerFileError(msg)
    return real


def _key(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8", "surrogatepass"),
                        usedforsecurity=False).hexdigest()[:12]


def _make_parent(given: Path, target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise LayerFileError(_os_reason(err, given, existed=False)) from err


def _new_stage(given: Path, target: Path) -> Path:
    """Create the staging folder and its journal (whose save this is)."""
    short = target.name.encode("utf-8", "surrogatepass")[:60].decode("utf-8", "ignore")
    info = {"target": target.name, **_owner()}
    existed = os.path.lexists(target)
    for _ in range(100):
        stage = target.parent / (f".{short}{_MARK}{_key(target.name)}-{os.getpid()}-"
                                 f"{secrets.token_hex(4)}")
        with _ACTIVE_LOCK:  # before it exists: another thread's save never takes it as over
            _ACTIVE.add(str(stage))
        try:
            stage.mkdir(mode=0o700)
        except FileExistsError:
            continue
        except OSError as err:
            _forget(stage)
            raise LayerFileError(_os_reason(err, given, existed=existed)) from err
        break
    else:  # pragma: no cover - 100 random names taken
        msg = f"Cannot create a staging folder beside {given}."
        raise LayerFileError(msg)
    try:
        journal = stage / _JOURNAL
        with journal.open("w", encoding="utf-8") as fh:
            json.dump(info, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        (stage / "new").mkdir()
    except OSError as err:
        _discard(stage, target)
        _forget(stage)
        raise LayerFileError(_os_reason(err, given, existed=existed)) from err
    return stage


def _owner() -> dict[str, Any]:
    return {"pid": os.getpid(), "start": _start_ticks(os.getpid()),
            "host": socket.gethostname(), "created": time.time()}


def _start_ticks(pid: int) -> int | None:
    """When process ``pid`` started (Linux clock ticks since boot), to tell a reused pid."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text.rsplit(")", 1)[-1].split()
    return int(fields[19]) if len(fields) > 19 and fields[19].isdigit() else None


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text(encoding="ascii").splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        return None
    return None


# --- publishing ----------------------------------------------------------------------------


def _publish(new: Path, target: Path, stage: Path, given: Path) -> None:
    """Put ``new`` in place of ``target`` (both complete, on disk), atomically."""
    if os.path.lexists(target) and new.is_dir() != target.is_dir():
        kind, other = ("a folder", "file") if target.is_dir() else ("a file", "folder")
        msg = (f"{given} is {kind}; a {other} cannot replace it. Remove it first or choose "
               "another name.")
        raise LayerFileError(msg)
    _keep_mode(target, new)
    _sync_tree(new)
    if not new.is_dir() or not os.path.lexists(target):
        new.replace(target)
    elif not _exchange(new, target):
        _swap_in_two_steps(new, target, stage)
    _sync_dir(target.parent)


def _swap_in_two_steps(new: Path, target: Path, stage: Path) -> None:
    """Old folder to ``old/`` in the staging folder, then the new one to the target; the old
    one is put back if the second step fails or is interrupted."""
    backup = stage / "old" / target.name
    backup.parent.mkdir()
    _sync_dir(stage)
    target.rename(backup)
    try:
        new.rename(target)
    except BaseException:  # also Ctrl-C between the two renames: put the old one back, re-raise
        if not os.path.lexists(target):
            backup.rename(target)
        raise


def _discard(stage: Path, target: Path) -> None:
    """Remove the staging folder, after putting the backup back if the target is missing."""
    backup = stage / "old" / target.name
    if os.path.lexists(backup) and not os.path.lexists(target):
        try:
            backup.rename(target)
        except OSError as err:  # the only copy of the previous version: never removed
            log.error("the previous %s could not be put back (%s); it is kept in %s, and the "
                      "next save or planning.io.recover_output() puts it back", target, err,
                      stage)
            return
        log.warning("%s: the previous version was put back", target)
    _remove_stage(stage)


def _remove_stage(stage: Path) -> None:
    # moved out of ``old/`` first, so that a half-removed backup is never restored
    if (stage / "old").exists():
        with contextlib.suppress(OSError):
            (stage / "old").rename(stage / "gone")
    shutil.rmtree(stage, ignore_errors=True)
    if os.path.lexists(stage):
        log.warning("could not remove %s; the next save in that folder removes it", stage)


def _forget(stage: Path) -> None:
    with _ACTIVE_LOCK:
        _ACTIVE.discard(str(stage))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False when the
    system or file system cannot."""
    swap = _renameat2()
    if swap is None:
        return False
    if swap(-100, os.fsencode(a), -100, os.fsencode(b), 2) == 0:  # AT_FDCWD, RENAME_EXCHANGE
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


_RENAMEAT2: list[Any] = []


def _renameat2() -> Any:
    if not _RENAMEAT2:
        function = None
        if sys.platform.startswith("linux"):
            try:
                function = ctypes.CDLL(None, use_errno=True).renameat2
            except (AttributeError, OSError):
                function = None
            else:
                function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                     ctypes.c_char_p, ctypes.c_uint]
                function.restype = ctypes.c_int
        _RENAMEAT2.append(function)
    return _RENAMEAT2[0]


# --- permissions and flushing --------------------------------------------------------------


def _keep_mode(old: Path, new: Path) -> None:
    """Give ``new`` the permission bits (and owner, where allowed) of the output it replaces;
    in a folder, each file those of the file it replaces (else the usual ones of the old
    folder's files)."""
    try:
        top = old.stat()
    except FileNotFoundError:
        return
    if new.is_dir():
        before = {p.relative_to(old): p.stat() for p in _files(old)}
        usual = Counter(stat.S_IMODE(s.st_mode) for s in before.values()).most_common(1)
        for path in _files(new):
            like = before.get(path.relative_to(new))
            if like is not None:
                _set_owner_and_mode(path, like, stat.S_IMODE(like.st_mode))
            else:
                _set_owner_and_mode(path, top, usual[0][0] if usual else None)
    _set_owner_and_mode(new, top, stat.S_IMODE(top.st_mode))


def _set_owner_and_mode(path: Path, like: os.stat_result, mode: int | None) -> None:
    current = path.stat()
    if hasattr(os, "chown") and (current.st_uid, current.st_gid) != (like.st_uid, like.st_gid):
        try:
            os.chown(path, like.st_uid, like.st_gid)
        except PermissionError:
            with contextlib.suppress(PermissionError):
                os.chown(path, -1, like.st_gid)
    if mode is not None:
        path.chmod(mode)


def _files(root: Path) -> Iterator[Path]:
    for folder, _, names in os.walk(root):
        for name in names:
            yield Path(folder) / name


def _sync_tree(path: Path) -> None:
    """Flush a file, or every file and folder of a folder, to disk (a folder's files on a few
    threads: the file system then commits their flushes together, in about half the time)."""
    if not path.is_dir():
        _sync_file(path)
        return
    files: list[Path] = []
    folders: list[Path] = []
    for top, _, names in os.walk(path):
        files += [Path(top) / name for name in names]
        folders.append(Path(top))
    if len(files) > 4:
        with ThreadPoolExecutor(max_workers=min(8, len(files))) as pool:
            list(pool.map(_sync_file, files))
    else:
        for file in files:
            _sync_file(file)
    for done in reversed(folders):
        _sync_dir(done)


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(path: Path) -> None:
    """Flush a folder's entries to disk, where the system can (a folder one may write but
    not read, a file system that cannot flush folders: nothing to be done)."""
    if not hasattr(os, "O_DIRECTORY"):  # Windows: folders cannot be flushed
        return
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as err:
        log.debug("cannot flush folder %s: %s", path, err)
        return
    try:
        os.fsync(fd)
    except OSError as err:
        log.debug("cannot flush folder %s: %s", path, err)
    finally:
        os.close(fd)


# --- tidying what earlier saves left --------------------------------------------------------


def _stages(folder: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The staging folders in ``folder`` with their journals (empty when it is missing)."""
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(".") and _MARK in e.name]
    except OSError:
        return
    for entry in entries:
        if not _STAGE.match(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        stage = Path(entry.path)
        try:
            info = json.loads((stage / _JOURNAL).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
        yield stage, info if isinstance(info, dict) else {}


def _abandoned(stage: Path, info: dict[str, Any]) -> bool:
    """True when the save that made ``stage`` is over (its process ended, or a restart)."""
    with _ACTIVE_LOCK:
        if str(stage) in _ACTIVE:
            return False
    try:
        made = stage.stat().st_mtime
    except OSError:
        return False
    boot = _boot_time()
    if boot is not None and made < boot:
        return True
    match = _STAGE.match(stage.name)
    pid = int(info.get("pid") or (match["pid"] if match else 0))
    foreign = info.get("host", socket.gethostname()) != socket.gethostname()
    if foreign or (os.name == "nt" and pid != os.getpid()):
        # another machine's save (a shared folder), or Windows, where os.kill would end the
        # process: go by age
        return time.time() - made > _FOREIGN_AGE_S
    # this process: not active (checked above); another: ended, or its pid now reused
    return pid == os.getpid() or not _running(pid, info.get("start"))


def _running(pid: int, start: object) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # no permission to signal it: it exists
        return True
    return start is None or _start_ticks(pid) in (None, start)


def _tidy(folder: Path, *, restore_only: bool) -> list[str]:
    """Restore what abandoned saves in ``folder`` moved aside; remove their staging folders."""
    notes: list[str] = []
    for stage, info in _stages(folder):
        name = info.get("target")
        if not _abandoned(stage, info):
            continue
        if isinstance(name, str) and name and "/" not in name and _key(name) in stage.name:
            try:
                notes += _restore(stage, folder / name)
            except OSError as err:
                log.error("could not put back the previous %s from %s: %s", folder / name,
                          stage, err)
            lost = os.path.lexists(stage / "old" / name) and not os.path.lexists(folder / name)
            if not restore_only and not lost:  # the backup is obsolete once the target exists
                _remove_stage(stage)
        elif not restore_only and not (stage / "old").exists():
            _remove_stage(stage)  # killed before its journal was written: nothing in it
    return notes + _tidy_legacy(folder, restore_only=restore_only)


def _restore(stage: Path, target: Path) -> list[str]:
    backup = stage / "old" / target.name
    if not os.path.lexists(backup) or os.path.lexists(target):
        return []
    backup.rename(target)
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(stage.stat().st_mtime))
    return [f"{target}: a save that was interrupted ({when}) had moved the previous version "
            "aside; it was put back (what that save was writing is lost)"]


def _tidy_legacy(folder: Path, *, restore_only: bool) -> list[str]:
    """Staging folders of the previous implementation (``.<name>.<random>`` holding ``<name>``
    and perhaps ``<name>.old``), untouched for an hour: restore, then remove (empty ones at
    once)."""
    notes: list[str] = []
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(".")]
    except OSError:
        return notes
    for entry in entries:
        match = _LEGACY.match(entry.name)
        if match is None or not entry.is_dir(follow_symlinks=False):
            continue
        name = match["name"]
        stage = Path(entry.path)
        try:
            inside = {p.name for p in stage.iterdir()}
            old_enough = time.time() - stage.stat().st_mtime > 3600
        except OSError:
            continue
        if not inside and not restore_only:  # emptied when its backup was put back
            with contextlib.suppress(OSError):
                stage.rmdir()
            continue
        if not inside <= {name, f"{name}.old"} or not old_enough:
            continue
        target = folder / name
        if f"{name}.old" in inside and not os.path.lexists(target):
            try:
                (stage / f"{name}.old").rename(target)
            except OSError as err:
                log.error("could not put back the previous %s from %s: %s", target, stage, err)
                continue
            notes.append(f"{target}: an interrupted save (of an earlier version of planning) "
                         "had moved the previous version aside; it was put back")
        if not restore_only:
            shutil.rmtree(stage, ignore_errors=True)
    return notes


# --- why a write failed ----------------------------------------------------------------------


def _failure(err: BaseException, stage: Path, given: Path, existed: bool) -> str | None:
    """One clear sentence when a write failed for want of space or permission, else None."""
    if not isinstance(err, Exception):
        return None  # KeyboardInterrupt, SystemExit: propagated as they are
    code = _errno(err)
    if code in _FULL or code == errno.EROFS or code in _DENIED:
        return _os_reason(err, given, existed=existed, code=code)
    said = next((str(e).strip().splitlines()[0] for e in _chain(err)
                 if _FULL_TEXT.search(str(e))), None)
    free = _free_bytes(stage)
    if said is not None or (free is not None
                            and free[0] < max(_NEARLY_FULL_BYTES, 16 * free[2])):
        return _os_reason(err, given, existed=existed, code=errno.ENOSPC, said=said)
    return None


def _chain(err: BaseException) -> Iterator[BaseException]:
    """``err`` and the exceptions it was raised from or during."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _errno(err: BaseException) -> int | None:
    return next((e.errno for e in _chain(err) if isinstance(e, OSError) and e.errno), None)


def _free_bytes(path: Path) -> tuple[int, int, int] | None:
    """(free bytes, size in bytes, block size) of the file system holding ``path``."""
    if not hasattr(os, "statvfs"):
        return None
    try:
        fs = os.statvfs(path)
    except OSError:
        return None
    return fs.f_bavail * fs.f_frsize, fs.f_blocks * fs.f_frsize, fs.f_frsize


def _os_reason(err: OSError | Exception, given: Path, *, existed: bool,
               code: int | None = None, said: str | None = None) -> str:
    code = code if code is not None else _errno(err)
    folder = given.parent
    state = (f"The previous {given.name} was left as it was." if existed
             else "Nothing was written.")
    if code in _FULL:
        free = _free_bytes(folder)
        room = "" if free is None else (f"; {free[0] / 1e6:.1f} MB of {free[1] / 1e6:.1f} MB "
                                        "were free when the write failed")
        writer = "" if said is None else f" (the writer said: {said})"
        return (f"Cannot write {given}: the disk holding {folder} is full{writer}{room}. "
                f"{state} Free some space or save somewhere else.")
    if code == errno.EROFS:
        return (f"Cannot write {given}: {folder} is on a read-only file system. {state} "
                "Save to a folder you can write to.")
    if code in _DENIED:
        return (f"Cannot write {given}: no permission to write in {folder}. {state} Save to "
                "a folder you can write to, or ask for write permission.")
    detail = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    return f"Cannot write {given}: {detail}. {state}"
