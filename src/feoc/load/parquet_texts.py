"""Text columns of a Parquet table checked in their bytes (issue 17, time): an id column whose every value is a slug
is known valid without reading a Python string per record, and the holdings' references stay Arrow arrays until
`feoc.load.shared_ids` finds the entities they name.

The model stays the contract. `Slug` (`feoc.data.model`) is a str with one constraint, the pattern
`^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$`: exactly the texts of 1 to 120 characters of `a-z`, `0-9` and `-` that
neither start nor end with `-` (a Rust regex: `$` is the very end, no newline before it). Those characters are
ASCII, a byte each in UTF-8, so the test on the bytes below is that pattern. It is used only for a field whose
annotation and constraint are exactly these (`slug_field`); any other column, and any column with a value that
fails the test, goes the way of every text field (pydantic, on its distinct values), which words every problem.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel
from pydantic.types import StringConstraints

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$"  # the pattern the byte test below is
_SLUG_LONGEST = 120  # 1 + 118 + 1 characters, from the pattern
_SLUG_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789-"
_HYPHEN = ord("-")


def slug_field(model: type[BaseModel], name: str) -> bool:
    """Whether field `name` of `model` is a required or optional str whose only check is `SLUG_PATTERN`."""
    info = model.model_fields[name]
    return info.annotation is str and info.metadata == [StringConstraints(pattern=SLUG_PATTERN)]


@functools.cache
def _allowed() -> Any:
    import numpy as np

    table = np.zeros(256, dtype=bool)
    table[np.frombuffer(_SLUG_BYTES, dtype=np.uint8)] = True
    return table


def all_slugs(column: Any) -> bool:
    """Whether every value of a string column (no nulls) is a slug, tested on its UTF-8 bytes."""
    import numpy as np
    import pyarrow as pa

    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if array.null_count or not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return False
    if not len(array):
        return True
    width = np.int32 if pa.types.is_string(array.type) else np.int64
    _, offsets, data = array.buffers()
    ends = np.frombuffer(offsets, dtype=width)[array.offset:array.offset + len(array) + 1].astype(np.int64)
    lengths = np.diff(ends)
    if lengths.min() < 1 or lengths.max() > _SLUG_LONGEST:
        return False
    body = np.frombuffer(data, dtype=np.uint8)[ends[0]:ends[-1]]
    starts, lasts = ends[:-1] - ends[0], ends[1:] - 1 - ends[0]
    return bool(_allowed()[body].all() and not (body[starts] == _HYPHEN).any() and not (body[lasts] == _HYPHEN).any())


__all__ = ["SLUG_PATTERN", "all_slugs", "slug_field"]
