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
from feoc.determine.doubt import FLOOR, more_scoped, worst_case
from feoc.determine.ranges import has_ranges
from feoc.engine.columnar import Coded, constant


def doubt_block(readings: BulkReadings, run: _Bulk, reading: str) -> list[Block]:
    """The `upstream_doubt` facts of `run` (one reading after its chaining rounds) as one block."""
    run._shares = {}  # read by the stages before (unrecorded measures, share ranges) only: freed before the worst case
    _worst_case(readings)
    subjects = possible(readings, run, reading)
    k = len(subjects)
    if not k:
        return []
    # the fields of `doubt.doubt_facts` without texts (no rule tests them), as columns
    columns = {"kind": constant("upstream_doubt", k), "subject": Coded(subjects, run.ids),
               "possible": constant(True, k), "undecided": constant("", k), "gaps": constant("", k)}
    return [Block("upstream_doubt", columns.get, k, subjects)]


def _worst_case(readings: BulkReadings) -> tuple[Dataset, Any]:
    """`doubt.worst_case` of the dataset, made once for every reading."""
    if readings.worst_case is None:
        floor = float(readings.law.param(FLOOR, readings.day) or 0.0)
        # a range's maximum is not in the columns' floats: the records' worst case reads it (`ranges.maxima`)
        fast = None if readings.ranged else worst_columns(readings.dataset, floor)
        readings.worst_case = fast or worst_case(readings.dataset, floor)
    return readings.worst_case


def _worst_readings(readings: BulkReadings, data: Dataset, reading: str | None) -> BulkReadings:
    """The worst case's readings, its direct prongs shared with the real ones where the entities are the same, and
    its stake graphs built (made once for every reading)."""
    if readings.worst is None:
        readings.worst = BulkReadings(data, readings.day, readings.law)
        if data.entities is readings.dataset.entities:  # the same entities: share the direct prongs
            readings.worst.like = readings
    readings.worst.prepare(reading)
    return readings.worst


def prepare_worst(readings: BulkReadings, reading: str | None) -> None:
    """The worst case's columns and stake graphs made now, when every reading will judge it (some holding's
    measures filled: `possible` judges it whatever the reading's outcome), so that a forked child inherits them
    instead of building them again (issue 17, time: `verdicts/screen_ahead`; ~0.7 s of CPU at 1M entities). The
    very objects `doubt_block` would make at its first reading: nothing else changes."""
    if readings.ranged is None:  # as `bulk_ranges.upper_run` learns it: a range's worst case reads the records
        readings.ranged = has_ranges(readings.dataset)
    data, filled = _worst_case(readings)
    if len(filled):
        _free_in_force(readings, _worst_readings(readings, data, reading))


def _free_in_force(readings: BulkReadings, worse: BulkReadings) -> None:
    """The holdings in force let go once the worst case's graphs are built: only they read them (issue 17, memory:
    freed before its chaining rounds, the peak of a 1M screen)."""
    for done in (readings._base, worse._base):
        if done is not None:
            done.in_force = None


def possible(readings: BulkReadings, run: _Bulk, reading: str) -> np.ndarray:
    """The subjects of `doubt.doubt_facts` (without texts) as entity indexes in id order: the entities a FEOC or
    undecided in the worst case (`readings.worst_case`) and neither in `run`. Issue 17: on masks over the entity
    indexes, not sets of up to a million ids (tests/test_bulk_doubt_arrays.py holds the two equal)."""
    assert readings.worst_case is not None  # made by `doubt_block` before
    data, filled = readings.worst_case
    undecided = run.undetermined & ~run.feoc
    if not undecided.any() and not len(filled):
        return np.zeros(0, dtype=np.int64)
    assumed = frozenset(map(run.ids.__getitem__, np.flatnonzero(undecided).tolist()))
    mask = worst(readings, run, reading, data, assumed)
    mask &= ~run.feoc
    mask &= ~undecided
    return run.order[np.flatnonzero(mask[run.order])].astype(np.int64)  # in id order, as `sorted(possible)`


def worst(readings: BulkReadings, run: _Bulk, reading: str, data: Dataset, assumed: frozenset[str]) -> np.ndarray:
    """The entities (a mask over `run`'s indexes) a FEOC or undecided in the worst case `data` when the entities
    `assumed` are FEOCs, or a FEOC there in more activities than in `run` (`doubt.more_scoped`); an attestation
    relied on is never a FEOC there (26 CFR 1.30D-6(b), `bulk_attest.trusted`)."""
    worse = _worst_readings(readings, data, reading)  # its stake graphs built: the holdings in force are read no more
    _free_in_force(readings, worse)
    result = worse.determine(reading, assumed, trusted(run), run.known)
    run.known = {}  # read by the worst case's first round only (issue 17, memory)
    mask = result.feoc if result.undetermined is None else result.feoc | result.undetermined
    if result.ids is not run.ids:  # entities indexed otherwise: each by its id
        at = run.index.of([result.ids[i] for i in np.flatnonzero(mask).tolist()])
        mask = np.zeros(run.n, dtype=bool)
        mask[at] = True
    else:
        mask = mask.copy()
    mask[[run.index[e] for e in more_scoped(result.scoped, run.scoped)]] = True
    return mask


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
