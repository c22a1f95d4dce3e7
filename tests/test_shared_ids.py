"""Issue 17, memory: a compact load's holdings name their entities with the entities' own id strings, one object
per id, whether the world is read from Parquet tables or YAML files (`load/shared_ids.py`)."""

from __future__ import annotations

from pathlib import Path

from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.load.shared_ids import share_entity_ids

ROOT = Path(__file__).resolve().parents[1]


def _shared(world: Path) -> tuple[float, float]:
    """The share of holdings whose holder / entity is the very id object of an entity."""
    data = load_dataset(world, Law.load(ROOT / "rules"), compact=True)
    ids = {id(e) for e in data.column("entities", "id")}
    holders, entities = data.column("holdings", "holder"), data.column("holdings", "entity")
    return (sum(id(h) in ids for h in holders) / len(holders), sum(id(e) in ids for e in entities) / len(entities))


def test_a_screened_parquet_world_keeps_one_string_per_id(parquet_world_2000: Path) -> None:
    """A user screening a Parquet world: every holding's holder and entity is an entity's own id object."""
    assert _shared(parquet_world_2000) == (1.0, 1.0)


def test_a_screened_yaml_world_keeps_one_string_per_id(yaml_world_2000: Path) -> None:
    """The same world as YAML files, read by worker processes whose strings arrive as new objects."""
    assert _shared(yaml_world_2000) == (1.0, 1.0)


def test_a_dangling_reference_keeps_its_own_string() -> None:
    """A holding naming an entity that is not in the data keeps its text, for the cross-checks to report it."""
    ghost = "".join(["gh", "ost"])  # a string object made at run time, not an interned literal
    kept: dict = {"entities": {"id": ["a", "b"]}, "holdings": {"holder": ["a".upper().lower(), ghost],
                                                               "entity": ["b", "a"]}}
    share_entity_ids(kept)
    assert kept["holdings"]["holder"] == ["a", "ghost"]
    assert kept["holdings"]["holder"][1] is ghost
    assert kept["holdings"]["holder"][0] is kept["entities"]["id"][0]


def test_columns_that_are_not_lists_are_left_alone() -> None:
    """A table without entities, or a column held otherwise (a repeated value), is not touched."""
    kept: dict = {"holdings": {"holder": ["a"], "entity": ["b"]}}
    share_entity_ids(kept)
    assert kept == {"holdings": {"holder": ["a"], "entity": ["b"]}}


def test_references_all_found_are_held_as_the_entities_positions(parquet_world_2000: Path, yaml_world_2000: Path):
    """A screen of a world whose every holding names a loaded entity: the holder and entity columns are the
    entities' positions (`Refs`, 4 bytes a holding), read as the ids the full load gives, and the bulk path takes
    those positions as its entity indexes without looking an id up."""
    import datetime as dt

    import numpy as np

    from feoc.data.columns import Refs
    from feoc.determine.bulk_graphs import in_force
    from feoc.determine.bulk_index import EntityIndex

    def indexed(ids: list) -> EntityIndex:  # the bulk path's index of the entities (`determine/bulk_index.py`)
        return EntityIndex(ids, np.argsort(np.array(ids, dtype=object), kind="stable").astype(np.int32))

    law = Law.load(ROOT / "rules")
    for world in (parquet_world_2000, yaml_world_2000):
        compact, full = load_dataset(world, law, compact=True), load_dataset(world, law)
        for field in ("holder", "entity"):
            column = compact.column("holdings", field)
            assert isinstance(column, Refs) and column.codes.dtype == np.int32
            assert list(column) == [getattr(h, field) for h in full.holdings]
        index = indexed(compact.column("entities", "id"))
        index._addresses = index._by_address = None  # type: ignore[assignment]  # nothing looked up: positions read
        fast = in_force(compact, index, dt.date(2024, 6, 1))
        looked_up = in_force(full, indexed([e.id for e in full.entities]), dt.date(2024, 6, 1))
        assert np.array_equal(fast.holder, looked_up.holder) and np.array_equal(fast.target, looked_up.target)


def test_a_column_of_few_holders_becomes_their_positions() -> None:
    """A world where a few funds hold everything: the holders' codes (`Codes`) become the entities' positions."""
    import numpy as np

    from feoc.data.columns import Codes, Refs

    kept: dict = {"entities": {"id": ["a", "b", "c"]},
                  "holdings": {"holder": Codes(np.array([1, 0, 1, 1], dtype=np.uint8), ["c", "a"]),
                               "entity": ["b", "b", "a", "b"]}}
    share_entity_ids(kept)
    holder, entity = kept["holdings"]["holder"], kept["holdings"]["entity"]
    assert isinstance(holder, Refs) and holder.codes.tolist() == [0, 2, 0, 0] and list(holder) == ["a", "c", "a", "a"]
    assert isinstance(entity, Refs) and list(entity) == ["b", "b", "a", "b"] and entity.codes.tolist() == [1, 1, 0, 1]
    assert all(v is kept["entities"]["id"][i] for v, i in zip(holder, holder.codes.tolist()))


def test_the_loader_scan_reads_positions_as_it_reads_ids(parquet_world_2000: Path) -> None:
    """The loader's holding checks (totals past 100 %, the ids named) read from positions as from the records."""
    from feoc.load.holding_scan import scan_holdings

    data = load_dataset(parquet_world_2000, Law.load(ROOT / "rules"), compact=True)
    on_arrays, by_records = scan_holdings(data, arrays=True), scan_holdings(data, arrays=False)
    assert (on_arrays.holders, on_arrays.held, on_arrays.over, on_arrays.whole) == \
        (by_records.holders, by_records.held, by_records.over, by_records.whole)


def test_references_are_found_alike_by_arrow_and_by_a_dictionary() -> None:
    """The positions come from Arrow's look-up where it can hold the texts, else from a dictionary: the same
    positions; a reference to no entity leaves the column as the ids' own strings; a lone surrogate (not UTF-8,
    which Arrow cannot hold) is looked up the other way."""
    from feoc.data.columns import Refs
    from feoc.load.shared_ids import _Finder

    ids = ["a", "b", "c", "\ud800x"]
    find = _Finder(ids)
    assert find(["c", "a", "c"]).tolist() == [2, 0, 2]
    assert find(["\ud800x", "b"]).tolist() == [3, 1]
    assert find(["b", "zz"]).tolist() == [1, -1]
    kept: dict = {"entities": {"id": ids}, "holdings": {"holder": ["c", "\ud800x"], "entity": ["a", "b"]}}
    share_entity_ids(kept)
    assert isinstance(kept["holdings"]["holder"], Refs) and kept["holdings"]["holder"].codes.tolist() == [2, 3]


def test_a_duplicate_id_never_points_a_reference_at_another_id() -> None:
    """A dataset with a duplicate id is refused by the checks; until then every reference reads as the id it named."""
    ids = ["a", "b", "a", "c"]
    kept: dict = {"entities": {"id": ids}, "holdings": {"holder": ["c", "a", "b"], "entity": ["a", "c", "a"]}}
    share_entity_ids(kept)
    assert list(kept["holdings"]["holder"]) == ["c", "a", "b"] and list(kept["holdings"]["entity"]) == ["a", "c", "a"]


def test_no_dictionary_is_made_for_an_empty_column_or_a_dangling_reference() -> None:
    """Arrow answers both: nothing to find, and -1 for an id no entity has (the column then keeps its strings)."""
    from feoc.load.shared_ids import _Finder

    find = _Finder(["a", "b"])
    assert find([]).tolist() == [] and find(["b", "ghost", "a"]).tolist() == [1, -1, 0]
    assert find._place is None
