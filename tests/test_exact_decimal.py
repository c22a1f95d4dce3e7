"""Issue 17, time: `ownership.exact` sums in `decimal.Decimal` (no rounding: every signal trapped) and in integer
fractions reduced once, instead of Python's `Fraction` at every step; this keeps the one it replaced as the reference
and asserts the very same fractions on random stake graphs (cross-holdings, control tracing with the look-through,
shares of up to 16 significant digits), on the per-fact path's dictionaries and on the bulk path's arrays.

User story: an analyst's screen decides an interest next to 25 % (DOE 89 FR 37079 §III.E) exactly, as it did
(issue 15, "24.99999996%"), only faster: the same rational value, so the same decision, never a rounding."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feoc.ownership import above, exact
from feoc.ownership.arrays import IndexSet, StakeGraph
from feoc.ownership.cycles import components_in_topological_order, solve_held

N = 10
SHARES = st.one_of(st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 0.51, 0.75, 1.0, 1 / 3, 2 / 3, 1e-07]),
                   st.integers(1, 10**16 - 1).map(lambda k: k / 10**16),  # up to 16 significant digits
                   st.integers(1, 999_999).map(lambda k: k / 10**6))
STAKES = st.lists(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1), SHARES), max_size=36)
PROPERTY = settings(max_examples=500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def reference(edges: dict[int, list[tuple[int, float]]], sources: set[int], targets: list[int], control: bool,
              lookthrough: float) -> dict[int, Fraction] | None:
    """`exact_interests` as it was before issue 17's change: every sum in `Fraction`, every entity above the
    targets computed (sources too), cycles solved over fractions (`ownership.exact._fraction_system`)."""
    nodes = exact.upstream(edges, sources, targets)
    if nodes is None:
        return None
    out: dict[int, list[int]] = {}
    for node in sorted(nodes):
        if node not in sources or node in targets:
            for holder, _ in edges.get(node, ()):
                out.setdefault(holder, []).append(node)
    limit = Fraction(str(lookthrough)) if control else None
    value: dict[int, Fraction] = {}

    def weight(holder: int) -> Fraction:
        v = Fraction(1) if holder in sources else value.get(holder, Fraction(0))
        return Fraction(1) if limit is not None and v > limit else v

    def compute(node: int) -> Fraction:
        total = sum((Fraction(str(s)) * weight(h) for h, s in edges.get(node, ())), Fraction(0))
        return min(total, Fraction(1))

    for component in components_in_topological_order(set(nodes), out):
        if len(component) == 1 and component[0] not in out.get(component[0], ()):
            value[component[0]] = compute(component[0])
            continue
        held = lambda n: limit is not None and value.get(n, Fraction(0)) > limit  # noqa: E731
        if len(component) > exact.EXACT_CYCLE or not solve_held(component, compute, value, held, exact._fraction_system,
                                                                Fraction(0), Fraction(1)):
            return None
    return {t: value.get(t, Fraction(0)) for t in targets}


def _world(raw: list[tuple[int, int, float]]) -> tuple[dict[int, list[tuple[int, float]]], StakeGraph]:
    """Each entity's stakes within 100 % (as the loader requires), as a dictionary and as arrays."""
    room: dict[int, Fraction] = {}
    kept = []
    for h, t, s in raw:
        if room.get(t, Fraction(0)) + Fraction(str(s)) <= 1 and (h, t) not in {(a, b) for a, b, _ in kept}:
            room[t] = room.get(t, Fraction(0)) + Fraction(str(s))
            kept.append((h, t, s))
    kept.sort()
    edges: dict[int, list[tuple[int, float]]] = {}
    for h, t, s in kept:
        edges.setdefault(t, []).append((h, s))
    graph = StakeGraph(N, np.array([h for h, _, _ in kept], dtype=np.int64),
                       np.array([t for _, t, _ in kept], dtype=np.int64), np.array([s for _, _, s in kept]))
    return edges, graph


