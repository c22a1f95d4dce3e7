"""Issue 20, item 1: the share-range type and the claim the two passes rest on.

A range `{min, max}` is read as its lower bound everywhere a single share is read (the real pass, the totals
check) and as its upper bound by the worst-case pass; that is sound only because the ownership analysis is
monotone non-decreasing in every share under every tracing (determine/ranges.py). The property tests check that
claim on random graphs: any shares inside the ranges give interests between those of the minima and the maxima.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.data.model import Holding
from feoc.data.values import ShareRange, to_share_or_range, upper
from feoc.determine.ranges import at_max
from feoc.ownership.graph import Graph, Stake, in_edges


def test_a_band_is_its_lower_bound_as_a_number_and_keeps_its_upper_bound():
    """Story: `{min: 20%, max: "30%"}` is read as 20 % by every reader of one share and as 30 % by the upper pass;
    it survives the load's worker processes (pickled) and the worst case's copy of a holding."""
    h = Holding.model_validate({"holder": "gov", "entity": "co", "equity": {"min": "20%", "max": 0.3}})
    assert h.equity == 0.2 and isinstance(h.equity, ShareRange) and h.share_max("equity") == 0.3
    assert h.ranged() == ("equity",)
    assert pickle.loads(pickle.dumps(h)).share_max("equity") == 0.3
    assert at_max(h).equity == 0.3 and not isinstance(at_max(h).equity, ShareRange)
    assert h.equity.bounds_text() == "between 20.00% and 30.00%"


@pytest.mark.parametrize(("written", "low", "high"), [
    ({"min": "25%"}, 0.25, 1.0), ({"max": "25%"}, 0.0, 0.25), ({"min": 0.3, "max": "30%"}, 0.3, 0.3),
    ({"min": 0, "max": 1}, 0.0, 1.0), ("40%", 0.4, 0.4)])
def test_either_bound_may_be_left_out_and_equal_bounds_are_the_exact_share(written, low, high):
    """Story: "25 % or more" is `{min: 25%}` (max 100 %), "at most 25 %" `{max: 25%}` (min 0); equal bounds are an
    exact share (a plain float, so exact data is read exactly as before)."""
    share = to_share_or_range(written)
    assert (float(share), upper(share)) == (low, high)
    assert isinstance(share, ShareRange) == (low != high)


_stakes = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.floats(0, 1), st.floats(0, 1)),
                   min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(stakes=_stakes, sources=st.sets(st.integers(0, 5), min_size=1, max_size=2), t=st.floats(0, 1),
       tracing=st.sampled_from(["multiply", "control"]))
def test_interests_are_monotone_in_every_share_so_minima_and_maxima_bound_them(stakes, sources, t, tracing):
    """The claim of determine/ranges.py: under multiply and control tracing (the look-through reading adds
    sources, which only raises interests as a source counts in full), the interests on any shares within their
    ranges lie between those on the minima and those on the maxima."""
    ranges = {}
    for holder, entity, a, b in stakes:
        if holder != entity:
            ranges[(f"n{holder}", f"n{entity}")] = (min(a, b) * 0.45, max(a, b) * 0.45)  # no entity over 100 %
    if not ranges:
        return

    def interests(pick):
        edges = in_edges(Stake(h, e, pick(lo, hi)) for (h, e), (lo, hi) in ranges.items())
        return Graph(edges).interests({f"n{s}" for s in sources}, tracing, 0.5)

    low, mid, high = (interests(lambda lo, hi, w=w: lo + w * (hi - lo)) for w in (0.0, t, 1.0))
    for node in set(low) | set(mid) | set(high):
        assert low.get(node, 0.0) <= mid.get(node, 0.0) + 1e-9
        assert mid.get(node, 0.0) <= high.get(node, 0.0) + 1e-9
