"""Negative evidence: what was checked for an entity (or a facility's activities) on a date, so that a clear
"not a FEOC" shows its work, never an empty list of findings (issue 14 item 6).

One entry per §30D prong in force on the date (each rule of the compiled ruleset that applies to the
subject, 42 U.S.C. 18741(a)(5)(A)-(E) as interpreted by DOE, 89 FR 37079), with the facts looked at:
the subject's own record against each condition of the rule (a covered-nation list is named with its
parameter and its value on the date), the listings in force, the licences naming the subject as licensee
with whether each licensor is a FEOC, and, per measure, the largest interest any of the reading's holder
groups holds against the threshold, with its ownership path. Every value comes from the dataset, the
determination or the compiled rules (parameters resolved as of the date); none is written here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from feoc.data.dataset import Dataset
from feoc.data.model import MEASURES
from feoc.determine.determination import Determination
from feoc.determine.facts import entity_fact, listing_facts
from feoc.determine.findings import MEASURE_LABEL, holders_label
from feoc.determine.vehicle_facts import facility_facts
from feoc.engine.reference import holds
from feoc.law.compile import CompiledCondition, CompiledRule

_GROUPS = {"fce": "foreign-controlled entities (IRC 7701(a)(51)(C))"}  # §45X's traced group, for the reader
_OP = {"eq": "=", "neq": "!=", "in": "in", "not_in": "not in", "lt": "below", "lte": "at most",
       "gt": "above", "gte": "at least"}


@dataclass(frozen=True)
class Checked:
    """One prong tested for one subject (and, for an interest, one measure): what was looked at and how
    it compares with what the rule needs."""

    rule: str
    title: str
    citation: str
    prong: str
    outcome: str  # met | not met | undetermined
    detail: str
    paths: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "citation": self.citation, "prong": self.prong,
                "outcome": self.outcome, "detail": self.detail, "paths": list(self.paths)}


def _shown(value: Any) -> str:
    if value in ("", None):
        return "not recorded"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, float) and not isinstance(value, bool):
        return f"{value:.2%}"
    return str(value)


def _conditions(rule: CompiledRule) -> list[tuple[CompiledCondition, str]]:
    """The rule's conditions, each with how its reference value is named (a parameter as of the date)."""
    sources = rule.source.rule.when
    out = []
    for compiled, source in zip(rule.all + rule.any, sources.all + sources.any):
        ref = source.value
        name = f"`{ref['param']}` as of {{day}} " if isinstance(ref, dict) and "param" in ref else ""
        out.append((compiled, f"{_OP.get(compiled.op, compiled.op)} {name}{_shown(compiled.value)}"))
    return out


def _compare(rule: CompiledRule, fact: dict[str, Any], day: str, skip: Iterable[str] = ("kind", "subject")) -> str:
    """`field = value, needs …: holds|fails` for each condition of the rule on one fact."""
    parts = []
    for cond, needs in _conditions(rule):
        if cond.field in skip:
            continue
        verdict = "holds" if holds(cond, fact) else "fails"
        parts.append(f"{cond.field} = {_shown(fact.get(cond.field))} (needs {needs.format(day=day)}): {verdict}")
    return "; ".join(parts)


def _outcome(det: Determination, rule: CompiledRule, subject: str, **match: Any) -> str:
    found = [f for f in det.about(subject) if f.rule_id == rule.id
             and all(f.fact(k) == v for k, v in match.items())]
    if not found:
        return "not met"
    return "undetermined" if all(f.conclusion == "undetermined" for f in found) else "met"


def _entry(rule: CompiledRule, outcome: str, detail: str, paths: tuple[str, ...] = ()) -> Checked:
    src = rule.source.rule
    return Checked(rule.id, src.title, src.citation, src.then.prong, outcome, detail, paths)


