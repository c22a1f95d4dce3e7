"""Issue 15, reliability round 2: the numeric attacks, through the real CLI with real files, and the
arithmetic underneath.

- class 2, silent caps: the chaining rounds stopped at a fixed 1,000 rounds without a word, so an entity
  1,050 levels down a FEOC chain came out "not a FEOC" (in `check` and `screen`);
- class 3, hangs: a 5,000-node ring of 99.9999 % stakes was swept up to 100,000 x n times (over 5 minutes);
- class 5, tracebacks: `value_usd: 1e300` and `cost_usd: 1e300` (valid data) crashed `check vehicle`,
  `check facility --credit 45x` and `report` (an OverflowError when numbers were sent to durable-rules).

The rounding edge (class 7) is in tests/test_reliability_rounding.py.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.problems import EngineError
from feoc.engine import durable
from feoc.law.compile import CompiledCondition, CompiledRule, CompiledRuleset
from feoc.ownership import cycles
from feoc.ownership.arrays import StakeGraph
from feoc.ownership.graph import Graph, Stake, in_edges

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
runner = CliRunner()
PROPERTY = settings(derandomize=True, max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def cli(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output and not isinstance(result.exception, (OverflowError, ValueError)), \
        result.output
    return result


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.yaml").write_text(text, encoding="utf-8")
    return folder


def _screen(data: Path, evaluator: str, day: str = "2024-06-01", *reading: str) -> dict[str, dict[str, str]]:
    result = cli("screen", "--on", day, "--data", str(data), "--format", "csv", "--evaluator", evaluator, *reading)
    assert result.exit_code == 0, result.output
    return {row["entity"]: row for row in csv.DictReader(io.StringIO(result.stdout))}


# --- class 2: no silent cap on the chaining rounds ---------------------------------------------------

DEPTH = 1050  # beyond the old fixed cap of 1,000 rounds
LOOKTHROUGH = ("--interpretation", "feoc-lookthrough")  # the reading whose rounds chain through FEOCs


@pytest.fixture(scope="module")
def deep_chain(tmp_path_factory) -> Path:
    """A covered-nation government holds 30 % of c0000, each company 30 % of the next: under feoc-lookthrough
    (R2: a FEOC's stake counts in full) each entity is a FEOC only once the one above it is (30 % x 30 % =
    9 % < 25 %), so the chain takes one round a level."""
    lines = ["entities:", "  - {id: gov-cn, name: CN government, type: government, country: CN}"]
    lines += [f"  - {{id: c{i:04d}, name: Company {i}, type: company, incorporated_in: US, headquartered_in: US}}"
              for i in range(DEPTH + 1)]
    lines += ["holdings:", "  - {holder: gov-cn, entity: c0000, equity: \"30%\"}"]
    lines += [f"  - {{holder: c{i - 1:04d}, entity: c{i:04d}, equity: \"30%\"}}" for i in range(1, DEPTH + 1)]
    return _write(tmp_path_factory.mktemp("chain"), "\n".join(lines) + "\n")


def test_attack_an_entity_1050_levels_down_a_feoc_chain_is_a_feoc_in_check(deep_chain):
    result = cli("check", "entity", f"c{DEPTH:04d}", "--on", "2024-06-01", "--data", str(deep_chain), "--format", "json",
                 *LOOKTHROUGH)
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert body["feoc"] is True and list(body["readings"].values()) == ["feoc"]


@pytest.mark.parametrize("evaluator", ["vectorised", "durable-rules"])
def test_attack_an_entity_1050_levels_down_a_feoc_chain_is_a_feoc_in_screen(deep_chain, evaluator):
    rows = _screen(deep_chain, evaluator, "2024-06-01", *LOOKTHROUGH)
    assert all(rows[f"c{i:04d}"]["feoc"] == "True" for i in range(DEPTH + 1))
    assert rows[f"c{DEPTH:04d}"]["rules"] == "feoc-ownership"


def test_attack_a_45x_foreign_control_chain_1050_levels_deep_reaches_the_operator(tmp_path):
    """IRC 7701(a)(51)(C): more than 50 % held by a foreign-controlled entity, chained level by level."""
    lines = ["entities:", "  - {id: cn-parent, name: CN Parent, type: company, incorporated_in: CN}"]
    lines += [f"  - {{id: c{i:04d}, name: Company {i}, type: company, incorporated_in: US}}" for i in range(DEPTH + 1)]
    lines += ["holdings:", "  - {holder: cn-parent, entity: c0000, equity: \"60%\"}"]
    lines += [f"  - {{holder: c{i - 1:04d}, entity: c{i:04d}, equity: \"60%\"}}" for i in range(1, DEPTH + 1)]
    lines += ["facilities:", f"  - {{id: plant, name: Plant, operator: c{DEPTH:04d}, country: US, "
              "activities: [battery_cell_manufacturing]}"]
    data = _write(tmp_path / "d", "\n".join(lines) + "\n")
    result = cli("check", "facility", "plant", "--on", "2026-06-01", "--data", str(data), "--credit", "45x",
                 "--format", "json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["operator_pfe"] is True


def test_a_chain_cut_short_by_the_round_bound_is_no_verdict_not_a_partial_one(deep_chain, monkeypatch):
    """Were the bound ever hit (it cannot be, by construction: see determine.driver), the run ends with
    exit 3 and no verdict, never with the status of an unfinished chain."""
    from feoc.determine import bulk, perfact

    monkeypatch.setattr(perfact, "round_limit", lambda growth: 10)
    result = cli("check", "entity", f"c{DEPTH:04d}", "--on", "2024-06-01", "--data", str(deep_chain), *LOOKTHROUGH)
    assert result.exit_code == 3, result.output
    assert "did not reach a fixed point within 10 rounds" in result.output
    monkeypatch.setattr(bulk, "round_limit", lambda growth: 10)
    screened = cli("screen", "--on", "2024-06-01", "--data", str(deep_chain), "--format", "csv", *LOOKTHROUGH)
    assert screened.exit_code == 3 and "c1050" not in screened.stdout, screened.output


# --- class 3: bounded time on large cross-holdings ---------------------------------------------------

RING = 5000
LEAK = 1e-6  # the government's stake in r0000; the ring's stakes are 1 - LEAK = 99.9999 %


def _ring_interest(i: int) -> float:
    """The exact interest in ring member i: x0 = leak / (1 - s^n), x_i = s^i x0 with s = 1 - leak."""
    s = 1 - LEAK
    return LEAK / -math.expm1(RING * math.log1p(-LEAK)) * s ** i


@pytest.fixture(scope="module")
def big_ring(tmp_path_factory) -> Path:
    lines = ["entities:", "  - {id: gov-cn, name: CN government, type: government, country: CN}"]
    lines += [f"  - {{id: r{i:04d}, name: Ring {i}, type: company, incorporated_in: US, headquartered_in: US}}"
              for i in range(RING)]
    lines += ["holdings:", "  - {holder: gov-cn, entity: r0000, equity: \"0.0001%\"}"]
    lines += [f"  - {{holder: r{i:04d}, entity: r{(i + 1) % RING:04d}, equity: \"99.9999%\"}}" for i in range(RING)]
    return _write(tmp_path_factory.mktemp("ring"), "\n".join(lines) + "\n")


def test_attack_a_5000_node_ring_of_99_9999_percent_stakes_is_checked_in_seconds(big_ring):
    start = time.monotonic()
    result = cli("check", "entity", "r2500", "--on", "2024-06-01", "--data", str(big_ring), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["feoc"] is False  # about 0.02 %: far below 25 %
    assert time.monotonic() - start < 60


@pytest.mark.parametrize("evaluator", ["vectorised", "durable-rules"])
def test_attack_a_5000_node_ring_of_99_9999_percent_stakes_is_screened_in_seconds_and_right(big_ring, evaluator):
    start = time.monotonic()
    rows = _screen(big_ring, evaluator)
    assert time.monotonic() - start < 60
    for i in (0, 1, 2500, RING - 1):
        assert float(rows[f"r{i:04d}"]["gov_equity"]) == round(_ring_interest(i), 6)


def _ring_graphs(n: int, stake: float, chords: list[tuple[int, int, float]], sources: list[int]):
    """A ring of n entities (plus entity n, outside, holding `1 - stake` of node 0) with chords, as a
    Graph (ids `e00000`...) and as a StakeGraph over the same indexes (id order = index order)."""
    stakes = [(i, (i + 1) % n, stake) for i in range(n)] + [(n, 0, 1 - stake)] + chords
    names = [f"e{i:05d}" for i in range(n + 1)]
    graph = Graph(in_edges(Stake(names[h], names[t], s) for h, t, s in stakes))
    arrays = StakeGraph(n + 1, np.array([h for h, _, _ in stakes]), np.array([t for _, t, _ in stakes]),
                        np.array([s for _, _, s in stakes]))
    mask = np.zeros(n + 1, dtype=bool)
    mask[sources] = True
    return graph, arrays, names, mask


@PROPERTY
@given(st.integers(cycles.EXACT_LIMIT + 1, 700), st.sampled_from([0.5, 0.9, 0.999999, 1 - 1e-9]),
       st.lists(st.tuples(st.integers(0, 699), st.integers(0, 699), st.integers(1, 20)), max_size=12),
       st.sampled_from(["multiply", "control"]))
def test_large_cycles_are_solved_bit_identically_on_both_paths_and_are_fixed_points(n, stake, raw, tracing):
    """The per-subject path and the array path call the same sparse solver: the same floats, bit for bit,
    and a fixed point of the interest rule (one more step moves nothing beyond 1e-12)."""
    # chords take their share out of the ring stake of their target, so no entity is held beyond 100 %
    chords, taken = [], {}
    for h, t, pct in raw:
        h, t = h % n, t % n
        if t != 0 and t not in taken and h != t:
            taken[t] = pct / 1000
            chords.append((h, t, pct / 1000))
    names = [f"e{i:05d}" for i in range(n + 1)]
    mask = np.zeros(n + 1, dtype=bool)
    mask[n] = True
    stakes = [(i, (i + 1) % n, stake - taken.get((i + 1) % n, 0.0)) for i in range(n)] + [(n, 0, 1 - stake)] + chords
    graph = Graph(in_edges(Stake(names[h], names[t], s) for h, t, s in stakes))
    arrays = StakeGraph(n + 1, np.array([h for h, _, _ in stakes]), np.array([t for _, t, _ in stakes]),
                        np.array([s for _, _, s in stakes]))
    per_subject = graph.interests({names[n]}, tracing, 0.5)
    on_arrays = arrays.interests(mask, tracing == "control", 0.5)
    assert [per_subject.get(name, 0.0) for name in names[:n]] == on_arrays[:n].tolist()
    held = {names[i]: v for i, v in enumerate(on_arrays.tolist())}
    for i in range(n):
        total = sum(s * (1.0 if names[h] == names[n] or (tracing == "control" and held[names[h]] > 0.5)
                         else held[names[h]]) for h, t, s in stakes if t == i)
        assert abs(min(total, 1.0) - held[names[i]]) < 1e-12


def test_a_large_ring_matches_its_closed_form():
    n, stake = 1000, 1 - 1e-6
    graph, arrays, names, mask = _ring_graphs(n, stake, [], [n])
    x0 = 1e-6 / -math.expm1(n * math.log1p(-1e-6))
    values = graph.interests({names[n]})
    on_arrays = arrays.interests(mask, False, None)
    for i in (0, 1, 500, n - 1):
        assert values[names[i]] == on_arrays[i] == pytest.approx(x0 * stake ** i, rel=1e-9)


def test_small_cycles_never_import_scipy_through_the_solver(monkeypatch):
    """`feoc check` on small data never loads scipy (bench/bench_check.py measures start-up): a cycle up
    to EXACT_LIMIT nodes is solved densely, without the sparse system."""
    def no_sparse(edges):
        raise AssertionError("the sparse solver was used for a small cycle")

    monkeypatch.setattr(cycles, "_sparse_system", no_sparse)
    graph, _, names, _ = _ring_graphs(cycles.EXACT_LIMIT, 0.9, [], [cycles.EXACT_LIMIT])
    assert graph.interests({names[-1]})[names[0]] == pytest.approx(0.1 / (1 - 0.9 ** cycles.EXACT_LIMIT))


# --- class 5: huge numbers are data, not a crash ----------------------------------------------------

@pytest.fixture(scope="module")
def huge_seeds(tmp_path_factory) -> Path:
    """The seeds with one component worth 1e300 USD and a §45X material input costing 1e300 USD."""
    data = tmp_path_factory.mktemp("huge") / "data"
    shutil.copytree(SEEDS, data)
    vehicles = data / "nissan-vehicles.yaml"
    text = vehicles.read_text(encoding="utf-8")
    assert "value_usd: 1700" in text
    vehicles.write_text(text.replace("value_usd: 1700", "value_usd: 1e300", 1), encoding="utf-8")
    (data / "inputs.yaml").write_text("material_inputs:\n"
        "  - {facility: aesc-smyrna, product: battery_cell, input: cathode, supplier: envision-group, cost_usd: 1e300}\n"
        "  - {facility: aesc-smyrna, product: battery_cell, input: anode, supplier: sk-on, cost_usd: 1e300}\n"
        "  - {facility: skba-commerce-2, product: battery_cell, input: cathode, supplier: sk-on, cost_usd: 1e300}\n",
        encoding="utf-8")
    return data


@pytest.mark.parametrize(("vehicle", "day", "code"), [("nissan-leaf-2024", "2023-06-01", 0),
                                                      ("nissan-leaf-2024", "2024-06-01", 1)])
def test_attack_a_component_worth_1e300_usd_is_judged_by_check_vehicle(huge_seeds, vehicle, day, code):
    """Under feoc-lookthrough AESC's cells are FEOC-made in 2024 (code 1), the verdict these figures test."""
    result = cli("check", "vehicle", vehicle, "--on", day, "--data", str(huge_seeds), *LOOKTHROUGH)
    assert result.exit_code == code, result.output
    assert ("eligible" in result.output.lower() or "CONTESTED" in result.output) and "sourcing" in result.output


