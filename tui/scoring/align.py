"""Banded dynamic time warping between two feature sequences.

Only cells within a band around the diagonal are filled, so a long attempt
costs memory proportional to ``n_ref * n_att`` float32 at most, never more.
"""

from __future__ import annotations

import numba
import numpy as np

BAND = 0.35
"""Band half-width as a share of the longer sequence."""


def cost_matrix(ref: np.ndarray, att: np.ndarray) -> np.ndarray:
    """Euclidean frame distances divided by sqrt(dims).

    Parameters
    ----------
    ref : np.ndarray [shape=(n, d)]
    att : np.ndarray [shape=(m, d)]

    Returns
    -------
    np.ndarray [shape=(n, m)], float32
    """
    ref = np.asarray(ref, dtype=np.float32)
    att = np.asarray(att, dtype=np.float32)
    sq = ref @ att.T
    sq *= -2.0
    sq += (ref**2).sum(axis=1)[:, None]
    sq += (att**2).sum(axis=1)[None, :]
    np.maximum(sq, 0.0, out=sq)
    np.sqrt(sq, out=sq)
    sq *= np.float32(1.0 / np.sqrt(ref.shape[1]))
    return sq


@numba.njit(cache=True)
def _accumulate(cost: np.ndarray, radius: int) -> np.ndarray:  # pragma: no cover - compiled
    n, m = cost.shape
    steps = np.full((n, m), -1, dtype=np.int8)
    prev = np.full(m, np.inf)
    cur = np.full(m, np.inf)
    slope = (m - 1) / max(n - 1, 1)
    for i in range(n):
        centre = i * slope
        lo = max(int(centre) - radius, 0)
        hi = min(int(centre) + radius + 1, m)
        for j in range(m):
            cur[j] = np.inf
        for j in range(lo, hi):
            c = cost[i, j]
            if i == 0 and j == 0:
                cur[j] = c
                steps[i, j] = 0
                continue
            best = np.inf
            step = -1
            if i > 0 and j > 0 and prev[j - 1] < best:
                best = prev[j - 1]
                step = 0
            if i > 0 and prev[j] < best:
                best = prev[j]
                step = 1
            if j > 0 and cur[j - 1] < best:
                best = cur[j - 1]
                step = 2
            if step >= 0:
                cur[j] = best + c
                steps[i, j] = step
        for j in range(m):
            prev[j] = cur[j]
    return steps


@numba.njit(cache=True)
def _backtrack(steps: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    n, m = steps.shape
    path = np.empty((n + m, 2), dtype=np.int64)
    i, j, k = n - 1, m - 1, 0
    while True:
        path[k, 0] = i
        path[k, 1] = j
        k += 1
        step = steps[i, j]
        if step == 0 and (i == 0 and j == 0):
            break
        if step == 0:
            i -= 1
            j -= 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    return path[:k][::-1]


def dtw(cost: np.ndarray, *, band: float = BAND) -> np.ndarray:
    """The cheapest monotone path from ``(0, 0)`` to ``(n-1, m-1)`` through ``cost``.

    Parameters
    ----------
    cost : np.ndarray [shape=(n, m)]
    band : float
        Half-width of the allowed band around the diagonal, as a share of
        ``max(n, m)`` (at least the slope mismatch plus 10 frames).

    Returns
    -------
    np.ndarray [shape=(k, 2)], int
        ``(ref_frame, att_frame)`` pairs in increasing order.
    """
    n, m = cost.shape
    radius = int(band * max(n, m)) + 10
    return np.ascontiguousarray(_backtrack(_accumulate(np.ascontiguousarray(cost), radius)))
