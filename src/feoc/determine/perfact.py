"""What the stages of a per-fact regime share: the dataset on the date, the regime's rules, the recorder of
findings, the interests tracer and the driver that fires each round's facts (one fact dictionary at a
time, through durable-rules, the engine of record, or another evaluator of the same compiled rules).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from feoc.data.dataset import Dataset
from feoc.determine.determination import Determination
from feoc.determine.driver import Driver, round_limit, status_room
from feoc.determine.facts import Regions, entity_fact, listing_facts
from feoc.determine.findings import Recorder
from feoc.determine.tracing import Tracer
from feoc.engine.evaluators import Evaluator
from feoc.engine.evaluators import evaluator as make_evaluator
from feoc.law.law import Law
from feoc.law.readings import Interpretation

D = TypeVar("D", bound=Determination)


class PerFactRun:
    """One determination in the making: regimes read and extend it through their stages."""

    def __init__(self, dataset: Dataset, day: dt.date, law: Law, interp: Interpretation,
                 evaluator: Evaluator | str, regime: str, rules_day: dt.date | None = None):
        # `rules_day`: the day whose rules and thresholds apply, where it is not `day`, the day the records
        # are read (a §45X status tested on another day than the one judged: determine.regime45x)
        self.dataset, self.day, self.law, self.interp = dataset, day, law, interp
        self.ev = make_evaluator(evaluator) if isinstance(evaluator, str) else evaluator
        self.ruleset = law.ruleset(rules_day or day, regime)
        self.names = {e.id: e.name for e in dataset.entities} | {f.id: f.name for f in dataset.facilities}
        self.recorder = Recorder(self.ruleset, self.ev, day, interp.name, self.names,
                                 law.param("control_threshold", day), {a.id: a.activities for a in dataset.agreements})
        self.holdings = dataset.holdings_on(day)
        self.tracer = Tracer(self.holdings, interp.tracing, law, day)
        self.driver = Driver(self.recorder.fire, round_limit(status_room(dataset)))
        self.sources_by_group: dict[str, set[str]] = {}  # holder group -> its sources, for tracing paths
        self.group_tracing: dict[str, str] = {}  # holder group -> its tracing, where not the reading's
        self.upper: dict[tuple[str, str, str], float] = {}  # interests on the share ranges' maxima (determine.ranges)
        self.reliance: dict[str, dict[str, list[dict[str, Any]]]] = {}  # attestations (determine.attestations)

    def direct_facts(self) -> list[dict[str, Any]]:
        """Round 0: the entity and listing facts (the direct prongs)."""
        regions = Regions.on(self.law, self.day)
        return [entity_fact(e, regions) for e in self.dataset.entities] + listing_facts(self.dataset, self.day)

    def determination(self, kind: type[D], feoc: set[str], scoped: dict[str, set[str]], **extra: Any) -> D:
        """The findings, sorted, with what explaining them needs."""
        tracer = self.tracer
        return kind(self.day, self.interp, self.recorder.sorted_findings(), feoc, scoped, tracer.values, self.names,
                    self.ruleset, self.ev.name, tracer.edges, tracer.graphs, self.sources_by_group,
                    tracer.lookthrough, self.group_tracing, **extra)
