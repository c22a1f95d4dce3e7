"""The `Law` object: one rules folder loaded once, dates the law sets once written once."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from feoc.data.problems import InputError
from feoc.law.data import default_rules_dir
from feoc.law.law import Law


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


def test_every_45x_rule_takes_effect_when_the_pfe_rules_do():
    """P.L. 119-21: the PFE tests apply to taxable years beginning after 2025-07-04; the date is written once,
    in `pfe_rules_in_force`, and every `regime: 45x` rule follows it."""
    law = Law.load()
    start = law.parameters["pfe_rules_in_force"].first_true()
    rules = [s.rule for s in law.rules if s.rule.regime == "45x"]
    assert rules and all(r.effective.start == start for r in rules)


def test_moving_the_pfe_start_moves_every_45x_rule(tmp_path):
    rules = _copy(tmp_path)
    params = rules / "parameters.yaml"
    text = params.read_text()
    assert "    2026-01-01: true\n" in text
    params.write_text(text.replace("    2026-01-01: true\n", "    2027-01-01: true\n"))
    law = Law.load(rules)
    assert {s.rule.effective.start for s in law.rules if s.rule.regime == "45x"} == {dt.date(2027, 1, 1)}
    assert not law.ruleset(dt.date(2026, 6, 1), "45x").rules
    assert law.ruleset(dt.date(2027, 1, 1), "45x").rules


def test_an_unknown_parameter_as_effective_date_is_a_clear_input_error(tmp_path):
    rules = _copy(tmp_path)
    rule = rules / "45x" / "sfe-listed.yaml"
    rule.write_text(rule.read_text().replace("{param: pfe_rules_in_force}", "{param: no_such_parameter}"))
    with pytest.raises(InputError) as err:
        Law.load(rules)
    [problem] = err.value.problems
    assert problem.file == str(rule) and problem.line > 0
    assert "no_such_parameter" in problem.message and "rules/parameters.yaml" in problem.message + problem.fix


def test_a_ruleset_is_compiled_once_per_date_and_regime():
    law = Law.load()
    day = dt.date(2024, 6, 1)
    assert law.ruleset(day) is law.ruleset(day)
    assert law.ruleset(day, "45x") is not law.ruleset(day)


def test_an_msrp_cap_for_a_class_the_vocabulary_lacks_is_refused(tmp_path):
    """IRC 30D(f)(11) caps name vehicle classes; a cap for a class no vehicle can have would never apply."""
    rules = _copy(tmp_path)
    params = rules / "parameters.yaml"
    text = params.read_text()
    assert "pickup: 80000}" in text
    params.write_text(text.replace("pickup: 80000}", "pickup: 80000, truck: 90000}"))
    with pytest.raises(InputError) as err:
        Law.load(rules)
    [problem] = err.value.problems
    assert problem.file == str(params) and problem.line > 0 and "truck" in problem.message


def test_every_vehicle_class_has_an_msrp_cap(tmp_path):
    """A class with no cap would reach the MSRP step with nothing to compare (a crash once): refused at load."""
    rules = _copy(tmp_path)
    vocab = rules / "vocabulary.yaml"
    text = vocab.read_text()
    assert "    pickup: a pickup truck\n" in text
    vocab.write_text(text.replace("    pickup: a pickup truck\n", "    pickup: a pickup truck\n    minivan: a minivan\n"))
    with pytest.raises(InputError) as err:
        Law.load(rules)
    assert all("minivan" in p.message and p.file.endswith("parameters.yaml") for p in err.value.problems)


def test_a_half_shows_the_threshold_its_rule_tests(tmp_path):
    """rules/credit_order.yaml names each half's applicable percentage; it must be the parameter the half's rule
    compares with, so the verdict never shows one threshold and applies another."""
    rules = _copy(tmp_path)
    order = rules / "credit_order.yaml"
    text = order.read_text()
    assert "parameter: critical_minerals_applicable_percentage" in text
    order.write_text(text.replace("parameter: critical_minerals_applicable_percentage",
                                  "parameter: battery_components_applicable_percentage", 1))
    with pytest.raises(InputError) as err:
        Law.load(rules)
    [problem] = err.value.problems
    assert "does not test parameter `battery_components_applicable_percentage`" in problem.message


def test_the_whole_credit_is_the_sum_of_its_two_halves():
    """IRC 30D(b)(1)-(3): before the sourcing rules apply the whole credit is granted, which is both halves."""
    law = Law.load()
    half, whole = law.parameters["credit_half_usd"], law.parameters["credit_max_usd"]
    for day in sorted({d for d, _ in half.values} | {d for d, _ in whole.values}):
        assert whole.on(day) == 2 * half.on(day), day
