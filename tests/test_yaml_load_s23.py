"""Issue 17 (performance), the YAML bulk load (session 23): the cheaper ways of reading give the very same problems
and columns as the ways they replace.

- the search for plain YAML shares that YAML would round (`share_digits.problems`) first looks over the whole text
  for what any such number holds (`share_digits._TEXT_CLUES`); a text without it has none, and one with it is searched as
  before: the same problems at the same lines as the former one-regex search, on generated texts;
- the column read (`yaml_columns.read_columns`) no longer searches each column for a null or a field left out: the
  field's adapter or a test of the values' types refuses them; for every field of both kinds, a null and a field
  left out in one record of four are read as the models read them, or given up where the models refuse them;
- it reads the records' keys a block of records at a time (`yaml_columns._gathered`): generated lists, plain and
  hostile, read in blocks of 1, 2 and 5 records give what the models give (a key first written in a later block,
  a typo or a record that is not a mapping there), and a world-sized list crosses blocks as the models read it;
- a worker process sends a compact kind's columns as the parent keeps them (`Repeat`, `Sparse`, names as `Texts`):
  the columns kept are those of a read in the parent;
- the holdings' references of a YAML load are found among the entities by their objects' addresses, the others by
  their hashes then text (`shared_ids._by_identity`): the very columns the text look-up alone gives (the same
  positions, or the same list of the same objects), with dangling references, duplicate ids (the same object twice,
  or equal texts), odd texts (a lone surrogate, which Arrow cannot hold), generated.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.data.addresses import Addresses
from feoc.data.columns import Refs
from feoc.data.problems import Problem
from feoc.load import folder, share_digits, shared_ids, yaml_columns
from feoc.load.columns import ColumnBuilder, kind_columns
from test_parquet_input import ENTITY, HOLDING
from test_yaml_columns import (
    HOSTILE_ENTITIES,
    HOSTILE_HOLDINGS,
    PLAIN_ENTITIES,
    PLAIN_HOLDINGS,
    assert_same_columns,
    models_columns,
)

# the search as it was (session 19): a key, a colon, a number YAML would round
_FORMER = re.compile(r"\b(equity|voting|board_seats|debt)[ \t]*:[ \t]*(?=[0-9.]*_|[0-9]*\.0*[1-9][0-9]{15})"
                     r"([0-9][0-9._]*|\.[0-9._]+)")

_PIECES = st.sampled_from(["equity", "voting", "debt", "board_seats", "id", ":", ": ", " ", "\t", "\n", "\n  ", "-",
                           "0", "1", "9", "0.", ".", "_", "1_0", "0000", "1234567890", "12345678", "x", "'", "#"])
_TEXTS = st.lists(_PIECES, max_size=40).map("".join)


def _former(text: str) -> list[Problem]:
    return [Problem("f.yaml", text.count("\n", 0, m.start()) + 1,
                    f"{m.group(1)} `{m.group(2)}` is written with digit separators or more than 15 significant "
                    "digits, which YAML rounds before feoc can read it",
                    "write the share with fewer digits, no `_`, e.g. 0.2499999 or \"24.99999%\"")
            for m in _FORMER.finditer(text)]


@settings(max_examples=2000, deadline=None)
@given(_TEXTS)
def test_property_a_share_yaml_would_round_is_found_as_before_with_the_whole_text_clues(text):
    """Hostile new user: `equity: 0.2_5` or `equity: 0.249999999999999999999` must not silently become 25 %, whether
    the clues let the search run or skip it: the same problems, at the same lines, as the former search."""
    assert share_digits.problems(text, "f.yaml") == _former(text)
    if _FORMER.search(text):  # a text the clues pass over holds no such number
        assert any(clue.search(text) for clue in share_digits._TEXT_CLUES)


def test_user_story_a_generated_world_text_without_such_shares_is_passed_over_by_the_clues():
    """The bench world's kind of text: ids with digits, `board_seats`, shares as 0.7 or "20%", dates — no clue, so no
    search at each colon; one such share written into it is found at its line."""
    text = "".join(f"- holder: maker-{i}\n  entity: fund_x-{i + 1}\n  board_seats: 0.{i}\n  from: 2012-04-01\n"
                   f"  equity: \"{i % 100}%\"\n" for i in range(500))
    assert not any(clue.search(text) for clue in share_digits._TEXT_CLUES)
    assert share_digits.problems(text, "f.yaml") == []
    odd = text + "- holder: a\n  entity: b\n  voting: 0.2_5\n"
    assert [(p.line, p.message.split("`")[1]) for p in share_digits.problems(odd, "f.yaml")] == [(2503, "0.2_5")]


def _four(kind: str, change: dict[str, Any], drop: str | None) -> list[dict[str, Any]]:
    base = {**ENTITY, "type": "person"} if kind == "entities" else {**HOLDING, "equity": "25%"}
    items: list[dict[str, Any]] = [{**base, "id": f"r{i}"} if kind == "entities" else {**base, "holder": f"h{i}"}
                                   for i in range(4)]
    items[2] = {k: v for k, v in {**items[2], **change}.items() if k != drop}
    return items


@pytest.mark.parametrize("kind,column", [(k, c) for k in ("entities", "holdings") for c in kind_columns(k)])
@pytest.mark.parametrize("how", ["null", "left out", "null in every record"])
def test_hostile_a_null_or_a_field_left_out_reads_as_the_models_or_is_given_up(kind, column, how):
    """Hostile new user: `assumed: null`, a holding without `holder`, `aliases: null`, `equity: null` beside a
    percent text: where the models refuse the list the column read gives up (the models then word the problem);
    where they accept it, it reads what they read."""
    items = _four(kind, {} if how == "left out" else {column: None}, column if how == "left out" else None)
    if how == "null in every record":
        items = [{**item, column: None} for item in items]
    fast, slow = yaml_columns.read_columns(kind, items, {}), models_columns(kind, items)
    if slow is None:
        assert fast is None
    else:
        assert fast is not None, f"{kind}.{column}: the models read it, so does the column read"
        assert_same_columns(kind, fast, slow)


_TEXTS_OF_IDS = st.sampled_from(["a", "b", "maker-1", "fund-2", "\ud800x", "é-3", ""])


def _fresh(text: str) -> str:
    """Equal text, another object (but for the one-character texts Python keeps one object of)."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")


