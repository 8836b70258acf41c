"""Reading ledger sheets: the one grid reader against pandas.read_excel, .xlsx and .xls.

    python benchmarks/sheets.py               # 5 interleaved runs, 20,000 rows (~3 min)
    python benchmarks/sheets.py --rows 2000 --runs 3

A ledger of ``--rows`` rows (14 columns: ids, names, units, amounts, dates as dates and as
text, placeholders, a two-row header, a title row, section rows) is written once as ``.xlsx``
(openpyxl) and ``.xls`` (xlwt). Each measurement is a fresh subprocess that reads the sheet
and reports wall time and peak resident memory (Linux ``VmHWM``):

- ``grid``: ``planning.io.read_grid`` (openpyxl's streaming parser / xlrd with ragged rows);
- ``pandas``: ``pandas.read_excel(path, header=None)`` (openpyxl / xlrd), the baseline, which
  gives the same cells as a frame;
- ``ledger``: ``planning.Ledger.from_excel`` (the grid, then every row read and checked).

Runs alternate grid / pandas / ledger. Medians and the ratio grid / pandas are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_PROBE = r"""
import json, sys, time
what, path = sys.argv[1], sys.argv[2]
import openpyxl, pandas as pd, xlrd  # imported before the clock starts, for both
import planning
from planning.io import read_grid
planning.Ledger  # the ledger package too (imported lazily on first use)
start = time.perf_counter()
if what == "grid":
    n = read_grid(path).n_rows
elif what == "pandas":
    n = len(pd.read_excel(path, header=None))
else:
    n = len(planning.Ledger.from_excel(path).nodes)
seconds = time.perf_counter() - start
hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")]
print(json.dumps({"seconds": seconds, "peak_mb": int(hwm[0]) / 1024, "n": n}))
"""

_HEADER = ["序号", "项目编号", "项目名称", "牵头单位", "总投资（亿元）", "年度计划投资（万元）",
           "计划开工时间", "计划完成时间", "形象进度", "节点内容", "完成时限", "完成情况",
           "责任单位", "备注"]


def _rows(n: int) -> list[list[object]]:
    rows: list[list[object]] = [["2024年重点项目推进台账（截至2024年6月30日）"] + [None] * 13,
                                _HEADER]
    for i in range(n):
        if i % 500 == 0:
            rows.append([f"{'一二三四五六七八九十'[i // 500 % 10]}、第{i // 500 + 1}批项目"]
                        + [None] * 13)
        project = i // 2
        first = i % 2 == 0
        rows.append([
            project + 1 if first else None, f"XM-{project:05d}" if first else None,
            f"（深圳）示范项目{project}" if first else None,
            "县住房和城乡建设局" if first else None,
            round(1 + project % 7 * 0.35, 2) if first else None,
            3000 + project % 11 * 100 if first else None,
            dt.date(2024, 1 + project % 12, 1) if first else None,
            f"{2025 + project % 3}年底前" if first else None, "60%" if first else None,
            "立项批复" if first else "开工建设",
            dt.date(2024, 1 + i % 12, 28) if first else f"2024.{1 + i % 12}.15",
            "未完成" if i % 3 else dt.date(2024, 1 + i % 12, 20), "/" if i % 5 else "县发改委",
            "无"])
    rows.append(["合计"] + [None] * 13)
    return rows


def _write(folder: Path, n: int) -> dict[str, Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from _sheets import SheetSpec, write_both

    xlsx, xls = write_both(folder, f"ledger_{n}", [SheetSpec("台账", _rows(n))])
    return {"xlsx": xlsx, "xls": xls}


def _measure(what: str, path: Path) -> dict[str, float]:
    run = subprocess.run([sys.executable, "-c", _PROBE, what, str(path)], capture_output=True,
                         text=True, check=True, timeout=900)
    result: dict[str, float] = json.loads(run.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = _write(Path(folder), args.rows)
        for kind, path in files.items():
            times: dict[str, list[float]] = {"grid": [], "pandas": [], "ledger": []}
            peaks: dict[str, list[float]] = {"grid": [], "pandas": [], "ledger": []}
            for _ in range(args.runs):
                for what, seconds in times.items():
                    got = _measure(what, path)
                    seconds.append(got["seconds"])
                    peaks[what].append(got["peak_mb"])
            med = {w: statistics.median(v) for w, v in times.items()}
            peak = {w: statistics.median(v) for w, v in peaks.items()}
            size = path.stat().st_size / 1024
            print(f"{kind} ({args.rows:,} rows, {size:,.0f} KiB), medians of {args.runs} runs:")
            for what in times:
                print(f"  {what:7s} {med[what]:7.2f} s  peak {peak[what]:6.0f} MiB")
            print(f"  read_grid / pandas.read_excel: {med['grid'] / med['pandas']:.2f}x the "
                  f"time, {peak['grid'] / peak['pandas']:.2f}x the peak memory")


if __name__ == "__main__":
    main()
