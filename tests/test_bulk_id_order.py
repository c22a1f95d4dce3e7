"""Issue 17, time: the bulk path puts its entities in id order (results and the reference's order of additions
follow it) by sorting the ids as fixed-width bytes where that gives Python's order (`data.id_order.id_order`)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.data.id_order import id_order

SLUG_CHARS = "ab-09z"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(SLUG_CHARS, max_size=6), st.text(st.characters(blacklist_categories=("Cs",)), max_size=4),
                          st.text(SLUG_CHARS, min_size=60, max_size=70)), max_size=40))
def test_ids_in_the_order_python_sorts_them(ids):
    """Slugs (a prefix before a longer id, a hyphen before a digit), any text (a NUL, non-ASCII: compared as
    Python strings) and ids too long for bytes: the stable order `sorted` gives."""
    expected = sorted(range(len(ids)), key=lambda i: ids[i])
    assert id_order(ids).tolist() == expected


def test_a_world_of_slugs_is_sorted_as_bytes_in_the_same_order():
    ids = ["cn-gov-2", "amber-1", "amber", "amber-1", "a0", "a-"]
    assert id_order(ids).tolist() == sorted(range(len(ids)), key=lambda i: ids[i])
    assert id_order([]).tolist() == []


def test_one_long_id_among_short_ones_is_sorted_alike():
    """A 64-character id among short ones: not every id padded to 64 bytes (they sort as strings), the same order."""
    ids = ["b", "a" * 64, "a", "c-1", "a"]
    assert id_order(ids).tolist() == sorted(range(len(ids)), key=lambda i: ids[i])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(SLUG_CHARS, max_size=6), st.text(st.characters(), max_size=4),
                          st.sampled_from(["a\x00", "a", "\ud800x", "\U0001f600", "\uffff"])), max_size=40))
def test_many_ids_sorted_by_arrow_in_the_order_python_sorts_them(ids: list[str]) -> None:
    """Issue 17, time: many ids are sorted by Arrow (`_arrow_order`, a stable sort of their UTF-8 bytes): the order
    `sorted` gives for slugs, a NUL, any character, duplicates (stable); a lone surrogate, which Arrow cannot hold,
    falls back to the sort of Python strings, the same order."""
    import numpy as np

    from feoc.data import id_order as order_module

    expected = sorted(range(len(ids)), key=lambda i: ids[i])
    got = order_module._arrow_order(ids)
    if any("\ud800" <= ch <= "\udfff" for i in ids for ch in i):
        assert got is None
    else:
        assert got is not None and got.dtype == np.int32 and got.tolist() == expected
    old = order_module.ARROW_FROM
    order_module.ARROW_FROM = 0  # id_order itself takes the Arrow way, or falls back
    try:
        assert id_order(ids).tolist() == expected
    finally:
        order_module.ARROW_FROM = old
