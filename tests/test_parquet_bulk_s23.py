"""Issue 17, time (session 23): the bulk Parquet read of `feoc screen` made cheaper, each fast path against the
models' own reading of the same column: ids tested on their bytes, list fields read without `present`."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from feoc.data.model import KINDS
from feoc.load.columns import kind_schema, present
from feoc.load.parquet_columns import Seen, _column, _flat, field_adapter

ENTITY = KINDS["entities"]


def _models_column(name: str, values: list[Any]) -> list[Any] | None:
    """What the field's own adapter makes of the column (the path taken before), None where it refuses it."""
    try:
        return field_adapter(ENTITY, name).validate_python(values)
    except ValidationError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("abz09-A_ é\n"), min_size=0, max_size=8), min_size=1, max_size=6))
def test_user_story_ids_tested_on_their_bytes_are_the_models_ids(ids: list[str]) -> None:
    """The entities' `id` column: where every id is a slug by the bytes test it is read as the strings, equal value
    for value and type for type to the model's list; any other column goes through the model, which refuses it."""
    column = pa.chunked_array([pa.array(ids)])
    want = _models_column("id", ids)
    try:
        got = _column(ENTITY, "id", "text", column, len(ids), Seen())
    except ValidationError:
        assert want is None
        return
    assert type(got) is list and got == want and [type(v) for v in got] == [type(v) for v in want]  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.one_of(st.none(), st.sampled_from(["A", " B ", "", "C\x1b"])),
                                              max_size=3)), min_size=1, max_size=12))
def test_hostile_alias_lists_read_without_present_are_the_models(aliases: list[list[str | None] | None]) -> None:
    """`aliases` (a list of texts, nulls inside it included): the items read as Arrow gives them are what `present`
    would give, so the model makes the same values of them, or refuses the same column."""
    column = pa.chunked_array([pa.array(aliases, type=pa.list_(pa.string()))])
    want = _models_column("aliases", [() if v is None else present(v) for v in aliases])
    try:
        got = _column(ENTITY, "aliases", "list", column, len(aliases), Seen())
    except ValidationError:
        assert want is None
        return
    assert list(got) == want and [type(v) for v in got] == [type(v) for v in want]  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["entities", "holdings"])
def test_present_is_skipped_only_for_lists_without_a_nested_record(kind: str) -> None:
    """`sources` (records of doc and quote, whose null fields `present` leaves out) keeps `present`; a list of
    texts does not need it."""
    lists = {f.name: f.type for f in kind_schema(kind) if pa.types.is_list(f.type)}
    assert not _flat(lists["sources"])
    assert all(_flat(typ) is (not pa.types.is_struct(typ.value_type)) for typ in lists.values())
    if kind == "entities":
        assert _flat(lists["aliases"]) and _flat(lists["citizenship"])


def _shares_by_mask(column: pa.ChunkedArray) -> Any:
    """The share read as it was made before (a mask of the written values): the reference for the faster read."""
    import numpy as np

    values = column.cast(pa.float64()).combine_chunks()
    numbers = values.to_numpy(zero_copy_only=False)
    written = ~np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if not ((numbers[written] >= 0.0) & (numbers[written] <= 1.0)).all():
        return None
    out = numbers + 0.0
    out[~written] = np.nan
    return out


SHARE_VALUES = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.0, 0.25, float("nan"), -0.1, 1.5, float("inf")]),
                         st.floats(min_value=0.0, max_value=1.0))


@settings(max_examples=300, deadline=None)
@given(st.lists(SHARE_VALUES, min_size=1, max_size=10), st.sampled_from([pa.float64(), pa.float32()]))
def test_hostile_shares_read_without_a_mask_are_the_masked_read(values: list[float | None], typ: pa.DataType) -> None:
    """`to_share` on a share column (a null, NaN, -0.0, out of [0, 1]): the same array, bit for bit, or the same
    give-up as the read by a mask of the written values."""
    from feoc.load.parquet_columns import GiveUp, _shares

    column = pa.chunked_array([pa.array(values, type=pa.float64()).cast(typ)])
    want = _shares_by_mask(column)
    try:
        got = _shares(column).array  # type: ignore[attr-defined]
    except GiveUp:
        assert want is None
        return
    assert want is not None and got.dtype == want.dtype and got.view("int64").tolist() == want.view("int64").tolist()
