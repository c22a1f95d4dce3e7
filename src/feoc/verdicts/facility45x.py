"""The §45X verdict for a manufacturing facility on a date: is its operator (the taxpayer) a prohibited
foreign entity, and does each eligible component it makes have material assistance from one?
(IRC 45X as amended by P.L. 119-21 §70514; IRC 7701(a)(51)-(52).) What the dataset does not say is
reported as "cannot be determined: missing X", never guessed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.attestations import about
from feoc.determine.findings import Finding
from feoc.determine.regime45x import Determination45X, determine45x
from feoc.determine.taxable_year import rules_day_45x, status_timing
from feoc.law.law import Law
from feoc.verdicts.checked import Checked, checked_operator_45x
from feoc.verdicts.pfe_reasons import merged, open_facts, with_chains
from feoc.verdicts.readings import missing_from
from feoc.verdicts.status import Missing, Status, exit_code
from feoc.verdicts.subject import _upstream

PFE_CONCLUSIONS = ("foreign_controlled", "sfe", "fie")  # the 45x rules' conclusions that make a PFE


@dataclass
class Product45X:
    product: str
    product_class: str
    outcome: str  # pass | material_assistance | phased_out | cannot_be_determined | operator_pfe
    ratio: float | None
    threshold: float | None
    total_cost_usd: float
    pfe_cost_usd: float
    pfe_suppliers: list[str]
    detail: str
    binding_contract_usd: float = 0.0  # PFE inputs under a contract before `macr_binding_contract_before`, left out
    # supplier certifications relied on to close a gap, and those not relied on with why (IRS Notice 2026-15)
    relies_on: list[dict[str, Any]] = field(default_factory=list)
    not_relied_on: list[dict[str, Any]] = field(default_factory=list)
    # the ratio with the inputs of suppliers the data cannot decide counted as a PFE's, and those suppliers
    ratio_worst: float | None = None
    undecided_suppliers: list[str] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """The product's own answer in the status vocabulary of the plant (eligible, no credit, cannot be
        determined); the plant's status is decided from these in `_decide`."""
        return {"pass": Status.eligible, "material_assistance": Status.no_credit, "phased_out": Status.no_credit,
                "operator_pfe": Status.no_credit}.get(self.outcome, Status.cannot_be_determined)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "status": self.status}


@dataclass
class Facility45XVerdict:
    subject: str
    name: str
    on: dt.date
    operator: str
    status: Status  # eligible | partly_eligible | no_credit | cannot_be_determined | not_applicable | not_in_force
    reason: str
    operator_pfe: bool | None  # None before the rules are in force: no claim either way (feoc-law.md §7.6)
    operator_findings: list[Finding]
    upstream: list[Finding]
    products: list[Product45X]
    findings: list[Finding] = field(default_factory=list)  # MACR findings for the facility
    notes: list[str] = field(default_factory=list)
    checked: list[Checked] = field(default_factory=list)  # the operator's PFE prongs looked at (verdicts.checked)
    missing: list[Missing] = field(default_factory=list)
    operator_status: str | None = None  # the operator's PFE label (rules/credit_order.yaml); None when not judged
    # other days of the taxable year than the test day on which the operator was foreign-influenced (`_during_year`)
    during_year: list[dict[str, Any]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "facility45x"  # `as_dict` says kind "facility", credit "45x", as it always has

    @property
    def eligible(self) -> bool:
        return self.status in (Status.eligible, Status.partly_eligible, Status.not_in_force)

    def exit_code(self) -> int:
        """`feoc check facility --credit 45x`: 0 the credit (or part of it) is kept or the rules are not in
        force, 1 no credit (or nothing the credit covers), 4 cannot be determined (`verdicts.status.EXIT_CODES`).
        A plant with any product undetermined is 4 unless its operator is a prohibited foreign entity (then 1:
        nothing to decide); see `_decide` and README "Statuses and exit codes". §45X has one reading of ownership
        (the tracing is a parameter); it is contested (5) only where the operator was foreign-influenced on another
        day of its taxable year than the test day (`_during_year`)."""
        return exit_code(self.status)

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "kind": "facility", "credit": "45x", "name": self.name,
                "on": self.on.isoformat(), "operator": self.operator, "status": self.status, "reason": self.reason,
                "eligible": self.eligible, "operator_pfe": self.operator_pfe,
                "operator_status": self.operator_status,
                "operator_findings": [f.as_dict() for f in self.operator_findings],
                "upstream_findings": [f.as_dict() for f in self.upstream],
                "products": [p.as_dict() for p in self.products],
                "findings": [f.as_dict() for f in self.findings], "notes": list(self.notes),
                "missing": [m.as_dict() for m in self.missing], "during_year": list(self.during_year),
                "checked": [c.as_dict() for c in self.checked]}


