"""Issue 15, class 5 (tracebacks) in the law: templates and parameters that crashed, printed internals or were
resolved silently are refused when the rules load, with `file:line: what — fix`, by every command that reads
the rules (`feoc rules test`, `feoc check`, `feoc validate --rules`): exit 2, no traceback.

The attacks: a template with attribute or index access (`{x.__class__.__mro__}`, `{x[0]}`), a nested field in a
spec, an unbounded width or precision (memory), a spec that does not fit its value, in a rule's `explain` or
`remedy` or in rules/credit_order.yaml's `note`/`reason`/`not_in_force`; a parameter with two values for one
date (`2021-11-15` and `20211115`), a date key in another form, a timestamp; a condition comparing a field with
a parameter (or literal) whose values do not fit the field's type and the operator.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.law.data import default_rules_dir
from feoc.law.law import Law
from feoc.law.templates import template_problems

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ON = "2024-06-01"
PROBLEM = re.compile(r"^(?P<file>/[^:]+):(?P<line>\d+): (?P<rest>.+ — .+)$")

COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "rules-test": lambda rules: ["rules", "test", "--rules", str(rules), "--evaluator", "reference"],
    "check-entity": lambda rules: ["check", "entity", "aesc", "--data", str(SEEDS), "--on", ON, "--rules", str(rules)],
    "validate": lambda rules: ["validate", str(SEEDS), "--rules", str(rules)],
}


def _rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"`{old}` is not in {path.name}: update the test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _refused(rules: Path, command: str, file: str, *expect: str) -> list[str]:
    """Run `command` on the rules folder: exit 2, no traceback, a `file:line: what — fix` line naming `file`
    that holds every text of `expect`; returns the lines pointed at."""
    result = CliRunner().invoke(app, COMMANDS[command](rules))
    out = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, out
    assert "Traceback" not in out and "<class" not in out, out
    hits = [m for m in map(PROBLEM.match, out.splitlines()) if m and m["file"] == str(rules / file)
            and all(e in m["rest"] for e in expect)]
    assert hits, f"no problem line on {file} with {expect}:\n{out}"
    return [(rules / file).read_text(encoding="utf-8").splitlines()[int(m["line"]) - 1] for m in hits]


OWNERSHIP = "feoc/ownership.yaml"
EXPLAIN = "{share:.2%} of {subject_name}'s {measure_label} is held"
REMEDY = 'remedy: "the {measure!w} held by {holders}'

# (attack, file, old text, new text, what the problem line must say)
TEMPLATE_ATTACKS = [
    ("attribute access prints internals", OWNERSHIP, EXPLAIN, "{share.__class__.__mro__} {subject_name} is held",
     "`{share.__class__.__mro__}`: only a plain field name is allowed"),
    ("index access", OWNERSHIP, EXPLAIN, "{holders[0]} {subject_name} is held",
     "`{holders[0]}`: only a plain field name is allowed"),
    ("positional field", OWNERSHIP, EXPLAIN, "{0} {subject_name} is held", "`{0}`: only a plain field name"),
    ("empty field", OWNERSHIP, EXPLAIN, "{} {subject_name} is held", "`{}`: only a plain field name"),
    ("a billion-character width exhausts memory", OWNERSHIP, EXPLAIN, "{share:999999999} of {subject_name} is held",
     "the width `999999999` is too large"),
    ("a billion-digit precision exhausts memory", OWNERSHIP, EXPLAIN, "{share:.999999999f} of {subject_name} is held",
     "the precision `999999999` is too large"),
    ("a four-digit width", OWNERSHIP, EXPLAIN, "{share:>1000} of {subject_name} is held", "the width `1000` is too large"),
    ("a nested field in a spec", OWNERSHIP, EXPLAIN, "{share:{threshold}} of {subject_name} is held",
     "`{share:{threshold}}`: the format spec is not"),
    ("a control character as the fill", OWNERSHIP, EXPLAIN, "{share:\x1b>9} of {subject_name} is held",
     "the format spec is not"),
    ("a percentage of text", OWNERSHIP, EXPLAIN, "{subject_name:.2%} is held", "the format spec does not fit a text value"),
    ("a conversion explain does not offer", OWNERSHIP, EXPLAIN, "{share!r} of {subject_name} is held",
     "names unknown fields: !r"),
    ("a lone brace", OWNERSHIP, EXPLAIN, "{share:.2%} of {subject_name is held", "explain is not a template"),
    ("remedy: attribute access", OWNERSHIP, REMEDY, 'remedy: "the {measure.__doc__} held by {holders}',
     "remedy `{measure.__doc__}`: only a plain field name"),
    ("remedy: `!w` makes text, which takes no percentage", OWNERSHIP, REMEDY, 'remedy: "the {measure!w:.2%} held by {holders}',
     "remedy `{measure!w:.2%}`: the format spec does not fit a text value"),
    ("remedy: a list parameter formatted as a number", OWNERSHIP, REMEDY,
     'remedy: "the {covered_nations:.2f} held by {holders}', "the format spec does not fit a list value"),
    ("remedy: an unbounded width", OWNERSHIP, REMEDY, 'remedy: "the {measure!c:99999} held by {holders}',
     "the width `99999` is too large"),
    ("credit order reason: attribute access", "credit_order.yaml", '"eligible for up to {amount:,.0f} USD',
     '"eligible for up to {amount.real} USD', "`reason` `{amount.real}`: only a plain field name"),
    ("credit order reason: unbounded width", "credit_order.yaml", '"eligible for up to {amount:,.0f} USD',
     '"eligible for up to {amount:,.0f}{start:9999} USD', "the width `9999` is too large"),
    ("credit order note: a date with a spec (strftime)", "credit_order.yaml", "placed in service {start}..{end}",
     "placed in service {start:%Y}..{end}", "`note` `{start:%Y}`"),
    ("credit order note: the end may be missing", "credit_order.yaml", "placed in service {start}..{end}",
     "placed in service {start}..{end:>10}", "a date takes no format spec"),
    ("credit order not_in_force: index access", "credit_order.yaml", "taxable years beginning after\n    {after}",
     "taxable years beginning after\n    {after[0]}", "`not_in_force` `{after[0]}`: only a plain field name"),
]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("attack, file, old, new, expect", TEMPLATE_ATTACKS, ids=[a[0] for a in TEMPLATE_ATTACKS])
def test_template_attack_is_refused_when_the_rules_load(attack, file, old, new, expect, command, tmp_path):
    rules = _rules(tmp_path)
    _edit(rules / file, old, new)
    _refused(rules, command, file, expect)


def test_template_problems_point_at_the_template_line(tmp_path):
    rules = _rules(tmp_path)
    _edit(rules / OWNERSHIP, EXPLAIN, "{share.__class__} {subject_name} is held")
    _edit(rules / OWNERSHIP, REMEDY, 'remedy: "the {measure[0]} held by {holders}')
    lines = _refused(rules, "rules-test", OWNERSHIP, "only a plain field name")
    assert any(line.startswith("explain:") for line in lines) and any(line.startswith("remedy:") for line in lines), lines


def test_bounded_specs_that_fit_are_accepted(tmp_path):
    """The defence refuses nothing the format language offers within its bounds: a width and precision of
    three digits, a fill, an alignment, grouping, and a code span or words in a remedy."""
    rules = _rules(tmp_path)
    _edit(rules / OWNERSHIP, EXPLAIN, "{share:*>999.3%} of {subject_name:<20}'s {measure_label:^10} is held")
    _edit(rules / OWNERSHIP, REMEDY, 'remedy: "the {measure!w:>12} ({measure!c}) held by {holders}')
    law = Law.load(rules)
    assert any(s.rule.id == "feoc-ownership" for s in law.rules)
    result = CliRunner().invoke(app, ["check", "entity", "aesc", "--data", str(SEEDS), "--on", ON, "--rules", str(rules),
                                      "--interpretation", "feoc-holders"])  # AESC is contested across the readings
    assert result.exit_code == 1 and "80.000%" in result.output, result.output


@pytest.mark.parametrize("template, problem", [
    ("{x.y}", "only a plain field name"), ("{x[0]}", "only a plain field name"), ("{x:{x}}", "format spec is not"),
    ("{x:1000}", "width `1000` is too large"), ("{x:.1000}", "precision `1000` is too large"),
    ("{x:\n>5}", "format spec is not"), ("{y}", "names unknown fields: y"), ("{x!s}", "names unknown fields: !s"),
    ("{x:d}", "does not fit a number value"), ("}", "is not a template"),
])
def test_template_checker_unit(template, problem):
    problems = template_problems(template, {"x": (1.5,)})
    assert any(problem in what for what, _ in problems), problems


def test_template_checker_accepts_plain_fields():
    assert template_problems("{x} {x:>5} {x:,.2f} {x:.0%} {{literal}}", {"x": (1.5, 0)}) == []


# ---- parameters -----------------------------------------------------------------------------------------------

THRESHOLD = "    2021-11-15: 0.25\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_two_values_for_one_date_are_refused_naming_both_lines(command, tmp_path):
    """`2021-11-15` and `20211115` are one date to Python 3.11's date.fromisoformat: the later value won silently."""
    rules = _rules(tmp_path)
    _edit(rules / "parameters.yaml", THRESHOLD, THRESHOLD + "    20211115: 0.30\n")
    text = (rules / "parameters.yaml").read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(text, 1) if line == THRESHOLD.rstrip("\n"))
    lines = _refused(rules, command, "parameters.yaml", "`20211115` is the same date as `2021-11-15`",
                     f"(line {first})", "two values for one date")
    assert lines == ["    20211115: 0.30"]


