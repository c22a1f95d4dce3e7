"""Ownership-chain arithmetic: cumulative direct and indirect interests, with the paths behind them.

Implements the "owned by, controlled by, or subject to the direction of" test of the DOE interpretation
of 42 U.S.C. 18741(a)(5)(C) (89 FR 37079, 2024-05-06, §III.E): 25 % or more of board seats, voting
rights or equity, each measured on its own, held cumulatively, directly or indirectly through any
number of intermediates. How indirect holdings are traced is UNCONFIRMED; two tracings are offered:

- ``multiply``: a source's interest reaches a lower tier as the product of the shares along each chain,
  summed over all chains (reading R1 of reference/feoc-law.md §3.5);
- ``control``: as ``multiply``, but an intermediate in which the sources hold more than the look-through
  threshold counts as a source itself, so its stakes count in full (reading R2).

Pure functions: no I/O, no dates, no thresholds (callers pass the as-of holdings and the law's look-through
threshold). Cross-holdings (cycles) are found and solved by `ownership.cycles`; the paths behind an
interest are traced by `ownership.paths`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from feoc.ownership.cycles import components_in_topological_order, solve_cycle


@dataclass(frozen=True)
class Stake:
    """One holder's share of one measure in one entity, in force on the evaluation date."""

    holder: str
    entity: str
    share: float


InEdges = Mapping[str, list[tuple[str, float]]]


def in_edges(stakes: Iterable[Stake]) -> dict[str, list[tuple[str, float]]]:
    """entity -> [(holder, share)], holders sorted so results never depend on record order."""
    edges: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for s in stakes:
        if s.share > 0:
            edges[s.entity].append((s.holder, s.share))
    for lst in edges.values():
        lst.sort()
    return edges


def _out_edges(edges: InEdges) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for entity in sorted(edges):
        for holder, _ in edges[entity]:
            out[holder].append(entity)
    return out


def _reachable(sources: Iterable[str], out: Mapping[str, list[str]]) -> set[str]:
    seen = set(sources)
    stack = list(seen)
    while stack:
        node = stack.pop()
        for nxt in out.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


class Graph:
    """The stakes of one measure, with the component order computed once for many source sets."""

    def __init__(self, edges: InEdges):
        self.edges = edges
        self.out = _out_edges(edges)
        nodes = set(edges) | set(self.out)
        self.components = components_in_topological_order(nodes, self.out)
        self.cyclic = [len(c) > 1 or c[0] in {h for h, _ in edges.get(c[0], ())} for c in self.components]
        self.position = {node: i for i, comp in enumerate(self.components) for node in comp}

    def _solve(self, reached: set[str], compute: Any, value: dict[str, float],
               held: Any = lambda node: False) -> None:
        """Evaluate `compute` over the reached components, upstream first. A cycle (cross-holdings) is solved
        exactly as a linear system — sweeping to the fixed point needs millions of rounds when stakes around
        the cycle are close to 100 % — with `held` nodes (controlled intermediates under control tracing)
        counting in full; a cycle too large to solve exactly is swept, and refused if it does not converge."""
        for index in sorted({self.position[n] for n in reached if n in self.position}):
            component = self.components[index]
            if not self.cyclic[index]:
                value[component[0]] = compute(component[0])
                continue
            solve_cycle(component, compute, value, held, edges=self.edges)

    def interests(self, sources: Iterable[str], tracing: str = "multiply",
                  lookthrough: float | None = None) -> dict[str, float]:
        """Cumulative interest held by `sources` in every entity they reach (entities not listed: 0).

        A source's own stake counts in full; under ``control`` tracing an entity whose interest exceeds
        `lookthrough` (the law's threshold, required by that tracing) counts as a source for its own
        stakes. Values lie in [0, 1].
        """
        limit = lookthrough_of(tracing, lookthrough)
        source_set = sources if isinstance(sources, (set, frozenset)) else set(sources)
        edges = self.edges
        value: dict[str, float] = {}
        compute, held = interest_rule(edges, source_set, value, tracing == "control", limit)
        self._solve(_reachable(source_set, self.out), compute, value, held)
        return {k: v for k, v in value.items() if v > 0}

    def extend(self, values: dict[str, float], old_sources: set[str], new_sources: set[str]) -> dict[str, float]:
        """Interests after adding `new_sources` to `old_sources`, from the old `values` (multiply tracing only).

        The interest is linear in the sources' weights: a new source's weight rises from its old interest to
        1, and that increase spreads down through the non-source holders only. Exactly equal (to rounding)
        to a full recomputation with the union, at the cost of the part of the graph below the new sources.
        """
        added = new_sources - old_sources
        blocked = old_sources | added
        edges = self.edges
        delta: dict[str, float] = {}

        def compute(node: str) -> float:
            total = 0.0
            for holder, share in edges.get(node, ()):
                if holder in added:
                    total += share * (1.0 - values.get(holder, 0.0))
                elif holder not in blocked:
                    total += share * delta.get(holder, 0.0)
            return total

        reached: set[str] = set()
        stack = list(added)
        while stack:  # below the new sources, not passing through any source
            node = stack.pop()
            for nxt in self.out.get(node, ()):
                if nxt not in reached:
                    reached.add(nxt)
                    if nxt not in blocked:
                        stack.append(nxt)
        self._solve(reached, compute, delta)
        out = dict(values)
        for node, d in delta.items():
            if d:
                out[node] = min(out.get(node, 0.0) + d, 1.0)
        return {k: v for k, v in out.items() if v > 0}


def lookthrough_of(tracing: str, lookthrough: float | None) -> float:
    """The interest above which an intermediate counts in full: under ``control`` the look-through threshold
    (read from the law by the caller, required); under ``multiply`` none does (infinity)."""
    if tracing not in ("multiply", "control"):
        raise ValueError(f"unknown tracing {tracing!r}")
    if tracing == "multiply":
        return math.inf
    if lookthrough is None:
        raise ValueError("control tracing needs the look-through threshold")
    return lookthrough


def interest_rule(edges: Mapping[Any, list[tuple[Any, float]]], source_set: set[Any] | frozenset[Any],
                  value: dict[Any, float], control: bool, lookthrough: float) -> tuple[Any, Any]:
    """`compute(node)`: a node's interest from its holders' (stakes in `edges` order, each added in turn:
    the bulk path relies on this exact order of additions), and `held(node)`: counted in full by its own
    holdings (control tracing above the look-through)."""

    def compute(node: Any) -> float:
        total = 0.0
        for holder, share in edges.get(node, ()):
            if holder in source_set:
                total += share
            else:
                v = value.get(holder, 0.0)
                total += share * (1.0 if control and v > lookthrough else v)
        return min(total, 1.0)

    held = (lambda node: value.get(node, 0.0) > lookthrough) if control else (lambda node: False)
    return compute, held


def interests(edges: InEdges, sources: Iterable[str], tracing: str = "multiply",
              lookthrough: float | None = None) -> dict[str, float]:
    """Cumulative interest held by `sources` in every entity they reach; see Graph.interests."""
    return Graph(edges).interests(sources, tracing, lookthrough)
