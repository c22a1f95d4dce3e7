"""The §30D FEOC regime as of a date: facts from the dataset and the ownership analysis go into the rule
engine, each firing becomes an explained finding, and status that depends on other entities' status
(a subsidiary of a FEOC) is derived by chaining rounds to a fixed point (`determine.driver`).

Implements 42 U.S.C. 18741(a)(5) as interpreted by DOE (89 FR 37079) and applied to §30D by
26 CFR 1.30D-6; which rules apply, their thresholds and dates come from `rules/`.

The regime is its stages: the direct prongs (round 0), the chaining rounds (ownership interests of the
reading's holder groups, and licences from FEOCs), the facility activities, then the vehicles.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.attestations import settle_entities, settle_parts, trusted_entities
from feoc.determine.determination import Determination
from feoc.determine.doubt import FLOOR, doubt_facts, more_scoped, worst_case
from feoc.determine.driver import Stage
from feoc.determine.facts import (
    FEOC_GROUP,
    Regions,
    agreement_rights,
    government_bodies,
    holder_groups,
    holders_nation,
    thresholds,
)
from feoc.determine.perfact import PerFactRun
from feoc.determine.ranges import maxima, range_facts
from feoc.determine.unrecorded import largest_in, unrecorded_facts
from feoc.determine.vehicle_facts import facility_facts, vehicle_facts
from feoc.engine.evaluators import Evaluator
from feoc.law.law import Law

STAGES = ("entities", "facilities", "vehicles")  # each stage reads the findings of the ones before it


class _Chaining:
    """The chaining rounds: each round, the interests of the reading's holder groups (each covered nation's
    government bodies, or all nations' together, under the government readings; those and every FEOC
    under feoc-lookthrough) and the licence rights, asserted when they changed."""

    def __init__(self, run: PerFactRun):
        self.run = run
        nations = list(run.law.param("covered_nations", run.day) or [])
        self.gov = government_bodies(run.dataset, nations, run.law.vocabulary.government_types)
        self.rights = agreement_rights(run.dataset.agreements_on(run.day),
                                      run.law.param("effective_control_rights", run.day) or ())
        self._asserted: dict[tuple[str, str], bool] = {}
        self.limits = thresholds(run.ruleset, "interest", "share")

    def groups(self) -> dict[str, set[str]]:
        """The reading's holder groups and their sources (`facts.holder_groups`): per covered nation, or all
        nations together, its government bodies; under holders `feoc`, those and every FEOC found so far."""
        out = {}
        for group, nations in holder_groups(self.run.interp, [n for n, bodies in self.gov.items() if bodies]).items():
            out[group] = set().union(*(self.gov[n] for n in nations))
            if group == FEOC_GROUP:
                out[group] |= self.run.recorder.feoc
        return out

    def facts(self) -> list[dict[str, Any]]:
        groups = self.run.sources_by_group = self.groups()
        new = [{"kind": "interest", "subject": entity, "measure": measure, "holders": group,
                "nation": holders_nation(group), "share": share}
               for entity, measure, group, share in self.run.tracer.new_shares(groups, self.limits)]
        feoc = self.run.recorder.feoc
        for a, right in self.rights:
            licensor_feoc = a.licensor in feoc
            if self._asserted.get((a.id, right)) != licensor_feoc:
                self._asserted[(a.id, right)] = licensor_feoc
                new.append({"kind": "agreement_right", "subject": a.licensee, "agreement": a.id,
                            "licensor": a.licensor, "licensor_feoc": licensor_feoc, "right": right})
        return new

    def feeds(self) -> tuple[int, int]:
        """FEOC status, the status the rounds feed: whole FEOCs, and activities scoped by licences."""
        recorder = self.run.recorder
        return len(recorder.feoc), sum(len(v) for v in recorder.scoped.values())


def _doubt(run: PerFactRun) -> list[dict[str, Any]]:
    """The `upstream_doubt` facts (`determine.doubt`): the worst case judged as far as the entities."""
    shown = run.recorder.feoc | set(run.recorder.scoped)
    trusted = trusted_entities(run.dataset, run.day, shown, run.recorder.feoc)  # never a FEOC in the worst case (1.30D-6(b))

    def worst(data: Dataset, assumed: frozenset[str]) -> set[str]:
        det = determine(data, run.day, run.law, run.interp.name, run.ev, "entities", assumed, trusted)
        # an attested entity a FEOC in the worst case (blocked from passing it on) still has its own doubt, which
        # the attestation then decides (determine.attestations), so the verdict says it rests on it
        return (set(det.feoc) | {f.subject for f in det.findings if f.conclusion == "undetermined"
                                 or (f.conclusion == "feoc" and f.subject in trusted)}
                | more_scoped(det.scoped, run.recorder.scoped))
    undecided = run.recorder.reached("undetermined") - run.recorder.feoc
    case = worst_case(run.dataset, float(run.law.param(FLOOR, run.day) or 0.0))
    return doubt_facts(run.dataset, run.day, case, run.recorder.feoc, undecided, worst)


def _ranges(run: PerFactRun) -> list[dict[str, Any]]:
    """The `share_range` facts (`determine.ranges`): the entity stage judged again on the maxima of the share
    ranges, each interest that rises there given with its interval (none without a range)."""
    top = maxima(run.dataset)
    if top is run.dataset:
        return []
    det = determine(top, run.day, run.law, run.interp.name, run.ev, "entities", frozenset())
    run.upper = det.interests
    sources = {g: set(run.sources_by_group.get(g, ())) | set(det.sources_by_group.get(g, ()))
               for g in {*run.sources_by_group, *det.sources_by_group}}
    return range_facts(run.holdings, run.tracer.values, det.interests, run.recorder.feoc, sources)


def stages(run: PerFactRun, doubt: bool = True) -> dict[str, list[Stage]]:
    """The regime's stages, by the name `determine(upto=...)` stops after."""
    chaining = _Chaining(run)
    recorder = run.recorder
    # attestations settle the entities they decide before the doubt pass and again after it (none: no stage)
    attested = [Stage("attestations", lambda: settle_entities(run))] if run.dataset.attestations else []
    return {
        "entities": [Stage("direct prongs", run.direct_facts),
                     Stage("ownership and licences", chaining.facts, feeds=chaining.feeds),
                     Stage("unrecorded measures", lambda: unrecorded_facts(run.holdings, run.sources_by_group,
                                                                           largest_in(run.tracer.values), recorder.feoc)),
                     *([Stage("share ranges", lambda: _ranges(run)), *attested,
                        Stage("doubt passed down", lambda: _doubt(run)), *attested] if doubt else [])],
        "facilities": [Stage("facility activities",
                             lambda: facility_facts(run.dataset, recorder.feoc, recorder.scoped,
                                                            Regions.on(run.law, run.day)))],
        "vehicles": [Stage("vehicles", lambda: settle_parts(run.dataset, run.day, vehicle_facts(
            run.dataset, run.day, run.law, list(recorder.findings.values())), run.reliance, recorder.feoc))],
    }


