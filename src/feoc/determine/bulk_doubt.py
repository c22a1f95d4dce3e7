"""The bulk path's doubt passed down the chain (`determine.doubt`): the worst case judged with the bulk regime,
its direct prongs and stake graphs shared across the readings as the real ones are, and the `upstream_doubt`
facts as one block of columns."""

from __future__ import annotations

import numpy as np

from feoc.data.dataset import Dataset
from feoc.determine.bulk import Block, BulkReadings, _Bulk
from feoc.determine.doubt import FLOOR, doubt_facts, more_scoped, worst_case
from feoc.engine.columnar import column_from


def doubt_block(readings: BulkReadings, run: _Bulk, reading: str) -> list[Block]:
    """The `upstream_doubt` facts of `run` (one reading after its chaining rounds) as one block."""
    if readings.worst_case is None:  # once for every reading
        readings.worst_case = worst_case(readings.dataset, float(readings.law.param(FLOOR, readings.day) or 0.0))
    case = readings.worst_case

    def worst(data: Dataset, assumed: frozenset[str]) -> set[str]:
        if readings.worst is None:
            readings.worst = BulkReadings(data, readings.day, readings.law)
        result = readings.worst.determine(reading, assumed)
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
