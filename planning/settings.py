"""Settings of the toolkit, read by functions when they run (never at import).

Change them by assignment, for example ``planning.settings.working_crs = "EPSG:4547"``
for a county in Gauss-Kruger zone 38. Every value is typed and documented here.
"""

from __future__ import annotations

#: The metric CRS every layer is moved to on reading (CGCS2000 / 3-degree Gauss-Kruger
#: zone 39, central meridian 117 E, no zone prefix; Taiqian lies in it).
working_crs: str = "EPSG:4548"

#: Administrative code of the county (Taiqian, Puyang, Henan).
county_code: str = "410927"

#: Bounds of the county in longitude/latitude (west, south, east, north), used to catch
#: layers that land far away (a wrong CRS, swapped axes).
county_bounds_lonlat: tuple[float, float, float, float] = (115.64, 35.82, 116.11, 36.12)

#: How far outside the county bounds a layer may reach before it is reported, in metres.
extent_tolerance_m: float = 50_000.0

#: Patches smaller than this are flagged as slivers (0.1 mu, the common QA default).
sliver_area_m2: float = 66.7

#: Relative tolerance used when areas are reconciled.
area_rtol: float = 1e-9

#: Bytes read from a .dbf to detect its text encoding (the whole file when smaller).
encoding_sniff_bytes: int = 4 * 1024 * 1024

#: Show progress bars on long operations (only when attached to a terminal).
progress: bool = True
