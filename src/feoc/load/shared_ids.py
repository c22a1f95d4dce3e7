"""The holdings' `holder` and `entity` columns of a compact load as the entities they name.

Each file (and each Parquet column chunk, each worker's pickled rows) gives its strings as new objects, so at 1M
entities the holdings' two columns held ~1.7M more copies of ids already held by the entities' `id` column:
~115 MiB of the ~590 MiB a loaded world takes (issue 17, memory). A column whose every value names an entity is
kept as those entities' positions (`data.columns.Refs`: read as the entities' own id strings, and by the bulk path
as the entity indexes they are); one that names an entity not in the data keeps its strings, each the entity's own
id object where there is one, for the cross-checks to report the others. The values are equal, only the objects
change, so nothing that reads them can tell."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from feoc.data.columns import Codes, Refs

REFERENCES = ("holder", "entity")  # the holdings' fields naming an entity by its id


def share_entity_ids(kept: dict[str, dict[str, Sequence[Any]]]) -> None:
    """Replace, in `kept` (kind -> field -> column), each holdings reference column by the entities' positions
    (`Refs`) where every reference names an entity, else each reference by the entity's own id object where the
    entity exists."""
    entities, holdings = kept.get("entities"), kept.get("holdings")
    if not entities or not holdings or not isinstance(entities.get("id"), list):
        return
    ids = entities["id"]
    # transient (the bulk path finds entities without a dictionary of them all); the last of a duplicate id, as
    # `Rows.positions`: the checks refuse a duplicate anyway
    place = dict(zip(ids, range(len(ids))))
    for name in REFERENCES:
        column = holdings.get(name)
        if isinstance(column, (list, Codes)):
            holdings[name] = _referenced(column, ids, place)


def _referenced(column: Sequence[Any], ids: Sequence[Any], place: dict[Any, int]) -> Sequence[Any]:
    import numpy as np

    if isinstance(column, Codes):  # a few holders named many times: each distinct one looked up once
        codes = np.fromiter(map(place.get, column.values, itertools.repeat(-1)), dtype=np.int64,
                            count=len(column.values))[column.codes]
    else:
        codes = np.fromiter(map(place.get, column, itertools.repeat(-1)), dtype=np.int64, count=len(column))
    if len(codes) and codes.min() >= 0 and len(ids) < 1 << 31:
        return Refs(codes.astype(np.int32), ids)
    canon = dict(zip(ids, ids))
    return [canon.get(v, v) for v in column]
