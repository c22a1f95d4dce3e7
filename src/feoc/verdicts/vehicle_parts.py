"""The parts of a §30D vehicle verdict: the checks it reports, the two halves of the credit (IRC 30D(b)(2),
(b)(3), (e)) and the tables of the battery's components and critical minerals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from feoc.determine.determination import Determination
from feoc.determine.findings import Finding
from feoc.determine.vehicle_facts import sourcing_values
from feoc.law.law import Law


@dataclass
class Check:
    """One requirement: what was tested, the outcome, the citation."""

    name: str
    outcome: str  # pass | fail | not_applicable | cannot_be_determined (a fact is missing: `detail` says which)
    detail: str
    citation: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "outcome": self.outcome, "detail": self.detail, "citation": self.citation}


@dataclass
class Half:
    """One half of the credit: the qualifying share of its value against the applicable percentage."""

    name: str
    share: float | None
    threshold: float | None
    qualifying_value_usd: float
    total_value_usd: float
    meets: bool
    amount_usd: float
    in_force: bool
    citation: str = ""  # from rules/credit_order.yaml
    records: int = 0  # how many records of the battery the half is computed from
    missing: str = ""  # when the half cannot be judged (in force, but no records or no value): what is missing

    def as_dict(self) -> dict[str, Any]:
        return {"share": self.share, "threshold": self.threshold, "qualifying_value_usd": self.qualifying_value_usd,
                "total_value_usd": self.total_value_usd, "meets": self.meets, "amount_usd": self.amount_usd,
                "requirement_in_force": self.in_force, "citation": self.citation,
                "cannot_be_determined": self.missing or None}


def halves(battery: Any, facilities: dict[str, Any], law: Law, on: dt.date, findings: list[Finding]) -> dict[str, Half]:
    """Each half of the credit in the order of rules/credit_order.yaml: its qualifying and total value, the
    applicable percentage (while the sourcing requirements are in force) and whether a rule found it met."""
    in_force = bool(law.param("sourcing_requirements_in_force", on))
    na = set(law.param("north_america", on) or [])
    fta = set(law.param("us_and_fta_countries", on) or [])
    values = sourcing_values(battery, {k: f.country for k, f in facilities.items()}, na, fta)
    met = {f.fact("half") for f in findings if f.conclusion == "qualifying_half"}
    counts = {"critical_minerals": len(battery.critical_minerals), "battery_components": len(battery.components)}
    out = {}
    for rule in law.credit_order.halves:
        qualifying, total = values[rule.half]
        threshold = law.param(rule.parameter, on) if in_force else None
        meets = rule.half in met
        amount = law.param(rule.amount, on) or 0
        records = counts.get(rule.half, 0)
        out[rule.half] = Half(rule.half, round(qualifying / total, 9) if total else None, threshold, qualifying,
                              total, meets, float(amount) if meets else 0.0, in_force, rule.citation, records,
                              _half_missing(rule.half, battery.id, records, total, threshold) if in_force else "")
    return out


def _half_missing(half: str, battery: str, records: int, total: float, threshold: Any) -> str:
    """What keeps a half in force from being judged: no records of it, or records worth nothing (a share of
    nothing is no share: IRC 30D(e) measures the value of the battery's minerals or components)."""
    words = half.replace("_", " ")
    need = f"{threshold:.0%}" if isinstance(threshold, (int, float)) else "the applicable percentage"
    if records == 0:
        return (f"battery {battery} records no {words}, so the {words} requirement cannot be judged; add its "
                f"`{half}:` records with their facilities and `value_usd`: the qualifying share must reach "
                f"{need} for the half to be met")
    if total <= 0:
        return (f"the {words} of battery {battery} are all recorded with `value_usd: 0`, so no share can be computed; "
                f"record their values: the qualifying share must reach {need} for the half to be met")
    return ""


def component_rows(battery: Any, facilities: dict[str, Any], det: Determination,
                   north_america: set[str]) -> list[dict[str, Any]]:
    """One row per component step: where, by whom, FEOC or not, qualifying for the components half or not."""
    rows = []
    for c in battery.components:
        for step, fid in (("manufacturing", c.manufactured_at), ("assembly", c.assembled_at)):
            if fid:
                f = facilities[fid]
                rows.append({"component": c.component, "step": step, "facility": fid, "country": f.country,
                             "operator": f.operator, "feoc": bool(det.activity_findings(fid, f"{c.component}_{step}")),
                             "qualifying": f.country in north_america, "value_usd": c.value_usd, "assumed": c.assumed})
    return rows


def mineral_rows(battery: Any, facilities: dict[str, Any], det: Determination, north_america: set[str],
                 fta_or_us: set[str]) -> list[dict[str, Any]]:
    """One row per mineral step: recycling qualifies in North America, extraction and processing in the
    United States or an FTA country (IRC 30D(e)(1)(A))."""
    rows = []
    for m in battery.critical_minerals:
        for step, fid in (("extraction", m.extracted_at), ("processing", m.processed_at), ("recycling", m.recycled_at)):
            if fid:
                f = facilities[fid]
                rows.append({"mineral": m.mineral, "step": step, "facility": fid, "country": f.country,
                             "operator": f.operator, "feoc": bool(det.activity_findings(fid, f"critical_mineral_{step}")),
                             "qualifying": f.country in (north_america if step == "recycling" else fta_or_us),
                             "impracticable_to_trace": m.impracticable_to_trace, "value_usd": m.value_usd,
                             "assumed": m.assumed})
    return rows
