"""The holdings' `holder` and `entity` columns of a compact load as the entities they name.

Each file (and each Parquet column chunk, each worker's pickled rows) gives its strings as new objects, so at 1M
entities the holdings' two columns held ~1.7M more copies of ids already held by the entities' `id` column:
~115 MiB of the ~590 MiB a loaded world takes (issue 17, memory). A column whose every value names an entity is
kept as those entities' positions (`data.columns.Refs`: read as the entities' own id strings, and by the bulk path
as the entity indexes they are); one that names an entity not in the data keeps its strings, each the entity's own
id object where there is one, for the cross-checks to report the others. The values are equal, only the objects
change, so nothing that reads them can tell. A Parquet table's references arrive as Arrow text (`ArrowTexts`, checked
on their bytes by the bulk read) and are looked up as they are, never read into Python strings on the way; a YAML
load's are mostly the entities' own id objects already (each worker shares its file's), found by their addresses."""

from __future__ import annotations

import contextlib
import itertools
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from feoc.data.addresses import Addresses
from feoc.data.columns import ArrowTexts, Codes, Refs
from feoc.load.placed import PlacedTexts, named, positions

if TYPE_CHECKING:
    from feoc.load.id_table import IdTable

REFERENCES = ("holder", "entity")  # the holdings' fields naming an entity by its id


def share_entity_ids(kept: dict[str, dict[str, Sequence[Any]]]) -> None:
    """Replace, in `kept` (kind -> field -> column), each holdings reference column by the entities' positions
    (`Refs`) where every reference names an entity, else each reference by the entity's own id object where the
    entity exists."""
    entities, holdings = kept.get("entities"), kept.get("holdings")
    if not entities or not holdings or not isinstance(entities.get("id"), list):
        for name in REFERENCES if holdings else ():  # nothing to find them among: read as strings
            column = holdings.get(name)  # type: ignore[union-attr]
            if isinstance(column, ArrowTexts):
                holdings[name] = list(column)  # type: ignore[index]
                column.release()
        return
    ids = entities["id"]
    find = _Finder(ids)
    found = _by_identity(ids, holdings) or _found_together(holdings, find)
    for name in REFERENCES:
        column = holdings.get(name)
        if isinstance(column, (list, Codes, ArrowTexts)):
            holdings[name] = _referenced(column, ids, find, found.get(name))
            if isinstance(column, ArrowTexts):  # read: its Arrow text let go before the pages are given back
                column.release()
    find.release()


def _found_together(holdings: dict[str, Sequence[Any]], find: _Finder) -> dict[str, Any]:
    """Both reference columns as Arrow text (a Parquet bulk read): looked up in one call, the entities' ids hashed
    once, not once a column (issue 17, time)."""
    columns = [holdings.get(name) for name in REFERENCES]
    if all(isinstance(column, PlacedTexts) for column in columns):  # most found where they were read (`load.placed`)
        return dict(zip(REFERENCES, positions(columns, find)))  # type: ignore[arg-type]
    if not all(isinstance(column, ArrowTexts) for column in columns):
        return {}
    both = find(ArrowTexts([chunk for column in columns for chunk in column.chunks]))  # type: ignore[union-attr]
    split = len(columns[0])  # type: ignore[arg-type]
    return {REFERENCES[0]: both[:split], REFERENCES[1]: both[split:]}


def _by_identity(ids: Sequence[Any], holdings: dict[str, Sequence[Any]]) -> dict[str, Any]:
    """The positions of the references in the lists among `holdings`' reference columns (a YAML load's), -1 where
    no entity has the id: each one that is an entity's own id object found by its address (a worker makes its
    file's references its file's id objects, and pickling keeps that: at 1M, 74 % of the holders and 99 % of the
    entities), the others by their hashes, then their text. None found (the text look-up then) where two ids share
    a hash, as a duplicate id does: which of them a reference names is the text look-up's to say.
    Issue 17, time: 0.51 s against 0.82 s (Arrow's look-up) for the 1M world's 3.1M references, in the load."""
    import numpy as np

    columns = {name: holdings[name] for name in REFERENCES if isinstance(holdings.get(name), list)}
    if not columns or not len(ids) or not isinstance(ids, list):
        return {}
    try:
        hashes = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
    except TypeError:  # an id that cannot be hashed: the text look-up's to refuse
        return {}
    by_hash = np.argsort(hashes)
    hashes = hashes[by_hash]
    if (hashes[1:] == hashes[:-1]).any():
        return {}
    at = Addresses(ids)
    found = {}
    for name, column in columns.items():
        places, missed = at(np.fromiter(map(id, column), dtype=np.int64, count=len(column)))
        if len(missed):
            places[missed] = _by_hash(ids, [column[i] for i in missed.tolist()], hashes, by_hash)
        found[name] = places
    return found


