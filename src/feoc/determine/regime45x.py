"""Prohibited-foreign-entity status and material assistance for the §45X advanced manufacturing credit,
for the taxable year containing a date (P.L. 119-21 §70514; IRC 7701(a)(51)-(52)).

The taxpayer's status is tested once per taxable year (`tax_year_start` on the entity, default 01-01): the first
taxable year beginning after 2025-07-04 (`pfe_taxable_years_after`) on its first day, later years on their last
day (feoc-law.md §5.2, §7.6), so it holds for the whole year; the material inputs and the MACR thresholds are
those of the day judged (the year the component is sold).

Specified foreign entities (designations; foreign-controlled entities: covered-nation governments, their
nationals, entities organized or with their principal place of business there, and entities more than 50 %
controlled by those, chained to a fixed point by `determine.driver`) and foreign-influenced entities
(officer appointment, a single SFE owning 25 %, SFEs together 40 %, SFE debt 15 %, effective-control
payments) are decided by the `regime: 45x` rules; then each facility product's material assistance cost
ratio is judged. How interests are traced for the foreign-influence tests (constructive ownership,
IRC 318(a)(2)) is the parameter `pfe_tracing` of `rules/parameters.yaml`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from feoc.data.dataset import Dataset
from feoc.data.model import MEASURES
from feoc.determine.closure import dependencies
from feoc.determine.determination import Determination
from feoc.determine.driver import Stage
from feoc.determine.facts import Regions, exact_ratio, fact_number, finite_total, thresholds
from feoc.determine.macr import ProductInputs
from feoc.determine.perfact import PerFactRun
from feoc.determine.pfe318 import Bound, bounds, untyped_on_paths
from feoc.determine.ranges45x import CONTROL, INFLUENCE, Ranged
from feoc.determine.taxable_year import StatusTiming, rules_day_45x, status_timing, taxable_year
from feoc.determine.tracing import Tracer, lookthrough_for, required
from feoc.engine.evaluators import Evaluator
from feoc.law.law import Law

# the holder group of foreign-controlled entities together with those that cannot be decided (rule
# pfe-undetermined-foreign-control)
POSSIBLE = "fce_possible"
SFE_POSSIBLE = "sfe_possible"  # the same for the foreign-influence tests (rule pfe-undetermined-foreign-influence)
# the SFEs' interests were every unrecorded tax_form ungated (rule pfe-undetermined-tax-form, determine/pfe318.py)
UNTYPED = "sfe_untyped"
DEBT = "debt"  # the measure of the SFE debt test, IRC 7701(a)(51)(D)(i)(IV), beside the ownership measures


@dataclasses.dataclass
class Determination45X(Determination):
    """A Determination of the 45x regime: PFE sets and each facility product's cost ratio."""

    sfe: set[str] = dataclasses.field(default_factory=set)
    fie: set[str] = dataclasses.field(default_factory=set)
    macr: dict[tuple[str, str], dict[str, Any]] = dataclasses.field(default_factory=dict)
    timing: StatusTiming | None = None  # when the taxpayer's status was tested, where one was named
    # spans of the taxpayer's taxable year, other than its test day's, on which it was foreign-influenced or may
    # have been ("during the taxable year", IRC 7701(a)(51)(D)): the other reading of the test (`YearSpan`)
    fie_during_year: list[YearSpan] = dataclasses.field(default_factory=list)

    @property
    def pfe(self) -> set[str]:
        return self.sfe | self.fie


