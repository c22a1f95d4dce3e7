"""Interests as exact fractions, for the few figures that lie next to a threshold of the law.

The float interests of `ownership.graph` and `ownership.arrays` carry rounding noise (an exact 25 % can come
out as 0.24999999999999997), and rounding them to absorb it once judged "24.99999996%" a 25 % holding (issue
15). Where a float lies within a hair of a threshold, the determination asks this module for the exact
value instead: every share is read as the decimal it was written as (`Fraction(str(share))`: the shortest
decimal that gives back the float, which is the written one up to 15 significant digits), and the same
interest rule (DOE 89 FR 37079 §III.E, direct and indirect, each stake added; under ``control`` tracing an
intermediate above the look-through counts in full) is evaluated in rational arithmetic: sums and products
of decimals in `decimal.Decimal` with nothing rounded (`EXACT`), cycles by Gaussian elimination over
fractions, and the entities below a cycle in integer fractions. Only the holders above the asked-for
entities are visited.

A problem too large to solve exactly (over EXACT_NODES entities above, or a cycle over EXACT_CYCLE nodes)
returns None, and the caller decides by the float alone (`determine.facts.fact_number`).
"""

from __future__ import annotations

import decimal as decimals
import functools
from collections.abc import Collection, Iterable
from fractions import Fraction
from typing import Any, Protocol

from feoc.ownership.cycles import components_in_topological_order, solve_held


class StakesIn(Protocol):
    """The stakes held in each entity: a dict, or an index read on demand (`above.InEdgeIndex`)."""

    def get(self, node: Any, default: Any = ..., /) -> Any: ...

EXACT_NODES = 20_000  # entities above the asked-for ones that an exact evaluation will visit
EXACT_CYCLE = 40  # members of one cycle solved over fractions (cubic, with growing denominators)
_SOLVED: dict[tuple[Any, ...], dict[Any, Fraction]] = {}  # a cycle's exact solution, by everything it depends on
_SOLVED_KEPT = 1024
Exact = decimals.Decimal | Fraction  # a value being computed: a decimal until a cycle's solution (a fraction) enters
# Sums and products of decimals are decimals: with no bound on the digits any rounding is a defect, so every
# signal is trapped (a trapped one recomputes that entity in fractions) and nothing here divides (a division
# under this precision would try to hold an unbounded expansion).
EXACT = decimals.Context(prec=decimals.MAX_PREC, Emax=decimals.MAX_EMAX, Emin=decimals.MIN_EMIN,
                         traps=[decimals.Clamped, decimals.DivisionByZero, decimals.FloatOperation, decimals.Inexact,
                                decimals.InvalidOperation, decimals.Overflow, decimals.Rounded, decimals.Subnormal,
                                decimals.Underflow])
_ZERO, _ONE = decimals.Decimal(0), decimals.Decimal(1)


@functools.lru_cache(maxsize=4096)  # shares repeat (25 %, 50 %, 100 %): parsing a decimal is the costly part
def decimal(x: float) -> Fraction:
    """The decimal a float was written as (its shortest round-trip representation), exactly."""
    return Fraction(str(x))


@functools.lru_cache(maxsize=4096)
def written(x: float) -> decimals.Decimal:
    """`decimal(x)` as a `decimal.Decimal` (the same number: both read the same digits exactly)."""
    return decimals.Decimal(str(x))


def fraction(x: Exact) -> Fraction:
    """A value as a fraction (exactly: a decimal is a fraction over a power of ten)."""
    return x if isinstance(x, Fraction) else Fraction(x)


def exact_interests(edges: StakesIn, sources: Collection[Any], targets: Iterable[Any],
                    control: bool, lookthrough: float) -> dict[Any, Fraction] | None:
    """The exact interest of `sources` in each of `targets` (see the module docstring), or None when the
    problem is too large to solve exactly.

    Issue 17, time: each entity's sum is taken in `decimal.Decimal` (compiled; `EXACT` rounds nothing) rather
    than in fractions (pure Python, a gcd for every operation), fractions only where a cycle's solution enters:
    with the walk on arrays (`above`), the 77 exact evaluations of a 1M screen 0.46 s -> 0.17 s of CPU, the very
    same values (tests/test_exact_decimal.py)."""
    targets = list(targets)
    found = _ordered(edges, sources, targets)
    if found is None:
        return None
    ordered, sources, edges = found
    asked = set(targets)
    limits = (written(lookthrough), decimal(lookthrough)) if control else None
    value: dict[Any, Exact] = {}
    with decimals.localcontext(EXACT):
        compute = _summer(edges, sources, value, limits)
        for component, cyclic, reached in ordered:
            if not reached or (not cyclic and component[0] in sources and component[0] not in asked):
                continue  # no source above it: its interest is 0; a source counts in full, its interest unread
            if not cyclic:
                value[component[0]] = compute(component[0])
            elif len(component) > EXACT_CYCLE or not _solve_once(component, edges, sources, compute, value, limits):
                return None
    return {t: fraction(value.get(t, _ZERO)) for t in targets}


