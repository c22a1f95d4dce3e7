"""The steps of the IRC §30D decision, one function each, run in the order `rules/credit_order.yaml` gives.

A step tests one requirement, records what it found as a `Check` (under the name, and with the citation,
the file gives it) and either decides the verdict (a `Decision`) or lets the next step run. The first
decision ends the order, as the statute's requirements are cumulative: a vehicle that fails one gets no
credit whatever the later ones say.

A fact a step needs but the dataset does not give (an MSRP, the final-assembly country, the battery's
critical minerals, a part whose supplier cannot be judged) never counts as met: the step records a check
with outcome `cannot_be_determined` (what is missing and what would decide it) and lets the order go on.
A later step that clearly denies the credit still decides (the requirements are cumulative, so the
answer "no credit" stands whatever the missing fact would be); any other decision becomes
`cannot_be_determined`, credit 0, naming every missing fact (`decide`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from feoc.determine.determination import Determination
from feoc.determine.findings import Finding
from feoc.law.credit_order import Step
from feoc.law.data import Parameter
from feoc.law.law import Law
from feoc.verdicts.status import Status
from feoc.verdicts.vehicle_parts import Check, Half

EXCLUDING = ("excluded_component", "excluded_mineral")  # the conclusions of the 30D(d)(7) rules
UNDETERMINED_PART = "undetermined_part"  # a part whose FEOC test the data cannot decide (rules/credit/undetermined-*)
MINERALS_HALF = "critical_minerals"  # the half of rules/credit_order.yaml whose records are the battery's minerals
UNKNOWN = "cannot_be_determined"  # the outcome of a check whose fact is missing
DENIALS = (Status.not_eligible, Status.terminated, Status.no_credit)  # clear answers whatever is missing
TRANSITION = "transition"  # the `credit_phase` value of the pre-2023 credit (law/data.py, kind "phase")


class Decision(NamedTuple):
    status: Status
    credit: float
    reason: str
    rule: str  # the deciding rule the verdict names


@dataclass
class Case:
    """What the steps read (the vehicle, its dates, the law, the determination) and what they add to."""

    law: Law
    det: Determination
    vehicle: Any
    facilities: dict[str, Any]
    on: dt.date
    acquired: dt.date
    excluded: list[Finding]
    halves: dict[str, Half]
    checks: list[Check]
    notes: list[str]
    open_rules: list[str] = field(default_factory=list)  # what each missing fact's check names as its rule

    def param(self, name: str) -> Any:
        return self.law.param(name, self.on)

    def unknown(self, step: Step, detail: str, citation: str | None = None, rule: str = "") -> None:
        """Record that the step cannot be decided from the data: `detail` says what is missing and what
        would decide it; `rule` is the rule or parameter the missing fact is needed for (default: the
        step's). The order goes on (`decide`)."""
        self.check(step, UNKNOWN, detail, citation)
        self.open_rules.append(rule or step.decides_as or step.step)

    def check(self, step: Step, outcome: str, detail: str, citation: str | None = None) -> None:
        """Record the step's check; it cites the step's parameter, else the step's own citation."""
        if citation is None:
            citation = self.law.parameters[step.parameter].citation if step.parameter else step.citation
        self.checks.append(Check(step.check, outcome, detail, citation))


def acquisition_deadline(case: Case, step: Step) -> Decision | None:
    """P.L. 119-21 §70502 (IRC 30D(h)): no credit for a vehicle acquired after the last day."""
    last = case.law.param(step.parameter, case.acquired)
    if last and case.acquired > last:
        case.check(step, "fail", f"acquired {case.acquired}, after {last}")
        return Decision(Status.terminated, 0, f"no credit: terminated for vehicles acquired after {last}",
                        step.decides_as)
    return None


def credit_in_force(case: Case, step: Step) -> Decision | None:
    """The IRA credit applies to vehicles placed in service from the first date of `credit_phase`."""
    if case.param(step.parameter) is not None:
        return None
    first = case.law.parameters[step.parameter].changes()[0]
    case.check(step, "not_applicable", f"placed in service before {first}")
    return Decision(Status.not_in_force, 0, f"not yet in force: the IRA rules apply to vehicles placed in service from "
                    f"{first} (the earlier capacity-based credit is not modelled)", step.decides_as)


def final_assembly(case: Case, step: Step) -> Decision | None:
    """IRC 30D(d)(1)(G): final assembly in North America; cannot be determined when the dataset does not say
    where (neither `final_assembly_country` nor an `assembled_at` facility). Not applicable to a vehicle sold
    (acquired) before the requirement and placed in service while the prior rules could still be kept
    (`prior_rules`: the last such acquisition date on the placed-in-service date; IRA §13401)."""
    sold_by = case.param(step.prior_rules) if step.prior_rules else None
    if sold_by and case.acquired <= sold_by:
        case.check(step, "not_applicable", f"acquired {case.acquired}, on or before {sold_by}, and placed in service "
                   f"{case.on}: the rules before the requirement apply", case.law.parameters[step.prior_rules].citation)
        return None
    region = set(case.param(step.parameter) or [])
    vehicle = case.vehicle
    assembly = vehicle.final_assembly_country or (case.facilities[vehicle.assembled_at].country
                                                  if vehicle.assembled_at else None)
    if assembly is None:
        case.unknown(step, f"vehicle {vehicle.id}: the dataset gives no final assembly country; add "
                     f"`final_assembly_country:` (or `assembled_at:` a facility): in {_listing(region)} it passes, "
                     "elsewhere the vehicle is not eligible")
    elif assembly not in region:
        case.check(step, "fail", f"final assembly in {assembly}")
        return Decision(Status.not_eligible, 0, f"not eligible: final assembly in {assembly}, outside North America",
                        step.decides_as)
    else:
        case.check(step, "pass", f"final assembly in {assembly}")
    return None


def transition_credit(case: Case, step: Step) -> Decision | None:
    """IRA §13401(e)(3): in the transition phase the pre-2023 credit applies; its maximum is shown."""
    if case.param(step.parameter) != TRANSITION:
        return None
    start, end = _span(case.law.parameters[step.parameter], TRANSITION)
    amount = case.param(step.amount)
    if step.note:
        case.notes.append(step.note.format(start=start, end=end, amount=amount))
    return Decision(Status.eligible, amount, step.reason.format(start=start, end=end, amount=amount), step.decides_as)


def msrp_cap(case: Case, step: Step) -> Decision | None:
    """IRC 30D(f)(11): the MSRP limit of the vehicle's class; cannot be determined without an MSRP or a class
    (unless even the highest cap of any class is exceeded)."""
    vehicle = case.vehicle
    caps = case.param(step.parameter) or {}
    msrp, cls = vehicle.msrp_usd, vehicle.vehicle_class
    if msrp is None or not cls:
        return _msrp_unknown(case, step, caps)
    cap = caps.get(cls)
    if cap is None:
        case.unknown(step, f"vehicle {vehicle.id}: no MSRP cap for the class `{cls}` on {case.on}; use one of: "
                     f"{', '.join(sorted(caps))}")
        return None
    if msrp > cap:
        case.check(step, "fail", f"MSRP {msrp:,.0f} USD over the {cap:,.0f} USD cap for a {cls}")
        return Decision(Status.not_eligible, 0, f"not eligible: MSRP over the {cap:,.0f} USD cap", step.decides_as)
    case.check(step, "pass", f"MSRP {msrp:,.0f} USD within the {cap:,.0f} USD cap for a {cls}")
    return None


def _msrp_unknown(case: Case, step: Step, caps: dict[str, float]) -> Decision | None:
    """No MSRP, or no class: an MSRP over every class's cap, or within every class's cap, still decides;
    otherwise the cap cannot be checked."""
    vehicle, msrp = case.vehicle, case.vehicle.msrp_usd
    if msrp is not None and caps and msrp > max(caps.values()):
        top = max(caps.values())
        case.check(step, "fail", f"MSRP {msrp:,.0f} USD over the highest cap of any class ({top:,.0f} USD)")
        return Decision(Status.not_eligible, 0, f"not eligible: MSRP over the {top:,.0f} USD cap", step.decides_as)
    if msrp is not None and caps and msrp <= min(caps.values()):  # within every class's cap: the class cannot matter
        case.check(step, "pass", f"MSRP {msrp:,.0f} USD within the lowest cap of any class ({min(caps.values()):,.0f} "
                   f"USD); `vehicle_class` not recorded")
        return None
    if msrp is None:
        caps_text = ", ".join(f"{c} {v:,.0f} USD" for c, v in sorted(caps.items()))
        case.unknown(step, f"vehicle {vehicle.id}: the dataset gives no MSRP; add `msrp_usd:` (and `vehicle_class:`): "
                     f"at or under the class's cap ({caps_text}) it passes, over it the vehicle is not eligible")
    else:
        case.unknown(step, f"vehicle {vehicle.id}: the dataset gives no vehicle class for the MSRP of {msrp:,.0f} USD; "
                     f"add `vehicle_class:` ({', '.join(sorted(caps))}): the cap depends on it")
    return None


def excluded_entities(case: Case, step: Step) -> Decision | None:
    """IRC 30D(d)(7): no battery component or critical mineral from a foreign entity of concern. The tests
    are the rules concluding `excluded_*`; before the first is in force the check says when each starts."""
    if case.excluded:
        first = case.excluded[0]
        what = "battery component" if first.conclusion == "excluded_component" else "critical mineral"
        case.check(step, "fail", f"{len(case.excluded)} excluded {what}(s) or mineral(s); first: {first.explanation}",
                   first.citation)
        part = first.fact("component") or first.fact("mineral")
        return Decision(Status.not_eligible, 0, f"not eligible: {what} {part} ({first.fact('step')} at "
                        f"{first.fact('facility')}) by a foreign entity of concern", first.rule_id)
    tests = {r.id: r.source.rule for r in case.det.ruleset.rules if r.conclusion in EXCLUDING}
    citation = "; ".join(sorted({t.citation for t in tests.values()}))
    gaps = _part_gaps(case, {t.then.conclusion for t in tests.values()})
    if gaps:
        undecided = sorted({f.rule_id for f in case.det.about(case.vehicle.id) if f.conclusion == UNDETERMINED_PART})
        case.unknown(step, "; ".join(gaps), citation, ", ".join(undecided) or step.step)
    elif tests:
        named = ", ".join(f"{tests[rid].label or tests[rid].title} ({rid})" for rid in sorted(tests))  # issue 18
        case.check(step, "pass", f"no excluded component or mineral; tests in force: {named}", citation)
    else:
        later = sorted((src.rule.effective.start, src.rule.id, src.rule.label or src.rule.title)
                       for src in case.law.rules if src.rule.then.conclusion in EXCLUDING)
        case.check(step, "not_applicable", "the excluded-entity tests are not yet in force: "
                   + ", ".join(f"{words} ({rule}) from {start}" for start, rule, words in later))
    return None


def _part_gaps(case: Case, in_force: set[str]) -> list[str]:
    """What keeps the excluded-entity tests in force from being decided: the parts the `undetermined_part`
    rules found (a facility whose record ended, an operator that cannot be determined, an untraced
    mineral...), and a battery with no critical-mineral records while the excluded-mineral test applies."""
    gaps = list(dict.fromkeys(f.explanation for f in case.det.about(case.vehicle.id)
                              if f.conclusion == UNDETERMINED_PART))
    minerals = case.halves.get(MINERALS_HALF)
    if "excluded_mineral" in in_force and minerals is not None and minerals.records == 0:
        gaps.append(f"battery {case.vehicle.battery} records no critical minerals, so the excluded-mineral test (IRC "
                    "30D(d)(7)(A)) cannot be checked; add its `critical_minerals:` with the facilities that extracted, "
                    "processed or recycled them: one by a foreign entity of concern makes the vehicle not eligible")
    return gaps


def before_sourcing(case: Case, step: Step) -> Decision | None:
    """Until the sourcing requirements apply (IRC 30D(e); Notice 2023-1) the whole credit is granted."""
    if case.param(step.parameter):
        return None
    full = case.param(step.amount)
    start = case.law.parameters[step.parameter].first_true()
    return Decision(Status.eligible, full, f"eligible for {full:,.0f} USD: the sourcing requirements apply only from "
                    f"{start}", step.decides_as)


def sourcing_halves(case: Case, step: Step) -> Decision:
    """IRC 30D(b)(2), (b)(3): each half met is worth its amount; the deciding rules are the halves' rules."""
    rules = {h.half: h.rule for h in case.law.credit_order.halves}
    unknown = [h for h in case.halves.values() if h.missing]
    if unknown:  # a half without values cannot be judged met or not: the credit is not known
        case.checks.append(Check("sourcing requirements", UNKNOWN, "; ".join(h.missing for h in unknown),
                                 "; ".join(h.citation for h in unknown)))
        case.open_rules.extend(rules[h.name] for h in unknown)
    credit = sum(h.amount_usd for h in case.halves.values())
    met = [name for name, h in case.halves.items() if h.meets]
    every = ", ".join(rules.values())
    if len(met) == len(case.halves):
        return Decision(Status.eligible, credit, f"eligible for {credit:,.0f} USD: both sourcing requirements met",
                        every)
    if met:
        missing = next(name for name in case.halves if name not in met).replace("_", " ")
        return Decision(Status.partial, credit, f"eligible for {credit:,.0f} USD: {missing} requirement not met",
                        rules[met[0]])
    if unknown:  # a half that cannot be judged is not a half "not met": its value could still earn its amount
        return Decision(Status.cannot_be_determined, 0, "cannot be determined: no sourcing requirement is known to be "
                        "met", ", ".join(rules[h.name] for h in unknown))
    return Decision(Status.not_eligible, 0, "not eligible: neither sourcing requirement met", every)


def _span(param: Parameter, value: Any) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day `param` has `value` (the last is None when the value holds on)."""
    for i, (start, v) in enumerate(param.values):
        if v == value:
            later = param.values[i + 1][0] if i + 1 < len(param.values) else None
            return start, (later - dt.timedelta(days=1) if later else None)
    return None, None


STEPS: dict[str, Callable[[Case, Step], Decision | None]] = {
    "acquisition_deadline": acquisition_deadline, "credit_in_force": credit_in_force,
    "final_assembly": final_assembly, "transition_credit": transition_credit, "msrp_cap": msrp_cap,
    "excluded_entities": excluded_entities, "before_sourcing": before_sourcing, "sourcing_halves": sourcing_halves,
}  # tests/test_credit_order.py holds these names equal to law/credit_order.py STEPS_30D


def decide(case: Case) -> Decision:
    """Run the steps in the file's order; the first decision is the verdict (the file ends with a step
    that always decides: the loader checks it)."""
    for step in case.law.credit_order.steps_30d:
        decision = STEPS[step.step](case, step)
        if decision is not None:
            return _unless_missing(case, decision)
    raise RuntimeError("the §30D order of rules/credit_order.yaml ended without a decision")


def _unless_missing(case: Case, decision: Decision) -> Decision:
    """The decision, unless a fact it rests on is missing: a clear denial (or a date before the credit)
    stands, any grant becomes `cannot_be_determined` naming every missing fact (the shared contract of
    issue 14: a missing fact never counts as compliance)."""
    missing = [c for c in case.checks if c.outcome == UNKNOWN]
    if not missing or decision.status in DENIALS or decision.status == Status.not_in_force:
        return decision
    what = "; ".join(f"{c.name}: {c.detail}" for c in missing)
    return Decision(Status.cannot_be_determined, 0, f"cannot be determined: {what}",
                    ", ".join(dict.fromkeys(case.open_rules)) or decision.rule)


def _listing(codes: set[str]) -> str:
    """A set of country codes as the checks print them."""
    return ", ".join(sorted(codes)) or "(none on this date)"