def _interest(det: Determination, rule: CompiledRule, eid: str, measure: str, day: str) -> Checked:
    """The largest interest any holder group of the reading (or the rule's own group) holds in one measure,
    against the rule."""
    groups = _holders(rule) or sorted(det.sources_by_group)
    label = MEASURE_LABEL.get(measure, measure)
    outcome = _outcome(det, rule, eid, measure=measure)
    # §30D's holder groups are the reading's; a §45X rule names its own group (`holders = fce`)
    under = f" under reading `{det.interpretation.name}`" if rule.fact == "interest" else ""
    if not groups:
        return _entry(rule, outcome, f"{label}: the dataset records no covered holder{under} on {day}, "
                                     "so none holds a stake")
    shares = {g: det.interests.get((eid, measure, g), 0.0) for g in groups}
    group = max(groups, key=lambda g: (shares[g], g))
    tops = {g: det.upper.get((eid, measure, g), 0.0) for g in groups}  # on the share ranges' maxima (issue 20)
    top = max(groups, key=lambda g: (tops[g], g))
    if shares[group] <= 0 < tops[top]:
        fact = {"kind": "interest", "subject": eid, "measure": measure, "holders": top, "share": tops[top]}
        return _entry(rule, outcome, f"{label}: no covered stake on the share ranges' minima; at most {tops[top]:.2%} "
                                     f"on their maxima, held by {_label(top)}{under}; "
                                     + _compare(rule, fact, day, ("kind", "subject", "measure", "holders")),
                      det.interest_paths(eid, measure, top, 3))
    if shares[group] <= 0:
        looked = "; ".join(_label(g) for g in groups)
        return _entry(rule, outcome, f"{label}: no covered holder has any recorded stake (holders looked at"
                                     f"{under}: {looked})")
    fact = {"kind": "interest", "subject": eid, "measure": measure, "holders": group, "share": shares[group]}
    detail = (f"{label}: largest covered interest {shares[group]:.2%}, held by {_label(group)}{under}; "
              + _compare(rule, fact, day, ("kind", "subject", "measure", "holders"))
              + (f" (on the share ranges' minima; at most {tops[top]:.2%} on their maxima)" if tops[top] > shares[group]
                 else ""))
    return _entry(rule, outcome, detail, det.interest_paths(eid, measure, group, 3))


def _label(group: str) -> str:
    return _GROUPS.get(group) or holders_label(group)


def _listings(det: Determination, dataset: Dataset, rule: CompiledRule, eid: str, day: str) -> Checked:
    mine = [x for x in listing_facts(dataset, det.on) if x["subject"] == eid]
    on = ", ".join(sorted(x["list"] for x in mine)) or "none"
    needs = "; ".join(f"list {n.format(day=day)}" for _, n in _conditions(rule))
    hit = any(all(holds(c, x) for c in rule.all) and (not rule.any or any(holds(c, x) for c in rule.any))
              for x in mine)
    return _entry(rule, _outcome(det, rule, eid),
                  f"listings of {eid} in force on {day}: {on} (the rule needs {needs}): {'listed' if hit else 'not listed'}")


def _agreements(det: Determination, dataset: Dataset, rule: CompiledRule, eid: str, day: str) -> Checked:
    mine = [a for a in dataset.agreements_on(det.on) if a.licensee == eid]
    if not mine:
        return _entry(rule, _outcome(det, rule, eid), f"no licence or contract names {eid} as licensee on {day}")
    parts = []
    for a in mine:
        fact = {"kind": "agreement_right", "subject": eid, "agreement": a.id, "licensor": a.licensor,
                "licensor_feoc": det.is_feoc(a.licensor), "right": a.rights[0] if a.rights else ""}
        rights = ", ".join(a.rights) or "rights not recorded"
        tests = "; ".join(_compare(rule, {**fact, "right": r}, day, ("kind", "subject")) for r in a.rights or ("",))
        parts.append(f"{a.kind} {a.id} from {a.licensor} (a FEOC on {day}: {'yes' if fact['licensor_feoc'] else 'no'};"
                     f" rights: {rights}) — {tests}")
    return _entry(rule, _outcome(det, rule, eid), " | ".join(parts))


