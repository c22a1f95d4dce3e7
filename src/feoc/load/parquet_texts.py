"""Text columns of a Parquet table checked in their bytes (issue 17, time): a reference column whose every value is a
slug is known valid without reading a Python string per record (the holdings' references then stay Arrow arrays
until `feoc.load.shared_ids` finds the entities they name), and plain ASCII names are kept as their bytes (`Texts`).

The model stays the contract. `Slug` (`feoc.data.model`) is a str with one constraint, the pattern
`^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$`: exactly the texts of 1 to 120 characters of `a-z`, `0-9` and `-` that
neither start nor end with `-` (a Rust regex: `$` is the very end, no newline before it). Those characters are
ASCII, a byte each in UTF-8, so the test on the bytes below is that pattern. It is used only for a field whose
annotation and constraint are exactly these (`slug_field`); any other column, and any column with a value that
fails the test, goes the way of every text field (pydantic, on its distinct values), which words every problem.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel
from pydantic.types import StringConstraints

from feoc.data.columns import Texts
from feoc.data.model import REFUSED_IN_TEXT, Text

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$"  # the pattern the byte test below is
_SLUG_LONGEST = 120  # 1 + 118 + 1 characters, from the pattern
_SLUG_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789-"
_HYPHEN = ord("-")
_SPACE, _TILDE = 0x20, 0x7E  # printable ASCII
_PRINTABLE = bytes(range(_SPACE, _TILDE + 1))


def slug_field(model: type[BaseModel], name: str) -> bool:
    """Whether field `name` of `model` is a str whose only check is `SLUG_PATTERN` (a `Slug`)."""
    info = model.model_fields[name]
    return info.annotation is str and info.metadata == [StringConstraints(pattern=SLUG_PATTERN)]


def name_field(model: type[BaseModel], name: str) -> bool:
    """Whether field `name` of `model` is a `Text` (a name: stripped, not blank, no refused character) and no
    printable ASCII character is refused (`REFUSED_IN_TEXT`), the premise of `plain_names`."""
    info = model.model_fields[name]
    return info.annotation is str and info.metadata == list(get_args(Text)[1:]) and \
        not any(lo <= c <= hi for c in range(_SPACE, _TILDE + 1) for lo, hi in REFUSED_IN_TEXT)


def plain_names(column: Any) -> Any:
    """A column of `Text` values as `Texts` (its UTF-8 bytes and where each ends) when every value is printable
    ASCII (space to `~`), not empty and neither starts nor ends with a space: such a text the model keeps as it is
    (nothing to strip: the only whitespace in that range is the space; not blank; no refused character). None
    otherwise: the model reads the column (a name with an accent, say)."""
    import numpy as np

    text, ends = _bytes(column)
    if text is None or not len(ends) or text.translate(None, _PRINTABLE):
        return None
    lengths = np.diff(ends, prepend=0)
    body = np.frombuffer(text, dtype=np.uint8)
    if lengths.min() < 1 or (body[ends - lengths] == _SPACE).any() or (body[ends - 1] == _SPACE).any():
        return None
    return Texts(text, ends.astype(np.uint32) if len(text) < 1 << 32 else ends)  # as `Texts.of` makes it


def _bytes(column: Any) -> tuple[bytes | None, Any]:
    """A string column without nulls as (its bytes, where each value ends, from 0), else (None, None)."""
    import numpy as np
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):  # a part of a table: one chunk, read as it is (no copy)
        array = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    else:
        array = column
    if array.null_count or not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None, None
    if not len(array):
        return b"", np.zeros(0, dtype=np.int64)
    width = np.int32 if pa.types.is_string(array.type) else np.int64
    _, offsets, data = array.buffers()
    ends = np.frombuffer(offsets, dtype=width)[array.offset:array.offset + len(array) + 1].astype(np.int64)
    text = memoryview(data)[ends[0]:ends[-1]].tobytes() if data is not None else b""
    return text, ends[1:] - ends[0]


def all_slugs(column: Any) -> bool:
    """Whether every value of a string column (no nulls) is a slug, tested on its UTF-8 bytes."""
    import numpy as np

    text, ends = _bytes(column)
    if text is None:
        return False
    if not len(ends):
        return True
    lengths = np.diff(ends, prepend=0)
    if lengths.min() < 1 or lengths.max() > _SLUG_LONGEST or text.translate(None, _SLUG_BYTES):
        return False  # a byte left once the slug bytes are deleted: no slug
    body = np.frombuffer(text, dtype=np.uint8)
    return not (body[ends - lengths] == _HYPHEN).any() and not (body[ends - 1] == _HYPHEN).any()


__all__ = ["SLUG_PATTERN", "all_slugs", "name_field", "plain_names", "slug_field"]
