"""Bulk FEOC status of every entity on one date, with numpy: the fast path behind `feoc screen`.

It reaches the same determination as `determine.regime30d.determine` (the durable-rules path, the engine of
record) for the entity prongs of 42 U.S.C. 18741(a)(5) as interpreted by DOE (89 FR 37079), by the
same stages run by the same driver (`determine.driver`), on arrays instead of fact dictionaries:

- round 0: the entity and listing facts (the record-to-fact mapping of `determine.facts`), evaluated
  column-wise by `columnar.rule_mask` (the compiled rules' reference semantics);
- the chaining rounds to a fixed point: each round the interests held by the round's sources
  (the reading's holder groups, `facts.holder_groups`: each covered nation's government bodies, or all
  nations' together, plus every FEOC under feoc-lookthrough) in every entity, per measure,
  rounded like the facts of the durable-rules path; then the licence facts; a rule with conclusion `feoc`
  adds its subjects (a licence naming activities only scopes them). It stops when a round adds no FEOC.

The interests come from `ownership.arrays.StakeGraph`, bit-identical to `ownership.graph.Graph`.
Cross-holdings that do not converge raise `NotBulk`, and the caller falls back to the durable-rules
path (which reports them as an input error).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from feoc.data.dataset import Dataset
from feoc.data.heap import step_done
from feoc.data.id_order import id_order
from feoc.data.model import MEASURES
from feoc.determine.bulk_blocks import Block, Blocks
from feoc.determine.bulk_gc import paused_gc
from feoc.determine.bulk_graphs import InForce, Like, in_force, stake_graphs
from feoc.determine.bulk_index import EntityIndex
from feoc.determine.bulk_interests import Together, Traced, known_shares, near_thresholds, share_of, traced
from feoc.determine.bulk_result import BulkResult
from feoc.determine.bulk_unrecorded import Facts, PartStakes, unrecorded_columns
from feoc.determine.driver import Driver, Stage, round_limit, status_room
from feoc.determine.facts import (
    ENTITY_FACT,
    FEOC_GROUP,
    NATION_FACT,
    NEAR,
    SHARE_DIGITS,
    Regions,
    agreement_rights,
    holder_groups,
    holders_nation,
    thresholds,
)
from feoc.determine.tracing import lookthrough_for, lookthrough_on
from feoc.engine.columnar import Coded, Column, Numbers, constant, encode, encode_text, rule_mask
from feoc.law.compile import CompiledRuleset
from feoc.law.law import Law
from feoc.law.readings import Interpretation
from feoc.ownership.arrays import StakeGraph
from feoc.ownership.rounding import Packed, pack, sweep, unpack


class _Bulk:
    """The bulk regime's state and its two stages: the direct prongs, and the chaining rounds."""

    reliance: dict[str, dict[str, list[dict[str, Any]]]] | None = None  # the attestations judged (bulk_attest)

    def __init__(self, dataset: Dataset, day: dt.date, law: Law, interp: Interpretation):
        self.dataset, self.day, self.law, self.interp = dataset, day, law, interp
        self._entities()
        self.graphs: dict[str, StakeGraph] = {}
        self.part_stakes: PartStakes | None = None  # holdings in force with some measures unrecorded (build_graphs)
        self.like: Like | None = None  # the worst case's real case, whose graphs it shares where they agree
        self.in_force: InForce | None = None  # the holdings in force (build_graphs), read again by the worst case
        self._last: dict[tuple[str, str], tuple[np.ndarray, Packed]] = {}
        # last round's interests, and the shares decided exactly (entities, shares)
        self._shares: dict[tuple[str, str], tuple[Packed, tuple[np.ndarray, np.ndarray]]] = {}
        self.known: dict[tuple[str, str], Traced] = {}  # the real case's traces, for its worst case (`bulk_interests`)
        self.traces: dict[tuple[str, str], Traced] = {}  # the same, kept for the screen's table when asked (`run`)

    def _entities(self) -> None:
        """What only the entities, listings and agreements decide: the columns, indexes, government bodies and
        licence rights; the status arrays before any round."""
        dataset, day, law = self.dataset, self.day, self.law
        self.ruleset: CompiledRuleset = law.ruleset(day, "30d")
        self.lookthrough = lookthrough_on(law, day)
        self.nations = list(law.param("covered_nations", day) or [])
        self.regions = Regions.on(law, day)
        # entities are indexed in dataset order (their fields are read in memory order); `order` and `rank`
        # give id order, which results and the reference's order of additions follow
        self.attr: dict[str, list[Any]] = {a: dataset.column("entities", a) for a in ENTITY_FACT.values()}
        self.ids = self.attr["id"]
        # int32, and sorted as an array of the id strings, not a list of a million ints (issue 17, memory); sorted by
        # the load meanwhile where it could (`load/order_ahead.py`), for the very list read here
        ahead = None if dataset.sorted_ids is None else dataset.sorted_ids.of(self.ids)
        self.order = ahead if ahead is not None else id_order(self.ids)
        self.rank = np.empty(len(self.ids), dtype=np.int32)
        self.rank[self.order] = np.arange(len(self.ids), dtype=np.int32)
        self.index = EntityIndex(self.ids, self.order)  # no dictionary of every id (issue 17, memory: ~65 MiB at 1M)
        self.n = len(self.ids)
        self.feoc = np.zeros(self.n, dtype=bool)
        self.undetermined = np.zeros(self.n, dtype=bool)
        self.undetermined_rules: dict[str, np.ndarray] = {}
        self.fired: dict[str, np.ndarray] = {}
        self.rounds = 0  # the chaining rounds run (`BulkReadings.run`)
        self.scoped: dict[str, set[str]] = {}
        self.gov = self.government(law.vocabulary.government_types)
        self.rights = agreement_rights(dataset.agreements_on(day), law.param("effective_control_rights", day) or ())
        # each right's licensor and licensee, found once (read every chaining round)
        self.rights_at = tuple(self.index.of([getattr(a, f) for a, _ in self.rights]) for f in ("licensor", "licensee"))

    def with_holdings(self, dataset: Dataset) -> _Bulk:
        """This state after the direct prongs for `dataset`, which differs from this one's in its holdings only
        (the worst case of `determine.doubt`): the entity columns, indexes and round 0 shared, the stake graphs
        its own where its holdings differ (built by `build_graphs`). Issue 17, memory: a second index of every
        entity is not made."""
        run = self.for_reading(self.interp)
        run.dataset, run.graphs, run.part_stakes, run.like = dataset, {}, None, (self.dataset, self.graphs)
        return run

    def for_reading(self, interp: Interpretation) -> _Bulk:
        """A copy after the direct prongs, to run the chaining rounds under `interp`: the status arrays are
        copied, the columns, indexes and stake graphs (read-only, their cycle cache keyed by its inputs) shared."""
        run = copy.copy(self)
        run.interp = interp
        run.feoc, run.undetermined = self.feoc.copy(), self.undetermined.copy()
        run.fired = {k: v.copy() for k, v in self.fired.items()}
        run.undetermined_rules = {k: v.copy() for k, v in self.undetermined_rules.items()}
        run.scoped = {k: set(v) for k, v in self.scoped.items()}
        run._last, run._shares, run.known, run.traces = {}, {}, {}, {}
        return run

    def stages(self) -> list[Stage]:
        return [Stage("direct prongs", self.direct_facts),
                Stage("ownership and licences", self.chain_facts, feeds=self.feeds)]

    def fire(self, blocks: list[Block] | Blocks, round: int) -> None:
        """Evaluate the rules of each block's fact kind over its rows; the blocks are dropped once evaluated (the
        driver holds a round's batch while it asks for the next: issue 17, memory)."""
        for block in blocks:
            for rule in self.ruleset.rules:
                if rule.fact == block.kind:
                    self._fired(rule, rule_mask(rule, block.columns, block.n), block)
        blocks.clear()

    def _fired(self, rule: Any, mask: np.ndarray, block: Block) -> None:
        if not mask.any() or rule.conclusion not in ("feoc", "undetermined"):
            return  # other conclusions are about facilities and vehicles, not the entity screen
        rows = np.flatnonzero(mask)
        subjects = block.subjects
        if rule.conclusion == "undetermined":
            self.undetermined[subjects[rows]] = True
            self.undetermined_rules.setdefault(rule.id, np.zeros(self.n, dtype=bool))[subjects[rows]] = True
            return
        hit = self.fired.setdefault(rule.id, np.zeros(self.n, dtype=bool))
        hit[subjects[rows]] = True
        if block.scope_of is None:
            self.feoc[subjects[rows]] = True
            return
        for r in rows.tolist():  # a licence that names activities scopes them only (findings.Recorder)
            scope = block.scope_of(r)
            if scope:
                self.scoped.setdefault(self.ids[int(subjects[r])], set()).update(scope)
            else:
                self.feoc[subjects[r]] = True

    def feeds(self) -> tuple[int, int]:
        """FEOC status, the status the chaining rounds feed."""
        return int(self.feoc.sum()), sum(len(v) for v in self.scoped.values())

    def direct_facts(self) -> list[Block]:
        """Round 0: the entity facts and the listings in force (the direct prongs)."""
        cache: dict[str, Column | None] = {"kind": constant("entity", self.n)}

        def column(name: str) -> Column | None:
            if name not in cache:  # only the fields some rule tests are encoded
                attr = ENTITY_FACT.get(name)
                cache[name] = encode_text(self.attr[attr]) if attr else None
                if name in NATION_FACT:  # a place's nation (facts.entity_fact): a region counts as its nation
                    place = encode_text(self.attr[ENTITY_FACT[NATION_FACT[name]]])
                    cache[name] = Coded(place.codes, tuple(map(self.regions.nation, place.values)))
            return cache[name]

        blocks = [Block("entity", column, self.n, np.arange(self.n))]
        listings = self.dataset.listings_on(self.day)
        if listings:
            cols = {"kind": constant("listing", len(listings)), "subject": encode([x.entity for x in listings]),
                    "list": encode([x.list for x in listings])}
            blocks.append(Block("listing", cols, len(listings), np.array([self.index[x.entity] for x in listings])))
        return blocks

    def build_graphs(self) -> None:
        """Each measure's stake graph and the holdings with some measures unrecorded (`bulk_graphs`)."""
        self.in_force = in_force(self.dataset, self.index, self.day, self.in_force)  # the real case's, if it agrees
        self.graphs, self.part_stakes = stake_graphs(self.dataset, self.index, self.rank, self.day, self.like, self.in_force)
        step_done()  # the build's own arrays freed: their pages given back where the heap is kept tidy (data/heap.py)

    def _groups(self) -> dict[str, np.ndarray]:
        """The reading's holder groups as masks (`facts.holder_groups`, as the per-fact path's `groups`)."""
        groups = {}
        for group, nations in holder_groups(self.interp, [n for n, mask in self.gov.items() if mask.any()]).items():
            sources = self.feoc.copy() if group == FEOC_GROUP else np.zeros(self.n, dtype=bool)
            for nation in nations:
                sources |= self.gov[nation]
            groups[group] = sources
        return groups

    def unrecorded_facts(self) -> Blocks:
        """After the chaining rounds: holdings with a measure unrecorded (`determine.unrecorded`), as blocks made
        one at a time (a part of the holdings each: issue 17, memory)."""
        def traced(group: str) -> Iterator[np.ndarray]:  # one at a time (issue 17, memory)
            return (self._share_of(self._shares[(m, group)]) for m in MEASURES if (m, group) in self._shares)

        def block(make: Callable[[], Facts]) -> Block:
            facts = make()
            return Block("unrecorded_measure", facts.column, facts.n, facts.subjects)
        parts = [] if self.part_stakes is None else \
            unrecorded_columns(self.part_stakes, self._groups(), traced, self.feoc, self.ids)
        return Blocks([functools.partial(block, make) for make in parts])

    def chain_facts(self) -> Blocks:
        """One chaining round's facts: the groups' interests, then the licence rights. An interest block is made
        when the round comes to it, and dropped once evaluated (issue 17, memory: one round's blocks are never
        alive together); what it reads is fixed now (the groups' sources; the licence rights read the FEOC
        status, so they are made now), so the round's facts are those of the status before it, as on the
        per-fact path. A group whose sources the round before traced already (a nation's government bodies, every
        round after the first) is not traced again: its facts would be the very same (`_near_thresholds`: an
        unchanged interest keeps its share), which add nothing, as the per-fact path asserts only the facts that
        changed (issue 17, time: ~6 s of CPU at 1M entities, the worst case of the doubt included)."""
        groups = self._groups()
        self._together = Together(self, groups)  # the groups' first traces of a measure, made in one pass
        makers: list[Callable[[], Block]] = [
            functools.partial(self._interest_block, measure, group, sources)
            for measure in MEASURES for group, sources in sorted(groups.items())
            if sources.any() and not self._traced(measure, group, sources)]
        if self.rights:
            rights = self._rights_block(self.rights)
            makers.append(lambda: rights)
        return Blocks(makers)

    def _traced(self, measure: str, group: str, sources: np.ndarray) -> bool:
        """Whether the round before traced `group`'s interests in `measure` from the very same `sources`."""
        last = self._last.get((measure, group))
        return last is not None and np.array_equal(last[0], sources)

    def _interest_block(self, measure: str, group: str, sources: np.ndarray) -> Block:
        tracing = self.interp.tracing
        key = (measure, group)
        last = self._last.get(key)
        seen = None if last is not None else known_shares(self, measure, group, sources)
        if seen is not None:  # the real case's very trace, read again by its worst case (`bulk_interests`)
            every, (packed, exact) = seen
            rows = np.flatnonzero(every > 0)
            share = every[rows]
        else:
            x = self._together.take(self, measure, group, sources) if last is None else None
            if x is None:
                x = self.graphs[measure].interests(sources, tracing == "control",
                                                   lookthrough_for(self.law, self.day, tracing),
                                                   None if last is None else (last[0], unpack(last[1])))
            limits = thresholds(self.ruleset, "interest", "share")
            swept = sweep(x, SHARE_DIGITS, limits, NEAR)  # one pass over the non-zero interests (issue 17, CPU)
            every, exact = near_thresholds(self, swept, limits, measure, sources, self._shares.get(key))
            packed = pack(x, swept)
            held = every > 0
            rows, share = swept.at[held], every[held]
        # kept for the next round, packed (issue 17, memory): the sources (`_groups` makes them afresh each round,
        # never changed after), which only grow, so the next round recomputes below the new ones; the interests;
        # the shares decided exactly (every other share is the rounded interest)
        self._last[key] = (sources, packed)
        self._shares[key] = (packed, exact)
        k = len(rows)
        cols = {"kind": constant("interest", k), "measure": constant(measure, k), "holders": constant(group, k),
                "nation": constant(holders_nation(group), k), "share": Numbers(share),
                "subject": Coded(rows, self.ids)}
        return Block("interest", cols, k, rows)

    _share_of = staticmethod(share_of)  # a round's shares from what `_shares` keeps (`bulk_interests`)

    def _rights_block(self, rights: list[tuple[Any, str]]) -> Block:
        k = len(rights)
        licensor, licensee = self.rights_at
        licensor_feoc = self.feoc[licensor].tolist()
        cols = {"kind": constant("agreement_right", k), "subject": encode([a.licensee for a, _ in rights]),
                "agreement": encode([a.id for a, _ in rights]), "licensor": encode([a.licensor for a, _ in rights]),
                "licensor_feoc": encode(licensor_feoc), "right": encode([r for _, r in rights])}
        return Block("agreement_right", cols, k, licensee.astype(np.int64),
                     scope_of=lambda r: rights[r][0].activities)

    def government(self, government_types: Sequence[str] | frozenset[str]) -> dict[str, np.ndarray]:
        """Per covered nation, its government bodies: `facts.government_bodies` on the columns."""
        etype, country, figure = (encode_text(self.attr[a]) for a in ("type", "country", "political_figure_of"))
        out = {}
        for nation in sorted(set(self.nations)):
            body = np.array([t in government_types for t in etype.values], dtype=bool)[etype.codes] & \
                np.array([c == nation for c in country.values], dtype=bool)[country.codes]
            person = np.array([t == "person" for t in etype.values], dtype=bool)[etype.codes] & \
                np.array([c == nation for c in figure.values], dtype=bool)[figure.codes]
            out[nation] = body | person
        return out


