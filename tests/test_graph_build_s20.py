"""The stake graphs' build (issue 17, session 20): the compiled pass (`ownership/kernel_build.py`) lays a graph out
exactly as the numpy/scipy build it replaces (still the fallback without numba, and the reference's build), and the
worst case of `determine.doubt` reads the real case's holdings in force instead of looking each up again.

User story: an analyst screens a million entities; the graphs are built in a fraction of the time, and every
interest (DOE 89 FR 37079 §III.E, held "directly or indirectly") is the very float it was, so every 25 % decision
is the one `feoc check` makes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feoc.data.model import MEASURES
from feoc.determine import bulk_graphs
from feoc.determine.bulk import BulkReadings
from feoc.determine.bulk_doubt import worst_columns
from feoc.determine.doubt import FLOOR
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.ownership import arrays, kernel, kernel_build
from feoc.ownership.arrays import StakeGraph

pytestmark = pytest.mark.skipif(not kernel.AVAILABLE, reason="numba is not installed: the numpy build is the only one")

N = 14
LAW = Law.load()
DAY = dt.date(2024, 6, 1)
SHARES = st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.25, 0.3, 0.5, 0.51, 1.0])
STAKES = st.lists(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1), SHARES), max_size=60)


def _arrays(raw: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.array([h for h, _, _ in raw], dtype=np.int64), np.array([t for _, t, _ in raw], dtype=np.int64),
            np.array([s for _, _, s in raw], dtype=np.float64))


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Two labellings group the nodes alike (the components' numbers differ between the builds)."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def _layout(g: StakeGraph) -> tuple:
    """Everything the propagation reads of a graph, as plain values."""
    plan = kernel.Plan.of(g)
    return (g.holder.tolist(), g.target.tolist(), g.share.tolist(), g.lo.tolist(), g.hi.tolist(), g._spans,
            g.depths.tolist(), [(c.nodes, c.stakes, c.outside, c.holders) for c in g.cycles],
            [a.tolist() for a in plan.arrays()])


def _assert_same_build(n: int, holder: np.ndarray, target: np.ndarray, share: np.ndarray, rank: np.ndarray) -> None:
    keep = share > 0
    h, t, s = holder[keep], target[keep], share[keep]
    order, label, level, cyclic = arrays._levelled(n, h, t, s, rank, True)
    order0, label0, level0, cyclic0 = arrays._levelled(n, h, t, s, rank, False)
    assert (h[order].tolist(), t[order].tolist(), s[order].tolist()) == \
        (h[order0].tolist(), t[order0].tolist(), s[order0].tolist())
    assert level.tolist() == level0.tolist() and cyclic.tolist() == cyclic0.tolist()
    assert _same_partition(label, label0)
    compiled = StakeGraph(n, holder, target, share, rank)
    assert compiled.plan is not None
    assert _layout(compiled) == _layout(StakeGraph(n, holder, target, share, rank, reference=True))


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(STAKES, st.permutations(list(range(N))))
def test_the_compiled_build_lays_out_a_graph_as_the_numpy_build(raw, ids):
    """Random stakes with cross-holdings, self-holdings, repeated stakes and zero shares, entities indexed in an
    order other than their ids': the same sorted edges, levels, cycles and kernel plan."""
    _assert_same_build(N, *_arrays(raw), np.array(ids, dtype=np.int64))


def test_a_large_graph_with_many_holders_of_one_entity():
    """Thousands of entities, rings and a widely held entity (more stakes than the insertion sort takes: the merge
    sort's order, holder id then share, ties kept in input order)."""
    rng = np.random.default_rng(17)
    n, m = 3000, 9000
    holder, target = rng.integers(0, n, m), rng.integers(0, n, m)
    target[:200] = 7  # one entity held by 200 holders, some of them twice
    holder[100:200] = holder[:100]
    share = rng.choice([0.001, 0.002, 0.01, 0.05], m)
    ring = np.arange(50, 80)  # a ring of 30
    holder, target = np.r_[holder, ring], np.r_[target, np.roll(ring, 1)]
    share = np.r_[share, np.full(len(ring), 0.3)]
    _assert_same_build(n, holder, target, share, rng.permutation(n))


def test_a_chain_of_a_hundred_thousand_levels():
    """A chain deeper than any recursion limit: the compiled pass (iterative Tarjan) gives each entity its depth."""
    n = 100_000
    holder, target = np.arange(n - 1), np.arange(1, n)
    order, _, level, cyclic = kernel_build.levelled(n, holder.astype(np.int32), target.astype(np.int32),
                                                    np.full(n - 1, 0.5), np.arange(n, dtype=np.int32))
    assert level.tolist() == list(range(n)) and not cyclic.any() and order.tolist() == list(range(n - 1))


def test_an_empty_graph_and_one_without_stakes():
    for n in (0, 3):
        g = StakeGraph(n, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        assert g.interests(np.zeros(n, dtype=bool), False, None).tolist() == [0.0] * n
        assert _layout(g) == _layout(StakeGraph(n, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0),
                                                reference=True))


def _old_in_force(starts: list, ends: list, day: dt.date) -> list[int]:
    """The definition it replaces: `Dated.in_force` per holding (`from` inclusive, `until` exclusive)."""
    return [i for i, (a, b) in enumerate(zip(starts, ends)) if (a is None or a <= day) and (b is None or day < b)]


def test_holdings_in_force_on_both_sides_of_their_dates():
    """A holding from the day judged is in force, one until that day is not; the day before and after too."""
    day = dt.date(2024, 6, 1)
    dates = [None, day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)]
    starts = [a for a in dates for _ in dates]
    ends = [b for _ in dates for b in dates]
    got = bulk_graphs._in_force(starts, ends, day)
    assert got.tolist() == _old_in_force(starts, ends, day)
    assert got.tolist() == [0, 3, 4, 7, 8, 11]


