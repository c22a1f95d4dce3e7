"""The screening table's columns as arrays (issue 17, memory): a million-row table holds its numbers, flags and
repeated labels as numpy arrays, its ids, names and types as the loaded lists read through the id order, and is
read as Python values only a block at a time, when a renderer needs text. Each is a `Sequence` equal to the list
of its values, so the renderers and the tests read it as they read a list. numpy is imported where it is used:
`feoc check` imports this module without needing it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from feoc.data.columns import Codes, Texts

_BLOCK = 65536  # values made at a time when a column is read through


class Column(Sequence):
    """A read-only column of `len(self)` values, read a block at a time (`_block`)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def _block(self, lo: int, hi: int) -> list[Any]:
        raise NotImplementedError

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            lo, hi, step = i.indices(len(self))
            return self._block(lo, hi)[::step] if hi > lo else []
        i = range(len(self))[i]  # a negative index counts from the end; out of range is an IndexError
        return self._block(i, i + 1)[0]

    def __iter__(self) -> Iterator[Any]:
        for a in range(0, len(self), _BLOCK):  # never a Python object per row at once
            yield from self._block(a, a + _BLOCK)

    def distinct(self) -> tuple[Any, list[Any]]:
        """The column as a code per row (an integer array) into a list of values: a renderer formats each listed
        value once and copies its text to the rows (issue 17: the screen's text, a call per value, not per cell)."""
        import numpy as np

        return np.arange(len(self)), list(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Column, list, tuple)):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class Floats(Column):
    """A column of floats held as one float64 array (8 bytes a row, not a Python float each), read as Python
    floats; `numpy.asarray` of it is the array itself."""

    def __init__(self, array: Any):
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def _block(self, lo: int, hi: int) -> list[Any]:
        return self.array[lo:hi].tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        return self.array if dtype is None else self.array.astype(dtype)

    def distinct(self) -> tuple[Any, list[Any]]:
        """Codes into the distinct floats, told apart by their bits (`-0.0` and `0.0` are two values, each written
        as itself; every NaN is written `nan`)."""
        import numpy as np

        bits = np.ascontiguousarray(self.array, dtype=np.float64).view(np.int64)
        rest = np.flatnonzero(bits)  # every row but those of 0.0 (its bits are 0), most rows of a share column
        distinct, inverse = np.unique(bits[rest], return_inverse=True)
        codes = np.zeros(len(bits), dtype=np.int32)
        codes[rest] = inverse.reshape(-1) + 1
        return codes, [0.0, *distinct.view(np.float64).tolist()]


class Bools(Floats):
    """A column of booleans held as one bool array, read as Python bools."""

    def distinct(self) -> tuple[Any, list[Any]]:
        import numpy as np

        return np.asarray(self.array, dtype=np.bool_).view(np.uint8), [False, True]


class Coded(Column):
    """A column of a few distinct values: a code per row (an integer array) into `values`."""

    def __init__(self, codes: Any, values: Sequence[Any]):
        self.codes = codes
        self.values: Sequence[Any] = tuple(values)

    def __len__(self) -> int:
        return len(self.codes)

    def _block(self, lo: int, hi: int) -> list[Any]:
        return list(map(self.values.__getitem__, self.codes[lo:hi].tolist()))

    def distinct(self) -> tuple[Any, Any]:
        """The codes and the values (a picked list is the list itself, values it does not pick included; loaded
        names are their buffer, `data.columns.Texts`, read by the renderers without a string per name)."""
        return self.codes, self.values if isinstance(self.values, (list, Texts)) else list(self.values)


class Picked(Coded):
    """The values of a list (the loaded ids, names or types: no copy) in the order of an index array (the id
    order): a row is the list's element at the row's index."""

    def __init__(self, codes: Any, values: Sequence[Any]):
        self.codes, self.values = codes, values  # the list itself, not a copy

    def distinct(self) -> tuple[Any, Any]:
        """As `Coded.distinct`; a loaded column of few values (`data.columns.Codes`: an entity's type) gives its own
        codes, picked, into its few values. Issue 17, time: a 1M screen's `type` column was a list of a million
        values, formatted and laid out as a million texts (0.15 s), not eight."""
        if isinstance(self.values, Codes):
            return self.values.codes[self.codes], list(self.values.values)
        return super().distinct()


def small_unique(keys: Any, size: int) -> tuple[Any, Any]:
    """`numpy.unique(keys, return_inverse=True)` of non-negative integer keys below `size`: the distinct keys
    (ascending) and each key's index among them, by counting when `size` is small (the table's few combinations
    of nations or statuses: no sort of a million keys, issue 17, time); by `numpy.unique` otherwise."""
    import numpy as np

    keys = np.asarray(keys)
    if size > 1 << 16 or not len(keys):
        distinct, inverse = np.unique(keys, return_inverse=True)
        return distinct, inverse.reshape(-1)
    distinct = np.flatnonzero(np.bincount(keys, minlength=size))
    lookup = np.zeros(max(size, 1), dtype=np.int64)
    lookup[distinct] = np.arange(len(distinct))
    return distinct.astype(keys.dtype), lookup[keys]