@st.composite
def _kept(draw: Any) -> dict[str, Any]:
    """Entities' ids (fresh objects, some the same object twice, some equal texts) and holdings naming them by
    their very objects, by fresh copies of their texts, or naming no entity."""
    ids: list[str] = []
    for text in draw(st.lists(_TEXTS_OF_IDS, min_size=1, max_size=8)):
        ids.append(ids[-1] if ids and draw(st.integers(0, 5)) == 0 else _fresh(text))
    way = st.tuples(st.sampled_from(["object", "copy", "dangling"]), st.integers(0, len(ids) - 1))

    def reference(how: str, at: int) -> str:
        return ids[at] if how == "object" else _fresh(ids[at] if how == "copy" else draw(_TEXTS_OF_IDS) + "-ghost")

    return {"entities": {"id": ids},
            "holdings": {name: [reference(*w) for w in draw(st.lists(way, min_size=1, max_size=12))]
                         for name in shared_ids.REFERENCES}}


def _as_found(column: Any) -> Any:
    if isinstance(column, Refs):
        return "positions", column.codes.tolist(), id(column.values)
    return "objects", list(column), list(map(id, column))


@settings(max_examples=500, deadline=None)
@given(_kept())
def test_property_references_found_by_their_objects_are_the_text_look_ups(kept):
    """The same holdings found by address then hash (the YAML load's way) and by text alone: the very same columns,
    positions for positions, objects for objects; never a crash."""
    both = [kept, {"entities": {"id": kept["entities"]["id"]}, "holdings": dict(kept["holdings"])}]
    shared_ids.share_entity_ids(both[0])
    former = shared_ids._by_identity
    try:
        shared_ids._by_identity = lambda ids, holdings: {}  # the text look-up alone, as before session 23
        shared_ids.share_entity_ids(both[1])
    finally:
        shared_ids._by_identity = former
    for name in shared_ids.REFERENCES:
        assert _as_found(both[0]["holdings"][name]) == _as_found(both[1]["holdings"][name]), name