def test_attack_a_material_input_costing_1e300_usd_is_judged_by_45x(huge_seeds):
    result = cli("check", "facility", "skba-commerce-2", "--on", "2026-06-01", "--data", str(huge_seeds),
                 "--credit", "45x", "--format", "json")
    assert result.exit_code in (0, 4), result.output
    cell = next(p for p in json.loads(result.stdout)["products"] if p["product"] == "battery_cell")
    assert cell["outcome"] == "pass" and cell["ratio"] == 1.0 and cell["total_cost_usd"] == 1e300
    aesc = cli("check", "facility", "aesc-smyrna", "--on", "2026-06-01", "--data", str(huge_seeds), "--credit", "45x")
    assert aesc.exit_code == 1, aesc.output  # the operator is a prohibited foreign entity


def test_attack_report_with_1e300_values_is_written(huge_seeds, tmp_path):
    result = cli("report", "--data", str(huge_seeds), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "vehicles" / "nissan-leaf-2024.md").is_file()


def test_attack_costs_adding_up_beyond_floats_are_an_input_error(tmp_path):
    """Each 1.5e308 is finite (valid); their sum is not: a clear exit 2, never a NaN ratio or a crash."""
    data = _write(tmp_path / "d", """
entities:
  - {id: maker, name: Maker, type: company, incorporated_in: US}
  - {id: kr-sup, name: KR Supplier, type: company, incorporated_in: KR}
facilities:
  - {id: plant, name: Plant, operator: maker, country: US, activities: [separator_manufacturing]}
material_inputs:
  - {facility: plant, product: separator, input: film, supplier: kr-sup, cost_usd: 1.5e308}
  - {facility: plant, product: separator, input: film 2, supplier: kr-sup, cost_usd: 1.5e308}
""")
    result = cli("check", "facility", "plant", "--on", "2026-06-01", "--data", str(data), "--credit", "45x")
    assert result.exit_code == 2, result.output
    assert "material inputs of separator at plant add up beyond" in result.output


