"""The IRC §30D clean vehicle credit for one vehicle placed in service (and acquired) on given dates.

The order of the tests is law data (`rules/credit_order.yaml`): the credit's life (the IRA rules' first
placed-in-service date; the last acquisition date of P.L. 119-21 §70502), final assembly in North America
(IRC 30D(d)(1)(G)), the MSRP cap (30D(f)(11)), the excluded-entity tests (30D(d)(7)), then the two halves
(30D(b)(2), (b)(3), (e)); each step is a function of `vehicle_steps.py`. Buyer income (30D(f)(10)) is out
of scope and every verdict says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.determination import Determination
from feoc.determine.findings import Finding
from feoc.determine.regime30d import determine
from feoc.law.law import Law
from feoc.verdicts.attested import above, entity_reliance, merged_readings
from feoc.verdicts.readings import interpretation_notes, judged_readings, missing_from, reading
from feoc.verdicts.status import Missing, Status, agreed, exit_code
from feoc.verdicts.subject import _upstream
from feoc.verdicts.vehicle_parts import Check, Half, component_rows, halves, mineral_rows
from feoc.verdicts.vehicle_steps import EXCLUDING, Case, decide

VEHICLE_CONCLUSIONS = EXCLUDING + ("transition_applied", "qualifying_half")  # what a vehicle verdict shows


@dataclass
class VehicleVerdict:
    """The §30D credit for one vehicle: `status` and `credit_usd` agreed across the readings judged
    (`verdicts.status.agreed`; a contested credit is the lowest reading's, `credit_range` shows the span);
    the reason, checks and findings are those of the reading named by `interpretation`."""

    subject: str
    name: str
    on: dt.date
    acquired: dt.date
    interpretation: str
    status: Status  # eligible | partial | not_eligible | terminated | not_in_force | cannot_be_determined | contested
    credit_usd: float
    reason: str
    deciding_rule: str
    checks: list[Check]
    halves: dict[str, Half]
    findings: list[Finding]  # excluded-entity, transition and qualifying-half findings for the vehicle
    upstream: list[Finding]  # why the plants and companies behind excluded parts are FEOCs
    readings: dict[str, tuple[Status, float]] = field(default_factory=dict)  # interpretation -> (status, credit)
    components: list[dict[str, Any]] = field(default_factory=list)
    minerals: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    # attestations relied on (26 CFR 1.30D-6(b)): about the battery, or an entity behind its parts; and not, with why
    relies_on: list[dict[str, Any]] = field(default_factory=list)
    not_relied_on: list[dict[str, Any]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "vehicle"

    @property
    def eligible(self) -> bool:
        """A clear credit, in whole or in part, under every reading judged."""
        return self.status in (Status.eligible, Status.partial) and self.credit_usd > 0

    @property
    def contested(self) -> bool:
        return self.status == Status.contested

    @property
    def credit_range(self) -> tuple[float, float]:
        """The lowest and highest credit of the readings judged."""
        credits = [credit for _, credit in self.readings.values()] or [self.credit_usd]
        return min(credits), max(credits)

    def exit_code(self) -> int:
        """`feoc check vehicle`: 0 a credit is due (or the credit is not in force), 1 none, 4 cannot be
        determined, 5 contested (`verdicts.status.EXIT_CODES`)."""
        return exit_code(self.status)

    def as_dict(self) -> dict[str, Any]:
        low, high = self.credit_range
        return {
            "subject": self.subject, "kind": "vehicle", "name": self.name, "on": self.on.isoformat(),
            "acquired": self.acquired.isoformat(), "interpretation": self.interpretation, "eligible": self.eligible,
            "credit_usd": self.credit_usd, "credit_range_usd": [low, high], "status": self.status,
            "reason": self.reason, "deciding_rule": self.deciding_rule, "contested": self.contested,
            "readings": {n: {"status": st, "credit_usd": c} for n, (st, c) in sorted(self.readings.items())},
            "checks": [c.as_dict() for c in self.checks],
            "halves": {k: h.as_dict() for k, h in self.halves.items()},
            "findings": [f.as_dict() for f in self.findings],
            "upstream_findings": [f.as_dict() for f in self.upstream],
            "components": self.components, "minerals": self.minerals,
            "missing": [m.as_dict() for m in self.missing], "notes": list(self.notes),
            "relies_on": self.relies_on, "not_relied_on": self.not_relied_on,
        }


def vehicle_verdict(dataset: Dataset, vid: str, on: dt.date, acquired: dt.date | None,
                    law: Law, interpretation: str | None = None,
                    evaluator: str = "durable-rules",
                    determinations: dict[str, Determination] | None = None) -> VehicleVerdict:
    """The credit for vehicle `vid` placed in service on `on` (acquired on `acquired`, default the same day),
    under the reading `interpretation` names or under every reading (contested when they disagree)."""
    chosen, names = reading(law, interpretation), judged_readings(law, interpretation)
    dets = ({n: determinations[n] for n in names} if determinations
            else {n: determine(dataset, on, law, n, evaluator) for n in names})
    verdicts = {n: _judge(dataset, vid, on, acquired or on, law, d) for n, d in dets.items()}
    verdict = verdicts.get(chosen) or next(iter(verdicts.values()))
    verdict.interpretation = chosen
    verdict.readings = {n: (v.status, v.credit_usd) for n, v in verdicts.items()}
    verdict.status = agreed(v.status for v in verdicts.values())
    if len(set(verdict.readings.values())) > 1 and verdict.status != Status.cannot_be_determined:
        verdict.status = Status.contested  # the same status with different amounts is a disagreement too
    if verdict.status in (Status.contested, Status.cannot_be_determined):
        verdict.credit_usd = 0.0 if verdict.status == Status.cannot_be_determined else verdict.credit_range[0]
    # once each, from the readings that cannot be decided: a credit a known fact denies needs nothing more
    verdict.missing = list(dict.fromkeys(m for v in verdicts.values() if v.status == Status.cannot_be_determined
                                         for m in _missing(v, law)))
    if verdict.status == Status.contested:
        _add_other_readings(verdict, verdicts)
    verdict.relies_on = merged_readings([v.relies_on for v in verdicts.values()])
    verdict.not_relied_on = merged_readings([v.not_relied_on for v in verdicts.values()])
    return verdict


def _attested(dataset: Dataset, vid: str, on: dt.date) -> list[str]:
    """The battery and the entities whose attestations the vehicle's verdict may rest on: the operators of the
    plants of its parts, and the entities above them."""
    battery = dataset.battery(dataset.vehicle(vid).battery)
    places = {p for c in battery.components for p in (c.manufactured_at, c.assembled_at)}
    places |= {p for m in battery.critical_minerals for p in (m.extracted_at, m.processed_at, m.recycled_at)}
    operators = sorted({f.operator for f in dataset.facilities if f.id in places})
    return [battery.id, *above(dataset, on, operators)]


def _add_other_readings(verdict: VehicleVerdict, verdicts: dict[str, VehicleVerdict]) -> None:
    """A contested credit also shows what decided each other answer (the excluded parts and why their makers
    are FEOCs under that reading; each finding names its reading), one reading per distinct answer."""
    answers = {verdict.readings[verdict.interpretation]}
    for name in sorted(verdicts):
        if verdict.readings[name] in answers:
            continue
        answers.add(verdict.readings[name])
        other = verdicts[name]
        verdict.findings += [f for f in other.findings if f.conclusion in EXCLUDING and f not in verdict.findings]
        verdict.upstream += [f for f in other.upstream if f not in verdict.upstream]


def _missing(v: VehicleVerdict, law: Law) -> list[Missing]:
    """The facts one reading's order lacked: each check it could not decide (its detail says what would decide
    it) and each `undetermined` finding behind the vehicle."""
    return ([Missing(v.subject, c.name, c.detail) for c in v.checks if c.outcome == Status.cannot_be_determined]
            + missing_from(v.findings, law))


def _judge(dataset: Dataset, vid: str, on: dt.date, acquired: dt.date, law: Law,
           det: Determination) -> VehicleVerdict:
    """One reading's verdict: the parts of the battery, then the steps of the §30D order."""
    vehicle = dataset.vehicle(vid)
    battery = dataset.battery(vehicle.battery)
    facilities = {f.id: f for f in dataset.facilities}
    mine = [f for f in det.about(vid) if f.conclusion in VEHICLE_CONCLUSIONS]
    excluded = [f for f in mine if f.conclusion in EXCLUDING]
    case = Case(law, det, vehicle, facilities, on, acquired, excluded, halves(battery, facilities, law, on, mine),
                [], _notes(vehicle, battery, on, law))
    north_america = set(law.param("north_america", on) or [])
    fta_or_us = set(law.param("us_and_fta_countries", on) or [])
    decision = decide(case)
    relied, refused = entity_reliance({det.interpretation.name: det}, _attested(dataset, vid, on))
    return VehicleVerdict(vid, vehicle.name, on, acquired, det.interpretation.name, decision.status,
                          float(decision.credit), decision.reason, decision.rule, case.checks, case.halves, mine,
                          _upstream_for_parts(det, excluded),
                          components=component_rows(battery, facilities, det, north_america),
                          minerals=mineral_rows(battery, facilities, det, north_america, fta_or_us), notes=case.notes,
                          relies_on=relied, not_relied_on=refused)


