"""The attestations a §30D entity or facility verdict relies on, and those it does not rely on with why
(26 CFR 1.30D-6(b); the reading of `determine.attestations`): the verdict's JSON `relies_on` / `not_relied_on`.

An entity's attestations are judged in the determination (they settle its `undetermined` findings before the
doubt is passed down the chain); a facility's are judged here, per reading, on the facility verdict's own gap
(its operator's undetermined status), since no other verdict reads a facility's status.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.attestations import REFUSED, RELIED, about, judge
from feoc.determine.determination import Determination
from feoc.determine.findings import Finding
from feoc.verdicts.checked import Checked
from feoc.verdicts.status import Status


def _merged(per_reading: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One entry per attestation, naming the readings it holds under (readings may differ on whether the data
    show the subject a FEOC)."""
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(per_reading):
        for said in per_reading[name]:
            entry = out.setdefault(said["attestation"], {**said, "readings": []})
            entry["readings"].append(name)
    return [out[k] for k in sorted(out)]


def merged_readings(lists: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Entries judged reading by reading (each naming its readings), one per attestation, the readings joined."""
    out: dict[str, dict[str, Any]] = {}
    for entries in lists:
        for said in entries:
            entry = out.setdefault(said["attestation"], {**said, "readings": []})
            entry["readings"] = sorted({*entry["readings"], *said["readings"]})
    return [out[k] for k in sorted(out)]


def entity_reliance(dets: dict[str, Determination], subjects: list[str]) -> tuple[list[dict[str, Any]],
                                                                                  list[dict[str, Any]]]:
    """(relies_on, not_relied_on) of the entity attestations about `subjects`, across the readings judged."""
    def side(outcome: str) -> list[dict[str, Any]]:
        return _merged({name: [said for s in subjects for said in d.reliance.get(outcome, {}).get(s, ())]
                        for name, d in dets.items()})
    return side(RELIED), side(REFUSED)


def above(dataset: Dataset, day: dt.date, subjects: list[str]) -> list[str]:
    """`subjects` and the entities above them on `day` (holders and licensors, transitively): the entities whose
    attestations a verdict on `subjects` may rest on through the doubt passed down (`determine.doubt`)."""
    up: dict[str, set[str]] = {}
    for holder, held in dataset.edges_on(day):
        up.setdefault(held, set()).add(holder)
    seen, stack = list(subjects), list(subjects)
    while stack:
        for nxt in sorted(up.get(stack.pop(), ())):
            if nxt not in seen:
                seen.append(nxt)
                stack.append(nxt)
    return seen


def settle_facility(dataset: Dataset, fid: str, day: dt.date, dets: dict[str, Determination],
                    about_of: dict[str, list[Finding]], statuses: dict[str, Status]) -> tuple[list[dict[str, Any]],
                                                                                            list[dict[str, Any]]]:
    """Judge the attestations about facility `fid`: under each reading whose status is *cannot be determined*, a
    valid one the data do not contradict (no FEOC activity found) decides it "not a FEOC" (its `undetermined`
    findings leave `about_of`, so the verdict lists no missing fact). Returns (relies_on, not_relied_on)."""
    relied: dict[str, list[dict[str, Any]]] = {}
    refused: dict[str, list[dict[str, Any]]] = {}
    recorded = dataset.facility(fid).in_force(day)
    for a in about(dataset.attestations, "facility", fid):
        for name, det in dets.items():
            outcome, said = judge(a, day, bool(det.activity_findings(fid)),
                                  statuses[name] == Status.cannot_be_determined, signer_feoc=a.by in det.feoc)
            if not recorded and outcome != REFUSED:
                # the verdict stays open (verdicts.subject._out_of_record): where the plant was and who ran it on
                # the date are facts of the record, not a supplier's word, so the attestation is not relied on
                outcome, said = REFUSED, {**said, "why": f"the facility's record does not cover {day}: where it was "
                                          "and who ran it then are not an attestation's to say (record the "
                                          "facility on that date: `from:`/`until:`, operator, country)"}
            if outcome == RELIED:
                said["decides"] = sorted({f.rule_id for f in about_of[name] if f.conclusion == "undetermined"})
                about_of[name] = [f for f in about_of[name] if f.conclusion != "undetermined"]
                statuses[name] = Status.not_feoc
            if outcome in (RELIED, REFUSED):
                (relied if outcome == RELIED else refused).setdefault(name, []).append(said)
    return _merged(relied), _merged(refused)



def mark_checked(checked: list[Checked], relies_on: list[dict[str, Any]], own: set[str]) -> list[Checked]:
    """The `checked` list (the prongs of the subjects `own`: an entity, or a facility and its operator) with each
    prong an attestation about one of them decides shown as the gap it is (`undetermined`: the data still lack
    the fact) and the attestation that decides it. An attestation about an entity above them decided that
    entity's prongs, not these: it is listed in `relies_on` but marks none of them (a subsidiary whose own
    jurisdiction is recorded is never shown "decided on attestation" for its parent's missing one)."""
    by_rule: dict[str, list[str]] = {}
    for a in relies_on:
        if not own & {v for k, v in a["about"].items() if k in ("entity", "facility")}:
            continue
        for rule in a.get("decides", ()):
            by_rule.setdefault(rule, []).append(f"attestation {a['attestation']} ({a['document']}, signed by "
                                                f"{a['by']} on {a['signed']})")
    return [dataclasses.replace(c, outcome="undetermined", detail=f"decided on {', '.join(by_rule[c.rule])} "
                                f"(26 CFR 1.30D-6(b)); the data: {c.detail}") if c.rule in by_rule else c
            for c in checked]
