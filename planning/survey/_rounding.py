"""Rounding that adds up: largest-remainder apportionment (最大余数法), vectorised by group."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


def apportion(weights: npt.ArrayLike, groups: npt.ArrayLike, totals: npt.ArrayLike
              ) -> IntArray:
    """Whole numbers proportional to ``weights`` that add up to ``totals`` in every group.

    Each item gets the floor of its share ``total * weight / sum(weights of its group)``; the
    units still missing in a group go, one each, to the items with the largest remainders
    (ties: the earlier item). A group whose weights are all zero shares its total equally.

    Parameters
    ----------
    weights : array of float, >= 0
    groups : array of int
        Group of each item, 0 .. n_groups - 1.
    totals : array of int
        The whole total of each group (e.g. cents of m²).

    Examples
    --------
    >>> apportion([1, 1, 1], [0, 0, 0], [100]).tolist()
    [34, 33, 33]
    >>> apportion([2.0, 1.0, 5.0, 0.0], [0, 0, 1, 1], [10, 7]).tolist()
    [7, 3, 7, 0]
    """
    w = np.asarray(weights, dtype=float)
    g = np.asarray(groups, dtype=np.int64)
    t = np.asarray(totals, dtype=np.int64)
    if len(w) == 0:
        return np.zeros(0, dtype=np.int64)
    sums = np.bincount(g, weights=w, minlength=len(t))
    counts = np.bincount(g, minlength=len(t))
    empty = sums[g] <= 0
    share = np.where(empty, t[g] / np.maximum(counts[g], 1),
                     t[g] * (w / np.where(empty, 1.0, sums[g])))
    base = np.floor(share).astype(np.int64)
    missing = t - np.bincount(g, weights=base, minlength=len(t)).round().astype(np.int64)
    # rank the items of each group by remainder, largest first (stable: earlier first)
    order = np.lexsort((np.arange(len(w)), -(share - base), g))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(w), dtype=np.int64)
    rank[order] = np.arange(len(w)) - first[g[order]]
    per_item, rest = np.divmod(missing[g], np.maximum(counts[g], 1))
    result: IntArray = base + per_item + (rank < rest)
    return result
