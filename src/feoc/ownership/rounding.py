"""Rounding exactly as Python's round() on arrays, and interests kept between chaining rounds packed, for the bulk
path (`ownership.arrays`, `determine.bulk`).

The rounding is one compiled pass (`ownership.rounding_kernel`, which says why it equals Python's round) or, without
the compiled code, the same decisions in numpy; either way the few elements it cannot decide are rounded by Python."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from feoc.ownership import rounding_kernel as kernel

CHUNK = 1 << 18  # elements the numpy path rounds at a time: the temporaries stay a few MiB whatever the size (issue 17)


def _scale(digits: int) -> float:
    """10**digits, exact for 0 <= digits <= 22; NaN otherwise, which sends every element to Python."""
    return 10.0 ** digits if 0 <= digits <= 22 else math.nan


def py_round(x: np.ndarray, digits: int) -> np.ndarray:
    """`round(v, digits)` for every element, as Python rounds (correctly, ties to even on the exact binary value).
    Each element is rounded on its own, so a part at a time gives the same array."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty(len(x))
    if kernel.AVAILABLE:
        slow = np.empty(len(x) + 1, dtype=np.int64)  # the pages never written cost no memory
        _by_python(x, out, slow[:kernel.round_values(x, _scale(digits), out, slow)], digits)
        return out
    for lo in range(0, len(x), CHUNK):
        part = x[lo:lo + CHUNK]
        out[lo:lo + CHUNK], slow = _numpy_round(part, digits)
        _by_python(part, out[lo:lo + CHUNK], slow, digits)
    return out


def _numpy_round(x: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """`rounding_kernel.round_values` in numpy: the rounded values (the input where Python must round) and the
    indexes Python must round."""
    scale = _scale(digits)
    with np.errstate(invalid="ignore", over="ignore"):
        y = x * scale
        slow = ~(np.abs(y) < kernel.LIMIT) | (np.abs(y - np.floor(y) - 0.5) < kernel.TIE)
        out = np.rint(y) / scale
    at = np.flatnonzero(slow)
    out[at] = x[at]
    return out, at


def _by_python(x: np.ndarray, out: np.ndarray, at: np.ndarray, digits: int) -> None:
    if len(at):
        out[at] = [round(v, digits) for v in x[at].tolist()]


@dataclass(frozen=True)
class Sparse:
    """An array of `n` elements by its non-zero ones: their positions `at` (ascending), `values`, `rounded` values
    (`py_round`), and `close`, the indexes into those of the positive values next to a threshold (`sweep`)."""

    n: int
    at: np.ndarray
    values: np.ndarray
    rounded: np.ndarray
    close: np.ndarray


def sweep(x: np.ndarray, digits: int, limits: Sequence[float], near: float) -> Sparse:
    """`x` as `Sparse`: its non-zero elements rounded to `digits`, and those within `near` of one of the `limits`
    (`abs(v - t) <= near`, `facts.near`) and positive. One pass over `x` when compiled (issue 17, CPU)."""
    x, bounds = np.ascontiguousarray(x, dtype=np.float64), np.asarray(limits, dtype=np.float64)
    if not kernel.AVAILABLE:
        at = np.flatnonzero(x)
        values = x[at]
        rounded, slow = _numpy_round(values, digits)
        close = np.zeros(len(values), dtype=bool)
        for t in bounds.tolist():
            close |= np.abs(values - t) <= near
        close = np.flatnonzero(close & (values > 0))
    else:
        k = int(np.count_nonzero(x))  # each array one longer (`rounding_kernel.sweep`)
        at, values, rounded = np.empty(k + 1, dtype=np.int64), np.empty(k + 1), np.empty(k + 1)
        slow, close = np.empty(k + 1, dtype=np.int64), np.empty(k + 1, dtype=np.int64)
        nslow, nclose = kernel.sweep(x, _scale(digits), bounds, near, at, values, rounded, slow, close)
        at, values, rounded = at[:k], values[:k], rounded[:k]
        slow, close = slow[:nslow], close[:nclose].copy()  # close is kept (a few); slow is used at once
    _by_python(values, rounded, slow, digits)
    return Sparse(len(x), at, values, rounded, close)


Packed = Any  # an array, or (length, positions, values) of its non-zero elements


def pack(x: np.ndarray, sparse: Sparse | None = None) -> Packed:
    """`x` as its non-zero elements when that is smaller (most entities hold none of a group's interest): what the
    bulk path keeps of a round for the next (issue 17, memory). `unpack` gives the very same array back. `sparse`,
    `x`'s `sweep` when it has one, saves finding them again."""
    at, values = (np.flatnonzero(x), None) if sparse is None else (sparse.at, sparse.values)
    if len(at) * 12 >= len(x) * 8:
        return x
    return (len(x), at.astype(np.int32), x[at] if values is None else values)


def unpack(packed: Packed) -> np.ndarray:
    if isinstance(packed, np.ndarray):
        return packed
    n, at, values = packed
    x = np.zeros(n)
    x[at] = values
    return x


def packed_at(packed: Packed, where: np.ndarray) -> np.ndarray:
    """The elements at the positions `where` of the array `packed` holds, without unpacking it."""
    if isinstance(packed, np.ndarray):
        return packed[where]
    _, at, values = packed
    return looked_up(at, values, where, np.zeros(len(where)))


def looked_up(keys: np.ndarray, values: np.ndarray, where: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """`values[j]` for each element of `where` equal to `keys[j]` (`keys` ascending), else `missing`'s element."""
    out = np.array(missing, dtype=np.float64)
    if len(keys):
        j = np.minimum(np.searchsorted(keys, where.astype(keys.dtype)), len(keys) - 1)  # no copy of the keys
        hit = keys[j] == where
        out[hit] = values[j[hit]]
    return out


def round_packed(packed: Packed, digits: int) -> np.ndarray:
    """`py_round(unpack(packed), digits)`, rounding only the non-zero elements of a packed array."""
    if isinstance(packed, np.ndarray):
        return py_round(packed, digits)
    n, at, values = packed
    out = np.zeros(n)
    out[at] = py_round(values, digits)
    return out