def _summer(edges: StakesIn, sources: Collection[Any], value: dict[Any, Exact],
            limits: tuple[decimals.Decimal, Fraction] | None) -> Any:
    """`compute(node)`: the interest in `node`, each stake in it weighted by its holder's interest (1 for a source,
    or above the look-through under control tracing), at most 1: a decimal while every weight is one."""
    limit = limits[0] if limits is not None else None

    def compute(node: Any) -> Exact:
        stakes = edges.get(node, ())
        total = _ZERO
        try:
            for h, s in stakes:
                w = _ONE if h in sources else value.get(h)
                if w:
                    if w.__class__ is not decimals.Decimal:
                        return _in_fractions(stakes, sources, value, limits)
                    total += written(s) if w == _ONE or (limit is not None and w > limit) else written(s) * w
        except decimals.DecimalException:
            return _in_fractions(stakes, sources, value, limits)
        return total if total <= _ONE else _ONE

    return compute


def _in_fractions(stakes: Iterable[tuple[Any, float]], sources: Collection[Any], value: dict[Any, Exact],
                  limits: tuple[decimals.Decimal, Fraction] | None) -> Fraction:
    """`compute` of `_summer` in fractions: where a cycle's solution is a weight (or a decimal signalled). The sum
    is kept as an integer numerator and denominator, reduced once at the end (issue 17, time: Fraction's own
    arithmetic reduces after every step, in Python)."""
    num, den = 0, 1
    for h, s in stakes:
        a, b = 1, 1
        if h not in sources:
            w = value.get(h)
            if not w:
                continue
            a, b = w.as_integer_ratio()
            if limits is not None and a * limits[1].denominator > limits[1].numerator * b:
                a, b = 1, 1
        share = decimal(s)
        a, b = a * share.numerator, b * share.denominator
        if b == den:
            num += a
        else:
            num, den = num * b + a * den, den * b
    return Fraction(num, den) if num < den else Fraction(1)


def _ordered(edges: StakesIn, sources: Collection[Any],
             targets: list[Any]) -> tuple[list[tuple[list[Any], bool, bool]], Collection[Any], StakesIn] | None:
    """The targets and every holder above them (not above a source), as strongly connected components in
    topological order, each with whether it is a cycle and whether a source may lie above it, with the sources
    and the stakes to read (on arrays, those among them, in dictionaries); None beyond EXACT_NODES. An index on
    arrays does this compiled (`above.InEdgeIndex.walk`: any topological order gives the same fractions, and it
    tells the acyclic entities no source reaches, whose interest is 0)."""
    on_arrays = getattr(edges, "walk", None)
    if on_arrays is not None:
        walked = on_arrays(sources, targets)
        return None if walked is None else (walked.components, walked.sources, walked.stakes)
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
    return [(c, len(c) > 1 or c[0] in out.get(c[0], ()), True)
            for c in components_in_topological_order(set(nodes), out)], sources, edges


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


def _weight(h: Any, sources: Collection[Any], value: dict[Any, Exact],
            limits: tuple[decimals.Decimal, Fraction] | None) -> Fraction:
    """What a holder's stakes count for: 1 for a source or (control tracing) above the look-through, else its
    interest."""
    w = Fraction(1) if h in sources else fraction(value.get(h, _ZERO))
    return Fraction(1) if limits is not None and w > limits[1] else w


def _solve_once(component: list[Any], edges: StakesIn, sources: Collection[Any], compute: Any,
                value: dict[Any, Exact], limits: tuple[decimals.Decimal, Fraction] | None) -> bool:
    """`_solve`, remembered: the chaining rounds and the entities below one cycle ask for it again and
    again with the same inputs (its stakes, which members are sources, the weights of holders outside)."""
    members = set(component)
    stakes = tuple(tuple(edges.get(n, ())) for n in component)
    outside = tuple(sorted({(str(h), _weight(h, sources, value, limits)) for st in stakes for h, _ in st
                            if h not in members}))
    limit = limits[1] if limits is not None else None
    key = (tuple(component), stakes, tuple(n in sources for n in component), outside, limit)
    if key not in _SOLVED:
        if not _solve(component, compute, value, limit):
            return False
        if len(_SOLVED) >= _SOLVED_KEPT:
            _SOLVED.clear()
        _SOLVED[key] = {n: fraction(value[n]) for n in component}
    value.update(_SOLVED[key])
    return True


def _solve(component: list[Any], compute: Any, value: dict[Any, Exact], limit: Fraction | None) -> bool:
    """x = M x + b over the component's members in fractions, members held in full (control tracing)
    kept aside and the held set grown until it settles: `ownership.cycles.solve_held`, in fractions."""
    def held(n: Any) -> bool:
        return limit is not None and fraction(value.get(n, _ZERO)) > limit

    return solve_held(component, lambda n: fraction(compute(n)), value, held, _fraction_system, Fraction(0),
                      Fraction(1))


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
