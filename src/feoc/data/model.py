"""The dataset contract: pydantic models for every record kind (see ../shared/design.md).

Strict on purpose: an unknown field is an error (a typo such as `equtiy` must never drop a share
silently), ids are slugs, shares lie in [0, 1], dates are ISO, countries ISO 3166-1 alpha-2, and
enumerated words come from `rules/vocabulary.yaml`.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, StringConstraints, model_validator

from feoc.data.values import ShareRange, iso_countries, to_country, to_date, to_share, to_share_or_range, to_slug, upper

MEASURES = ("equity", "voting", "board_seats")


class FieldError(ValueError):
    """A record-level check that blames one field, so the problem is reported at that field's line."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field


# Slugs and countries are checked by pydantic-core itself (a Rust regex, a set lookup): a Python validator
# per value would cost a call each, and a 100k-entity dataset has ~10^6 of them. Their friendly messages
# come from `explain` below, which runs the Python checks only on the values pydantic refused.
_SLUG_MARK = StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")  # Rust `$`: the very end
Share = Annotated[float, BeforeValidator(to_share)]  # (a native float | str union measured no faster)
# a holding's share: exact, or a range `{min, max}` (`values.ShareRange`, a float that is its lower bound; a plain
# validator keeps that type, which pydantic's own float check would turn back into a float)
Bounded = Annotated[float, PlainValidator(to_share_or_range, json_schema_input_type=float | dict[str, float])]
Slug = Annotated[str, _SLUG_MARK]
if TYPE_CHECKING:  # a Literal of the 249 codes read at run time: for the type checker, a str
    Country = str
else:
    Country = Literal[tuple(sorted(iso_countries()))]
Day = Annotated[dt.date, BeforeValidator(to_date)]


def _refused(ranges: tuple[tuple[int, int], ...]) -> str:
    """A pydantic-core (Rust regex) pattern matching text without any character of `ranges`."""
    return "^[^" + "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in ranges) + "]*$"


# What the loader refuses in names and texts (the attack: ANSI/OSC 52 escapes, `\r`, U+202E and newlines in a
# name rewrite the terminal, forge a verdict line, break YAML front matter or make a report binary). The
# characters are those feoc.render.sanitize.UNSHOWN never writes raw (tests/test_reliability_sanitise.py
# holds the two lists equal): C0 and C1 controls and DEL, U+2028/U+2029, the bidi embeddings, overrides and
# isolates, and the noncharacters; lone surrogates are refused by pydantic-core itself. Tab and line feed
# stay (a YAML block scalar makes them; every one-line sink folds them); `\r` never comes from YAML but as
# an escape, so it is refused.
REFUSED_IN_TEXT: tuple[tuple[int, int], ...] = (
    (0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F), (0x2028, 0x2029), (0x202A, 0x202E), (0x2066, 0x2069),
    (0xFDD0, 0xFDEF), *((plane + 0xFFFE, plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)))
_NAME_MARK = StringConstraints(strip_whitespace=True, min_length=1, pattern=_refused(REFUSED_IN_TEXT))
_TEXT_MARK = StringConstraints(pattern=_refused(REFUSED_IN_TEXT))
Text = Annotated[str, _NAME_MARK]  # not blank; nothing a terminal or a report would execute
FreeText = Annotated[str, _TEXT_MARK]  # may be blank (note, assumption, quote)


class Record(BaseModel):
    """Fields every record may carry: provenance, and whether a figure is an assumption."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    sources: tuple[Source, ...] = ()
    assumed: bool = False
    assumption: FreeText | None = None  # why the assumption was made; required when assumed is true
    note: FreeText | None = None

    @model_validator(mode="after")
    def _checked(self) -> Record:
        # One validator per record (each costs a Python call): subclasses extend `_check`, not add validators.
        self._check()
        return self

    def _check(self) -> None:
        """Checks across the fields of one record; raise FieldError naming the field to blame."""
        if self.assumed and not (self.assumption and self.assumption.strip()):
            raise FieldError("assumed", "a record marked `assumed: true` needs `assumption:`; "
                                        "say why the figure is assumed and on what basis")


class Source(BaseModel):
    """Where a fact comes from: a document (file name or URL) and the words it rests on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    doc: Text
    quote: FreeText


