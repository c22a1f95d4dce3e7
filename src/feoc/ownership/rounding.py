"""Rounding exactly as Python's round() on arrays, and interests kept between chaining rounds packed, for the bulk
path (`ownership.arrays`, `determine.bulk`)."""

from __future__ import annotations

from typing import Any

import numpy as np

CHUNK = 1 << 18  # elements rounded at a time: the temporaries stay a few MiB whatever the size (issue 17, memory)


def py_round(x: np.ndarray, digits: int) -> np.ndarray:
    """`round(v, digits)` for every element, as Python rounds (correctly, ties to even on the exact binary
    value). numpy's round scales, rints and divides, which can differ next to a tie; those few elements
    are rounded by Python itself. Each element is rounded on its own, so a part at a time gives the same array."""
    out = x.copy()  # a zero (most entities, for most holders) rounds to itself
    for lo in range(0, len(x), CHUNK):
        _round_into(out[lo:lo + CHUNK], digits)
    return out


def _round_into(out: np.ndarray, digits: int) -> None:
    some = np.flatnonzero(out)
    x = out[some]
    out[some] = np.round(x, digits)
    scaled = x * 10.0 ** digits
    near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    if near.any():
        idx = np.flatnonzero(near)
        out[some[idx]] = [round(v, digits) for v in x[idx].tolist()]


Packed = Any  # an array, or (length, positions, values) of its non-zero elements


def pack(x: np.ndarray) -> Packed:
    """`x` as its non-zero elements when that is smaller (most entities hold none of a group's interest): what the
    bulk path keeps of a round for the next (issue 17, memory). `unpack` gives the very same array back."""
    at = np.flatnonzero(x)
    if len(at) * 12 >= len(x) * 8:
        return x
    return (len(x), at.astype(np.int32), x[at])


def unpack(packed: Packed) -> np.ndarray:
    if isinstance(packed, np.ndarray):
        return packed
    n, at, values = packed
    x = np.zeros(n)
    x[at] = values
    return x
