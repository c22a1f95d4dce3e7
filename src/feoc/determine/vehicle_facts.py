"""The §30D stages after the entities: each facility activity (performed in a covered nation, or by a FEOC
operator), then each vehicle's battery components, critical minerals and sourcing shares (IRC 30D(d)(7),
(e); 26 CFR 1.30D-6). Countries, dates and lists come from `rules/parameters.yaml`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.facts import Regions, exact_ratio, fact_number, finite_total, thresholds
from feoc.determine.findings import Finding
from feoc.law.law import Law

MATERIAL_MINERALS = "impracticable_to_trace_material_minerals"  # material -> the minerals it can hold


def facility_facts(dataset: Dataset, feoc: set[str], scoped: dict[str, set[str]],
                   regions: Regions | None = None) -> list[dict[str, Any]]:
    """An `activity` fact for each activity of each facility: performed by a FEOC operator or not, and the
    nation its place counts as (`facts.Regions`: an activity in Hong Kong is performed in China)."""
    facts = []
    regions = regions or Regions()
    # every facility is judged, also outside its recorded operating period: a component traced to a plant
    # must never pass silently because the plant's dates are incomplete (the facility verdict notes it)
    for f in dataset.facilities:
        for activity in f.activities:
            by_feoc = f.operator in feoc or activity in scoped.get(f.operator, set())
            facts.append({"kind": "activity", "subject": f.id, "activity": activity, "country": f.country,
                          "nation": regions.nation(f.country), "where": regions.where(f.country),
                          "operator": f.operator, "operator_feoc": by_feoc})
    return facts


class _VehicleLaw:
    """The parameters the vehicle facts read, on one date."""

    def __init__(self, law: Law, day: dt.date):
        self.day = day
        self.north_america = set(law.param("north_america", day) or [])
        self.fta_or_us = set(law.param("us_and_fta_countries", day) or [])
        self.until = law.param("impracticable_to_trace_until", day)
        self.materials = set(law.param("impracticable_to_trace_materials", day) or [])
        self.holds = law.param(MATERIAL_MINERALS, day) or {}

    def open(self) -> bool:
        """Whether the impracticable-to-trace transition is still open on the date (26 CFR 1.30D-6)."""
        return bool(self.until and self.day < self.until)

    def fits(self, m: Any) -> bool:
        """False when a mineral relying on the open transition names a material that cannot hold it
        (parameter `impracticable_to_trace_material_minerals`): the record contradicts itself, so whether
        the transition applies cannot be decided. Outside the transition the material decides nothing."""
        if not (m.impracticable_to_trace and self.open() and m.material in self.materials):
            return True
        return m.mineral in (self.holds.get(m.material) or ())

    def transition(self, m: Any) -> bool:
        """A mineral the impracticable-to-trace transition may leave out (26 CFR 1.30D-6)."""
        return bool(m.impracticable_to_trace and m.material in self.materials and self.open() and self.fits(m))

    def why_not(self, m: Any) -> str:
        """Why the transition does not leave out a mineral marked impracticable to trace ("" when it does,
        or when the mineral is not so marked): the explanations of rules/credit/ show it."""
        if not m.impracticable_to_trace or self.transition(m):
            return ""
        if not self.open():
            return (f"It is marked impracticable to trace, but the transition for such materials ended on {self.until}."
                    if self.until else "It is marked impracticable to trace, but no transition is in force.")
        if m.material not in self.materials:
            return (f"It is marked impracticable to trace, but the transition covers only "
                    f"{', '.join(sorted(self.materials))} (26 CFR 1.30D-6), not `{m.material}`.")
        return f"Its material `{m.material}` cannot hold {m.mineral}, so the transition cannot be applied to it."


def vehicle_facts(dataset: Dataset, day: dt.date, law: Law, findings: list[Finding]) -> list[dict[str, Any]]:
    """Component, mineral and sourcing facts for every vehicle, given the facility findings."""
    rules = _VehicleLaw(law, day)
    country = {f.id: f.country for f in dataset.facilities}
    feoc_steps = {(f.subject, f.fact("activity")) for f in findings if f.conclusion == "feoc_activity"}
    places = _Places(dataset, day, {f.subject for f in findings if f.conclusion == "undetermined"})
    limits = thresholds(law.ruleset(day, "30d"), "sourcing", "share")
    facts: list[dict[str, Any]] = []
    for v in dataset.vehicles:
        battery = dataset.battery(v.battery)
        facts += _component_facts(v.id, battery, feoc_steps, places)
        facts += _mineral_facts(v.id, battery, feoc_steps, rules, places)
        records = _sourcing_records(battery, country, rules.north_america, rules.fta_or_us)
        for half, (qualifying, total) in sourcing_values(battery, country, rules.north_america, rules.fta_or_us).items():
            finite_total(total, f"the {half} of battery {battery.id}", "batteries")
            if total > 0:
                share = fact_number(qualifying / total, limits, exact_ratio(*records[half]))
                facts.append({"kind": "sourcing", "subject": v.id, "half": half, "share": share,
                              "qualifying_value_usd": qualifying, "total_value_usd": total})
    return facts


def _sourcing_records(battery: Any, country: dict[str, str], north_america: set[str],
                      fta_or_us: set[str]) -> dict[str, tuple[list[float], list[float]]]:
    """Per half, the qualifying values and all values that `sourcing_values` adds up (for the exact share
    next to a threshold, `facts.fact_number`)."""
    comps = [c.value_usd for c in battery.components
             if country.get(c.manufactured_at or "") in north_america or country.get(c.assembled_at or "") in north_america]
    mins = [m.value_usd for m in battery.critical_minerals
            if country.get(m.extracted_at or "") in fta_or_us or country.get(m.processed_at or "") in fta_or_us
            or country.get(m.recycled_at or "") in north_america]
    return {"critical_minerals": (mins, [m.value_usd for m in battery.critical_minerals]),
            "battery_components": (comps, [c.value_usd for c in battery.components])}


class _Places:
    """What the vehicle facts say about the facility of a part: whether its record is in force on the date
    (a part attributed to a plant whose record has ended, or not begun, cannot be judged by its recorded
    operator) and whether its operator's FEOC status could not be determined."""

    def __init__(self, dataset: Dataset, day: dt.date, undetermined: set[str]):
        self.facilities = {f.id: f for f in dataset.facilities}
        self.day, self.undetermined = day, undetermined

    def facts(self, fid: str, feoc: bool) -> dict[str, Any]:
        f = self.facilities[fid]
        span = f"from {f.start or 'an unrecorded date'}" + (f" until {f.end}" if f.end else "")
        return {"facility_in_force": f.in_force(self.day), "facility_record": span,
                "operator": f.operator, "operator_undetermined": not feoc and f.operator in self.undetermined}