def facility_products(facility: Any) -> list[str]:
    """The §45X products a facility makes: the battery components in its activities, and critical minerals."""
    out = sorted({a.rsplit("_", 1)[0] for a in facility.activities
                  if a.endswith(("_manufacturing", "_assembly")) and not a.startswith(("battery_pack", "vehicle"))})
    if any(a.startswith("critical_mineral_") for a in facility.activities):
        out.append("critical_mineral")
    return out


def pfe_status(findings: list[Finding], law: Law) -> str:
    """The operator's prohibited-foreign-entity status as a report names it (IRC 7701(a)(51)-(52)), from
    its §45X findings; the labels and their order are law data (rules/credit_order.yaml)."""
    return law.credit_order.operator_status({f.conclusion for f in findings})


def facility_45x_verdict(dataset: Dataset, fid: str, on: dt.date, law: Law,
                         evaluator: str = "durable-rules", det: Determination45X | None = None) -> Facility45XVerdict:
    """Does facility `fid` keep the §45X credit on `on`: its operator's status, then each product's MACR."""
    facility = dataset.facility(fid)
    verdict = Facility45XVerdict(fid, facility.name, on, facility.operator, Status.eligible, "", False, [], [], [])
    verdict.notes.extend(_record_notes(facility, on) + _attestation_note(dataset, facility))
    timing = status_timing(dataset, facility.operator, on, law)  # the operator's taxable year (tax_year_start)
    verdict.notes.append(timing.note)
    if not timing.in_force:
        start = timing.rules_from  # the first day of the operator's first taxable year under the rules
        after = law.parameters["pfe_taxable_years_after"].values[0][1]  # the day the law fixed, whatever the date judged
        verdict.status, verdict.reason = Status.not_in_force, law.credit_order.not_in_force_45x.format(start=start,
                                                                                                        after=after)
        verdict.operator_pfe = None  # nobody is, or is not, a prohibited foreign entity before the rules apply
        return verdict
    if not facility.in_force(on):
        _out_of_record(verdict, facility)
        return verdict
    places = law.param("production_places_45x", on) or ()
    if facility.country not in places:  # IRC 45X: produced within the United States or a possession (IRC 638)
        verdict.operator_pfe = None  # the taxpayer's status decides nothing here: no claim either way
        verdict.status, verdict.reason = Status.not_applicable, (
            f"the facility is in {facility.country}: §45X credits only components produced within the United States "
            f"or a U.S. possession ({', '.join(places)}; parameter production_places_45x, IRC 638)")
        return verdict
    det = det or determine45x(dataset, on, law, evaluator, taxpayer=facility.operator)
    _judge_operator(verdict, det)
    verdict.operator_status = pfe_status(verdict.operator_findings, law)
    verdict.checked = checked_operator_45x(det, dataset, facility.operator, law)
    verdict.findings = _distinct([f for f in det.about(fid) if f.conclusion == "material_assistance"])
    verdict.products = [_product(product, fid, det, law, rules_day_45x(law, on), verdict.findings)
                        for product in facility_products(facility)]
    verdict.notes.extend(_credit_notes(law, on, [p.product_class for p in verdict.products]))
    verdict.status, verdict.reason = _decide(verdict)
    if verdict.operator_pfe:  # decided by the taxpayer's status: no missing fact can change it
        verdict.products = [_operator_pfe(p) for p in verdict.products]
        return verdict
    verdict.missing = open_facts(det, verdict.operator_findings, law) + [
        Missing(fid, f"material_inputs for {p.product}",
                f"add `material_inputs` for {p.product} at {fid} (each input's cost and supplier): the material "
                f"assistance cost ratio against {p.threshold:.0%} decides it" if p.threshold is not None else p.detail)
        for p in verdict.products if p.outcome == Status.cannot_be_determined and p.ratio is None]
    verdict.missing += [m for m in _supplier_gaps(det, fid, verdict.products, law) if m not in verdict.missing]
    _during_year(verdict, det, law)
    return verdict


