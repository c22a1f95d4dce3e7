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
