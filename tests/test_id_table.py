"""Issue 17, time: the load finds the entity each holding names by a compiled hash table (`load/id_table.py`),
probed on two threads. It must name exactly the entity a dictionary of the ids names (the first, where an id is
written twice, as Arrow's `index_in` also gives), -1 for none, whatever the texts, the chunks or the rows asked."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.data.compiled import AVAILABLE
from feoc.load import id_table
from feoc.load.shared_ids import _Finder

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="numba is not installed: Arrow's look-up answers")

# short texts from a small alphabet, so that ids repeat, references hit and miss, and prefixes of each other meet;
# multi-byte letters and the empty text included
TEXTS = st.text(alphabet="ab-é中\x00", max_size=4)


def _first(ids: list[str]) -> dict[str, int]:
    place: dict[str, int] = {}
    for i, text in enumerate(ids):
        place.setdefault(text, i)
    return place


def _chunks(texts: list[str], cuts: list[int], large: bool) -> list[pa.Array]:
    bounds = sorted({0, len(texts), *(c % (len(texts) + 1) for c in cuts)})
    typ = pa.large_string() if large else pa.string()
    whole = pa.array(["pad", *texts], type=typ).slice(1)  # a slice: the chunks' offsets do not start at 0
    return [whole.slice(lo, hi - lo) for lo, hi in itertools.pairwise(bounds)]


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(TEXTS, min_size=1, max_size=40), refs=st.lists(TEXTS, max_size=60),
       cuts=st.lists(st.integers(0, 60), max_size=4), large=st.booleans(), data=st.data())
def test_each_reference_names_the_first_entity_with_its_id_as_a_dictionary_does(ids, refs, cuts, large, data):
    """Property: all the references, or any ascending subset of them, across any chunks, on two threads or one, give
    each the position a dictionary of the ids gives (the first of a duplicate), -1 for a text no id has."""
    table = id_table.table(pa.array(ids, type=pa.large_string() if large else pa.string()))
    assert table is not None
    place = _first(ids)
    expected = [place.get(text, -1) for text in refs]
    chunks = _chunks(refs, cuts, large)
    assert table.positions(chunks).tolist() == expected
    assert table.positions(chunks, beside=False).tolist() == expected  # all in this thread, as a load's worker asks
    rows = sorted(data.draw(st.sets(st.integers(0, max(len(refs) - 1, 0)), max_size=len(refs))) if refs else [])
    assert table.positions(chunks, np.array(rows, dtype=np.int64)).tolist() == [expected[r] for r in rows]


def test_a_large_world_gives_arrows_positions_on_two_threads() -> None:
    """50,000 ids and 200,000 references (long probe chains in a table of 131,072 slots): Arrow's answer."""
    rng = random.Random(17)
    ids = [f"{rng.choice(['cn', 'us', 'kr'])}-company-{rng.randrange(10**6)}" for _ in range(50_000)]
    refs = [rng.choice(ids) if rng.random() < 0.9 else f"ghost-{i}" for i in range(200_000)]
    arrow_ids, arrow_refs = pa.array(ids), pa.chunked_array([refs[:70_000], refs[70_000:]], type=pa.string())
    table = id_table.table(arrow_ids)
    assert table is not None
    found = table.positions(arrow_refs.chunks)
    assert found.tolist() == pc.index_in(arrow_refs, value_set=arrow_ids).fill_null(-1).to_pylist()
    rows = np.flatnonzero(np.arange(200_000) % 7 == 3)
    assert np.array_equal(table.positions(arrow_refs.chunks, rows), found[rows])


def test_what_the_table_cannot_read_is_left_to_arrow() -> None:
    """A null among the ids or the references, or a column that is not text: no answer here (None), so the load
    asks Arrow's look-up, which words those cases."""
    assert id_table.table(pa.array(["a", None])) is None
    assert id_table.table(pa.array([1, 2])) is None
    table = id_table.table(pa.array(["a", "b"]))
    assert table is not None
    assert table.positions([pa.array(["a", None])]) is None
    assert table.positions([pa.array(["b"]), pa.array([None, "a"])], np.array([0], dtype=np.int64)).tolist() == [1]


def test_the_loads_finder_answers_by_the_compiled_table() -> None:
    """The finder `load.shared_ids` uses builds the table once and answers from it: Arrow's look-up is not asked."""
    find = _Finder(["a", "b", "c"])
    assert find(["c", "ghost", "a"]).tolist() == [2, -1, 0]
    assert find._table is not None
    assert find.at([pa.array(["x", "b"]), pa.array(["c"])], np.array([1, 2])).tolist() == [1, 2]
    find.release()
    assert find._table is None


def test_ids_arrow_holds_in_several_chunks_are_looked_up_by_arrow() -> None:
    """Review, session 26: Arrow gives ids of more than 2 GiB of text as a chunked array, which the table cannot read:
    no table (None), and the load's finder answers by Arrow's look-up as before, not with an error."""
    assert id_table.table(pa.chunked_array([["a", "b"], ["c"]])) is None
    find = _Finder(["a", "b", "c"])
    find._arrow, find._tried = pa.chunked_array([["a", "b"], ["c"]]), True  # as `_arrow_ids` gets them past 2 GiB
    assert find(["c", "ghost", "a"]).tolist() == [2, -1, 0]
    assert find.at([pa.array(["b", "c"])], np.array([1])) is None


def test_rows_outside_the_column_or_out_of_order_are_refused() -> None:
    """Every row asked is answered: a row past the column's end, or rows out of order, are refused, not left as
    whatever the answer's memory held."""
    table = id_table.table(pa.array(["a", "b"]))
    assert table is not None
    for rows in ([0, 5], [-1], [1, 0]):
        with pytest.raises(ValueError, match="ascending"):
            table.positions([pa.array(["a", "b"])], np.array(rows, dtype=np.int64))