def _prongs(det: Determination, dataset: Dataset, subject: str,
            other: Callable[[CompiledRule, str], list[Checked]]) -> list[Checked]:
    """Each entity prong in force on the determination's date for `subject`, in the statute's order: the
    direct prongs (its record's fields, its listings) as §30D and §45X both test them; `other` the rest."""
    day = det.on.isoformat()
    record = entity_fact(dataset.entity(subject))
    out: list[Checked] = []
    for rule in det.ruleset.rules:
        if rule.source.rule.applies_to != "entity":
            continue
        if rule.fact == "listing":
            out.append(_listings(det, dataset, rule, subject, day))
        elif rule.fact == "entity":
            out.append(_entry(rule, _outcome(det, rule, subject), _compare(rule, record, day)))
        else:
            out.extend(other(rule, day))
    return sorted(out, key=lambda c: c.prong)  # (A), (B), (C), (D)/(E): the statute's order


def checked_entity(det: Determination, dataset: Dataset, eid: str) -> list[Checked]:
    """Each prong in force on the determination's date for entity `eid`, with what was looked at."""
    def other(rule: CompiledRule, day: str) -> list[Checked]:
        if rule.fact == "agreement_right":
            return [_agreements(det, dataset, rule, eid, day)]
        if rule.fact == "interest":
            return [_interest(det, rule, eid, m, day) for m in MEASURES]
        if rule.fact == "unrecorded_measure":
            return [_unrecorded(det, dataset, rule, eid, day)]
        if rule.fact == "share_range":
            return [_entry(rule, _outcome(det, rule, eid), _share_ranges(det, eid))]
        if rule.fact == "upstream_doubt":
            return [_entry(rule, _outcome(det, rule, eid), "the worst case the data allows (undecided holders and "
                           "licensors as FEOCs, unrecorded voting rights and board seats as 100 %) was judged")]
        return []
    return _prongs(det, dataset, eid, other)


def _share_ranges(det: Determination, eid: str) -> str:
    """The interests in `eid` that shares recorded as ranges leave in an interval (issue 20), or that none do."""
    open_ = sorted((m, g, det.interests.get((e, m, g), 0.0), v) for (e, m, g), v in det.upper.items()
                   if e == eid and v > det.interests.get((e, m, g), 0.0))
    if not open_:
        return "no share recorded as a range `{min, max}` leaves an interest in " + eid + " open (each traced on " \
               "the ranges' minima and maxima where any is recorded)"
    return "; ".join(f"{MEASURE_LABEL.get(m, m)}: between {low:.2%} and {high:.2%} held by {_label(g)}"
                     for m, g, low, high in open_)


def _unrecorded(det: Determination, dataset: Dataset, rule: CompiledRule, eid: str, day: str) -> Checked:
    """The holdings in `eid` that leave a measure unrecorded (rules/feoc/undetermined-unrecorded-measure.yaml)."""
    gaps = []
    for h in dataset.holdings_on(det.on):
        missing = [m for m in MEASURES if h.entity == eid and h.share(m) is None]
        if missing and len(missing) < len(MEASURES):
            stake = max(s for m in MEASURES if (s := h.share(m)) is not None)
            test = _compare(rule, {"stake": stake}, day, ("kind", "subject", "reach"))
            gaps.append(f"{h.holder} records no {', '.join(MEASURE_LABEL.get(m, m) for m in missing)} ({test}"
                        + (f"; no covered holder group of this reading reaches `control_threshold` through {h.holder}"
                           if stake >= _floor(rule) else "; below the floor they are read as none, an assumption: "
                           f"recording {' and '.join(f'`{m}:`' for m in missing)} (0 if none) confirms or changes it")
                        + ")")
    detail = ("holdings in " + eid + f" on {day} with a measure unrecorded: " + ("; ".join(gaps) if gaps else "none"))
    return _entry(rule, _outcome(det, rule, eid), detail)  # (A), (B), (C), (D)/(E): the statute's order


