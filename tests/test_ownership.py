"""Unit tests for the ownership arithmetic (DOE 89 FR 37079 §III.E; reference feoc-law.md §3.4-3.5)."""

from __future__ import annotations

import itertools
import random

import pytest

from feoc.ownership.graph import Stake, in_edges, interests
from feoc.ownership.paths import paths


def edges(*stakes):
    return in_edges(Stake(h, e, s) for h, e, s in stakes)


def test_r1_example_multiplies_along_the_chain():
    """feoc-law.md §3.5 R1: government 40 % of A x A 50 % of B = 20 % of B."""
    vals = interests(edges(("gov", "a", 0.4), ("a", "b", 0.5)), {"gov"})
    assert vals["b"] == pytest.approx(0.2)


def test_paths_add_up_to_the_interest_on_a_diamond():
    g = edges(("gov", "a", 0.5), ("gov", "b", 0.5), ("a", "c", 0.3), ("b", "c", 0.2), ("gov", "c", 0.1))
    vals = interests(g, {"gov"})
    found = paths(g, {"gov"}, "c")
    assert vals["c"] == pytest.approx(0.5 * 0.3 + 0.5 * 0.2 + 0.1)
    assert sum(p.contribution for p in found) == pytest.approx(vals["c"])
    assert found[0].render() == "gov → 50.00% equity → a → 30.00% equity → c"


def test_control_lookthrough_counts_a_controlled_intermediate_in_full():
    g = edges(("gov", "a", 0.6), ("a", "b", 0.3))
    assert interests(g, {"gov"}, "multiply")["b"] == pytest.approx(0.18)
    assert interests(g, {"gov"}, "control", 0.5)["b"] == pytest.approx(0.3)


def test_cross_holdings_converge():
    """b and c hold each other: the fixed point solves b = 0.2 + 0.1 + 0.3 * c, c = b."""
    g = edges(("gov", "a", 0.4), ("a", "b", 0.5), ("gov", "b", 0.1), ("b", "c", 1.0), ("c", "b", 0.3))
    vals = interests(g, {"gov"})
    assert vals["b"] == pytest.approx(0.3 / 0.7, abs=1e-9)
    assert vals["c"] == pytest.approx(vals["b"], abs=1e-9)


def test_unreached_entities_have_no_interest():
    vals = interests(edges(("x", "y", 0.9)), {"gov"})
    assert vals == {}


def _brute_force(stakes, sources, subject):
    """Sum over all simple paths from a source to the subject of the product of shares (acyclic graphs)."""
    total = 0.0
    g = {}
    for h, e, s in stakes:
        g.setdefault(e, []).append((h, s))

    def walk(node, product, seen):
        nonlocal total
        for h, s in g.get(node, []):
            if h in seen:
                continue
            if h in sources:
                total += product * s
            else:
                walk(h, product * s, seen | {h})

    walk(subject, 1.0, {subject})
    return total


@pytest.mark.parametrize("seed", range(20))
def test_random_acyclic_graphs_match_brute_force(seed):
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(8)]
    stakes = []
    room = {n: 1.0 for n in nodes}
    for a, b in itertools.combinations(range(8), 2):  # edges only go "down": acyclic
        if rng.random() < 0.35:
            share = round(rng.uniform(0, room[nodes[b]] / 2), 3)
            room[nodes[b]] -= share
            stakes.append((nodes[a], nodes[b], share))
    sources = {"n0", "n1"}
    vals = interests(in_edges(Stake(*s) for s in stakes), sources)
    for n in nodes[2:]:
        assert vals.get(n, 0.0) == pytest.approx(_brute_force(stakes, sources, n), abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_extending_the_sources_equals_recomputing(seed):
    """Graph.extend (used by the chaining rounds) gives the same interests as a full recomputation,
    cross-holdings included."""
    from feoc.ownership.graph import Graph

    rng = random.Random(100 + seed)
    nodes = [f"n{i}" for i in range(12)]
    room = {n: 1.0 for n in nodes}
    stakes = []
    for _ in range(30):
        a, b = rng.sample(nodes, 2)
        share = round(rng.uniform(0, room[b] * 0.6), 3)
        if share > 0:
            room[b] -= share
            stakes.append(Stake(a, b, share))
    graph = Graph(in_edges(stakes))
    old = {"n0"}
    new = old | set(rng.sample(nodes[1:], 3))
    extended = graph.extend(graph.interests(old), old, new)
    full = graph.interests(new)
    assert set(extended) == set(full)
    for node in full:
        assert extended[node] == pytest.approx(full[node], abs=1e-9)
