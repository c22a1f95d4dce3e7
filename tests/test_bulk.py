"""The bulk (vectorised) screening path against durable-rules, the engine of record.

The issue's requirement: every rule case gives the same result through both paths, and screening the
synthetic 10k world gives identical results. Also the arithmetic underneath: interests on arrays equal
to `ownership.Graph`, and Python's rounding reproduced exactly.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.determine import bulk as bulk
from feoc.determine.regime30d import determine
from feoc.determine.regime45x import determine45x
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.ownership import arrays
from feoc.ownership.arrays import NotBulk, StakeGraph, py_round
from feoc.ownership.graph import Graph, Stake, in_edges
from feoc.rulecases import all_cases, inline_dataset
from feoc.verdicts.screen import bulk_screen, screen

RULES = Law.load()
CASES = all_cases(RULES)
ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2024, 6, 1)


def _findings(det):
    return [(f.rule_id, f.subject, f.facts) for f in det.findings]


@pytest.mark.parametrize(("src", "index"), CASES, ids=[f"{s.rule.id}: {s.rule.cases[i].name}" for s, i in CASES])
def test_every_rule_case_fires_the_same_through_the_vectorised_evaluator(src, index):
    """Each rule case's whole dataset: every firing (rule, subject, facts) of durable-rules, none other."""
    case = src.rule.cases[index]
    dataset = inline_dataset(case.dataset, src.file, RULES)
    if src.rule.regime == "45x":
        durable, fast = (determine45x(dataset, case.on, RULES, ev) for ev in ("durable-rules", "vectorised"))
    else:
        durable, fast = (determine(dataset, case.on, RULES, case.interpretation, ev) for ev in ("durable-rules", "vectorised"))
    assert _findings(fast) == _findings(durable)


# every case of the entity regime, share ranges included (issue 20: the bulk path judges them as `feoc check`)
ENTITY_CASES = [(s, i) for s, i in CASES if s.rule.regime == "30d"]


@pytest.mark.parametrize(("src", "index"), ENTITY_CASES,
                         ids=[f"{s.rule.id}: {s.rule.cases[i].name}" for s, i in ENTITY_CASES])
def test_every_rule_case_screens_the_same_through_the_bulk_path(src, index):
    """The screening table of each case's dataset (FEOC, deciding rules, government interests) by the
    bulk path equals the one built from the durable-rules determination."""
    case = src.rule.cases[index]
    dataset = inline_dataset(case.dataset, src.file, RULES)
    fast = bulk_screen(dataset, case.on, RULES, case.interpretation)
    durable = screen(dataset, case.on, RULES, case.interpretation, "durable-rules")
    assert fast == durable
    if src.rule.applies_to == "entity" and src.rule.then.conclusion == "feoc" and case.subject in fast.columns["entity"]:
        row = fast.columns["entity"].index(case.subject)
        assert (src.rule.id in fast.columns["rules"][row].split(";")) == (case.expect == "fires")


@pytest.fixture(scope="module")
def world_10k(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world10k")
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "10000", "--out", str(out),
                    "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    return out


@pytest.mark.parametrize(("interpretation", "evaluator"), [("feoc-lookthrough", "durable-rules"),
                                                            ("government", "reference"),
                                                            ("government-all-nations", "reference"),
                                                            ("government-control", "reference")])
def test_screening_the_synthetic_10k_world_is_identical_through_both_paths(world_10k, interpretation, evaluator):
    """bench/gen_world.py's 10k world (deep chains, cross-holdings, dated stakes): identical tables. The
    reference evaluator stands in for durable-rules on the other readings (test_differential proves
    those two equal on every reading)."""
    dataset = load_dataset(world_10k, RULES)
    fast = screen(dataset, DAY, RULES, interpretation, "vectorised")
    slow = screen(dataset, DAY, RULES, interpretation, evaluator)
    assert fast.feoc_count() > 100 and any(v > 0 for v in fast.columns["gov_equity"])  # not an empty comparison
    assert fast == slow


@pytest.mark.parametrize("interpretation", ["feoc-lookthrough", "government", "government-all-nations", "government-control"])
def test_the_differential_world_screens_the_same_under_every_reading(interpretation):
    """test_differential's 2k world (shares at the 25 % edge, agreements, listings): identical tables."""
    from test_differential import synthetic_world  # pytest puts tests/ on sys.path (rootdir-relative import)

    world = synthetic_world(2_000, seed=5)
    assert screen(world, DAY, RULES, interpretation) == screen(world, DAY, RULES, interpretation, "reference")


# --- the arithmetic ----------------------------------------------------------------------------------

stakes = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.3, 0.45, 0.5])),
                  max_size=24)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(stakes, st.sets(st.integers(0, 7), max_size=3), st.sampled_from(["multiply", "control"]))