class Dated(Record):
    """A record in force from `from` (inclusive) until `until` (exclusive); both optional."""

    start: Day | None = Field(default=None, alias="from")
    end: Day | None = Field(default=None, alias="until")

    def _check(self) -> None:
        super()._check()
        if self.start and self.end and not self.start < self.end:
            raise FieldError("until", f"`from` ({self.start}) must be before `until` ({self.end}); "
                                      "`until` is exclusive: give the first day the record no longer holds")

    def in_force(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


class Entity(Record):
    id: Slug
    name: Text
    type: str
    # for a government type (vocabulary `government_types`): the nation it belongs to, required by the loader
    country: Country | None = None
    incorporated_in: Country | None = None
    headquartered_in: Country | None = None  # principal place of business
    political_figure_of: Country | None = None  # person only: a senior foreign political figure of that nation
    # person only: the nations the person is a citizen or national of (IRC 7701(a)(51)(C)(ii) reads citizenship,
    # not residence, which `country` may be), and whether the person is a U.S. citizen, national or lawful
    # permanent resident (None: not recorded)
    citizenship: tuple[Country, ...] = ()
    us_person: bool | None = None
    aliases: tuple[Text, ...] = ()
    # the first day of its taxable year, "MM-DD": §45X status is tested per taxable year (IRC 7701(a)(51))
    tax_year_start: str = "01-01"
    # how it is taxed (vocabulary `tax_forms`): decides how the stock it owns is attributed to its owners for
    # the §45X foreign-influence tests (IRC 318(a)(2)(A)-(C)); None: not recorded (judged both ways)
    tax_form: str | None = None

    def _check(self) -> None:
        super()._check()
        if year_start(self.tax_year_start) is None:
            raise FieldError("tax_year_start", f"`tax_year_start` {self.tax_year_start!r} is not a month and day "
                                               "\"MM-DD\" of every year, e.g. \"01-01\" or \"10-01\" (29 February "
                                               "is refused: it is not in every year)")
        for name in ("political_figure_of", "citizenship", "us_person"):
            if getattr(self, name) not in (None, ()) and self.type != "person":
                raise FieldError(name, f"`{name}` applies to a person only; set `type: person` or remove it")
        if self.tax_form is not None and self.type == "person":
            raise FieldError("tax_form", "`tax_form` is how an entity is taxed (IRC 318(a)(2)); a person has none: "
                                         "remove it, or set the entity's `type`")


@functools.lru_cache(maxsize=1024)  # every entity is checked, few starts are written (issue 17: 15 % of a YAML load)
def year_start(text: str) -> tuple[int, int] | None:
    """(month, day) of a "MM-DD" taxable-year start that every year has, or None."""
    parts = text.split("-") if isinstance(text, str) else []
    if len(parts) != 2 or not all(len(p) == 2 and p.isdigit() for p in parts):
        return None
    try:
        dt.date(2001, int(parts[0]), int(parts[1]))  # a year without 29 February: a start every year has
    except ValueError:
        return None
    return int(parts[0]), int(parts[1])


class Holding(Dated):
    holder: Slug
    entity: Slug
    equity: Bounded | None = None
    voting: Bounded | None = None
    board_seats: Bounded | None = None
    debt: Bounded | None = None  # the holder's share of the entity's debt (IRC 7701(a)(51)(D), parameter `fie_debt_threshold`)
    appoints_officers: bool = False  # direct authority to appoint a covered officer or director (7701(a)(51)(D))

    def _check(self) -> None:
        super()._check()
        if (self.equity is None and self.voting is None and self.board_seats is None and self.debt is None
                and not self.appoints_officers):
            raise FieldError(None, "a holding needs a share; add at least one of `equity`, `voting`, `board_seats`, "
                                   "`debt`, or `appoints_officers: true`")
        if self.holder == self.entity:
            raise FieldError("entity", f"`{self.holder}` cannot hold itself; remove the holding or fix `holder`/`entity`")

    def share(self, measure: str) -> float | None:
        """The share recorded for `measure` (a range reads as its lower bound; `share_max` the upper)."""
        return getattr(self, measure)

    def share_max(self, measure: str) -> float | None:
        return upper(getattr(self, measure))

    def ranged(self) -> tuple[str, ...]:
        """The measures (debt included) recorded as a range `{min, max}` rather than an exact share."""
        return tuple(m for m in (*MEASURES, "debt") if isinstance(getattr(self, m), ShareRange))


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
    payments: bool | None = None  # whether the licensee pays the licensor under it (None: not known)

    def _check(self) -> None:
        super()._check()
        if self.licensor == self.licensee:
            raise FieldError("licensee", "licensor and licensee are the same; name the other party in `licensee`")


class Facility(Dated):
    id: Slug
    name: Text
    operator: Slug
    country: Country
    activities: tuple[str, ...] = Field(min_length=1)
    status: Literal["operating", "under_construction", "planned", "paused", "cancelled", "closed"] = "operating"


class Component(Record):
    component: str
    manufactured_at: Slug | None = None
    assembled_at: Slug | None = None
    value_usd: float = Field(ge=0, allow_inf_nan=False)

    def _check(self) -> None:
        super()._check()
        if not self.manufactured_at and not self.assembled_at:
            raise FieldError("component", "a component needs a place; add `manufactured_at` or `assembled_at` (a facility id)")


class Mineral(Record):
    mineral: str
    extracted_at: Slug | None = None
    processed_at: Slug | None = None
    recycled_at: Slug | None = None
    value_usd: float = Field(ge=0, allow_inf_nan=False)
    impracticable_to_trace: bool = False
    # a material the impracticable-to-trace transition names (parameter `impracticable_to_trace_materials`,
    # 26 CFR 1.30D-6), or `other`: checked by the loader against the law
    material: str = "other"

    def _check(self) -> None:
        super()._check()
        if not (self.extracted_at or self.processed_at or self.recycled_at):
            raise FieldError("mineral", "a critical mineral needs a place; add at least one of "
                                        "`extracted_at`, `processed_at`, `recycled_at` (facility ids)")


class Battery(Record):
    id: Slug
    name: Text | None = None
    components: tuple[Component, ...] = Field(min_length=1)
    critical_minerals: tuple[Mineral, ...] = ()


class Vehicle(Record):
    id: Slug
    name: Text
    model_year: int = Field(ge=2000, le=2100)
    manufacturer: Slug
    battery: Slug
    final_assembly_country: Country | None = None
    assembled_at: Slug | None = None  # the final-assembly facility, when known
    msrp_usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    vehicle_class: str | None = None  # a word of vocabulary `vehicle_classes` (IRC 30D(f)(11)), checked by the loader
    status: Literal["on_sale", "announced", "discontinued"] = "on_sale"


class Certification(BaseModel):
    """A supplier's certification that an input was not produced by a prohibited foreign entity (the
    certification safe harbor of IRS Notice 2026-15): relied on only where the data leave the supplier's status
    open, from the day it was signed until `until` (exclusive); never where the data show the supplier is a
    prohibited foreign entity ("reason to know" it is wrong, IRC 7701(a)(52) as amended by P.L. 119-21 §70514)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    document: Text  # the certificate: a file name, URL or reference a reader can find
    signed: Day
    end: Day | None = Field(default=None, alias="until")

    @model_validator(mode="after")
    def _order(self) -> Certification:
        if self.end is not None and not self.signed < self.end:
            raise ValueError(f"a certification's `until` ({self.end}) must be after the day it was `signed` "
                             f"({self.signed}): give the first day it no longer holds")
        return self

    def valid_on(self, day: dt.date) -> bool:
        return self.signed <= day and (self.end is None or day < self.end)


class MaterialInput(Dated):
    """A direct material cost of a product made at a facility, and who supplied it (IRC 7701(a)(52) MACR)."""

    facility: Slug
    product: str  # a battery component kind made there, or `critical_mineral`
    input: Text  # what the material is, e.g. "cathode active material"
    supplier: Slug
    cost_usd: float = Field(gt=0, allow_inf_nan=False)
    # the day the binding written contract it was acquired under was entered into (parameter
    # `macr_binding_contract_before`: one before 2025-06-16 is not counted as the supplier's in the MACR)
    contract_signed: Day | None = None
    certification: Certification | None = None  # the supplier certifies the input is not from a PFE


class About(BaseModel):
    """An attestation's subject: an entity, a facility or a battery (its `component` kind or `mineral` optional)."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    entity: Slug | None = None  # exactly one of entity, facility, battery
    facility: Slug | None = None
    battery: Slug | None = None
    component: str | None = None
    mineral: str | None = None


class Attestation(Record):
    """A signed attestation that its subject is not a FEOC (26 CFR 1.30D-6(b): reasonable reliance on a supplier
    attestation is due diligence unless one knows or has reason to know it is incorrect); `determine.attestations`."""
    id: Slug
    by: Slug  # the entity that signed it: the supplier or the subject itself
    about: About
    claim: str  # a word of vocabulary `attestation_claims`
    signed: Day
    end: Day | None = Field(default=None, alias="until")
    document: Text  # the signed document: a file name, URL or reference a reader can find

    def _check(self) -> None:
        super()._check()
        named = [k for k in ("entity", "facility", "battery") if getattr(self.about, k) is not None]
        if len(named) != 1 or ((self.about.component or self.about.mineral) and named != ["battery"]):
            raise FieldError("about", "`about` names exactly one of `entity`, `facility`, `battery` (and "
                                      "`component`/`mineral` with a battery only); fix `about:`")
        if self.end is not None and not self.signed < self.end:
            raise FieldError("until", f"`until` ({self.end}) must be after `signed` ({self.signed}); fix either")


# The top-level keys of a dataset file, with the model of their records.
KINDS: dict[str, type[Record]] = {
    "entities": Entity,
    "holdings": Holding,
    "listings": Listing,
    "agreements": Agreement,
    "facilities": Facility,
    "batteries": Battery,
    "vehicles": Vehicle,
    "material_inputs": MaterialInput,
    "attestations": Attestation,
}

_MODELS: tuple[type[BaseModel], ...] = (Record, Dated, *KINDS.values(), Component, Mineral, About)
for _model in _MODELS:
    _model.model_rebuild()


@functools.cache
def _fields_of(kind: str) -> frozenset[str]:
    """Names of the fields, across all models, whose type is Slug or Country (to explain their errors). Computed
    on the first error, not at import: the walk costs 4-8 ms, and a valid dataset never needs it (issue 17)."""
    def mentions(annotation: Any, mark: Any) -> bool:
        if annotation is mark or mark in getattr(annotation, "__metadata__", ()):
            return True
        # a Literal's arguments are values (the 249 country codes), never a type that carries a mark
        return get_origin(annotation) is not Literal and any(mentions(arg, mark) for arg in get_args(annotation))

    mark = {"slug": _SLUG_MARK, "name": _NAME_MARK, "text": _TEXT_MARK}.get(kind, Country)
    names = set()
    models: tuple[type[BaseModel], ...] = (*_MODELS, Source, Certification)
    for model in models:
        for name, info in model.model_fields.items():
            if mark in info.metadata or mentions(info.annotation, mark):
                names.add(info.alias or name)
    return frozenset(names)


def explain(err: Any) -> str | None:
    """Our message (`what; fix`) for a pydantic-native error (`err`, one of `ValidationError.errors()`) on a slug
    or country field, else None."""
    field = next((step for step in reversed(err["loc"]) if isinstance(step, str)), None)
    if field in _fields_of("name") | _fields_of("text") and err["type"] in ("string_pattern_mismatch", "string_unicode"):
        return _refused_character(field, err["input"])
    check = to_slug if field in _fields_of("slug") else to_country if field in _fields_of("country") else None
    if check is None or err["type"] not in ("string_pattern_mismatch", "string_type", "literal_error"):
        return None
    try:
        check(err["input"])
    except ValueError as exc:
        return str(exc)
    return None


def _refused_character(field: str, value: Any) -> str:
    """`what; fix` for a name or text holding a character the loader refuses (REFUSED_IN_TEXT)."""
    for i, n in enumerate(map(ord, value if isinstance(value, str) else "")):
        if 0xD800 <= n <= 0xDFFF or any(lo <= n <= hi for lo, hi in REFUSED_IN_TEXT):
            return (f"`{field}` holds U+{n:04X} at character {i + 1}, a control, bidi, surrogate or noncharacter code "
                    "point; remove it: names and texts are shown in terminals, CSV and reports, where it could "
                    "rewrite the screen or forge a line")
    return f"`{field}` holds a character that cannot be shown; remove control characters and bidi controls"
