"""The JSON of `feoc check entity|facility|vehicle --format json`: what `SubjectVerdict.as_dict` and
`VehicleVerdict.as_dict` write (verdicts/subject.py, verdicts/vehicle.py), key for key. Statuses are members
of `verdicts.status.Status`; the exit code each maps to is README "Statuses and exit codes of `feoc check`"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from feoc.schemas.finding import Checked, Finding, Missing
from feoc.schemas.generate import Out
from feoc.verdicts.status import Status

S = Status
Money = Annotated[float, Field(ge=0)]
SubjectStatus = Literal[S.feoc, S.not_feoc, S.cannot_be_determined, S.contested, S.not_in_force]
ReadingStatus = Literal[S.feoc, S.not_feoc, S.cannot_be_determined, S.not_in_force]
VehicleReadingStatus = Literal[S.eligible, S.partial, S.not_eligible, S.no_credit, S.terminated, S.not_in_force,
                               S.cannot_be_determined]
VehicleStatus = Literal[S.eligible, S.partial, S.not_eligible, S.no_credit, S.terminated, S.not_in_force,
                        S.cannot_be_determined, S.contested]


class Attestation(Out):
    """A supplier attestation a verdict relies on, or does not and says why (26 CFR 1.30D-6(b): reasonable
    reliance is due diligence unless the manufacturer knows or has reason to know it is incorrect)."""

    attestation: str
    by: str = Field(description="the entity that signed it: the supplier or the subject itself")
    about: dict[str, str] = Field(description="entity, facility or battery (with component or mineral)")
    claim: str
    document: str
    signed: dt.date
    until: dt.date | None
    readings: list[str] = Field(description="the readings under which it holds")
    decides: list[str] | None = Field(default=None, description="the rules of the gaps it decides")
    why: str | None = Field(default=None, description=(
        "why it is not relied on: the data show the subject a FEOC (reason to know it is incorrect), signed after "
        "the date judged, or expired"))
    parts: list[str] | None = Field(default=None, description=(
        "a battery attestation: the parts whose operator's open status it decides"))


class _Subject(Out):
    """Is an entity (or a facility's activities) a foreign entity of concern on a date (42 U.S.C. 18741(a)(5)),
    agreed across the readings of the law judged."""

    subject: str
    name: str
    on: dt.date
    interpretation: str = Field(description="the reading whose findings are shown (the one asked for, or the default)")
    status: SubjectStatus = Field(description=(
        "agreed across the readings judged: exit 0 not_feoc/not_in_force, 1 feoc, 4 cannot_be_determined, "
        "5 contested"))
    feoc: bool = Field(description="true only for a clear yes (status feoc)")
    contested: bool
    readings: dict[str, ReadingStatus] = Field(
        description="each judged reading's status (every reading, or the one --interpretation names)")
    findings: list[Finding]
    upstream_findings: list[Finding] = Field(description="why the holders and licensors named in the findings are FEOCs")
    missing: list[Missing] = Field(
        description="facts the verdict needs and the data does not give: whose, which, and what would decide it")
    notes: list[str]
    checked: list[Checked] = Field(
        description="what was checked: each prong in force on the date with the facts looked at (negative evidence)")
    relies_on: list[Attestation] = Field(
        description="supplier attestations relied on to decide a gap in the data (26 CFR 1.30D-6(b))")
    not_relied_on: list[Attestation] = Field(description="supplier attestations not relied on, each with `why`")


class EntityCheck(_Subject):
    """`feoc check entity ID --format json`: is the entity a foreign entity of concern on the date."""

    model_config = ConfigDict(title="feoc check entity --format json")
    kind: Literal["entity"]
    activities: None = Field(description="null for an entity (a facility lists its activities)")


class FacilityCheck(_Subject):
    """`feoc check facility ID --format json` (--credit 30d, the default): is each activity at the facility
    performed by a foreign entity of concern (IRC 30D(d)(7))."""

    model_config = ConfigDict(title="feoc check facility --format json")
    kind: Literal["facility"]
    activities: dict[str, bool] = Field(description="each activity at the facility: performed by a FEOC or not")


class ReadingCredit(Out):
    """One reading's answer for the vehicle."""

    status: VehicleReadingStatus
    credit_usd: Money


class Check(Out):
    """One requirement of the §30D decision order (rules/credit_order.yaml): what was tested, the outcome."""

    name: str
    outcome: Literal["pass", "fail", "not_checked", "not_applicable", "cannot_be_determined"]
    detail: str
    citation: str


class Half(Out):
    """One half of the credit (IRC 30D(b)(2), (b)(3), (e)): the qualifying share of its value against the
    applicable percentage."""

    share: float | None = Field(ge=0, le=1, description="qualifying value / total value; null when there is no value")
    threshold: float | None = Field(description="the applicable percentage on the date; null when not in force")
    qualifying_value_usd: Money
    total_value_usd: Money
    meets: bool
    amount_usd: Money
    requirement_in_force: bool
    citation: str
    cannot_be_determined: str | None = Field(description="what keeps the half from being judged, or null")


class Halves(Out):
    """The two halves, by the names rules/credit_order.yaml gives them."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Half] = Field(init=False)  # a half a future credit order adds
    critical_minerals: Half
    battery_components: Half


class _Row(Out):
    facility: str
    country: str
    operator: str
    feoc: bool = Field(description="the step at the facility is performed by a FEOC")
    qualifying: bool = Field(description="the facility's country counts for its half")
    value_usd: Money
    assumed: bool


class ComponentRow(_Row):
    """One battery component step: where, by whom, FEOC or not, qualifying for the components half or not."""

    component: str
    step: Literal["manufacturing", "assembly"]


class MineralRow(_Row):
    """One critical mineral step: where, by whom, FEOC or not, qualifying for the minerals half or not."""

    mineral: str
    step: Literal["extraction", "processing", "recycling"]
    impracticable_to_trace: bool


class VehicleCheck(Out):
    """`feoc check vehicle ID --on DATE --format json`: the IRC §30D clean vehicle credit for the vehicle placed in
    service (and acquired) on the dates, agreed across the readings judged."""

    model_config = ConfigDict(title="feoc check vehicle --format json")
    subject: str
    kind: Literal["vehicle"]
    name: str
    on: dt.date = Field(description="placed in service")
    acquired: dt.date
    interpretation: str
    eligible: bool
    credit_usd: Money = Field(description="the credit; when contested the lowest reading's, when cannot_be_determined 0")
    credit_range_usd: list[Money] = Field(min_length=2, max_length=2,
                                          description="lowest and highest credit of the readings judged")
    status: VehicleStatus = Field(description=(
        "agreed across the readings judged: exit 0 eligible/partial/not_in_force, 1 not_eligible/no_credit/"
        "terminated, 4 cannot_be_determined, 5 contested"))
    reason: Annotated[str, StringConstraints(min_length=1)]
    deciding_rule: str
    contested: bool
    readings: dict[str, ReadingCredit]
    checks: list[Check]
    halves: Halves
    findings: list[Finding]
    upstream_findings: list[Finding]
    components: list[ComponentRow]
    minerals: list[MineralRow]
    missing: list[Missing] = Field(
        description="facts the verdict needs and the data does not give: whose, which, and what would decide it")
    notes: list[str]
    relies_on: list[Attestation] = Field(description=(
        "attestations relied on to decide a gap (26 CFR 1.30D-6(b)): about the battery (or a component kind or "
        "mineral of it), or an entity behind its parts"))
    not_relied_on: list[Attestation] = Field(description="attestations not relied on, each with `why`")