def determine(dataset: Dataset, day: dt.date, law: Law, interpretation: str | None = None,
              evaluator: Evaluator | str = "durable-rules", upto: str = "vehicles",
              assumed_feoc: frozenset[str] | None = None, never_feoc: frozenset[str] = frozenset()) -> Determination:
    """Every entity's, facility activity's and vehicle's findings on `day` under one interpretation.

    `upto` stops after a stage: an entity's status needs the entity rounds only (`feoc check entity`),
    a facility's also the activity facts; no later stage changes an earlier stage's findings.
    `assumed_feoc` judges the worst case of `determine.doubt` instead: those entities count as FEOCs, and no
    doubt is passed down (the worst case is what doubt is measured against); in it the entities `never_feoc` (an
    attestation relied on, `determine.attestations`) are never FEOCs."""
    if upto not in STAGES:
        raise ValueError(f"upto={upto!r}: use one of {', '.join(STAGES)}")
    run = PerFactRun(dataset, day, law, law.interpretation(interpretation), evaluator, "30d")
    if assumed_feoc is not None:
        run.recorder.feoc |= assumed_feoc
    run.recorder.never = never_feoc
    by_name = stages(run, doubt=assumed_feoc is None)
    for name in STAGES[:STAGES.index(upto) + 1]:
        run.driver.run_all(by_name[name])
    return run.determination(Determination, run.recorder.feoc, run.recorder.scoped, upper=run.upper,
                             reliance=run.reliance)
