"""IRC 318(a)(2) attribution with the 50 % gate of 318(a)(2)(C) for the §45X foreign-influence tests (issue 16):
"section 318(a)(2) shall apply" (IRC 7701(a)(51)(D)); a corporation's stock is attributed to a holder of 50 %
or more only, a partnership's proportionately; constructive ownership counts for the gate (318(a)(5)(A)).

Properties of `ownership.gated` on small random graphs (hypothesis, the generators of
tests/test_ownership_properties.py): gated never above ungated, equal with nothing gated, a fixed point
(an intermediate is closed exactly when the holder owns less than the gate of it), monotone in the gated set;
`determine.pfe318`'s lower bound never above its upper. Then the user stories through the CLI: an unrecorded
form that decides is "cannot be determined" naming the intermediate and what to record; recorded as a
corporation or a partnership, the data decides; an unknown `tax_form` is refused at its line.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feoc.cli import app
from feoc.determine.pfe318 import bounds
from feoc.ownership.gated import gated_interests
from feoc.ownership.graph import Graph, Stake, in_edges

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
GATE = 0.5  # the gate of the test graphs (the law's is the parameter pfe_attribution_gate)
EPS = 1e-9


PROPERTY = settings(derandomize=True, max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = [f"e{i}" for i in range(8)]


def edges_of(pcts: dict[tuple[str, str], int]):
    return in_edges(Stake(h, e, p / 100) for (h, e), p in sorted(pcts.items()))


@st.composite
def graphs(draw):
    """Up to 8 entities, cross-holdings allowed, at most 100 % held in each and no stake of 100 % (so no
    cycle of 100 % stakes, which the loader refuses), as in tests/test_ownership_properties.py."""
    nodes = draw(st.permutations(NAMES))[:draw(st.integers(2, len(NAMES)))]
    pcts: dict[tuple[str, str], int] = {}
    for entity in nodes:
        room = 100
        for holder in draw(st.lists(st.sampled_from([n for n in nodes if n != entity]), unique=True, max_size=3)):
            pct = draw(st.integers(0, min(room, 99)))
            if pct:
                pcts[(holder, entity)] = pct
                room -= pct
    return sorted(nodes), pcts


@st.composite
def gated_graphs(draw):
    nodes, pcts = draw(graphs())
    holder = draw(st.sampled_from(nodes))
    gated = draw(st.sets(st.sampled_from(nodes)))
    return nodes, pcts, holder, gated


@PROPERTY
@given(gated_graphs())
def test_gated_never_above_ungated_and_equal_with_nothing_gated(case):
    """Gating only removes attribution paths (318(a)(2)(C)): gated <= ungated; all partnerships = ungated."""
    _, pcts, holder, gated = case
    graph = Graph(edges_of(pcts))
    ungated = graph.interests({holder})
    lower = gated_interests(graph, holder, gated, GATE).values
    for entity, value in lower.items():
        if entity != holder:
            assert value <= ungated.get(entity, 0.0) + EPS, (entity, value, ungated.get(entity))
    plain = gated_interests(graph, holder, (), GATE).values
    for entity in set(plain) | set(ungated):
        if entity != holder:
            assert abs(plain.get(entity, 0.0) - ungated.get(entity, 0.0)) <= EPS


@PROPERTY
@given(gated_graphs())
def test_the_gated_interest_is_a_fixed_point(case):
    """318(a)(5)(A): a gated intermediate stays closed exactly when the holder, counting what it owns
    constructively through the open ones, owns less than the gate of it."""
    _, pcts, holder, gated = case
    graph = Graph(edges_of(pcts))
    att = gated_interests(graph, holder, gated, GATE)
    for m in gated:
        if m == holder or not graph.out.get(m) or (m not in att.values and m not in att.closed):
            continue
        assert (m in att.closed) == (att.values.get(m, 0.0) < GATE - EPS), (m, att.values.get(m), att.closed)


@PROPERTY
@given(gated_graphs(), st.sets(st.sampled_from(NAMES)))
def test_more_gated_forms_never_raise_an_interest_and_lower_never_above_upper(case, more):
    """Monotone in the gated set: the lower bound (unrecorded forms gated) is never above the upper one."""
    nodes, pcts, holder, gated = case
    graph = Graph(edges_of(pcts))
    some = gated_interests(graph, holder, gated, GATE).values
    most = gated_interests(graph, holder, set(gated) | more, GATE).values
    for entity, value in most.items():
        assert value <= some.get(entity, 0.0) + EPS
    forms = {n: ("corporation" if n in gated else None if n in more else "partnership") for n in nodes}
    lower, upper = bounds(graph, {holder}, forms, {"corporation"}, GATE)
    for entity, value in lower.share.items():
        assert value <= upper.share.get(entity, 0.0) + EPS
    for entity, (value, _) in lower.single.items():
        assert value <= upper.single.get(entity, (0.0, ""))[0] + EPS


def test_two_sfes_summed_without_counting_a_stake_twice():
    """(III) together: A owns 50 % of B (both SFEs), B 40 % of T: 40 % together, not 60 % (B's stake counts
    for B, not again through B for A); the single largest is B's 40 %, A's own interest 20 %."""
    graph = Graph(edges_of({("a", "b"): 50, ("b", "t"): 40}))
    lower, upper = bounds(graph, {"a", "b"}, {"a": None, "b": None, "t": None}, {"corporation"}, GATE)
    assert lower.share["t"] == pytest.approx(0.4) and upper.share["t"] == pytest.approx(0.4)
    assert lower.single["t"] == (pytest.approx(0.4), "b")


def test_a_chain_opens_by_constructive_ownership_exactly_at_the_gate():
    """318(a)(5)(A): S owns 25 % of B directly and 50 % x 50 % through A (gate met): exactly 50 % of B, so
    B's 100 % of T is attributed in that proportion, 50 % — decided in fractions, not by float noise."""
    graph = Graph(edges_of({("s", "a"): 50, ("s", "b"): 25, ("a", "b"): 50, ("b", "t"): 100}))
    att = gated_interests(graph, "s", {"a", "b"}, GATE)
    assert att.values["t"] == pytest.approx(0.5) and not att.closed
    short = Graph(edges_of({("s", "a"): 50, ("s", "b"): 24, ("a", "b"): 50, ("b", "t"): 100}))
    assert "t" not in gated_interests(short, "s", {"a", "b"}, GATE).values


