"""How feoc decides each credit, as data: `rules/credit_order.yaml`.

IRC §30D: the order of the tests (the credit's life, final assembly in North America under 30D(d)(1)(G),
the MSRP cap of 30D(f)(11), the excluded entities of 30D(d)(7), then the two halves of 30D(b)(2), (b)(3)
and (e)), each step naming the check it reports, the parameter it reads and what it cites. IRC §45X (P.L.
119-21 §70514): the MACR threshold of each product class and the labels of the operator's
prohibited-foreign-entity status (IRC 7701(a)(51)-(52)). The file is checked when the `Law` loads;
every mistake is raised together (`file:line: what — fix`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import LineFinder, load_yaml_file
from feoc.law.data import Parameter
from feoc.law.templates import SAMPLES, template_problems

FILE_NAME = "credit_order.yaml"
# The §30D steps the code implements (src/feoc/verdicts/vehicle_steps.py; tests/test_credit_order.py holds
# the two lists equal). The file chooses which run and in what order.
STEPS_30D = ("acquisition_deadline", "credit_in_force", "final_assembly", "transition_credit", "msrp_cap",
             "excluded_entities", "before_sourcing", "sourcing_halves")
ALWAYS_DECIDES_30D = ("sourcing_halves",)  # a step that always decides: the order must end with one
PRODUCT_CLASSES_45X = ("battery_components", "critical_minerals")
_STEP_KEYS = ("step", "check", "parameter", "amount", "citation", "deciding_rule", "note", "reason", "remedy",
              "prior_rules")
_HALF_KEYS = ("half", "rule", "parameter", "amount", "citation")
# what verdicts.facility45x fills `not_in_force` with: the first day of pfe_rules_in_force (None if never)
# and the date of pfe_taxable_years_after
_NOT_IN_FORCE: dict[str, tuple[Any, ...]] = {"start": (dt.date.min, None), "after": (dt.date.min,)}


@dataclass(frozen=True)
class Step:
    """One §30D step: the function that runs it, the check it reports, the parameters it reads."""

    step: str
    check: str = ""
    parameter: str = ""
    amount: str = ""
    citation: str = ""
    deciding_rule: str = ""
    note: str = ""
    reason: str = ""
    remedy: str = ""  # what would change a verdict this step decides, when no finding's rule says it
    # a parameter read on the placed-in-service date: the last acquisition (sale) date that keeps the rules before
    # the step's requirement (final assembly: sold by 2022-08-16 and placed in service in 2022, IRA §13401)
    prior_rules: str = ""

    @property
    def decides_as(self) -> str:
        """The name a verdict decided by this step gives as its deciding rule."""
        return self.deciding_rule or self.parameter


@dataclass(frozen=True)
class HalfRule:
    """One half of the §30D credit: the rule that finds it met, its percentage, amount and citation."""

    half: str
    rule: str
    parameter: str
    amount: str
    citation: str


@dataclass(frozen=True)
class OperatorStatus:
    """A label for an operator's §45X status: it applies when every group shares a conclusion with the findings."""

    label: str
    when: tuple[frozenset[str], ...]

    def applies(self, conclusions: set[str]) -> bool:
        return all(group & conclusions for group in self.when)


@dataclass(frozen=True)
class CreditOrder:
    """The §30D order and halves, and the §45X thresholds, wording and status labels."""

    steps_30d: tuple[Step, ...]
    notes_30d: tuple[str, ...]
    halves: tuple[HalfRule, ...]
    not_in_force_45x: str
    thresholds_45x: Mapping[str, str]
    operator_statuses: tuple[OperatorStatus, ...]
    # per product class, the parameter of its phase-out (IRC 45X(b)(3)): critical minerals have their own
    phase_out_45x: Mapping[str, str] = field(default_factory=dict)

    def operator_status(self, conclusions: set[str]) -> str:
        """The label of the first status that applies (the file ends with one that always does)."""
        return next(s.label for s in self.operator_statuses if s.applies(conclusions))