def _during_year(verdict: Facility45XVerdict, det: Determination45X, law: Law) -> None:
    """The other reading of "during the taxable year" (IRC 7701(a)(51)(D)): the operator is not a PFE on the day
    its status is tested, but was foreign-influenced on another span of the same taxable year, or the data cannot
    say whether it was. Read that way the plant earns no credit, or cannot be determined; feoc's reading (the
    test day, P.L. 119-21 §70514 timing) keeps its answer. A span that cannot be decided makes the plant
    *cannot be determined* (4 before 5), naming what would decide it; otherwise, where the readings disagree,
    the verdict is contested (exit 5), naming both answers. UNCONFIRMED which reading the Treasury takes."""
    spans = det.fie_during_year
    if not spans or verdict.status == Status.no_credit:
        return
    verdict.during_year = [{"from": s.begins.isoformat(), "until": s.ends.isoformat(), "outcome": s.outcome,
                            "findings": [f.as_dict() for f in s.findings]} for s in spans]
    fie = [s for s in spans if s.outcome == "fie"]
    open_ = [s for s in spans if s.outcome == "undetermined"]
    where = "; ".join(f"{s.begins} to {s.ends} ({'; '.join(sorted({f.prong for f in s.findings}))})" for s in fie)
    other = ("read as any day during the taxable year, no credit: " f"{verdict.operator} was foreign-influenced "
             f"{where} (IRC 7701(a)(51)(D) 'during the taxable year', UNCONFIRMED)") if fie else ""
    if open_ and verdict.status != Status.cannot_be_determined:
        spans_text = ", ".join(f"{s.begins} to {s.ends}" for s in open_)
        verdict.reason = (f"read on the day the status is tested, {verdict.status.replace('_', ' ')} — "
                          f"{verdict.reason}; read as any day during the taxable year, cannot be determined: whether "
                          f"{verdict.operator} was foreign-influenced {spans_text} (IRC 7701(a)(51)(D), UNCONFIRMED)"
                          + (f"; {other}" if other else ""))
        verdict.status = Status.cannot_be_determined
    if open_:
        gaps = [m for s in open_ for m in open_facts(s.det, s.findings, law)]
        verdict.missing += [m for i, m in enumerate(gaps) if m not in verdict.missing and m not in gaps[:i]]
    if not fie:
        return
    if verdict.status == Status.cannot_be_determined:
        if other not in verdict.reason:
            verdict.notes.append(f"another reading: {other}")
        return
    tested = det.timing.tested_on if det.timing else verdict.on
    verdict.reason = (f"contested: read on the day the status is tested ({tested}), {verdict.status.replace('_', ' ')}"
                      f" — {verdict.reason}; {other}")
    verdict.status = Status.contested


def _supplier_gaps(det: Determination45X, fid: str, products: list[Product45X], law: Law) -> list[Missing]:
    """For a product undetermined for undecided suppliers: the rule's remedy and each supplier's own gaps."""
    open_ = {p.product for p in products if p.outcome == "cannot_be_determined" and p.ratio is not None}
    found = [f for f in det.about(fid) if f.conclusion == "undetermined_product" and f.fact("product") in open_]
    suppliers = sorted({s for p in open_ for s in det.macr.get((fid, p), {}).get("undecided_suppliers", [])})
    gaps = missing_from(found, law)
    return gaps + [m for m in open_facts(det, [f for s in suppliers for f in det.about(s)], law) if m not in gaps]


