"""What one subject's verdict can depend on: the dataset cut down to those records before a single check
(issue 17, "a single check judges only what it depends on").

A subject's status is decided from above it, never from below or beside it: 42 U.S.C. 18741(a)(5)(C) (as
DOE reads it, 89 FR 37079) and IRC 7701(a)(51)(C)-(D) look at who holds, licenses or contracts with an
entity, and at the entity's own record and listings; a facility's activities at its operator; a §45X
product's material assistance cost ratio (IRC 7701(a)(52)) at its inputs' suppliers; a vehicle's battery at
the facilities of its parts (IRC 30D(d)(7), 26 CFR 1.30D-6). So the records a verdict reads are:

- the *upstream closure* of the subject's entities: every holder of a holding in one of them (any measure,
  debt and officer rights too, on any date), every licensor or counterparty of an agreement whose licensee
  is one of them, and so on to the top; with every holding, listing and agreement naming one of them as
  the held entity, the listed entity or the licensee (on any date: the check's date picks among them);
- every covered-nation government body and senior political figure (vocabulary `government_types`,
  `political_figure_of`), on their own: which nations have any decides the §30D holder groups a reading
  traces and names in its negative evidence (`facts.holder_groups`, `verdicts.checked`), even where none
  of them holds anything above the subject;
- a facility's record and its operator's closure; for §45X also the facility's material inputs and each
  supplier's closure (the suppliers judged on the day of sale, the operator's taxable year from its record);
- a vehicle's record, its battery, the facilities its parts (and its final assembly) name, their operators'
  closures, and its manufacturer's;
- the attestations about any of these, and each signer's closure: an attestation a FEOC signed is not relied on
  (`determine.attestations`), so the signer's status is part of what the verdict reads.

Everything a chaining round, the unrecorded-measure stage, the worst case of `determine.doubt` (which fills
only the holdings kept here and names only what is above the subject) and the negative evidence read about
these subjects lies inside the cut, so the verdict on the cut is the verdict on the whole dataset:
`tests/test_closure.py` holds the rendered outputs byte-identical on every subject of the seeds and of
generated worlds. Records keep their order (ownership paths and findings are listed in record order).
Reports and `screen` judge every subject and do not cut.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from feoc.data.dataset import Dataset

KINDS = ("entity", "facility", "facility-45x", "vehicle")  # facility: §30D; facility-45x: §45X


@dataclass(frozen=True)
class _Above:
    """Who is directly above each entity: its holders and the licensors of its agreements."""

    up: dict[str, set[str]]

    @classmethod
    def of(cls, dataset: Dataset) -> _Above:
        up: dict[str, set[str]] = {}
        for h in dataset.holdings:
            up.setdefault(h.entity, set()).add(h.holder)
        for a in dataset.agreements:
            up.setdefault(a.licensee, set()).add(a.licensor)
        return cls(up)

    def closure(self, seeds: Iterable[str]) -> set[str]:
        """`seeds` and everything above them, on any date (a stack, not recursion: chains run deep)."""
        found = set(seeds)
        stack = list(found)
        while stack:
            for above in self.up.get(stack.pop(), ()):
                if above not in found:
                    found.add(above)
                    stack.append(above)
        return found


def _government(e: Any, government_types: Collection[str]) -> bool:
    """A body that may be a covered nation's government on some date (`facts.government_bodies`)."""
    return (e.type in government_types and e.country is not None) or (
        e.type == "person" and e.political_figure_of is not None)


def _seeds(dataset: Dataset, kind: str, ident: str) -> tuple[set[str], set[str], set[str]]:
    """The entities, facilities and batteries the subject itself names."""
    if kind == "entity":
        return {ident}, set(), set()
    if kind in ("facility", "facility-45x"):
        facility = dataset.facility(ident)
        entities = {facility.operator}
        if kind == "facility-45x":
            entities |= {m.supplier for m in dataset.material_inputs if m.facility == ident}
        return entities, {ident}, set()
    vehicle = dataset.vehicle(ident)
    battery = dataset.battery(vehicle.battery)
    places = {vehicle.assembled_at} if vehicle.assembled_at else set()
    for c in battery.components:
        places |= {p for p in (c.manufactured_at, c.assembled_at) if p}
    for m in battery.critical_minerals:
        places |= {p for p in (m.extracted_at, m.processed_at, m.recycled_at) if p}
    operators = {f.operator for f in dataset.facilities if f.id in places}
    return operators | {vehicle.manufacturer}, places, {battery.id}


def _signers_closure(dataset: Dataset, above: _Above, entities: set[str], facilities: set[str],
                     batteries: set[str]) -> set[str]:
    """The closure of `entities`, grown by the closure of each signer of an attestation about what it holds (or
    about `facilities` / `batteries`) until no new signer appears."""
    inside = above.closure(entities)
    while True:
        signers = {a.by for a in dataset.attestations if a.about.entity in inside or a.about.facility in facilities
                   or a.about.battery in batteries} - inside
        if not signers:
            return inside
        inside = above.closure(inside | signers)


def dependencies(dataset: Dataset, kind: str, ident: str, government_types: Collection[str]) -> Dataset:
    """The records the verdict on subject `ident` of `kind` (one of KINDS) can depend on, in their order: the
    verdict judged on the result is the verdict judged on `dataset` (module docstring). `government_types` is
    the law's vocabulary (`law.vocabulary.government_types`). Returns `dataset` itself when nothing is cut."""
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}: use one of {', '.join(KINDS)}")
    entities, facilities, batteries = _seeds(dataset, kind, ident)
    inside = _signers_closure(dataset, _Above.of(dataset), entities, facilities, batteries)
    kept = inside | {e.id for e in dataset.entities if _government(e, government_types)}
    cut = Dataset(
        entities=tuple(e for e in dataset.entities if e.id in kept),
        holdings=tuple(h for h in dataset.holdings if h.entity in inside),
        listings=tuple(x for x in dataset.listings if x.entity in inside),
        agreements=tuple(a for a in dataset.agreements if a.licensee in inside),
        facilities=tuple(f for f in dataset.facilities if f.id in facilities),
        batteries=tuple(b for b in dataset.batteries if b.id in batteries),
        vehicles=tuple(v for v in dataset.vehicles if kind == "vehicle" and v.id == ident),
        material_inputs=tuple(m for m in dataset.material_inputs if kind == "facility-45x" and m.facility == ident),
        attestations=tuple(a for a in dataset.attestations if a.about.entity in inside
                           or a.about.facility in facilities or a.about.battery in batteries),
        source_label=dataset.source_label)
    return dataset if cut.counts() == dataset.counts() else cut
