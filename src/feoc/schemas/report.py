"""The JSON of `feoc report --format json` (`report.json`, render/json.py `report`): provenance, the report dates
and every reported subject's verdicts per date; for an entity also its §45X prohibited-foreign-entity findings and
the §45X verdicts of the plants it operates, per date the P.L. 119-21 rules apply."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from feoc.schemas.check import EntityCheck, VehicleCheck
from feoc.schemas.facility45x import Facility45XCheck
from feoc.schemas.finding import Checked, Finding
from feoc.schemas.generate import Out

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class PfeOnDate(Out):
    """An entity's IRC 45X prohibited-foreign-entity findings on one report date."""

    on: dt.date
    status: str | None = Field(description=(
        "the entity's prohibited-foreign-entity status on that date as the Markdown report names it "
        "(rules/credit_order.yaml operator_statuses)"))
    findings: list[Finding]
    checked: list[Checked] = Field(description=(
        "where no prohibited-foreign-entity rule fired: each prong in force and what was looked at (empty otherwise)"))


class PlantsOnDate(Out):
    """The IRC 45X verdicts of the facilities an entity operates, on one report date."""

    on: dt.date
    verdicts: list[Facility45XCheck]


class EntityTimeline(Out):
    """A reported company or fund: its FEOC verdict per date and its §45X status."""

    kind: Literal["entity"]
    subject: str
    name: str
    points: list[EntityCheck]
    pfe: list[PfeOnDate] = Field(description="the IRC 45X findings per report date on which they apply")
    facilities45x: list[PlantsOnDate] = Field(
        description="the IRC 45X verdicts of the facilities it operates, per report date on which the rules apply")


class VehicleTimeline(Out):
    """A reported vehicle: its §30D verdict per date."""

    kind: Literal["vehicle"]
    subject: str
    name: str
    points: list[VehicleCheck]


class Report(Out):
    """`report.json`: who wrote it from what (the feoc version, the dataset's and the rules' hashes), the report
    dates and every reported subject."""

    model_config = ConfigDict(title="feoc report --format json (report.json)")
    feoc_version: str
    dataset: str
    dataset_sha256: Sha256
    rules_sha256: Sha256
    interpretation: str = Field(description="the default reading of the rules")
    dates: list[dt.date] = Field(min_length=1)
    subjects: list[EntityTimeline | VehicleTimeline]