def _record_notes(facility: Any, on: dt.date) -> list[str]:
    """What the facility record says about the date: its status."""
    return [f"status in the dataset: {facility.status.replace('_', ' ')}"] if facility.status != "operating" else []


def _attestation_note(dataset: Dataset, facility: Any) -> list[str]:
    """One note when the dataset records attestations about the operator or the facility: §45X reads the
    certifications of `material_inputs` (IRS Notice 2026-15), not the §30D supplier attestations (26 CFR
    1.30D-6(b)), so the user knows why they were not used."""
    ids = sorted(a.id for a in [*about(dataset.attestations, "entity", facility.operator),
                                *about(dataset.attestations, "facility", facility.id)])
    return [f"attestation(s) {', '.join(ids)} about the operator or this facility are not read for §45X: it reads the "
            "certifications on `material_inputs` (IRS Notice 2026-15), not supplier attestations (26 CFR 1.30D-6(b), "
            "a §30D rule; `feoc check facility` without --credit 45x reads them)"] if ids else []


def _out_of_record(verdict: Facility45XVerdict, facility: Any) -> None:
    """A facility whose record (`from`/`until`) does not cover the date: who ran it then — the taxpayer §45X
    asks about — is not recorded, so neither the operator's status nor the products are judged; the verdict
    is *cannot be determined*, naming the record (as `check facility` does for §30D, verdicts.subject)."""
    span = f"from {facility.start or 'an unrecorded date'}" + (f" until {facility.end}" if facility.end else "")
    on = verdict.on.isoformat()
    verdict.operator_pfe = None  # the recorded operator did not run it on the date: no claim either way
    verdict.status = Status.cannot_be_determined
    verdict.reason = (f"the facility's record runs {span} and does not cover {on}: who operated it then "
                      f"(the §45X taxpayer) is not recorded")
    verdict.notes.append(f"the facility's record runs {span} and does not cover {on}")
    verdict.missing.append(Missing(verdict.subject, "a record of the facility on the date",
                                   f"a record of facility `{verdict.subject}` in force on {on} (`from:`/`until:`), "
                                   f"with its operator"))


def _credit_notes(law: Law, on: dt.date, classes: list[str]) -> list[str]:
    """The phase-out of IRC 45X(b)(3) for each product class made (critical minerals have their own schedule,
    feoc-law.md §7.6: `credit_45x.phase_out` of rules/credit_order.yaml), and what the dataset leaves out."""
    notes = []
    for cls in dict.fromkeys(classes):
        schedule = law.credit_order.phase_out_45x.get(cls)
        share = law.param(schedule, on) if schedule else None
        if share is not None and share < 1:
            notes.append(f"§45X phase-out: {share:.0%} of the credit remains for {cls.replace('_', ' ')} sold "
                         f"in {on.year}")
    notes.append("not in the dataset unless recorded: debt held by SFEs (`debt` on holdings), officer appointment "
                 "rights (`appoints_officers`), payments under contracts (`payments`); absent records count as none")
    return notes


def pfe_findings(det: Determination45X, subject: str) -> list[Finding]:
    """`subject`'s prohibited-foreign-entity findings (and the undetermined ones), one per rule and holders with
    each measure inside (`verdicts.pfe_reasons`), each with the chains from its holders to their root reasons."""
    found = merged([f for f in det.about(subject) if f.conclusion in PFE_CONCLUSIONS + ("undetermined",)])
    return list(with_chains(det, found, PFE_CONCLUSIONS))