# ---- user stories through the CLI ---------------------------------------------------------------------------

def _plant(tmp_path: Path, form: str = "", share: str = "40%") -> str:
    """An SFE owning `share` of a US holding company (its `tax_form` as given) that owns the plant's operator."""
    data = tmp_path / "d"
    data.mkdir(exist_ok=True)
    (data / "d.yaml").write_text(f"""
entities:
  - {{id: sfe-co, name: SFE Co, type: company, incorporated_in: CN}}
  - {{id: holdco, name: Holdco, type: company, incorporated_in: US{form}}}
  - {{id: maker, name: Maker, type: company, incorporated_in: US, headquartered_in: US}}
  - {{id: kr-sup, name: KR Supplier, type: company, incorporated_in: KR}}
holdings:
  - {{holder: sfe-co, entity: holdco, equity: "{share}"}}
  - {{holder: holdco, entity: maker, equity: "100%"}}
facilities:
  - {{id: plant, name: Plant, operator: maker, country: US, activities: [battery_cell_manufacturing]}}
material_inputs:
  - {{facility: plant, product: battery_cell, input: cells, supplier: kr-sup, cost_usd: 90}}
""")
    return str(data)


def _check(data: str, *extra: str):
    return runner.invoke(app, ["check", "facility", "plant", "--data", data, "--on", "2026-06-01", "--credit", "45x",
                               *extra])


