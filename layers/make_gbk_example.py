"""Write ``layers/examples/dltb_gbk/DLTB.shp``: a bureau-style survey layer (schematic).

Like many real files it is a GBK Shapefile without a ``.cpg``, with third-national-survey
(三调) field names (BSM, DLBM, DLMC, ZLDWDM, ZLDWMC, TBMJ, ...) and 8-digit eastings carrying
the Gauss-Kruger zone number 39 (EPSG:4527). Notebook 01 reads it with ``planning.read_layer``.

    python layers/make_gbk_example.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyogrio
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import planning  # noqa: E402

# GB/T 21010-2017 classes used by the example
CLASSES = [("0102", "水浇地"), ("0103", "旱地"), ("0702", "农村宅基地"), ("0701", "城镇住宅用地"),
           ("1003", "公路用地"), ("1104", "坑塘水面"), ("0601", "工业用地"), ("0301", "乔木林地")]


def main() -> int:
    ws = planning.load_sample()
    area = ws["townships"].set_index("name_zh").geometry["城关镇"]
    rng = np.random.default_rng(2019)
    x0, y0 = 397_400.0, 3_983_600.0
    rows, geoms = [], []
    for i in range(6):
        for j in range(5):
            cell = shapely.box(x0 + i * 250, y0 + j * 250, x0 + (i + 1) * 250, y0 + (j + 1) * 250)
            cell = cell.intersection(area)
            if cell.is_empty:
                continue
            code, name = CLASSES[int(rng.integers(len(CLASSES)))]
            village = 1 + (i * 5 + j) % 12
            rows.append({
                "BSM": f"4109272019{len(rows) + 1:06d}", "YSDM": "2001010100",
                "TBBH": f"{len(rows) + 1:04d}", "DLBM": code, "DLMC": name,
                "ZLDWDM": f"410927100{village:03d}", "ZLDWMC": f"城关镇第{village}村",
                "QSDWMC": f"城关镇第{village}村集体", "TBMJ": round(cell.area, 2),
                "KCMJ": 0.0, "TBDLMJ": round(cell.area, 2), "BZ": "示意数据（非调查成果）",
            })
            geoms.append(shapely.transform(cell, lambda c: c + [39_000_000.0, 0.0]))
    import geopandas as gpd  # noqa: PLC0415

    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4527")
    out = HERE / "examples" / "dltb_gbk" / "DLTB.shp"
    out.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(frame, out, encoding="GBK")
    out.with_suffix(".cpg").unlink()  # the common case: no .cpg at all
    print(f"wrote {out} ({len(frame)} patches, GBK, no .cpg, EPSG:4527)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
