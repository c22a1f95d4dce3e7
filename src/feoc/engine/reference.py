"""The reference semantics of compiled rules, in plain Python: obviously correct, and the standard the other
evaluators (durable-rules, columnar) are held to by the differential tests and by every durable-rules batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feoc.law.compile import CompiledCondition, CompiledRule, CompiledRuleset

Firing = tuple[str, int]  # (rule id, index of the fact in the asserted list)


def holds(cond: CompiledCondition, fact: dict[str, Any]) -> bool:
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
    if not all(holds(c, fact) for c in rule.all):
        return False
    return not rule.any or any(holds(c, fact) for c in rule.any)


class ReferenceEvaluator:
    """Plain Python, obviously correct, used to check the durable-rules evaluator."""

    name = "reference"

    def evaluate(self, ruleset: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        by_kind: dict[str, list[CompiledRule]] = {}
        for rule in ruleset.rules:
            by_kind.setdefault(rule.fact, []).append(rule)
        return sorted((rule.id, i) for i, fact in enumerate(facts) for rule in by_kind.get(str(fact.get("kind")), ())
                      if rule_matches(rule, fact))
