"""Comparing two workspaces' frames as they are saved (:meth:`Workspace.compare`)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def compare_frames(a: pd.DataFrame, b: pd.DataFrame, tolerance: float) -> list[str]:
    diffs: list[str] = []
    if len(a) != len(b):
        return [f"{len(a)} rows against {len(b)}"]
    geo_a = a.geometry.name if isinstance(a, gpd.GeoDataFrame) else None
    geo_b = b.geometry.name if isinstance(b, gpd.GeoDataFrame) else None
    cols_a = [c for c in a.columns if c != geo_a]
    cols_b = [c for c in b.columns if c != geo_b]
    if set(cols_a) != set(cols_b):
        return [f"columns differ: {sorted(set(cols_a) ^ set(cols_b))}"]
    if geo_a and geo_b:
        if a.crs != b.crs:
            diffs.append(f"CRS {a.crs} against {b.crs}")
        ga, gb = a.geometry.values, b.geometry.values
        both_empty = shapely.is_empty(ga) & shapely.is_empty(gb)
        # Hausdorff distance, not exact equality: File Geodatabases store coordinates on a
        # grid and hand polygons back as single-part multipolygons.
        near = shapely.hausdorff_distance(ga, gb) <= tolerance
        same_dim = shapely.get_dimensions(ga) == shapely.get_dimensions(gb)
        bad = np.flatnonzero(~((near & same_dim) | both_empty))
        if len(bad):
            diffs.append(f"{len(bad)} geometries differ (first row {int(bad[0])})")
    elif geo_a or geo_b:
        diffs.append("one has geometry, the other not")
    for col in cols_a:
        if not _same_values(a[col].reset_index(drop=True), b[col].reset_index(drop=True)):
            diffs.append(f"column {col!r} differs")
    return diffs


def _same_values(x: pd.Series, y: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(x) or pd.api.types.is_datetime64_any_dtype(y):
        xs, ys = pd.to_datetime(x), pd.to_datetime(y)
        xs = xs.dt.tz_convert(None) if isinstance(xs.dtype, pd.DatetimeTZDtype) else xs
        ys = ys.dt.tz_convert(None) if isinstance(ys.dtype, pd.DatetimeTZDtype) else ys
        missing = xs.isna().to_numpy()
        if not (missing == ys.isna().to_numpy()).all():
            return False
        return bool((xs[~missing].to_numpy() == ys[~missing].to_numpy()).all())
    if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
        # to the last digits only: GeoJSON keeps some numbers to 15 significant digits
        return bool(np.allclose(x.to_numpy(float), y.to_numpy(float), rtol=1e-12, atol=0.0,
                                equal_nan=True))
    # empty text and missing text are the same value here: a CSV cannot tell them apart
    xs = x.astype(object).where(x.notna() & (x.astype(str) != ""), None)
    ys = y.astype(object).where(y.notna() & (y.astype(str) != ""), None)
    missing = xs.isna().to_numpy()
    if not (missing == ys.isna().to_numpy()).all():
        return False
    return bool((xs[~missing].astype(str).to_numpy() == ys[~missing].astype(str).to_numpy()).all())


