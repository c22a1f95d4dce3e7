"""The bulk path's share ranges (`determine.ranges`, issue 20): the entity stage judged again on the ranges'
maxima, and each interest that rises there above the real pass's (the minima) given as a `share_range` fact, so
that rule feoc-undetermined-share-range makes its entity *cannot be determined* exactly as on the per-subject
path (42 U.S.C. 18741(a)(5)(C); DOE, 89 FR 37079 §III.E). A compact load keeps a range as the `ShareRange` it is
(a list column, never `Shares`), so its maximum is read from the column: from YAML or CSV as written, from a
Parquet table's companion columns `<field>_min`/`<field>_max` (`load/parquet_ranges.py`) alike."""

from __future__ import annotations

import numpy as np

from feoc.determine.bulk import Block, BulkReadings, _Bulk
from feoc.determine.facts import holders_nation
from feoc.determine.ranges import has_ranges, maxima
from feoc.engine.columnar import Coded, Numbers, constant


def upper_run(readings: BulkReadings, reading: str) -> _Bulk | None:
    """The run of `reading` on the ranges' maxima (None without a range), its direct prongs shared with the
    real one's (the entities are the same)."""
    if readings.ranged is None:
        readings.ranged = has_ranges(readings.dataset)
    if not readings.ranged:
        return None
    if readings.upper is None:
        readings.upper = BulkReadings(maxima(readings.dataset), readings.day, readings.law)
        readings.upper.like = readings
    return readings.upper.run(reading, frozenset())


def range_blocks(readings: BulkReadings, run: _Bulk, reading: str) -> list[Block]:
    """The `share_range` facts of `run` (one reading after its chaining rounds), one block per measure and
    holder group: the entities not a FEOC whose interest on the maxima is above the one on the minima, with
    both (`ranges.range_facts`; the ranged holdings are not named: no rule tests them, the per-subject
    `feoc check` names them)."""
    top = upper_run(readings, reading)
    if top is None:
        return []
    blocks = []
    for key, kept in sorted(top._shares.items()):
        high = top._share_of(kept)
        low = run._share_of(run._shares[key]) if key in run._shares else np.zeros(run.n)
        rows = np.flatnonzero((high > low) & ~run.feoc)
        if not len(rows):
            continue
        measure, group = key
        k = len(rows)
        cols = {"kind": constant("share_range", k), "measure": constant(measure, k), "holders": constant(group, k),
                "nation": constant(holders_nation(group), k), "low": Numbers(low[rows]), "high": Numbers(high[rows]),
                "ranges": constant("", k), "subject": Coded(rows, run.ids)}
        blocks.append(Block("share_range", cols, k, rows))
    return blocks