class _Reader:
    """Reads one section of the file, collecting every problem with its line."""

    def __init__(self, path: Path, finder: LineFinder, parameters: Mapping[str, Parameter]):
        self.path, self.finder, self.parameters = path, finder, parameters
        self.problems: list[Problem] = []

    def problem(self, where: tuple[str | int, ...], message: str, fix: str) -> None:
        self.problems.append(Problem(str(self.path), self.finder.line(where), message, fix))

    def mapping(self, raw: Any, where: tuple[str | int, ...], keys: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.problem(where, f"`{'.'.join(map(str, where)) or FILE_NAME}` must be a mapping", f"give {', '.join(keys)}")
            return {}
        for key in sorted(set(raw) - set(keys), key=str):
            self.problem(where + (key,), f"unknown key `{key}`", f"use {', '.join(keys)}")
        return raw

    def text(self, raw: dict[str, Any], where: tuple[str | int, ...], key: str, required: bool = False,
             samples: Mapping[str, tuple[Any, ...]] | None = None) -> str:
        """Text under `key`; with `samples`, a template over those names, checked as law/templates.py says."""
        value = raw.get(key, "")
        if not isinstance(value, str) or (required and not value):
            self.problem(where + (key,), f"`{key}` must be {'non-empty ' if required else ''}text", "quote it")
            return ""
        for what, fix in template_problems(value, samples) if samples is not None else ():
            self.problem(where + (key,), f"`{key}` {what}", fix)
        return value

    def parameter(self, raw: dict[str, Any], where: tuple[str | int, ...], key: str, required: bool = False) -> str:
        name = self.text(raw, where, key, required)
        if name and name not in self.parameters:
            self.problem(where + (key,), f"parameter `{name}` is not in parameters.yaml",
                         "name a parameter defined there")
        return name

    def items(self, raw: Any, where: tuple[str | int, ...], what: str) -> list[Any]:
        if not isinstance(raw, list) or not raw:
            self.problem(where, f"`{'.'.join(map(str, where))}` must be a non-empty list", f"list the {what}")
            return []
        return raw


def _steps(r: _Reader, raw: Any) -> tuple[Step, ...]:
    out: list[Step] = []
    for i, item in enumerate(r.items(raw, ("credit_30d", "steps"), "steps in order")):
        where = ("credit_30d", "steps", i)
        body = r.mapping(item, where, _STEP_KEYS)
        name = r.text(body, where, "step", required=True)
        if name and name not in STEPS_30D:
            r.problem(where + ("step",), f"unknown step `{name}`", f"use one of {', '.join(STEPS_30D)}")
        elif name in {s.step for s in out}:
            r.problem(where + ("step",), f"step `{name}` is listed twice", "list each step once")
        parameter, amount = r.parameter(body, where, "parameter"), r.parameter(body, where, "amount")
        words = _span_samples(r, where, parameter, amount)
        out.append(Step(name, r.text(body, where, "check"), parameter, amount, r.text(body, where, "citation"),
                        r.text(body, where, "deciding_rule"), " ".join(r.text(body, where, "note", samples=words).split()),
                        r.text(body, where, "reason", samples=words), " ".join(r.text(body, where, "remedy").split()),
                        prior_rules=r.parameter(body, where, "prior_rules")))
    if out and out[-1].step not in ALWAYS_DECIDES_30D:
        r.problem(("credit_30d", "steps", len(out) - 1), f"the last step `{out[-1].step}` may decide nothing",
                  f"end the order with {' or '.join(ALWAYS_DECIDES_30D)}")
    return tuple(out)


def _span_samples(r: _Reader, where: tuple[str | int, ...], parameter: str,
                  amount: str) -> dict[str, tuple[Any, ...]]:
    """The values a step's `note` and `reason` are filled in with (verdicts.vehicle_steps): the first and last
    day of its parameter's value (the last is None while the value holds on) and the credit its `amount`
    parameter grants. The amount must have a value whenever the step's parameter has one: a step that
    grants a credit of no value would fail when its wording is filled in (issue 15, class 5)."""
    values: tuple[Any, ...] = SAMPLES[float]
    if amount in r.parameters:
        values = tuple(v for _, v in r.parameters[amount].values if v is not None)
        starts = [d for d, _ in r.parameters[amount].values]
        first = r.parameters[parameter].changes()[0] if parameter in r.parameters else None
        if first is not None and first < starts[0]:
            r.problem(where + ("amount",), f"parameter `{amount}` has no value before {starts[0]}, but the step's "
                      f"parameter `{parameter}` applies from {first}", f"give `{amount}` a value from {first}")
    return {"start": (dt.date.min, None), "end": (dt.date.min, None), "amount": values}


def _halves(r: _Reader, raw: Any, rule_params: Mapping[str, set[str]]) -> tuple[HalfRule, ...]:
    out: list[HalfRule] = []
    for i, item in enumerate(r.items(raw, ("credit_30d", "halves"), "halves of the credit")):
        where = ("credit_30d", "halves", i)
        body = r.mapping(item, where, _HALF_KEYS)
        half = HalfRule(r.text(body, where, "half", True), r.text(body, where, "rule", True),
                        r.parameter(body, where, "parameter", True), r.parameter(body, where, "amount", True),
                        r.text(body, where, "citation", True))
        if half.rule and half.rule not in rule_params:
            r.problem(where + ("rule",), f"rule `{half.rule}` is not defined", "name a rule id from rules/credit/")
        elif half.rule and half.parameter and half.parameter not in rule_params[half.rule]:
            # the threshold a half shows must be the one its rule tests: one figure, written once
            r.problem(where + ("parameter",), f"rule `{half.rule}` does not test parameter `{half.parameter}`",
                      f"name the parameter the rule compares with: {', '.join(sorted(rule_params[half.rule])) or 'none'}")
        out.append(half)
    return tuple(out)


def _statuses(r: _Reader, raw: Any) -> tuple[OperatorStatus, ...]:
    out: list[OperatorStatus] = []
    for i, item in enumerate(r.items(raw, ("credit_45x", "operator_statuses"), "status labels")):
        where = ("credit_45x", "operator_statuses", i)
        body = r.mapping(item, where, ("label", "when"))
        groups = body.get("when", [])
        if not isinstance(groups, list) or not all(isinstance(g, list) and g and all(isinstance(c, str) for c in g)
                                                   for g in groups):
            r.problem(where + ("when",), "`when` must be a list of lists of conclusions", "e.g. when: [[sfe], [fie]]")
            groups = []
        out.append(OperatorStatus(r.text(body, where, "label", True), tuple(frozenset(g) for g in groups)))
    if out and out[-1].when:
        r.problem(("credit_45x", "operator_statuses", len(out) - 1), "the last status must always apply",
                  "end the list with an entry whose `when` is []")
    return tuple(out)


def _thresholds(r: _Reader, raw: Any, rule_params: Mapping[str, set[str]]) -> dict[str, str]:
    body = r.mapping(raw, ("credit_45x", "thresholds"), PRODUCT_CLASSES_45X)
    for cls in PRODUCT_CLASSES_45X:
        if body and cls not in body:
            r.problem(("credit_45x", "thresholds"), f"no threshold parameter for `{cls}`", f"add {cls}: PARAMETER")
    out = {cls: r.parameter(body, ("credit_45x", "thresholds"), cls, True) for cls in PRODUCT_CLASSES_45X if cls in body}
    tested = set().union(*rule_params.values()) if rule_params else set()
    for cls, name in out.items():
        if name and name in r.parameters and name not in tested:  # shown as the threshold, so a rule must test it
            r.problem(("credit_45x", "thresholds", cls), f"no rule tests parameter `{name}`",
                      "name the parameter the material-assistance rule of this class compares with")
    return out


def _phase_out(r: _Reader, raw: Any) -> dict[str, str]:
    """Per §45X product class, the parameter of its phase-out (IRC 45X(b)(3)): each class names its own, so
    critical minerals never borrow the components' schedule (feoc-law.md §7.6)."""
    body = r.mapping(raw, ("credit_45x", "phase_out"), PRODUCT_CLASSES_45X)
    for cls in PRODUCT_CLASSES_45X:
        if body and cls not in body:
            r.problem(("credit_45x", "phase_out"), f"no phase-out parameter for `{cls}`", f"add {cls}: PARAMETER")
    return {cls: r.parameter(body, ("credit_45x", "phase_out"), cls, True) for cls in PRODUCT_CLASSES_45X if cls in body}


def load_credit_order(rules_dir: Path, parameters: Mapping[str, Parameter],
                      rule_params: Mapping[str, set[str]]) -> CreditOrder:
    """The credit order of `rules_dir`, checked against its parameters and rules (`rule_params`: each rule id
    and the parameters its conditions name)."""
    path = rules_dir / FILE_NAME
    if not path.is_file():
        raise InputError([Problem(str(path), 0, f"{FILE_NAME} is missing; feoc needs it",
                                  "restore it from the rules shipped with feoc")])
    raw, finder = load_yaml_file(path)
    if not isinstance(raw, dict):
        raise InputError([Problem(str(path), 1, "expected the sections credit_30d and credit_45x",
                                  "restore it from the rules shipped with feoc")])
    r = _Reader(path, finder, parameters)
    top = r.mapping(raw, (), ("credit_30d", "credit_45x"))
    c30 = r.mapping(top.get("credit_30d"), ("credit_30d",), ("notes", "steps", "halves"))
    c45 = r.mapping(top.get("credit_45x"), ("credit_45x",), ("not_in_force", "thresholds", "operator_statuses",
                                                               "phase_out"))
    notes = c30.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        r.problem(("credit_30d", "notes"), "`notes` must be a list of text", "quote each note")
        notes = []
    # a section that is missing altogether is one problem, not one per key
    order = CreditOrder(_steps(r, c30.get("steps")) if c30 else (), tuple(notes),
                        _halves(r, c30.get("halves"), rule_params) if c30 else (),
                        " ".join(r.text(c45, ("credit_45x",), "not_in_force", True, _NOT_IN_FORCE).split()) if c45 else "",
                        _thresholds(r, c45.get("thresholds"), rule_params) if c45 else {},
                        _statuses(r, c45.get("operator_statuses")) if c45 else (),
                        _phase_out(r, c45.get("phase_out")) if c45 else {})
    if r.problems:
        raise InputError(r.problems)
    return order

