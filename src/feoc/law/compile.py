"""Compiling rules for one date and regime: the rules in force, their parameters resolved as of that date.

The result (`CompiledRuleset`) is what every evaluator reads (engine/); how a particular engine encodes it
(durable-rules' JSON) lives with that engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feoc.law.data import Parameter
from feoc.law.schema import FACT_FIELDS, Rule, RuleSource


@dataclass(frozen=True)
class CompiledCondition:
    field: str
    op: str
    value: Any  # a resolved literal (list for in / not_in)


@dataclass(frozen=True)
class CompiledRule:
    """A rule in force on the evaluation date, its parameters resolved."""

    id: str
    fact: str
    all: tuple[CompiledCondition, ...]
    any: tuple[CompiledCondition, ...]
    conclusion: str
    source: RuleSource
    params: tuple[tuple[str, Any], ...]  # the parameter values it used, for the explanation


@dataclass(frozen=True)
class CompiledRuleset:
    """The rules in force on one date; `name` is a content hash, so equal rulesets share one durable ruleset."""

    name: str
    rules: tuple[CompiledRule, ...]
    fact_kinds: tuple[str, ...]

    def rule(self, rule_id: str) -> CompiledRule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def _resolve(value: Any, params: Mapping[str, Parameter], day: dt.date, used: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "param" in value:
        resolved = params[value["param"]].on(day)
        used[value["param"]] = resolved
        return list(resolved) if isinstance(resolved, (list, tuple)) else resolved
    return value


def in_force(rule: Rule, day: dt.date) -> bool:
    return rule.effective.start <= day and (rule.effective.end is None or day < rule.effective.end)


def compile_rules(sources: tuple[RuleSource, ...], params: Mapping[str, Parameter], day: dt.date,
                  regime: str = "30d") -> CompiledRuleset:
    """The ruleset of one regime in force on `day`: rules whose `effective` period covers it, parameters as of it."""
    compiled = []
    for src in sources:
        rule = src.rule
        if rule.regime != regime or not in_force(rule, day):
            continue
        used: dict[str, Any] = {}
        all_ = tuple(CompiledCondition(c.field, c.op, _resolve(c.value, params, day, used)) for c in rule.when.all)
        any_ = tuple(CompiledCondition(c.field, c.op, _resolve(c.value, params, day, used)) for c in rule.when.any)
        if any(c.value is None for c in all_ + any_):
            continue  # a parameter not yet defined on this date: the rule cannot apply yet
        compiled.append(CompiledRule(rule.id, rule.when.fact, all_, any_, rule.then.conclusion, src,
                                     tuple(sorted((k, _freeze(v)) for k, v in used.items()))))
    digest = hashlib.sha256(json.dumps([(r.id, r.fact, [c.__dict__ for c in r.all], [c.__dict__ for c in r.any])
                                        for r in compiled], sort_keys=True, default=str).encode()).hexdigest()[:16]
    return CompiledRuleset(f"feoc_{regime}_{digest}", tuple(compiled), tuple(sorted(FACT_FIELDS)))


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
