"""Run every rule's own `cases` (the YAML examples on both sides of its threshold and date).

Each case is a small inline dataset judged end to end (loader checks, ownership analysis, engine) on
its date; the case passes when the rule fires (or not) for the subject as expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from pydantic import ValidationError

from feoc.data.dataset import Dataset
from feoc.data.model import KINDS
from feoc.data.problems import InputError, Problem
from feoc.determine.determination import Determination
from feoc.determine.regime30d import determine
from feoc.determine.regime45x import determine45x
from feoc.law.law import Law
from feoc.law.schema import RuleSource
from feoc.load.checks import battery_materials, check_dataset


@dataclass(frozen=True)
class CaseResult:
    rule_id: str
    name: str
    file: str
    line: int
    passed: bool
    detail: str


def inline_dataset(raw: dict[str, Any], label: str, law: Law) -> Dataset:
    """A Dataset from an inline mapping (a rule case), validated like a dataset folder."""
    records: dict[str, tuple] = {}
    problems = []
    for kind, items in raw.items():
        if kind not in KINDS:
            problems.append(Problem(label, 0, f"unknown dataset key `{kind}`", f"use one of: {', '.join(KINDS)}"))
            continue
        try:
            records[kind] = tuple(KINDS[kind].model_validate(item) for item in items or [])
        except ValidationError as exc:
            problems.append(Problem(label, 0, f"{kind}: {exc.errors()[0]['msg']}", "fix the case's dataset"))
    if problems:
        raise InputError(problems)
    dataset = Dataset(**cast(dict[str, Any], records), source_label=label)
    problems = check_dataset(dataset, law.vocabulary, {}, materials=battery_materials(law))
    if problems:
        raise InputError([Problem(label, 0, p.message, p.fix) for p in problems])
    return dataset


def run_case(src: RuleSource, index: int, law: Law, evaluator: str = "durable-rules") -> CaseResult:
    case = src.rule.cases[index]
    line = src.line("cases", index)
    try:
        dataset = inline_dataset(case.dataset, f"{src.file}:{line}", law)
        if case.interpretation and case.interpretation not in (*law.interpretations, *law.aliases):
            raise InputError([Problem(src.file, line, f"unknown interpretation `{case.interpretation}`",
                                      f"use one of: {', '.join(law.reading_names())} "
                                      f"(or an old name: {', '.join(law.aliases)})")])
        if src.rule.regime == "45x":
            det: Determination = determine45x(dataset, case.on, law, evaluator)
        else:
            det = determine(dataset, case.on, law, case.interpretation, evaluator)
    except InputError as exc:
        return CaseResult(src.rule.id, case.name, src.file, line, False, "; ".join(str(p) for p in exc.problems))
    fired = [f for f in det.about(case.subject) if f.rule_id == src.rule.id]
    expected = case.expect == "fires"
    passed = bool(fired) == expected
    if passed:
        detail = fired[0].explanation if fired else "did not fire, as expected"
    else:
        others = sorted({f.rule_id for f in det.about(case.subject)})
        detail = (f"expected the rule to {'fire' if expected else 'not fire'} for `{case.subject}` on {case.on}, "
                  f"but it {'fired' if fired else 'did not'}; rules that fired for it: {', '.join(others) or 'none'}")
    return CaseResult(src.rule.id, case.name, src.file, line, passed, detail)


def all_cases(law: Law) -> list[tuple[RuleSource, int]]:
    return [(src, i) for src in law.rules for i in range(len(src.rule.cases))]


def run_all(law: Law, evaluator: str = "durable-rules") -> list[CaseResult]:
    return [run_case(src, i, law, evaluator) for src, i in all_cases(law)]