def _component_facts(vehicle: str, battery: Any, feoc_steps: set[tuple[str, Any]],
                     places: _Places) -> list[dict[str, Any]]:
    facts = []
    for c in battery.components:
        for step, fid in (("manufacturing", c.manufactured_at), ("assembly", c.assembled_at)):
            if fid:
                feoc = (fid, f"{c.component}_{step}") in feoc_steps
                facts.append({"kind": "component", "subject": vehicle, "battery": battery.id,
                              "component": c.component, "step": step, "facility": fid,
                              "feoc": feoc, "value_usd": float(c.value_usd), **places.facts(fid, feoc)})
    return facts


def _mineral_facts(vehicle: str, battery: Any, feoc_steps: set[tuple[str, Any]], rules: _VehicleLaw,
                   places: _Places) -> list[dict[str, Any]]:
    facts = []
    for m in battery.critical_minerals:
        transition, fits, why_not = rules.transition(m), rules.fits(m), rules.why_not(m)
        unrecorded = unrecorded_step(m)
        for step, fid in (("extraction", m.extracted_at), ("processing", m.processed_at), ("recycling", m.recycled_at)):
            if fid:
                feoc = (fid, f"critical_mineral_{step}") in feoc_steps
                facts.append({"kind": "mineral", "subject": vehicle, "battery": battery.id, "mineral": m.mineral,
                              "step": step, "facility": fid, "feoc": feoc,
                              "impracticable_to_trace": m.impracticable_to_trace, "material": m.material,
                              "transition": transition, "material_fits": fits, "transition_note": why_not,
                              "value_usd": float(m.value_usd), "unrecorded": unrecorded, **places.facts(fid, feoc)})
    return facts


def unrecorded_step(m: Any) -> str:
    """The step of a mineral's chain its record leaves out, "" when none: where it came from (extracted, or
    recycled) and who processed it (recycling is both). IRC 30D(d)(7)(A) excludes a mineral *extracted,
    processed or recycled* by a FEOC, so a step not recorded is a fact missing (`vehicle-undetermined-mineral-step`),
    never a step that passed. With one of extraction and processing recorded and no recycling, the mineral has one
    fact, so the rule names it once."""
    if m.recycled_at:
        return ""
    if not m.extracted_at:
        return "extraction"
    return "" if m.processed_at else "processing"


def sourcing_values(battery: Any, country: dict[str, str], north_america: set[str],
                    fta_or_us: set[str]) -> dict[str, tuple[float, float]]:
    """Qualifying and total value of each half (IRC 30D(e)(1)(A), (e)(2)(A)).

    A battery component qualifies when manufactured or assembled in North America; a critical mineral
    when extracted or processed in the United States or an FTA country, or recycled in North America.
    Each record counts all or nothing (the 26 CFR 1.30D-3 value-added and traced-value tests are not
    modelled; a record is one traced portion).
    """
    comp_q = sum(c.value_usd for c in battery.components
                 if country.get(c.manufactured_at or "") in north_america or country.get(c.assembled_at or "") in north_america)
    comp_t = sum(c.value_usd for c in battery.components)
    min_q = sum(m.value_usd for m in battery.critical_minerals
                if country.get(m.extracted_at or "") in fta_or_us or country.get(m.processed_at or "") in fta_or_us
                or country.get(m.recycled_at or "") in north_america)
    min_t = sum(m.value_usd for m in battery.critical_minerals)
    return {"critical_minerals": (float(min_q), float(min_t)), "battery_components": (float(comp_q), float(comp_t))}
