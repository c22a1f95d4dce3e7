"""Issue 17, time (session 22): the screen's analysis phase shares its work better between two processes and
makes its `rules` column without a string per entity. Each shortcut must give the very same table:

- the readings besides the table's are claimed one at a time by whichever process is free (`forked.Claims`),
  the costliest first; no reading is judged twice or lost, whoever judges it;
- the worst case's stake graphs are built before the fork (`bulk_doubt.prepare_worst`), once, and are the very
  ones the doubt passed down would build;
- `BulkResult.rules_coded` is `rules_of` as codes.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.determine import forked
from feoc.determine.bulk import BulkReadings
from feoc.determine.bulk_doubt import prepare_worst
from feoc.determine.bulk_result import BulkResult
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.render.base import ScreenView
from feoc.render.csv import screen as csv_text
from feoc.verdicts import screen as screen_module
from feoc.verdicts import screen_ahead
from feoc.verdicts.screen import bulk_screen

RULES = Law.load()
DAY = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def world(parquet_world_2000):
    return load_dataset(parquet_world_2000, RULES, compact=True)


def _csv(data, monkeypatch, fork: str, interpretation: str | None = None) -> str:
    monkeypatch.setenv(forked.FORK_ENV, fork)
    return csv_text(ScreenView(bulk_screen(data, DAY, RULES, interpretation), DAY, interpretation or ""))


def _result(fired: dict[str, np.ndarray], undetermined: dict[str, np.ndarray] | None, n: int) -> BulkResult:
    ids = [f"e{i}" for i in range(n)]
    return BulkResult(ids, ids, ["company"] * n, {}, np.zeros(n, dtype=bool), fired, {}, None,  # type: ignore[arg-type]
                      None, {}, 0, np.arange(n), None, undetermined)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n),
    st.dictionaries(st.sampled_from([f"r{k:02d}" for k in range(12)]), st.lists(st.booleans(), min_size=n, max_size=n),
                    max_size=10),
    st.dictionaries(st.sampled_from([f"u{k:02d}" for k in range(12)] + ["r03"]),
                    st.lists(st.booleans(), min_size=n, max_size=n), max_size=10))))
def test_the_rules_column_as_codes_is_the_rules_of_each_entity(case):
    """A compliance analyst reads each row's deciding rules (`feoc` rules, else the `undetermined` ones, issue 14):
    the coded column (a bit per rule, grouped by numpy) reads exactly as the strings joined one entity at a time,
    whatever rules fired for whom, more than eight rules included (several bytes a key)."""
    n, fired, undetermined = case
    res = _result({r: np.array(m) for r, m in fired.items()}, {r: np.array(m) for r, m in undetermined.items()}, n)
    codes, labels = res.rules_coded()
    assert [labels[c] for c in codes.tolist()] == res.rules_of()
    assert labels[0] == "" and len(set(labels)) == len(labels)


def test_the_rules_column_of_a_generated_world_under_each_reading(world):
    """bench/gen_world.py's world: the coded rules are the joined ones under every reading."""
    readings = BulkReadings(world, DAY, RULES)
    for name in RULES.reading_names():
        res = readings.determine(name)
        codes, labels = res.rules_coded()
        assert [labels[c] for c in codes.tolist()] == res.rules_of(), name


def test_claims_give_each_item_to_exactly_one_process():
    """The readings shared out between this process and a forked child: every item taken once, by one of them,
    and the end answered at once (no wait) when every item is taken."""
    claims = forked.Claims(200)
    child = forked.Forked(lambda: [i for i in iter(claims.next, None)])
    mine = []
    while (item := claims.next()) is not None:
        mine.append(item)
        time.sleep(0.0005)  # let the child take its share
    theirs = child.result()
    assert sorted(mine + theirs) == list(range(200))
    assert claims.next() is None
    claims.close()
    assert claims.next() is None
    with pytest.raises(ValueError, match="at most 255"):
        forked.Claims(256)


def test_the_costliest_readings_are_claimed_first(world):
    """The reading with every FEOC as holders (its sources grow each round) first, control tracing next, the
    nations taken together last: only who judges what depends on it."""
    names = screen_ahead._costliest_first(BulkReadings(world, DAY, RULES), RULES.reading_names())
    assert names[0] == "feoc-lookthrough"
    assert names.index("government-control") < names.index("government-all-nations")
    assert sorted(names) == sorted(RULES.reading_names())


