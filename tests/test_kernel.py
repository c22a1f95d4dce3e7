"""The compiled propagation kernel (issue 17, `ownership/kernel.py`) against the pure-Python paths it replaces:
bit for bit against the array sweep of `ownership/arrays.py` and against `ownership/graph.py` per subject, on random
stake graphs with cross-holdings, under every tracing of `rules/interpretations.yaml` (multiply; control with the
look-through; the R2 look-through, which is multiply with every FEOC a source), fully and incrementally.

User story: an analyst screens a million entities and must get the very figures (and so the very 25 % decisions,
DOE 89 FR 37079 §III.E) that `feoc check` gives for each entity, only faster."""

from __future__ import annotations

import contextlib
import math
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feoc.data import compiled
from feoc.ownership import above, arrays, cycles, exact, kernel
from feoc.ownership.arrays import NotBulk, StakeGraph
from feoc.ownership.graph import Graph, Stake, in_edges

ROOT = Path(__file__).resolve().parents[1]
N = 12
pytestmark = pytest.mark.skipif(not kernel.AVAILABLE, reason="numba is not installed: the pure-Python path is used")

SHARES = st.one_of(st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.3, 0.45, 0.5, 0.51, 0.75, 1.0]),
                   st.floats(0.0, 1.0, allow_nan=False).map(lambda v: round(v, 6)),
                   st.integers(1, 999).map(lambda k: k / 1000))
STAKES = st.lists(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1), SHARES), max_size=40)


def _kept(raw: list[tuple[int, int, float]], self_holdings: bool = True) -> list[tuple[int, int, float]]:
    """Each entity's stakes within 100 %, as the loader requires (self-holdings allowed: a cycle of one)."""
    room: dict[int, float] = {}
    kept = []
    for h, t, s in raw:
        if (self_holdings or h != t) and room.get(t, 0.0) + s <= 1.0:
            room[t] = room.get(t, 0.0) + s
            kept.append((h, t, s))
    return kept


def _graphs(kept: list[tuple[int, int, float]], rank: np.ndarray | None = None) -> tuple[StakeGraph, StakeGraph]:
    args = (np.array([h for h, _, _ in kept], dtype=np.int64), np.array([t for _, t, _ in kept], dtype=np.int64),
            np.array([s for _, _, s in kept], dtype=np.float64))
    return StakeGraph(N, *args, rank=rank), StakeGraph(N, *args, rank=rank, reference=True)


def _bits(x: np.ndarray) -> list[int]:
    return np.ascontiguousarray(x, dtype=np.float64).view(np.int64).tolist()


def _mask(indexes: set[int]) -> np.ndarray:
    mask = np.zeros(N, dtype=bool)
    mask[list(indexes)] = True
    return mask


@contextlib.contextmanager
def _handed_back(limit: int | None) -> Iterator[None]:
    """Cross-holdings over `limit` members handed back to Python by the kernel (None: the usual limit)."""
    with pytest.MonkeyPatch.context() as patch:
        if limit is not None:
            patch.setattr(cycles, "EXACT_LIMIT", limit)
            patch.setattr(kernel, "EXACT_LIMIT", limit)
        yield



@settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(STAKES, st.sets(st.integers(0, N - 1), max_size=4), st.sampled_from(["multiply", "control"]),
       st.sampled_from([0.5, 0.25, 0.0]))
def test_the_kernel_equals_the_array_sweep_bit_for_bit(raw, sources, tracing, lookthrough):
    """Random graphs with cross-holdings: every interest the same float, to the last bit."""
    compiled, reference = _graphs(_kept(raw))
    control = tracing == "control"
    mask = _mask(sources)
    assert _bits(compiled.interests(mask, control, lookthrough)) == _bits(reference.interests(mask, control, lookthrough))


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(STAKES, st.sets(st.integers(0, N - 1), max_size=4), st.sampled_from(["multiply", "control"]),
       st.permutations(range(N)))
def test_the_kernel_equals_the_ownership_graph_per_subject(raw, sources, tracing, ids):
    """The per-fact path (`ownership.graph`, string ids; `rank` maps indexes to id order) gives each subject the
    same float as the kernel: `feoc check` and `feoc screen` see the very same number."""
    kept = _kept(raw)
    names = [f"e{ids[i]:02d}" for i in range(N)]
    rank = np.array(ids, dtype=np.int64)
    expected = Graph(in_edges(Stake(names[h], names[t], s) for h, t, s in kept)).interests(
        {names[i] for i in sources}, tracing, 0.5)
    compiled, _ = _graphs(kept, rank)
    got = compiled.interests(_mask(sources), tracing == "control", 0.5)
    assert [expected.get(name, 0.0) for name in names] == got.tolist()


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(STAKES, st.sets(st.integers(0, N - 1), max_size=3), st.sets(st.integers(0, N - 1), max_size=3),
       st.sets(st.integers(0, N - 1), max_size=3), st.sampled_from(["multiply", "control"]))
