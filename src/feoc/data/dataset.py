"""The loaded, validated dataset: immutable records plus indexes by id, and where each record came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING

from feoc.data.model import (
    Agreement,
    Attestation,
    Battery,
    Entity,
    Facility,
    Holding,
    Listing,
    MaterialInput,
    Vehicle,
)
from feoc.data.pending import PendingChecks

if TYPE_CHECKING:
    from feoc.data.id_order import SortedIds


@dataclass(frozen=True)
class Origin:
    """Where a record was written: file and path inside it (top-level key, index)."""

    file: str
    kind: str
    index: int


@dataclass(frozen=True)
class Dataset:
    """Every record of a dataset folder, validated; ids are unique across the folder."""

    entities: tuple[Entity, ...] = ()
    holdings: tuple[Holding, ...] = ()
    listings: tuple[Listing, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    facilities: tuple[Facility, ...] = ()
    batteries: tuple[Battery, ...] = ()
    vehicles: tuple[Vehicle, ...] = ()
    material_inputs: tuple[MaterialInput, ...] = ()
    attestations: tuple[Attestation, ...] = ()  # supplier attestations (26 CFR 1.30D-6(b))
    origins: dict[tuple[str, int], Origin] = field(default_factory=dict, compare=False, repr=False)
    source_label: str = field(default="", compare=False)
    # entities and holdings field by field (field -> values in record order), kept by a compact load
    columns: dict[str, dict[str, list]] = field(default_factory=dict, compare=False, repr=False)
    # the cross-record checks, when the load left them to run beside the first use (`data.pending`)
    checks: PendingChecks | None = field(default=None, compare=False, repr=False)
    # the entities' id order, when a compact load sorted it ahead (`load/order_ahead.py`), with the list it sorted
    sorted_ids: SortedIds | None = field(default=None, compare=False, repr=False)

    def confirm(self) -> None:
        """Raise the cross-record checks' `InputError` if they are pending and refuse the dataset (`data.pending`):
        called before any answer is given from it, and before work that must not run on an unchecked dataset."""
        if self.checks is not None:
            self.checks.confirm()

    def column(self, kind: str, name: str) -> list:
        """Field `name` of every record of `kind`, in order: from the columns when the loader kept them."""
        kept = self.columns.get(kind)
        if kept is not None:
            return kept[name]
        return list(map(attrgetter(name), getattr(self, kind)))

    def __post_init__(self) -> None:
        by_id = getattr(self.entities, "by_id", None)  # a compact load's records, made on access (load/columns.Rows)
        object.__setattr__(self, "_entity", by_id() if by_id is not None else {e.id: e for e in self.entities})
        object.__setattr__(self, "_facility", {f.id: f for f in self.facilities})
        object.__setattr__(self, "_battery", {b.id: b for b in self.batteries})
        object.__setattr__(self, "_vehicle", {v.id: v for v in self.vehicles})

    def entity(self, eid: str) -> Entity:
        return self._entity[eid]  # type: ignore[attr-defined]

    def facility(self, fid: str) -> Facility:
        return self._facility[fid]  # type: ignore[attr-defined]

    def battery(self, bid: str) -> Battery:
        return self._battery[bid]  # type: ignore[attr-defined]

    def vehicle(self, vid: str) -> Vehicle:
        return self._vehicle[vid]  # type: ignore[attr-defined]

    def has_entity(self, eid: str) -> bool:
        return eid in self._entity  # type: ignore[attr-defined]

    def has_facility(self, fid: str) -> bool:
        return fid in self._facility  # type: ignore[attr-defined]

    def has_vehicle(self, vid: str) -> bool:
        return vid in self._vehicle  # type: ignore[attr-defined]

    def holdings_on(self, day: dt.date) -> list[Holding]:
        """The as-of view: holdings in force on `day` (`from` inclusive, `until` exclusive)."""
        return [h for h in self.holdings if h.in_force(day)]

    def listings_on(self, day: dt.date) -> list[Listing]:
        return [x for x in self.listings if x.in_force(day)]

    def agreements_on(self, day: dt.date) -> list[Agreement]:
        return [a for a in self.agreements if a.in_force(day)]

    def edges_on(self, day: dt.date) -> list[tuple[str, str]]:
        """(above, below) on `day`: each holding's holder over its entity, then each agreement's licensor over its
        licensee — the edges the doubt is passed down (`determine.doubt`) and the attestations reached through it
        (`verdicts.attested`, `verdicts.screen_attested`) follow."""
        return ([(h.holder, h.entity) for h in self.holdings_on(day)]
                + [(a.licensor, a.licensee) for a in self.agreements_on(day)])

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in
                ("entities", "holdings", "listings", "agreements", "facilities", "batteries", "vehicles",
                 "material_inputs", "attestations")}
