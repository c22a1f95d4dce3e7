"""durable-rules' firings of a small list of facts, judged once per process and replayed (`engine/durable.py`,
issue 17): a `feoc check` judges every reading and its worst case, and most of their lists of facts repeat."""

from __future__ import annotations

import datetime as dt

import pytest

from feoc.engine import durable
from feoc.engine.durable import DurableEvaluator
from feoc.engine.reference import ReferenceEvaluator
from feoc.law.law import Law

RULES = Law.load().ruleset(dt.date(2024, 6, 1))


def _facts(share: object) -> list[dict[str, object]]:
    return [{"kind": "interest", "subject": f"e{i}", "measure": "equity", "holders": "feoc", "nation": "CN",
             "share": share if i == 0 else 0.1} for i in range(5)]


@pytest.fixture()
def judged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The lists durable-rules itself judged (their lengths), with an empty memo of the test's own."""
    monkeypatch.setattr(DurableEvaluator, "_judged", type(DurableEvaluator._judged)())
    calls: list[int] = []
    original = DurableEvaluator._evaluate

    def spy(self: DurableEvaluator, ruleset: object, facts: list[dict[str, object]]) -> object:
        calls.append(len(facts))
        return original(self, ruleset, facts)  # type: ignore[arg-type]

    monkeypatch.setattr(DurableEvaluator, "_evaluate", spy)
    return calls


def test_the_worst_case_of_a_reading_repeats_no_engine_run(judged: list[int]) -> None:
    """Issue 17 (a single check): the same facts under the same ruleset are judged by durable-rules once; the
    replay is the firings durable-rules and the reference agreed on, a copy the caller may change."""
    first = DurableEvaluator().evaluate(RULES, _facts(0.5))
    assert first == ReferenceEvaluator().evaluate(RULES, _facts(0.5)) and first  # the 50 % stake fires
    first.clear()
    again = DurableEvaluator().evaluate(RULES, _facts(0.5))
    assert again == ReferenceEvaluator().evaluate(RULES, _facts(0.5)) and judged == [5]


def test_facts_that_differ_in_any_way_are_judged_again(judged: list[int]) -> None:
    """Another share, or the same number of another type (1, 1.0 and True), is another list: judged by the
    engine, never answered with another list's firings."""
    for share in (0.5, 0.24, 1, 1.0, True):
        assert DurableEvaluator().evaluate(RULES, _facts(share)) == ReferenceEvaluator().evaluate(RULES, _facts(share))
    assert len(judged) == 5
    assert DurableEvaluator().evaluate(RULES, _facts(0.24)) == ReferenceEvaluator().evaluate(RULES, _facts(0.24))
    assert len(judged) == 5


def test_large_lists_are_not_kept_and_the_memo_is_bounded(judged: list[int]) -> None:
    """A list over _KEPT_FACTS (a large world's batches) is judged every time; at most _KEPT lists are kept."""
    big = [{**f, "subject": f"b{i}"} for i in range(durable._KEPT_FACTS + 1) for f in _facts(0.5)[:1]]
    DurableEvaluator().evaluate(RULES, big)
    DurableEvaluator().evaluate(RULES, big)
    assert judged == [len(big)] * 2
    for n in range(durable._KEPT + 3):
        DurableEvaluator().evaluate(RULES, [{**_facts(0.5)[0], "subject": f"s{n}"}])
    assert len(DurableEvaluator._judged) == durable._KEPT