class _Regime45X:
    """The 45x stages over one run: foreign control chained, then foreign influence, then the MACR."""

    def __init__(self, run: PerFactRun, sold: dt.date, year_starts: dict[str, str],
                 suppliers: tuple[set[str], set[str]] | None = None):
        self.run, self.sold, self.year_starts = run, sold, year_starts
        # the suppliers' (PFE, undecided) sets on the day of sale, where the taxpayer's status is tested on
        # another day; None: this run's own
        self.suppliers = suppliers
        self.macr: dict[tuple[str, str], dict[str, Any]] = {}
        self.forms = {e.id: e.tax_form for e in run.dataset.entities}  # IRC 318(a)(2): how each is taxed
        self.ranged = Ranged.of(run.dataset, run.holdings, run.interp.tracing, run.law, run.day)  # share ranges
        self.limits = {f: thresholds(run.ruleset, k, f) for k, f in
                       (("pfe_interest", "share"), ("pfe_interest", "max_single"), ("macr", "ratio"))}

    def stages(self) -> list[Stage]:
        return [Stage("direct prongs", lambda: self.run.direct_facts() + _citizenship_facts(self.run)),
                Stage("foreign control", self.control_facts,
                      feeds=lambda: (len(self.reached("foreign_controlled")), len(self.undecided()))),
                Stage("foreign influence", self.influence_facts),
                Stage("material assistance", self.material_facts)]

    def reached(self, conclusion: str) -> set[str]:
        return self.run.recorder.reached(conclusion)

    def sfe(self) -> set[str]:
        return self.reached("foreign_controlled") | self.reached("sfe")

    def undecided(self) -> set[str]:
        """Who may be foreign-controlled, the data cannot say: a person whose citizenship or U.S. status is not
        recorded (a `citizenship` fact), a company with neither its place of organization nor its principal place
        of business recorded (an `entity` fact), and an entity held more than 50 % by such and foreign-controlled
        ones."""
        return {f.subject for f in self.run.recorder.findings.values() if f.conclusion == "undetermined"
                and (f.fact("recorded") is not None or f.fact("etype") is not None or f.fact("holders") in (POSSIBLE, CONTROL))}

    def control_facts(self) -> list[dict[str, Any]]:
        """Interests held by foreign-controlled entities (more than 50 % makes one more, 7701(a)(51)(C)), and,
        where some holders cannot be decided, by those and the foreign-controlled ones together (`POSSIBLE`):
        a missing fact must not make a confident "not foreign-controlled" further down the chain."""
        fce = set(self.reached("foreign_controlled"))
        groups = {"fce": fce}
        possible = fce | self.undecided()
        if possible != fce:
            groups[POSSIBLE] = possible
        self.run.sources_by_group = {**groups, CONTROL: possible}
        shares = self.run.tracer.new_shares(groups, self.limits["share"])
        facts = [{"kind": "pfe_interest", "subject": entity, "measure": measure, "holders": group, "share": share,
                  "max_single": 0.0} for entity, measure, group, share in shares
                 if not (group == POSSIBLE and (entity in fce or share == self.run.tracer.values.get(
                     (entity, measure, "fce"), 0.0)))]
        ranged = self.ranged.control(possible, fce, self.run.tracer.values, groups, self.limits["share"]) \
            if self.ranged else []
        return facts + ranged

    def influence_facts(self) -> list[dict[str, Any]]:
        """The foreign-influence facts (7701(a)(51)(D)): SFE interests, officer rights, contracts."""
        sfe = self.sfe()
        groups = {"sfe": sfe}
        possible = sfe | self.undecided()
        if possible != sfe:  # holders the data cannot decide may be SFEs: a missing fact decides nothing
            groups[SFE_POSSIBLE] = possible
        self.run.sources_by_group = {**self.run.sources_by_group, "fce": set(self.reached("foreign_controlled")),
                                     **groups, UNTYPED: sfe, INFLUENCE: possible}
        facts = []
        for group, sources in groups.items():
            facts += self._interest_facts(group, sources, _direct_stakes(self.run.holdings, sources))
        if self.ranged:  # the worst case on the shares' maxima (determine/ranges45x.py)
            top = self._interest_facts(INFLUENCE, possible, _direct_stakes(self.ranged.holdings, possible),
                                       self.ranged.tracer)
            facts += self.ranged.influence(facts, top, (SFE_POSSIBLE, UNTYPED, "sfe"), "sfe", UNTYPED)
        # a possible SFE's part is left open only where it adds to the SFEs' upper bound; that upper bound only
        # where it exceeds the lower (an unrecorded tax_form decides, IRC 318(a)(2)(C))
        facts = _undecided_part(_undecided_part(facts, SFE_POSSIBLE, UNTYPED), UNTYPED, "sfe")
        facts = _undecided_part(facts, SFE_POSSIBLE, "sfe")  # debt has no untyped bound: compared with the SFEs
        for h in self.run.holdings:
            if h.appoints_officers:
                facts.append({"kind": "officer_right", "subject": h.entity, "holder": h.holder,
                              "holder_sfe": h.holder in sfe})
        return facts + _contract_facts(self.run.dataset, self.run.day, sfe, self.year_starts)

    def _interest_facts(self, group: str, sfe: set[str], direct: dict[tuple[str, str], list[float]],
                        tracer: Tracer | None = None) -> list[dict[str, Any]]:
        """The `pfe_interest` facts of holder group `group` (its members `sfe`): all together, the largest one.
        For the SFEs (`sfe`) the lower bound of IRC 318(a)(2) attribution (an unrecorded `tax_form` gated as a
        corporation's, 318(a)(2)(C)) and, as group `UNTYPED`, the upper one (ungated) with the intermediates
        whose form would decide (`determine.pfe318`); for the possible SFEs the upper one."""
        facts: list[dict[str, Any]] = []
        limits = (self.limits["share"], self.limits["max_single"])
        tracing = self._pfe_tracing() if sfe else ""
        for measure in MEASURES:
            lower, upper = self._bounds(measure, sfe, group, tracing, tracer or self.run.tracer)
            entities = sorted(set(upper.share) | set(upper.single) | {e for e, m in direct if m == measure})
            emitted = [(group, lower), (UNTYPED, upper)] if group == "sfe" else [(group, upper)]
            for name, b in emitted:
                for entity in entities:
                    untyped = ""
                    if name == UNTYPED and _differ(lower, upper, entity):
                        graph = self.run.tracer.graphs[measure]
                        untyped = ", ".join(untyped_on_paths(graph, lower, self.forms, entity))
                    facts.append({"kind": "pfe_interest", "subject": entity, "measure": measure, "holders": name,
                                  "share": fact_number(b.share.get(entity, 0.0), limits[0], b.exact_share(entity)),
                                  "max_single": fact_number(b.single.get(entity, (0.0, ""))[0], limits[1],
                                                            b.exact_single(entity)),
                                  "untyped": untyped})
        for entity, m in sorted(direct):
            if m == DEBT:
                debts = direct[(entity, m)]
                facts.append({"kind": "pfe_interest", "subject": entity, "measure": DEBT, "holders": group,
                              "share": fact_number(sum(debts), limits[0], exact_ratio(debts, [1.0])),
                              "max_single": fact_number(max(debts), limits[1], exact_ratio([max(debts)], [1.0])),
                              "untyped": ""})
        return facts

    def _pfe_tracing(self) -> str:
        run = self.run
        return str(required(run.law, "pfe_tracing", run.day, "the foreign-influence ownership tests"))

    def _bounds(self, measure: str, sfe: set[str], group: str, tracing: str, tracer: Tracer) -> tuple[Bound, Bound]:
        """The lower and upper bound of the SFEs' interests (`determine.pfe318`), traced as `pfe_tracing` says:
        under `multiply` by IRC 318(a)(2) with its gate (parameter pfe_attribution_gate); under `control`
        without a gate (both bounds alike)."""
        if not sfe:
            return Bound(), Bound()
        run = self.run
        run.group_tracing[group] = tracing
        if group == "sfe":
            run.group_tracing[UNTYPED] = tracing
        graph = tracer.graphs[measure]
        if tracing != "multiply":
            traced = _Traced(share=graph.interests(sfe, tracing, lookthrough_for(run.law, run.day, tracing)))
            traced.exact_of = lambda holders, entity: tracer.exact(measure, holders, [entity], tracing).of(entity)
            traced.sources = sfe
            for holder in sorted(s for s in sfe if s in graph.out):
                for entity, share in graph.interests({holder}, tracing, lookthrough_for(run.law, run.day, tracing)).items():
                    if share > traced.single.get(entity, (0.0, ""))[0]:
                        traced.single[entity] = (share, holder)
            return traced, traced
        gate = float(required(run.law, "pfe_attribution_gate", run.day, "the foreign-influence ownership tests"))
        return bounds(graph, sfe, self.forms, run.law.vocabulary.tax_forms_gated, gate)

    def statuses(self) -> tuple[set[str], set[str]]:
        """Who is a prohibited foreign entity on this run's day, and whom the data cannot decide."""
        pfe = self.sfe() | self.reached("fie")
        return pfe, {f.subject for f in self.run.recorder.findings.values() if f.conclusion == "undetermined"} - pfe

    def material_facts(self) -> list[dict[str, Any]]:
        """Each facility product's material assistance cost ratio from the inputs in force on the day the
        component is sold (IRC 7701(a)(52)). An input from a supplier whose status the data leave open counts
        as clean in `ratio` and as a PFE's in `ratio_worst` (a gap never passes: rules
        pfe-material-assistance-undetermined-*), unless a supplier certification closes the gap."""
        pfe, undecided = self.suppliers or self.statuses()
        before = self.run.law.param("macr_binding_contract_before", self.sold)  # None before the law: no rule applies
        rows: dict[tuple[str, str], ProductInputs] = defaultdict(ProductInputs)
        for m in self.run.dataset.material_inputs:
            if m.in_force(self.sold):
                rows[(m.facility, m.product)].add(m, pfe, undecided, before, self.sold)
        facts = []
        for (facility, product), row in sorted(rows.items()):
            finite_total(row.total, f"the material inputs of {product} at {facility}", "material_inputs")
            ratio = fact_number((row.total - row.pfe_cost) / row.total, self.limits["ratio"],
                                exact_ratio(row.clean + row.open, row.costs))
            worst = fact_number((row.total - row.pfe_cost - sum(row.open)) / row.total, self.limits["ratio"],
                                exact_ratio(row.clean, row.costs))
            product_class = "critical_minerals" if product == "critical_mineral" else "battery_components"
            self.macr[(facility, product)] = row.summary(ratio, worst, product_class)
            facts.append({"kind": "macr", "subject": facility, "product": product, "product_class": product_class,
                          "ratio": ratio, "ratio_worst": worst, "total_cost_usd": row.total,
                          "pfe_cost_usd": row.pfe_cost, "undecided_cost_usd": sum(row.open),
                          "undecided_suppliers": ", ".join(sorted(set(row.open_suppliers))),
                          "binding_contract_usd": row.bound})
        return facts