HUGE = st.floats(min_value=1e9, max_value=1.7e308) | st.floats(min_value=-1.7e308, max_value=-1e9)
NINE_DECIMALS = st.integers(-10**18 + 1, 10**18 - 1).map(lambda k: round(k / 10**9, 9))


@PROPERTY
@given(HUGE | NINE_DECIMALS, NINE_DECIMALS.filter(lambda t: abs(t) < 1e9))
def test_durable_numbers_compare_with_rule_constants_as_the_real_numbers_do(value, constant):
    """The clamp beyond durable-rules' integer range keeps every comparison with a constant inside it."""
    v, t = durable.durable_number(value), durable.durable_number(constant)
    assert abs(v) <= durable.DURABLE_BOUND
    assert (v >= t, v > t, v <= t, v < t, v == t) == (value >= constant, value > constant, value <= constant,
                                                      value < constant, value == constant)


def test_a_rule_constant_beyond_the_durable_range_is_refused_not_judged_inexactly():
    rule = CompiledRule("too-big", "component", (CompiledCondition("value_usd", "gte", 1e300),), (), "x", None, ())
    with pytest.raises(EngineError, match="beyond"):
        durable.durable_definition(CompiledRuleset("huge", (rule,), ()))
    with pytest.raises(EngineError, match="NaN"):
        durable.durable_number(float("nan"))
