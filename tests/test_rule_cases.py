"""Every rule's own YAML cases, one pytest test per case (named after it), through durable-rules and
through the plain-Python reference evaluator."""

from __future__ import annotations

import pytest

from feoc.law.law import Law
from feoc.rulecases import all_cases, run_case

CASES = all_cases(Law.load())


@pytest.mark.parametrize("evaluator", ["durable-rules", "reference"])
@pytest.mark.parametrize(("src", "index"), CASES, ids=[f"{s.rule.id}: {s.rule.cases[i].name}" for s, i in CASES])
def test_rule_case(src, index, evaluator):
    result = run_case(src, index, Law.load(), evaluator)
    assert result.passed, f"{result.file}:{result.line}: {result.detail}"


def test_every_rule_has_cases_on_both_sides():
    """A rule without a firing and a non-firing case, and without cases on the day before and the day of
    its effective date, is unfinished (../shared/design.md)."""
    import datetime as dt

    for rule in {s.rule.id: s.rule for s, _ in CASES}.values():
        outcomes = {c.expect for c in rule.cases}
        assert outcomes == {"fires", "does_not_fire"}, rule.id
        days = {c.on for c in rule.cases}
        start = rule.effective.start
        assert start in days and start - dt.timedelta(days=1) in days, f"{rule.id}: no case at its effective date"