def _citizenship_facts(run: PerFactRun) -> list[dict[str, Any]]:
    """A `citizenship` fact per nation each person is a citizen or national of (IRC 7701(a)(51)(C)(ii): "a
    citizen or national of a covered nation" not a U.S. citizen, national or lawful permanent resident), and one
    with `recorded` false for a person whose citizenship is not recorded: `country` may be residence only."""
    regions = Regions.on(run.law, run.day)
    facts: list[dict[str, Any]] = []
    for e in run.dataset.entities:
        if e.type != "person":
            continue
        us_person = "unknown" if e.us_person is None else ("yes" if e.us_person else "no")
        base = {"kind": "citizenship", "subject": e.id, "country_nation": regions.nation(e.country),
                "us_person": us_person}
        facts.extend({**base, "recorded": True, "nation": regions.nation(c), "where": regions.where(c)}
                     for c in e.citizenship)
        if not e.citizenship:
            facts.append({**base, "recorded": False, "nation": "", "where": "(not recorded)"})
    return facts


def _undecided_part(facts: list[dict[str, Any]], possible: str, known: str) -> list[dict[str, Any]]:
    """The facts, less those of group `possible` that say no more than group `known`'s: where no undecided
    holder adds to the interests, the data decides and nothing is left open."""
    seen = {(f["subject"], f["measure"]): (f["share"], f["max_single"]) for f in facts if f.get("holders") == known}
    return [f for f in facts if f.get("holders") != possible
            or seen.get((f["subject"], f["measure"]), (0.0, 0.0)) != (f["share"], f["max_single"])]


