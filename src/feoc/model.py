"""The dataset contract: pydantic models for every record kind (see ../shared/design.md).

Strict on purpose: an unknown field is an error (a typo such as `equtiy` must never drop a share
silently), ids are slugs, shares lie in [0, 1], dates are ISO, countries ISO 3166-1 alpha-2, and
enumerated words come from `rules/vocabulary.yaml`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache
from typing import Annotated, Any, Literal

import pycountry
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")
MEASURES = ("equity", "voting", "board_seats")


@lru_cache(maxsize=1)
def iso_countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def _share(value: Any) -> float:
    """Accept 0.25, 1, "25%", "25 %", "0.25"; refuse bools, NaN, infinities and values outside [0, 1]."""
    if isinstance(value, bool):
        raise ValueError("a share is a number in [0, 1] or a percentage string like \"25%\", not true/false")
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(f"`{value}` is not a share; write 0.25 or \"25%\"") from None
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise ValueError(f"a share must be a number or a percentage string, not {type(value).__name__}")
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"`{value}` is not a finite share; write 0.25 or \"25%\"")
    if number < 0 or number > 1:
        hint = f" (did you mean \"{number:g}%\"?)" if 1 < number <= 100 else ""
        raise ValueError(f"share {value} lies outside [0, 1]{hint}; write 0.25 or \"25%\"")
    return number


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG.match(value):
        raise ValueError(f"`{value}` is not an id: use lowercase letters, digits and dashes (a slug), e.g. `envision-group`")
    return value


def _country(value: Any) -> str:
    if not isinstance(value, str) or value not in iso_countries():
        raise ValueError(f"`{value}` is not an ISO 3166-1 alpha-2 country code (e.g. CN, JP, US, NO); use upper case")
    return value


def _date(value: Any) -> dt.date:
    day = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if day is not None:
        if not 1900 <= day.year <= 2100:
            raise ValueError(f"`{value}` is an implausible date for this law; check the year")
        return day
    raise ValueError(f"`{value}` is not a valid ISO date; write YYYY-MM-DD (e.g. 2024-01-01)")


Share = Annotated[float, BeforeValidator(_share)]
Slug = Annotated[str, BeforeValidator(_slug)]
Country = Annotated[str, BeforeValidator(_country)]
Day = Annotated[dt.date, BeforeValidator(_date)]


class Record(BaseModel):
    """Fields every record may carry: provenance, and whether a figure is an assumption."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    sources: tuple[Source, ...] = ()
    assumed: bool = False
    assumption: str | None = None  # why the assumption was made; required when assumed is true
    note: str | None = None

    @model_validator(mode="after")
    def _assumption_explained(self) -> "Record":
        if self.assumed and not (self.assumption and self.assumption.strip()):
            raise ValueError("a record marked `assumed: true` needs `assumption:` saying why and on what basis")
        return self


class Source(BaseModel):
    """Where a fact comes from: a document (file name or URL) and the words it rests on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    doc: str = Field(min_length=1)
    quote: str = Field(min_length=1)


class Dated(Record):
    """A record in force from `from` (inclusive) until `until` (exclusive); both optional."""

    start: Day | None = Field(default=None, alias="from")
    end: Day | None = Field(default=None, alias="until")

    @model_validator(mode="after")
    def _ordered(self) -> "Dated":
        if self.start and self.end and not self.start < self.end:
            raise ValueError(f"`from` ({self.start}) must be before `until` ({self.end})")
        return self

    def in_force(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


class Entity(Record):
    id: Slug
    name: str = Field(min_length=1)
    type: str
    country: Country | None = None  # for a government, agency or party: the nation it belongs to
    incorporated_in: Country | None = None
    headquartered_in: Country | None = None  # principal place of business
    political_figure_of: Country | None = None  # person only: a senior foreign political figure of that nation
    aliases: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> "Entity":
        if self.political_figure_of and self.type != "person":
            raise ValueError("`political_figure_of` applies to a person only; set `type: person` or remove it")
        if self.type in ("government", "agency", "party") and not self.country:
            raise ValueError(f"a {self.type} needs `country:` (the nation it belongs to)")
        return self


class Holding(Dated):
    holder: Slug
    entity: Slug
    equity: Share | None = None
    voting: Share | None = None
    board_seats: Share | None = None

    @model_validator(mode="after")
    def _some_share(self) -> "Holding":
        if self.equity is None and self.voting is None and self.board_seats is None:
            raise ValueError("a holding needs at least one of `equity`, `voting`, `board_seats`")
        if self.holder == self.entity:
            raise ValueError(f"`{self.holder}` cannot hold itself; remove the holding or fix `holder`/`entity`")
        return self

    def share(self, measure: str) -> float | None:
        return getattr(self, measure)


class Listing(Dated):
    entity: Slug
    list: str


class Agreement(Dated):
    """A licence or other contract that may give the licensor effective control over an activity."""

    id: Slug
    kind: Literal["license", "contract"]
    licensor: Slug
    licensee: Slug
    rights: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()  # the activities it covers; empty = all of the licensee's

    @model_validator(mode="after")
    def _parties(self) -> "Agreement":
        if self.licensor == self.licensee:
            raise ValueError("licensor and licensee must differ")
        return self


class Facility(Dated):
    id: Slug
    name: str = Field(min_length=1)
    operator: Slug
    country: Country
    activities: tuple[str, ...] = Field(min_length=1)
    status: Literal["operating", "under_construction", "planned", "paused", "cancelled", "closed"] = "operating"


class Component(Record):
    component: str
    manufactured_at: Slug | None = None
    assembled_at: Slug | None = None
    value_usd: float = Field(ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _made_somewhere(self) -> "Component":
        if not self.manufactured_at and not self.assembled_at:
            raise ValueError("a component needs `manufactured_at` or `assembled_at` (a facility id)")
        return self


class Mineral(Record):
    mineral: str
    extracted_at: Slug | None = None
    processed_at: Slug | None = None
    recycled_at: Slug | None = None
    value_usd: float = Field(ge=0, allow_inf_nan=False)
    impracticable_to_trace: bool = False
    material: Literal["anode_graphite", "electrolyte_salt", "electrode_binder", "electrolyte_additive", "other"] = "other"

    @model_validator(mode="after")
    def _some_step(self) -> "Mineral":
        if not (self.extracted_at or self.processed_at or self.recycled_at):
            raise ValueError("a critical mineral needs at least one of `extracted_at`, `processed_at`, `recycled_at`")
        return self


class Battery(Record):
    id: Slug
    name: str | None = None
    components: tuple[Component, ...] = Field(min_length=1)
    critical_minerals: tuple[Mineral, ...] = ()


class Vehicle(Record):
    id: Slug
    name: str = Field(min_length=1)
    model_year: int = Field(ge=2000, le=2100)
    manufacturer: Slug
    battery: Slug
    final_assembly_country: Country | None = None
    assembled_at: Slug | None = None  # the final-assembly facility, when known
    msrp_usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    vehicle_class: Literal["car", "van", "suv", "pickup"] | None = None
    status: Literal["on_sale", "announced", "discontinued"] = "on_sale"

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


# The top-level keys of a dataset file, with the model of their records.
KINDS: dict[str, type[Record]] = {
    "entities": Entity,
    "holdings": Holding,
    "listings": Listing,
    "agreements": Agreement,
    "facilities": Facility,
    "batteries": Battery,
    "vehicles": Vehicle,
}

Record.model_rebuild()
Dated.model_rebuild()
for _model in KINDS.values():
    _model.model_rebuild()
Component.model_rebuild()
Mineral.model_rebuild()