def test_user_story_a_worlds_references_are_mostly_found_by_address_the_rest_by_hash():
    """A supplier file's holdings name its own makers by their id objects and another file's by copies of the text:
    positions all found, by address and by hash; a duplicate id sends the look-up to the text, which gives the
    first of the two as before."""
    ids = [f"maker-{i}" for i in range(1000)]
    holders = [ids[(i * 7) % 1000] if i % 4 else "".join(["maker-", str((i * 7) % 1000)]) for i in range(3000)]
    found = shared_ids._by_identity(ids, {"holder": holders, "entity": [ids[i % 1000] for i in range(3000)]})
    assert found["holder"].tolist() == [(i * 7) % 1000 for i in range(3000)]
    assert found["entity"].tolist() == [i % 1000 for i in range(3000)]
    twice = [*ids, "".join(["maker-", "5"])]
    assert shared_ids._by_identity(twice, {"holder": holders}) == {}
    kept: dict[str, Any] = {"entities": {"id": twice}, "holdings": {"holder": [twice[-1]], "entity": [ids[1]]}}
    shared_ids.share_entity_ids(kept)
    assert kept["holdings"]["holder"].codes.tolist() == [5]


def test_an_address_beside_an_ids_object_is_no_id():
    """The address table's slot holds an id's position; an address in the same slot that is not that object's (a
    reference object near it in memory) is no id: found by its text, never taken for the neighbour."""
    import numpy as np

    made = sorted((_fresh(f"maker-{i}") for i in range(50_000)), key=id)  # 500 of them close in memory: a table
    start = min(range(len(made) - 500), key=lambda i: id(made[i + 499]) - id(made[i]))
    ids = made[start:start + 500]
    assert Addresses(ids).table is not None
    for at in (Addresses(ids), _sorted_addresses(ids)):
        addresses = np.fromiter(map(id, ids), dtype=np.int64, count=len(ids))
        places, missed = at(addresses)
        assert places.tolist() == list(range(500)) and missed.tolist() == []
        places, missed = at(np.concatenate([addresses + 8, addresses - 8, [0, 1 << 62]]))
        assert missed.tolist() == list(range(1002))


def _sorted_addresses(ids: list[str]) -> Any:
    """The addresses searched in order, as where the table would be too large or two ids share a slot."""
    at = Addresses(ids, table=False)
    assert at.table is None
    return at


def _in_blocks(kind: str, items: list[Any], block: int) -> Any:
    former = yaml_columns._BLOCK
    try:
        yaml_columns._BLOCK = block
        return yaml_columns.read_columns(kind, items, {})
    finally:
        yaml_columns._BLOCK = former


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.tuples(st.just("entities"), st.one_of(PLAIN_ENTITIES, HOSTILE_ENTITIES)),
                 st.tuples(st.just("holdings"), st.one_of(PLAIN_HOLDINGS, HOSTILE_HOLDINGS))),
       st.sampled_from([1, 2, 5]))
def test_property_records_read_in_blocks_read_as_the_models(case, block):
    """Generated entities and holdings (percent texts, ranges, nulls, typos, bad dates), read a few records at a
    time: the models' columns, or given up where the models refuse the list, as read in one block."""
    kind, items = case
    fast, slow = _in_blocks(kind, items, block), models_columns(kind, items)
    if slow is None:
        assert fast is None
    elif fast is not None:
        assert_same_columns(kind, fast, slow)
    whole = yaml_columns.read_columns(kind, items, {})
    assert (fast is None) == (whole is None)


@pytest.mark.parametrize("odd", [None, {"note": "first written late"}, {"equtiy": 0.3}, ["catl", "byd"]])
def test_user_story_a_long_list_reads_across_blocks_as_the_models(odd):
    """A file of 3000 holdings, one of them late in the list writing a key no earlier one does, a typo, or not a
    mapping at all: read as the models read it, or given up where they refuse it."""
    items: list[Any] = [{"holder": f"h{i}", "entity": f"e{i % 7}", "equity": 0.01 * (i % 90)} for i in range(3000)]
    if isinstance(odd, dict):
        items[2500] = {**items[2500], **odd}
    elif odd is not None:
        items[2500] = odd
    fast, slow = yaml_columns.read_columns("holdings", items, {}), models_columns("holdings", items)
    assert (fast is None) == (slow is None) == (odd is not None and "note" not in odd)
    if slow is not None:
        assert_same_columns("holdings", fast, slow)