def test_two_values_for_one_date_in_the_other_order(tmp_path):
    rules = _rules(tmp_path)
    _edit(rules / "parameters.yaml", THRESHOLD, "    20211115: 0.30\n" + THRESHOLD)
    _refused(rules, "rules-test", "parameters.yaml", "`2021-11-15` is the same date as `20211115`")
    _refused(rules, "rules-test", "parameters.yaml", "`20211115` is not an ISO date (YYYY-MM-DD)", "write it as 2021-11-15")


@pytest.mark.parametrize("key, fix", [("20211115", "write it as 2021-11-15"), ("2021-11-15T00:00:00", "write it as 2021-11-15"),
                                      ("2021-1-5", "write the date as YYYY-MM-DD"), ("2021-W46-1", "write it as 2021-11-15")])
def test_a_date_key_not_written_yyyy_mm_dd_is_refused(key, fix, tmp_path):
    rules = _rules(tmp_path)
    _edit(rules / "parameters.yaml", THRESHOLD, f"    {key}: 0.25\n")
    lines = _refused(rules, "rules-test", "parameters.yaml", f"`{key}` is not an ISO date (YYYY-MM-DD)", fix)
    assert lines == [f"    {key}: 0.25"]


def test_a_timestamp_as_a_date_value_is_refused(tmp_path):
    """A date-valued parameter written as a timestamp: comparing it with a date raises TypeError later."""
    rules = _rules(tmp_path)
    _edit(rules / "parameters.yaml", "2025-07-04: 2025-09-30", "2025-07-04: 2025-09-30T12:00:00")
    _refused(rules, "check-entity", "parameters.yaml", "parameter `last_acquisition_date`", "is not an ISO date")