def test_interests_on_arrays_equal_the_ownership_graph(raw, sources, tracing):
    """Random small graphs, cross-holdings included: the level-by-level array propagation gives the
    interests of ownership.Graph (which is tested against brute force) to 1e-9."""
    room: dict[int, float] = {}
    kept = []
    for h, t, s in raw:  # keep each entity's stakes within 100 %, as the loader requires
        if h != t and room.get(t, 0.0) + s <= 1.0:
            room[t] = room.get(t, 0.0) + s
            kept.append((h, t, s))
    names = [f"n{i}" for i in range(8)]
    expected = Graph(in_edges(Stake(names[h], names[t], s) for h, t, s in kept)).interests(
        {names[i] for i in sources}, tracing, 0.5)
    arr = StakeGraph(8, np.array([h for h, _, _ in kept], dtype=np.int64), np.array([t for _, t, _ in kept], dtype=np.int64),
                     np.array([s for _, _, s in kept], dtype=np.float64))
    mask = np.zeros(8, dtype=bool)
    mask[list(sources)] = True
    got = arr.interests(mask, tracing == "control", 0.5)
    for i, name in enumerate(names):
        assert math.isclose(got[i], expected.get(name, 0.0), abs_tol=1e-9), (name, got[i], expected.get(name))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(stakes, st.sets(st.integers(0, 7), max_size=3), st.sets(st.integers(0, 7), max_size=3),
       st.sampled_from(["multiply", "control"]))
def test_adding_sources_incrementally_gives_the_same_array_bit_for_bit(raw, first, more, tracing):
    """A chaining round adds sources: recomputing only the levels below the new ones equals a full pass."""
    room: dict[int, float] = {}
    kept = []
    for h, t, s in raw:
        if h != t and room.get(t, 0.0) + s <= 1.0:
            room[t] = room.get(t, 0.0) + s
            kept.append((h, t, s))
    graph = StakeGraph(8, np.array([h for h, _, _ in kept], dtype=np.int64), np.array([t for _, t, _ in kept], dtype=np.int64),
                       np.array([s for _, _, s in kept], dtype=np.float64))
    before = np.zeros(8, dtype=bool)
    before[list(first)] = True
    after = before.copy()
    after[list(more)] = True
    control = tracing == "control"
    earlier = graph.interests(before, control, 0.5)
    assert graph.interests(after, control, 0.5, (before, earlier)).tolist() == graph.interests(after, control, 0.5).tolist()


def test_cross_holdings_that_do_not_converge_are_left_to_the_durable_rules_path(monkeypatch):
    """Should a cycle not converge (the loader refuses the 100 % cycles that would), the bulk path says
    so (NotBulk) and screening falls back to durable-rules, which reports it."""
    from feoc.data.problems import InputError, Problem

    def diverge(*args, **kwargs):
        raise InputError([Problem("(ownership data)", 0, "does not converge", "check")])

    # the pure-Python sweep, whose cycles `solve_cycle` solves (the compiled kernel's refusal: tests/test_kernel.py)
    graph = StakeGraph(3, np.array([0, 1, 2]), np.array([1, 0, 0]), np.array([0.5, 0.5, 0.5]), reference=True)
    assert graph.interests(np.array([False, False, True]), False, 0.5).tolist() == pytest.approx([2 / 3, 1 / 3, 0.0])
    monkeypatch.setattr(arrays, "solve_cycle", diverge)
    graph.cache.clear()
    with pytest.raises(NotBulk):
        graph.interests(np.array([False, False, True]), False, 0.5)
    monkeypatch.undo()
    dataset = load_dataset(ROOT / "seeds", RULES)

    def refuse(*args, **kwargs):
        raise NotBulk("test")

    monkeypatch.setattr("feoc.verdicts.screen.bulk_screen", refuse)
    assert screen(dataset, DAY, RULES) == screen(dataset, DAY, RULES, evaluator="durable-rules")


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.one_of(st.floats(0, 1), st.integers(0, 10**9).map(lambda k: k / 10**9 + 5e-10),
                 st.integers(0, 10**6).map(lambda k: (k + 0.5) / 10**6)), st.sampled_from([6, 9]))