def _judge_operator(verdict: Facility45XVerdict, det: Determination45X) -> None:
    """The operator's prohibited-foreign-entity findings (and the undetermined ones), and why its holders are PFEs."""
    findings = pfe_findings(det, verdict.operator)
    verdict.operator_findings = findings
    # True a PFE; None when the data cannot decide (no claim either way, as before the rules); False not one
    verdict.operator_pfe = True if verdict.operator in det.pfe else (
        None if any(f.conclusion == "undetermined" for f in findings) else False)
    verdict.upstream = list(merged(_upstream(det, [f for f in findings if f.conclusion != "undetermined"],
                                             conclusions=PFE_CONCLUSIONS)))


def _distinct(findings: list[Finding]) -> list[Finding]:
    """Each finding once: the same rule firing with the same explanation and paths (reached again on a later
    round of the fixed point, or through another reading's key) says nothing new when printed twice."""
    seen: dict[tuple[Any, ...], Finding] = {}
    for f in findings:
        seen.setdefault((f.rule_id, f.subject, f.conclusion, f.explanation, f.paths), f)
    return list(seen.values())


def _product(product: str, fid: str, det: Determination45X, law: Law, on: dt.date,
             findings: list[Finding]) -> Product45X:
    """One product's material assistance cost ratio against its class's threshold (IRC 7701(a)(52))."""
    product_class = "critical_minerals" if product == "critical_mineral" else "battery_components"
    threshold = law.param(law.credit_order.thresholds_45x[product_class], on)
    schedule = law.credit_order.phase_out_45x.get(product_class)
    left = law.param(schedule, on) if schedule else None
    if left is not None and left <= 0:  # IRC 45X(b)(3): nothing of the credit remains, whatever the inputs
        return Product45X(product, product_class, "phased_out", None, threshold, 0.0, 0.0, [],
                          f"no credit: the §45X credit for {product_class.replace('_', ' ')} sold in {on.year} has "
                          f"phased out (`{schedule}`: {left:.0%} remains)")
    data = det.macr.get((fid, product))
    if data is None and threshold is not None and threshold <= 0:  # a ratio is never below 0 %: met whatever the inputs
        return Product45X(product, product_class, "pass", None, threshold, 0.0, 0.0, [],
                          f"met whatever its material inputs: the threshold for {on.year} is {threshold:.0%}")
    if data is None:
        return Product45X(product, product_class, "cannot_be_determined", None, threshold, 0.0, 0.0, [],
                          f"missing material_inputs for {product} at {fid}")
    fired = any(f.fact("product") == product for f in findings)
    open_ = not fired and any(f.conclusion == "undetermined_product" and f.fact("product") == product
                              for f in det.about(fid))
    gap = data["undecided_cost_usd"] > 0  # an interval whatever the outcome: the reader sees what is not known
    ratio = (f"MACR between {data['ratio_worst']:.2%} and {data['ratio']:.2%}" if gap
             else f"MACR {data['ratio']:.2%}")
    detail = (f"{ratio} vs {threshold:.0%} required"
              + (f"; PFE suppliers: {', '.join(data['pfe_suppliers'])}" if data["pfe_suppliers"] else "")
              + (f"; suppliers whose status the data cannot decide: {', '.join(data['undecided_suppliers'])}"
                 if gap else "")
              + "".join(f"; relies on {c['supplier']}'s certification {c['document']} (signed {c['signed']})"
                        for c in data["certifications_relied_on"])
              + "".join(f"; {c['supplier']}'s certification {c['document']} not relied on: {c['why']}"
                        for c in data["certifications_not_relied_on"])
              + _bound_note(data))
    return Product45X(product, product_class, "cannot_be_determined" if open_ else
                      "material_assistance" if fired else "pass", data["ratio"], threshold,
                      data["total_cost_usd"], data["pfe_cost_usd"], data["pfe_suppliers"], detail,
                      float(data.get("binding_contract_usd") or 0.0), data["certifications_relied_on"],
                      data["certifications_not_relied_on"], data["ratio_worst"], data["undecided_suppliers"])


def _operator_pfe(p: Product45X) -> Product45X:
    """A product of a plant whose operator is a prohibited foreign entity: no credit whatever its inputs (IRC 45X
    as amended by P.L. 119-21 §70514), its material assistance cost ratio not judged (nothing to ask for)."""
    return Product45X(p.product, p.product_class, "operator_pfe", None, p.threshold, 0.0, 0.0, [],
                      "the operator is a prohibited foreign entity (material assistance not judged)")


