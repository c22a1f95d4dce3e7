"""Ownership-chain arithmetic: cumulative direct and indirect interests, with the paths behind them.

Implements the "owned by, controlled by, or subject to the direction of" test of the DOE interpretation
of 42 U.S.C. 18741(a)(5)(C) (89 FR 37079, 2024-05-06, §III.E): 25 % or more of board seats, voting
rights or equity, each measured on its own, held cumulatively, directly or indirectly through any
number of intermediates. How indirect holdings are traced is UNCONFIRMED; two tracings are offered:

- ``multiply``: a source's interest reaches a lower tier as the product of the shares along each chain,
  summed over all chains (reading R1 of reference/feoc-law.md §3.5);
- ``control``: as ``multiply``, but an intermediate in which the sources hold more than the look-through
  threshold counts as a source itself, so its stakes count in full (reading R2).

Pure functions: no I/O, no dates (callers pass the as-of holdings). Cross-holdings (cycles) are solved
per strongly connected component by fixed-point iteration, which converges because the stakes held in
any entity add up to at most 100 % (the loader enforces it) and impossible 100 % cycles are refused.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from feoc.data.problems import InputError, Problem

TOLERANCE = 1e-12
MAX_SWEEPS = 100_000
EXACT_LIMIT = 300  # nodes in a cycle solved exactly (dense elimination); larger ones are swept


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


def _components_in_topological_order(nodes: set[str], out: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), upstream components first. `out` must only
    name nodes in `nodes` (true for a Graph's own edges)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(out.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(out.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
    result.reverse()  # Tarjan emits downstream components first
    return result


class Graph:
    """The stakes of one measure, with the component order computed once for many source sets."""

    def __init__(self, edges: InEdges):
        self.edges = edges
        self.out = _out_edges(edges)
        nodes = set(edges) | set(self.out)
        self.components = _components_in_topological_order(nodes, self.out)
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
            solve_cycle(component, compute, value, held)

    def interests(self, sources: Iterable[str], tracing: str = "multiply", lookthrough: float = 0.5) -> dict[str, float]:
        """Cumulative interest held by `sources` in every entity they reach (entities not listed: 0).

        A source's own stake counts in full; under ``control`` tracing an entity whose interest exceeds
        `lookthrough` counts as a source for its own stakes. Values lie in [0, 1].
        """
        if tracing not in ("multiply", "control"):
            raise ValueError(f"unknown tracing {tracing!r}")
        source_set = sources if isinstance(sources, (set, frozenset)) else set(sources)
        edges = self.edges
        value: dict[str, float] = {}
        compute, held = interest_rule(edges, source_set, value, tracing == "control", lookthrough)
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


def solve_cycle(component: list[Any], compute: Any, value: dict[Any, float], held: Any,
                label: Any = str) -> None:
    """One strongly connected component of cross-holdings: solved exactly when small enough, then swept
    (a check for the exact solution; the method for very large cycles) until no value moves by 1e-12.
    Shared by `Graph` and the bulk path (`bulk.py`), so both compute bit-identical values."""
    if len(component) <= EXACT_LIMIT:
        _solve_exactly(component, compute, value, held)
    for _ in range(MAX_SWEEPS):
        change = 0.0
        for node in component:
            new = compute(node)
            change = max(change, abs(new - value.get(node, 0.0)))
            value[node] = new
        if change < TOLERANCE:
            return
    names = [label(n) for n in component[:6]]
    raise InputError([Problem("(ownership data)", 0,
        f"the cross-holdings among {', '.join(names)}{' …' if len(component) > 6 else ''} "
        f"do not converge within {MAX_SWEEPS} rounds",
        "check the stakes around this cycle: shares close to 100 % both ways are unlikely to be right")])


def _solve_exactly(component: list[str], compute: Any, value: dict[str, float], held: Any) -> None:
    """Solve x = M x + b for the component's nodes exactly (Gaussian elimination with partial pivoting).

    `compute(node)` is affine in the values of the component's nodes that are not held, so b and M are read
    off it by probing each node with 0 and 1 (shares into one entity add up to at most 1, so no probe is
    clipped). Held nodes keep their value (they count in full, whatever it is) and are recomputed after;
    if that makes more nodes held, solve again: the held set only grows, so this ends.
    """
    held_set = {n for n in component if held(n)}
    for _ in range(len(component) + 1):
        free = [n for n in component if n not in held_set]
        for n in free:
            value[n] = 0.0
        b = [compute(n) for n in free]
        rows = []
        for i, n in enumerate(free):
            rows.append([0.0] * len(free) + [b[i]])
        for j, h in enumerate(free):
            value[h] = 1.0
            for i, n in enumerate(free):
                rows[i][j] = -(compute(n) - b[i])
            value[h] = 0.0
        for i in range(len(free)):
            rows[i][i] += 1.0
        solution = _gauss(rows)
        if solution is None:  # singular: leave it to the sweeps (which refuse what does not converge)
            return
        for n, x in zip(free, solution):
            value[n] = min(max(x, 0.0), 1.0)
        for n in held_set:
            value[n] = compute(n)
        now = {n for n in component if held(n)}
        if now == held_set:
            return
        held_set = now


def _gauss(rows: list[list[float]]) -> list[float] | None:
    n = len(rows)
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) < 1e-15:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            if factor:
                for c in range(col, n + 1):
                    rows[r][c] -= factor * rows[col][c]
    out = [0.0] * n
    for r in range(n - 1, -1, -1):
        out[r] = (rows[r][n] - sum(rows[r][c] * out[c] for c in range(r + 1, n))) / rows[r][r]
    return out


def interests(edges: InEdges, sources: Iterable[str], tracing: str = "multiply",
              lookthrough: float = 0.5) -> dict[str, float]:
    """Cumulative interest held by `sources` in every entity they reach; see Graph.interests."""
    return Graph(edges).interests(sources, tracing, lookthrough)


@dataclass(frozen=True)
class Path:
    """A chain of stakes from a source down to the subject: [(holder, share, counted_in_full)], top first."""

    steps: tuple[tuple[str, float, bool], ...]
    subject: str
    contribution: float

    def render(self, names: Mapping[str, str] | None = None, measure: str = "equity") -> str:
        """`gov-cn → 30.00 % equity → holdco → 100.00 % equity → subject`."""
        label = measure.replace("_", " ")
        parts = []
        for holder, share, full in self.steps:
            parts.append(holder)
            if full:
                parts[-1] = f"{holder} (controlled by the source: counted as its own)"
            parts.append(f"{share:.2%} {label}")
        parts.append(self.subject)
        return " → ".join(parts)


def paths(edges: InEdges, sources: Iterable[str], subject: str, tracing: str = "multiply",
          lookthrough: float = 0.5, values: Mapping[str, float] | None = None,
          limit: int = 20, floor: float = 1e-6, budget: int = 20_000) -> list[Path]:
    """The simple paths by which `sources` hold an interest in `subject`, largest contribution first.

    For an acyclic graph the contributions of all paths add up to the interest; with cross-holdings the
    fixed point also counts the loops, which simple paths leave out.
    """
    source_set = sources if isinstance(sources, (set, frozenset)) else set(sources)
    vals = values if values is not None else interests(edges, source_set, tracing, lookthrough)
    found: list[Path] = []
    # depth-first, upward from the subject; `chain` lists (holder, share, full) from the subject upward
    stack: list[tuple[str, list[tuple[str, float, bool]], float, frozenset[str]]] = [(subject, [], 1.0, frozenset([subject]))]
    while stack and len(found) < 10_000 and budget > 0:
        budget -= 1  # bounded work: a dense graph has exponentially many paths; the largest come first anyway
        node, chain, product, visited = stack.pop()
        for holder, share in edges.get(node, ()):
            if holder in visited:
                continue
            if holder in source_set:
                steps = tuple(reversed(chain + [(holder, share, False)]))
                found.append(Path(steps, subject, product * share))
                continue
            if tracing == "control" and vals.get(holder, 0.0) > lookthrough:
                # a controlled intermediate counts as the source itself: the path ends there
                steps = tuple(reversed(chain + [(holder, share, True)]))
                found.append(Path(steps, subject, product * share))
                continue
            if vals.get(holder, 0.0) <= 0 or product * share < floor:
                continue
            stack.append((holder, chain + [(holder, share, False)], product * share, visited | {holder}))
    found.sort(key=lambda p: (-p.contribution, p.render()))
    return found[:limit]
