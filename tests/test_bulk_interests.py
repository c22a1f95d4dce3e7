"""Issue 17, time: the worst case of the doubt passed down reads the real case's traces of the government bodies on
the stake graphs it shares with it (`determine/bulk_interests.py`), instead of tracing them again. Issue 14's rule
(an entity a FEOC or undecided in the worst case the data allow, and not in the real one, cannot be determined) is
decided on those shares, so they must be the very ones a trace of its own gives: these tests screen with and without
the reuse and hold every reading's results, its worst case's shares bit for bit and its doubt equal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from feoc.determine import bulk, bulk_doubt
from feoc.determine.bulk import BulkReadings, _Bulk
from feoc.determine.bulk_interests import share_of
from feoc.law.law import Law
from feoc.load.folder import load_dataset

RULES = Law.load()
ROOT = Path(__file__).resolve().parents[1]


def _screened(monkeypatch: pytest.MonkeyPatch, dataset: Any, day: dt.date, reuse: bool) -> dict[str, Any]:
    """Every reading of `dataset` on `day`: its result, its worst case's shares per (measure, group) and its doubt's
    subjects; and how many traces the worst cases read from the real ones."""
    out: dict[str, Any] = {"read": 0}
    if not reuse:
        monkeypatch.setattr(bulk, "known_shares", lambda *args: None)
    known, unrecorded, doubt = bulk.known_shares, _Bulk.unrecorded_facts, bulk_doubt.doubt_block

    def counted(run: _Bulk, *args: Any) -> Any:
        got = known(run, *args)
        out["read"] += got is not None
        return got

    def kept(run: _Bulk) -> Any:
        if run.like is not None:  # a worst case: its final shares, as the unrecorded facts read them
            out.setdefault("worst", []).append({k: share_of(v).tobytes() for k, v in sorted(run._shares.items())})
        return unrecorded(run)

    def doubted(readings: BulkReadings, run: _Bulk, reading: str) -> Any:
        blocks = doubt(readings, run, reading)
        out.setdefault("doubt", []).append([b.subjects.tolist() for b in blocks])
        return blocks
    monkeypatch.setattr(bulk, "known_shares", counted)
    monkeypatch.setattr(_Bulk, "unrecorded_facts", kept)
    monkeypatch.setattr(bulk_doubt, "doubt_block", doubted)
    readings = BulkReadings(dataset, day, RULES)
    for reading in RULES.reading_names():
        r = readings.determine(reading)
        out[reading] = (r.feoc.tobytes(), None if r.undetermined is None else r.undetermined.tobytes(),
                        sorted((k, v.tobytes()) for k, v in r.fired.items()), r.scoped, r.rounds, r.rules_of())
    monkeypatch.undo()
    return out


@pytest.mark.parametrize("day", [dt.date(2024, 6, 1), dt.date(2025, 6, 1)])
def test_user_story_the_worst_case_reads_the_real_cases_traces_and_judges_the_same(monkeypatch, parquet_world_2000,
                                                                                 day):
    """The generated world (holdings with voting or board seats unrecorded: the worst case fills those measures and
    shares the equity graph) under every reading, before and after the entity prongs' date: the worst cases read
    some traces of the real ones, and every result, every worst case's shares and every doubt are the same as
    when each worst case traces everything itself."""
    dataset = load_dataset(parquet_world_2000, RULES, compact=True)
    reused = _screened(monkeypatch, dataset, day, True)
    alone = _screened(monkeypatch, dataset, day, False)
    assert reused["read"] > 0 and alone["read"] == 0
    assert reused.pop("read") and alone.pop("read") == 0
    assert reused == alone


def test_user_story_a_trace_on_another_graph_or_from_other_sources_is_not_read(monkeypatch, parquet_world_2000):
    """What the real case traced is read only on the very graph, from the very sources, under the same tracing:
    another graph, one more source or another reading's tracing are traced afresh."""
    dataset = load_dataset(parquet_world_2000, RULES, compact=True)
    readings = BulkReadings(dataset, dt.date(2024, 6, 1), RULES)
    kept: dict[Any, Any] = {}
    traced = bulk.traced
    monkeypatch.setattr(bulk, "traced", lambda run: kept.setdefault("real", traced(run)))
    run = readings.run(RULES.reading_name(None))  # the real run: what it traced is kept for its worst case
    run.known = kept["real"]
    assert run.known, "the world's government bodies hold interests"
    (measure, group), seen = next(iter(sorted(run.known.items())))
    assert bulk.known_shares(run, measure, group, seen.sources.copy()) is not None
    more = seen.sources.copy()
    more[np.flatnonzero(~more)[0]] = True
    assert bulk.known_shares(run, measure, group, more) is None
    other = next(g for m, g in run.graphs.items() if g is not seen.graph)
    run.known = {(measure, group): bulk.Traced(other, seen.sources, seen.tracing, seen.kept)}
    assert bulk.known_shares(run, measure, group, seen.sources) is None
    run.known = {(measure, group): bulk.Traced(seen.graph, seen.sources, "not " + seen.tracing, seen.kept)}
    assert bulk.known_shares(run, measure, group, seen.sources) is None


def test_user_story_each_nations_bodies_traced_together_judge_as_traced_one_by_one(monkeypatch, parquet_world_2000):
    """Issue 17, time: a round's first traces of its groups (each covered nation's government bodies) are made in one
    pass over a measure's stakes (`bulk_interests.Together`, `StakeGraph.interests_many`). Every reading's result,
    its worst case's shares and its doubt are the very ones each group traced on its own gives."""
    from feoc.determine.bulk_interests import Together
    from feoc.ownership.arrays import StakeGraph

    dataset = load_dataset(parquet_world_2000, RULES, compact=True)
    day = dt.date(2024, 6, 1)
    sets: list[int] = []
    many = StakeGraph.interests_many

    def counted(graph: StakeGraph, sources: list[np.ndarray], *args: Any) -> Any:
        sets.append(len(sources))
        return many(graph, sources, *args)
    monkeypatch.setattr(StakeGraph, "interests_many", counted)
    together = _screened(monkeypatch, dataset, day, True)  # its patches, and this one, are undone when it returns
    assert sets and min(sets) >= 2, "the world's nations' bodies were traced together"
    monkeypatch.setattr(Together, "take", lambda *args: None)
    alone = _screened(monkeypatch, dataset, day, True)
    assert together == alone
