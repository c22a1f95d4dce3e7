"""The compiled rounding sweep of `ownership.rounding`: Python's `round(v, digits)` on float arrays and, in the same
pass over a chaining round's interests, their non-zero elements and those next to a threshold of the rules
(`determine.bulk`, issue 17). Compiled and cached as `ownership.kernel` is (`kernel.jit`, `kernel.AVAILABLE`):
without numba, or with FEOC_NO_KERNEL set, `ownership.rounding` takes its numpy path, which decides the same way.

How an element is rounded (both paths). Python rounds the exact binary value of `v` to `digits` decimals (ties to
even) and returns the double nearest that decimal. With `y = v * 10**digits` (one correctly rounded product) and
`|y| < LIMIT`, `y` is within 2**-20 < TIE of the exact product, so unless `y`'s fraction lies within TIE of .5
the integer nearest `y` is the one nearest the exact product: the decimal Python rounds to. That integer and
`10**digits` (digits <= 22) are exact doubles, so one division gives the double nearest their quotient, as
Python's conversion of the decimal does. Every other element (a fraction next to .5, a large or non-finite value,
digits out of range) is marked, and rounded by Python's own `round`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from feoc.ownership.kernel import AVAILABLE, jit

__all__ = ["AVAILABLE", "LIMIT", "TIE", "near_positive", "nonzero", "round_values", "sweep"]

TIE = 1e-6  # a scaled fraction this close to .5 may be a tie the product hides: Python decides it
LIMIT = 2.0 ** 33  # below it the product errs by at most 2**-20 (half an ulp), less than TIE


@jit
def round_values(x: Any, scale: float, out: Any, slow: Any) -> int:
    """`out` = every element of `x` rounded (`scale` = 10**digits), but for the positions it writes to `slow` (one
    longer than `x`), whose count it returns: `out` holds their input, and Python rounds them. A zero rounds to
    itself, its sign kept. Without branches on the data (a million random zeros and non-zeros mispredict)."""
    nslow = 0
    for i in range(len(x)):
        v = x[i]
        y = v * scale
        python = not abs(y) < LIMIT or abs(y - np.floor(y) - 0.5) < TIE  # `not <`: NaN and the infinities too
        out[i] = v if python else np.rint(y) / scale
        slow[nslow] = i
        nslow += python
    return nslow


@jit
def nonzero(x: Any, at: Any, values: Any) -> None:
    """`at` = the positions of the non-zero elements of `x` (as `np.flatnonzero`), `values` = those elements; both
    one longer than their count."""
    k = 0
    for i in range(len(x)):
        at[k] = i
        k += x[i] != 0.0
    for j in range(k):
        values[j] = x[at[j]]


@jit
def near_positive(values: Any, limits: Any, near: float, close: Any) -> int:
    """`close` = the indexes of the positive `values` within `near` of one of the `limits` (the test of
    `facts.near`), one longer than `values`; returns their count."""
    nclose = 0
    for j in range(len(values)):
        v = values[j]
        hit = False
        for t in limits:
            hit |= abs(v - t) <= near
        close[nclose] = j
        nclose += hit and v > 0.0
    return nclose


@jit
def sweep(x: Any, scale: float, limits: Any, near: float, at: Any, values: Any, rounded: Any, slow: Any,
          close: Any) -> Any:
    """`x`'s non-zero elements: positions (`at`), `values` and `rounded` values (`round_values`), and the indexes
    into those that Python rounds (`slow`) and that lie next to a threshold (`close`, `near_positive`). Every array
    is one longer than the count of non-zero elements. Returns the counts of `slow` and `close`."""
    k = len(at) - 1
    nonzero(x, at, values)
    return round_values(values[:k], scale, rounded, slow), near_positive(values[:k], limits, near, close)
