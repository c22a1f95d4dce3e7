"""One holder's constructive ownership under IRC 318(a)(2), with the gate of 318(a)(2)(C).

IRC 318(a)(2) (https://www.law.cornell.edu/uscode/text/26/318): stock owned by a partnership or estate is
owned proportionately by its partners or beneficiaries ((A)), a trust's by its beneficiaries in proportion to
their actuarial interest ((B)); a corporation's by a person only "If 50 percent or more in value of the stock
in a corporation is owned, directly or indirectly, by or for" that person, and then in proportion to that
person's stock ((C)). Stock owned constructively counts as owned for applying the rule again (318(a)(5)(A)):
the gate is tested on the holder's direct and constructive interest, so chains and cycles go on.

`gated_interests` computes the least fixed point for one holder: start with every gated intermediate closed
(its stakes attribute nothing), trace proportionally, open each gated intermediate the holder now owns at
least `gate` of, and trace again until none opens. Opening only adds paths, so the interests only grow and
the loop ends after at most one round per gated intermediate; the result is never above the ungated
interest (`Graph.interests`) and equal to it when nothing is gated. Pure: the caller says which nodes are
gated and passes the law's gate.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction

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


def _meets(att: Attribution, node: str, gate: float) -> bool:
    """Whether the holder owns at least `gate` of `node`, exactly where the float is too close to tell."""
    v = att.values.get(node, 0.0)
    if abs(v - gate) > _NEAR:
        return v >= gate
    exact = att.exact([node])
    if exact is None:
        return v >= gate
    return exact.get(node, Fraction(0)) >= decimal(gate)


def gated_interests(graph: Graph, holder: str, gated: Collection[str], gate: float,
                    blocked: Collection[str] = ()) -> Attribution:
    """`holder`'s interest in every entity it reaches, directly and constructively (IRC 318(a)(2), (a)(5)(A)):
    through a `gated` intermediate only once the holder owns at least `gate` of it (318(a)(2)(C)), through any
    other proportionally. Stakes held by a `blocked` node are not traced through it (for a sum over holders in
    which that node counts its own stakes: no stake counted twice)."""
    reach = _reach(graph, holder, blocked)
    base = {e: [(h, s) for h, s in graph.edges.get(e, ()) if h in reach and (h == holder or h not in blocked)]
            for e in reach if e != holder}
    candidates = {m for m in gated if m in reach and m != holder and m not in blocked and graph.out.get(m)}
    opened: set[str] = set()
    while True:
        closed = frozenset(candidates - opened)
        edges = {e: [(h, s) for h, s in lst if h not in closed] for e, lst in base.items()}
        att = Attribution(holder, Graph(edges).interests({holder}), edges, closed)
        newly = {m for m in closed if _meets(att, m, gate)}
        if not newly:
            return att
        opened |= newly