def test_chaining_rounds_on_the_kernel_equal_full_reference_passes(raw, first, more, feocs, tracing):
    """The chaining rounds add sources (under the R2 look-through every new FEOC becomes one): each round
    recomputed incrementally by the kernel equals a full pure-Python pass, bit for bit."""
    compiled, reference = _graphs(_kept(raw))
    control = tracing == "control"
    rounds = [_mask(first), _mask(first | more), _mask(first | more | feocs)]
    since = None
    for sources in rounds:
        x = compiled.interests(sources, control, 0.5, since)
        assert _bits(x) == _bits(reference.interests(sources, control, 0.5))
        since = (sources, x)


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(STAKES, st.lists(st.sets(st.integers(0, N - 1), max_size=2), min_size=2, max_size=5),
       st.sampled_from(["multiply", "control"]), st.booleans())
def test_a_round_computes_again_only_what_its_new_sources_reach_with_the_same_figures(raw, added, tracing, large):
    """Issue 17, time: a chaining round adds a few sources to the last one's (under the R2 look-through, the new
    FEOCs), and the kernel computes again only the entities and cycles holding a stake from one whose weight
    changed: every round's figures are a full pure-Python pass's, bit for bit, also where cycles are handed back to
    Python (`large`: the limit at 2) and where an added source already had an interest."""
    with _handed_back(2 if large else None):
        compiled, reference = _graphs(_kept(raw))
        control = tracing == "control"
        sources: set[int] = set()
        since = None
        for more in added:
            sources |= more
            x = compiled.interests(_mask(sources), control, 0.5, since)
            assert _bits(x) == _bits(reference.interests(_mask(sources), control, 0.5))
            since = (_mask(sources), x)


@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("tracing", ["multiply", "control"])
def test_a_round_computes_again_what_a_cross_holding_it_changed_holds(large, tracing):
    """A new source (0) upstream of a cross-holding (1 and 2), which holds the only stake in a company (3) below:
    the company is computed again because the cycle's figures changed, whether the kernel or Python solved it."""
    kept = [(0, 1, 0.6), (1, 2, 0.3), (2, 1, 0.3), (2, 3, 0.7), (4, 5, 0.5)]
    with _handed_back(1 if large else None):
        compiled, reference = _graphs(kept)
        control = tracing == "control"
        first = compiled.interests(_mask({4}), control, 0.5)
        again = compiled.interests(_mask({0, 4}), control, 0.5, (_mask({4}), first))
        assert again[3] > 0 and _bits(again) == _bits(reference.interests(_mask({0, 4}), control, 0.5))


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(STAKES, st.sets(st.integers(0, N - 1), max_size=4), st.sampled_from(["multiply", "control"]))
def test_cycles_handed_back_to_python_give_the_same_figures(raw, sources, tracing):
    """Cross-holdings over `cycles.EXACT_LIMIT` members are solved in Python (scipy's sparse LU), between two
    calls of the kernel: with the limit at 2, most cycles of these graphs take that way."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cycles, "EXACT_LIMIT", 2)
        patch.setattr(kernel, "EXACT_LIMIT", 2)
        compiled, reference = _graphs(_kept(raw))
        mask = _mask(sources)
        control = tracing == "control"
        assert _bits(compiled.interests(mask, control, 0.5)) == _bits(reference.interests(mask, control, 0.5))


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(STAKES, st.lists(st.sets(st.integers(0, N - 1), max_size=3), min_size=2, max_size=5),
       st.sampled_from(["multiply", "control"]), st.booleans())
def test_several_sets_of_sources_at_once_give_each_sets_own_figures(raw, sets, tracing, large):
    """Issue 17, time: each covered nation's government bodies traced in one pass over the stakes
    (`StakeGraph.interests_many`) give, set by set, the very figures of a pure-Python pass on that set alone; also
    where cycles are handed back to Python (`large`: the limit at 2, so most cycles of these graphs are)."""
    with _handed_back(2 if large else None):
        compiled, reference = _graphs(_kept(raw))
        control = tracing == "control"
        masks = [_mask(s) for s in sets]
        together = compiled.interests_many(masks, control, 0.5)
        assert [_bits(x) for x in together] == [_bits(reference.interests(m, control, 0.5)) for m in masks]
        assert all(x.flags.c_contiguous for x in together)


def test_a_controlled_member_holding_another_is_solved_by_the_kernel():
    """Control tracing, two members of a cross-holding each held above the look-through and holding one another:
    both paths recompute held members in the members' order (by id), so the kernel solves the cycle itself instead
    of handing it back to Python (issue 17: ~10,000 such cycles at 1M entities), with the same figures."""
    kept = [(0, 1, 0.6), (0, 2, 0.6), (1, 2, 0.3), (2, 1, 0.3), (1, 3, 0.4), (2, 3, 0.4)]
    compiled, reference = _graphs(kept)
    mask = _mask({0})
    assert _bits(compiled.interests(mask, True, 0.5)) == _bits(reference.interests(mask, True, 0.5))
    assert not compiled.cache  # not solved by the Python solver (its cache would hold the solution)


def test_held_members_are_recomputed_in_the_components_order_not_a_sets():
    """`cycles.solve_held` recomputes the held members in the component's order (by id), as the kernel does: a
    set's order is not that (a set of the ints 1 and 8 gives 8 first) and, for text ids, changes with the
    process's hash seed, which could change the last bits of a figure from one run to the next."""
    calls: list[int] = []

    def compute(node: int) -> float:
        calls.append(node)
        return 0.9

    assert cycles.solve_held([1, 8], compute, {}, lambda node: True, cycles._dense_system)
    assert calls == [1, 8]