class _Traced(Bound):
    """Both bounds under `control` tracing (no gate), its exact values from the tracer's."""

    sources: set[str]
    exact_of: Any

    def exact_share(self, entity: str) -> Callable[[], Fraction | None]:
        return self.exact_of(self.sources, entity)

    def exact_single(self, entity: str) -> Callable[[], Fraction | None]:
        holder = self.single.get(entity, (0.0, ""))[1]
        return self.exact_of({holder}, entity) if holder else exact_ratio([0.0], [1.0])


def _differ(lower: Bound, upper: Bound, entity: str) -> bool:
    return (lower.share.get(entity, 0.0), lower.single.get(entity, (0.0, ""))[0]) != \
        (upper.share.get(entity, 0.0), upper.single.get(entity, (0.0, ""))[0])


def _direct_stakes(holdings: list[Any], sfe: set[str]) -> dict[tuple[str, str], list[float]]:
    """(entity, measure) -> the SFEs' direct stakes in it, debt included."""
    direct: dict[tuple[str, str], list[float]] = defaultdict(list)
    for h in holdings:
        if h.holder in sfe:
            for m in MEASURES + (DEBT,):
                if h.share(m):
                    direct[(h.entity, m)].append(h.share(m))
    return direct


def _contract_facts(dataset: Dataset, day: dt.date, sfe: set[str],
                    year_starts: dict[str, str]) -> list[dict[str, Any]]:
    """A `pfe_contract` fact per right of every agreement; `prior_year` says whether the agreement was in
    force in the licensee's previous taxable year, which the effective-control rules require (7701(a)(51)(D)(ii))."""
    facts = []
    for a in dataset.agreements:
        payments = "unknown" if a.payments is None else ("yes" if a.payments else "no")
        begins = taxable_year(year_starts.get(a.licensee, "01-01"), day)[0]
        before = taxable_year(year_starts.get(a.licensee, "01-01"), begins - dt.timedelta(days=1))[0]
        prior_year = (a.start is None or a.start < begins) and (a.end is None or a.end > before)
        for right in a.rights:
            facts.append({"kind": "pfe_contract", "subject": a.licensee, "agreement": a.id, "counterparty": a.licensor,
                          "counterparty_sfe": a.licensor in sfe, "right": right, "payments": payments,
                          "prior_year": prior_year})
    return facts


