"""Interests as exact fractions, for the few figures that lie next to a threshold of the law.

The float interests of `ownership.graph` and `ownership.arrays` carry rounding noise (an exact 25 % can come
out as 0.24999999999999997), and rounding them to absorb it once judged "24.99999996%" a 25 % holding (issue
15). Where a float lies within a hair of a threshold, the determination asks this module for the exact
value instead: every share is read as the decimal it was written as (`Fraction(str(share))`: the shortest
decimal that gives back the float, which is the written one up to 15 significant digits), and the same
interest rule (DOE 89 FR 37079 §III.E, direct and indirect, each stake added; under ``control`` tracing an
intermediate above the look-through counts in full) is evaluated in rational arithmetic, cycles by
Gaussian elimination over fractions. Only the holders above the asked-for entities are visited.

A problem too large to solve exactly (over EXACT_NODES entities above, or a cycle over EXACT_CYCLE nodes)
returns None, and the caller decides by the float alone (`determine.facts.fact_number`).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from fractions import Fraction
from typing import Any, Protocol

from feoc.ownership.cycles import components_in_topological_order, solve_held


class StakesIn(Protocol):
    """The stakes held in each entity: a dict, or an index read on demand (`arrays.InEdgeIndex`)."""

    def get(self, node: Any, default: Any = ..., /) -> Any: ...

EXACT_NODES = 20_000  # entities above the asked-for ones that an exact evaluation will visit
EXACT_CYCLE = 40  # members of one cycle solved over fractions (cubic, with growing denominators)
_SOLVED: dict[tuple[Any, ...], dict[Any, Fraction]] = {}  # a cycle's exact solution, by everything it depends on
_SOLVED_KEPT = 1024


@functools.lru_cache(maxsize=4096)  # shares repeat (25 %, 50 %, 100 %): parsing a decimal is the costly part
def decimal(x: float) -> Fraction:
    """The decimal a float was written as (its shortest round-trip representation), exactly."""
    return Fraction(str(x))


def exact_interests(edges: StakesIn, sources: Collection[Any], targets: Iterable[Any],
                    control: bool, lookthrough: float) -> dict[Any, Fraction] | None:
    """The exact interest of `sources` in each of `targets` (see the module docstring), or None when the
    problem is too large to solve exactly."""
    targets = list(targets)
    ordered = _ordered(edges, sources, targets)
    if ordered is None:
        return None
    limit = decimal(lookthrough) if control else None
    value: dict[Any, Fraction] = {}

    def weight(holder: Any) -> Fraction:
        if holder in sources:
            return Fraction(1)
        v = value.get(holder, Fraction(0))
        return Fraction(1) if limit is not None and v > limit else v

    def compute(node: Any) -> Fraction:
        total = Fraction(0)
        for h, s in edges.get(node, ()):
            w = weight(h)
            if w:
                total += decimal(s) if w == 1 else decimal(s) * w
        return min(total, Fraction(1))

    for component, cyclic, reached in ordered:
        if not reached:
            continue  # no source above it: its interest is 0 (the default of `value`)
        if not cyclic:
            value[component[0]] = compute(component[0])
        elif len(component) > EXACT_CYCLE or not _solve_once(component, edges, sources, weight, compute, value, limit):
            return None
    return {t: value.get(t, Fraction(0)) for t in targets}


def _ordered(edges: StakesIn, sources: Collection[Any],
             targets: list[Any]) -> list[tuple[list[Any], bool, bool]] | None:
    """The targets and every holder above them (not above a source), as strongly connected components in
    topological order, each with whether it is a cycle and whether a source may lie above it; None beyond
    EXACT_NODES. An index on arrays does this compiled (`arrays.InEdgeIndex.components_above`: any topological
    order gives the same fractions, and it tells the acyclic entities no source reaches, whose interest is 0)."""
    on_arrays = getattr(edges, "components_above", None)
    if on_arrays is not None:
        return on_arrays(sources, targets)
    nodes = upstream(edges, sources, targets)
    if nodes is None:
        return None
    asked = set(targets)
    out: dict[Any, list[Any]] = {}
    for node in sorted(nodes, key=str):
        if node in sources and node not in asked:
            continue  # a source counts in full: what is above it does not matter
        for holder, _ in edges.get(node, ()):
            out.setdefault(holder, []).append(node)
    return [(c, len(c) > 1 or c[0] in out.get(c[0], ()), True) for c in components_in_topological_order(set(nodes), out)]


def upstream(edges: StakesIn, sources: Collection[Any],
              targets: list[Any]) -> set[Any] | None:
    """The targets and every holder above them, not looking above a source; None beyond EXACT_NODES."""
    nodes = set(targets)
    stack = list(targets)
    while stack:
        node = stack.pop()
        if node in sources and node not in targets:
            continue
        for holder, _ in edges.get(node, ()):
            if holder not in nodes:
                nodes.add(holder)
                stack.append(holder)
                if len(nodes) > EXACT_NODES:
                    return None
    return nodes


def _solve_once(component: list[Any], edges: StakesIn, sources: Collection[Any], weight: Any, compute: Any,
                value: dict[Any, Fraction], limit: Fraction | None) -> bool:
    """`_solve`, remembered: the chaining rounds and the entities below one cycle ask for it again and
    again with the same inputs (its stakes, which members are sources, the weights of holders outside)."""
    members = set(component)
    stakes = tuple(tuple(edges.get(n, ())) for n in component)
    outside = tuple(sorted({(str(h), weight(h)) for st in stakes for h, _ in st if h not in members}))
    key = (tuple(component), stakes, tuple(n in sources for n in component), outside, limit)
    if key not in _SOLVED:
        if not _solve(component, compute, value, limit):
            return False
        if len(_SOLVED) >= _SOLVED_KEPT:
            _SOLVED.clear()
        _SOLVED[key] = {n: value[n] for n in component}
    value.update(_SOLVED[key])
    return True


def _solve(component: list[Any], compute: Any, value: dict[Any, Fraction], limit: Fraction | None) -> bool:
    """x = M x + b over the component's members in fractions, members held in full (control tracing)
    kept aside and the held set grown until it settles: `ownership.cycles.solve_held`, in fractions."""
    def held(n: Any) -> bool:
        return limit is not None and value.get(n, Fraction(0)) > limit

    return solve_held(component, compute, value, held, _fraction_system, Fraction(0), Fraction(1))


def _fraction_system(free: list[Any], b: list[Fraction], compute: Any,
                     value: dict[Any, Fraction]) -> list[Fraction] | None:
    """(I - M) x = b in fractions, M probed node by node (as `cycles` does in floats)."""
    rows = [[Fraction(0)] * len(free) + [b[i]] for i in range(len(free))]
    for j, h in enumerate(free):
        value[h] = Fraction(1)
        for i, n in enumerate(free):
            rows[i][j] = -(compute(n) - b[i])
        value[h] = Fraction(0)
        rows[j][j] += 1
    return _eliminate(rows)


def _eliminate(rows: list[list[Fraction]]) -> list[Fraction] | None:
    n = len(rows)
    for col in range(n):
        pivot = next((r for r in range(col, n) if rows[r][col] != 0), None)
        if pivot is None:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * c for a, c in zip(rows[r], rows[col])]
    return [rows[r][n] / rows[r][r] for r in range(n)]