def _floor(rule: CompiledRule) -> float:
    """The stake from which the unrecorded-measure rule reads a gap as undecided (its `stake` condition)."""
    return next((float(c.value) for c in rule.all if c.field == "stake" and c.op == "gte"), 0.0)


def checked_facility(det: Determination, dataset: Dataset, fid: str) -> list[Checked]:
    """Each activity prong in force on the date for facility `fid`, per activity: where it takes place
    and whether its operator is a FEOC (for the whole or for that activity, through a scoped licence)."""
    day = det.on.isoformat()
    facts = [f for f in facility_facts(dataset, det.feoc, det.scoped) if f["subject"] == fid]
    out: list[Checked] = []
    rules = [r for r in det.ruleset.rules if r.source.rule.applies_to == "facility" and r.fact == "activity"]
    for fact in sorted(facts, key=lambda f: f["activity"]):
        for rule in rules:
            detail = f"{fact['activity']} (operator {fact['operator']}, in {fact['country']}): " + _compare(
                rule, fact, day, ("kind", "subject", "activity"))
            out.append(_entry(rule, _outcome(det, rule, fid, activity=fact["activity"]), detail))
    return out


def _holders(rule: CompiledRule) -> list[str]:
    """The holder group a rule names (`holders = fce`), if any."""
    return [c.value for c in rule.all if c.field == "holders" and c.op == "eq"]


def _traced(rule: CompiledRule, det: Determination, subject: str) -> bool:
    """Whether the rule tests the `share` of a holder group whose interests in `subject` the determination kept
    (the tracer's groups; the SFE interests of §45X are computed for the rules and not kept). Asked of the
    subject, not of the whole dataset: what is shown for it then depends only on what is above it (issue 17,
    `determine.closure`)."""
    groups = _holders(rule)
    tests_share = any(c.field == "share" for c in rule.all)
    return tests_share and bool(groups) and any((subject, m, groups[0]) in det.interests for m in MEASURES)


def checked_operator_45x(det: Determination, dataset: Dataset, operator: str, law: Any) -> list[Checked]:
    """The prohibited-foreign-entity prongs in force for a §45X operator (IRC 7701(a)(51)-(52), P.L. 119-21
    §70514), with what was looked at: its record, its listings, the interests of foreign-controlled
    entities traced to it; for the specified-foreign-entity interests, debt, officers and contracts, the
    conditions no fact about it met (those facts are computed in the determination, not kept)."""
    def other(rule: CompiledRule, day: str) -> list[Checked]:
        if _traced(rule, det, operator):
            return [_interest(det, rule, operator, m, day) for m in MEASURES]
        needs = "; ".join(f"{c.field} {n.format(day=day)}" for c, n in _conditions(rule))
        return [_entry(rule, _outcome(det, rule, operator),
                       f"no `{rule.fact}` fact about {operator} on {day} meets the rule (needs {needs})")]
    return _prongs_once(_prongs(det, dataset, operator, other), law)


def _prongs_once(checked: list[Checked], law: Any) -> list[Checked]:
    """The operator's prohibited-foreign-entity prongs in force on the day its status is tested (the compiled
    rules of that day), each once: the measures of one ownership test on one line (equity, voting rights, board
    seats), outcome met if any is, else undetermined if any is. The data-gap rules (conclusion `undetermined`)
    are not prongs of IRC 7701(a)(51): when they fire they are findings and `missing` facts, not a check."""
    gaps = {src.rule.id for src in law.rules if src.rule.then.conclusion == "undetermined"}
    merged_: dict[str, Checked] = {}
    for c in checked:
        if c.rule in gaps:
            continue
        seen = merged_.get(c.rule)
        if seen is None:
            merged_[c.rule] = c
            continue
        outcome = next((o for o in ("met", "undetermined") if o in (seen.outcome, c.outcome)), seen.outcome)
        merged_[c.rule] = replace(seen, outcome=outcome, detail=f"{seen.detail}; {c.detail}",
                                  paths=tuple(dict.fromkeys(seen.paths + c.paths)))
    return list(merged_.values())
