"""Bad input on the command line: exit status 2, one message, no traceback, nothing written.

Every bad input of issue 11 is fed to every command it can reach: 0-byte and truncated
GeoPackages, a garbage .prj, ``--layer nope``, ``--encoding bogus``, ``--crs EPSG:99999``, a
``.md`` given as a ledger, ``planning info README.md``, named pipes, link loops, encrypted
files, outputs with the wrong suffix, bad dates and periods, unknown counties, bad datum
shifts, Xian 1980 data without parameters. And for every command that writes a file: an
output of the wrong kind is refused before any work, and nothing is written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

import planning
from planning.cli import _parser, main

ROOT = Path(__file__).resolve().parent.parent
SEAT = (397_720.0, 3_983_363.0)


def squares() -> gpd.GeoDataFrame:
    x, y = SEAT
    return gpd.GeoDataFrame({"名称": ["城关镇", "夹河乡"]},
                            geometry=[shapely.box(x, y, x + 100, y + 100),
                                      shapely.box(x + 100, y, x + 200, y + 100)],
                            crs="EPSG:4548")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One bad file of each kind (and a good one), made once for the module."""
    base = tmp_path_factory.mktemp("bad")
    good = base / "good.gpkg"
    squares().to_file(good)
    data = good.read_bytes()
    made = {"good": good, "zero": base / "zero.gpkg", "cut": base / "cut.gpkg",
            "readme": base / "README.md", "pipe": base / "pipe.gpkg",
            "loop": base / "loop.shp", "wrapped": base / "wrapped.gpkg",
            "xian": base / "xian.gpkg", "shp": base / "prj" / "towns.shp"}
    made["zero"].write_bytes(b"")
    made["cut"].write_bytes(data[: len(data) // 3])
    shutil.copyfile(ROOT / "README.md", made["readme"])
    os.mkfifo(made["pipe"])
    made["loop"].symlink_to(base / "loop2.shp")
    (base / "loop2.shp").symlink_to(made["loop"])
    made["wrapped"].write_bytes(b"\x01\x02ENCRYPTED-HEADER" + bytes(494) + data)
    squares().set_crs("EPSG:2384", allow_override=True).to_file(made["xian"])
    made["shp"].parent.mkdir()
    pyogrio.write_dataframe(squares(), made["shp"], encoding="GBK")
    made["shp"].with_suffix(".prj").write_text("garbage here ###")
    return made


def listing(*folders: Path) -> set[str]:
    return {str(p) for folder in folders for p in folder.rglob("*")}


def refused(argv: list[str], capsys: pytest.CaptureFixture[str], *watch: Path) -> str:
    """Run ``planning argv``: it must exit 2 with one error message, no traceback, and write
    nothing into the ``watch`` folders. Returns the message."""
    before = listing(*watch)
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2, (argv, out, err)
    assert "Traceback" not in err, err
    assert "Traceback" not in out, out
    lines = err.splitlines()
    prefix = "planning: error: " if argv[0] == "frobnicate" else f"planning {argv[0]}: error: "
    assert lines, err
    assert lines[0].startswith(prefix), err
    assert all(line.startswith("  ") for line in lines[1:]), err  # one message
    assert listing(*watch) == before, argv  # nothing written
    return lines[0]


CASES = [
    # (name, argv with {file} names, a phrase the message must hold)
    ("0-byte gpkg: inspect", ["inspect", "{zero}"], "is empty (0 bytes)"),
    ("0-byte gpkg: info", ["info", "{zero}"], "is empty (0 bytes)"),
    ("0-byte gpkg: import", ["import", "{zero}", "-o", "{out}/ws.gpkg"], "is empty"),
    ("0-byte gpkg: check", ["check", "{zero}", "-o", "{out}/c.xlsx"], "is empty"),
    ("truncated gpkg: inspect", ["inspect", "{cut}"], "is truncated"),
    ("truncated gpkg: info", ["info", "{cut}"], "is truncated"),
    ("truncated gpkg: map", ["map", "{cut}", "-o", "{out}/m.html"], "is truncated"),
    ("garbage .prj: inspect", ["inspect", "{shp}"], "its .prj cannot be read as a CRS"),
    ("garbage .prj: import", ["import", "{shp}", "-o", "{out}/ws.gpkg"], "--crs"),
    ("--layer nope: inspect", ["inspect", "{good}", "--layer", "nope"], "has no layer 'nope'"),
    ("--layer nope: import", ["import", "{good}", "--layer", "nope", "-o", "{out}/ws.gpkg"],
     "has no layer 'nope'"),
    ("--encoding bogus", ["inspect", "{shp}", "--encoding", "bogus"],
     "--encoding bogus is not a text encoding"),
    ("--encoding bogus: import", ["import", "{shp}", "--encoding", "bogus", "-o",
                                  "{out}/ws.gpkg"], "not a text encoding"),
    ("--crs EPSG:99999", ["inspect", "{good}", "--crs", "EPSG:99999"],
     "--crs EPSG:99999 is not a CRS pyproj knows"),
    ("--crs EPSG:99999: import", ["import", "{good}", "--crs", "EPSG:99999", "-o",
                                  "{out}/ws.gpkg"], "is not a CRS"),
    ("a .md as a ledger", ["brief", "--ledger", "{readme}", "--on", "2011-12-17", "-o",
                           "{out}/b.html"], "a sheet is read from an Excel workbook"),
    ("a .md as inspections", ["sanitation", "--inspections", "{readme}", "-o",
                              "{out}/s.xlsx"], "a sheet is read from an Excel workbook"),
    ("info README.md", ["info", "{readme}"], "is not a workspace"),
    ("inspect README.md", ["inspect", "{readme}"], "is not a layer file"),
    ("a named pipe: inspect", ["inspect", "{pipe}"], "named pipe (FIFO)"),
    ("a named pipe: info", ["info", "{pipe}"], "named pipe (FIFO)"),
    ("a named pipe: ledger", ["brief", "--ledger", "{pipe}", "--on", "2011-12-17"],
     "a sheet is read from"),
    ("a link loop", ["inspect", "{loop}"], "symbolic link that loops"),
    ("an encrypted file", ["inspect", "{wrapped}"], "document-encryption"),
    ("Xian 1980 without parameters", ["inspect", "{xian}"], "--datum-shift"),
    ("a bad datum shift", ["inspect", "{xian}", "--datum-shift", "helmert7:1,2"],
     "A datum shift is written"),
    ("an unknown county", ["inspect", "{good}", "--county", "999999"],
     "No county-level division has the code '999999'"),
    ("an ambiguous county", ["new", "--county", "鼓楼区", "-o", "{out}/ws.gpkg"],
     "4 county-level divisions are named '鼓楼区'"),
    ("a far layer for another county", ["inspect", "{good}", "--county", "650102"],
     "--no-extent-check"),
    ("a bad date", ["map", "--on", "2011-13-45", "-o", "{out}/m.html"], "month 13"),
    ("a bad period", ["assess", "--period", "2011Q5", "-o", "{out}/a.xlsx"], "--period"),
    ("a sheet at position 0", ["brief", "--sheet", "0", "--on", "2011-12-17"],
     "counts from 1"),
    ("check -o .txt", ["check", "-o", "{out}/c.txt"], "can only be written as .xlsx"),
    ("check --gpkg .shp", ["check", "-o", "{out}/c.xlsx", "--gpkg", "{out}/p.shp"],
     "can only be written as .gpkg"),
    ("map -o .png", ["map", "-o", "{out}/m.png"], "can only be written as .html"),
    ("assess -o .png", ["assess", "-o", "{out}/a.png"], "can only be written as .xlsx"),
    ("brief -o .pdf", ["brief", "--on", "2011-12-17", "-o", "{out}/b.pdf"], ".html"),
    ("sanitation -o .csv", ["sanitation", "-o", "{out}/s.csv"], ".xlsx"),
    ("import -o .shp", ["import", "{good}", "-o", "{out}/ws.shp"], "a workspace"),
    ("new -o .txt", ["new", "--county", "410928", "-o", "{out}/ws.txt"], "a workspace"),
    ("demo -o a file", ["demo", "-o", "{readme}"], "is a file"),
    ("an unknown command", ["frobnicate"], "invalid choice"),
    ("a missing argument", ["inspect"], "the following arguments are required"),
]


@pytest.mark.parametrize(("argv", "phrase"), [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_is_one_message_and_exit_status_2(argv: list[str], phrase: str,
                                                    files: dict[str, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]):
    names = {k: str(v) for k, v in files.items()} | {"out": str(tmp_path)}
    args = [a.format(**names) for a in argv]
    message = refused(args, capsys, tmp_path, files["good"].parent)
    assert phrase in message, message
    assert "=..." not in message
    assert "crs=" not in message


def test_a_file_that_fails_while_importing_leaves_the_workspace_as_it_was(
        files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    target = tmp_path / "ws.gpkg"
    assert main(["import", str(files["good"]), "-o", str(target)]) == 0
    before = target.read_bytes()
    capsys.readouterr()
    refused(["import", str(files["good"]) + "=again", str(files["shp"]), "-o", str(target)],
            capsys)
    assert target.read_bytes() == before  # the good file was read, nothing was saved


def test_every_command_refuses_a_wrong_output_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """For every subcommand with an output option (whoever added it): a path of the wrong
    kind is refused when the command line is read, and nothing is written."""
    wrong = tmp_path / "out.wrong"
    wrong.write_text("keep me")
    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    checked = []
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if not any(o in ("-o", "--output", "--gpkg") for o in action.option_strings):
                continue
            assert action.type is not None, f"planning {name} {action.option_strings[0]} " \
                "takes any path: give it type=_common.output(...)"
            with pytest.raises(argparse.ArgumentTypeError):
                action.type(str(wrong))
            status = main([name, action.option_strings[0], str(wrong)])
            assert status == 2, name
            assert "Traceback" not in capsys.readouterr().err
            checked.append(name)
    assert wrong.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wrong"]
    assert {"check", "map", "sanitation", "brief", "assess", "demo", "import",
            "new"} <= set(checked)


def test_messages_speak_flags_in_the_command_line_and_arguments_in_python(
        files: dict[str, Path], capsys: pytest.CaptureFixture[str]):
    with pytest.raises(planning.CRSError) as info:
        planning.read_layer(files["good"], county=planning.County.from_code("650102"))
    assert "check_extent=False" in str(info.value)
    message = refused(["inspect", str(files["good"]), "--county", "650102"], capsys)
    assert "--no-extent-check" in message
    assert "check_extent" not in message


def test_no_traceback_in_a_real_process(files: dict[str, Path], tmp_path: Path):
    """The installed entry point (a fresh interpreter), not only main()."""
    for argv in (["info", str(files["readme"])], ["inspect", str(files["cut"])],
                 ["inspect", str(files["shp"])]):
        run = subprocess.run([sys.executable, "-m", "planning.cli", *argv], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120, check=False)
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr
        assert run.stderr.startswith(f"planning {argv[0]}: error: ")
        assert not list(tmp_path.iterdir())
