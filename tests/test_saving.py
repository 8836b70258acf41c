"""Saving never loses, renames or half-writes a workspace.

Fault injection (a rename made to fail or interrupted at each step of a save; a save killed
with SIGKILL at each of its steps, in a subprocess; a small file system that fills up or turns
read-only), links, permissions, what killed saves leave behind; names and text of every kind
through every file format (PostGIS: tests/test_postgis.py).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

import planning
from planning import LayerFileError, WorkspaceError
from planning.io import _atomic, atomic_output, recover_output, write_workbook
from planning.workspace import Workspace, _storage, open_workspace
from tests._saving import (
    TEXTS,
    X0,
    Y0,
    beside,
    dtypes,
    hostile,
    small,
    version_of,
)
from tests.conftest import need_tool

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ["ws.gpkg", "ws.gdb", "folder"]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _mount(where: Path, size: str) -> bool:
    if not IS_ROOT or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                           str(where)], capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A small file system of its own (a 6 MB tmpfs, mounted as root)."""
    where = tmp_path / "disk"
    where.mkdir()
    need_tool(_mount(where, "6m"), "a small file system (mount -t tmpfs, as root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def fast(tmp_path: Path) -> Iterator[Path]:
    """A scratch folder without disk flushes (tmpfs, as root), else ``tmp_path``."""
    where = tmp_path / "fast"
    where.mkdir()
    mounted = _mount(where, "256m")
    try:
        yield where
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(where)], check=False)


def _swaps_in_one_step(folder: Path) -> bool:
    """Whether the file system of ``folder`` exchanges two folders in one step."""
    a, b = folder / ".swap-a", folder / ".swap-b"
    a.mkdir()
    b.mkdir()
    try:
        return _atomic._exchange(a, b)
    finally:
        a.rmdir()
        b.rmdir()


# --- renames that fail or are interrupted ------------------------------------------------------


