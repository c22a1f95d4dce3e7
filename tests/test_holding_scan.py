"""The loader's holding checks read a million-entity dataset on arrays and a small one record by record
(`feoc.load.holding_scan`). An analyst must get the same refusals either way: every hostile dataset reports
the same problems, a large valid world passes both, and the arrays' "no cycle possible" is never wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.data.dataset import Dataset
from feoc.data.problems import InputError
from feoc.law.law import Law
from feoc.load import holding_scan as holding_scan
from feoc.load.folder import load_dataset
from feoc.load.holding_scan import may_close_a_cycle, scan_holdings

ROOT = Path(__file__).resolve().parents[1]
RULES = Law.load(ROOT / "rules")
BAD_INPUTS = sorted(p for p in (ROOT / "tests" / "bad_inputs").iterdir() if p.is_dir())


def _problems(folder: Path, **kw) -> list[str]:
    try:
        load_dataset(folder, RULES, **kw)
    except InputError as exc:
        return [str(p) for p in exc.problems]
    return []


@pytest.mark.parametrize("folder", BAD_INPUTS, ids=[p.name for p in BAD_INPUTS])
def test_every_hostile_dataset_reports_the_same_problems_on_arrays(folder, monkeypatch):
    by_records = _problems(folder)
    assert _problems(folder, compact=True) == by_records  # small: records
    monkeypatch.setattr(holding_scan, "ARRAYS_FROM", 0)  # every scan and cycle question of a column load on arrays
    assert _problems(folder) == by_records  # loaded as models: still records
    assert _problems(folder, compact=True) == by_records


def test_only_a_column_load_reads_on_arrays(monkeypatch):
    """`feoc validate` and `feoc check` (models) never import numpy for the holding checks."""
    monkeypatch.setattr(holding_scan, "ARRAYS_FROM", 0)
    seeds = ROOT / "seeds"
    assert not scan_holdings(load_dataset(seeds, RULES)).arrays
    assert scan_holdings(load_dataset(seeds, RULES, compact=True)).arrays


def test_a_synthetic_world_scans_alike_both_ways(tmp_path):
    """bench/gen_world.py's 3k world: stakes handed over on a date (lifetime totals past 100 %), 100 %
    stakes, partial cross-holdings. Same suspects, same positions, and it loads either way."""
    world = tmp_path / "world"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "3000", "--out", str(world)],
                   check=True, stdout=subprocess.DEVNULL)
    dataset = load_dataset(world, RULES, compact=True)
    records, arrays = scan_holdings(dataset, arrays=False), scan_holdings(dataset, arrays=True)
    assert (records.over, records.whole) == (arrays.over, arrays.whole)
    assert any(records.over) and any(records.whole), "the world exercises both checks"


def _kahn_leaves_a_cycle(edges: list[tuple[str, str]]) -> bool:
    indegree: dict[str, int] = {}
    out: dict[str, list[str]] = {}
    for h, e in edges:
        indegree[e] = indegree.get(e, 0) + 1
        out.setdefault(h, []).append(e)
    free = [n for n in out if not indegree.get(n)]
    while free:
        for child in out.get(free.pop(), ()):
            indegree[child] -= 1
            if not indegree[child]:
                free.append(child)
    return any(n > 0 for n in indegree.values())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=14))
def test_arrays_never_miss_a_cycle_of_whole_stakes(pairs):
    edges = [(f"e{h}", f"e{e}") for h, e in pairs]
    assert _on_arrays([h for h, _ in edges], [e for _, e in edges]) == _kahn_leaves_a_cycle(edges)


def _on_arrays(holder, entity) -> bool:
    """`may_close_a_cycle` over every stake, on arrays whatever their number."""
    scan = holding_scan.HoldingScan((), (), holder, entity, arrays=True)
    saved = holding_scan.ARRAYS_FROM
    holding_scan.ARRAYS_FROM = 0
    try:
        return may_close_a_cycle(scan, list(range(len(holder))))
    finally:
        holding_scan.ARRAYS_FROM = saved


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=14))
def test_a_cycle_of_whole_stakes_is_found_from_the_entities_positions(pairs):
    """A compact load's holdings name entities by position (`Refs`): the cycle question reads them as it reads ids."""
    import numpy as np

    from feoc.data.columns import Refs

    ids = [f"e{i}" for i in range(8)]
    holder = Refs(np.array([h for h, _ in pairs], dtype=np.int32), ids)
    entity = Refs(np.array([e for _, e in pairs], dtype=np.int32), ids)
    assert _on_arrays(holder, entity) == _kahn_leaves_a_cycle([(f"e{h}", f"e{e}") for h, e in pairs])


def test_an_empty_dataset_scans_to_nothing_both_ways():
    for arrays in (False, True):
        scan = scan_holdings(Dataset(), arrays=arrays)
        assert scan.over == ({}, {}, {}) and scan.whole == ([], [], [])