@pytest.mark.parametrize("value", [".inf", "-1", ".nan"])
def test_an_amount_that_is_not_a_finite_non_negative_number_is_refused(value, tmp_path):
    rules = _rules(tmp_path)
    _edit(rules / "parameters.yaml", "2023-01-01: 3750", f"2023-01-01: {value}")
    _refused(rules, "rules-test", "parameters.yaml", "parameter `credit_half_usd`", "is not a non-negative amount")


OWNERSHIP_CONDITION = "{field: share, op: gte, value: {param: control_threshold}}"
NEW_PARAMETER = """
my_review_date:
  description: "a parameter feoc does not read (its kind is not declared), checked by its values' type"
  citation: "test"
  values:
    2021-11-15: 2024-01-01
my_label:
  description: a text parameter feoc does not read
  citation: "test"
  values:
    2021-11-15: high
"""
# (attack, file, old, new, what the problem line must say)
KIND_ATTACKS = [
    ("a share ordered against a date parameter", OWNERSHIP, OWNERSHIP_CONDITION,
     "{field: share, op: gte, value: {param: last_acquisition_date}}", "is a date, but the field is a number"),
    ("a share ordered against a list parameter", OWNERSHIP, OWNERSHIP_CONDITION,
     "{field: share, op: gte, value: {param: covered_nations}}", "is a list, but the field is a number"),
    ("a share ordered against a text parameter", OWNERSHIP, OWNERSHIP_CONDITION,
     "{field: share, op: gte, value: {param: pfe_tracing}}", "is text, but the field is a number"),
    ("a share ordered against an undeclared date parameter", OWNERSHIP, OWNERSHIP_CONDITION,
     "{field: share, op: gte, value: {param: my_review_date}}", "{param: my_review_date}: its value on 2021-11-15 is a date"),
    ("text ordered against an undeclared text parameter", OWNERSHIP, OWNERSHIP_CONDITION,
     "{field: holders, op: lt, value: {param: my_label}}", "`lt` orders numbers but the field is text"),
    ("a share ordered against a literal date", OWNERSHIP, OWNERSHIP_CONDITION,
     "{field: share, op: gte, value: 2024-01-01}", "the value is a date, but the field is a number"),
    ("a share ordered against true", OWNERSHIP, OWNERSHIP_CONDITION,
     "{field: share, op: gte, value: true}", "the value is true/false, but the field is a number"),
    ("a share equal to text never matches", OWNERSHIP, OWNERSHIP_CONDITION,
     '{field: share, op: eq, value: "25%"}', "the value is text, but the field is a number"),
    ("a literal null makes the rule never apply", OWNERSHIP, OWNERSHIP_CONDITION,
     "{field: share, op: gte, value: null}", "the value is empty (null)"),
    ("a country in a number parameter", "feoc/government.yaml", "{field: country, op: in, value: {param: covered_nations}}",
     "{field: country, op: in, value: {param: control_threshold}}", "is a number, and `in` needs a list"),
    ("a country in a list of numbers", "feoc/government.yaml", "{field: country, op: in, value: {param: covered_nations}}",
     "{field: country, op: in, value: [1, 2]}", "a list holding a number, and the field is text"),
    ("a country in a mapping parameter", "feoc/government.yaml", "{field: country, op: in, value: {param: covered_nations}}",
     "{field: country, op: in, value: {param: msrp_cap_usd}}", "is a mapping, and `in` needs a list"),
]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("attack, file, old, new, expect", KIND_ATTACKS, ids=[a[0] for a in KIND_ATTACKS])
def test_a_condition_value_that_does_not_fit_is_refused(attack, file, old, new, expect, command, tmp_path):
    rules = _rules(tmp_path)
    with (rules / "parameters.yaml").open("a", encoding="utf-8") as f:
        f.write(NEW_PARAMETER)
    _edit(rules / file, old, new)
    lines = _refused(rules, command, file, expect)
    assert all("value" in line for line in lines), lines


