"""Where overlays run: engine objects, and the one dispatch from engine names to them.

Every analysis that overlays layers (:func:`intersection`, and the conformity check in
:mod:`planning.conformity`) takes ``engine="local"``, ``engine="dask"`` or an engine object,
and turns it into an engine with :func:`get_engine`:

- :class:`LocalEngine` — this process's threads (the default; fastest on one machine);
- :class:`DaskEngine` — a ``dask.distributed`` cluster (the ``dask`` extra), for layers too
  large for one machine or a cluster at hand.

An engine does what the analyses need of an overlay: the pieces of two arrays of polygons
(:meth:`Engine.pieces`, for analyses that attach their own attributes) and the intersection of
two layers with both sets of attributes (:meth:`Engine.intersection`). Both engines return the
same pieces in the same order. An engine's options (threads, the client, the partitions) are
its fields and travel with it: nothing is read from globals or context variables.

Examples
--------
>>> from planning import overlay
>>> overlay.get_engine("local", workers=2)
LocalEngine(workers=2)
>>> engine = overlay.LocalEngine(workers=1)
>>> overlay.get_engine(engine) is engine
True
"""

from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import geopandas as gpd
import numpy as np

from planning._errors import InputError
from planning.overlay import _dask
from planning.overlay._local import (
    LEFT_POSITION,
    RIGHT_POSITION,
    Geoms,
    Pieces,
    intersection_local,
    pieces_of,
    validate_pair,
)

if TYPE_CHECKING:
    from distributed import Client

#: The engines by name, as :func:`get_engine` knows them.
ENGINES = ("local", "dask")


class Engine(abc.ABC):
    """Where the overlays of an analysis run (the base class of the engines).

    An engine provides :meth:`pieces` and :meth:`intersection`; both return exactly what the
    local engine returns. Subclass it to run overlays elsewhere; pass an instance wherever an
    ``engine=`` is taken.
    """

    @property
    def workers(self) -> int | None:
        """Threads this process uses for the geometry work an analysis does itself around
        the overlays (differences, unions); None: the usable CPUs."""
        return None

    @abc.abstractmethod
    def pieces(self, left: Geoms, right: Geoms) -> Pieces:
        """Return the polygonal pieces of every pair of interior-intersecting polygons.

        ``left`` and ``right`` are arrays of valid polygons (not checked here). The pieces are
        sorted by left position, then right position, as :func:`planning.overlay.pieces_of`
        sorts them.
        """

    @abc.abstractmethod
    def intersection(
        self, left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, *, validate: bool = True
    ) -> gpd.GeoDataFrame:
        """Return the pieces where polygons of two layers overlap, with both sets of
        attributes (see :func:`planning.overlay.intersection`)."""


def _count(value: object, name: str, *, minimum: int, optional: bool = False) -> None:
    """Raise a clear InputError unless ``value`` is a whole number >= ``minimum``."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) \
            or int(value) < minimum:
        expected = f"{'None or ' if optional else ''}a whole number of at least {minimum}"
        msg = f"{name} must be {expected}, got {value!r}."
        raise InputError(msg)


@dataclass(frozen=True, kw_only=True)
class LocalEngine(Engine):
    """The overlays on this process's threads (shapely releases the GIL).

    Parameters
    ----------
    workers : int, optional
        Threads to use (default: the usable CPUs).

    Examples
    --------
    >>> from planning.datasets import voronoi_coverage
    >>> survey = voronoi_coverage(200, seed=1).rename(columns={"cell_id": "patch"})
    >>> zones = voronoi_coverage(20, seed=2).rename(columns={"cell_id": "zone"})
    >>> pieces = LocalEngine(workers=2).intersection(survey, zones)
    >>> list(pieces.columns)
    ['patch', 'zone', 'geometry']
    """

    workers: int | None = None

    def __post_init__(self) -> None:
        _count(self.workers, "workers", minimum=1, optional=True)

    def pieces(self, left: Geoms, right: Geoms) -> Pieces:
        """Return :func:`planning.overlay.pieces_of` on this engine's threads."""
        return pieces_of(left, right, workers=self.workers)

    def intersection(
        self, left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, *, validate: bool = True
    ) -> gpd.GeoDataFrame:
        """Return :func:`planning.overlay.intersection` on this engine's threads."""
        if validate:
            validate_pair(left, right, names=("left", "right"), workers=self.workers)
        return intersection_local(left, right, workers=self.workers)