def test_a_long_chain_and_ring_on_the_kernel():
    """A 2,000-level chain into a 250-member ring of 99.99 % stakes (DOE: interests through any number of
    intermediates): the kernel's figures are the reference's."""
    n = 2_300
    holder = list(range(2_000)) + [2_000 + i for i in range(250)] + [1_999]
    target = list(range(1, 2_001)) + [2_000 + (i + 1) % 250 for i in range(250)] + [2_100]
    share = [0.999] * 2_000 + [0.9999] * 250 + [0.0001]
    args = (np.array(holder), np.array(target), np.array(share))
    mask = np.zeros(n, dtype=bool)
    mask[0] = True
    compiled, reference = StakeGraph(n, *args), StakeGraph(n, *args, reference=True)
    assert _bits(compiled.interests(mask, False, 0.5)) == _bits(reference.interests(mask, False, 0.5))


def test_a_cycle_that_does_not_converge_is_left_to_the_durable_rules_path(monkeypatch):
    """The kernel's sweeps refuse what does not settle, as `cycles.solve_cycle` does: NotBulk (the screen then
    falls back to durable-rules, which reports the cycle as an input error)."""
    graph = StakeGraph(3, np.array([0, 1, 2]), np.array([1, 0, 0]), np.array([0.5, 0.5, 0.5]))
    sources = np.array([False, False, True])
    assert graph.interests(sources, False, 0.5).tolist() == pytest.approx([2 / 3, 1 / 3, 0.0])
    calls = []

    def failing(level, *args):
        calls.append(level)
        return level, 0, 0  # cycle 0 did not converge

    monkeypatch.setattr(kernel, "propagate", failing)
    with pytest.raises(NotBulk):
        graph.interests(sources, False, 0.5)
    assert calls


@pytest.mark.parametrize("values", [[], [0.1], [0.1, 0.2, 0.3], [1e16, 1.0, -1e16], [-0.0], [-0.0, -0.0], [0.5, -0.0]])
def test_back_substitution_sums_as_this_pythons_sum(values):
    """`cycles._gauss` sums its back substitution with `sum()`, which compensates since Python 3.12: the kernel's
    back substitution reproduces the running interpreter's, sign of zero included."""
    n = len(values) + 1
    rows = np.zeros((n, n + 1))
    rows[0, 0] = 1.0
    rows[0, 1:n] = values
    for i in range(1, n):
        rows[i, i] = 1.0
        rows[i, n] = 1.0
    got = kernel._gauss(rows.copy(), kernel.NEUMAIER)
    expected = cycles._gauss(rows.tolist())
    assert expected is not None and _bits(np.array(expected)) == _bits(got)
    assert math.copysign(1.0, got[0]) == math.copysign(1.0, expected[0])


def test_a_relative_xdg_cache_home_never_puts_compiled_code_in_the_working_folder(tmp_path, monkeypatch):
    """XDG Base Directory: a relative XDG_CACHE_HOME is invalid and ignored, so numba's cache goes under the home
    folder's `.cache`, not under the folder a command happens to run from; without an absolute home, nowhere."""
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert compiled.cache_dir() == tmp_path / "home" / ".cache" / "feoc" / "numba"
    monkeypatch.setenv("HOME", "not/absolute")
    assert compiled.cache_dir() is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert compiled.cache_dir() == tmp_path / "xdg" / "feoc" / "numba"


