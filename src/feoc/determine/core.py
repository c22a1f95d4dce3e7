"""FEOC determination as of a date: facts from the dataset and the ownership analysis go into the rule
engine, each firing becomes an explained finding, and status that depends on other entities' status
(a subsidiary of a FEOC) is derived by chaining rounds to a fixed point.

Implements 42 U.S.C. 18741(a)(5) as interpreted by DOE (89 FR 37079) and applied to §30D by
26 CFR 1.30D-6; which rules apply, their thresholds and dates come from `rules/`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Iterable

from feoc.data.dataset import Dataset
from feoc.engine.evaluators import Evaluator, evaluator as make_evaluator
from feoc.law.data import Interpretation
from feoc.law.law import Law
from feoc.data.model import MEASURES
from feoc.ownership.graph import Graph, Stake, in_edges
from feoc.ownership.paths import paths
from feoc.law.rules import CompiledRuleset

GOVERNMENT_TYPES = ("government", "agency", "party")
MEASURE_LABEL = {"equity": "equity", "voting": "voting rights", "board_seats": "board seats"}
MAX_ROUNDS = 1000


@dataclass(frozen=True)
class Finding:
    """One rule firing, with everything a reader needs to check it by hand."""

    rule_id: str
    title: str
    citation: str
    conclusion: str
    prong: str
    subject: str
    subject_name: str
    on: dt.date
    interpretation: str
    facts: tuple[tuple[str, Any], ...]
    template: str  # the rule's `explain`, filled in from the facts and `extras` when first read
    extras: tuple[tuple[str, Any], ...] = ()
    paths: tuple[str, ...] = ()
    path_sources: tuple[str, ...] = ()
    path_steps: tuple[tuple[tuple[str, float, bool], ...], ...] = ()  # per path: (holder, share, controlled), top first
    unconfirmed: str | None = None
    params: tuple[tuple[str, Any], ...] = ()
    round: int = 0

    def fact(self, name: str) -> Any:
        return dict(self.facts).get(name)

    @functools.cached_property
    def explanation(self) -> str:
        """The rule's explanation for this firing (built on demand: a bulk run builds findings by the 100,000)."""
        try:
            return " ".join(self.template.format(**{**dict(self.facts), **dict(self.extras)}).split())
        except (KeyError, ValueError, IndexError) as exc:  # the rule's template does not fit its fact
            return f"{self.title} (explain template error: {exc})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id, "title": self.title, "citation": self.citation, "conclusion": self.conclusion,
            "prong": self.prong, "subject": self.subject, "subject_name": self.subject_name, "on": self.on.isoformat(),
            "interpretation": self.interpretation, "facts": dict(self.facts), "explanation": self.explanation,
            "paths": list(self.paths), "unconfirmed": self.unconfirmed,
            "parameters": {k: list(v) if isinstance(v, tuple) else v for k, v in self.params},
        }


@dataclass
class Determination:
    """All findings for a dataset on one date under one interpretation."""

    on: dt.date
    interpretation: Interpretation
    findings: list[Finding]
    feoc: set[str]
    scoped: dict[str, set[str]]  # licensee -> activities a licensor effectively controls
    interests: dict[tuple[str, str, str], float]  # (entity, measure, holders group) -> share
    names: dict[str, str]
    ruleset: CompiledRuleset
    evaluator: str
    edges: dict[str, Any] = field(default_factory=dict, repr=False)
    graphs: dict[str, Graph] = field(default_factory=dict, repr=False)
    sources_by_group: dict[str, set[str]] = field(default_factory=dict, repr=False)
    lookthrough: float = 0.5

    def __post_init__(self) -> None:
        by_subject: dict[str, list[int]] = {}
        for i, f in enumerate(self.findings):
            by_subject.setdefault(f.subject, []).append(i)
        self._by_subject = by_subject
        self._values: dict[tuple[str, str], dict[str, float]] = {}

    def about(self, subject: str) -> list[Finding]:
        """The subject's findings, ownership paths attached (traced on demand: only what is shown is traced)."""
        out = []
        for i in self._by_subject.get(subject, ()):
            f = self.findings[i]
            if f.fact("holders") is not None and f.fact("measure") in self.graphs and not f.paths:
                f = self.findings[i] = self._with_paths(f)
            out.append(f)
        return out

    def _with_paths(self, f: Finding) -> Finding:
        """Attach the paths behind an interest finding, traced from the final sources of its holder group."""
        measure, group = f.fact("measure"), f.fact("holders")
        sources = self.sources_by_group.get(group, set())
        tracing, lookthrough = self.interpretation.tracing, self.lookthrough
        if (measure, group) not in self._values:
            self._values[(measure, group)] = self.graphs[measure].interests(sources, tracing, lookthrough)
        found = paths(self.edges[measure], sources, f.subject, tracing, lookthrough,
                      values=self._values[(measure, group)], limit=8)
        return dataclasses.replace(f, paths=tuple(p.render(None, measure) for p in found),
                                   path_sources=tuple(sorted({p.steps[0][0] for p in found})),
                                   path_steps=tuple(p.steps for p in found))

    def is_feoc(self, entity: str) -> bool:
        return entity in self.feoc

    def activity_findings(self, facility: str, activity: str | None = None) -> list[Finding]:
        return [f for f in self.findings if f.subject == facility and f.conclusion == "feoc_activity"
                and (activity is None or f.fact("activity") == activity)]


