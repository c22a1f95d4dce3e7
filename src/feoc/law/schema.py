"""The YAML rule schema: what a rule file may say, validated by pydantic.

A rule (one file in `rules/feoc/` etc.) says, for one legal test: its citation, when it is in effect,
which fact kind it looks at, the conditions (`when`), the conclusion (`then`), an `explain` template, an
optional `remedy` template and its own `cases`. Conditions use a small closed set of operators; values are
literals or `{param: NAME}` resolved from `rules/parameters.yaml` as of the evaluation date.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from feoc.data.model import Day
from feoc.data.values import SLUG
from feoc.data.yamlio import LineFinder
from feoc.law.data import Parameter

# The facts the engine sees, by kind, with their fields. Rules may only name these fields.
FACT_FIELDS: dict[str, dict[str, type]] = {
    "entity": {"subject": str, "name": str, "etype": str, "country": str, "incorporated_in": str,
               "headquartered_in": str, "political_figure_of": str,
               # the nation a place counts as (a region's nation, parameter covered_nation_regions), and the
               # place as a finding shows it (the region's own code and what it is): determine/facts.py
               "incorporated_nation": str, "headquartered_nation": str, "incorporated_where": str,
               "headquartered_where": str},
    "listing": {"subject": str, "list": str},
    "interest": {"subject": str, "measure": str, "holders": str, "nation": str, "share": float},
    # a holding recording some measures but not all (determine/unrecorded.py): its largest recorded share
    # (`stake`) and the most of an unrecorded measure the holder group could hold through it (`reach`)
    "unrecorded_measure": {"subject": str, "holders": str, "nation": str, "holding": str, "holder": str,
                           "measures": str, "fields": str, "recorded": str, "stake": float, "reach": float},
    # an interest whose share ranges leave it in an interval: `low` on the ranges' minima, `high` on their maxima,
    # `ranges` the ranged holdings above the subject that would decide it (determine/ranges.py)
    "share_range": {"subject": str, "measure": str, "holders": str, "nation": str, "low": float, "high": float,
                    "ranges": str},
    # an entity that is a FEOC (or undecided) only in the worst case the data allows (determine/doubt.py)
    "upstream_doubt": {"subject": str, "possible": bool, "undecided": str, "gaps": str},
    "agreement_right": {"subject": str, "agreement": str, "licensor": str, "licensor_feoc": bool, "right": str},
    "activity": {"subject": str, "activity": str, "country": str, "nation": str, "where": str, "operator": str,
                 "operator_feoc": bool},
    # a part's facility: whether its record is in force on the date (and its span), its operator, and
    # whether that operator's FEOC status could not be determined (an `undetermined` finding, no `feoc` one)
    "component": {"subject": str, "battery": str, "component": str, "step": str, "facility": str,
                  "feoc": bool, "value_usd": float, "facility_in_force": bool, "facility_record": str,
                  "operator": str, "operator_undetermined": bool},
    # material_fits: false when a mineral relying on the open impracticable-to-trace transition names a
    # material that cannot hold it; transition_note: why the transition does not apply to a mineral marked
    # impracticable to trace ("" otherwise); unrecorded: the step of the mineral's chain its record leaves out
    # ("extraction" or "processing"; "" when it records both, or recycling: determine/vehicle_facts.py)
    "mineral": {"subject": str, "battery": str, "mineral": str, "step": str, "facility": str, "feoc": bool,
                "impracticable_to_trace": bool, "material": str, "transition": bool, "material_fits": bool,
                "transition_note": str, "value_usd": float, "facility_in_force": bool, "facility_record": str,
                "operator": str, "operator_undetermined": bool, "unrecorded": str},
    "sourcing": {"subject": str, "half": str, "share": float, "qualifying_value_usd": float, "total_value_usd": float},
    # IRC 45X / prohibited foreign entities (P.L. 119-21)
    # a person's citizenship, one fact per nation recorded (`recorded` false and `nation` "" when none is; then
    # `country_nation` is the nation the person's `country` counts as); `us_person`: yes | no | unknown
    # (determine/regime45x.py, IRC 7701(a)(51)(C)(ii))
    "citizenship": {"subject": str, "recorded": bool, "nation": str, "where": str, "country_nation": str,
                    "us_person": str},
    # untyped: the intermediates whose `tax_form` is not recorded where that decides (IRC 318(a)(2)(C),
    # determine/pfe318.py; "" otherwise)
    "pfe_interest": {"subject": str, "measure": str, "holders": str, "share": float, "max_single": float,
                     "untyped": str},
    # an SFE interest the shares' ranges leave open (determine/ranges45x.py): `share_low`/`single_low` on the ranges'
    # minima, `share`/`max_single` on their maxima in the worst case; `ranges` the ranged holdings above the subject
    "pfe_range": {"subject": str, "measure": str, "holders": str, "share_low": float, "share": float,
                  "single_low": float, "max_single": float, "ranges": str, "untyped": str},
    "officer_right": {"subject": str, "holder": str, "holder_sfe": bool},
    "pfe_contract": {"subject": str, "agreement": str, "counterparty": str, "counterparty_sfe": bool, "right": str,
                     "payments": str, "prior_year": bool},
    # `ratio` counts inputs from suppliers the data cannot decide as clean, `ratio_worst` as a PFE's
    "macr": {"subject": str, "product": str, "product_class": str, "ratio": float, "ratio_worst": float,
             "total_cost_usd": float, "pfe_cost_usd": float, "undecided_cost_usd": float,
             "undecided_suppliers": str, "binding_contract_usd": float},
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
    "undetermined_part": "vehicle",  # a battery component or mineral whose FEOC test the data cannot decide
    "material_assistance": "facility",  # a product's MACR is below the threshold: material assistance from a PFE
    "undetermined_product": "facility",  # a product's MACR test the data cannot decide (undecided suppliers)
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


def _one_of(what: str, known: Collection[str]) -> AfterValidator:
    """A field whose value must be one of `known`; the message names them all."""
    def check(value: str) -> str:
        if value not in known:
            raise ValueError(f"unknown {what} `{value}`; use one of: {', '.join(known)}")
        return value
    return AfterValidator(check)


class Condition(_Strict):
    field: str
    op: Annotated[str, _one_of("operator", OPERATORS)]
    value: Any


class When(_Strict):
    fact: Annotated[str, _one_of("fact kind", FACT_FIELDS)]
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()


class Then(_Strict):
    conclusion: Annotated[str, _one_of("conclusion", CONCLUSIONS)]
    prong: str = Field(min_length=1)


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
        if not isinstance(name, str) or name not in params:
            raise ValueError(f"{value} is not a date or a known parameter reference; write a date (YYYY-MM-DD) "
                             f"or {{param: NAME}} with a NAME from rules/parameters.yaml")
        if not all(isinstance(v, bool) for _, v in params[name].values):
            # a share or a date is "true" from its first value: the rule would silently start then
            raise ValueError(f"parameter `{name}` is not a true/false flag, so it gives no start date; name a "
                             "parameter whose values are true or false, e.g. pfe_rules_in_force")
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
    label: str | None = Field(default=None, min_length=1)  # a few words naming the test in reports (else the title)
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


_SCALAR = {str: "text", float: "a number", bool: "true or false"}


def misfit(value: Any, field_type: type, op: str) -> str | None:
    """What is wrong with comparing a field of `field_type` by `op` with `value`, or None when it fits: ordering
    needs numbers, `in`/`not_in` a list of values of the field's type, `eq`/`neq` one such value."""
    if op in ("in", "not_in"):
        if not isinstance(value, (list, tuple)):
            return f"{describe(value)}, and `{op}` needs a list"
        wrong = next((describe(v) for v in value if not _is(v, field_type)), None)
        return f"a list holding {wrong}, and the field is {_SCALAR[field_type]}" if wrong else None
    if op in ("lt", "lte", "gt", "gte") and field_type is not float:
        return f"{describe(value)}, and `{op}` orders numbers but the field is {_SCALAR[field_type]}"
    return None if _is(value, field_type) else f"{describe(value)}, but the field is {_SCALAR[field_type]}"


def expected(field_type: type, op: str) -> str:
    """The values `misfit` accepts, in words."""
    one = {str: "text", float: "numbers", bool: "true or false"}[field_type]
    return f"a list of {one}" if op in ("in", "not_in") else one


def _is(value: Any, field_type: type) -> bool:
    if field_type is float:  # bool is an int in Python, and a share compared with true is a mistake
        # NaN never compares true and infinity cannot reach durable-rules: both would end in an engine error
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return type(value) is field_type


def describe(value: Any) -> str:
    """A value's kind in words, for a problem line."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    kinds: dict[type, str] = {str: "text", list: "a list", tuple: "a list", dict: "a mapping"}
    return kinds.get(type(value), type(value).__name__)
