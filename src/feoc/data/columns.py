"""Columns of records held compactly (issue 17, memory): a field every record leaves at one value (`Repeat`), and
shares as one float64 array (`Shares`). Both read as the list of Python values they stand for (the same values,
equal to that list), so whatever reads a column of a compact load (`Dataset.column`) reads them unchanged; numpy
reads them as arrays at once (`__array__`)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload


class Repeat(Sequence):
    """A column whose every value is one object (a field no record of a table writes: `note`, `sources`, …):
    `n` times `value`, without a list of `n` pointers (issue 17, memory: 8 bytes a record per such field)."""

    __slots__ = ("n", "value")

    def __init__(self, value: Any, n: int):
        self.value, self.n = value, n

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, i: int) -> Any: ...
    @overload
    def __getitem__(self, i: slice) -> list[Any]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self.value] * len(range(*i.indices(self.n)))
        if not -self.n <= i < self.n:
            raise IndexError("column index out of range")
        return self.value

    def __iter__(self) -> Iterator[Any]:
        return itertools.repeat(self.value, self.n)

    def __eq__(self, other: object) -> bool:  # equal to a list or tuple of the same values, as a list column is
        if isinstance(other, (Repeat, list, tuple)):
            return len(other) == self.n and all(v == self.value for v in other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def count(self, value: Any) -> int:
        return self.n if self.n and (value is self.value or value == self.value) else 0

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy as np

        if dtype is not None and np.dtype(dtype).kind == "f" and self.value is None:
            return np.full(self.n, np.nan, dtype=dtype)  # as np.array([None, …], dtype=float) reads None
        return np.full(self.n, self.value, dtype=dtype if dtype is not None else object)


class Shares(Sequence):
    """A column of shares held as one float64 array, NaN where a record leaves the share out (a share is never
    NaN: the models refuse it), read as Python floats and None (issue 17, memory: 8 bytes a record instead of a
    float object and a pointer). `numpy.asarray(column, dtype=float)` is the array itself: NaN for None, as
    numpy reads a list with None."""

    __slots__ = ("array",)

    def __init__(self, array: Any):
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return _none_for_nan(self.array[i].tolist())
        value = float(self.array[i])
        return None if value != value else value

    def __iter__(self) -> Iterator[Any]:
        for a in range(0, len(self.array), _BLOCK):  # a block of floats at a time, never one per record at once
            yield from _none_for_nan(self.array[a:a + _BLOCK].tolist())

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy as np

        if dtype is None or np.dtype(dtype) == self.array.dtype:
            return self.array.copy() if copy else self.array
        return np.array(list(self), dtype=dtype)  # object and other dtypes: as from the list it stands for

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Shares, Repeat, list, tuple)):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class Codes(Sequence):
    """A column of few distinct values (an entity's type or country, a holding's dates): a small integer per record
    into `values`, read as those values (issue 17, memory: 1 or 2 bytes a record instead of an 8-byte pointer to a
    shared object: ~50 MiB of a 1M-entity world, ~0.5 GiB of a 10M one)."""

    __slots__ = ("codes", "values")
    values: Sequence[Any]

    def __init__(self, codes: Any, values: Sequence[Any]):
        self.codes, self.values = codes, tuple(values)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return list(map(self.values.__getitem__, self.codes[i].tolist()))
        return self.values[self.codes[i]]

    def __iter__(self) -> Iterator[Any]:
        # a block at a time (never one Python int per record at once), each block read in C, not a resumed frame a value
        get, codes = self.values.__getitem__, self.codes
        return itertools.chain.from_iterable(map(get, codes[a:a + _BLOCK].tolist())
                                             for a in range(0, len(codes), _BLOCK))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Codes, Shares, Repeat, list, tuple)):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def mask(self, test: Callable[[Any], Any]) -> Any:
        """`test` of every record's value as a bool array, each distinct value tested once (a type or a country
        looked up 10^6 times would be a Python call each)."""
        import numpy as np

        return np.array([bool(test(v)) for v in self.values], dtype=bool)[self.codes]

    @staticmethod
    def joined(parts: Sequence[Codes]) -> Codes:
        """Parts of one column as one column: each part's codes renumbered into the values of all. A value is one
        object in every part when the parts share their objects (`load.parquet_columns.Seen`); the parts of files
        read by worker processes share none, so equal texts and dates (and None) are merged too, the first object
        kept (issue 17: a YAML load's coded columns). Any other value is told apart by its object."""
        import numpy as np

        place: dict[Any, int] = {}
        values: list[Any] = []
        for part in parts:
            for v in part.values:
                if _join_key(v) not in place:
                    place[_join_key(v)] = len(values)
                    values.append(v)
        dtype = np.uint8 if len(values) <= 1 << 8 else np.uint16 if len(values) <= 1 << 16 else np.int32
        codes = np.concatenate([np.array([place[_join_key(v)] for v in p.values], dtype=dtype)[p.codes]
                                for p in parts])
        return Codes(codes, values)


class Refs(Codes):
    """The holdings' `holder` or `entity` of a compact load: each the position, in the entities' `id` column
    (`values`, that very list), of the entity it names (issue 17: 4 bytes a holding instead of an 8-byte pointer,
    and the bulk path reads the entity indexes as they are, without looking 1.5M ids up again). Read as the ids."""

    __slots__ = ()

    def __init__(self, codes: Any, values: Sequence[Any]):
        self.codes, self.values = codes, values  # the id column itself, not a copy: `values is` tells it
        codes.setflags(write=False)  # read by the bulk path as its entity indexes, never written


class _Spans(Sequence):
    """A column read a span of records at a time (`_span(lo, hi)`: their values as a list), as the list it stands for:
    by index and slice, a block at a time when iterated (never a Python object per record at once), numpy reading
    one element per record (a tuple value too)."""

    __slots__ = ()

    def _span(self, lo: int, hi: int) -> list[Any]:
        raise NotImplementedError

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            lo, hi, step = i.indices(len(self))
            return self._span(lo, hi)[::step] if hi > lo and step > 0 else list(self)[i]
        i = range(len(self))[i]  # a negative index counts from the end; out of range is an IndexError
        return self._span(i, i + 1)[0]

    def __iter__(self) -> Iterator[Any]:
        n = len(self)
        for a in range(0, n, _BLOCK):
            yield from self._span(a, min(n, a + _BLOCK))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (_Spans, Codes, Shares, Repeat, list, tuple)):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy as np

        if dtype is None or np.dtype(dtype) == object:
            return np.fromiter(self, dtype=object, count=len(self))
        return np.array(list(self), dtype=dtype)


