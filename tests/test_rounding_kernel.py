"""Issue 17, CPU: the rounding of the bulk path's chaining rounds in one compiled sweep (`ownership/rounding_kernel.py`)
and in its numpy fallback (`ownership/rounding.py`), against Python's own `round()`, bit for bit.

User story: an analyst screens a million entities with `feoc screen`; every interest becomes a fact rounded to 9
decimals and every government share in the table is rounded to 6 (`facts.fact_number`, `verdicts.screen`), exactly
as `feoc check` rounds it one entity at a time with Python's round(), so the 25 % test of DOE's 89 FR 37079 §III.E
sees the very same number on both paths, ties and near-ties included."""

from __future__ import annotations

import datetime as dt
import math
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feoc.determine import bulk
from feoc.law.law import Law
from feoc.ownership import rounding, rounding_kernel
from feoc.ownership.rounding import pack, packed_at, py_round, round_packed, sweep, unpack
from feoc.verdicts.screen import screen

PATHS = ["compiled", "numpy"]
LIMITS = (0.0, 0.25, 0.5)  # the shape of the rules' share thresholds: a zero, the 25 % test, a majority
NEAR = 1e-9


@pytest.fixture(params=PATHS)
def path(request, monkeypatch) -> str:
    """Each test runs on the compiled sweep and on the numpy fallback (numba missing, or FEOC_NO_KERNEL set)."""
    if request.param == "compiled" and not rounding_kernel.AVAILABLE:
        pytest.skip("numba is not installed: the numpy path is used")
    monkeypatch.setattr(rounding_kernel, "AVAILABLE", request.param == "compiled")
    return str(request.param)


def _bits(values: object) -> list[int]:
    """Each float's bits, so that -0.0 differs from 0.0 and NaN equals NaN."""
    return [struct.unpack("<q", struct.pack("<d", v))[0] for v in np.asarray(values, dtype=np.float64).tolist()]


def _steps(v: float, k: int) -> float:
    """The float `k` representable steps above `v` (below for a negative `k`)."""
    for _ in range(abs(k)):
        v = math.nextafter(v, math.inf if k > 0 else -math.inf)
    return v


DIGITS = st.sampled_from([6, 9, 0, 2, 15, 22, 23, -1])  # the screen's 6, the facts' 9, and the edges of the fast path
TIES = st.builds(lambda k, d, s: _steps((k + 0.5) / 10 ** d, s), st.integers(-10**7, 10**7), st.sampled_from([6, 9]),
                 st.integers(-4, 4))  # a decimal tie and the floats next to it: the .5e-6 and .5e-9 boundaries
BIG = st.builds(lambda d, s, sign: sign * _steps(rounding_kernel.LIMIT / 10 ** d, s), st.sampled_from([6, 9]),
                st.integers(-3, 3), st.sampled_from([1.0, -1.0]))  # where the fast path hands over to Python
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 1), TIES, BIG,
                   st.floats(-2.2250738585072014e-308, 2.2250738585072014e-308),  # subnormals
                   st.sampled_from([0.0, -0.0, 1.0, -1.0, 5e-324, 0.25, 0.1 + 0.2, 1e300, 2.675, 0.3252145]))


@settings(max_examples=1500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(FLOATS, max_size=40), DIGITS)
def test_py_round_is_pythons_round_on_every_float(path, values, digits):
    """Every float, both paths: ties to even on the exact binary value, NaN, the infinities, subnormals, -0.0,
    values too large for the scaled product, and digits outside 0..22 give Python's round() bit for bit."""
    got = py_round(np.array(values, dtype=np.float64), digits)
    assert _bits(got) == _bits([round(v, digits) for v in values])


@pytest.mark.parametrize(("value", "digits", "python", "rint"), [(0.3252145, 6, 0.325215, 0.325214),
                                                                 (0.0434697745, 9, 0.043469775, 0.043469774)])