def _notes(vehicle: Any, battery: Any, on: dt.date, law: Law) -> list[str]:
    """What every verdict says (rules/credit_order.yaml), and what this one rests on."""
    notes = list(law.credit_order.notes_30d)
    if vehicle.status == "announced" or on.year < vehicle.model_year - 1:  # a model year goes on sale the year before
        notes.append(f"hypothetical: model year {vehicle.model_year} ({vehicle.status.replace('_', ' ')}) was not "
                     f"on sale on {on}; the verdict shows how the rules would treat it")
    if any(r.assumed for r in [vehicle, battery, *battery.components, *battery.critical_minerals]):
        notes.append("some figures behind this verdict are assumptions marked in the dataset (see the tables)")
    if any(rule.conclusion in EXCLUDING for rule in law.ruleset(on, "30d").rules):  # 30D(d)(7) applies: FEOCs judged
        notes.extend(interpretation_notes(law, on))  # DOE's reading applied before it took effect (feoc-law.md §7.4)
    return notes


def _upstream_for_parts(det: Determination, excluded: list[Finding]) -> list[Finding]:
    """The facility findings behind each excluded part, and the entity findings behind those."""
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for f in excluded:
        activity = f"{f.fact('component')}_{f.fact('step')}" if f.fact("component") else f"critical_mineral_{f.fact('step')}"
        key = (f.fact("facility"), activity)
        if key in seen:
            continue
        seen.add(key)
        steps = det.activity_findings(f.fact("facility"), activity)
        out.extend(steps)
        out.extend(x for x in _upstream(det, steps) if x not in out)
    return out