def test_user_story_a_workers_columns_are_built_as_the_parents_read(tmp_path):
    """A file of entities most of which leave `aliases`, `sources` and `political_figure_of` out, and holdings: the
    columns kept from a worker's read (made sparse, repeated, names put in one buffer there) equal, value for value
    and type for type, those kept from the same file read in the parent."""
    from feoc.data.columns import Sparse, Texts
    from feoc.load.columns import ColumnBuilder
    from test_yaml_columns import exact, write_yaml

    entities = [{"id": f"e{i}", "name": f"É {i}" if i % 3 else f"E {i}", "type": "company", "incorporated_in": "CN",
                 **({"aliases": [f"A{i}"], "political_figure_of": "CN", "type": "person"} if i % 50 == 0 else {})}
                for i in range(400)]
    holdings = [{"holder": f"e{i}", "entity": f"e{i + 1}", "equity": 0.5} for i in range(399)]
    write_yaml(tmp_path / "w.yaml", {"entities": entities, "holdings": holdings})
    kept = []
    reads = folder._read_file(tmp_path / "w.yaml", True), folder._read_in_worker((tmp_path / "w.yaml", True))
    sent = dict(zip(folder.KINDS["entities"].model_fields, reads[1].records[0][1]))
    assert isinstance(sent["aliases"], Sparse) and isinstance(sent["name"], Texts)  # not 400 values each
    for read in reads:
        columns = {}
        for kind, parts, _ in read.records:
            builders = [ColumnBuilder() for _ in parts]
            for builder, part in zip(builders, parts):
                builder.add(part)
            columns[kind] = dict(zip(folder.KINDS[kind].model_fields, (builder.column() for builder in builders)))
        folder._own_texts(columns)  # as the load keeps them
        kept.append(columns)
    for kind, columns in kept[0].items():
        for name, column in columns.items():
            other = kept[1][kind][name]
            assert type(other) is type(column) and list(map(exact, other)) == list(map(exact, column)), name


def test_user_story_one_name_throughout_a_file_is_kept_alike_from_a_worker(tmp_path, monkeypatch):
    """Two files, the first's entities all named alike: the columns kept from the workers' reads (pickled, as a
    worker sends them) are those of the parent's own reads, type for type (a repeated name stays repeated). The
    parser's read (the scan, `load.yaml_scan`, keeps names as the Parquet read does: tests/test_yaml_scan.py)."""
    import pickle

    monkeypatch.setenv("FEOC_YAML_SCAN", "0")

    from test_yaml_columns import exact, write_yaml

    write_yaml(tmp_path / "a.yaml", {"entities": [{"id": f"a{i}", "name": "Same Co", "type": "company"}
                                                  for i in range(20)]})
    write_yaml(tmp_path / "b.yaml", {"entities": [{"id": f"b{i}", "name": f"Co {i}", "type": "company"}
                                                  for i in range(20)]})
    kept = []
    for read in (folder._read_file, lambda p, c: pickle.loads(pickle.dumps(folder._read_in_worker((p, c))))):
        builders = None
        for name in ("a.yaml", "b.yaml"):
            for _kind, parts, _ in read(tmp_path / name, True).records:
                builders = builders or [ColumnBuilder() for _ in parts]
                for builder, part in zip(builders, parts):
                    builder.add(part)
            if name == "a.yaml":
                first = dict(zip(folder.KINDS["entities"].model_fields, (b.parts[-1] for b in builders)))
                assert type(first["name"]).__name__ == "Repeat"
        columns = {"entities": dict(zip(folder.KINDS["entities"].model_fields, (b.column() for b in builders)))}
        folder._own_texts(columns)
        kept.append(columns["entities"])
    for name, column in kept[0].items():
        assert type(kept[1][name]) is type(column) and list(map(exact, kept[1][name])) == list(map(exact, column)), name