def test_the_worst_case_reads_the_real_cases_holdings_in_force(parquet_world_2000):
    """The worst case of `determine.doubt` (the same holder, entity and date columns) takes the real case's holdings
    in force, once, and its graphs are those a fresh build gives."""
    dataset = load_dataset(parquet_world_2000, LAW, compact=True)
    base = BulkReadings(dataset, DAY, LAW).run()
    places = bulk_graphs.in_force(dataset, base.index, DAY)
    real, _ = bulk_graphs.stake_graphs(dataset, base.index, base.rank, DAY, known=places)
    got = worst_columns(dataset, float(LAW.param(FLOOR, DAY) or 0.0))
    assert got is not None and got[1]
    assert bulk_graphs.in_force(got[0], base.index, DAY, places) is places
    worst, _ = bulk_graphs.stake_graphs(got[0], base.index, base.rank, DAY, (dataset, real), places)
    fresh, _ = bulk_graphs.stake_graphs(got[0], base.index, base.rank, DAY)
    assert [worst[m] is real[m] for m in MEASURES] == \
        [got[0].column("holdings", m) is dataset.column("holdings", m) for m in MEASURES] != [True] * len(MEASURES)
    for m in MEASURES:
        assert _layout(worst[m]) == _layout(fresh[m]), m


def test_graphs_built_on_two_threads_are_the_graphs_built_one_by_one(parquet_world_2000, monkeypatch):
    """Issue 17, time (session 23): a large table's stake graphs are built two at a time on two threads
    (`bulk_graphs.built`). User story: an analyst's 1M screen builds its graphs on both cores, and every graph is the
    one a build one at a time lays out; no thread is left behind (a process with a second thread never forks its
    other readings: `forked.can_fork`)."""
    import threading

    dataset = load_dataset(parquet_world_2000, LAW, compact=True)
    base = BulkReadings(dataset, DAY, LAW).run()
    monkeypatch.setattr(bulk_graphs, "THREADS_FROM", 10**12)
    one, _ = bulk_graphs.stake_graphs(dataset, base.index, base.rank, DAY)
    monkeypatch.setattr(bulk_graphs, "THREADS_FROM", 0)
    monkeypatch.setattr(bulk_graphs, "_cores", lambda: 2)
    seen: set[str] = set()
    real_built = bulk_graphs.built

    def watched(makers, stakes):  # the threads are really used: each graph is made on a thread of the pool
        def on_a_thread(make):
            def run():
                seen.add(threading.current_thread().name)
                return make()
            return run
        return real_built({m: on_a_thread(make) for m, make in makers.items()}, stakes)
    monkeypatch.setattr(bulk_graphs, "built", watched)
    two, _ = bulk_graphs.stake_graphs(dataset, base.index, base.rank, DAY)
    assert seen and all(name.startswith("feoc-graph") for name in seen)
    assert list(two) == list(one) == list(MEASURES)
    for m in MEASURES:
        assert _layout(two[m]) == _layout(one[m]), m
    assert threading.active_count() == 1


def test_a_graph_that_fails_on_its_thread_raises_its_error(monkeypatch):
    """An error building one graph on a thread (out of memory, a fault) is raised to the caller as it would be
    one graph at a time, and no thread is left behind."""
    import threading

    monkeypatch.setattr(bulk_graphs, "_cores", lambda: 2)

    seen: list[str] = []

    def fails() -> StakeGraph:
        seen.append(threading.current_thread().name)
        raise MemoryError("no room for the graph")
    fine = lambda: StakeGraph(2, np.array([0]), np.array([1]), np.array([0.5]))  # noqa: E731
    with pytest.raises(MemoryError, match="no room"):
        bulk_graphs.built({"equity": fine, "voting": fails}, 10**9)
    assert seen and seen[0].startswith("feoc-graph")  # raised on a thread of the pool, not built one by one here
    assert threading.active_count() == 1


def test_ctrl_c_builds_no_graph_not_yet_begun(monkeypatch):
    """Ctrl-C while the graphs are built (three measures, two threads): the graph queued behind the two being built is
    never begun, the two are let finish, and no thread is left behind. The interrupt is raised where the caller waits
    for a graph (`Future.result`), as a terminal's Ctrl-C reaches the main thread."""
    import concurrent.futures
    import threading

    monkeypatch.setattr(bulk_graphs, "_cores", lambda: 2)
    begun: list[str] = []
    lock, two_running, hold = threading.Lock(), threading.Event(), threading.Event()
    timers: list[threading.Timer] = []

    def maker(m: str):
        def make() -> StakeGraph:
            with lock:
                begun.append(m)
                if len(begun) == 2:
                    two_running.set()
            hold.wait(5)
            return StakeGraph(2, np.array([0]), np.array([1]), np.array([0.5]))
        return make

    def interrupted(self, timeout=None):
        two_running.wait(5)
        timers.append(threading.Timer(1.0, hold.set))  # the two running let go once the queue is emptied
        timers[-1].start()
        raise KeyboardInterrupt
    monkeypatch.setattr(concurrent.futures.Future, "result", interrupted)
    with pytest.raises(KeyboardInterrupt):
        bulk_graphs.built({m: maker(m) for m in MEASURES}, 10**9)
    for timer in timers:
        timer.join()
    assert sorted(begun) == sorted(MEASURES[:2])  # the third measure's graph was never begun
    assert threading.active_count() == 1
