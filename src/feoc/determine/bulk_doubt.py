"""The bulk path's doubt passed down the chain (`determine.doubt`): the worst case judged with the bulk regime,
its direct prongs and stake graphs shared across the readings as the real ones are, and the `upstream_doubt`
facts as one block of columns."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from feoc.data.columns import Shares
from feoc.data.dataset import Dataset
from feoc.data.model import MEASURES
from feoc.determine.bulk import Block, BulkReadings, _Bulk
from feoc.determine.bulk_attest import trusted
from feoc.determine.doubt import FLOOR, doubt_facts, more_scoped, worst_case
from feoc.engine.columnar import column_from


def doubt_block(readings: BulkReadings, run: _Bulk, reading: str) -> list[Block]:
    """The `upstream_doubt` facts of `run` (one reading after its chaining rounds) as one block."""
    run._shares = {}  # read by the stages before (unrecorded measures, share ranges) only: freed before the worst case
    if readings.worst_case is None:  # once for every reading
        floor = float(readings.law.param(FLOOR, readings.day) or 0.0)
        # a range's maximum is not in the columns' floats: the records' worst case reads it (`ranges.maxima`)
        fast = None if readings.ranged else worst_columns(readings.dataset, floor)
        readings.worst_case = fast or worst_case(readings.dataset, floor)
    case: tuple[Dataset, Any] = readings.worst_case
    never = trusted(run)  # an attestation relied on: never a FEOC in the worst case (26 CFR 1.30D-6(b))

    def worst(data: Dataset, assumed: frozenset[str]) -> set[str]:
        if readings.worst is None:
            readings.worst = BulkReadings(data, readings.day, readings.law)
            if data.entities is readings.dataset.entities:  # the same entities: share the direct prongs
                readings.worst.like = readings
        result = readings.worst.determine(reading, assumed, never)
        mask = result.feoc if result.undetermined is None else result.feoc | result.undetermined
        return {result.ids[i] for i in np.flatnonzero(mask).tolist()} | more_scoped(result.scoped, run.scoped)

    ids = run.ids
    feoc = {ids[i] for i in np.flatnonzero(run.feoc).tolist()}
    undecided = {ids[i] for i in np.flatnonzero(run.undetermined & ~run.feoc).tolist()}
    facts = doubt_facts(readings.dataset, readings.day, case, feoc, undecided, worst, texts=False)
    if not facts:
        return []
    columns = {name: column_from([f[name] for f in facts]) for name in facts[0]}  # the texts empty: no rule tests them
    return [Block("upstream_doubt", columns.get, len(facts), np.array([run.index[f["subject"]] for f in facts]))]


def worst_columns(dataset: Dataset, floor: float) -> tuple[Dataset, Sequence[Any]] | None:
    """`doubt.worst_case` on the holdings' columns of a compact load (None without them): each unrecorded measure
    of a holding whose largest recorded share reaches `floor` taken as 100 %, in the columns the bulk path reads,
    without a new record per holding. The worst case's records stay the recorded ones (nothing on the bulk path
    reads them), and the filled holdings are given as recorded: without texts they only say whether any was."""
    kept = dataset.columns.get("holdings")
    if kept is None:
        return None
    shares = np.array([kept[m] for m in MEASURES], dtype=np.float64).T  # None (unrecorded): NaN
    recorded = ~np.isnan(shares)
    count = recorded.sum(axis=1)
    some = (count > 0) & (count < len(MEASURES))
    fill = np.zeros(len(shares), dtype=bool)
    fill[some] = np.nanmax(shares[some], axis=1) >= floor
    if not fill.any():
        return dataset, []
    columns: dict[str, Any] = dict(kept)
    for mi, m in enumerate(MEASURES):
        at = np.flatnonzero(fill & ~recorded[:, mi])
        if len(at):
            filled = shares[:, mi].copy()  # NaN where unrecorded, as `Shares` holds it
            filled[at] = 1.0
            columns[m] = Shares(filled)
    worst = dataclasses.replace(dataset, columns={**dataset.columns, "holdings": columns})
    return worst, Picked(dataset.holdings, np.flatnonzero(fill))


class Picked(Sequence):
    """Some records of a sequence, made on access (the bulk path only asks whether there are any: issue 17,
    memory: ~1 in 3 holdings of a generated world is filled)."""

    def __init__(self, records: Sequence[Any], positions: np.ndarray):
        self.records, self.positions = records, positions

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self.records[int(p)] for p in self.positions[i]]
        return self.records[int(self.positions[i])]
