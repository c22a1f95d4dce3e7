"""The specified foreign entities' interests for the §45X foreign-influence tests (IRC 7701(a)(51)(D)(i)(II)
one SFE 25 %, (III) SFEs together 40 %), as "section 318(a)(2) shall apply": attribution through a
partnership, trust, estate or disregarded entity proportionately, through a corporation only to a holder
owning the gate (parameter `pfe_attribution_gate`, IRC 318(a)(2)(C)) or more of it, directly or
constructively (318(a)(5)(A)); `ownership.gated` computes it per holder.

An entity whose `tax_form` is not recorded is judged both ways: the *lower* bound treats it as a corporation
(gated), the *upper* as a partnership (ungated; with no form recorded anywhere, the interests of plain
proportional attribution). The rules' `sfe` facts carry the lower bound (a foreign-influenced finding holds
whatever the forms turn out to be); the `sfe_untyped` facts the upper one, with the intermediates whose form
would decide (rule pfe-undetermined-tax-form: cannot be determined where the bounds straddle a threshold).

The aggregate (III): per SFE its own gated interest (each SFE's own constructive ownership of an intermediate
opens that intermediate's gate for it alone), not traced through another SFE (whose own stake counts for it
already: no stake counted twice), summed over the SFEs and capped at 100 % (UNCONFIRMED: the statute does not
say how 318(a)(2) combines over several SFEs; with nothing gated the sum equals the group's proportional
interest). The single (II): the largest one SFE's interest, traced through other SFEs too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from feoc.ownership.gated import Attribution, gated_interests
from feoc.ownership.graph import Graph


@dataclass
class Bound:
    """One bound of one measure: per entity the SFEs' summed interest and the largest single one (its SFE),
    the attributions behind them (for exact values) and the intermediates left closed by an unrecorded form."""

    share: dict[str, float] = field(default_factory=dict)
    single: dict[str, tuple[float, str]] = field(default_factory=dict)
    singles: dict[str, Attribution] = field(default_factory=dict)
    parts: list[Attribution] = field(default_factory=list)

    def exact_share(self, entity: str) -> Callable[[], Fraction | None]:
        def exact() -> Fraction | None:
            total = Fraction(0)
            for part in self.parts:
                if entity in part.values:
                    value = part.exact([entity])
                    if value is None:
                        return None
                    total += value.get(entity, Fraction(0))
            return min(total, Fraction(1))
        return exact

    def exact_single(self, entity: str) -> Callable[[], Fraction | None]:
        def exact() -> Fraction | None:
            holder = self.single.get(entity, (0.0, ""))[1]
            if not holder:
                return Fraction(0)
            value = self.singles[holder].exact([entity])
            return None if value is None else value.get(entity, Fraction(0))
        return exact


def bound(graph: Graph, sfe: Collection[str], gated: Collection[str], gate: float) -> Bound:
    """The SFEs' interests with the `gated` intermediates gated (see the module docstring)."""
    out = Bound()
    every = set(sfe)  # blocked for each holder's part: gated_interests never blocks the holder itself
    for holder in sorted(s for s in every if s in graph.out):
        alone = gated_interests(graph, holder, gated, gate)
        out.singles[holder] = alone
        for entity, share in alone.values.items():
            if entity != holder and share > out.single.get(entity, (0.0, ""))[0]:
                out.single[entity] = (share, holder)
        part = gated_interests(graph, holder, gated, gate, blocked=every)
        out.parts.append(part)
        for entity, share in part.values.items():
            if entity != holder:
                out.share[entity] = min(out.share.get(entity, 0.0) + share, 1.0)
    return out


def bounds(graph: Graph, sfe: Collection[str], forms: Mapping[str, str | None],
           gated_forms: Collection[str], gate: float) -> tuple[Bound, Bound]:
    """The lower bound (an unrecorded `tax_form` gated, as a corporation) and the upper (ungated)."""
    recorded = {e for e, form in forms.items() if form in gated_forms}
    unknown = {e for e, form in forms.items() if form is None}
    lower = bound(graph, sfe, recorded | unknown, gate)
    upper = bound(graph, sfe, recorded, gate) if unknown else lower
    return lower, upper


def untyped_on_paths(graph: Graph, lower: Bound, forms: Mapping[str, str | None], entity: str) -> list[str]:
    """The intermediates above `entity` whose `tax_form` is not recorded and that stayed closed (gated) for
    some SFE in the lower bound: recording their form would decide between the bounds."""
    closed = {m for part in list(lower.singles.values()) + lower.parts for m in part.closed if forms.get(m) is None}
    above: set[str] = set()
    stack = [entity]
    while stack:
        node = stack.pop()
        for holder, _ in graph.edges.get(node, ()):
            if holder not in above:
                above.add(holder)
                stack.append(holder)
    return sorted(closed & above)