@dataclass(frozen=True, kw_only=True)
class DaskEngine(Engine):
    """The overlays on a ``dask.distributed`` cluster, on spatially compact partitions.

    Needs the ``dask`` extra (``pip install 'planning[dask]'``); constructing an engine
    without it raises an ImportError that says so. Each layer is cut into spatially compact
    partitions (in-memory layers along a Hilbert curve; GeoParquet datasets keep their files
    as partitions when the files carry bounding boxes), only pairs of partitions whose extents
    overlap are intersected, each by the local engine in one task, and the pieces are put back
    in the local engine's order: the results equal the local engine's.

    Parameters
    ----------
    client : distributed.Client, optional
        The cluster to run on. Default: the current client when the overlay runs (the last
        ``distributed.Client`` made), else Dask's local threads.
    npartitions : int, optional
        Partitions of the left layer (the right one gets as many rows per partition).
        Default for an in-memory layer: one per 50,000 rows and at least two per worker
        thread; a Dask or GeoParquet layer keeps its spatial partitions when it has them, or
        is spatially shuffled into as many partitions as it has. Given, every overlay runs
        on the cluster, however small.
    threads_per_task : int, default 1
        Threads the local engine uses inside each task (a cluster already runs one task per
        worker thread).
    local_below : int, default 10,000
        Without ``npartitions``, overlays of two in-memory layers with fewer polygons than
        this (both together, such as project sites against a plan) run in this process:
        shipping them to the cluster costs more than it saves. 0 sends every overlay.

    Examples
    --------
    >>> from planning.datasets import voronoi_coverage
    >>> from planning import overlay
    >>> survey = voronoi_coverage(300, seed=1).rename(columns={"cell_id": "patch"})
    >>> zones = voronoi_coverage(30, seed=2).rename(columns={"cell_id": "zone"})
    >>> engine = overlay.DaskEngine(npartitions=4)  # no client: Dask's local threads
    >>> pieces_dask = overlay.intersection(survey, zones, engine=engine)
    >>> pieces_local = overlay.intersection(survey, zones)
    >>> pieces_dask[["patch", "zone"]].equals(pieces_local[["patch", "zone"]])
    True
    """

    #: Columns of :meth:`lazy_intersection` with each piece's row in the left / right layer.
    LEFT_POSITION: ClassVar[str] = LEFT_POSITION
    RIGHT_POSITION: ClassVar[str] = RIGHT_POSITION

    client: Client | None = None
    npartitions: int | None = None
    threads_per_task: int = 1
    local_below: int = _dask.LOCAL_BELOW

    def __post_init__(self) -> None:
        _dask.require()
        import distributed  # noqa: PLC0415 - the extra, imported when an engine is made

        if self.client is not None and not isinstance(self.client, distributed.Client):
            msg = (f"client must be a distributed.Client, got {type(self.client).__name__}; "
                   "connect first: DaskEngine(client=distributed.Client('tcp://host:8786')).")
            raise InputError(msg)
        _count(self.npartitions, "npartitions", minimum=1, optional=True)
        _count(self.threads_per_task, "threads_per_task", minimum=1)
        _count(self.local_below, "local_below", minimum=0)

    def _cluster(self) -> Any:
        """The client given, else the current one (None: Dask's local threads)."""
        return self.client if self.client is not None else _dask.default_client()

    def _in_process(self, left: object, right: object) -> bool:
        """Run this overlay here? (two in-memory inputs, small, no partitions asked for)."""
        sizes = [len(x) for x in (left, right)
                 if isinstance(x, gpd.GeoDataFrame | np.ndarray)]
        return self.npartitions is None and len(sizes) == 2 and sum(sizes) < self.local_below

    def pieces(self, left: Geoms, right: Geoms) -> Pieces:
        """Return the pieces of two polygon arrays (see :meth:`Engine.pieces`), computed on
        the cluster unless the overlay is small (``local_below``)."""
        if self._in_process(left, right):
            return pieces_of(left, right)
        return _dask.pieces(left, right, client=self._cluster(), npartitions=self.npartitions,
                            threads_per_task=self.threads_per_task)

    def intersection(
        self, left: _dask.Layer, right: _dask.Layer, *, validate: bool = True
    ) -> gpd.GeoDataFrame:
        """Return :func:`planning.overlay.intersection` of two layers, computed with Dask.

        ``left`` and ``right`` may be in memory (GeoDataFrames), Dask frames
        (dask-geopandas), or the path (file, folder or glob) of a GeoParquet dataset; the
        workers read paths themselves. The result is a GeoDataFrame in this process.
        """
        if self._in_process(left, right):
            return LocalEngine().intersection(left, right, validate=validate)
        return _dask.intersection(left, right, client=self._cluster(),
                                  npartitions=self.npartitions,
                                  threads_per_task=self.threads_per_task, validate=validate)

    def lazy_intersection(
        self, left: _dask.Layer, right: _dask.Layer, *, validate: bool = True
    ) -> Any:
        """Return the intersection as a lazy dask-geopandas frame, for results too large for
        one machine (write them with ``.to_parquet("pieces/")``).

        One partition per pair of partitions that meet, in no particular order (this never
        runs in process, whatever ``local_below``). The columns are those of
        :meth:`intersection` plus :attr:`LEFT_POSITION` and :attr:`RIGHT_POSITION` (each
        piece's rows in the two layers).

        Returns
        -------
        dask_geopandas.GeoDataFrame
        """
        return _dask.lazy_intersection(left, right, client=self._cluster(),
                                       npartitions=self.npartitions,
                                       threads_per_task=self.threads_per_task,
                                       validate=validate)


