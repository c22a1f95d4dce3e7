"""Texts' positions among the entities' ids by a hash table in machine code (`data.compiled.jit`), its look-ups
on two threads: how the load finds the entity each holding names (`load.shared_ids`, issue 17, time).

Arrow's `index_in` did this in C++: at 1M entities, 3.1M references took 0.83-0.99 s in one thread, plus 0.13 s
to check each answer against the text. Here the table is built once (0.17 s: open addressing, each slot the id's
position and 31 bits of its hash, at most 3/4 of the slots used) and probed from two threads at once, each answer
the very bytes compared, so no second check is needed. The probe is bound by memory, not arithmetic: one text at a
time, one thread took 0.63-0.74 s (computing a batch's hashes first gained little, 0.58-0.64 s; hashing all 3.1M
texts alone takes 0.08-0.10 s); reading a batch's slots, then its ids' offsets, in loops of their own: 0.39-0.41 s.

A position is that of the first id with the text (Arrow's `index_in` gives the first too), -1 where none has it.
Only Arrow `string` and `large_string` arrays without nulls are read here; `table` and `positions` give None
for anything else, and for a machine without the compiler, and the caller asks Arrow.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from feoc.data.compiled import AVAILABLE, jit, side_by_side

_EMPTY = -1
_NO_ROWS = np.zeros(0, dtype=np.int64)  # `_probe` of a span of texts: no list of rows
_LIMIT = 1 << 31  # positions are kept in a slot's low 32 bits


@jit(inline=True)
def _hash(data: Any, s: int, e: int) -> Any:
    """FNV-1a of `data[s:e]`, its high bits mixed down (a slot is chosen by the low bits)."""
    x = np.uint64(14695981039346656037)
    for i in range(s, e):
        x = (x ^ np.uint64(data[i])) * np.uint64(1099511628211)
    return x ^ (x >> np.uint64(29))


@jit(inline=True)
def _same(a: Any, s: int, e: int, b: Any, t: int, u: int) -> bool:
    if e - s != u - t:
        return False
    for q in range(e - s):  # noqa: SIM110  a loop: the compiled code takes no generator
        if a[s + q] != b[t + q]:
            return False
    return True


@jit(inline=True)
def _slot(data: Any, offsets: Any, table: Any, texts: Any, s: int, e: int, tag: Any, x: Any) -> Any:
    """The slot of `table` that holds the text `texts[s:e]` (hash `x`, tag `tag`), or the empty slot where it goes."""
    mask = len(table) - 1
    j = np.int64(x & np.uint64(mask))
    while True:
        v = table[j]
        if v < 0:
            return j
        if (v >> 32) == tag:
            k = v & 0xFFFFFFFF
            if _same(data, offsets[k], offsets[k + 1], texts, s, e):
                return j
        j = (j + 1) & mask


@jit
def _build(data: Any, offsets: Any) -> Any:
    """The table of the texts `data[offsets[i]:offsets[i + 1]]`: a power of two of slots, at least 4/3 as many as
    texts (at most 3/4 full: 16 MiB at 10^6 ids, 128 MiB at 10^7), each `tag << 32 | i` or -1; a text met again
    keeps its first position."""
    n = len(offsets) - 1
    size = 2
    while 3 * size < 4 * n:
        size <<= 1
    table = np.full(size, _EMPTY, dtype=np.int64)
    for i in range(n):
        s, e = offsets[i], offsets[i + 1]
        x = _hash(data, s, e)
        tag = np.int64(x >> np.uint64(33))
        j = _slot(data, offsets, table, data, s, e, tag, x)
        if table[j] < 0:
            table[j] = (tag << 32) | i
    return table


@jit(inline=True)
def _find(data: Any, offsets: Any, table: Any, texts: Any, s: int, e: int) -> int:
    """The position of the text `texts[s:e]` among the table's texts, or -1."""
    x = _hash(texts, s, e)
    v = table[_slot(data, offsets, table, texts, s, e, np.int64(x >> np.uint64(33)), x)]
    return -1 if v < 0 else v & 0xFFFFFFFF


_BATCH = 32  # texts probed together: their table slots, then their ids' offsets, read in loops of their own