def bulk_determine(dataset: Dataset, day: dt.date, law: Law, interpretation: str | None = None) -> BulkResult:
    """Every entity's FEOC status on `day` (entity prongs and chaining), as `determine` decides it."""
    return BulkReadings(dataset, day, law).determine(interpretation)


class BulkReadings:
    """`bulk_determine` under several readings of one dataset on one date, sharing what no reading changes:
    the columns and indexes, the government bodies, the stake graphs and the direct prongs (round 0) are
    computed once; each reading copies the direct prongs' outcome and runs its own chaining rounds."""

    def __init__(self, dataset: Dataset, day: dt.date, law: Law):
        self.dataset, self.day, self.law = dataset, day, law
        self._base: _Bulk | None = None
        self.worst: BulkReadings | None = None  # the worst case of `determine.doubt`, shared across readings
        self.like: BulkReadings | None = None  # for the worst case: the real one, whose direct prongs it shares
        self.worst_case: tuple[Dataset, Any] | None = None  # `doubt.worst_case` of the dataset
        self.ranged: bool | None = None  # whether any share is a range (`determine.ranges`), once known
        self.upper: BulkReadings | None = None  # the ranges' maxima (`bulk_ranges`), shared across readings

    def determine(self, interpretation: str | None = None, assumed_feoc: frozenset[str] | None = None,
                  never: frozenset[str] = frozenset(), known: dict[tuple[str, str], Traced] | None = None,
                  keep_traces: bool = False) -> BulkResult:
        """As `regime30d.determine` (to the entities); `assumed_feoc` judges the worst case of `determine.doubt`
        (those entities count as FEOCs; no doubt is passed down; the entities `never` are never FEOCs in it;
        `known`: the real case's traces, `bulk_interests`; `keep_traces`: they are kept in the result, for the
        screen's table, `bulk_interests.traced_interests`)."""
        run = self.run(interpretation, assumed_feoc, never, known, keep_traces)
        step_done()  # the rounds' arrays freed: their pages given back where the heap is kept tidy (data/heap.py)
        return BulkResult(run.ids, run.attr["name"], run.attr["type"], {n: m for n, m in run.gov.items() if m.any()},
                          run.feoc, run.fired, run.graphs, run.interp, run.lookthrough, run.scoped, run.rounds,
                          run.order, run.undetermined, run.undetermined_rules, run.reliance, run.traces)

    def run(self, interpretation: str | None = None, assumed_feoc: frozenset[str] | None = None,
            never: frozenset[str] = frozenset(), known: dict[tuple[str, str], Traced] | None = None,
            keep_traces: bool = False) -> _Bulk:
        """The state of `determine` after its stages (the share ranges and the doubt only for the real case)."""
        interp = self.law.interpretation(interpretation)
        limit = round_limit(status_room(self.dataset))
        with paused_gc():
            run = self._prepared(interp, limit).for_reading(interp)
            run.known = known or {}
            if assumed_feoc:
                run.feoc[run.index.of(list(assumed_feoc))] = True
            from feoc.determine.bulk_attest import never_feoc, settle_stages  # it builds on this module's classes

            driver = Driver(never_feoc(run, never), limit)
            driver.rounds = 1  # round 0, the direct prongs, ran once for every reading
            run.rounds = driver.run(run.stages()[1])
            driver.run(Stage("unrecorded measures", run.unrecorded_facts))
            run.known = traced(run) if assumed_feoc is None else {}  # for its worst case (`bulk_doubt`)
            run.traces = run.known if keep_traces else {}
            run._last = {}  # the chaining rounds are done (issue 17, memory); `_shares` stays for the share ranges
            if assumed_feoc is None:
                from feoc.determine.bulk_ranges import range_blocks  # it builds on this module's classes

                driver.run(Stage("share ranges", lambda: range_blocks(self, run, interp.name)))
                settle = settle_stages(run)  # the attestations settle what they decide before the doubt and after it
                for stage in (*settle, Stage("doubt passed down", lambda: self._doubt(run, interp.name)), *settle):
                    driver.run(stage)
        return run

    def prepare(self, interpretation: str | None = None) -> None:
        """The work every reading shares done now (`determine.forked`: before a fork, so a child inherits it)."""
        with paused_gc():
            self._prepared(self.law.interpretation(interpretation), round_limit(status_room(self.dataset)))

    def _prepared(self, interp: Interpretation, limit: int) -> _Bulk:
        """The state after the direct prongs (round 0) with the stake graphs, made once for every reading."""
        if self._base is None:
            if self.like is not None and self.like._base is not None:
                base = self.like._base.with_holdings(self.dataset)
            else:
                base = _Bulk(self.dataset, self.day, self.law, interp)
                Driver(base.fire, limit).run(base.stages()[0])
            base.build_graphs()
            self._base = base
        return self._base

    def _doubt(self, run: _Bulk, reading: str) -> list[Block]:
        """The `upstream_doubt` facts of `determine.doubt` as one block (`bulk_doubt`)."""
        from feoc.determine.bulk_doubt import doubt_block  # it builds on this module's classes

        return doubt_block(self, run, reading)