def test_an_unrecorded_form_that_decides_is_cannot_be_determined_naming_the_intermediate(tmp_path):
    """User story: an SFE owns 40 % of a holding company whose tax form nobody recorded, which owns the maker:
    25 % or more as a partnership, nothing as a corporation — never a confident answer; the missing fact
    names the holding company and what to record."""
    data = _plant(tmp_path)
    text = _check(data)
    assert text.exit_code == 4, text.output
    body = json.loads(_check(data, "--format", "json").output)
    assert body["status"] == "cannot_be_determined"
    assert [m["decide"] for m in body["missing"]] == [
        "recording `tax_form` for holdco (a corporation's stock is attributed only to a holder of 50 % or more, "
        "IRC 318(a)(2)(C))"]


@pytest.mark.parametrize("form, share, code, status", [
    (", tax_form: corporation", "40%", 0, "eligible"),       # 318(a)(2)(C): 40 % < 50 %, nothing attributed
    (", tax_form: corporation", "49.99%", 0, "eligible"),
    (", tax_form: corporation", "50%", 1, "no_credit"),      # the gate met: 50 % of the maker
    (", tax_form: partnership", "25%", 1, "no_credit"),      # 318(a)(2)(A): proportionately, 25 %
    (", tax_form: partnership", "24.99%", 0, "eligible"),
    ("", "20%", 0, "eligible"),                              # unrecorded, below 25 % either way: decided
    ("", "50%", 1, "no_credit"),                             # unrecorded, the gate met either way: decided
])
def test_the_recorded_form_decides(tmp_path, form, share, code, status):
    """The same plant with the holding company's form recorded, or not needed: the data decides."""
    result = _check(_plant(tmp_path, form, share), "--format", "json")
    assert result.exit_code == code, result.output
    assert json.loads(result.output)["status"] == status


def test_an_unknown_tax_form_is_refused_at_its_line(tmp_path):
    """Bad input: a clear message naming the file, the line and the words allowed."""
    data = _plant(tmp_path, ", tax_form: llc")
    result = _check(data)
    assert result.exit_code == 2, result.output
    assert "d.yaml:4: unknown tax_form `llc`" in result.output
    assert "use one of: corporation, disregarded, estate, partnership, trust" in result.output


def test_control_tracing_keeps_its_ungated_arithmetic(tmp_path):
    """pfe_tracing `control` (no gate, both bounds alike): the rules' own cases still run, and an SFE's 40 %
    of an unrecorded holding company owning the maker is 40 % (no undetermined tax form)."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    params = rules / "parameters.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("2025-07-05: multiply", "2025-07-05: control"),
                      encoding="utf-8")
    result = _check(_plant(tmp_path), "--rules", str(rules), "--format", "json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["status"] == "no_credit"


def test_a_long_chain_of_corporations_is_one_pass():
    """318(a)(5)(A) down a chain of 5,000 corporations each holding 100 % of the next: every gate opens in
    one upstream-first pass (a round per link would be quadratic), and the last one is owned in full."""
    n = 5000
    stakes = [Stake("s", "c0", 1.0)] + [Stake(f"c{i}", f"c{i + 1}", 1.0) for i in range(n)]
    graph = Graph(in_edges(stakes))
    started = time.perf_counter()
    att = gated_interests(graph, "s", {f"c{i}" for i in range(n + 1)}, GATE)
    assert att.values[f"c{n}"] == 1.0 and not att.closed
    assert time.perf_counter() - started < 10


def test_a_tax_form_on_a_person_is_refused_at_its_line(tmp_path):
    """Bad input: a natural person is not attributed through (IRC 318(a)(2) names entities): the field is
    refused at the person's line, with the fix."""
    data = _plant(tmp_path)
    path = Path(data) / "d.yaml"
    path.write_text(path.read_text().replace("{id: sfe-co, name: SFE Co, type: company, incorporated_in: CN}",
                                             "{id: sfe-co, name: SFE Co, type: person, country: CN, tax_form: trust}"))
    result = _check(data)
    assert result.exit_code == 2, result.output
    assert "d.yaml:3: entities[0] tax_form: `tax_form` is how an entity is taxed (IRC 318(a)(2))" in result.output
