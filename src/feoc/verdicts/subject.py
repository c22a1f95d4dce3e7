"""Verdicts for one subject (an entity or a facility) on a date, across the interpretations of the law.

A verdict carries the findings that decided it, the upstream findings that explain them (why a holder
on the ownership path is itself a FEOC), and whether the readings of the law disagree ("contested").
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
from feoc.verdicts.checked import Checked, checked_entity, checked_facility
from feoc.verdicts.status import Status


@dataclass
class SubjectVerdict:
    """Is an entity (or a facility's activities) a foreign entity of concern on a date (42 U.S.C. 18741(a)(5))?"""

    kind: str  # entity | facility
    subject: str
    name: str
    on: dt.date
    interpretation: str
    feoc: bool
    findings: list[Finding]
    upstream: list[Finding] = field(default_factory=list)
    readings: dict[str, bool] = field(default_factory=dict)
    activities: dict[str, bool] = field(default_factory=dict)  # facility: activity -> performed by a FEOC
    notes: list[str] = field(default_factory=list)
    checked: list[Checked] = field(default_factory=list)  # what was looked at (verdicts.checked)

    @property
    def contested(self) -> bool:
        return len(set(self.readings.values())) > 1

    @property
    def status(self) -> Status:
        return Status.feoc if self.feoc else Status.not_feoc

    def exit_code(self) -> int:
        """`feoc check entity|facility`: 1 for a FEOC, 0 otherwise."""
        return 1 if self.feoc else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject, "kind": self.kind, "name": self.name, "on": self.on.isoformat(),
            "interpretation": self.interpretation, "feoc": self.feoc, "contested": self.contested,
            "readings": dict(sorted(self.readings.items())),
            "activities": dict(sorted(self.activities.items())) if self.kind == "facility" else None,
            "findings": [f.as_dict() for f in self.findings],
            "upstream_findings": [f.as_dict() for f in self.upstream],
            "notes": list(self.notes),
            "checked": [c.as_dict() for c in self.checked],
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


def _readings(dataset: Dataset, day: dt.date, law: Law, evaluator: str,
              upto: str = "vehicles") -> dict[str, Determination]:
    return {name: determine(dataset, day, law, name, evaluator, upto) for name in law.reading_names()}


def _determinations(dataset: Dataset, day: dt.date, law: Law, interpretation: str | None,
                    evaluator: str, given: dict[str, Determination] | None,
                    upto: str) -> tuple[str, dict[str, Determination]]:
    """The chosen reading's name and the determinations under every reading (computed, as far as the
    stage `upto`, unless given)."""
    return interpretation or law.default_interpretation, given or _readings(dataset, day, law, evaluator, upto)


def entity_verdict(dataset: Dataset, eid: str, day: dt.date, law: Law,
                   interpretation: str | None = None, evaluator: str = "durable-rules",
                   determinations: dict[str, Determination] | None = None) -> SubjectVerdict:
    """Is entity `eid` a FEOC on `day`, under the chosen reading, and do the readings agree?"""
    chosen, dets = _determinations(dataset, day, law, interpretation, evaluator, determinations, "entities")
    det = dets[chosen]
    findings = [f for f in det.about(eid) if f.conclusion == "feoc"]
    verdict = SubjectVerdict("entity", eid, dataset.entity(eid).name, day, chosen, det.is_feoc(eid), findings,
                      _upstream(det, findings), {name: d.is_feoc(eid) for name, d in dets.items()})
    verdict.checked = checked_entity(det, dataset, eid)
    scoped = det.scoped.get(eid)
    if scoped:
        verdict.notes.append("a FEOC has effective control over these activities only: " + ", ".join(sorted(scoped)))
    return verdict


def facility_verdict(dataset: Dataset, fid: str, day: dt.date, law: Law,
                     interpretation: str | None = None, evaluator: str = "durable-rules",
                     determinations: dict[str, Determination] | None = None) -> SubjectVerdict:
    """Which of facility `fid`'s activities are performed by a FEOC on `day` (any one makes it FEOC)."""
    chosen, dets = _determinations(dataset, day, law, interpretation, evaluator, determinations, "facilities")
    det = dets[chosen]
    facility = dataset.facility(fid)
    findings = det.activity_findings(fid)
    activities = {a: bool(det.activity_findings(fid, a)) for a in facility.activities}
    verdict = SubjectVerdict("facility", fid, facility.name, day, chosen, any(activities.values()), findings,
                      _upstream(det, findings),
                      {name: bool(d.activity_findings(fid)) for name, d in dets.items()}, activities)
    verdict.checked = checked_facility(det, dataset, fid)
    if not facility.in_force(day):
        verdict.notes.append(f"the facility is not in the dataset's records for this date "
                             f"(from {facility.start} until {facility.end})")
    if facility.status != "operating":
        verdict.notes.append(f"status in the dataset: {facility.status.replace('_', ' ')}")
    return verdict
