"""The YAML rule schema, its validation, and the compiler to durable-rules rulesets.

A rule (one file in `rules/feoc/` etc.) says, for one legal test: its citation, when it is in effect,
which fact kind it looks at, the conditions (`when`), the conclusion (`then`), an `explain` template
and its own `cases`. Conditions use a small closed set of operators; values are literals or
`{param: NAME}` resolved from `rules/parameters.yaml` as of the evaluation date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from feoc.law.data import Parameter, load_parameters
from feoc.data.model import SLUG, Day
from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import LineFinder, load_yaml_file

# The facts the engine sees, by kind, with their fields. Rules may only name these fields.
FACT_FIELDS: dict[str, dict[str, type]] = {
    "entity": {"subject": str, "name": str, "etype": str, "country": str, "incorporated_in": str,
               "headquartered_in": str, "political_figure_of": str},
    "listing": {"subject": str, "list": str},
    "interest": {"subject": str, "measure": str, "holders": str, "nation": str, "share": float},
    "agreement_right": {"subject": str, "agreement": str, "licensor": str, "licensor_feoc": bool, "right": str},
    "activity": {"subject": str, "activity": str, "country": str, "operator": str, "operator_feoc": bool},
    "component": {"subject": str, "battery": str, "component": str, "step": str, "facility": str,
                  "feoc": bool, "value_usd": float},
    "mineral": {"subject": str, "battery": str, "mineral": str, "step": str, "facility": str, "feoc": bool,
                "impracticable_to_trace": bool, "material": str, "transition": bool, "value_usd": float},
    "sourcing": {"subject": str, "half": str, "share": float, "qualifying_value_usd": float, "total_value_usd": float},
    # IRC 45X / prohibited foreign entities (P.L. 119-21)
    "pfe_interest": {"subject": str, "measure": str, "holders": str, "share": float, "max_single": float},
    "officer_right": {"subject": str, "holder": str, "holder_sfe": bool},
    "pfe_contract": {"subject": str, "agreement": str, "counterparty": str, "counterparty_sfe": bool, "right": str,
                     "payments": str, "prior_year": bool},
    "macr": {"subject": str, "product": str, "product_class": str, "ratio": float, "total_cost_usd": float,
             "pfe_cost_usd": float},
}
OPERATORS = ("eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in")
CONCLUSIONS = {
    "feoc": "entity",  # the subject entity is a foreign entity of concern
    "feoc_activity": "facility",  # the activity at the subject facility is performed by a FEOC
    "excluded_component": "vehicle",  # a battery component was manufactured or assembled by a FEOC
    "excluded_mineral": "vehicle",  # a critical mineral was extracted, processed or recycled by a FEOC
    "transition_applied": "vehicle",  # a FEOC mineral left out under the impracticable-to-trace transition
    "qualifying_half": "vehicle",  # one $3,750 half's sourcing requirement is met
    "foreign_controlled": "entity",  # a foreign-controlled entity, IRC 7701(a)(51)(C) (so a specified foreign entity)
    "sfe": "entity",  # a specified foreign entity by designation, IRC 7701(a)(51)(B)
    "fie": "entity",  # a foreign-influenced entity, IRC 7701(a)(51)(D)
    "undetermined": "entity",  # a prong that cannot be decided from the data: says what is missing
    "material_assistance": "facility",  # a product's MACR is below the threshold: material assistance from a PFE
}
REGIMES = ("30d", "45x")
_DURABLE_OP = {"neq": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(_Strict):
    field: str
    op: str
    value: Any

    @field_validator("op")
    @classmethod
    def _known_op(cls, op: str) -> str:
        if op not in OPERATORS:
            raise ValueError(f"unknown operator `{op}`; use one of: {', '.join(OPERATORS)}")
        return op


class When(_Strict):
    fact: str
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()

    @field_validator("fact")
    @classmethod
    def _known_fact(cls, fact: str) -> str:
        if fact not in FACT_FIELDS:
            raise ValueError(f"unknown fact kind `{fact}`; use one of: {', '.join(FACT_FIELDS)}")
        return fact


class Then(_Strict):
    conclusion: str
    prong: str = Field(min_length=1)

    @field_validator("conclusion")
    @classmethod
    def _known(cls, conclusion: str) -> str:
        if conclusion not in CONCLUSIONS:
            raise ValueError(f"unknown conclusion `{conclusion}`; use one of: {', '.join(CONCLUSIONS)}")
        return conclusion


class Effective(_Strict):
    """When a rule is in force: `from` inclusive, `until` exclusive. Either may name a parameter instead of
    a date (`from: {param: pfe_rules_in_force}`): the first day on which that parameter's value is true, so
    a date the law sets once is written once (rules/parameters.yaml) and every rule follows it."""

    start: Day = Field(alias="from")
    end: Day | None = Field(default=None, alias="until")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _parameter_date(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, dict):
            return value
        params: Mapping[str, Parameter] = (info.context or {}).get("params", {})
        name = value.get("param") if set(value) == {"param"} else None
        if name not in params:
            raise ValueError(f"{value} is not a date or a known parameter reference; write a date (YYYY-MM-DD) "
                             f"or {{param: NAME}} with a NAME from rules/parameters.yaml")
        first = params[name].first_true()
        if first is None:
            raise ValueError(f"parameter `{name}` is never true, so it gives no date; name a parameter that "
                             "becomes true on the day the rule takes effect")
        return first


class Case(_Strict):
    name: str = Field(min_length=1)
    on: Day
    subject: str
    expect: Literal["fires", "does_not_fire"]
    dataset: dict[str, Any]
    interpretation: str | None = None
    source: str | None = None  # the worked example or legal text the case encodes


class Rule(_Strict):
    regime: Literal["30d", "45x"] = "30d"  # 30d: FEOC (42 U.S.C. 18741) and the vehicle credit; 45x: P.L. 119-21
    id: str
    title: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    unconfirmed: str | None = None  # what is not yet checked against the primary text
    effective: Effective
    applies_to: Literal["entity", "facility", "component", "mineral", "vehicle"]
    when: When
    then: Then
    explain: str = Field(min_length=1)
    remedy: str | None = None  # what would change a verdict it decides: a template like explain (report Markdown)
    cases: tuple[Case, ...] = Field(min_length=2)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"rule id `{value}` is not a slug (lowercase letters, digits, dashes)")
        return value


@dataclass(frozen=True)
class RuleSource:
    """A validated rule and where it was written."""

    rule: Rule
    file: str
    finder: LineFinder

    def line(self, *path: str | int) -> int:
        return self.finder.line(path)


def rule_files(rules_dir: Path) -> list[Path]:
    """The rule files: every YAML file under rules/ except the law-data files at its top."""
    return sorted(p for p in rules_dir.rglob("*.yaml") if p.parent != rules_dir)


@lru_cache(maxsize=8)
def load_rules(rules_dir: Path) -> tuple[RuleSource, ...]:
    """Load and check every rule; all problems are raised together."""
    params = load_parameters(rules_dir)
    problems: list[Problem] = []
    out: list[RuleSource] = []
    for path in rule_files(rules_dir):
        try:
            raw, finder = load_yaml_file(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(str(path), 1, "a rule file holds one mapping (id, title, citation, ...)",
                                    "see rules/README.md for the rule format"))
            continue
        try:
            rule = Rule.model_validate(raw, context={"params": params})
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple({"start": "from", "end": "until"}.get(s, s) if isinstance(s, str) else s for s in err["loc"])
                msg = err["msg"].removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = f"unknown field `{loc[-1]}`"
                    fix = "remove it or correct its spelling (rules/README.md lists the fields)"
                elif err["type"] == "missing":
                    msg = f"missing `{'.'.join(map(str, loc))}`"
                    fix = "every rule needs id, title, citation, effective.from, applies_to, when, then, explain and cases"
                else:
                    msg, _, fix = msg.partition("; ")
                    if not fix and err["type"] == "literal_error":
                        fix = f"use one of: {err.get('ctx', {}).get('expected', 'the values rules/README.md lists')}"
                    elif not fix:
                        fix = "correct the value (the rule format is described in README.md, 'Where the law lives')"
                problems.append(Problem(str(path), finder.line(loc), f"rule {'.'.join(map(str, loc)) or ''}: {msg}", fix))
            continue
        source = RuleSource(rule, str(path), finder)
        problems.extend(_semantic_problems(source, params))
        out.append(source)
    seen: dict[str, RuleSource] = {}
    for src in out:
        if src.rule.id in seen:
            problems.append(Problem(src.file, src.line("id"), f"rule id `{src.rule.id}` is also used in {seen[src.rule.id].file}",
                                    "give each rule its own id"))
        seen[src.rule.id] = src
    problems.extend(_contradictions(out))
    if problems:
        raise InputError(problems)
    return tuple(sorted(out, key=lambda s: s.rule.id))


def _semantic_problems(src: RuleSource, params: dict[str, Parameter]) -> list[Problem]:
    rule = src.rule
    fields = FACT_FIELDS[rule.when.fact]
    problems = []
    if CONCLUSIONS[rule.then.conclusion] not in (rule.applies_to, "vehicle" if rule.applies_to in ("component", "mineral") else ""):
        problems.append(Problem(src.file, src.line("then", "conclusion"),
                                f"conclusion `{rule.then.conclusion}` does not fit applies_to `{rule.applies_to}`",
                                f"a `{rule.then.conclusion}` conclusion applies to {CONCLUSIONS[rule.then.conclusion]}"))
    if not rule.when.all and not rule.when.any:
        problems.append(Problem(src.file, src.line("when"), "`when` has no conditions", "add `all:` or `any:` conditions"))
    for group in ("all", "any"):
        for i, cond in enumerate(getattr(rule.when, group)):
            if cond.field not in fields:
                problems.append(Problem(src.file, src.line("when", group, i, "field"),
                                        f"fact `{rule.when.fact}` has no field `{cond.field}`",
                                        f"use one of: {', '.join(fields)}"))
            value = cond.value
            if isinstance(value, dict):
                if set(value) != {"param"} or value["param"] not in params:
                    problems.append(Problem(src.file, src.line("when", group, i, "value"),
                                            f"value {value} is not a known parameter reference",
                                            f"write {{param: NAME}} with a NAME from rules/parameters.yaml: {', '.join(params)}"))
            elif cond.op in ("in", "not_in") and not isinstance(value, list):
                problems.append(Problem(src.file, src.line("when", group, i, "value"),
                                        f"`{cond.op}` needs a list or a parameter", "write value: [a, b] or {param: NAME}"))
    names = {n for _, n, _, _ in string.Formatter().parse(rule.explain) if n}
    derived = ("subject_name", "threshold", "holders_label", "measure_label")  # added by determine._record
    unknown = sorted({n.split(".")[0].split("[")[0] for n in names} - set(fields) - set(derived))
    if unknown:
        problems.append(Problem(src.file, src.line("explain"), f"explain names unknown fields: {', '.join(unknown)}",
                                f"use fields of `{rule.when.fact}` facts: {', '.join(fields)}"))
    if rule.remedy is not None:  # its names: the fact's fields, the derived ones and the parameters on the date
        parsed = [(n.split(".")[0].split("[")[0], c) for _, n, _, c in string.Formatter().parse(rule.remedy) if n]
        wrong = (sorted({n for n, _ in parsed} - set(fields) - set(derived) - set(params))
                 + sorted({f"!{c}" for _, c in parsed if c not in (None, "c", "w")}))
        if wrong:
            problems.append(Problem(src.file, src.line("remedy"), f"remedy names unknown fields or conversions: {', '.join(wrong)}",
                                    f"use fields of `{rule.when.fact}` facts ({', '.join(fields)}), parameters, `!c` (code) or `!w` (words)"))
    if "UNCONFIRMED" in rule.citation.upper() and not rule.unconfirmed:
        problems.append(Problem(src.file, src.line("unconfirmed"), "the citation is marked UNCONFIRMED but the rule has no `unconfirmed:` note",
                                "say what is unconfirmed in `unconfirmed:`"))
    return problems


def _contradictions(sources: list[RuleSource]) -> list[Problem]:
    """Two rules with identical conditions on the same fact kind but different conclusions contradict."""
    problems = []
    by_key: dict[str, RuleSource] = {}
    for src in sources:
        r = src.rule
        key = json.dumps([r.regime, r.when.fact, sorted(c.model_dump_json() for c in r.when.all),
                          sorted(c.model_dump_json() for c in r.when.any)])
        other = by_key.get(key)
        if other and other.rule.then.conclusion != r.then.conclusion:
            problems.append(Problem(src.file, src.line("then"),
                                    f"rule `{r.id}` has the same conditions as `{other.rule.id}` but concludes "
                                    f"`{r.then.conclusion}` instead of `{other.rule.then.conclusion}`",
                                    "make the conditions differ or align the conclusions"))
        by_key.setdefault(key, src)
    return problems


# --- compilation -------------------------------------------------------------------------------

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

    def durable_definition(self) -> dict[str, Any]:
        """The ruleset as durable-rules JSON: one rule per legal rule plus a catch-all per fact kind
        (so no batch raises MessageNotHandledException; see ../shared/design.md)."""
        body: dict[str, Any] = {}
        for r in self.rules:
            terms: list[Any] = [{"kind": r.fact}]
            terms.extend(_durable_term(c) for c in r.all)
            if r.any:
                terms.append({"$or": [_durable_term(c) for c in r.any]} if len(r.any) > 1 else _durable_term(r.any[0]))
            body[f"r_{r.id}"] = {"all": [{"m": {"$and": terms}}], "run": f"r_{r.id}"}
        for kind in sorted(FACT_FIELDS):
            # every fact must match some rule, or the batch raises MessageNotHandledException
            body[f"catchall_{kind}"] = {"all": [{"m": {"kind": kind}}], "run": "catchall"}
        return body


NUMBER_SCALE = 10**9  # numbers go to durable-rules as integers in billionths (see durable_number)


def durable_number(value: Any) -> Any:
    """A number as durable-rules must receive it: an integer count of billionths.

    Measured: durable-rules' C JSON parser mis-reads a float in exponent notation whose mantissa has no
    decimal point (Python's json writes 5e-05; 1.25e-05 is read correctly): the facts after it in a batch
    are silently lost (154 of 170 firings in one 1,000-fact batch), and small batches segfault.
    Integers never use exponent notation. Shares are rounded to 9 decimals before they become facts, so
    the scaling is exact; booleans and strings pass unchanged.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return int(round(value * NUMBER_SCALE))


def _durable_term(cond: CompiledCondition) -> Any:
    cond = CompiledCondition(cond.field, cond.op,
                             [durable_number(v) for v in cond.value] if isinstance(cond.value, list) else durable_number(cond.value))
    if cond.op == "eq":
        return {cond.field: cond.value}
    if cond.op == "in":
        options = [{cond.field: v} for v in cond.value] or [{cond.field: "\u0000never"}]
        return {"$or": options} if len(options) > 1 else options[0]
    if cond.op == "not_in":
        options = [{"$neq": {cond.field: v}} for v in cond.value]
        return {"$and": options} if len(options) > 1 else (options[0] if options else {"$neq": {cond.field: "\u0000never"}})
    return {_DURABLE_OP[cond.op]: {cond.field: cond.value}}


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

