"""The holdings' `holder` and `entity` columns of a compact load made to hold the entities' own id strings.

Each file (and each Parquet column chunk, each worker's pickled rows) gives its strings as new objects, so at 1M
entities the holdings' two columns held ~1.7M more copies of ids already held by the entities' `id` column:
~115 MiB of the ~590 MiB a loaded world takes (issue 17, memory). The values are equal, only the objects change,
so nothing that reads them can tell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

REFERENCES = ("holder", "entity")  # the holdings' fields naming an entity by its id


def share_entity_ids(kept: dict[str, dict[str, Sequence[Any]]]) -> None:
    """Replace, in `kept` (kind -> field -> column), each holding's reference by the entity's own id object
    where the entity exists (a dangling reference keeps its string: the cross-checks report it)."""
    entities, holdings = kept.get("entities"), kept.get("holdings")
    if not entities or not holdings or not isinstance(entities.get("id"), list):
        return
    canon = {i: i for i in entities["id"]}  # transient: freed before the analysis, whose peak is higher
    get = canon.get
    for name in REFERENCES:
        column = holdings.get(name)
        if isinstance(column, list):
            holdings[name] = [get(v, v) for v in column]