_KINDS: dict[str, type[LocalEngine] | type[DaskEngine]] = {
    "local": LocalEngine, "dask": DaskEngine,
}


def _options(kind: type[LocalEngine] | type[DaskEngine]) -> list[str]:
    """The options an engine class takes, in its signature's order."""
    return [f.name for f in dataclasses.fields(kind) if f.init]


def get_engine(engine: str | Engine | None = None, **options: Any) -> Engine:
    """Return the engine an analysis runs on: the one dispatch from names to engines.

    Parameters
    ----------
    engine : {"local", "dask"}, Engine or None
        ``"local"`` or None: a :class:`LocalEngine`; ``"dask"``: a :class:`DaskEngine`; an
        engine object is returned as it is.
    **options
        The engine's options, with a name: ``workers`` for ``"local"``; ``client``,
        ``npartitions``, ``threads_per_task``, ``local_below`` for ``"dask"``. An engine
        object carries its own options: giving options with one is an error.

    Returns
    -------
    Engine

    Raises
    ------
    InputError
        An unknown engine name (the message lists the engines), or a bad option value.
    TypeError
        Options that the engine does not take, or options given with an engine object.
    ImportError
        ``"dask"`` without the ``dask`` extra installed.

    Examples
    --------
    >>> get_engine()
    LocalEngine(workers=None)
    >>> get_engine("local", client=None)
    Traceback (most recent call last):
    ...
    TypeError: Unknown option 'client' for engine='local' (LocalEngine takes workers); \
'client' is an option of engine='dask'.
    """
    if isinstance(engine, Engine):
        if options:
            msg = (f"Options {', '.join(map(repr, sorted(options)))} were given with an "
                   f"engine object ({type(engine).__name__}), which carries its own: give "
                   f"them to the object (for example DaskEngine(npartitions=4)), or name the "
                   f"engine (engine='dask', npartitions=4).")
            raise TypeError(msg)
        return engine
    name = "local" if engine is None else engine
    if not isinstance(name, str) or name not in _KINDS:
        msg = (f"Unknown engine {engine!r}: use one of {', '.join(map(repr, sorted(ENGINES)))}, "
               "or an engine object (planning.overlay.LocalEngine(...), "
               "planning.overlay.DaskEngine(...)); 'dask' needs the dask extra: "
               "pip install 'planning[dask]'.")
        raise InputError(msg)
    kind = _KINDS[name]
    unknown = sorted(set(options) - set(_options(kind)))
    if unknown:
        elsewhere = [f"{o!r} is an option of engine={other!r}" for o in unknown
                     for other, cls in _KINDS.items() if other != name and o in _options(cls)]
        msg = (f"Unknown option{'s' if len(unknown) > 1 else ''} "
               f"{', '.join(map(repr, unknown))} for engine={name!r} ({kind.__name__} takes "
               f"{', '.join(_options(kind))})" + ("; " + "; ".join(elsewhere) if elsewhere
                                                  else "") + ".")
        raise TypeError(msg)
    return kind(**options)


