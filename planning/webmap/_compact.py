"""Compact text encoding of a layer's geometries for the map's canvas renderer.

A layer of 100,000 polygons written as GeoJSON takes about 200 MB; written here it takes a
few MB. Longitudes and latitudes are snapped to a grid of ``quantum_deg`` degrees
(:data:`QUANTUM_DEG`, about 0.2 m, less than half a screen pixel at zoom 18), consecutive
vertices that fall on the same grid point are merged (the first one is kept, so no ring is
ever emptied), polygon rings lose their closing vertex, and every coordinate is written as the
difference from the previous vertex. Shared vertices of neighbouring polygons snap to the same
grid point, so a coverage stays a coverage: no gap or overlap appears between neighbours.

The numbers are written as variable-length digits of an 85-character alphabet that holds no
``"``, ``\\``, ``<``, ``>``, ``&``, ``'``, backtick or ``{``, so the text needs no escaping
inside JSON, a script element or a Jinja template. Small numbers take one character: a
difference of fewer than 32 grid steps (about 7 m) costs one character per coordinate.

Polygon exteriors are written counter-clockwise and holes clockwise (the page fills with the
nonzero rule). Stream layout, per feature: a header ``kind + 3 * parts`` (kind 0 point, 1 line,
2 polygon); per polygon part the number of rings; per ring or line the number of vertices;
then ``dx, dy`` per vertex (zigzag-coded differences). A point part is just ``dx, dy``.
:func:`decode` is the reference decoder; ``static/planning-map.js`` has the same in the
browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from planning._errors import GeometryError, Problem

#: Grid step of the quantised coordinates, in degrees (about 0.22 m north-south).
QUANTUM_DEG = 2e-6

#: Digits of the variable-length code: the first ``_C`` are continuation digits, the
#: remaining ``_T`` end a number.
ALPHABET = "".join(
    chr(c) for c in range(0x23, 0x7F) if chr(c) not in "\\<>&'`{"
)
_C = 22
_T = len(ALPHABET) - _C
_DIGIT_BYTES = bytes(ALPHABET.encode("ascii") + bytes(256 - len(ALPHABET)))

_KIND_POINT, _KIND_LINE, _KIND_POLYGON = 0, 1, 2
_KIND_BY_TYPE = {0: _KIND_POINT, 4: _KIND_POINT, 1: _KIND_LINE, 5: _KIND_LINE,
                 2: _KIND_LINE, 3: _KIND_POLYGON, 6: _KIND_POLYGON}

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Transform = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]


@dataclass(frozen=True)
class Encoded:
    """The encoded geometries of one layer.

    Attributes
    ----------
    text : str
        The digit stream.
    origin : tuple of float
        Longitude and latitude of grid point (0, 0).
    quantum_deg : float
        Grid step in degrees.
    counts : dict of str to int
        ``features``, ``parts``, ``rings`` and ``vertices`` (for the decoder's arrays).
    kinds : numpy.ndarray
        Kind of each feature (0 point, 1 line, 2 polygon; -1 for an empty geometry).
    """

    text: str
    origin: tuple[float, float]
    quantum_deg: float
    counts: dict[str, int]
    kinds: npt.NDArray[np.int8]


def _kinds(geoms: npt.NDArray[np.object_], source: str) -> npt.NDArray[np.int8]:
    type_ids = shapely.get_type_id(geoms)
    kinds = np.full(len(geoms), -1, dtype=np.int8)
    problems = []
    for type_id, kind in _KIND_BY_TYPE.items():
        kinds[type_ids == type_id] = kind
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    kinds[empty] = -1
    for i in np.flatnonzero((kinds == -1) & ~empty):
        problems.append(Problem(
            source, "geometry collections cannot be drawn; explode them first "
            "(gdf.explode()) or keep one geometry type per feature", row=int(i),
        ))
    if problems:
        msg = f"Layer {source!r} has geometries the map cannot draw."
        raise GeometryError(msg, problems)
    return kinds


def _group_starts(counts: IntArray) -> IntArray:
    """Exclusive cumulative sum: the start offset of each group."""
    starts = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=starts[1:])
    return starts


def _within(counts: IntArray, owner: IntArray, n_owners: int) -> IntArray:
    """Offset of each item inside its owner, for items sorted by owner with sizes ``counts``."""
    starts = _group_starts(counts)
    owner_first = np.searchsorted(owner, np.arange(n_owners))
    owner_first = np.minimum(owner_first, max(len(owner) - 1, 0))
    if len(owner) == 0:
        return starts
    return starts - starts[owner_first][owner]


def _vertices(
    rings: npt.NDArray[np.object_], closed: npt.NDArray[np.bool_], quantum: float,
    transform: Transform | None,
) -> tuple[IntArray, IntArray, IntArray, tuple[float, float]]:
    """Quantised vertices of each ring, closing vertices and repeats removed.

    Returns x, y (grid units, int64), the ring of each vertex and the grid origin.
    """
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    del xy
    lon, lat = (x, y) if transform is None else transform(x, y)
    if len(lon):
        origin = (float(np.floor(lon.min() / quantum) * quantum),
                  float(np.floor(lat.min() / quantum) * quantum))
    else:
        origin = (0.0, 0.0)
    gx, gy = _snap(lon, origin[0], quantum), _snap(lat, origin[1], quantum)
    n = len(ring_of)
    keep = np.ones(n, dtype=bool)
    if n:
        new_ring = np.r_[True, ring_of[1:] != ring_of[:-1]]
        last_of_ring = np.r_[new_ring[1:], True]
        keep &= ~(last_of_ring & closed[ring_of])
        keep &= ~(~new_ring & np.r_[False, (gx[1:] == gx[:-1]) & (gy[1:] == gy[:-1])])
        # a closed ring whose remaining last vertex equals its first one: drop the last
        kept = np.flatnonzero(keep)
        kept_ring = ring_of[kept]
        first_pos = kept[np.r_[True, kept_ring[1:] != kept_ring[:-1]]]
        last_pos = kept[np.r_[kept_ring[1:] != kept_ring[:-1], True]]
        repeat = (
            closed[ring_of[last_pos]] & (last_pos != first_pos)
            & (gx[last_pos] == gx[first_pos]) & (gy[last_pos] == gy[first_pos])
        )
        keep[last_pos[repeat]] = False
    return gx[keep], gy[keep], ring_of[keep], origin


def _snap(values: FloatArray, origin: float, quantum: float) -> IntArray:
    """Grid numbers of coordinates (in place on ``values``, which is not used afterwards)."""
    work = np.subtract(values, origin, out=values if values.flags.writeable else None)
    np.multiply(work, 1.0 / quantum, out=work)
    np.rint(work, out=work)
    return work.astype(np.int64)


def _zigzag(values: IntArray) -> IntArray:
    return np.where(values >= 0, values * 2, -values * 2 - 1)


def encode_numbers(values: npt.ArrayLike) -> str:
    """Write non-negative integers as variable-length digits.

    Examples
    --------
    >>> text = encode_numbers([0, 63, 64, 1_000_000])
    >>> decode_numbers(text)
    [0, 63, 64, 1000000]
    """
    n = np.asarray(values, dtype=np.int64)
    if n.size and n.min() < 0:
        msg = "encode_numbers takes non-negative integers"
        raise ValueError(msg)
    # a number of L digits: L - 1 continuation digits (n // C**k % C), then C + n // C**(L-1)
    lengths = np.ones(len(n), dtype=np.int64)
    big = np.flatnonzero(n >= _T)  # most numbers take one digit: work on the others only
    rest = n[big] // _C
    extra = np.ones(len(big), dtype=np.int64)
    while len(rest) and rest.max() >= _T:
        extra += rest >= _T
        rest = rest // _C
    lengths[big] += extra
    starts = _group_starts(lengths)
    out = np.empty(int(lengths.sum()), dtype=np.uint8)
    one = lengths == 1
    out[starts[one]] = _C + n[one]
    multi = np.flatnonzero(~one)
    rest, pos, left = n[multi], starts[multi], lengths[multi]
    while len(rest):
        last = left == 1
        out[pos[last]] = _C + rest[last]
        more = ~last
        rest, pos, left = rest[more], pos[more], left[more]
        out[pos] = rest % _C
        rest, pos, left = rest // _C, pos + 1, left - 1
    return out.tobytes().translate(_DIGIT_BYTES).decode("ascii")


def decode_numbers(text: str) -> list[int]:
    """Read the integers written by :func:`encode_numbers` (reference decoder)."""
    digit = {ch: i for i, ch in enumerate(ALPHABET)}
    values: list[int] = []
    value, scale = 0, 1
    for ch in text:
        d = digit[ch]
        if d < _C:
            value += d * scale
            scale *= _C
        else:
            values.append(value + (d - _C) * scale)
            value, scale = 0, 1
    if scale != 1:
        msg = "encoded text ends inside a number"
        raise ValueError(msg)
    return values


def _parts_and_rings(
    arr: npt.NDArray[np.object_], kinds: npt.NDArray[np.int8]
) -> tuple[IntArray, IntArray, npt.NDArray[np.object_], IntArray]:
    """Split features into parts and rings, in stream order.

    Returns the feature of each part, the kind of each part, the ring geometries (polygon
    exterior and holes; a line or point part is one "ring") and the part of each ring.
    """
    drawable = kinds >= 0
    type_ids = shapely.get_type_id(arr)
    single = np.isin(type_ids[drawable], (0, 1, 2, 3))
    if single.all():  # fast path: no Multi* geometries
        parts = arr[drawable]
        part_feature = np.flatnonzero(drawable).astype(np.int64)
    else:
        parts, idx = shapely.get_parts(arr[drawable], return_index=True)
        part_feature = np.flatnonzero(drawable)[idx].astype(np.int64)
    part_kind = kinds[part_feature].astype(np.int64)
    is_poly = part_kind == _KIND_POLYGON
    holes = shapely.get_num_interior_rings(parts[is_poly])
    if not holes.any():  # fast path: a polygon's coordinates are its exterior ring's
        return part_feature, part_kind, parts, np.arange(len(parts), dtype=np.int64)
    poly_rings, poly_ring_part = shapely.get_rings(parts[is_poly], return_index=True)
    poly_ring_part = np.flatnonzero(is_poly)[poly_ring_part]
    other = np.flatnonzero(~is_poly)
    ring_part = np.concatenate([poly_ring_part, other]).astype(np.int64)
    ring_geoms = np.concatenate([poly_rings, parts[other]])
    order = np.argsort(ring_part, kind="stable")
    return part_feature, part_kind, ring_geoms[order], ring_part[order]


def encode(
    geoms: npt.ArrayLike,
    *,
    transform: Transform | None = None,
    quantum_deg: float = QUANTUM_DEG,
    source: str = "layer",
) -> Encoded:
    """Encode geometries (Point, LineString, Polygon and Multi*) for the canvas renderer.

    Parameters
    ----------
    geoms : array of shapely geometries
        In longitude/latitude degrees, or in any CRS when ``transform`` is given. Empty or
        missing geometries are kept as features with no parts (nothing is drawn for them,
        their attributes stay in the layer).
    transform : callable, optional
        ``transform(x, y) -> (lon, lat)`` applied to the coordinate arrays (reprojection and
        the GCJ-02 shift happen here, on flat arrays, without building geometries).
    quantum_deg : float
        Grid step in degrees.
    source : str
        Layer name for error messages.

    Examples
    --------
    >>> square = shapely.box(115.85, 35.99, 115.851, 35.991)
    >>> enc = encode([square, shapely.Point(115.86, 36.0)])
    >>> enc.counts
    {'features': 2, 'parts': 2, 'rings': 2, 'vertices': 5}
    >>> back = decode(enc)
    >>> bool(shapely.equals_exact(back[0], square, 1e-6))
    True
    """
    arr = np.asarray(geoms, dtype=object)
    kinds = _kinds(arr, source)
    # exteriors counter-clockwise, holes clockwise: the page fills with the nonzero rule, so
    # holes stay open and overlapping features do not cancel each other out
    arr = shapely.orient_polygons(arr)
    part_feature, part_kind, ring_geoms, ring_part = _parts_and_rings(arr, kinds)
    is_poly = part_kind == _KIND_POLYGON
    ring_kind = part_kind[ring_part]
    closed = ring_kind == _KIND_POLYGON
    gx, gy, vert_ring, origin = _vertices(ring_geoms, closed, quantum_deg, transform)

    n_feat, n_part, n_ring = len(arr), len(part_feature), len(ring_geoms)
    verts_per_ring = np.bincount(vert_ring, minlength=n_ring).astype(np.int64)
    rings_per_part = np.bincount(ring_part, minlength=n_part).astype(np.int64)
    parts_per_feat = np.bincount(part_feature, minlength=n_feat).astype(np.int64)

    ring_header = (ring_kind != _KIND_POINT).astype(np.int64)
    part_header = is_poly.astype(np.int64)
    ring_tokens = ring_header + 2 * verts_per_ring
    part_tokens = part_header + np.bincount(ring_part, weights=ring_tokens,
                                            minlength=n_part).astype(np.int64)
    feat_tokens = 1 + np.bincount(part_feature, weights=part_tokens,
                                  minlength=n_feat).astype(np.int64)
    feat_start = _group_starts(feat_tokens)
    part_start = feat_start[part_feature] + 1 + _within(part_tokens, part_feature, n_feat)
    ring_start = part_start[ring_part] + part_header[ring_part] + _within(
        ring_tokens, ring_part, n_part)
    vert_start = ring_start[vert_ring] + ring_header[vert_ring] + 2 * _within(
        np.ones(len(vert_ring), dtype=np.int64), vert_ring, n_ring)

    tokens = np.empty(int(feat_tokens.sum()), dtype=np.int64)
    tokens[feat_start] = np.where(kinds >= 0, kinds, 0) + 3 * parts_per_feat
    tokens[part_start[is_poly]] = rings_per_part[is_poly]
    has_header = ring_header.astype(bool)
    tokens[ring_start[has_header]] = verts_per_ring[has_header]
    tokens[vert_start] = _zigzag(np.diff(gx, prepend=0))
    tokens[vert_start + 1] = _zigzag(np.diff(gy, prepend=0))
    counts = {"features": n_feat, "parts": n_part, "rings": n_ring,
              "vertices": len(vert_ring)}
    return Encoded(encode_numbers(tokens), origin, quantum_deg, counts, kinds)


def decode(enc: Encoded) -> list[shapely.Geometry | None]:
    """Rebuild the geometries of :func:`encode` (reference decoder, for tests).

    Polygons come back normalised by ring closure only; Multi* come back as Multi*
    (or single when they have one part); empty features come back as None.
    """
    nums = decode_numbers(enc.text)
    q, (x0, y0) = enc.quantum_deg, enc.origin
    pos, x, y = 0, 0, 0
    out: list[shapely.Geometry | None] = []

    def vertex() -> tuple[float, float]:
        nonlocal pos, x, y
        x += _unzig(nums[pos])
        y += _unzig(nums[pos + 1])
        pos += 2
        return (x0 + x * q, y0 + y * q)

    for _ in range(enc.counts["features"]):
        header = nums[pos]
        pos += 1
        kind, n_parts = header % 3, header // 3
        built: list[shapely.Geometry] = []
        for _ in range(n_parts):
            if kind == _KIND_POINT:
                built.append(shapely.Point(vertex()))
                continue
            n_rings = 1
            if kind == _KIND_POLYGON:
                n_rings = nums[pos]
                pos += 1
            rings = []
            for _ in range(n_rings):
                n = nums[pos]
                pos += 1
                ring = [vertex() for _ in range(n)]
                # a ring or line that collapsed onto one grid point keeps its vertex
                least = 3 if kind == _KIND_POLYGON else 2
                rings.append(ring + ring[-1:] * max(0, least - len(ring)))
            if kind == _KIND_LINE:
                built.append(shapely.LineString(rings[0]))
            else:
                built.append(shapely.Polygon(rings[0], rings[1:]))
        out.append(_assemble(kind, built))
    return out


def _unzig(v: int) -> int:
    return v >> 1 if v % 2 == 0 else -((v + 1) >> 1)


def _assemble(kind: int, parts: list[shapely.Geometry]) -> shapely.Geometry | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    if kind == _KIND_POINT:
        return shapely.MultiPoint(parts)
    if kind == _KIND_LINE:
        return shapely.MultiLineString(parts)
    return shapely.MultiPolygon(parts)