def government_bodies(dataset: Dataset, nations: Iterable[str]) -> dict[str, set[str]]:
    """Per covered nation, the entities that are its "government" (89 FR 37079): national and sub-national
    governments, agencies and instrumentalities, the ruling party, senior foreign political figures."""
    wanted = set(nations)
    out: dict[str, set[str]] = {n: set() for n in sorted(wanted)}
    for e in dataset.entities:
        if e.type in GOVERNMENT_TYPES and e.country in wanted:
            out[e.country].add(e.id)
        elif e.type == "person" and e.political_figure_of in wanted:
            out[e.political_figure_of].add(e.id)
    return out


def _entity_fact(e: Any) -> dict[str, Any]:
    return {"kind": "entity", "subject": e.id, "name": e.name, "etype": e.type, "country": e.country or "",
            "incorporated_in": e.incorporated_in or "", "headquartered_in": e.headquartered_in or "",
            "political_figure_of": e.political_figure_of or ""}


class _Run:
    """One determination: keeps the facts asserted so far and turns firings into findings."""

    def __init__(self, dataset: Dataset, day: dt.date, law: Law, interp: Interpretation, ev: Evaluator,
                 regime: str = "30d"):
        self.dataset, self.day, self.law, self.interp, self.ev = dataset, day, law, interp, ev
        self.ruleset = law.ruleset(day, regime)
        self.status: dict[str, set[str]] = {}  # conclusion -> subjects it was reached for
        self.lookthrough = float(law.param("control_lookthrough_threshold", day) or 0.5)
        self.threshold = law.param("control_threshold", day)
        self.nations = list(law.param("covered_nations", day) or [])
        self.names = {e.id: e.name for e in dataset.entities} | {f.id: f.name for f in dataset.facilities}
        self.findings: dict[tuple, Finding] = {}
        self._scope = {a.id: a.activities for a in dataset.agreements}
        self.feoc: set[str] = set()
        self.scoped: dict[str, set[str]] = {}
        self.round = 0
        self.sources_by_group: dict[str, set[str]] = {}

    def fire(self, facts: list[dict[str, Any]]) -> None:
        for rule_id, index in self.ev.evaluate(self.ruleset, facts):
            self._record(self.ruleset.rule(rule_id), facts[index])

    def _record(self, rule: Any, fact: dict[str, Any]) -> None:
        src = rule.source.rule
        subject = fact["subject"]
        shown = {k: v for k, v in fact.items() if k != "kind"}
        extras = (("subject_name", self.names.get(subject, subject)), ("threshold", self.threshold),
                  ("measure_label", MEASURE_LABEL.get(fact.get("measure", ""), fact.get("measure", ""))),
                  ("holders_label", self._holders_label(fact.get("holders", ""))))
        rendered: tuple[str, ...] = ()  # ownership paths are added once the fixed point is reached
        path_sources: tuple[str, ...] = ()
        key = (rule.id, subject, fact.get("measure"), fact.get("holders"), fact.get("activity"), fact.get("agreement"),
               fact.get("right"), fact.get("list"), fact.get("component"), fact.get("mineral"), fact.get("step"),
               fact.get("battery"))
        self.findings[key] = Finding(rule.id, src.title, src.citation, rule.conclusion, src.then.prong, subject,
                                     self.names.get(subject, subject), self.day, self.interp.name,
                                     tuple(shown.items()), src.explain, extras, rendered, path_sources,
                                     unconfirmed=src.unconfirmed, params=rule.params, round=self.round)
        self.status.setdefault(rule.conclusion, set()).add(subject)
        if rule.conclusion == "feoc":
            # a licence that names the activities it covers makes the licensee a FEOC for those only
            scope = self._scope.get(fact["agreement"], ()) if fact["kind"] == "agreement_right" else ()
            if scope:
                self.scoped.setdefault(subject, set()).update(scope)
            else:
                self.feoc.add(subject)

    def _holders_label(self, group: str) -> str:
        if group == "feoc":
            return "covered-nation governments and foreign entities of concern"
        if group.startswith("gov-"):
            return f"the government of {group[4:]}"
        return group

    def direct(self) -> list[Any]:
        """Round 0: the entity and listing facts (the direct prongs); then the as-of ownership graphs.
        Returns the holdings in force, which the chaining rounds trace."""
        facts = [_entity_fact(e) for e in self.dataset.entities]
        facts += [{"kind": "listing", "subject": x.entity, "list": x.list} for x in self.dataset.listings_on(self.day)]
        self.fire(facts)
        holdings = self.dataset.holdings_on(self.day)
        self.edges = {m: in_edges(Stake(h.holder, h.entity, h.share(m)) for h in holdings if h.share(m) is not None)
                      for m in MEASURES}
        self.graphs = {m: Graph(self.edges[m]) for m in MEASURES}
        self.interest_values: dict[tuple[str, str, str], float] = {}
        self._cache: dict[tuple[str, str], tuple[set[str], dict[str, float]]] = {}
        return holdings

    def entities(self) -> None:
        """Round 0 (direct prongs) and the chaining rounds (ownership and licences) to a fixed point."""
        self.direct()
        gov = government_bodies(self.dataset, self.nations)
        all_gov = set().union(*gov.values()) if gov else set()
        asserted: dict[tuple, Any] = {}
        while self.round < MAX_ROUNDS:
            self.round += 1
            if self.interp.holders == "government":
                groups = {f"gov-{n}": bodies for n, bodies in gov.items() if bodies}
            else:
                groups = {"feoc": set(self.feoc) | all_gov}
            self.sources_by_group = groups
            new: list[dict[str, Any]] = []
            for measure in MEASURES:
                for group, sources in sorted(groups.items()):
                    if not sources:
                        continue
                    vals, changed = self._interests(measure, group, sources)
                    for entity in sorted(changed):
                        share = vals.get(entity, 0.0)
                        share = round(share, 9)  # both evaluators see the same number at the 25 % edge
                        key = (entity, measure, group)
                        self.interest_values[key] = share
                        if asserted.get(key) != share:
                            asserted[key] = share
                            new.append({"kind": "interest", "subject": entity, "measure": measure, "holders": group,
                                        "nation": group[4:] if group.startswith("gov-") else "", "share": share})
            for a in self.dataset.agreements_on(self.day):
                for right in a.rights:
                    feoc = a.licensor in self.feoc
                    key = ("agreement", a.id, right)
                    if asserted.get(key) != feoc:
                        asserted[key] = feoc
                        new.append({"kind": "agreement_right", "subject": a.licensee, "agreement": a.id,
                                    "licensor": a.licensor, "licensor_feoc": feoc, "right": right})
            if not new:
                break
            before = (len(self.feoc), sum(len(v) for v in self.scoped.values()))
            self.fire(new)
            if (len(self.feoc), sum(len(v) for v in self.scoped.values())) == before and self.round > 1:
                # nothing new became a FEOC: another round would assert the same facts
                break

    def _interests(self, measure: str, group: str, sources: set[str]) -> tuple[dict[str, float], set[str]]:
        """This round's interests for one measure and holder group, and the entities whose value may have
        changed. Sources only grow between rounds: unchanged sources reuse the last values, and under
        multiplication new sources are added incrementally (Graph.extend) instead of recomputing all."""
        graph = self.graphs[measure]
        cached = self._cache.get((measure, group))
        if cached is not None and cached[0] == sources:
            return cached[1], set()
        if cached is not None and self.interp.tracing == "multiply" and cached[0] <= sources:
            vals = graph.extend(cached[1], cached[0], sources)
        else:
            vals = graph.interests(sources, self.interp.tracing, self.lookthrough)
        old = cached[1] if cached else {}
        changed = {k for k, v in vals.items() if old.get(k) != v}
        self._cache[(measure, group)] = (set(sources), vals)
        return vals, changed

    def facilities(self) -> None:
        """Each activity of each facility in force: performed in a covered nation, or by a FEOC operator."""
        facts = []
        # every facility is judged, also outside its recorded operating period: a component traced to a plant
        # must never pass silently because the plant's dates are incomplete (the facility verdict notes it)
        for f in self.dataset.facilities:
            for activity in f.activities:
                by_feoc = f.operator in self.feoc or activity in self.scoped.get(f.operator, set())
                facts.append({"kind": "activity", "subject": f.id, "activity": activity, "country": f.country,
                              "operator": f.operator, "operator_feoc": by_feoc})
        self.round += 1
        self.fire(facts)


    def vehicles(self) -> None:
        """Component, mineral and sourcing facts for every vehicle (IRC 30D(d)(7), (e))."""
        law, day = self.law, self.day
        na = set(law.param("north_america", day) or [])
        fta = set(law.param("us_and_fta_countries", day) or [])
        until = law.param("impracticable_to_trace_until", day)
        materials = set(law.param("impracticable_to_trace_materials", day) or [])
        country = {f.id: f.country for f in self.dataset.facilities}
        feoc_steps = {(f.subject, f.fact("activity")) for f in self.findings.values() if f.conclusion == "feoc_activity"}
        facts: list[dict[str, Any]] = []
        for v in self.dataset.vehicles:
            battery = self.dataset.battery(v.battery)
            for c in battery.components:
                for step, fid in (("manufacturing", c.manufactured_at), ("assembly", c.assembled_at)):
                    if fid:
                        activity = f"{c.component}_{step}"
                        facts.append({"kind": "component", "subject": v.id, "battery": battery.id,
                                      "component": c.component, "step": step, "facility": fid,
                                      "feoc": (fid, activity) in feoc_steps, "value_usd": float(c.value_usd)})
            for m in battery.critical_minerals:
                transition = bool(m.impracticable_to_trace and m.material in materials and until and self.day < until)
                for step, fid in (("extraction", m.extracted_at), ("processing", m.processed_at),
                                  ("recycling", m.recycled_at)):
                    if fid:
                        facts.append({"kind": "mineral", "subject": v.id, "battery": battery.id, "mineral": m.mineral,
                                      "step": step, "facility": fid,
                                      "feoc": (fid, f"critical_mineral_{step}") in feoc_steps,
                                      "impracticable_to_trace": m.impracticable_to_trace, "material": m.material,
                                      "transition": transition, "value_usd": float(m.value_usd)})
            for half, (qualifying, total) in sourcing_values(battery, country, na, fta).items():
                if total > 0:
                    facts.append({"kind": "sourcing", "subject": v.id, "half": half,
                                  "share": round(qualifying / total, 9), "qualifying_value_usd": qualifying,
                                  "total_value_usd": total})
        self.round += 1
        self.fire(facts)