def test_a_parameter_ended_by_null_is_not_a_misfit(tmp_path):
    """A dated null ends a parameter feoc does not read (compile skips the rule from that day): it fits."""
    rules = _rules(tmp_path)
    with (rules / "parameters.yaml").open("a", encoding="utf-8") as f:
        f.write('\nmy_threshold:\n  citation: "test"\n  values:\n    2021-11-15: 0.25\n    2099-01-01: null\n')
    _edit(rules / OWNERSHIP, OWNERSHIP_CONDITION, "{field: share, op: gte, value: {param: my_threshold}}")
    assert any(s.rule.id == "feoc-ownership" for s in Law.load(rules).rules)


def test_an_amount_the_step_grants_must_exist_when_the_step_applies(tmp_path):
    """credit_order.yaml: a step's `amount` parameter with no value on the step's first day would fill its
    `reason` with nothing ({amount:,.0f} on None raises TypeError)."""
    rules = _rules(tmp_path)
    _edit(rules / "parameters.yaml", "    2022-08-17: 7500\n", "    2022-09-01: 7500\n")
    _refused(rules, "check-entity", "credit_order.yaml", "parameter `pre_2023_max_credit_usd` has no value before 2022-09-01",
             "give `pre_2023_max_credit_usd` a value from 2022-08-17")


def test_the_shipped_rules_load():
    law = Law.load()
    assert law.rules and law.credit_order.steps_30d
