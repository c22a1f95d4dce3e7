"""Interests for the chaining rounds of the per-fact path: each measure's ownership graph on the date, and
the interests of holder groups whose sources grow from round to round, traced incrementally.

The test is the DOE interpretation's (89 FR 37079 §III.E) for §30D and, for §45X, foreign control of
IRC 7701(a)(51)(C); how indirect holdings are traced is the reading's (`rules/interpretations.yaml`), and
the control look-through threshold is a parameter of `rules/parameters.yaml`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from feoc.data.model import MEASURES
from feoc.data.problems import InputError, Problem
from feoc.determine.facts import ExactBatch, fact_number, near
from feoc.law.law import Law
from feoc.ownership.graph import Graph, Stake, in_edges

LOOKTHROUGH = "control_lookthrough_threshold"


def required(law: Law, name: str, day: dt.date, needed_by: str) -> Any:
    """Parameter `name` on `day`; an input error when it has no value then (the rules must say what
    applies: the code supplies no default)."""
    value = law.param(name, day)
    if value is None:
        raise InputError([Problem(str(law.folder / "parameters.yaml"), 0,
                                  f"parameter `{name}` has no value on {day.isoformat()}, which {needed_by} needs",
                                  f"give `{name}` a value dated on or before {day.isoformat()}")])
    return value


def lookthrough_on(law: Law, day: dt.date) -> float | None:
    """The control look-through threshold on `day` (None before the parameter's first date)."""
    value = law.param(LOOKTHROUGH, day)
    return None if value is None else float(value)


def lookthrough_for(law: Law, day: dt.date, tracing: str) -> float | None:
    """The threshold a tracing needs when it traces: control tracing cannot go without one (an input
    error names the parameter); multiply tracing never compares with it."""
    if tracing == "control":
        return float(required(law, LOOKTHROUGH, day, "the control tracing"))
    return lookthrough_on(law, day)


class Tracer:
    """Interests of holder groups in every entity, per measure, traced once per round: a group whose
    sources did not change reuses its values, and under multiply tracing added sources are propagated
    incrementally (`Graph.extend`) instead of recomputing everything."""

    def __init__(self, holdings: Iterable[Any], tracing: str, law: Law, day: dt.date):
        holdings = list(holdings)
        self.edges = {m: in_edges(Stake(h.holder, h.entity, h.share(m)) for h in holdings if h.share(m) is not None)
                      for m in MEASURES}
        self.graphs = {m: Graph(self.edges[m]) for m in MEASURES}
        self.tracing, self.law, self.day = tracing, law, day
        self.lookthrough = lookthrough_on(law, day)
        self.values: dict[tuple[str, str, str], float] = {}  # (entity, measure, group) -> rounded share
        self._asserted: dict[tuple[str, str, str], float] = {}
        self._cache: dict[tuple[str, str], tuple[set[str], dict[str, float]]] = {}

    def new_shares(self, groups: dict[str, set[str]], limits: tuple[float, ...]) -> list[tuple[str, str, str, float]]:
        """(entity, measure, group, share) for every interest whose share as a fact (`facts.fact_number`,
        never rounded across one of the `limits`, the thresholds the rules compare it with) differs from the
        last one asserted, measures in order, groups sorted, entities sorted."""
        out = []
        for measure in MEASURES:
            for group, sources in sorted(groups.items()):
                if not sources:
                    continue
                vals, changed = self._interests(measure, group, sources)
                batch = self.exact(measure, sources, [e for e in sorted(changed) if near(vals.get(e, 0.0), limits)],
                                   self.tracing)
                for entity in sorted(changed):
                    share = fact_number(vals.get(entity, 0.0), limits, batch.of(entity))
                    key = (entity, measure, group)
                    self.values[key] = share
                    if self._asserted.get(key) != share:
                        self._asserted[key] = share
                        out.append((entity, measure, group, share))
        return out

    def exact(self, measure: str, sources: set[str], entities: list[str], tracing: str) -> ExactBatch:
        """The exact interests of `entities` for `facts.fact_number` (`ownership.exact`), computed together
        when first asked for."""
        def compute() -> dict[Any, Fraction] | None:
            limit = lookthrough_for(self.law, self.day, tracing) if tracing == "control" else None
            from feoc.ownership.exact import exact_interests  # only near a threshold: kept off the check path

            return exact_interests(self.edges[measure], sources, entities, tracing == "control", limit or 0.0)
        return ExactBatch(compute)

    def _interests(self, measure: str, group: str, sources: set[str]) -> tuple[dict[str, float], set[str]]:
        """This round's interests for one measure and holder group, and the entities whose value may have
        changed. Sources only grow between rounds, so the last values are a starting point."""
        graph = self.graphs[measure]
        cached = self._cache.get((measure, group))
        if cached is not None and cached[0] == sources:
            return cached[1], set()
        if cached is not None and self.tracing == "multiply" and cached[0] <= sources:
            vals = graph.extend(cached[1], cached[0], sources)
        else:
            vals = graph.interests(sources, self.tracing, lookthrough_for(self.law, self.day, self.tracing))
        old = cached[1] if cached else {}
        changed = {k for k, v in vals.items() if old.get(k) != v}
        self._cache[(measure, group)] = (set(sources), vals)
        return vals, changed
