"""Rule evaluation behind one small interface: the evaluators by name, and the plain-Python reference
evaluator of the compiled rules, which proves the others (durable-rules in `engine/durable.py`, the engine of
record; the columnar one in `engine/columnar.py`) by the differential tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from feoc.data.problems import EngineError as EngineError  # defined there, so the CLI names it without importing us
from feoc.law.compile import CompiledCondition, CompiledRule, CompiledRuleset

EVALUATORS = ("vectorised", "durable-rules", "reference")  # by name; durable-rules is the engine of record
BATCH = 1000  # facts per session (design.md recipe); sessions are deleted after each batch
Firing = tuple[str, int]  # (rule id, index of the fact in the asserted list)


class Evaluator(Protocol):
    name: str

    def evaluate(self, ruleset: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        """Every (rule, fact) pair where the rule's conditions hold, sorted."""


def _holds(cond: CompiledCondition, fact: dict[str, Any]) -> bool:
    if cond.field not in fact:
        return False
    v = fact[cond.field]
    op, ref = cond.op, cond.value
    if op == "eq":
        return v == ref
    if op == "neq":
        return v != ref
    if op == "in":
        return v in ref
    if op == "not_in":
        return v not in ref
    if isinstance(v, bool) or isinstance(ref, bool) or not isinstance(v, (int, float)):
        return False
    return {"lt": v < ref, "lte": v <= ref, "gt": v > ref, "gte": v >= ref}[op]


def rule_matches(rule: CompiledRule, fact: dict[str, Any]) -> bool:
    """The reference semantics of a compiled rule on one fact."""
    if fact.get("kind") != rule.fact:
        return False
    if not all(_holds(c, fact) for c in rule.all):
        return False
    return not rule.any or any(_holds(c, fact) for c in rule.any)


class ReferenceEvaluator:
    """Plain Python, obviously correct, used to check the durable-rules evaluator."""

    name = "reference"

    def evaluate(self, ruleset: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        by_kind: dict[str, list[CompiledRule]] = {}
        for rule in ruleset.rules:
            by_kind.setdefault(rule.fact, []).append(rule)
        return sorted((rule.id, i) for i, fact in enumerate(facts) for rule in by_kind.get(str(fact.get("kind")), ())
                      if rule_matches(rule, fact))


def evaluator(name: str = "durable-rules") -> Evaluator:
    """The evaluator by name: `durable-rules` (default, the engine of record), `reference` or `vectorised`."""
    if name == "reference":
        return ReferenceEvaluator()
    if name == "vectorised":
        from feoc.engine.columnar import ColumnarEvaluator  # numpy: imported only when asked for

        return ColumnarEvaluator()
    if name == "durable-rules":
        from feoc.engine.durable import DurableEvaluator  # a C extension with a start-up cost

        return DurableEvaluator()
    raise ValueError(f"unknown evaluator {name!r}")