def test_py_round_is_pythons_round(value, digits):
    """Ties and near-ties included: the screen's figures and the 25 % test see Python's round()."""
    assert py_round(np.array([value]), digits)[0] == round(value, digits)


def _outcome(res: bulk.BulkResult) -> tuple:
    return (res.feoc.tolist(), {k: v.tolist() for k, v in res.fired.items()}, res.scoped, res.rounds,
            res.undetermined.tolist() if res.undetermined is not None else None,
            {k: v.tolist() for k, v in (res.undetermined_rules or {}).items()}, res.interpretation.name)


@pytest.mark.parametrize("folder", ["seeds", "world"])
def test_readings_sharing_the_direct_prongs_decide_as_each_alone(folder, world_10k):
    """`BulkReadings` computes the direct prongs and the stake graphs once for every reading: each reading,
    in any order, decides exactly as a fresh `bulk_determine` of it alone."""
    world = folder == "world"
    dataset = load_dataset(world_10k, RULES, compact=True) if world else load_dataset(ROOT / "seeds", RULES)
    names = RULES.reading_names()
    for day in (DAY,) if world else (dt.date(2023, 12, 31), DAY, dt.date(2025, 3, 1)):
        alone = {n: _outcome(bulk.bulk_determine(dataset, day, RULES, n)) for n in names}
        for order in (names, names[::-1]):
            shared = bulk.BulkReadings(dataset, day, RULES)
            assert {n: _outcome(shared.determine(n)) for n in order} == alone


def test_seeds_screen_identically_through_both_paths_on_key_dates():
    dataset = load_dataset(ROOT / "seeds", RULES)
    for day in (dt.date(2023, 12, 31), dt.date(2024, 1, 1), dt.date(2025, 1, 1)):
        for reading in RULES.reading_names():  # every canonical reading
            assert screen(dataset, day, RULES, reading) == screen(dataset, day, RULES, reading, "durable-rules")
    assert bulk.bulk_determine(dataset, DAY, RULES).rounds >= 1


# --- the screen's loader: light rows, files read in parallel ---------------------------------------

BAD_INPUTS = sorted(p for p in (ROOT / "tests" / "bad_inputs").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", BAD_INPUTS, ids=[p.name for p in BAD_INPUTS])
def test_parallel_compact_loading_reports_the_same_problems(folder):
    """Every hostile dataset: the same problems (file, line, message, fix), in the same order, whether
    files are read here with pydantic models or in worker processes as light rows."""
    from feoc.data.problems import InputError

    def problems(**kw):
        try:
            load_dataset(folder, RULES, **kw)
        except InputError as exc:
            return [str(p) for p in exc.problems]
        return []

    serial = problems()
    assert bool(serial) != folder.name.startswith("valid-"), "a bad input is refused, a valid one (`valid-*`) loads"
    assert problems(compact=True, workers=2) == serial
    assert problems(compact=True) == serial


def test_light_rows_carry_every_field_and_method_of_the_validated_records():
    """The seeds as light rows (read by two workers): each entity and holding equals its pydantic model
    field by field, with `share` and `in_force` answering alike; the other kinds stay models."""
    models = load_dataset(ROOT / "seeds", RULES)
    rows = load_dataset(ROOT / "seeds", RULES, compact=True, workers=2)
    for kind in ("entities", "holdings"):
        a, b = getattr(models, kind), getattr(rows, kind)
        assert len(a) == len(b) > 0
        for m, r in zip(a, b):
            assert {f: getattr(m, f) for f in type(m).model_fields} == r._asdict()
    for m, r in zip(models.holdings, rows.holdings):
        assert ([m.share(x) for x in ("equity", "voting", "board_seats")]
                == [r.share(x) for x in ("equity", "voting", "board_seats")])
        assert m.in_force(DAY) == r.in_force(DAY)
    assert rows.facilities == models.facilities and rows.origins[("holdings", 3)] == models.origins[("holdings", 3)]
