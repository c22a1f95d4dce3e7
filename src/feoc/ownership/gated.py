"""One holder's constructive ownership under IRC 318(a)(2), with the gate of 318(a)(2)(C).

IRC 318(a)(2) (https://www.law.cornell.edu/uscode/text/26/318): stock owned by a partnership or estate is
owned proportionately by its partners or beneficiaries ((A)), a trust's by its beneficiaries in proportion to
their actuarial interest ((B)); a corporation's by a person only "If 50 percent or more in value of the stock
in a corporation is owned, directly or indirectly, by or for" that person, and then in proportion to that
person's stock ((C)). Stock owned constructively counts as owned for applying the rule again (318(a)(5)(A)):
the gate is tested on the holder's direct and constructive interest, so chains and cycles go on.

`gated_interests` computes the least fixed point for one holder: every gated intermediate starts closed (its
stakes attribute nothing) and opens once the holder owns at least `gate` of it, upstream first. Opening only
adds paths, so the interests only grow; the result is never above the ungated interest (`Graph.interests`)
and equal to it when nothing is gated. Pure: the caller says which nodes are gated and passes the law's gate.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction

from feoc.ownership.cycles import solve_cycle
from feoc.ownership.exact import decimal, exact_interests
from feoc.ownership.graph import Graph

# within this of the gate a float cannot tell noise from a real difference: the exact value decides (as
# determine.facts.fact_number does for the rules' thresholds)
_NEAR = 1e-9


@dataclass(frozen=True)
class Attribution:
    """One holder's interests with the gate applied, the stakes that carried them (for exact values), and
    the gated intermediates that stayed closed (the holder owns less than the gate of them)."""

    holder: str
    values: dict[str, float]
    edges: dict[str, list[tuple[str, float]]]
    closed: frozenset[str]

    def exact(self, entities: list[str]) -> dict[str, Fraction] | None:
        """The exact interests of `entities` over the same stakes (None: too large to solve exactly)."""
        return exact_interests(self.edges, {self.holder}, entities, False, 0.0)


def _reach(graph: Graph, holder: str, blocked: Collection[str]) -> set[str]:
    """Nodes below `holder`, not going on through a blocked node (its stakes count for it, not through it)."""
    seen = {holder}
    stack = [holder]
    while stack:
        node = stack.pop()
        if node != holder and node in blocked:
            continue
        for nxt in graph.out.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _over(value: dict[str, float], node: str, gate: float, base: dict[str, list[tuple[str, float]]],
          holder: str, opened: set[str], candidates: set[str]) -> bool:
    """Whether the holder owns at least `gate` of `node`, exactly where the float is too close to tell (the
    stakes of the gates still closed left out, as they attribute nothing)."""
    v = value.get(node, 0.0)
    if abs(v - gate) > _NEAR:
        return v >= gate
    closed = candidates - opened
    edges = {e: [(h, s) for h, s in lst if h not in closed] for e, lst in base.items()}
    exact = exact_interests(edges, {holder}, [node], False, 0.0)
    if exact is None:
        return v >= gate
    return exact.get(node, Fraction(0)) >= decimal(gate)


def gated_interests(graph: Graph, holder: str, gated: Collection[str], gate: float,
                    blocked: Collection[str] = ()) -> Attribution:
    """`holder`'s interest in every entity it reaches, directly and constructively (IRC 318(a)(2), (a)(5)(A)):
    through a `gated` intermediate only once the holder owns at least `gate` of it (318(a)(2)(C)), through any
    other proportionally. Stakes held by a `blocked` node are not traced through it (for a sum over holders in
    which that node counts its own stakes: no stake counted twice); `holder` itself is never blocked.

    Components are visited upstream first (`graph.components`), so an intermediate's gate is decided once
    everything above it is final: one pass over a chain, however long. Inside a cycle the gate may open
    from the inside (318(a)(5)(A)): the cycle is solved with the gates open so far, the members now past
    the gate are opened and it is solved again, until none opens (at most once per member)."""
    gated = gated if isinstance(gated, (set, frozenset)) else set(gated)  # asked once per node reached
    reach = _reach(graph, holder, blocked)
    base = {e: [(h, s) for h, s in graph.edges.get(e, ()) if h in reach and (h == holder or h not in blocked)]
            for e in reach if e != holder}
    candidates = {m for m in reach if m in gated and m != holder and m not in blocked and graph.out.get(m)}
    value: dict[str, float] = {}
    opened: set[str] = set()

    def compute(node: str) -> float:
        total = 0.0
        for h, share in base.get(node, ()):
            if h == holder:
                total += share
            elif h not in candidates or h in opened:
                total += share * value.get(h, 0.0)
        return min(total, 1.0)

    for index in sorted({graph.position[n] for n in reach if n != holder and n in graph.position}):
        members = [n for n in graph.components[index] if n in reach and n != holder]
        if not graph.cyclic[index]:
            value[members[0]] = compute(members[0])
            opened |= {m for m in members if m in candidates and _over(value, m, gate, base, holder, opened, candidates)}
            continue
        while True:
            solve_cycle(members, compute, value, lambda node: False, edges=base)
            newly = {m for m in members if m in candidates and m not in opened
                     and _over(value, m, gate, base, holder, opened, candidates)}
            if not newly:
                break
            opened |= newly
    closed = frozenset(candidates - opened)
    edges = {e: [(h, s) for h, s in lst if h not in closed] for e, lst in base.items()}
    return Attribution(holder, {k: v for k, v in value.items() if v > 0}, edges, closed)
