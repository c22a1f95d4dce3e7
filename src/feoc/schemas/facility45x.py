"""The JSON of `feoc check facility ID --credit 45x --format json`: what `Facility45XVerdict.as_dict` writes
(verdicts/facility45x.py), key for key: the operator's prohibited-foreign-entity status (IRC 7701(a)(51)-(52)
as amended by P.L. 119-21 §70514) and each product's material assistance cost ratio."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from feoc.schemas.check import Money, S
from feoc.schemas.finding import Checked, Finding, Missing
from feoc.schemas.generate import Out

Ratio = Annotated[float, Field(ge=0, le=1)]


class Certification(Out):
    """A supplier certification relied on to close a gap (IRS Notice 2026-15 certification safe harbor): the
    supplier's status the data cannot decide."""

    input: str
    supplier: str
    cost_usd: Money
    document: str
    signed: dt.date


class CertificationNotRelied(Certification):
    """A supplier certification not relied on, with why."""

    why: str = Field(description=("why it is not relied on: the data show the supplier is a PFE (reason to know "
                                  "it is wrong), signed after the date judged, or expired"))


class Product(Out):
    """One product the plant makes (`Product45X`): its material assistance cost ratio against the threshold."""

    product: str
    product_class: str
    status: Literal[S.eligible, S.no_credit, S.cannot_be_determined] = Field(description=(
        "the product's own answer: eligible (its MACR meets the threshold), no_credit (material assistance from "
        "prohibited foreign entities, the credit phased out, or an operator that is a prohibited foreign entity), "
        "cannot_be_determined (its material inputs are not recorded, or some come from suppliers whose status the "
        "data cannot decide and the threshold lies between the two ratios)"))
    outcome: Literal["pass", "material_assistance", "phased_out", "cannot_be_determined", "operator_pfe"] = Field(
        description=("operator_pfe: the operator is a prohibited foreign entity, so the product earns no credit and "
                     "its material assistance is not judged (nothing is missing)"))
    ratio: Ratio | None = Field(description="the MACR, suppliers the data cannot decide counted clean")
    ratio_worst: Ratio | None = Field(description=(
        "the MACR with the inputs of suppliers the data cannot decide counted as a prohibited foreign entity's; "
        "equal to ratio when there are none"))
    threshold: float | None
    total_cost_usd: Money
    pfe_cost_usd: Money
    pfe_suppliers: list[str]
    undecided_suppliers: list[str] = Field(
        description="the suppliers whose prohibited-foreign-entity status the data cannot decide")
    detail: str
    binding_contract_usd: Money = Field(description=(
        "cost of PFE inputs acquired under a binding written contract entered into before the parameter "
        "macr_binding_contract_before (UNCONFIRMED treatment): left out of the PFE cost, named in `detail`"))
    relies_on: list[Certification]
    not_relied_on: list[CertificationNotRelied]


class DuringYear(Out):
    """A span of the operator's taxable year, other than the one holding its test day, on which it was
    foreign-influenced (fie) or the data cannot say (undetermined): the other reading of 'during the taxable
    year' (IRC 7701(a)(51)(D), UNCONFIRMED)."""

    start: dt.date = Field(alias="from")
    until: dt.date = Field(description="the span's last day (inclusive)")
    outcome: Literal["fie", "undetermined"]
    findings: list[Finding]


class Facility45XCheck(Out):
    """`feoc check facility ID --credit 45x --format json`: does the plant keep the IRC §45X credit on the date
    (P.L. 119-21 §70514): its operator's prohibited-foreign-entity status, then each product's MACR."""

    model_config = ConfigDict(title="feoc check facility --credit 45x --format json")
    subject: str
    kind: Literal["facility"]
    credit: Literal["45x"]
    name: str
    on: dt.date
    operator: str
    status: Literal[S.eligible, S.partly_eligible, S.no_credit, S.cannot_be_determined, S.not_applicable,
                    S.not_in_force, S.contested] = Field(description=(
                        "exit 0 eligible/partly_eligible/not_in_force, 1 no_credit/not_applicable, "
                        "4 cannot_be_determined, 5 contested (only through during_year)"))
    reason: Annotated[str, StringConstraints(min_length=1)]
    eligible: bool
    operator_pfe: bool | None = Field(description=(
        "whether the operator (taxpayer) is a prohibited foreign entity; null when the data cannot decide it or it "
        "is not judged: before the rules are in force, when the facility's record does not cover the date, or for "
        "a facility outside the United States and its possessions"))
    operator_status: str | None = Field(description=(
        "the operator's prohibited-foreign-entity status as reports name it (rules/credit_order.yaml "
        "operator_statuses); null when not judged"))
    operator_findings: list[Finding]
    upstream_findings: list[Finding]
    products: list[Product]
    findings: list[Finding] = Field(description="the material-assistance findings for the facility")
    notes: list[str]
    missing: list[Missing] = Field(
        description="facts the verdict needs and the data does not give: whose, which, and what would decide it")
    checked: list[Checked] = Field(
        description="the operator's prohibited-foreign-entity prongs looked at (negative evidence)")
    during_year: list[DuringYear]