def _by_hash(ids: Sequence[Any], values: list[Any], hashes: Any, by_hash: Any) -> Any:
    """Each value's position among `ids` (whose hashes, sorted, are `hashes`, all different), -1 where none: the one
    id of the value's hash, where its text is the value's. The hashes searched in their order, not the values'
    (0.02 s against 0.14 s for 0.4M among 1M: the search goes through the table once)."""
    import numpy as np

    wanted = np.fromiter(map(hash, values), dtype=np.int64, count=len(values))
    order = np.argsort(wanted)
    at = np.empty(len(values), dtype=np.int64)
    at[order] = np.searchsorted(hashes, wanted[order])
    places = by_hash[np.minimum(at, len(hashes) - 1)]
    named = np.fromiter(map(operator.eq, [ids[i] for i in places.tolist()], values), dtype=bool, count=len(values))
    return np.where(named, places, -1)


class _Finder:
    """Values' positions among the entities' ids, -1 where none: by Arrow's hash look-up, in C++ (issue 17: 3M
    references looked up in a dictionary of 10^6 fresh strings took ~1.5 s of a 1M load, each string hashed in
    Python first), each position found checked to name the very value; by a dictionary for whatever Arrow cannot
    hold (a text that is not UTF-8). Both transient: the bulk path finds entities without a dictionary of them all."""

    def __init__(self, ids: Sequence[Any]):
        self.ids = ids
        self._arrow: Any = None
        self._tried = False  # the ids put into Arrow when first looked among, not before (none may be)
        self._table: IdTable | None = None
        self._table_tried = False
        self._place: dict[Any, int] | None = None

    def _arrow_ids(self) -> Any:
        if not self._tried:
            self._tried = True
            with contextlib.suppress(ImportError, TypeError, ValueError, UnicodeError, ArithmeticError):
                import pyarrow as pa

                with contextlib.suppress(pa.ArrowException):
                    self._arrow = pa.array(self.ids, type=pa.string())
        return self._arrow

    def _compiled(self) -> IdTable | None:
        """The ids' compiled table (`load.id_table`), built when first needed; None where it cannot be."""
        if not self._table_tried:
            self._table_tried = True
            from feoc.load import id_table  # numba and numpy: for a bulk load only, never for a `check`

            arrow = self._arrow_ids()
            self._table = id_table.table(arrow) if arrow is not None else None
        return self._table

    def at(self, chunks: Sequence[Any], rows: Any) -> Any:
        """The positions of the texts at `rows` (ascending) of the column whose Arrow chunks are `chunks`, by the
        compiled table, without taking them out first; None where the table cannot answer (`positions` then)."""
        table = self._compiled()
        return None if table is None else table.positions(chunks, rows)

    def release(self) -> None:
        """The Arrow arrays dropped and their pages given back (Arrow's pool keeps freed memory otherwise)."""
        self._table = None
        if self._arrow is not None:
            import pyarrow as pa

            self._arrow = None
            pa.default_memory_pool().release_unused()
        self._place = None

    def __call__(self, values: Sequence[Any]) -> Any:
        import numpy as np

        if not len(values):
            return np.zeros(0, dtype=np.int64)
        if self._arrow_ids() is not None:
            import pyarrow as pa
            import pyarrow.compute as pc

            with contextlib.suppress(pa.ArrowException, TypeError, ValueError, UnicodeError):
                # a chunk at a time after one hashing of the ids: no copy of all the references at once, whose
                # fresh pages cost more than the look-up (issue 17, time)
                wanted = pa.chunked_array(values.chunks if isinstance(values, ArrowTexts) else
                                          [pa.array(values, type=pa.string())], type=pa.string())
                table = self._compiled()  # the compiled table where it can answer, else Arrow's look-up
                found = None if table is None else table.positions(wanted.chunks)
                if found is not None:
                    return found
                found = pc.index_in(wanted, value_set=self._arrow).combine_chunks()  # one chunk already
                starts = itertools.accumulate((len(chunk) for chunk in wanted.chunks), initial=0)
                if all(named(self._arrow, found.slice(at, len(chunk)), chunk) for at, chunk in zip(starts, wanted.chunks)):
                    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        if self._place is None:  # the last of a duplicate id, as `Rows.positions`: the checks refuse a duplicate
            self._place = dict(zip(self.ids, range(len(self.ids))))
        return np.fromiter(map(self._place.get, values, itertools.repeat(-1)), dtype=np.int64, count=len(values))


def _referenced(column: Sequence[Any], ids: Sequence[Any], find: _Finder, codes: Any = None) -> Sequence[Any]:
    import numpy as np

    if codes is None:  # not found with the other column; a few holders named many times (`Codes`): each once
        codes = find(column.values)[column.codes] if isinstance(column, Codes) else find(column)
    if len(codes) and codes.min() >= 0 and len(ids) < 1 << 31:
        return Refs(codes.astype(np.int32), ids)
    canon = dict(zip(ids, ids))
    return [canon.get(v, v) for v in column]