class Texts(_Spans):
    """A column of texts each record has its own of (an entity's name): their UTF-8 bytes one after another and
    where each ends, read as the strings (issue 17, memory: ~24 bytes for a 20-character name instead of ~77, a str
    object and a pointer: ~50 MiB of a 1M-entity world). Never a key: a text looked up (an id) stays a str."""

    __slots__ = ("data", "ends")

    def __init__(self, data: bytes, ends: Any):
        self.data, self.ends = data, ends

    @classmethod
    def of(cls, values: Sequence[str]) -> Texts:
        """`values` (strings only) as one buffer; a lone surrogate kept as it is (`surrogatepass`), read back
        the same."""
        import numpy as np

        joined = "".join(values)
        if joined.isascii():  # a byte a character: the lengths are the strings' own
            lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        else:
            lengths = np.fromiter((len(v.encode("utf-8", "surrogatepass")) for v in values), dtype=np.int64,
                                  count=len(values))
        data = joined.encode("utf-8", "surrogatepass")
        ends = np.cumsum(lengths)
        return cls(data, ends.astype(np.uint32) if len(data) < 1 << 32 else ends)

    def __len__(self) -> int:
        return len(self.ends)

    def _span(self, lo: int, hi: int) -> list[str]:
        ends = self.ends[lo:hi].tolist()
        start = int(self.ends[lo - 1]) if lo else 0
        if not ends:
            return []
        chunk = self.data[start:ends[-1]].decode("utf-8", "surrogatepass")
        starts = [start, *ends[:-1]]
        if len(chunk) == ends[-1] - start:  # all ASCII: the byte offsets are the character offsets
            return [chunk[a - start:b - start] for a, b in zip(starts, ends)]
        data = self.data
        return [data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(starts, ends)]

    def lengths(self) -> Any:
        """Each text's length in bytes (UTF-8)."""
        import numpy as np

        return np.diff(self.ends, prepend=0).astype(np.int64)

    def firsts(self) -> bytes:
        """The first byte of each text that is not empty, in order."""
        import numpy as np

        ends = self.ends.astype(np.int64)
        starts = ends - self.lengths()
        return np.frombuffer(self.data, dtype=np.uint8)[starts[ends > starts]].tobytes()

    def joined(self, between: str) -> str:
        """The texts joined by `between`, as `between.join(self)`, laid out from the bytes (no string per text)."""
        import numpy as np

        n, sep = len(self), between.encode("utf-8", "surrogatepass")
        if n == 0:
            return ""
        data = np.frombuffer(self.data, dtype=np.uint8)
        out = np.empty(len(data) + (n - 1) * len(sep), dtype=np.uint8)
        taken = np.ones(len(out), dtype=bool)
        gaps = self.ends[:-1].astype(np.int64) + np.arange(n - 1, dtype=np.int64) * len(sep)
        for k, byte in enumerate(sep):
            out[gaps + k] = byte
            taken[gaps + k] = False
        out[taken] = data
        return out.tobytes().decode("utf-8", "surrogatepass")



