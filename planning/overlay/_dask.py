"""The Dask engine's machinery: coverage overlays on partitions, over a ``dask.distributed``
cluster (private to :mod:`planning.overlay`; the public face is
:class:`planning.overlay.DaskEngine`).

Needs the ``dask`` extra (``pip install 'planning[dask]'``: dask, distributed, dask-geopandas,
pyarrow), imported only when a function here runs. The result is exactly what the local engine
returns (:func:`planning.overlay._local.intersection_local`, the same pieces as
``geopandas.overlay(how="intersection", keep_geom_type=True)``), computed on partitions:

1. Each layer is cut into spatially compact partitions: an in-memory layer is ordered along
   a Hilbert curve (``GeoSeries.hilbert_distance``) and split into runs of equal length; a
   Dask or GeoParquet layer keeps its spatial partitions when it has them (GeoParquet files
   written per county carry their bounding boxes) and is otherwise spatially shuffled with
   dask-geopandas (``spatial_shuffle(by="hilbert")``). Each partition's extent is the convex
   hull of its geometries' bounding boxes (or the GeoParquet file's bounding box).
2. Only the pairs of partitions whose extents overlap (more than touch) are intersected,
   each pair by the local engine (:func:`~planning.overlay._local.intersection_local`) in one
   task. Each pair of polygons lies in exactly one pair of partitions, so no piece is found
   twice.
3. The pieces are ordered by the positions of their polygons in the two layers (as the
   dataset's partitions come, for Dask inputs), so the result equals the local engine's.

Every function takes the cluster explicitly (``client``; None runs Dask's local threads):
the engine object decides which one, nothing is read from the context.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from planning._errors import GeometryError, Problem, require_extra
from planning._validate import POLYGONAL, Checker, check_crs, check_geometries
from planning.overlay._local import (
    LEFT_POSITION,
    RIGHT_POSITION,
    Geoms,
    Pieces,
    check_columns_pair,
    default_workers,
    intersection_local,
    polygons_ok,
)

log = logging.getLogger(__name__)

#: Rows per partition when ``npartitions`` is not given (in-memory layers).
PARTITION_ROWS = 50_000
#: Overlays of fewer polygons than this (both layers together) run in-process unless
#: ``npartitions`` is given: shipping them costs more than it saves.
LOCAL_BELOW = 10_000


#: What the engine accepts as a layer: a GeoDataFrame, a dask-geopandas frame, or the
#: path (file, folder or glob) of a GeoParquet dataset.
Layer = Any


def require() -> None:
    """Raise a clear ImportError when the ``dask`` extra is not installed."""
    require_extra(("dask", "distributed", "dask_geopandas", "pyarrow"), what="The Dask engine",
                  extra="dask")


def default_client() -> Any:
    """The current ``dask.distributed`` client, or None (then Dask's threads run locally)."""
    import distributed  # noqa: PLC0415

    current: Any = distributed.default_client
    try:
        return current()
    except ValueError:
        return None


# --- partitioning ------------------------------------------------------------------------


@dataclass
class _Side:
    """One input layer, partitioned: the frame (with a position column) and the extents."""

    frame: Any  # dask_geopandas.GeoDataFrame
    extents: npt.NDArray[np.object_]
    meta: gpd.GeoDataFrame


def _partition(layer: Any, name: str, position: str, npartitions: int | None,
               client: Any, *, validate: bool) -> _Side:
    """Partition one input layer spatially, with the position of every row."""
    if isinstance(layer, gpd.GeoDataFrame):
        return _partition_frame(layer, name, position, npartitions, client)
    return _partition_dask(layer, name, position, npartitions, client, validate=validate)


def _partition_frame(frame: gpd.GeoDataFrame, name: str, position: str,
                     npartitions: int | None, client: Any) -> _Side:
    import dask.dataframe as dd  # noqa: PLC0415
    from dask.delayed import delayed  # noqa: PLC0415

    _check_free(frame.columns, name, position)
    numbered = frame.assign(**{position: np.arange(len(frame), dtype=np.int64)})
    count = npartitions or max(math.ceil(len(frame) / PARTITION_ROWS), 2 * _threads(client))
    if len(frame) > 1 and count > 1:
        order = np.argsort(np.asarray(numbered.geometry.hilbert_distance()), kind="stable")
        runs = [run for run in np.array_split(order, min(count, len(frame))) if len(run)]
        parts = [numbered.take(np.sort(run)) for run in runs]
    else:
        parts = [numbered]
    extents = np.array([_hull(part) for part in parts], dtype=object)
    meta = numbered.iloc[:0]
    if client is not None:
        import distributed  # noqa: PLC0415

        # the persisted frame holds its partitions; the scattered ones may then go
        scattered = client.scatter(parts, hash=False)
        ddf = client.persist(dd.from_delayed(scattered, meta=meta, verify_meta=False))
        wait: Any = distributed.wait
        with client.as_current():  # wait() asks the current client: make it this one
            wait(ddf)
    else:
        token = f"planning-{name}-{id(frame):x}-{len(frame)}"
        sources = [delayed(part, name=f"{token}-{i}") for i, part in enumerate(parts)]
        ddf = dd.from_delayed(sources, meta=meta, verify_meta=False)
    return _Side(ddf, extents, meta)


def _partition_dask(ddf: Any, name: str, position: str, npartitions: int | None,
                    client: Any, *, validate: bool) -> _Side:
    _check_free(ddf.columns, name, position)
    lengths = np.asarray(_compute(ddf.map_partitions(len), client), dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    numbered = ddf.map_partitions(_number, position, offsets,
                                  meta=ddf._meta.assign(**{position: np.int64(0)}))
    if ddf.spatial_partitions is None or npartitions is not None:
        numbered = numbered.spatial_shuffle(by="hilbert", npartitions=npartitions,
                                            calculate_partitions=False)
    numbered = client.persist(numbered) if client is not None else numbered.persist()
    if validate:
        _check_partitions(numbered, name, position, client)
    if ddf.spatial_partitions is not None and npartitions is None:
        extents = np.asarray(ddf.spatial_partitions.values, dtype=object)
    else:
        extents = np.asarray(_compute(numbered.map_partitions(
            _hull_series, meta=gpd.GeoSeries([], crs=ddf.crs)), client).values, dtype=object)
    return _Side(numbered, extents, numbered._meta)


def _threads(client: Any) -> int:
    """Worker threads of the cluster (the local CPUs without one)."""
    if client is not None:
        return max(1, int(sum(client.nthreads().values())))
    return default_workers()


def _number(part: pd.DataFrame, position: str, offsets: npt.NDArray[np.int64],
            partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    """Add the dataset-wide row position to one partition (runs in a task)."""
    start = int(offsets[partition_info["number"]]) if partition_info else 0
    return part.assign(**{position: np.arange(start, start + len(part), dtype=np.int64)})


def _hull(part: gpd.GeoDataFrame) -> shapely.Geometry:
    """The convex hull of a partition's bounding boxes (it contains the partition)."""
    bounds = shapely.bounds(np.asarray(part.geometry.array))
    bounds = bounds[~np.isnan(bounds).any(axis=1)]
    corners = np.concatenate([bounds[:, [0, 1]], bounds[:, [0, 3]], bounds[:, [2, 1]],
                              bounds[:, [2, 3]]])
    hull: shapely.Geometry = shapely.convex_hull(shapely.multipoints(corners))
    return hull


def _hull_series(part: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return gpd.GeoSeries([_hull(part)], crs=part.crs)


def _check_free(columns: Any, name: str, position: str) -> None:
    if position in columns:
        msg = f"{name} has a column {position!r}, a name the Dask engine keeps for itself."
        raise GeometryError(msg)


def _check_partitions(ddf: Any, name: str, position: str, client: Any) -> None:
    """Check every partition's geometries (polygons, valid, present); raise all problems."""
    found = _compute(ddf.map_partitions(_partition_problems, name, position,
                                        meta=pd.DataFrame({"problem": pd.Series(
                                            [], dtype=object)})), client)
    problems: list[Problem] = list(found["problem"])
    if problems:
        problems.sort(key=lambda p: p.row if p.row is not None else -1)
        checker = Checker()
        checker.extend(problems)
        checker.raise_if_any("The layers cannot be overlaid as they are.", GeometryError)


def _partition_problems(part: gpd.GeoDataFrame, name: str, position: str) -> pd.DataFrame:
    """Geometry problems of one partition, with dataset-wide row numbers (runs in a task)."""
    checker = Checker()
    check_geometries(part, name, checker, allowed=POLYGONAL)
    rows = part[position].to_numpy()
    fixed = [Problem(p.source, p.message, row=int(rows[p.row]) if p.row is not None else None,
                     column=p.column, value=p.value) for p in checker.problems]
    return pd.DataFrame({"problem": pd.Series(fixed, dtype=object)})


def _gather(collection: Any, client: Any, meta: pd.DataFrame) -> Any:
    """Compute a Dask frame's partitions and concatenate them here.

    Each partition comes straight from its worker: cheaper than ``compute()``, which
    first gathers every partition on one worker to concatenate them there.
    """
    import dask.base  # noqa: PLC0415

    parts = collection.to_delayed()
    if client is not None:
        futures = client.compute(parts)
        results = client.gather(futures)
        del futures
    else:
        compute: Any = dask.base.compute
        results = compute(*parts)
    found = [part for part in results if len(part)]
    return pd.concat(found, ignore_index=True) if found else meta


def _compute(collection: Any, client: Any) -> Any:
    if client is not None:
        return client.compute(collection, sync=True)
    return collection.compute()


# --- the overlay -------------------------------------------------------------------------


def _pair_pieces(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame,
                 threads: int) -> gpd.GeoDataFrame:
    """The pieces of one pair of partitions, by the local engine (runs in a task)."""
    return intersection_local(left, right, workers=threads)


def _prepare(left: Layer, right: Layer, *, client: Any,
             npartitions: int | None, validate: bool) -> tuple[_Side, _Side]:
    left, right = _load(left, "left"), _load(right, "right")
    if validate:
        _check_inputs({"left": left, "right": right})
    right_parts = None
    if npartitions is not None and isinstance(left, gpd.GeoDataFrame) \
            and isinstance(right, gpd.GeoDataFrame):
        # the same number of rows per partition on both sides
        right_parts = max(1, round(npartitions * len(right) / max(len(left), 1)))
    lside = _partition(left, "left", LEFT_POSITION, npartitions, client, validate=validate)
    rside = _partition(right, "right", RIGHT_POSITION, right_parts, client, validate=validate)
    return lside, rside


def _load(layer: Layer, name: str) -> Any:
    """An in-memory GeoDataFrame as it is; a path read as a dask-geopandas frame."""
    import dask_geopandas  # noqa: PLC0415

    if isinstance(layer, gpd.GeoDataFrame | dask_geopandas.GeoDataFrame):
        return layer
    if isinstance(layer, (str, os.PathLike)) or (
            isinstance(layer, Sequence) and not isinstance(layer, bytes)):
        return dask_geopandas.read_parquet(layer)
    msg = (f"{name} must be a geopandas.GeoDataFrame, a dask_geopandas.GeoDataFrame or "
           f"the path of a GeoParquet dataset, got {type(layer).__name__}.")
    raise TypeError(msg)


def _check_inputs(layers: Mapping[str, Any]) -> None:
    """CRS of both layers, and the geometries of the in-memory ones (Dask layers' geometries
    are checked per partition when they are partitioned)."""
    metas = {name: layer if isinstance(layer, gpd.GeoDataFrame) else layer._meta
             for name, layer in layers.items()}
    check_crs(metas)
    check_columns_pair(metas)
    checker = Checker()
    for name, layer in layers.items():
        if isinstance(layer, gpd.GeoDataFrame) and \
                not polygons_ok(np.asarray(layer.geometry.array)):
            check_geometries(layer, name, checker, allowed=POLYGONAL)
    checker.raise_if_any("The layers cannot be overlaid as they are.", GeometryError)


def lazy_intersection(left: Layer, right: Layer, *, client: Any, npartitions: int | None,
                      threads_per_task: int, validate: bool) -> Any:
    """The overlay pieces as a lazy dask-geopandas frame, one partition per pair of
    partitions that meet, in no order, with the position columns (see
    :meth:`planning.overlay.DaskEngine.lazy_intersection`)."""
    lside, rside = _prepare(left, right, client=client, npartitions=npartitions,
                            validate=validate)
    return _lazy(lside, rside, threads_per_task)


def intersection(left: Layer, right: Layer, *, client: Any, npartitions: int | None,
                 threads_per_task: int, validate: bool) -> gpd.GeoDataFrame:
    """The pieces in the local engine's order and columns, with a RangeIndex (see
    :meth:`planning.overlay.DaskEngine.intersection`)."""
    lside, rside = _prepare(left, right, client=client, npartitions=npartitions,
                            validate=validate)
    lazy = _lazy(lside, rside, threads_per_task)
    found = _gather(lazy, client, lazy._meta)
    order = _order(found)
    out = found.take(order).drop(columns=[LEFT_POSITION, RIGHT_POSITION])
    out = out.reset_index(drop=True)
    result: gpd.GeoDataFrame = gpd.GeoDataFrame(out, geometry=out.geometry.name,
                                                crs=lside.meta.crs)
    return result


def pieces(left: Geoms, right: Geoms, *, client: Any, npartitions: int | None,
           threads_per_task: int) -> Pieces:
    """The pieces of two arrays of valid polygons (not checked), sorted by left then right
    position, as :func:`planning.overlay.pieces_of` sorts them."""
    frames = [gpd.GeoDataFrame(geometry=np.asarray(g, dtype=object)) for g in (left, right)]
    lside, rside = _prepare(frames[0], frames[1], client=client, npartitions=npartitions,
                            validate=False)
    lazy = _lazy(lside, rside, threads_per_task)
    found = _gather(lazy, client, lazy._meta)
    order = _order(found)
    return Pieces(found[LEFT_POSITION].to_numpy(np.intp)[order],
                  found[RIGHT_POSITION].to_numpy(np.intp)[order],
                  np.asarray(found.geometry.array, dtype=object)[order])


def _order(found: pd.DataFrame) -> npt.NDArray[np.intp]:
    """The order of the pieces by left, then right position (the local engine's)."""
    order: npt.NDArray[np.intp] = np.lexsort((found[RIGHT_POSITION].to_numpy(),
                                              found[LEFT_POSITION].to_numpy()))
    return order


def _lazy(lside: _Side, rside: _Side, threads: int) -> Any:
    """One task per pair of partitions whose extents overlap, as a lazy frame."""
    import dask.dataframe as dd  # noqa: PLC0415
    from dask.delayed import delayed  # noqa: PLC0415

    tree = shapely.STRtree(rside.extents)
    li, rj = tree.query(lside.extents, predicate="intersects")
    # extents that only touch hold polygons that can only touch: no pieces there
    inner = ~shapely.touches(lside.extents[li], rside.extents[rj])
    li, rj = li[inner], rj[inner]
    log.debug("dask overlay: %d x %d partitions, %d pairs meet", len(lside.extents),
              len(rside.extents), len(li))
    meta = intersection_local(lside.meta, rside.meta)
    lparts, rparts = lside.frame.to_delayed(), rside.frame.to_delayed()
    task = delayed(_pair_pieces, pure=True)
    tasks = [task(lparts[i], rparts[j], threads) for i, j in zip(li, rj, strict=True)]
    if not tasks:
        return dd.from_delayed([delayed(meta, name=f"planning-empty-{id(meta):x}")],
                               meta=meta, verify_meta=False)
    return dd.from_delayed(tasks, meta=meta, verify_meta=False)