def _both(raw: Any, sources: set[int], targets: list[int], control: bool, lookthrough: float) -> list[Any]:
    edges, graph = _world(raw)
    mask = np.zeros(N, dtype=bool)
    mask[list(sources)] = True
    out = []
    for stakes, held in ((edges, sources), (graph.in_edges().memo(), IndexSet(mask))):
        exact._SOLVED.clear()
        out.append(exact.exact_interests(stakes, held, targets, control, lookthrough))
    return out


@PROPERTY
@given(STAKES, st.sets(st.integers(0, N - 1), max_size=3), st.lists(st.integers(0, N - 1), min_size=1, max_size=5),
       st.sampled_from([(False, 0.0), (True, 0.5), (True, 0.25), (True, 0.0)]))
def test_exact_interests_are_the_fractions_of_the_reference(raw, sources, targets, tracing):
    """Random graphs with cross-holdings: every interest the very fraction (its type too) that `Fraction` arithmetic
    gives, on both paths, or None on both where the reference gives up."""
    expected = reference(_world(raw)[0], sources, targets, *tracing)
    for got in _both(raw, sources, targets, *tracing):
        assert got == expected
        assert got is None or all(type(v) is Fraction for v in got.values())


@PROPERTY
@given(STAKES, st.sets(st.integers(0, N - 1), max_size=3), st.lists(st.integers(0, N - 1), min_size=1, max_size=5),
       st.booleans())
def test_a_decimal_that_would_round_is_summed_in_fractions(raw, sources, targets, control):
    """Under a context of 3 digits nearly every product rounds: the trapped signal sends that entity's sum to
    fractions, and the figures stay those of the reference."""
    small = exact.EXACT.copy()
    small.prec = 3
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exact, "EXACT", small)
        got = _both(raw, sources, targets, control, 0.5)
    expected = reference(_world(raw)[0], sources, targets, control, 0.5)
    assert got == [expected, expected]


def test_the_fallback_is_taken_when_a_product_would_round(monkeypatch):
    """A chain gov -> a (12.3456789 %) -> b (98.7654321 %): under 3 digits each sum signals (9 digits, then 18),
    each is taken in fractions, and b's interest is still exactly the product; under `EXACT` none needs fractions."""
    edges = {1: [(0, 0.123456789)], 2: [(1, 0.987654321)]}
    original, summed = exact._in_fractions, []
    monkeypatch.setattr(exact, "_in_fractions", lambda *a: summed.append(a[0]) or original(*a))
    assert exact.exact_interests(edges, {0}, [2], False, 0.0) == {2: Fraction(123456789 * 987654321, 10**18)}
    assert summed == []
    small = exact.EXACT.copy()
    small.prec = 3
    monkeypatch.setattr(exact, "EXACT", small)
    assert exact.exact_interests(edges, {0}, [2], False, 0.0) == {2: Fraction(123456789 * 987654321, 10**18)}
    assert summed == [[(0, 0.123456789)], [(1, 0.987654321)]]


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(STAKES, st.sets(st.integers(0, N - 1), max_size=3), st.lists(st.integers(0, N - 1), min_size=1, max_size=5),
       st.integers(1, N))
def test_the_walks_marks_are_left_clear_for_the_next_walk(raw, sources, targets, limit):
    """The marks a walk keeps over every entity (`above._SCRATCH`) are all clear after it, whether it finished or
    gave up for size (a limit of `limit` entities), so the next walk sees what a fresh one would."""
    _, graph = _world(raw)
    mask = np.zeros(N, dtype=bool)
    mask[list(sources)] = True
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(above, "EXACT_NODES", limit)
        first = graph.in_edges().walk(IndexSet(mask), targets)
    assert not above._SCRATCH[N][0].any()
    again = graph.in_edges().walk(IndexSet(mask), targets)
    above._SCRATCH.clear()
    fresh = graph.in_edges().walk(IndexSet(mask), targets)
    assert again == fresh
    assert first is None or first == fresh
