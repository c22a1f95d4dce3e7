"""Issue 17, session 22: the loader's check that stakes in one entity add up to at most 100 % on any date is swept
for many entities at once on arrays (`load/totals_sweep.py`); that sweep only clears entities, and it clears
exactly those the record sweep (`totals._over_100`) finds nothing in, whatever the dates, shares and ranges."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.data.columns import Codes, Shares
from feoc.data.values import ShareRange
from feoc.load.totals import _over_100
from feoc.load.totals_sweep import swept_clear

DAYS = [None, dt.date(2020, 1, 1), dt.date(2021, 6, 1), dt.date(2022, 1, 1), dt.date(2023, 1, 1)]
SHARES = [0.1, 0.25, 0.3, 1 / 3, 0.5, 0.6, 0.7, 1.0, 0.2 + 0.1, 0.999999999, 1e-12]


@st.composite
def holdings(draw: st.DrawFn) -> tuple[list, list, list, dict[str, list[int]]]:
    n = draw(st.integers(1, 40))
    starts, ends, shares = [], [], []
    for _ in range(n):
        a, b = sorted(draw(st.lists(st.sampled_from(range(len(DAYS))), min_size=2, max_size=2)))
        start, end = DAYS[a], DAYS[b] if b > a and draw(st.booleans()) else None  # from before until, as the model wants
        starts.append(start if draw(st.booleans()) else None)
        ends.append(end)
        shares.append(draw(st.sampled_from(SHARES)))
    stakes: dict[str, list[int]] = {}
    for p in range(n):
        stakes.setdefault(f"e{draw(st.integers(0, 5))}", []).append(p)
    return starts, ends, shares, stakes


def _record_sweep_clears(starts, ends, shares, stakes) -> set[str]:
    return {e for e, ps in stakes.items() if _over_100(starts, ends, shares, ps) is None}


@settings(max_examples=300, deadline=None)
@given(holdings())
def test_the_array_sweep_clears_exactly_what_the_record_sweep_clears(world) -> None:
    """Stakes handed over on a date, ending and starting the same day, without dates, shares whose float sum
    drifts (0.2 + 0.1), a 1e-12 stake on top of 100 %: the same entities cleared, as lists and as columns."""
    starts, ends, shares, stakes = world
    want = _record_sweep_clears(starts, ends, shares, stakes)
    assert swept_clear(starts, ends, shares, stakes) == want
    coded = [Codes(np.array([DAYS.index(d) for d in c], dtype=np.uint8), DAYS) for c in (starts, ends)]
    assert swept_clear(*coded, Shares(np.array(shares)), stakes) == want


def test_ranges_count_at_their_minimum() -> None:
    """Issue 20: a range counts at its lower bound, as the record sweep adds it."""
    starts, ends = [None, None], [None, None]
    stakes = {"a": [0, 1]}
    for low, clear in ((0.5, {"a"}), (0.6, set())):
        shares = [ShareRange(low, 0.9), 0.5]
        assert swept_clear(starts, ends, shares, stakes) == clear == _record_sweep_clears(starts, ends, shares, stakes)


def test_an_entity_with_many_stakes_is_left_to_the_record_sweep() -> None:
    stakes = {"big": list(range(300)), "small": [0, 1]}
    shares, days = [0.001] * 300, [None] * 300
    assert swept_clear(days, days, shares, stakes) == {"small"}