def determine45x(dataset: Dataset, day: dt.date, law: Law, evaluator: Evaluator | str = "durable-rules",
                 taxpayer: str | None = None) -> Determination45X:
    """Every entity's PFE findings and every facility product's MACR finding on `day` (45x regime). With a
    `taxpayer`, the statuses are those of its taxable year containing `day`, tested on the day `status_timing`
    names (the records in force then), under the rules and thresholds of `day` (or of the first day the rules
    apply to a calendar-year taxpayer, for a fiscal year that began before it: UNCONFIRMED). The suppliers of
    the material inputs are judged on `day`, the day of sale, whatever the taxpayer's test day (UNCONFIRMED:
    the MACR's "attributable to a prohibited foreign entity" read at the sale)."""
    timing = status_timing(dataset, taxpayer, day, law) if taxpayer else None
    tested = timing.tested_on if timing and timing.tested_on else day
    rules_day = rules_day_45x(law, day) if timing and timing.in_force else None
    starts = {e.id: e.tax_year_start for e in dataset.entities}
    suppliers = None
    if tested != day:  # suppliers are judged on the day of sale, not on the taxpayer's test day (UNCONFIRMED)
        sale = _Regime45X(PerFactRun(dataset, day, law, law.interpretation(), evaluator, "45x", rules_day), day, starts)
        sale.run.driver.run_all(sale.stages()[:-1])
        suppliers = sale.statuses()
    run = PerFactRun(dataset, tested, law, law.interpretation(), evaluator, "45x", rules_day)
    regime = _Regime45X(run, day, starts, suppliers)
    run.driver.run_all(regime.stages())
    during = _fie_during_year(dataset, law, evaluator, timing, rules_day, starts) if timing and taxpayer not in \
        regime.sfe() | regime.reached("fie") else []
    return run.determination(Determination45X, set(), {}, sfe=regime.sfe(), fie=set(regime.reached("fie")),
                             macr=regime.macr, timing=timing, fie_during_year=during)


