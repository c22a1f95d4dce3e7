"""The IRC §30D clean vehicle credit for one vehicle placed in service (and acquired) on given dates.

Order of the tests (each from `rules/`): the credit's life (not yet in force before 2022-08-17 for the
IRA rules; none for vehicles acquired after 2025-09-30, P.L. 119-21 §70502), final assembly in North
America (IRC 30D(d)(1)(G)), the MSRP cap (30D(f)(11)), the excluded-entity tests (30D(d)(7): components
from 2024-01-01, minerals from 2025-01-01), then the two $3,750 halves (30D(b)(2), (b)(3), (e)).
Buyer income (30D(f)(10)) is out of scope and every verdict says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.core import Determination, Finding, determine, sourcing_values
from feoc.law.data import Parameter
from feoc.law.law import Law
from feoc.verdicts.subject import _upstream

HALVES = ("critical_minerals", "battery_components")
HALF_PARAM = {"critical_minerals": "critical_minerals_applicable_percentage",
              "battery_components": "battery_components_applicable_percentage"}
HALF_CITATION = {"critical_minerals": "IRC 30D(b)(2), (e)(1)", "battery_components": "IRC 30D(b)(3), (e)(2)"}


@dataclass
class Check:
    """One requirement: what was tested, the outcome, the citation."""

    name: str
    outcome: str  # pass | fail | not_checked | not_applicable
    detail: str
    citation: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "outcome": self.outcome, "detail": self.detail, "citation": self.citation}


@dataclass
class Half:
    name: str
    share: float | None
    threshold: float | None
    qualifying_value_usd: float
    total_value_usd: float
    meets: bool
    amount_usd: float
    in_force: bool

    def as_dict(self) -> dict[str, Any]:
        return {"share": self.share, "threshold": self.threshold, "qualifying_value_usd": self.qualifying_value_usd,
                "total_value_usd": self.total_value_usd, "meets": self.meets, "amount_usd": self.amount_usd,
                "requirement_in_force": self.in_force, "citation": HALF_CITATION[self.name]}


@dataclass
class VehicleVerdict:
    subject: str
    name: str
    on: dt.date
    acquired: dt.date
    interpretation: str
    status: str  # eligible | partial | not_eligible | terminated | not_in_force
    credit_usd: float
    reason: str
    deciding_rule: str
    checks: list[Check]
    halves: dict[str, Half]
    findings: list[Finding]  # excluded-entity, transition and qualifying-half findings for the vehicle
    upstream: list[Finding]  # why the plants and companies behind excluded parts are FEOCs
    readings: dict[str, float] = field(default_factory=dict)  # interpretation -> credit
    components: list[dict[str, Any]] = field(default_factory=list)
    minerals: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.credit_usd > 0

    @property
    def contested(self) -> bool:
        return len(set(self.readings.values())) > 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject, "kind": "vehicle", "name": self.name, "on": self.on.isoformat(),
            "acquired": self.acquired.isoformat(), "interpretation": self.interpretation, "eligible": self.eligible,
            "credit_usd": self.credit_usd, "status": self.status, "reason": self.reason,
            "deciding_rule": self.deciding_rule, "contested": self.contested,
            "readings": dict(sorted(self.readings.items())),
            "checks": [c.as_dict() for c in self.checks],
            "halves": {k: h.as_dict() for k, h in self.halves.items()},
            "findings": [f.as_dict() for f in self.findings],
            "upstream_findings": [f.as_dict() for f in self.upstream],
            "components": self.components, "minerals": self.minerals, "notes": list(self.notes),
        }


def _value(params: dict[str, Parameter], name: str, day: dt.date) -> Any:
    return params[name].on(day)


def vehicle_verdict(dataset: Dataset, vid: str, on: dt.date, acquired: dt.date | None,
                    law: Law, interpretation: str | None = None,
                    evaluator: str = "durable-rules",
                    determinations: dict[str, Determination] | None = None) -> VehicleVerdict:
    """The credit for vehicle `vid` placed in service on `on` (acquired on `acquired`, default the same day)."""
    chosen = interpretation or law.default_interpretation
    dets = determinations or {n: determine(dataset, on, law, n, evaluator) for n in law.reading_names()}
    verdicts = {n: _judge(dataset, vid, on, acquired or on, law, d) for n, d in dets.items()}
    verdict = verdicts[chosen]
    verdict.readings = {n: v.credit_usd for n, v in verdicts.items()}
    return verdict


def _judge(dataset: Dataset, vid: str, on: dt.date, acquired: dt.date, law: Law,
           det: Determination) -> VehicleVerdict:
    params = law.parameters
    vehicle = dataset.vehicle(vid)
    battery = dataset.battery(vehicle.battery)
    facilities = {f.id: f for f in dataset.facilities}
    mine = [f for f in det.about(vid) if f.conclusion in ("excluded_component", "excluded_mineral",
                                                           "transition_applied", "qualifying_half")]
    excluded = [f for f in mine if f.conclusion in ("excluded_component", "excluded_mineral")]
    checks: list[Check] = []
    notes = ["buyer income limits (IRC 30D(f)(10)) are out of scope: the buyer must check them"]
    if vehicle.status == "announced" or on.year < vehicle.model_year - 1:
        notes.append(f"hypothetical: model year {vehicle.model_year} ({vehicle.status.replace('_', ' ')}) was not on sale "
                     f"on {on}; the verdict shows how the rules would treat it")
    if any(r.assumed for r in [vehicle, battery, *battery.components, *battery.critical_minerals]):
        notes.append("some figures behind this verdict are assumptions marked in the dataset (see the tables)")
    halves = _halves(battery, facilities, params, on, mine)
    na_sets = (set(_value(params, "north_america", on) or []), set(_value(params, "us_and_fta_countries", on) or []))
    verdict = VehicleVerdict(vid, vehicle.name, on, acquired, det.interpretation.name, "not_eligible", 0.0, "", "",
                             checks, halves, mine, _upstream_for_parts(det, excluded),
                             components=_component_rows(battery, facilities, det, na_sets[0]),
                             minerals=_mineral_rows(battery, facilities, det, *na_sets), notes=notes)

    def finish(status: str, credit: float, reason: str, rule: str) -> VehicleVerdict:
        verdict.status, verdict.credit_usd, verdict.reason, verdict.deciding_rule = status, float(credit), reason, rule
        return verdict

    last = _value(params, "last_acquisition_date", acquired)
    if last and acquired > last:
        checks.append(Check("acquired by the deadline", "fail", f"acquired {acquired}, after {last}",
                            params["last_acquisition_date"].citation))
        return finish("terminated", 0, f"no credit: terminated for vehicles acquired after {last}", "last_acquisition_date")
    phase = _value(params, "credit_phase", on)
    if phase is None:
        first = params["credit_phase"].changes()[0]
        checks.append(Check("credit in force", "not_applicable", f"placed in service before {first}",
                            params["credit_phase"].citation))
        return finish("not_in_force", 0, f"not yet in force: the IRA rules apply to vehicles placed in service from {first} "
                      "(the earlier capacity-based credit is not modelled)", "credit_phase")

    na = set(_value(params, "north_america", on) or [])
    assembly = vehicle.final_assembly_country or (facilities[vehicle.assembled_at].country if vehicle.assembled_at else None)
    if assembly is None:
        checks.append(Check("final assembly in North America", "not_checked", "the dataset gives no final assembly country",
                            params["north_america"].citation))
    elif assembly not in na:
        checks.append(Check("final assembly in North America", "fail", f"final assembly in {assembly}",
                            params["north_america"].citation))
        return finish("not_eligible", 0, f"not eligible: final assembly in {assembly}, outside North America", "final_assembly")
    else:
        checks.append(Check("final assembly in North America", "pass", f"final assembly in {assembly}",
                            params["north_america"].citation))

    if phase == "transition":
        cap = _value(params, "pre_2023_max_credit_usd", on)
        notes.append("placed in service 2022-08-17..2022-12-31: the pre-2023 credit depends on battery capacity "
                     "(not modelled); the maximum is shown")
        return finish("eligible", cap, f"eligible for up to {cap:,.0f} USD (pre-2023 formula)", "credit_phase")

    caps = _value(params, "msrp_cap_usd", on) or {}
    if vehicle.msrp_usd is not None and vehicle.vehicle_class:
        cap = caps.get(vehicle.vehicle_class)
        if cap is not None and vehicle.msrp_usd > cap:
            checks.append(Check("MSRP cap", "fail", f"MSRP {vehicle.msrp_usd:,.0f} USD over the {cap:,.0f} USD cap for a {vehicle.vehicle_class}",
                                params["msrp_cap_usd"].citation))
            return finish("not_eligible", 0, f"not eligible: MSRP over the {cap:,.0f} USD cap", "msrp_cap_usd")
        checks.append(Check("MSRP cap", "pass", f"MSRP {vehicle.msrp_usd:,.0f} USD within the {cap:,.0f} USD cap for a {vehicle.vehicle_class}",
                            params["msrp_cap_usd"].citation))
    else:
        checks.append(Check("MSRP cap", "not_checked", "the dataset gives no MSRP or vehicle class",
                            params["msrp_cap_usd"].citation))

    if excluded:
        first = excluded[0]
        what = "battery component" if first.conclusion == "excluded_component" else "critical mineral"
        checks.append(Check("no FEOC in the battery", "fail", f"{len(excluded)} excluded {what}(s) or mineral(s); first: {first.explanation}",
                            first.citation))
        part = first.fact("component") or first.fact("mineral")
        return finish("not_eligible", 0, f"not eligible: {what} {part} ({first.fact('step')} at {first.fact('facility')}) "
                      "by a foreign entity of concern", first.rule_id)
    tests = {r.id: r.source.rule for r in det.ruleset.rules if r.conclusion in ("excluded_component", "excluded_mineral")}
    if tests:
        checks.append(Check("no FEOC in the battery", "pass",
                            f"no excluded component or mineral; tests in force: {', '.join(sorted(tests))}",
                            "; ".join(sorted({t.citation for t in tests.values()}))))
    else:
        later = sorted((src.rule.effective.start, src.rule.id) for src in law.rules
                       if src.rule.then.conclusion in ("excluded_component", "excluded_mineral"))
        checks.append(Check("no FEOC in the battery", "not_applicable",
                            "the excluded-entity tests are not yet in force: "
                            + ", ".join(f"{rule} from {start}" for start, rule in later), "IRC 30D(d)(7)"))

    if not _value(params, "sourcing_requirements_in_force", on):
        full = _value(params, "credit_max_usd", on)
        return finish("eligible", full, f"eligible for {full:,.0f} USD: the sourcing requirements apply only from "
                      f"{_first_true(params['sourcing_requirements_in_force'])}", "sourcing_requirements_in_force")
    credit = sum(h.amount_usd for h in halves.values())
    met = [k for k, h in halves.items() if h.meets]
    if len(met) == 2:
        return finish("eligible", credit, f"eligible for {credit:,.0f} USD: both sourcing requirements met",
                      "credit-critical-minerals-half, credit-battery-components-half")
    if met:
        missing = [k for k in HALVES if k not in met][0].replace("_", " ")
        return finish("partial", credit, f"eligible for {credit:,.0f} USD: {missing} requirement not met",
                      f"credit-{met[0].replace('_', '-')}-half")
    return finish("not_eligible", 0, "not eligible: neither sourcing requirement met",
                  "credit-critical-minerals-half, credit-battery-components-half")


def _first_true(param: Parameter) -> dt.date | None:
    return next((d for d, v in param.values if v), None)


def _halves(battery: Any, facilities: dict[str, Any], params: dict[str, Parameter], on: dt.date,
            findings: list[Finding]) -> dict[str, Half]:
    in_force = bool(params["sourcing_requirements_in_force"].on(on))
    na = set(params["north_america"].on(on) or [])
    fta = set(params["us_and_fta_countries"].on(on) or [])
    values = sourcing_values(battery, {k: f.country for k, f in facilities.items()}, na, fta)
    amount = params["credit_half_usd"].on(on) or 0
    met = {f.fact("half") for f in findings if f.conclusion == "qualifying_half"}
    out = {}
    for name in HALVES:
        qualifying, total = values[name]
        threshold = params[HALF_PARAM[name]].on(on) if in_force else None
        meets = name in met
        out[name] = Half(name, round(qualifying / total, 9) if total else None, threshold, qualifying, total, meets,
                         float(amount) if meets else 0.0, in_force)
    return out


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


def _component_rows(battery: Any, facilities: dict[str, Any], det: Determination,
                    north_america: set[str]) -> list[dict[str, Any]]:
    rows = []
    for c in battery.components:
        for step, fid in (("manufacturing", c.manufactured_at), ("assembly", c.assembled_at)):
            if fid:
                f = facilities[fid]
                rows.append({"component": c.component, "step": step, "facility": fid, "country": f.country,
                             "operator": f.operator, "feoc": bool(det.activity_findings(fid, f"{c.component}_{step}")),
                             "qualifying": f.country in north_america, "value_usd": c.value_usd, "assumed": c.assumed})
    return rows


def _mineral_rows(battery: Any, facilities: dict[str, Any], det: Determination, north_america: set[str],
                  fta_or_us: set[str]) -> list[dict[str, Any]]:
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