class Renames:
    """Counts the renames of a save (``os.rename``, ``os.replace``, the one-step exchange) and
    breaks the k-th: ``fail`` (it raises), ``fail on`` (it and every later one raise),
    ``interrupt`` (KeyboardInterrupt instead of it), ``interrupt after`` (it is done, then
    KeyboardInterrupt)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, k: int, how: str, *,
                 exchange: bool) -> None:
        self.k, self.how, self.calls = k, how, 0
        monkeypatch.setattr(os, "rename", self._hook(os.rename))
        monkeypatch.setattr(os, "replace", self._hook(os.replace))
        if exchange:
            monkeypatch.setattr(_atomic, "_exchange", self._hook(_atomic._exchange))
        else:
            monkeypatch.setattr(_atomic, "_exchange", lambda *_: False)

    def _hook(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def rename(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if (self.calls == self.k and self.how == "fail") \
                    or (self.calls >= self.k and self.how == "fail on"):
                raise OSError(errno.EIO, "injected failure")
            if self.calls == self.k and self.how == "interrupt":
                raise KeyboardInterrupt
            out = real(*args, **kwargs)
            if self.calls == self.k and self.how == "interrupt after":
                raise KeyboardInterrupt
            return out
        return rename


@pytest.mark.parametrize(("target", "exchange"), [
    ("ws.gpkg", True), ("ws.gdb", True), ("ws.gdb", False), ("folder", False)],
    ids=["gpkg", "gdb-one-step", "gdb-two-steps", "folder-two-steps"])
@pytest.mark.parametrize("how", ["fail", "fail on", "interrupt", "interrupt after"])
def test_a_broken_rename_at_any_step_never_loses_the_workspace(
        fast: Path, monkeypatch: pytest.MonkeyPatch, target: str, exchange: bool,
        how: str) -> None:
    if exchange and target != "ws.gpkg" and not _swaps_in_one_step(fast):
        pytest.skip("this file system cannot exchange two folders in one step")
    path = fast / target
    small(1).save(path)
    outcomes = []
    for k in range(1, 10):
        with monkeypatch.context() as patch:
            renames = Renames(patch, k, how, exchange=exchange)
            try:
                small(2).save(path)
                raised = None
            except (OSError, KeyboardInterrupt) as err:
                raised = type(err).__name__
        if renames.calls < k:  # every rename of the save was broken in turn
            assert raised is None
            break
        version, notes = version_of(path)  # complete; restored when a backup was left
        assert raised is not None or version == 2  # a broken clean-up is not an error
        outcomes.append((k, version, bool(notes)))
        small(1).save(path)  # the next save: nothing left behind
        assert beside(path) == []
    assert outcomes, "the save did no rename"
    assert {v for _, v, _ in outcomes} <= {1, 2}
    # the first rename, broken, keeps the old workspace, unless it put the new one in place
    # in one step and was interrupted only after that
    assert outcomes[0][1] == (2 if how == "interrupt after" and exchange else 1)
    if not exchange and how == "fail on":
        # the old folder was moved aside, the new one could not be moved in, nor the old
        # one back: opening put it back, and said so
        assert (2, 1, True) in outcomes
    else:
        assert not any(restored for _, _, restored in outcomes)


def test_a_failed_restore_keeps_the_backup_until_the_next_open(
        fast: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = fast / "ws.gdb"
    small(1).save(path)
    with monkeypatch.context() as patch:
        Renames(patch, 2, "fail on", exchange=False)
        with pytest.raises(OSError, match="injected"):
            small(2).save(path)
    assert not path.exists()  # the one moment the name holds nothing ...
    (stage,) = [fast / n for n in beside(path)]
    assert (stage / "old" / "ws.gdb").is_dir()  # ... and the old one waits beside it
    notes = recover_output(path)
    assert len(notes) == 1
    assert "put back" in notes[0]
    assert version_of(path) == (1, [])
    small(2).save(path)
    assert beside(path) == []
    assert version_of(path)[0] == 2


# --- saves killed at every step ----------------------------------------------------------------


@pytest.mark.slow
def test_a_save_killed_at_any_step_leaves_the_old_or_the_new_workspace(fast: Path) -> None:
    configs = [("ws.gdb", "two-steps"), ("ws.gdb", "exchange"), ("folder", "two-steps"),
               ("ws.gpkg", "exchange")]
    one_step = _swaps_in_one_step(fast)
    runs = []
    for i, (target, mode) in enumerate(configs):
        folder = fast / f"run{i}"
        folder.mkdir()
        runs.append(subprocess.Popen(  # the four in parallel
            [sys.executable, "-m", "tests._saving", str(folder), target, mode], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for (target, mode), run in zip(configs, runs, strict=True):
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        steps = [json.loads(line) for line in out.splitlines()]
        assert len(steps) >= 10, (target, mode, steps)  # folders, frames, flushes, renames
        assert all(s["killed"] for s in steps[:-1])
        assert not steps[-1]["killed"]
        versions = [s["version"] for s in steps]
        # killed before its output was in place: the old workspace; after: the new one
        first_new = versions.index(2)
        assert versions == [1] * first_new + [2] * (len(steps) - first_new), (target, mode)
        assert first_new >= 6
        assert any(s["left"] for s in steps)  # killed saves leave a staging folder ...
        assert all(s["after"] == [] for s in steps), (target, mode)  # ... the next save removes
        restored = [s["k"] for s in steps if s["notes"]]
        # in a two-step swap, killed between the two renames: nothing under the name, and
        # opening put the old folder back (and said so)
        two_steps = target != "ws.gpkg" and (mode == "two-steps" or not one_step)
        assert len(restored) == (1 if two_steps else 0), (target, mode, restored)


# --- what killed saves left behind ----------------------------------------------------------


def test_staging_folders_of_ended_saves_go_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "ws.gdb"
    small(1).save(path)
    key = _atomic._key(path.name)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = _stage(tmp_path, key, pid=_dead_pid(), name=path.name)
        live = _stage(tmp_path, key, pid=sleeper.pid, name=path.name)
        no_journal = tmp_path / f".ws.gdb.planning-save-{key}-{_dead_pid()}-0123abcd"
        no_journal.mkdir()
        legacy = tmp_path / ".ws.gdb.abc_1234"  # what the previous implementation left
        shutil.copytree(path, legacy / "ws.gdb")
        os.utime(legacy, (time.time() - 7200, time.time() - 7200))
        mine = [tmp_path / ".ws.gdb.notes", tmp_path / ".ws.gdb.abcd1234"]  # the user's
        for folder in mine:
            folder.mkdir()
            (folder / "mine.txt").write_text("keep me")
        small(2).save(path)
        assert beside(path) == sorted(p.name for p in [live, *mine])
        assert all((folder / "mine.txt").read_text() == "keep me" for folder in mine)
        assert not dead.exists()
        assert not no_journal.exists()
        assert not legacy.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    small(3).save(path)  # its owner has ended now
    assert beside(path) == sorted(p.name for p in mine)


def test_a_folder_left_aside_by_the_previous_implementation_is_put_back(tmp_path: Path
                                                                        ) -> None:
    path = tmp_path / "ws.gdb"
    small(1).save(path)
    legacy = tmp_path / ".ws.gdb.k2j4_x9q"
    legacy.mkdir()
    path.rename(legacy / "ws.gdb.old")  # killed between its two renames
    os.utime(legacy, (time.time() - 7200, time.time() - 7200))
    assert version_of(path)[0] == 1  # opening puts it back
    assert legacy.exists()  # opening changes nothing else
    small(2).save(path)
    assert beside(path) == []
    assert version_of(path)[0] == 2


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def _stage(folder: Path, key: str, *, pid: int, name: str) -> Path:
    stage = folder / f".{name}.planning-save-{key}-{pid}-0123abcd"
    (stage / "new" / name).mkdir(parents=True)
    (stage / "journal.json").write_text(json.dumps({"target": name, "pid": pid}))
    return stage


# --- full disks, read-only folders ---------------------------------------------------------------


def _big(version: int) -> Workspace:
    """``small(version)`` with some 20 MB of text: more than the small disk holds."""
    ws = small(version)
    ws.add_table("big", pd.DataFrame({"text": [f"{i} " + "道路规划城关镇" * 100
                                                for i in range(10_000)]}))
    return ws


def _fill(folder: Path, leave_bytes: int) -> Path:
    free = shutil.disk_usage(folder).free
    filler = folder / "filler.bin"
    with filler.open("wb") as fh:
        fh.truncate(0)
        fh.write(b"\0" * max(0, free - leave_bytes))
    return filler


@pytest.mark.parametrize("target", FORMATS)
def test_a_full_disk_is_one_clear_error_and_the_old_workspace_stays(disk: Path,
                                                                    target: str) -> None:
    path = disk / target
    small(1).save(path)
    before = _digest(path)
    with pytest.raises(LayerFileError) as caught:
        _big(2).save(path)
    message = str(caught.value)
    assert "is full" in message
    assert "left as it was" in message
    assert "no such" not in message
    assert _digest(path) == before
    assert beside(path) == []
    filler = _fill(disk, 8 * 1024)  # nearly full: even the small one does not fit
    with pytest.raises(LayerFileError, match="is full"):
        small(2).save(path)
    assert _digest(path) == before
    assert beside(path) == ["filler.bin"]
    filler.unlink()
    small(2).save(path)
    assert version_of(path)[0] == 2
    assert beside(path) == []


def test_reports_and_workbooks_on_a_full_disk(disk: Path, sample_ro: Workspace) -> None:
    report = planning.check_conformity(sample_ro)
    out = disk / "conformity.gpkg"
    report.to_gpkg(out)
    book = disk / "ledger.xlsx"
    table = pd.DataFrame({"text": ["城关镇" * 300] * 3000})
    write_workbook(book, [planning.io.Table("t", table.head(10))])
    before = (out.read_bytes(), book.read_bytes())
    filler = _fill(disk, 8 * 1024)
    with pytest.raises(LayerFileError, match="is full") as caught:
        report.to_gpkg(out)
    assert "no such table" not in str(caught.value)  # the raw SQLite message of issue 16
    with pytest.raises(LayerFileError, match="is full"):
        write_workbook(book, [planning.io.Table("t", table)])
    assert (out.read_bytes(), book.read_bytes()) == before
    assert sorted(p.name for p in disk.iterdir()) == ["conformity.gpkg", "filler.bin",
                                                      "ledger.xlsx"]
    filler.unlink()


@pytest.mark.parametrize("target", FORMATS)
def test_a_read_only_folder_is_one_clear_error(tmp_path: Path, disk: Path,
                                               target: str) -> None:
    path = disk / target
    small(1).save(path)
    before = _digest(path)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    try:
        with pytest.raises(LayerFileError, match="read-only file system") as caught:
            small(2).save(path)
        assert "left as it was" in str(caught.value)
        assert version_of(path)[0] == 1
        assert _digest(path) == before
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
    assert beside(path) == []


@pytest.mark.skipif(IS_ROOT, reason="root writes into any folder; see the read-only mount")
def test_a_folder_without_write_permission_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    small(1).save(folder / "ws.gpkg")
    folder.chmod(0o555)
    try:
        with pytest.raises(LayerFileError, match="no permission to write"):
            small(2).save(folder / "ws.gpkg")
    finally:
        folder.chmod(0o755)
    assert version_of(folder / "ws.gpkg")[0] == 1


def _digest(path: Path) -> dict[str, bytes]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(p.relative_to(path.parent)): p.read_bytes() for p in files}


# --- links and permissions -----------------------------------------------------------------------


@pytest.mark.parametrize("target", FORMATS)
def test_saving_through_a_link_writes_what_it_points_to(tmp_path: Path, target: str) -> None:
    real = tmp_path / "data" / target
    real.parent.mkdir()
    small(1).save(real)
    link = tmp_path / ("link" + Path(target).suffix)
    link.symlink_to(Path("data") / target)  # relative, as people make them
    small(2).save(link)
    assert link.is_symlink()
    assert link.readlink() == Path("data") / target
    assert version_of(real)[0] == 2
    assert version_of(link)[0] == 2
    assert beside(real) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "data", link.name]


@pytest.mark.parametrize("target", FORMATS)
def test_a_replaced_workspace_keeps_its_permissions(tmp_path: Path, target: str) -> None:
    path = tmp_path / target
    small(1).save(path)
    files = [path] if path.is_file() else [path, *path.iterdir()]
    for p in files:
        p.chmod(0o775 if p.is_dir() else 0o664)
    if IS_ROOT:
        for p in files:
            os.chown(p, 1234, 4321)
    small(2).save(path)
    after = [path] if path.is_file() else [path, *path.iterdir()]
    assert {stat.S_IMODE(p.stat().st_mode) for p in after if p.is_file()} == {0o664}
    if path.is_dir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o775
    if IS_ROOT:
        assert {(p.stat().st_uid, p.stat().st_gid) for p in after} == {(1234, 4321)}


def test_atomic_output_follows_links_and_keeps_modes(tmp_path: Path) -> None:
    real = tmp_path / "maps" / "meeting.html"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "meeting.html"
    link.symlink_to(real)
    with atomic_output(link) as tmp:
        tmp.write_text("new")
    assert link.is_symlink()
    assert real.read_text() == "new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    loop = tmp_path / "loop.html"
    loop.symlink_to(loop)
    with pytest.raises(LayerFileError, match="loop"), atomic_output(loop) as tmp:
        tmp.write_text("x")


def test_a_file_never_replaces_a_folder_nor_the_reverse(tmp_path: Path) -> None:
    (tmp_path / "ws.gdb").write_text("a file named like a geodatabase")
    with pytest.raises(LayerFileError, match="is a file; a folder cannot replace it"):
        small(1).save(tmp_path / "ws.gdb")
    (tmp_path / "out.txt").mkdir()
    with pytest.raises(LayerFileError, match="is a folder; a file cannot replace it"), \
            atomic_output(tmp_path / "out.txt") as tmp:
        tmp.write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt", "ws.gdb"]


def test_a_folder_that_is_not_a_workspace_is_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "projects"
    folder.mkdir()
    (folder / "plan.docx").write_text("the user's")
    with pytest.raises(WorkspaceError, match="not a workspace folder"):
        small(1).save(folder)
    assert [p.name for p in folder.iterdir()] == ["plan.docx"]
    small(1).save(tmp_path / "ws")
    small(2).save(tmp_path / "ws")  # a workspace folder is replaced
    assert version_of(tmp_path / "ws")[0] == 2


# --- names and text through every format ---------------------------------------------------------


@pytest.fixture(scope="module")
def awkward() -> Workspace:
    return hostile()


@pytest.mark.parametrize("target", FORMATS)
def test_awkward_names_and_text_come_back_as_they_were(tmp_path: Path, awkward: Workspace,
                                                       target: str) -> None:
    path = tmp_path / target
    awkward.save(path)
    back = open_workspace(path)
    assert list(back.layers) == list(awkward.layers)
    assert list(back.tables) == list(awkward.tables)
    assert awkward.compare(back, tolerance=1e-3 if target == "ws.gdb" else 1e-9) == []
    assert dtypes(back) == dtypes(awkward)
    for name in awkward:
        assert list(back[name].columns) == list(awkward[name].columns), name
        # every text exactly (control characters included); only a CSV cannot tell an
        # empty text from a missing one
        want = [None if t == "" and target == "folder" and name in awkward.tables else t
                for t in TEXTS]
        for column in ("text", "text_str"):
            got = [None if pd.isna(v) else v for v in back[name][column]]
            assert got == want, (name, column)
        assert back[name]["int"].tolist() == awkward[name]["int"].tolist()
        assert back[name]["num"].iloc[:2].tolist() == [0.1 + 0.2, 1 / 3] or target == "folder"
    assert back.notes == []
    _stored_names_fit(path, len(awkward))


def _stored_names_fit(path: Path, frames: int) -> None:
    """What each format cannot hold is stored under another name (never what GDAL makes)."""
    if path.suffix == ".gdb":
        stored = [str(n) for n, _ in pyogrio.list_layers(path)]
        assert "layer_with_space" not in stored  # what GDAL would have made of it, silently
        assert all(len(n) <= 160 and n[0].isalpha() for n in stored)
        assert all(len(f) <= 64 for n in stored for f in pyogrio.read_info(path, layer=n)[
            "fields"])
    elif path.is_dir():
        stored = [p.name for p in path.iterdir()]
        assert not any(";" in f or "!" in f or len(f.encode()) > 255 for f in stored)
        assert "layer with space.geojson" in stored
        assert "道路道路道路.geojson" in stored
    else:
        stored = [str(n) for n, _ in pyogrio.list_layers(path)]
        assert "roads;2011" in stored
        assert "t'; DELETE FROM x; --" in stored
    assert len({n.casefold() for n in stored}) == len(stored) == frames + 1


def test_names_no_store_can_hold_are_refused_when_added(squares: gpd.GeoDataFrame) -> None:
    ws = Workspace({"zones": squares})
    for name in ["Workspace_Meta", "a\tb", "x\n", "", " x", ".x", "a/b"]:
        with pytest.raises(WorkspaceError, match="cannot be a layer or table name"):
            ws.add_layer(name, squares)
    with pytest.raises(WorkspaceError, match="already the name of a layer"):
        ws.add_table("zones", pd.DataFrame({"a": [1]}))
    for columns, rule in [({0: [1]}, "non-empty text"), ({"": [1]}, "non-empty text"),
                          ({"a\x00": [1]}, "control characters")]:
        with pytest.raises(WorkspaceError, match=rule):
            ws.add_table("t", pd.DataFrame(columns))
    twice = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(WorkspaceError, match="occur more than once"):
        ws.add_table("t", twice)



def test_a_layer_with_two_geometry_columns_is_refused_when_saved_to_a_file(
        tmp_path: Path, squares: gpd.GeoDataFrame) -> None:
    ws = Workspace({"z": squares.assign(centre=squares.centroid)})
    for target in FORMATS:
        with pytest.raises(WorkspaceError, match="holds one geometry column"):
            ws.save(tmp_path / target)
    assert list(tmp_path.iterdir()) == []


def test_a_frame_put_straight_into_the_dict_is_checked_when_saved(
        tmp_path: Path, squares: gpd.GeoDataFrame) -> None:
    ws = Workspace({"zones": squares})
    ws.layers["bad/name"] = squares
    with pytest.raises(WorkspaceError, match="cannot be a layer or table name"):
        ws.save(tmp_path / "ws.gpkg")
    assert list(tmp_path.iterdir()) == []
    del ws.layers["bad/name"]
    ws.layers["zones"] = squares.assign(zone_id=["a\x00", "b", "c", "d"])
    ws.save(tmp_path / "ws.gpkg")
    assert open_workspace(tmp_path / "ws.gpkg")["zones"]["zone_id"].tolist()[0] == "a"
    assert "NUL" in ws.notes[0]


def test_nul_is_removed_with_a_note_and_never_cuts_text(tmp_path: Path,
                                                        squares: gpd.GeoDataFrame) -> None:
    frame = squares.assign(zone_id=pd.Series(["城关\x00镇", "a\x00\x00b", None, "ok"],
                                             dtype=object),
                           note=pd.Series(["x\ud800y", "fine", "", "tab\tok"], dtype=object))
    ws = Workspace({"zones": frame})
    assert frame["zone_id"].iloc[0] == "城关\x00镇"  # the caller's frame is not changed
    assert ws["zones"]["zone_id"].tolist()[:2] == ["城关镇", "ab"]
    assert ws["zones"]["note"].tolist()[0] == "xy"
    assert len(ws.notes) == 1
    assert "4 NUL character(s) or unpaired surrogate(s)" in ws.notes[0]
    for target in FORMATS:
        ws.save(tmp_path / target)
        assert ws.compare(open_workspace(tmp_path / target), tolerance=1e-3) == [], target


@pytest.mark.filterwarnings("ignore:Normalized/laundered")
def test_a_gdal_rename_planning_did_not_foresee_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, squares: gpd.GeoDataFrame) -> None:
    path = tmp_path / "ws.gdb"
    small(1).save(path)
    before = _digest(path)
    lax = _storage.Rules("File Geodatabase")  # as if planning did not know GDAL's rules
    monkeypatch.setitem(_storage.FORMATS, "OpenFileGDB", (lax, lax, lax))
    ws = Workspace({"layer with space": squares.rename(columns={"zone_id": "zone id"})})
    with pytest.raises(WorkspaceError, match="changed names") as caught:
        ws.save(path)
    assert "'layer with space' was not stored as 'layer with space'" in str(caught.value)
    assert _digest(path) == before
    assert beside(path) == []


def test_file_geodatabase_limits_are_met(tmp_path: Path) -> None:
    long = "路" * 200
    frame = gpd.GeoDataFrame({long: ["x"], "a" * 80: ["y"], "select": ["z"]},
                             geometry=[shapely.Point(X0, Y0)], crs="EPSG:4548")
    ws = Workspace({long: frame, "Select": frame}, {"ORDER": pd.DataFrame({"k": [1]})})
    ws.save(tmp_path / "ws.gdb")
    info = {str(n): pyogrio.read_info(tmp_path / "ws.gdb", layer=str(n))["fields"]
            for n, _ in pyogrio.list_layers(tmp_path / "ws.gdb")}
    assert all(len(n) <= 160 for n in info)
    assert all(len(f) <= 64 for fs in info.values()
                                                    for f in fs)
    back = open_workspace(tmp_path / "ws.gdb")
    assert list(back.layers) == [long, "Select"]
    assert list(back.tables) == ["ORDER"]
    assert list(back[long].columns) == [long, "a" * 80, "select", "geometry"]


def test_saved_layers_with_standard_names_keep_them(tmp_path: Path,
                                                   squares: gpd.GeoDataFrame) -> None:
    """Standard layer names (DLTB, STBHHX, ...) of a bureau's file are mapped on opening;
    the layers of a workspace the toolkit saved come back under the names they had."""
    ws = Workspace({"DLTB": squares.assign(DLBM="0101"), "STBHHX": squares})
    for target in FORMATS:
        ws.save(tmp_path / target)
        back = open_workspace(tmp_path / target)
        assert list(back.layers) == ["DLTB", "STBHHX"], target
        assert ws.compare(back, tolerance=1e-3) == [], target


def test_geometry_column_names_and_empty_layers_come_back(tmp_path: Path,
                                                          squares: gpd.GeoDataFrame) -> None:
    shapes = squares.rename_geometry("shape").assign(geometry_=1)
    empty = squares.iloc[:0]
    ws = Workspace({"shapes": shapes, "empty": empty})
    for target in FORMATS:
        ws.save(tmp_path / target)
        back = open_workspace(tmp_path / target)
        assert back["shapes"].geometry.name == "shape", target
        assert list(back["empty"].columns) == list(empty.columns), target
        assert dtypes(back) == dtypes(ws), target


def test_the_stored_names_are_recorded_once(tmp_path: Path) -> None:
    """The metadata says how each frame is stored; names that fit are stored as they are."""
    small(1).save(tmp_path / "ws.gpkg")
    meta = pyogrio.read_dataframe(tmp_path / "ws.gpkg", layer="workspace_meta")
    storage = json.loads(dict(zip(meta["key"], meta["value"], strict=True))["storage"])
    assert [(f["name"], f["stored"]) for f in storage["frames"]] == [
        ("zones", "zones"), ("roads", "roads"), ("notes", "notes")]
    assert storage["frames"][0]["columns"][0] == ["zone_id", "zone_id", "str"]