class ArrowTexts(_Spans):
    """A text column as the Arrow string array a Parquet table gave (its chunks), read as the strings: the holdings'
    `holder` and `entity` of a bulk read between the file and `load.shared_ids`, which finds the entities they name
    in Arrow (issue 17, time: 3M references read into Python strings and back into Arrow took ~1.5 s of a 1M load).
    Never kept: a column that names an entity not in the data is read into a list there."""

    __slots__ = ("chunks", "n")

    def __init__(self, chunks: Sequence[Any]):
        self.chunks = [c for c in chunks if len(c)]
        self.n = sum(map(len, self.chunks))

    def __len__(self) -> int:
        return self.n

    def release(self) -> None:
        """Let the Arrow text go once it has been read into what is kept (the column is empty from then on): an
        object that held it, a column builder of the load, may outlive it (issue 17, memory: ~90 MiB at 1M)."""
        self.chunks, self.n = [], 0

    def arrow(self) -> Any:
        """The column as one Arrow string array."""
        import pyarrow as pa

        return pa.chunked_array(self.chunks, type=pa.string()).combine_chunks()

    def _span(self, lo: int, hi: int) -> list[Any]:
        import pyarrow as pa

        out: list[Any] = pa.chunked_array(self.chunks, type=pa.string()).slice(lo, max(0, hi - lo)).to_pylist()
        return out


class Sparse(_Spans):
    """A column in which most records leave a field at one value (`aliases`, `sources`: a few records in a hundred
    list any): that value, and the positions and values of the others (issue 17, memory: 8 bytes a record less per
    such field). Read as the list it stands for."""

    __slots__ = ("default", "n", "positions", "values")

    def __init__(self, default: Any, n: int, positions: Any, values: Sequence[Any]):
        """`positions`: ascending, an integer array; `values[k]` is the value at `positions[k]`."""
        self.default, self.n, self.positions, self.values = default, n, positions, list(values)

    def __len__(self) -> int:
        return self.n

    def _span(self, lo: int, hi: int) -> list[Any]:
        import numpy as np

        out = [self.default] * max(0, hi - lo)
        a, b = np.searchsorted(self.positions, [lo, hi]).tolist()
        for pos, value in zip(self.positions[a:b].tolist(), self.values[a:b]):
            out[pos - lo] = value
        return out


_BLOCK = 65536


def _join_key(value: Any) -> Any:
    """What `Codes.joined` tells values apart by: a text, a date or None by its type and value, else its object."""
    return (type(value), value) if type(value) in (str, dt.date, type(None)) else id(value)


def _none_for_nan(values: list[float]) -> list[float | None]:
    return [None if v != v else v for v in values]


__all__ = ["ArrowTexts", "Codes", "Refs", "Repeat", "Shares", "Sparse", "Texts"]
