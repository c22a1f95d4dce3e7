"""The parts every verdict's JSON shares: a finding (one rule firing, `determine.findings.Finding.as_dict`, and
the §45X merged finding of `verdicts.pfe_reasons.PfeFinding`), a prong checked (`verdicts.checked.Checked`) and
a missing fact (`verdicts.status.Missing`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from feoc.law.schema import CONCLUSIONS
from feoc.schemas.generate import Out

if TYPE_CHECKING:  # a Literal of the conclusions the rule schema accepts (law/schema.py): for mypy, a str
    Conclusion = str
else:
    Conclusion = Literal[tuple(CONCLUSIONS)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


class Measure(Out):
    """§45X: one measure of a rule firing on one subject, merged into the finding."""

    measure: str
    figure: float | None = Field(description="the measure's figure as the rule compares it")
    paths: list[str]
    explanation: str


class Link(Out):
    """One step of a chain: `subject` is a prohibited foreign entity under `rule` (its `prong`) because of `reason`."""

    subject: str
    rule: str
    prong: str
    reason: str


class Finding(Out):
    """One rule firing on one subject on one date, with what a reader needs to check it by hand: the facts the
    rule read, the parameters as of the date, the ownership paths and the rule's explanation filled in."""

    model_config = ConfigDict(title="feoc finding: one rule firing")
    rule: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    title: str
    citation: NonEmpty
    conclusion: Conclusion = Field(description="the rule's conclusion (law/schema.py CONCLUSIONS)")
    prong: str
    subject: str
    subject_name: str
    on: dt.date
    interpretation: str
    facts: dict[str, Any] = Field(description="the fact the rule fired on, field by field")
    explanation: NonEmpty
    paths: list[str] = Field(description="the ownership paths behind the figure, top holder first")
    unconfirmed: str | None = Field(description="why the rule's reading of the law is UNCONFIRMED, or null")
    parameters: dict[str, Any] = Field(description="the parameters the rule compared with, as of the date")
    measures: list[Measure] = Field(default_factory=list, description=(
        "§45X: the measures of one rule firing on one subject, merged into this one finding (each measure's "
        "figure as the rule compares it, its paths and explanation)"))
    chains: list[list[Link]] = Field(default_factory=list, description=(
        "§45X: from this finding's subject through each holder that is itself a prohibited foreign entity down "
        "to the root reason, one link per entity"))
    chain_texts: list[str] = Field(default_factory=list,
                                   description="each chain in words, links joined by →")


class Checked(Out):
    """One prong tested for one subject (negative evidence): what was looked at and how it compares with what
    the rule needs."""

    rule: str
    title: str
    citation: str
    prong: str
    outcome: Literal["met", "not met", "undetermined"]
    detail: str
    paths: list[str]


class Missing(Out):
    """A fact the verdict needs and the data does not give: whose, which, and what would decide it."""

    subject: str
    fact: str
    decide: str