def _fie_during_year(dataset: Dataset, law: Law, evaluator: Evaluator | str, timing: StatusTiming,
                     rules_day: dt.date | None, starts: dict[str, str]) -> list[YearSpan]:
    """The spans of the taxpayer's taxable year, other than the one holding the day its status is tested on, on
    which the records then in force make it foreign-influenced, or leave that open. IRC 7701(a)(51)(D) asks
    whether the tests hold "during the taxable year"; feoc tests the records of the test day (P.L. 119-21 §70514
    timing), and reports these spans as the other reading's answer (UNCONFIRMED which reading the Treasury will
    take). The records its status depends on (`determine.closure`: what is above it; a record elsewhere names
    no day) are constant between the days one of them begins or ends, so one day per span is enough; a span
    runs until the day before the next change (or the year's end). A first taxable year under the rules is
    tested on its first day (feoc-law.md §5.2, §7.6), but the enacted text fixes only the listed specified foreign
    entities (7701(a)(51)(B)(i)-(iv)) on that day and the rest "as of the last day" (7701(a)(51)(A)(ii); read in a
    verbatim reproduction, UNCONFIRMED): its later spans are the other reading too, with the listings of its first
    day throughout."""
    if timing.tested_on is None:
        return []
    dataset = dependencies(dataset, "entity", timing.taxpayer, law.vocabulary.government_types)
    if timing.tested_on == timing.begins:  # the first year: a listing's status is that of its first day
        dataset = _listed_as_on(dataset, timing.begins)
    records = [*dataset.holdings, *dataset.listings, *dataset.agreements]
    days = sorted({timing.begins} | {d for r in records for d in (r.start, r.end)
                                     if d is not None and timing.begins < d <= timing.ends})
    spans: list[YearSpan] = []
    for d, nxt in zip(days, [*days[1:], timing.ends + dt.timedelta(days=1)]):
        last = nxt - dt.timedelta(days=1)
        if d <= timing.tested_on <= last:
            continue  # the test day's own span: the verdict's own answer
        other = _Regime45X(PerFactRun(dataset, d, law, law.interpretation(), evaluator, "45x", rules_day), d, starts)
        other.run.driver.run_all(other.stages()[:-1])
        det = other.run.determination(Determination45X, set(), {}, sfe=other.sfe(), fie=set(other.reached("fie")))
        mine = det.about(timing.taxpayer)  # with their paths: what would decide an open one is found through them
        fie = [f for f in mine if f.conclusion == "fie"]
        open_ = [f for f in mine if f.conclusion == "undetermined" and (
            f.fact("holders") in (SFE_POSSIBLE, UNTYPED) or f.fact("counterparty_sfe") is not None)]
        outcome = "fie" if fie else "undetermined" if open_ else ""
        if spans and outcome and spans[-1].outcome == outcome and spans[-1].ends == d - dt.timedelta(days=1):
            spans[-1] = dataclasses.replace(spans[-1], ends=last)  # one span while the answer stays the same
        elif outcome:
            spans.append(YearSpan(d, last, outcome, fie or open_, det))
    return spans


def _listed_as_on(dataset: Dataset, day: dt.date) -> Dataset:
    """The listings in force on `day`, for the whole year: IRC 7701(a)(51)(A)(ii)(II) determines the listed
    specified foreign entities of a first taxable year as of its first day."""
    kept = tuple(x.model_copy(update={"start": None, "end": None}) for x in dataset.listings if x.in_force(day))
    return dataclasses.replace(dataset, listings=kept)


@dataclasses.dataclass(frozen=True)
class YearSpan:
    """A span of a taxable year on which the taxpayer is foreign-influenced (`fie`) or may be (`undetermined`):
    its findings, and the determination of its first day (for what would decide it)."""

    begins: dt.date
    ends: dt.date
    outcome: str
    findings: list[Any]
    det: Any
