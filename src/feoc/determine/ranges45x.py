"""Share ranges (`{min, max}`, issue 20) in the §45X prohibited-foreign-entity tests: the `pfe_range` facts.

As for §30D (`determine.ranges`, where the argument is written out), every interest of IRC 7701(a)(51)(C)-(D)
is monotone non-decreasing in each share: proportional attribution is a sum of products of shares, and the
gate of IRC 318(a)(2)(C) only opens as an owner's interest grows (`ownership.gated`: opening adds paths), so a
larger share never closes one. The regime's real pass reads the minima (a range is its lower bound as a float);
here the same interests are traced on the maxima, in the worst case the rest of the data allows (holders that
cannot be decided taken as SFEs, an unrecorded `tax_form` ungated as a partnership's), and where that worst
case goes beyond the one on the minima the fact carries both: `share_low`/`single_low` the SFEs' real interest
(the lower bound of `determine.pfe318`), `share`/`max_single` the upper on the maxima, with the ranged holdings
above the subject. Rules pfe-undetermined-control-range (more than 50 %), pfe-undetermined-share-range (25 % one,
40 % together) and pfe-undetermined-debt-range (15 % of the debt) make it *cannot be determined*; a holder a
range may make foreign-controlled is an undecided holder for the chaining below it (`CONTROL`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.ranges import above_ranges, at_max, has_ranges, ranges_above
from feoc.determine.tracing import Tracer

CONTROL = "fce_ranged"  # the foreign-controlled entities and undecided holders, traced on the maxima
INFLUENCE = "sfe_ranged"  # the SFEs and undecided holders, traced on the maxima, unrecorded forms ungated


class Ranged:
    """The maxima of one §45X run: their tracer (for the chaining of foreign control) and the ranged holdings
    above each entity (for the facts' texts)."""

    def __init__(self, holdings: list[Any], tracing: str, law: Any, day: Any):
        self.holdings = [at_max(h) for h in holdings]
        self.tracer = Tracer(self.holdings, tracing, law, day)
        self.above, self.ranged = above_ranges(holdings)

    @classmethod
    def of(cls, dataset: Dataset, holdings: list[Any], tracing: str, law: Any, day: Any) -> Ranged | None:
        """None when no holding records a range (nothing to do: the seeds' runs are unchanged)."""
        return cls(holdings, tracing, law, day) if has_ranges(dataset) else None

    def control(self, possible: set[str], fce: set[str], low: Mapping[tuple[str, str, str], float],
                groups: Iterable[str], limits: tuple[float, ...]) -> list[dict[str, Any]]:
        """The `pfe_range` facts of foreign control (IRC 7701(a)(51)(C), more than 50 %): the interest of the
        `possible` holders on the maxima, where above the largest the real pass traced (`low`, per group)."""
        facts = []
        for entity, measure, _, share in self.tracer.new_shares({CONTROL: possible}, limits):
            bottom = max((low.get((entity, measure, g), 0.0) for g in groups), default=0.0)
            if entity in fce or share <= bottom:
                continue
            facts.append(self._fact(entity, measure, CONTROL, (low.get((entity, measure, "fce"), 0.0), share),
                                    (0.0, 0.0), ""))
        return facts

    def influence(self, real: list[dict[str, Any]], top: list[dict[str, Any]], worst: tuple[str, ...],
                  lower: str, untyped_group: str) -> list[dict[str, Any]]:
        """The `pfe_range` facts of foreign influence (IRC 7701(a)(51)(D)(i)(II)-(IV)) from the `top` interest
        facts (the maxima): those above every worst case of the real pass (`worst`, its groups in order of
        preference), with the SFEs' real interest (group `lower`) as the interval's lower end."""
        by_group = {(f["holders"], f["subject"], f["measure"]): f for f in real}
        facts = []
        for f in top:
            key = (f["subject"], f["measure"])
            known = next((by_group[(g, *key)] for g in worst if (g, *key) in by_group), None)
            values = (f["share"], f["max_single"])
            if (known is not None and (known["share"], known["max_single"]) == values) or values == (0.0, 0.0):
                continue
            base = by_group.get((lower, *key), {})
            untyped = by_group.get((untyped_group, *key), {}).get("untyped", "")
            facts.append(self._fact(f["subject"], f["measure"], INFLUENCE, (base.get("share", 0.0), f["share"]),
                                    (base.get("max_single", 0.0), f["max_single"]), untyped))
        return facts

    def _fact(self, entity: str, measure: str, group: str, share: tuple[float, float], single: tuple[float, float],
              untyped: str) -> dict[str, Any]:
        return {"kind": "pfe_range", "subject": entity, "measure": measure, "holders": group,
                "share_low": share[0], "share": share[1], "single_low": single[0], "max_single": single[1],
                "ranges": ranges_above(entity, measure, self.above, self.ranged), "untyped": untyped or "none"}
