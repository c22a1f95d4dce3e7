"""Prohibited-foreign-entity status and material assistance for the §45X advanced manufacturing credit,
as of a date (P.L. 119-21 §70512; IRC 7701(a)(51)-(52)).

Specified foreign entities (designations; foreign-controlled entities: covered-nation governments, their
nationals, entities organized or with their principal place of business there, and entities more than 50 %
controlled by those, chained to a fixed point) and foreign-influenced entities (officer appointment, a
single SFE owning 25 %, SFEs together 40 %, SFE debt 15 %, effective-control payments) are decided by the
`regime: 45x` rules; then each facility product's material assistance cost ratio is judged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.core import Determination, _Run
from feoc.engine.evaluators import Evaluator, evaluator as make_evaluator
from feoc.law.law import Law
from feoc.data.model import MEASURES


@dataclasses.dataclass
class Determination45X(Determination):
    """A Determination of the 45x regime: PFE sets and each facility product's cost ratio."""

    sfe: set[str] = dataclasses.field(default_factory=set)
    fie: set[str] = dataclasses.field(default_factory=set)
    macr: dict[tuple[str, str], dict[str, Any]] = dataclasses.field(default_factory=dict)

    @property
    def pfe(self) -> set[str]:
        return self.sfe | self.fie


def _prior_year_overlap(start: dt.date | None, end: dt.date | None, day: dt.date) -> bool:
    first, after = dt.date(day.year - 1, 1, 1), dt.date(day.year, 1, 1)
    return (start is None or start < after) and (end is None or end > first)


class _Run45(_Run):
    def entities(self) -> None:  # type: ignore[override]
        """Designations and foreign control (chained), then the foreign-influence facts (7701(a)(51))."""
        holdings = self.direct()
        while self.round < 1000:  # foreign control chains (more than 50 %) to a fixed point
            self.round += 1
            fce = set(self.status.get("foreign_controlled", set()))
            self.sources_by_group = {"fce": fce}
            new = []
            for measure in MEASURES:
                if not fce:
                    continue
                vals, changed = self._interests(measure, "fce", fce)
                for entity in sorted(changed):
                    share = round(vals.get(entity, 0.0), 9)
                    new.append({"kind": "pfe_interest", "subject": entity, "measure": measure, "holders": "fce",
                                "share": share, "max_single": 0.0})
            if not new:
                break
            self.fire(new)
            if self.status.get("foreign_controlled", set()) == fce:
                break
        sfe = self.status.get("foreign_controlled", set()) | self.status.get("sfe", set())
        self.sources_by_group = {"fce": set(self.status.get("foreign_controlled", set())), "sfe": sfe}
        self.round += 1
        self.fire(self._influence_facts(sfe, holdings))

    def _influence_facts(self, sfe: set[str], holdings: list[Any]) -> list[dict[str, Any]]:
        facts: list[dict[str, Any]] = []
        direct: dict[tuple[str, str], list[float]] = defaultdict(list)
        for h in holdings:
            if h.holder in sfe:
                for m in MEASURES + ("debt",):
                    if h.share(m):
                        direct[(h.entity, m)].append(h.share(m))
        for measure in MEASURES:
            vals = self.graphs[measure].interests(sfe, "multiply") if sfe else {}
            for entity in sorted(set(vals) | {e for e, m in direct if m == measure}):
                facts.append({"kind": "pfe_interest", "subject": entity, "measure": measure, "holders": "sfe",
                              "share": round(vals.get(entity, 0.0), 9),
                              "max_single": round(max(direct.get((entity, measure), [0.0])), 9)})
        for entity, m in sorted(direct):
            if m == "debt":
                shares = direct[(entity, m)]
                facts.append({"kind": "pfe_interest", "subject": entity, "measure": "debt", "holders": "sfe",
                              "share": round(sum(shares), 9), "max_single": round(max(shares), 9)})
        for h in holdings:
            if h.appoints_officers:
                facts.append({"kind": "officer_right", "subject": h.entity, "holder": h.holder, "holder_sfe": h.holder in sfe})
        for a in self.dataset.agreements:
            if not _prior_year_overlap(a.start, a.end, self.day):
                continue
            payments = "unknown" if a.payments is None else ("yes" if a.payments else "no")
            for right in a.rights:
                facts.append({"kind": "pfe_contract", "subject": a.licensee, "agreement": a.id, "counterparty": a.licensor,
                              "counterparty_sfe": a.licensor in sfe, "right": right, "payments": payments,
                              "prior_year": True})
        return facts

    def materials(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Each facility product's material assistance cost ratio from the inputs in force (IRC 7701(a)(52))."""
        pfe = self.status.get("foreign_controlled", set()) | self.status.get("sfe", set()) | self.status.get("fie", set())
        totals: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0.0, 0.0, []])
        for m in self.dataset.material_inputs:
            if m.in_force(self.day):
                row = totals[(m.facility, m.product)]
                row[0] += m.cost_usd
                if m.supplier in pfe:
                    row[1] += m.cost_usd
                    row[2].append(m.supplier)
        out = {}
        facts = []
        for (facility, product), (total, pfe_cost, suppliers) in sorted(totals.items()):
            ratio = round((total - pfe_cost) / total, 9)
            product_class = "critical_minerals" if product == "critical_mineral" else "battery_components"
            out[(facility, product)] = {"ratio": ratio, "total_cost_usd": total, "pfe_cost_usd": pfe_cost,
                                        "product_class": product_class, "pfe_suppliers": sorted(set(suppliers))}
            facts.append({"kind": "macr", "subject": facility, "product": product, "product_class": product_class,
                          "ratio": ratio, "total_cost_usd": total, "pfe_cost_usd": pfe_cost})
        self.round += 1
        self.fire(facts)
        return out


def determine45x(dataset: Dataset, day: dt.date, law: Law,
                 evaluator: Evaluator | str = "durable-rules") -> Determination45X:
    """Every entity's PFE findings and every facility product's MACR finding on `day` (45x regime)."""
    interp = law.interpretation()
    ev = make_evaluator(evaluator) if isinstance(evaluator, str) else evaluator
    run = _Run45(dataset, day, law, interp, ev, regime="45x")
    run.entities()
    macr = run.materials()
    findings = sorted(run.findings.values(), key=lambda f: (f.subject, f.rule_id, f.facts))
    sfe = run.status.get("foreign_controlled", set()) | run.status.get("sfe", set())
    return Determination45X(day, interp, findings, set(), {}, getattr(run, "interest_values", {}),
                            run.names, run.ruleset, ev.name, run.edges, run.graphs, run.sources_by_group,
                            run.lookthrough, sfe=sfe, fie=set(run.status.get("fie", set())), macr=macr)
