"""Loading the rule files of a rules folder: each validated against the schema, then checked across rules
(parameters named, fields known, templates fitting, no contradictions); every problem is raised together."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import load_yaml_file
from feoc.law.data import Parameter, load_parameters
from feoc.law.schema import CONCLUSIONS, FACT_FIELDS, Condition, Rule, RuleSource, expected, misfit
from feoc.law.templates import REMEDY_CONVERSIONS, SAMPLES, template_problems


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
    problems = []
    fits = (rule.applies_to, "vehicle" if rule.applies_to in ("component", "mineral") else "")
    if CONCLUSIONS[rule.then.conclusion] not in fits:
        problems.append(Problem(src.file, src.line("then", "conclusion"),
                                f"conclusion `{rule.then.conclusion}` does not fit applies_to `{rule.applies_to}`",
                                f"a `{rule.then.conclusion}` conclusion applies to {CONCLUSIONS[rule.then.conclusion]}"))
    if not rule.when.all and not rule.when.any:
        problems.append(Problem(src.file, src.line("when"), "`when` has no conditions", "add `all:` or `any:` conditions"))
    for group in ("all", "any"):
        for i, cond in enumerate(getattr(rule.when, group)):
            problems.extend(_condition_problems(src, (group, i), cond, params))
    problems.extend(_template_problems(src, params))
    if "UNCONFIRMED" in rule.citation.upper() and not rule.unconfirmed:
        problems.append(Problem(src.file, src.line("unconfirmed"),
                                "the citation is marked UNCONFIRMED but the rule has no `unconfirmed:` note",
                                "say what is unconfirmed in `unconfirmed:`"))
    return problems


def _condition_problems(src: RuleSource, where: tuple[str, int], cond: Condition,
                        params: dict[str, Parameter]) -> list[Problem]:
    """A condition names a field of its fact, and compares it with values that fit both the field's type and the
    operator: a date, a list or text compared with `gte`, or a share compared with a date, would crash the
    evaluators, and a number compared `eq` with text would silently never match (issue 15, class 5)."""
    fact = src.rule.when.fact
    fields = FACT_FIELDS[fact]
    if cond.field not in fields:
        return [Problem(src.file, src.line("when", *where, "field"), f"fact `{fact}` has no field `{cond.field}`",
                        f"use one of: {', '.join(fields)}")]
    shown = f"rule when.{where[0]}[{where[1]}] `{cond.field} {cond.op}`"
    value = cond.value
    if isinstance(value, dict):
        if set(value) != {"param"} or value["param"] not in params:
            return [Problem(src.file, src.line("when", *where, "value"), f"value {value} is not a known parameter reference",
                            f"write {{param: NAME}} with a NAME from rules/parameters.yaml: {', '.join(params)}")]
        name = value["param"]
        for day, dated in params[name].values:
            wrong = misfit(dated, fields[cond.field], cond.op)
            if wrong and dated is not None:  # None: the parameter is not in force from that day (compile skips the rule)
                return [Problem(src.file, src.line("when", *where, "value"),
                                f"{shown} {{param: {name}}}: its value on {day} is {wrong}",
                                f"compare with a parameter whose values are {expected(fields[cond.field], cond.op)}")]
        return []
    wrong = misfit(value, fields[cond.field], cond.op)
    if wrong:
        return [Problem(src.file, src.line("when", *where, "value"), f"{shown}: the value is {wrong}",
                        f"write {expected(fields[cond.field], cond.op)}, or {{param: NAME}}")]
    return []


def _template_problems(src: RuleSource, params: dict[str, Parameter]) -> list[Problem]:
    """`explain` and `remedy` hold only plain, bounded fields that fit their values (law/templates.py)."""
    rule = src.rule
    fields = FACT_FIELDS[rule.when.fact]
    threshold = params["control_threshold"].values if "control_threshold" in params else ()
    # the fact's fields, and those determine.findings.Recorder adds
    names: dict[str, tuple[Any, ...]] = {name: SAMPLES[kind] for name, kind in fields.items()}
    names |= {"subject_name": SAMPLES[str], "holders_label": SAMPLES[str], "measure_label": SAMPLES[str],
              "judged_on": SAMPLES[str],
              "threshold": tuple(v for _, v in threshold if v is not None)}
    problems = [Problem(src.file, src.line("explain"), f"explain {what}", fix)
                for what, fix in template_problems(rule.explain, names)]
    if rule.remedy is not None:  # its names: the fact's fields, the derived ones and the parameters on the date
        with_params = {name: tuple(v for _, v in p.values if v is not None) for name, p in params.items()} | names
        problems += [Problem(src.file, src.line("remedy"), f"remedy {what}", fix)
                     for what, fix in template_problems(rule.remedy, with_params, REMEDY_CONVERSIONS)]
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