def intersection(
    left: gpd.GeoDataFrame,
    right: gpd.GeoDataFrame,
    *,
    engine: str | Engine = "local",
    workers: int | None = None,
    validate: bool = True,
    **options: Any,
) -> gpd.GeoDataFrame:
    """Return the pieces where polygons of two layers overlap, with both sets of attributes.

    The result equals ``geopandas.overlay(left, right, how="intersection",
    keep_geom_type=True)``: one row per pair of polygons whose interiors intersect, ordered
    by left row then right row, with the left columns, then the right columns (names found
    in both get the suffixes ``_1`` and ``_2``), then ``geometry``; a RangeIndex; the CRS
    of ``left``. Where one polygon covers the other, the piece is the smaller polygon as it
    came (geopandas recomputes it; the areas agree to rounding).

    Parameters
    ----------
    left, right : geopandas.GeoDataFrame
        Polygon layers in the same projected CRS. Neither is changed. The Dask engine also
        takes dask-geopandas frames and GeoParquet paths (:meth:`DaskEngine.intersection`).
    engine : {"local", "dask"} or Engine, default "local"
        Where the overlay runs: this process's threads, a Dask cluster (the ``dask`` extra),
        or an engine object such as ``DaskEngine(client=client, npartitions=8)``.
    workers : int, optional
        Threads of the local engine (default: the usable CPUs); the same as
        ``engine=LocalEngine(workers=...)``.
    validate : bool, default True
        Check the inputs first (CRS, polygon types, valid geometries) and raise a
        :class:`~planning._errors.GeometryError` listing every problem. Turn it off only
        for inputs already checked.
    **options
        Options of a named engine (``client``, ``npartitions``, ... for ``"dask"``), passed
        to :func:`get_engine`.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    CRSError
        A layer has no CRS, the CRSs differ, or the CRS is not projected.
    GeometryError
        Missing, empty, invalid or non-polygonal geometries (with ``validate=True``).
    InputError, TypeError
        An unknown engine, or options it does not take (see :func:`get_engine`).

    Examples
    --------
    >>> from planning.datasets import voronoi_coverage
    >>> survey = voronoi_coverage(200, seed=1).rename(columns={"cell_id": "patch"})
    >>> zones = voronoi_coverage(20, seed=2).rename(columns={"cell_id": "zone"})
    >>> pieces = intersection(survey, zones)
    >>> list(pieces.columns)
    ['patch', 'zone', 'geometry']
    >>> bool(abs(pieces.area.sum() - survey.area.sum()) < 1e-3)
    True
    >>> intersection(survey, zones, engine=LocalEngine(workers=1)).equals(pieces)
    True
    """
    if workers is not None:
        options = {**options, "workers": workers}
    return get_engine(engine, **options).intersection(left, right, validate=validate)