def test_a_share_whose_numpy_round_differs_goes_to_python(path, monkeypatch, value, digits, python, rint):
    """A share whose scaled product hides the tie (numpy's round gives `rint`): it is handed to Python's round
    (the fallback path), which gives the correctly rounded `python`."""
    assert float(np.round(value, digits)) == rint != python == round(value, digits)
    handed: list[list[int]] = []
    real = rounding._by_python
    monkeypatch.setattr(rounding, "_by_python", lambda x, out, at, d: (handed.append(at.tolist()), real(x, out, at, d)))
    assert py_round(np.array([0.0, value, 0.5]), digits).tolist() == [0.0, python, 0.5]
    assert handed == [[1]]


def test_a_huge_value_rounds_to_itself(path):
    """The rounding before this sweep scaled 1e300 by 10**9 into infinity; Python's round gives 1e300 back."""
    assert py_round(np.array([1e300, -1.7e308, 12345678.123456789]), 9).tolist() == \
        [1e300, -1.7e308, round(12345678.123456789, 9)]


ARRAYS = st.lists(st.one_of(st.just(0.0), st.just(0.0), st.floats(0, 1), TIES.map(abs),
                            st.sampled_from(LIMITS).flatmap(lambda t: st.integers(-3, 3).map(lambda k: t + k * 5e-10)),
                            st.floats(-1, 0)), max_size=60)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ARRAYS)
def test_the_sweep_is_flatnonzero_round_and_the_threshold_test(path, values):
    """One sweep over a round's interests (zeros, shares next to 0, 25 % and 50 %, negatives) gives what the three
    passes it replaces gave: the non-zero positions, their values rounded by Python, and the positive ones within
    NEAR of a threshold (`facts.near`)."""
    x = np.array(values, dtype=np.float64)
    got = sweep(x, 9, LIMITS, NEAR)
    at = np.flatnonzero(x)
    near = np.flatnonzero([v > 0 and any(abs(v - t) <= NEAR for t in LIMITS) for v in x[at].tolist()])
    assert got.n == len(x) and got.at.tolist() == at.tolist() and _bits(got.values) == _bits(x[at])
    assert _bits(got.rounded) == _bits([round(v, 9) for v in x[at].tolist()])
    assert got.close.tolist() == near.tolist()


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ARRAYS, st.data())
def test_what_a_round_keeps_gives_its_shares_back(path, values, data):
    """What `_shares` keeps of a round (its interests packed, the shares decided exactly): the next round reads
    the shares of a few entities without unpacking, the share ranges and unrecorded measures read them all; both
    are the interests rounded with the exact shares put back."""
    x = np.array(values, dtype=np.float64)
    swept = sweep(x, 9, LIMITS, NEAR)
    packed = pack(x, swept)
    assert _bits(unpack(packed)) == _bits(unpack(pack(x))) and np.array_equal(unpack(packed), x)
    assert _bits(round_packed(packed, 9)) == _bits(py_round(unpack(packed), 9))
    exact_at = swept.at[swept.close]
    kept = (packed, (exact_at, np.full(len(exact_at), 0.125)))
    everyone = bulk._Bulk._share_of(kept)
    where = np.array(sorted(data.draw(st.sets(st.integers(0, max(len(x) - 1, 0)), max_size=8))) if len(x) else [],
                     dtype=np.int64)
    assert _bits(bulk._Bulk._share_of(kept, where)) == _bits(everyone[where])
    assert _bits(packed_at(packed, where)) == _bits(unpack(packed)[where])


@pytest.mark.parametrize("interpretation", ["feoc-lookthrough", "government-control"])
def test_the_differential_world_screens_the_same_on_the_numpy_fallback(path, interpretation):
    """test_differential's 2k world (shares at the 25 % edge, several chaining rounds): the bulk screen on either
    rounding path equals the reference evaluator's, so a machine without numba screens the same table."""
    from test_differential import synthetic_world  # pytest puts tests/ on sys.path (rootdir-relative import)

    law, day = Law.load(), dt.date(2024, 6, 1)
    world = synthetic_world(2_000, seed=5)
    fast = screen(world, day, law, interpretation)
    assert fast.feoc_count() > 10 and fast == screen(world, day, law, interpretation, "reference")