def test_readings_this_process_claims_while_the_child_is_slow_give_the_same_bytes(world, monkeypatch):
    """A child slow to start (a busy machine): this process claims and judges the readings it has not begun; the
    CSV is the same bytes as with no fork, and every reading besides the table's was judged once."""
    alone = _csv(world, monkeypatch, "0")
    real_judged, real_statuses = screen_ahead._judged, screen_module._statuses
    here: list[str] = []

    def slow(bulk, name):
        time.sleep(3)
        return real_judged(bulk, name)

    def statuses(dataset, day, law, name, *rest):
        here.append(name)
        return real_statuses(dataset, day, law, name, *rest)
    monkeypatch.setattr(screen_ahead, "_judged", slow)
    monkeypatch.setattr(screen_module, "_statuses", statuses)
    assert _csv(world, monkeypatch, "1") == alone
    assert 1 <= len(here) < len(RULES.reading_names()) - 1  # the child judged one, this process the rest
    assert len(set(here)) == len(here)


@pytest.mark.parametrize("interpretation", [None, "government-control", "feoc-lookthrough"])
def test_the_worst_case_made_before_the_fork_is_the_one_the_doubt_builds(world, monkeypatch, interpretation):
    """`prepare_worst` builds the worst case's columns and graphs once, before a fork; the doubt passed down then
    reads those very objects (not rebuilt) and the table is the same bytes."""
    readings = BulkReadings(world, DAY, RULES)
    readings.prepare(interpretation)
    prepare_worst(readings, interpretation)
    assert readings.worst is not None and readings.worst._base is not None and readings.ranged is False
    graphs = dict(readings.worst._base.graphs)
    readings.determine(interpretation)
    assert all(readings.worst._base.graphs[m] is g for m, g in graphs.items())
    assert _csv(world, monkeypatch, "1", interpretation) == _csv(world, monkeypatch, "0", interpretation)


def test_a_ranged_worst_case_made_before_the_fork_reads_the_records(monkeypatch):
    """The seeds record a share as a range: the worst case made before the fork is the records' (a range's maximum
    is not in the columns' floats), as the doubt passed down would make it; the same table forked or not."""
    from pathlib import Path

    from feoc.determine.ranges import has_ranges

    seeds = load_dataset(Path(__file__).resolve().parents[1] / "seeds", RULES, compact=True)
    readings = BulkReadings(seeds, DAY, RULES)
    prepare_worst(readings, None)
    assert readings.ranged == has_ranges(seeds)
    assert readings.worst_case is not None
    monkeypatch.setenv(forked.FORK_ENV, "1")
    shared = bulk_screen(seeds, DAY, RULES)
    monkeypatch.setenv(forked.FORK_ENV, "0")
    assert shared.columns == bulk_screen(seeds, DAY, RULES).columns


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300).flatmap(lambda size: st.tuples(st.just(size), st.lists(st.integers(0, size - 1), max_size=60))))
def test_the_tables_few_keys_counted_are_numpys_unique(case):
    """The table's nations per row and the readings' statuses per row are a few small keys: counted, they give
    exactly `numpy.unique`'s distinct keys and each row's index among them (an empty table too)."""
    from feoc.verdicts.screen_columns import small_unique

    size, keys = case
    array = np.array(keys, dtype=np.int64)
    distinct, inverse = small_unique(array, size)
    want, want_inverse = np.unique(array, return_inverse=True)
    assert distinct.tolist() == want.tolist() and inverse.tolist() == want_inverse.reshape(-1).tolist()
    assert distinct.dtype == want.dtype


def test_the_table_reads_the_nations_traces_of_its_reading(world, monkeypatch):
    """The table's `gov_*` columns read the chaining rounds' trace of each nation's bodies (not traced again) under
    the readings whose groups are the nations apart, and the CSV is the same bytes as tracing them afresh."""
    from feoc.determine import bulk_interests

    for interpretation in (None, "government-control", "feoc-lookthrough"):
        fast = _csv(world, monkeypatch, "0", interpretation)
        monkeypatch.setattr(bulk_interests, "traced_interests", lambda *a: None)
        assert _csv(world, monkeypatch, "0", interpretation) == fast, interpretation
        monkeypatch.undo()
    readings = BulkReadings(world, DAY, RULES)
    res = readings.determine(None, keep_traces=True)
    found = [bulk_interests.traced_interests(res.traces, res.graphs[m], res.gov[n], res.interpretation.tracing)
             for m in res.graphs for n in res.gov]
    assert found and all(x is not None for x in found)
    assert all(np.array_equal(x, res.graphs[m].interests(res.gov[n], False, res.lookthrough))
               for x, (m, n) in zip(found, [(m, n) for m in res.graphs for n in res.gov], strict=True))
