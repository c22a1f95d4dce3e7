"""Verdicts for one subject (an entity or a facility) on a date, across the interpretations of the law.

A verdict carries the findings that decided it, the upstream findings that explain them (why a holder
on the ownership path is itself a FEOC), each judged reading's answer, the agreed status ("contested" when the
readings disagree, "cannot be determined" when a fact is missing) and the facts it lacks.
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
from feoc.verdicts.attested import above, entity_reliance, mark_checked, settle_facility
from feoc.verdicts.checked import Checked, checked_entity, checked_facility
from feoc.verdicts.readings import (
    feoc_test_in_force,
    interpretation_notes,
    judged_readings,
    missing_from,
    not_in_force_reason,
    reading,
)
from feoc.verdicts.status import Missing, Status, agreed, exit_code


@dataclass
class SubjectVerdict:
    """Is an entity (or a facility's activities) a foreign entity of concern on a date (42 U.S.C. 18741(a)(5))?

    `status` is the readings' agreed status (`verdicts.status.agreed`); the findings shown are those of the
    reading named by `interpretation` (the one asked for, or the default)."""

    kind: str  # entity | facility
    subject: str
    name: str
    on: dt.date
    interpretation: str
    status: Status
    findings: list[Finding]
    upstream: list[Finding] = field(default_factory=list)
    readings: dict[str, Status] = field(default_factory=dict)  # each judged reading's status
    activities: dict[str, bool] = field(default_factory=dict)  # facility: activity -> performed by a FEOC
    notes: list[str] = field(default_factory=list)
    checked: list[Checked] = field(default_factory=list)  # what was looked at (verdicts.checked)
    missing: list[Missing] = field(default_factory=list)
    # attestations relied on (26 CFR 1.30D-6(b)), and those not relied on with why (verdicts.attested)
    relies_on: list[dict[str, Any]] = field(default_factory=list)
    not_relied_on: list[dict[str, Any]] = field(default_factory=list)

    @property
    def feoc(self) -> bool:
        """A clear yes: a FEOC under every reading judged."""
        return self.status == Status.feoc

    @property
    def contested(self) -> bool:
        return self.status == Status.contested

    def exit_code(self) -> int:
        """`feoc check entity|facility`: 0 not a FEOC or not in force, 1 a FEOC, 4 cannot be determined,
        5 contested (`verdicts.status.EXIT_CODES`)."""
        return exit_code(self.status)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject, "kind": self.kind, "name": self.name, "on": self.on.isoformat(),
            "interpretation": self.interpretation, "status": self.status, "feoc": self.feoc,
            "contested": self.contested, "readings": dict(sorted(self.readings.items())),
            "activities": dict(sorted(self.activities.items())) if self.kind == "facility" else None,
            "findings": [f.as_dict() for f in self.findings],
            "upstream_findings": [f.as_dict() for f in self.upstream],
            "missing": [m.as_dict() for m in self.missing], "notes": list(self.notes),
            "checked": [c.as_dict() for c in self.checked],
            "relies_on": self.relies_on, "not_relied_on": self.not_relied_on,
        }


def _upstream(det: Determination, findings: list[Finding], limit: int = 50,
              conclusions: tuple[str, ...] = ("feoc",)) -> list[Finding]:
    """Findings that explain the sources named in ownership paths and licences, transitively, once each."""
    seen: set[str] = set()
    queue: list[str] = []
    for f in findings:
        queue.extend(f.path_sources)
        if f.fact("operator") and f.rule_id == "feoc-operator":
            queue.append(f.fact("operator"))
        if f.fact("licensor"):
            queue.append(f.fact("licensor"))
    out: list[Finding] = []
    while queue and len(seen) < limit:
        subject = queue.pop(0)
        if subject in seen:
            continue
        seen.add(subject)
        mine = [f for f in det.about(subject) if f.conclusion in conclusions]
        out.extend(mine)
        for f in mine:
            queue.extend(s for s in f.path_sources if s not in seen)
            if f.fact("licensor"):
                queue.append(f.fact("licensor"))
    return out


def _readings(dataset: Dataset, day: dt.date, law: Law, evaluator: str, names: list[str],
              upto: str = "vehicles") -> dict[str, Determination]:
    return {name: determine(dataset, day, law, name, evaluator, upto) for name in names}


def _determinations(dataset: Dataset, day: dt.date, law: Law, interpretation: str | None,
                    evaluator: str, given: dict[str, Determination] | None,
                    upto: str) -> tuple[str, dict[str, Determination]]:
    """The shown reading's canonical name and the determinations of the readings judged: the one
    `interpretation` names, or every reading (computed, as far as the stage `upto`, unless given)."""
    names = judged_readings(law, interpretation)
    dets = {name: given[name] for name in names} if given else _readings(dataset, day, law, evaluator, names, upto)
    return reading(law, interpretation), dets


def _not_in_force(kind: str, subject: str, name: str, day: dt.date, law: Law,
                  interpretation: str | None) -> SubjectVerdict:
    """Before any FEOC test exists the answer is "not in force", not "not a FEOC" (feoc-law.md §7.4)."""
    names = judged_readings(law, interpretation)
    return SubjectVerdict(kind, subject, name, day, reading(law, interpretation), Status.not_in_force, [],
                          readings=dict.fromkeys(names, Status.not_in_force), notes=[not_in_force_reason(law, day)])


def _status(feoc: bool, findings: list[Finding]) -> Status:
    """One reading's answer: a FEOC whatever else is missing; else cannot be determined when a prong is
    undecided for want of a fact (an `undetermined` finding); else not a FEOC."""
    if feoc:
        return Status.feoc
    if any(f.conclusion == "undetermined" for f in findings):
        return Status.cannot_be_determined
    return Status.not_feoc


def _undecided(about: dict[str, list[Finding]], statuses: dict[str, Status], law: Law) -> list[Missing]:
    """The missing facts of the readings that cannot be decided: a verdict a known fact decides (a FEOC
    whatever else is missing) has nothing left "to decide", though its findings still show the gap."""
    return missing_from([f for name, fs in about.items() if statuses[name] == Status.cannot_be_determined
                         for f in fs], law)


def _add_other_readings(verdict: SubjectVerdict, dets: dict[str, Determination], statuses: dict[str, Status],
                        decisive: Any) -> None:
    """A contested verdict also shows what decided each reading that answers otherwise than the one shown
    (each finding names its reading), so an auditor can check every side of the contest by hand."""
    if verdict.status != Status.contested:
        return
    shown = statuses.get(verdict.interpretation)
    for name in sorted(dets):
        if name == verdict.interpretation or statuses[name] == shown:
            continue
        if any(statuses[other] == statuses[name] for other in sorted(dets) if other < name
               and other != verdict.interpretation):
            continue  # the first reading with this answer stands for the others
        mine = decisive(dets[name])
        verdict.findings += mine
        verdict.upstream += [f for f in _upstream(dets[name], mine) if f not in verdict.upstream]


def entity_verdict(dataset: Dataset, eid: str, day: dt.date, law: Law,
                   interpretation: str | None = None, evaluator: str = "durable-rules",
                   determinations: dict[str, Determination] | None = None) -> SubjectVerdict:
    """Is entity `eid` a FEOC on `day`: under the reading `interpretation` names, or under every reading
    (contested when they disagree)?"""
    if not feoc_test_in_force(law, day):
        return _not_in_force("entity", eid, dataset.entity(eid).name, day, law, interpretation)
    chosen, dets = _determinations(dataset, day, law, interpretation, evaluator, determinations, "entities")
    about = {name: d.about(eid) for name, d in dets.items()}
    statuses = {name: _status(d.is_feoc(eid), about[name]) for name, d in dets.items()}
    det = dets.get(chosen) or next(iter(dets.values()))
    findings = [f for f in det.about(eid) if f.conclusion in ("feoc", "undetermined")]
    verdict = SubjectVerdict("entity", eid, dataset.entity(eid).name, day, chosen, agreed(statuses.values()),
                             findings, _upstream(det, [f for f in findings if f.conclusion == "feoc"]), statuses,
                             missing=_undecided(about, statuses, law),
                             notes=interpretation_notes(law, day))
    verdict.checked = checked_entity(det, dataset, eid)
    verdict.relies_on, verdict.not_relied_on = entity_reliance(dets, above(dataset, day, [eid]))
    verdict.checked = mark_checked(verdict.checked, verdict.relies_on, {eid})
    _add_other_readings(verdict, dets, statuses, lambda d: [f for f in d.about(eid) if f.conclusion == "feoc"])
    scoped = det.scoped.get(eid)
    if scoped:
        verdict.notes.append("a FEOC has effective control over these activities only: " + ", ".join(sorted(scoped)))
    return verdict


def facility_verdict(dataset: Dataset, fid: str, day: dt.date, law: Law,
                     interpretation: str | None = None, evaluator: str = "durable-rules",
                     determinations: dict[str, Determination] | None = None) -> SubjectVerdict:
    """Which of facility `fid`'s activities are performed by a FEOC on `day` (any one makes it FEOC); it
    cannot be determined when the facility or its operator has an undecided prong."""
    facility = dataset.facility(fid)
    if not feoc_test_in_force(law, day):
        return _not_in_force("facility", fid, facility.name, day, law, interpretation)
    chosen, dets = _determinations(dataset, day, law, interpretation, evaluator, determinations, "facilities")
    about = {name: d.about(fid) + d.about(facility.operator) for name, d in dets.items()}
    statuses = {name: _status(bool(d.activity_findings(fid)), about[name]) for name, d in dets.items()}
    relied, refused = settle_facility(dataset, fid, day, dets, about, statuses)
    det = dets.get(chosen) or next(iter(dets.values()))
    findings = det.activity_findings(fid) + [f for f in about.get(chosen, []) if f.conclusion == "undetermined"]
    activities = {a: bool(det.activity_findings(fid, a)) for a in facility.activities}
    verdict = SubjectVerdict("facility", fid, facility.name, day, chosen, agreed(statuses.values()), findings,
                             _upstream(det, det.activity_findings(fid)), statuses, activities,
                             missing=_undecided(about, statuses, law),
                             notes=interpretation_notes(law, day))
    verdict.checked = checked_facility(det, dataset, fid)
    operator_relied, operator_refused = entity_reliance(dets, above(dataset, day, [facility.operator]))
    verdict.relies_on, verdict.not_relied_on = relied + operator_relied, refused + operator_refused
    verdict.checked = mark_checked(verdict.checked, verdict.relies_on, {fid, facility.operator})
    _add_other_readings(verdict, dets, statuses, lambda d: d.activity_findings(fid))
    if not facility.in_force(day):
        _out_of_record(verdict, facility)
    if facility.status != "operating":
        verdict.notes.append(f"status in the dataset: {facility.status.replace('_', ' ')}")
    return verdict


def _out_of_record(verdict: SubjectVerdict, facility: Any) -> None:
    """A facility whose record (`from`/`until`) does not cover the date: who ran it then, and where, is not
    recorded, so "no activity performed by a FEOC" would be a missing fact counted as compliance (issue 14).
    Unless a reading already finds a FEOC activity, every reading's answer is *cannot be determined*."""
    span = f"from {facility.start or 'an unrecorded date'}" + (f" until {facility.end}" if facility.end else "")
    verdict.notes.append(f"the facility's record runs {span} and does not cover {verdict.on.isoformat()}")
    if verdict.status == Status.feoc:
        return
    verdict.readings = {name: (status if status == Status.feoc else Status.cannot_be_determined)
                        for name, status in verdict.readings.items()}
    verdict.status = agreed(verdict.readings.values())
    verdict.activities = {}
    verdict.missing.append(Missing(verdict.subject, "a record of the facility on the date",
                                   f"a record of facility `{verdict.subject}` in force on {verdict.on.isoformat()} "
                                   f"(`from:`/`until:`), with its operator and country"))