def sourcing_values(battery: Any, country: dict[str, str], north_america: set[str],
                    fta_or_us: set[str]) -> dict[str, tuple[float, float]]:
    """Qualifying and total value of each half (IRC 30D(e)(1)(A), (e)(2)(A)).

    A battery component qualifies when manufactured or assembled in North America; a critical mineral
    when extracted or processed in the United States or an FTA country, or recycled in North America.
    Each record counts all or nothing (the 26 CFR 1.30D-3 value-added and traced-value tests are not
    modelled; a record is one traced portion).
    """
    comp_q = sum(c.value_usd for c in battery.components
                 if country.get(c.manufactured_at or "") in north_america or country.get(c.assembled_at or "") in north_america)
    comp_t = sum(c.value_usd for c in battery.components)
    min_q = sum(m.value_usd for m in battery.critical_minerals
                if country.get(m.extracted_at or "") in fta_or_us or country.get(m.processed_at or "") in fta_or_us
                or country.get(m.recycled_at or "") in north_america)
    min_t = sum(m.value_usd for m in battery.critical_minerals)
    return {"critical_minerals": (float(min_q), float(min_t)), "battery_components": (float(comp_q), float(comp_t))}


STAGES = ("entities", "facilities", "vehicles")  # each stage reads the findings of the ones before it


def determine(dataset: Dataset, day: dt.date, law: Law, interpretation: str | None = None,
              evaluator: Evaluator | str = "durable-rules", upto: str = "vehicles") -> Determination:
    """Every entity's, facility activity's and vehicle's findings on `day` under one interpretation.

    `upto` stops after a stage: an entity's status needs the entity rounds only (`feoc check entity`),
    a facility's also the activity facts; no later stage changes an earlier stage's findings."""
    if upto not in STAGES:
        raise ValueError(f"upto={upto!r}: use one of {', '.join(STAGES)}")
    interp = law.interpretation(interpretation)
    ev = make_evaluator(evaluator) if isinstance(evaluator, str) else evaluator
    run = _Run(dataset, day, law, interp, ev)
    run.entities()
    if upto != "entities":
        run.facilities()
    if upto == "vehicles":
        run.vehicles()
    findings = sorted(run.findings.values(), key=lambda f: (f.subject, f.rule_id, f.facts))
    return Determination(day, interp, findings, run.feoc, run.scoped, run.interest_values, run.names, run.ruleset,
                         ev.name, run.edges, run.graphs, run.sources_by_group, run.lookthrough)
