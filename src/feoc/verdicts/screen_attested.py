"""The screen's attestation columns (issue 20, 26 CFR 1.30D-6(b)): per entity, the ids of the attestations its
verdict relies on (`relies_on`) and of those it does not (`not_relied_on`), `;`-joined and sorted, as `feoc check
entity` lists them in its JSON (`verdicts.attested.entity_reliance`): the attestations about the entity or about an
entity above it (a holder or licensor in force on the date, transitively: the doubt passed down the chain reaches
it through them), judged under any of the readings the table's `status` is agreed across. The columns are added
only when the dataset records an attestation, so the table of a dataset without any keeps its bytes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.attestations import REFUSED, RELIED

ATTESTATION_COLUMNS = ["relies_on", "not_relied_on"]
Reliance = dict[str, dict[str, list[dict[str, Any]]]]  # relied_on / not_relied_on -> subject -> entries


def attested_columns(dataset: Dataset, day: dt.date, ids: list[str], reliances: Iterable[Reliance | None],
                     in_force: bool) -> dict[str, list[str]]:
    """The two columns for the entities `ids` (in table order) from each reading's judged attestations; empty
    before any FEOC test is in force (a verdict *not in force* relies on nothing, as `feoc check` gives it)."""
    if not in_force:
        return {c: [""] * len(ids) for c in ATTESTATION_COLUMNS}
    about: dict[str, dict[str, set[str]]] = {RELIED: {}, REFUSED: {}}
    for reliance in reliances:
        for outcome, by_subject in (reliance or {}).items():
            for subject, entries in by_subject.items():
                for said in entries:
                    if outcome in about and "entity" in said["about"]:  # a battery's are a vehicle verdict's
                        about[outcome].setdefault(subject, set()).add(said["attestation"])
    below = _below(dataset, day) if any(about.values()) else {}
    out = {}
    for outcome, column in ((RELIED, "relies_on"), (REFUSED, "not_relied_on")):
        reached: dict[str, set[str]] = {}
        for subject, attestations in about[outcome].items():
            for entity in _down(subject, below):
                reached.setdefault(entity, set()).update(attestations)
        out[column] = [";".join(sorted(reached.get(e, ()))) for e in ids]
    return out


def _below(dataset: Dataset, day: dt.date) -> dict[str, set[str]]:
    """Entity -> the entities it holds or licenses on `day` (the reverse of `verdicts.attested.above`)."""
    below: dict[str, set[str]] = {}
    for up, down in dataset.edges_on(day):
        below.setdefault(up, set()).add(down)
    return below


def _down(subject: str, below: dict[str, set[str]]) -> set[str]:
    """`subject` and every entity below it."""
    seen, stack = {subject}, [subject]
    while stack:
        for nxt in below.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
