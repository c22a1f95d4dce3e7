"""The direct material costs of one §45X product at one facility, sorted by what the data say of each supplier,
for the material assistance cost ratio (IRC 7701(a)(52) as amended by P.L. 119-21 §70514; IRS Notice 2026-15)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any


@dataclasses.dataclass
class ProductInputs:
    """The direct material costs of one product at one facility, by what the data say of each supplier."""

    total: float = 0.0
    pfe_cost: float = 0.0
    bound: float = 0.0  # PFE inputs under a binding written contract before `macr_binding_contract_before`
    costs: list[float] = dataclasses.field(default_factory=list)
    clean: list[float] = dataclasses.field(default_factory=list)
    open: list[float] = dataclasses.field(default_factory=list)  # from suppliers the data cannot decide
    pfe_suppliers: list[str] = dataclasses.field(default_factory=list)
    open_suppliers: list[str] = dataclasses.field(default_factory=list)
    relied_on: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    not_relied_on: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def add(self, m: Any, pfe: set[str], undecided: set[str], before: Any, sold: dt.date) -> None:
        """One input: a PFE's (unless under a pre-`before` binding contract), a clean supplier's, or one the data
        leave open, which a supplier certification valid on `sold` closes (Notice 2026-15 certification safe
        harbor); a certification the data contradict is not relied on (reason to know it is wrong)."""
        self.total += m.cost_usd
        self.costs.append(m.cost_usd)
        cert = m.certification
        if cert is not None:
            said = {"input": m.input, "supplier": m.supplier, "cost_usd": m.cost_usd, "document": cert.document,
                    "signed": cert.signed.isoformat()}
            if m.supplier in pfe:
                self.not_relied_on.append({**said, "why": f"the data show {m.supplier} is a prohibited foreign "
                                           "entity: reason to know the certification is wrong"})
            elif not cert.valid_on(sold):
                self.not_relied_on.append({**said, "why": "signed after the date judged" if cert.signed > sold
                                           else f"expired on {cert.end}"})
            elif m.supplier in undecided:
                self.relied_on.append(said)
                undecided = undecided - {m.supplier}
        if m.supplier in pfe and before and m.contract_signed and m.contract_signed < before:
            self.bound += m.cost_usd
            self.clean.append(m.cost_usd)
        elif m.supplier in pfe:
            self.pfe_cost += m.cost_usd
            self.pfe_suppliers.append(m.supplier)
        elif m.supplier in undecided:
            self.open.append(m.cost_usd)
            self.open_suppliers.append(m.supplier)
        else:
            self.clean.append(m.cost_usd)

    def summary(self, ratio: float, worst: float, product_class: str) -> dict[str, Any]:
        return {"ratio": ratio, "ratio_worst": worst, "total_cost_usd": self.total, "pfe_cost_usd": self.pfe_cost,
                "product_class": product_class, "pfe_suppliers": sorted(set(self.pfe_suppliers)),
                "binding_contract_usd": self.bound, "undecided_cost_usd": sum(self.open),
                "undecided_suppliers": sorted(set(self.open_suppliers)),
                "certifications_relied_on": self.relied_on, "certifications_not_relied_on": self.not_relied_on}
