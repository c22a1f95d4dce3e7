"""The §45X verdict for a manufacturing facility on a date: is its operator (the taxpayer) a prohibited
foreign entity, and does each eligible component it makes have material assistance from one?
(IRC 45X as amended by P.L. 119-21 §70512; IRC 7701(a)(51)-(52).) What the dataset does not say is
reported as "cannot be determined: missing X", never guessed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.core import Finding
from feoc.determine.regime45x import Determination45X, determine45x
from feoc.law.law import Law
from feoc.verdicts.subject import _upstream

PFE_CONCLUSIONS = ("foreign_controlled", "sfe", "fie")
THRESHOLD_PARAM = {"battery_components": "macr_threshold_battery_components",
                   "critical_minerals": "macr_threshold_critical_minerals"}


@dataclass
class Product45X:
    product: str
    product_class: str
    outcome: str  # pass | material_assistance | cannot_be_determined
    ratio: float | None
    threshold: float | None
    total_cost_usd: float
    pfe_cost_usd: float
    pfe_suppliers: list[str]
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Facility45XVerdict:
    subject: str
    name: str
    on: dt.date
    operator: str
    status: str  # eligible | partly_eligible | no_credit | cannot_be_determined | not_applicable | not_in_force
    reason: str
    operator_pfe: bool
    operator_findings: list[Finding]
    upstream: list[Finding]
    products: list[Product45X]
    findings: list[Finding] = field(default_factory=list)  # MACR findings for the facility
    notes: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.status in ("eligible", "partly_eligible", "not_in_force")

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "kind": "facility", "credit": "45x", "name": self.name,
                "on": self.on.isoformat(), "operator": self.operator, "status": self.status, "reason": self.reason,
                "eligible": self.eligible, "operator_pfe": self.operator_pfe,
                "operator_findings": [f.as_dict() for f in self.operator_findings],
                "upstream_findings": [f.as_dict() for f in self.upstream],
                "products": [p.as_dict() for p in self.products],
                "findings": [f.as_dict() for f in self.findings], "notes": list(self.notes)}


def facility_products(facility: Any) -> list[str]:
    """The §45X products a facility makes: the battery components in its activities, and critical minerals."""
    out = sorted({a.rsplit("_", 1)[0] for a in facility.activities
                  if a.endswith(("_manufacturing", "_assembly")) and not a.startswith(("battery_pack", "vehicle"))})
    if any(a.startswith("critical_mineral_") for a in facility.activities):
        out.append("critical_mineral")
    return out


def facility_45x_verdict(dataset: Dataset, fid: str, on: dt.date, law: Law,
                         evaluator: str = "durable-rules", det: Determination45X | None = None) -> Facility45XVerdict:
    params = law.parameters
    facility = dataset.facility(fid)
    verdict = Facility45XVerdict(fid, facility.name, on, facility.operator, "eligible", "", False, [], [], [])
    notes = verdict.notes
    if facility.status != "operating":
        notes.append(f"status in the dataset: {facility.status.replace('_', ' ')}")
    if not facility.in_force(on):
        notes.append(f"the facility record covers {facility.start or 'the start'} until {facility.end or 'open end'}, "
                     f"not {on}: this operator did not run it on that date")
    if not params["pfe_rules_in_force"].on(on):
        start = next(d for d, v in params["pfe_rules_in_force"].values if v)
        verdict.status = "not_in_force"
        verdict.reason = (f"the prohibited-foreign-entity and material-assistance rules apply to taxable years beginning "
                          f"after 2025-07-04 (from {start} for a calendar-year taxpayer); they do not restrict this date")
        return verdict
    det = det or determine45x(dataset, on, law, evaluator)
    operator_findings = [f for f in det.about(facility.operator) if f.conclusion in PFE_CONCLUSIONS + ("undetermined",)]
    verdict.operator_findings = operator_findings
    verdict.operator_pfe = facility.operator in det.pfe
    verdict.upstream = _upstream(det, [f for f in operator_findings if f.conclusion != "undetermined"],
                                 conclusions=PFE_CONCLUSIONS)
    verdict.findings = [f for f in det.about(fid) if f.conclusion == "material_assistance"]
    share = params["credit_45x_phase_out"].on(on)
    if share is not None and share < 1:
        notes.append(f"§45X phase-out: {share:.0%} of the credit remains for components sold in {on.year}")
    notes.append("not in the dataset unless recorded: debt held by SFEs (`debt` on holdings), officer appointment "
                 "rights (`appoints_officers`), payments under contracts (`payments`); absent records count as none")
    failed, undetermined = [], []
    for product in facility_products(facility):
        product_class = "critical_minerals" if product == "critical_mineral" else "battery_components"
        threshold = params[THRESHOLD_PARAM[product_class]].on(on)
        data = det.macr.get((fid, product))
        if data is None:
            p = Product45X(product, product_class, "cannot_be_determined", None, threshold, 0.0, 0.0, [],
                           f"cannot be determined: missing material_inputs for {product} at {fid}")
            undetermined.append(p.detail)
        else:
            fired = [f for f in verdict.findings if f.fact("product") == product]
            outcome = "material_assistance" if fired else "pass"
            detail = (f"MACR {data['ratio']:.2%} vs {threshold:.0%} required"
                      + (f"; PFE suppliers: {', '.join(data['pfe_suppliers'])}" if data["pfe_suppliers"] else ""))
            p = Product45X(product, product_class, outcome, data["ratio"], threshold, data["total_cost_usd"],
                           data["pfe_cost_usd"], data["pfe_suppliers"], detail)
            if fired:
                failed.append(product)
        verdict.products.append(p)
    passed = [p.product for p in verdict.products if p.outcome == "pass"]
    if verdict.operator_pfe:
        prongs = sorted({f.prong for f in operator_findings if f.conclusion in PFE_CONCLUSIONS})
        verdict.status, verdict.reason = "no_credit", (f"no §45X credit: the operator {facility.operator} is a prohibited "
                                                       f"foreign entity ({'; '.join(prongs)})")
    elif any(f.conclusion == "undetermined" for f in operator_findings):
        what = "; ".join(f.prong for f in operator_findings if f.conclusion == "undetermined")
        verdict.status, verdict.reason = "cannot_be_determined", f"operator status {what}"
    elif not verdict.products:
        verdict.status, verdict.reason = "not_applicable", "the facility makes no §45X battery component or critical mineral"
    elif failed and passed:
        verdict.status, verdict.reason = "partly_eligible", (f"material assistance from prohibited foreign entities for "
                                                             f"{', '.join(failed)}; {', '.join(passed)} pass")
    elif failed:
        verdict.status, verdict.reason = "no_credit", f"material assistance from prohibited foreign entities for {', '.join(failed)}"
    elif undetermined:
        verdict.status, verdict.reason = "cannot_be_determined", "; ".join(undetermined)
    else:
        verdict.status, verdict.reason = "eligible", "the operator is not a prohibited foreign entity and every product's MACR meets its threshold"
    return verdict