def test_compiled_code_is_cached_under_the_users_cache_and_read_only_packages_work(tmp_path):
    """`cache=True` writes under `$XDG_CACHE_HOME/feoc/numba`, never beside the package: a read-only copy of the
    package computes the same figures, and a second process finds the compiled code."""
    package = tmp_path / "site"
    shutil.copytree(ROOT / "src" / "feoc", package / "feoc")
    subprocess.run(["chmod", "-R", "a-w", str(package)], check=True)
    cache = tmp_path / "cache"
    code = ("import numpy as np; from feoc.ownership.arrays import StakeGraph;"
            "g = StakeGraph(3, np.array([0, 1, 2]), np.array([1, 0, 0]), np.array([0.5, 0.5, 0.5]));"
            "print(g.interests(np.array([False, False, True]), False, 0.5).tolist())")
    env = {"PYTHONPATH": str(package), "XDG_CACHE_HOME": str(cache), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    try:
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            assert out.stdout.strip() == str([2 / 3, 1 / 3, 0.0])
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(package)], check=True)
    assert list((cache / "feoc" / "numba").rglob("*.nbi"))
    assert not list(package.rglob("*.nbi"))


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(STAKES, st.sets(st.integers(0, N - 1), max_size=4), st.lists(st.integers(0, N - 1), min_size=1, max_size=4),
       st.sampled_from(["multiply", "control"]), st.sampled_from([(20_000, 40), (5, 40), (20_000, 2), (20_000, 1)]))
def test_exact_figures_walked_on_arrays_equal_the_dictionary_walk(raw, sources, targets, tracing, limits):
    """Issue 15's exact re-decision next to a threshold: the walk above the asked-for entities and its cycles in
    topological order, done on arrays (`InEdgeIndex.walk`), give the very fractions of the dictionary
    walk of `ownership.exact`, and give up (None) exactly when it does (too many entities, a cycle too large)."""
    kept = _kept(raw)
    compiled, _ = _graphs(kept)
    edges: dict[int, list[tuple[int, float]]] = {}
    for h, t, s in sorted(kept):
        if s > 0:
            edges.setdefault(t, []).append((h, s))
    control = tracing == "control"
    with pytest.MonkeyPatch.context() as patch:
        for module in (exact, above):
            patch.setattr(module, "EXACT_NODES", limits[0])
            patch.setattr(module, "EXACT_CYCLE", limits[1])
        exact._SOLVED.clear()
        expected = exact.exact_interests(edges, set(sources), targets, control, 0.5)
        exact._SOLVED.clear()
        got = exact.exact_interests(compiled.in_edges().memo(), arrays.IndexSet(_mask(sources)), targets, control, 0.5)
    assert got == expected


@pytest.mark.parametrize("floor", [0.0, 0.05, 0.3, 1.0])
def test_the_bulk_worst_case_fills_the_same_holdings_on_columns(tmp_path, floor):
    """Issue 14's doubt passed down the chain: the bulk path's worst case (`bulk_doubt.worst_columns`, on the
    columns of a compact load) takes the same unrecorded measures as 100 % as `doubt.worst_case` does record by
    record, on a synthetic world with many holdings that leave voting rights or board seats out."""
    from feoc.data.model import MEASURES
    from feoc.determine.bulk_doubt import worst_columns
    from feoc.determine.doubt import worst_case
    from feoc.law.law import Law
    from feoc.load.folder import load_dataset

    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "2000", "--out", str(tmp_path),
                    "--seed", "3"], check=True, stdout=subprocess.DEVNULL)
    dataset = load_dataset(tmp_path, Law.load(), compact=True)
    expected, filled = worst_case(dataset, floor)
    got = worst_columns(dataset, floor)
    assert got is not None
    assert bool(got[1]) == bool(filled) and len(got[1]) == len(filled)
    for field in ("holder", "entity", "start", "end", *MEASURES):
        assert got[0].column("holdings", field) == expected.column("holdings", field), field


def test_without_a_writable_cache_the_pure_python_path_screens(tmp_path):
    """A home whose cache cannot be written (a locked-down account): no compiling anew in every process, the
    pure-Python sweep computes the same figures."""
    blocked = tmp_path / "file"
    blocked.write_text("")
    code = ("import numpy as np; from feoc.ownership import kernel; from feoc.ownership.arrays import StakeGraph;"
            "g = StakeGraph(3, np.array([0, 1, 2]), np.array([1, 0, 0]), np.array([0.5, 0.5, 0.5]));"
            "print(kernel.AVAILABLE, g.interests(np.array([False, False, True]), False, 0.5).tolist())")
    env = {"PYTHONPATH": str(ROOT / "src"), "XDG_CACHE_HOME": str(blocked), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"False {[2 / 3, 1 / 3, 0.0]}"