@jit
def _probe(data: Any, offsets: Any, table: Any, texts: Any, text_offsets: Any, rows: Any, lo: int, out: Any) -> None:
    """`out[r]` = the position among the table's texts of text `rows[r]` of `texts` (its own offsets), or of text
    `lo + r` when `rows` is empty; -1 where none. A batch's reads of the table, then of the ids' offsets, are made
    in loops of their own, so the processor waits for many of them at once rather than one after another (the
    first slot of each text only: a longer chain is followed by `_find`). 3.1M references among 10^6 ids:
    0.39-0.41 s on one thread against 0.63-0.74 s probed one at a time."""
    mask = len(table) - 1
    listed = len(rows) > 0
    at = np.empty(_BATCH, dtype=np.int64)
    tags = np.empty(_BATCH, dtype=np.int64)
    slots = np.empty(_BATCH, dtype=np.int64)
    starts = np.empty(_BATCH, dtype=np.int64)
    ends = np.empty(_BATCH, dtype=np.int64)
    for first in range(0, len(out), _BATCH):
        count = min(_BATCH, len(out) - first)
        for b in range(count):
            i = rows[first + b] if listed else lo + first + b
            x = _hash(texts, text_offsets[i], text_offsets[i + 1])
            at[b], tags[b] = np.int64(x & np.uint64(mask)), np.int64(x >> np.uint64(33))
        for b in range(count):
            slots[b] = table[at[b]]
        for b in range(count):
            v = slots[b]
            if v >= 0 and (v >> 32) == tags[b]:
                k = v & 0xFFFFFFFF
                starts[b], ends[b] = offsets[k], offsets[k + 1]
        for b in range(count):
            i = rows[first + b] if listed else lo + first + b
            s, e, v = text_offsets[i], text_offsets[i + 1], slots[b]
            if v < 0:
                out[first + b] = -1
            elif (v >> 32) == tags[b] and _same(data, starts[b], ends[b], texts, s, e):
                out[first + b] = v & 0xFFFFFFFF
            else:
                out[first + b] = _find(data, offsets, table, texts, s, e)


def _buffers(array: Any) -> tuple[Any, Any] | None:
    """The bytes and offsets of an Arrow string array without nulls, as numpy views (no copy); None otherwise (a
    chunked array too: Arrow gives one for ids of more than 2 GiB of text, which its own look-up then answers)."""
    import pyarrow as pa

    if not isinstance(array, pa.Array) or array.null_count:
        return None
    if pa.types.is_string(array.type):
        width: Any = np.int32
    elif pa.types.is_large_string(array.type):
        width = np.int64
    else:
        return None
    _, offsets, data = array.buffers()
    at = np.frombuffer(offsets, dtype=width, count=len(array) + 1, offset=array.offset * np.dtype(width).itemsize)
    return (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)), at


class IdTable:
    """The ids' table, and the ids' own bytes it compares with (kept alive while the table is)."""

    def __init__(self, ids: Any, data: Any, offsets: Any):
        self.ids, self.data, self.offsets = ids, data, offsets
        self.slots = _build(data, offsets)

    def positions(self, chunks: Sequence[Any], rows: Any = None, beside: bool = True) -> Any:
        """The position among the ids of each text of `chunks` (Arrow string arrays, read as one column), or of the
        texts at `rows` of that column only (int64, ascending): int64, -1 where no id has the text; None where a
        chunk cannot be read here (the caller asks Arrow then). Half of them on a thread beside this one, unless
        not `beside` (a worker process of the load, whose sibling has the other core)."""
        starts = np.cumsum([0, *map(len, chunks)])
        out = np.empty(starts[-1] if rows is None else len(rows), dtype=np.int64)
        if rows is not None:
            rows = np.asarray(rows, dtype=np.int64)
            if len(rows) and (rows[0] < 0 or rows[-1] >= starts[-1] or (np.diff(rows) < 0).any()):
                raise ValueError("rows must be ascending positions within the column")  # none is left unanswered
            cuts = np.searchsorted(rows, starts)  # the rows of chunk c: rows[cuts[c]:cuts[c + 1]]
        pieces = []
        for c, chunk in enumerate(chunks):
            lo, hi = (int(starts[c]), int(starts[c + 1])) if rows is None else (int(cuts[c]), int(cuts[c + 1]))
            if lo == hi:
                continue
            buffers = _buffers(chunk)
            if buffers is None:
                return None
            pieces.append((*buffers, None if rows is None else rows[lo:hi] - starts[c], out[lo:hi]))
        _on_two_threads(self, pieces, beside)
        return out


def _on_two_threads(table: IdTable, pieces: list[tuple[Any, Any, Any, Any]], beside: bool = True) -> None:
    """Each piece (bytes, offsets, rows or None for all, out) probed, split in halves, one half on a thread beside
    this one (`data.compiled.side_by_side`), or both here if not `beside`."""
    halves: list[list[tuple[Any, Any, Any, Any, int]]] = [[], []]
    for data, offsets, rows, out in pieces:
        mid = len(out) // 2
        halves[0].append((data, offsets, None if rows is None else rows[:mid], out[:mid], 0))
        halves[1].append((data, offsets, None if rows is None else rows[mid:], out[mid:], mid))

    def run(work: list[tuple[Any, Any, Any, Any, int]]) -> None:
        for data, offsets, rows, out, lo in work:
            if not len(out):
                continue
            _probe(table.data, table.offsets, table.slots, data, offsets, _NO_ROWS if rows is None else rows, lo, out)
    if beside:
        side_by_side(lambda: run(halves[0]), lambda: run(halves[1]))
    else:
        run(halves[0] + halves[1])


def table(ids: Any) -> IdTable | None:
    """The table of `ids` (an Arrow string array), or None: no compiler, nulls, another type, too many."""
    if not AVAILABLE or len(ids) >= _LIMIT:
        return None
    with contextlib.suppress(ImportError):
        buffers = _buffers(ids)
        if buffers is not None:
            return IdTable(ids, *buffers)
    return None


__all__ = ["IdTable", "table"]
