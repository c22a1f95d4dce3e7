"""The entities' id order: each index of a list of ids in the order `sorted` gives the strings (stable).

The bulk path judges its entities in dataset order and reports them, and adds their stakes the reference's way, in
id order (`determine/bulk.py`); the order is one sort of every id. A compact load for the screen sorts them ahead,
in a thread (`load/order_ahead.py`: for Parquet tables while it reads the tables after the entities, for any other
folder once every file is read), and hands the order over with the very list it sorted (`SortedIds`): whoever
reads a dataset's ids takes the order only for that list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported by a sort only: `feoc check` loads this module, never numpy (test_cli_imports)
    import numpy as np

_BYTES_UP_TO = 64  # characters: ids this long at most are sorted as fixed-width bytes (n x width bytes, transient)
_PADDED = 2  # the bytes of the padded ids at most this many times the ids' own
ARROW_FROM = 50_000  # ids: below this numpy's sort takes a few milliseconds, less than importing Arrow's


def id_order(ids: Sequence[str]) -> np.ndarray:
    """The indexes of `ids` in id order (stable, int32), as `sorted` orders the strings. Issue 17, time: ASCII ids
    without a NUL (a slug always is one) sort as fixed-width bytes in C, in the same order (a byte per character,
    compared as code points; the width's padding, NULs, sorts a prefix first as Python does): 0.44 s against 1.0 s
    for 10^6 ids compared as Python strings, which any other id still is. Many ids are sorted by Arrow first
    (`_arrow_order`)."""
    import numpy as np

    by_arrow = _arrow_order(ids) if len(ids) >= ARROW_FROM else None
    if by_arrow is not None:
        return by_arrow
    width = max(map(len, ids), default=0)
    joined = "".join(ids) if width <= _BYTES_UP_TO else "\x00"
    # a few long ids among short ones would pad every one to the longest: the bytes only where that stays small
    if joined.isascii() and "\x00" not in joined and width * len(ids) <= _PADDED * max(1, len(joined)):
        keys: np.ndarray = np.array(ids, dtype=f"S{max(1, width)}")
    else:
        keys = np.array(ids, dtype=object)
    del joined
    return np.argsort(keys, kind="stable").astype(np.int32)


def _arrow_order(ids: Sequence[str]) -> np.ndarray | None:
    """`id_order` by Arrow's `array_sort_indices`, documented as a stable sort, which compares strings as their
    UTF-8 bytes: code point order, as Python compares them (a NUL, a prefix and any character included). None where
    Arrow cannot hold the ids (a lone surrogate is no UTF-8). Issue 17, time: 0.21-0.23 s against 0.29-0.33 s for
    numpy's sort of fixed-width bytes, for 10^6 ids. Arrow sorts without the GIL, so a thread can sort beside
    Python work (`load/order_ahead.py`)."""
    try:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    try:
        return pc.array_sort_indices(pa.array(ids, type=pa.string())).to_numpy().astype(np.int32)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowCapacityError, pa.ArrowNotImplementedError, UnicodeError,
            ValueError, TypeError, OverflowError):  # ids Arrow cannot hold; running out of memory is raised
        return None
    finally:  # the Arrow text's pages given back now (Arrow's pool keeps freed memory otherwise: issue 17, memory)
        pa.default_memory_pool().release_unused()


@dataclass(frozen=True, eq=False)
class SortedIds:
    """`order`, the id order of the very list `ids` (`id_order`), sorted ahead by the load."""

    ids: Sequence[str]
    order: np.ndarray

    def of(self, ids: Any) -> np.ndarray | None:
        """The order if `ids` is the very list sorted (the same object: the same texts in the same places), else
        None (a dataset whose entities were replaced since)."""
        return self.order if ids is self.ids else None