def _bound_note(data: dict[str, Any]) -> str:
    """What the pre-2025-06-16 binding-contract rule left out of the PFE cost (parameter
    `macr_binding_contract_before`; its treatment is UNCONFIRMED), shown whether the product passes or fails."""
    bound = data.get("binding_contract_usd") or 0.0
    return (f"; {bound:,.2f} USD of PFE inputs under a binding written contract before the "
            f"`macr_binding_contract_before` date left out of the PFE cost (UNCONFIRMED treatment)") if bound > 0 else ""


def _decide(verdict: Facility45XVerdict) -> tuple[Status, str]:
    """The plant's status and its reason (issue-14 contract, README "Statuses and exit codes"): the operator
    first — a prohibited-foreign-entity taxpayer gets no credit for anything it makes (IRC 45X as amended
    by P.L. 119-21 §70514), so no product needs deciding — then the products, each on its own MACR
    (IRC 7701(a)(52)). A product that cannot be determined is never hidden: with any, the plant *cannot be
    determined* (exit 4) whatever the others say, the reason naming each product's answer; with none, eligible
    (every product passes), partly eligible (some do) or no credit (none does)."""
    if verdict.operator_pfe:
        prongs = sorted({f.prong for f in verdict.operator_findings if f.conclusion in PFE_CONCLUSIONS})
        return Status.no_credit, (f"no §45X credit: the operator {verdict.operator} is a prohibited foreign entity "
                                  f"({'; '.join(prongs)})")
    operator_open = "; ".join(dict.fromkeys(f.prong for f in verdict.operator_findings
                                            if f.conclusion == "undetermined"))
    if not verdict.products:
        return ((Status.cannot_be_determined, f"operator status {operator_open}") if operator_open else
                (Status.not_applicable, "the facility makes no §45X battery component or critical mineral"))
    failed = [p.product for p in verdict.products if p.outcome == "material_assistance"]
    ended = [p.product for p in verdict.products if p.outcome == "phased_out"]
    passed = [p.product for p in verdict.products if p.outcome == "pass"]
    undetermined = [p for p in verdict.products if p.outcome == "cannot_be_determined"]
    parts = ([f"operator status {operator_open}"] if operator_open else []) + (
        [f"eligible for {', '.join(passed)}"] if passed else []) + (
        [f"no credit for {', '.join(failed)} (material assistance from prohibited foreign entities)"] if failed else []) + (
        [f"no credit for {', '.join(ended)} (the credit has phased out, IRC 45X(b)(3))"] if ended else [])
    failed += ended
    if len(ended) == len(verdict.products):  # nothing is left to earn: no fact about the taxpayer changes that
        return Status.no_credit, "; ".join(parts[1:] if operator_open else parts)
    if undetermined:
        count = f"{len(undetermined)} product{'s' if len(undetermined) > 1 else ''}"
        no_inputs = [p.product for p in undetermined if p.ratio is None]
        parts.append(f"cannot be determined for {count}: " + "; ".join(
            ([f"missing material_inputs for {', '.join(no_inputs)}"] if no_inputs else [])
            + [f"{p.product} ({p.detail})" for p in undetermined if p.ratio is not None]))
        return Status.cannot_be_determined, "; ".join(parts)
    if operator_open:  # whatever the products, the taxpayer may be a PFE
        return Status.cannot_be_determined, "; ".join(parts)
    if failed and passed:
        return Status.partly_eligible, "; ".join(parts)
    if failed:
        return Status.no_credit, "; ".join(parts)
    certs = sorted({c["document"] for p in verdict.products for c in p.relies_on})
    return Status.eligible, ("the operator is not a prohibited foreign entity and every product's MACR meets its "
                             "threshold" + (f", resting on supplier certifications: {', '.join(certs)}" if certs else ""))
