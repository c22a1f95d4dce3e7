"""Issue 17, time: a compact load of Parquet tables sorts the entities' ids on the second core while it reads the
tables after them (`load/order_ahead.py`), a load of YAML files once every file is in, beside the holdings'
references; and the bulk path takes that order instead of sorting again. The order
must be the one `id_order` gives the very list the analysis reads, the screen the same, and no thread left behind
for the fork that follows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import shutil
import threading
import time
from pathlib import Path

import pytest

from feoc.data import id_order as id_order_module
from feoc.data.id_order import SortedIds, id_order
from feoc.law.law import Law
from feoc.load import folder, order_ahead
from feoc.load.folder import load_dataset
from feoc.verdicts.screen import bulk_screen

LAW = Law.load()
DAY = dt.date(2024, 6, 1)


@pytest.fixture
def ahead_from_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small world sorted ahead as a large one is: in the thread, by Arrow (the sort that runs without the GIL)."""
    monkeypatch.setattr(order_ahead, "AHEAD_FROM", 1)
    monkeypatch.setattr(id_order_module, "ARROW_FROM", 0)


@pytest.fixture(scope="module")
def tables(parquet_world_2000: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated world's Parquet tables alone (its supply chain is a YAML file)."""
    out = tmp_path_factory.mktemp("tables")
    for table in parquet_world_2000.glob("*.parquet"):
        shutil.copy(table, out / table.name)
    return out


def _ids(dataset: object) -> list[str]:
    return dataset.column("entities", "id")  # type: ignore[attr-defined, no-any-return]


def test_user_story_a_screen_of_parquet_tables_gets_the_id_order_sorted_during_the_load(tables,
                                                                                       ahead_from_one):
    """An analyst screens a folder of Parquet tables: the load hands over the order of the entities' very id list,
    equal to the order sorted afterwards, and has joined its thread (a later fork finds one thread)."""
    dataset = load_dataset(tables, LAW, compact=True, sort_ids=True)
    assert threading.active_count() == 1
    ids = _ids(dataset)
    assert dataset.sorted_ids is not None and dataset.sorted_ids.ids is ids
    ahead = dataset.sorted_ids.of(ids)
    assert ahead is not None and ahead.tolist() == id_order(ids).tolist()
    assert ahead.tolist() == sorted(range(len(ids)), key=ids.__getitem__)


def test_the_bulk_path_takes_the_order_sorted_ahead_and_screens_the_same(tables, ahead_from_one,
                                                                          monkeypatch):
    """The bulk path sorts nothing when the order came with the dataset, and its table is the one it makes when it
    sorts the ids itself."""
    sorted_by_itself = bulk_screen(load_dataset(tables, LAW, compact=True, sort_ids=True), DAY, LAW)
    dataset = load_dataset(tables, LAW, compact=True, sort_ids=True)

    def no_sort(ids: object) -> None:
        raise AssertionError("the ids were sorted again")
    monkeypatch.setattr("feoc.determine.bulk.id_order", no_sort)
    assert bulk_screen(dataset, DAY, LAW) == sorted_by_itself


def test_the_sort_begins_once_the_entities_are_in_and_is_over_before_the_load_returns(tables, ahead_from_one,
                                                                                     monkeypatch):
    """The head start is real: the sort begins right after the entities table, before the holdings table is read;
    and however long it takes, the load waits for it and leaves no thread behind for the fork that follows."""
    taken: list[str] = []
    began: list[list[str]] = []
    record = order_ahead.OrderAhead.taken

    def taking(self: order_ahead.OrderAhead, name: str, parts: object) -> None:
        taken.append(Path(name).name)
        record(self, name, parts)  # type: ignore[arg-type]

    def slow_sort(ids: list[str]) -> object:
        began.append(list(taken))
        time.sleep(0.5)  # longer than the rest of the load of this small world
        return id_order(ids)
    monkeypatch.setattr(order_ahead.OrderAhead, "taken", taking)
    monkeypatch.setattr(order_ahead, "id_order", slow_sort)
    dataset = load_dataset(tables, LAW, compact=True, sort_ids=True)
    assert threading.active_count() == 1
    assert len(began) == 1 and "entities.parquet" in began[0][-1:] and "holdings.parquet" not in began[0]
    assert dataset.sorted_ids is not None and dataset.sorted_ids.of(_ids(dataset)) is not None


def test_a_sort_that_fails_leaves_the_order_to_the_bulk_path(tables, ahead_from_one, monkeypatch):
    """The sort ahead is only a head start: when it fails, the load does not, and the bulk path sorts."""
    def failing(ids: object) -> None:
        raise MemoryError("no room for the sort")
    monkeypatch.setattr(order_ahead, "id_order", failing)
    dataset = load_dataset(tables, LAW, compact=True, sort_ids=True)
    assert dataset.sorted_ids is None and threading.active_count() == 1
    assert bulk_screen(dataset, DAY, LAW) == bulk_screen(load_dataset(tables, LAW), DAY, LAW)


def test_an_order_sorted_for_other_ids_is_not_taken_by_the_bulk_path(tables, ahead_from_one):
    """A dataset whose entity ids are another list than the one sorted (equal texts, another object: entities
    replaced since) is judged in the order of its own ids, even if the order it carries is wrong for them."""
    dataset = load_dataset(tables, LAW, compact=True, sort_ids=True)
    right = bulk_screen(dataset, DAY, LAW)
    ids = _ids(dataset)
    wrong = SortedIds(list(ids), id_order(ids)[::-1].copy())
    assert bulk_screen(dataclasses.replace(dataset, sorted_ids=wrong), DAY, LAW) == right


def test_an_order_is_taken_only_for_the_very_list_it_was_sorted_from():
    """A dataset whose entities were replaced since (an equal list, another object) sorts them itself."""
    ids = ["b", "a", "c"]
    held = SortedIds(ids, id_order(ids))
    assert held.of(ids) is held.order
    assert held.of(list(ids)) is None


def test_a_full_load_is_not_sorted_ahead(tables, ahead_from_one):
    """A load that keeps models (not compact: `check`, `report`) is not for the bulk path: nothing sorted."""
    assert load_dataset(tables, LAW).sorted_ids is None


def test_user_story_a_screen_of_yaml_files_gets_the_id_order_sorted_beside_the_end_of_the_load(yaml_world_2000,
                                                                                              ahead_from_one,
                                                                                              monkeypatch):
    """An analyst screens a folder of YAML files, read by two worker processes: any file may hold entities, so the
    sort begins once every file is read and the workers are gone, beside the rest of the load (the holdings'
    references), and is over before the load returns. The bulk path sorts nothing again and screens the same."""
    assert len(list(yaml_world_2000.glob("*.yaml"))) > 1
    sorted_by_itself = bulk_screen(load_dataset(yaml_world_2000, LAW, compact=True, workers=2, sort_ids=True), DAY, LAW)
    began: list[tuple[int, bool]] = []

    def watched(ids: list[str]) -> object:
        began.append((len(multiprocessing.active_children()), shared_yet[0]))
        return id_order(ids)
    shared_yet = [False]
    share = folder.share_entity_ids

    def sharing(kept: object) -> None:
        time.sleep(0.2)  # the sort's thread has begun by now
        shared_yet[0] = True
        share(kept)  # type: ignore[arg-type]
    monkeypatch.setattr(order_ahead, "id_order", watched)
    monkeypatch.setattr(folder, "share_entity_ids", sharing)
    dataset = load_dataset(yaml_world_2000, LAW, compact=True, workers=2, sort_ids=True)
    assert began == [(0, False)]  # no worker left; begun before the references were shared
    assert threading.active_count() == 1
    ids = _ids(dataset)
    assert dataset.sorted_ids is not None and dataset.sorted_ids.of(ids) is not None
    assert dataset.sorted_ids.order.tolist() == sorted(range(len(ids)), key=ids.__getitem__)

    def no_sort(ids: object) -> None:
        raise AssertionError("the ids were sorted again")
    monkeypatch.setattr("feoc.determine.bulk.id_order", no_sort)
    assert bulk_screen(dataset, DAY, LAW) == sorted_by_itself


def test_mixed_folders_and_entities_in_parts_are_sorted_once_every_file_is_in(tables, tmp_path, ahead_from_one):
    """Entities in a YAML file beside the tables, or in two tables: the ids are sorted once joined, and each screen
    is still judged in id order."""
    mixed = tmp_path / "mixed"
    shutil.copytree(tables, mixed)
    (mixed / "more.yaml").write_text("entities:\n  - id: zz-late\n    name: Late Co\n    type: company\n"
                                     "    country: US\n", encoding="utf-8")
    parts = tmp_path / "parts"
    shutil.copytree(tables, parts)
    _split_entities(parts / "entities.parquet")
    for folder_ in (mixed, parts):
        dataset = load_dataset(folder_, LAW, compact=True, sort_ids=True)
        ids = _ids(dataset)
        assert dataset.sorted_ids is not None and dataset.sorted_ids.of(ids) is not None
        assert dataset.sorted_ids.order.tolist() == id_order(ids).tolist()
        assert threading.active_count() == 1
    assert bulk_screen(load_dataset(parts, LAW, compact=True, sort_ids=True), DAY, LAW) == \
        bulk_screen(load_dataset(tables, LAW, compact=True, sort_ids=True), DAY, LAW)


@pytest.mark.parametrize("step", ["share_entity_ids", "battery_materials", "Rows"])
def test_a_load_that_fails_after_the_sort_began_leaves_no_thread(yaml_world_2000, ahead_from_one, monkeypatch, step):
    """A step after the sort began raises (out of memory, say): the references found, the battery materials read, a
    kind's rows made. The sort is over before the error goes on, so the caller may fork."""
    sorting: list[str] = []

    def slow_sort(ids: list[str]) -> object:
        sorting.append("began")
        time.sleep(0.3)
        sorting.append("ended")
        return id_order(ids)

    def failing(*args: object, **kwargs: object) -> None:
        raise MemoryError(f"no room in {step}")
    monkeypatch.setattr(order_ahead, "id_order", slow_sort)
    monkeypatch.setattr(folder, step, failing)
    with pytest.raises(MemoryError):
        load_dataset(yaml_world_2000, LAW, compact=True, sort_ids=True)
    assert sorting == ["began", "ended"]
    assert threading.active_count() == 1


def test_a_compact_load_that_does_not_ask_sorts_nothing(tables, yaml_world_2000, ahead_from_one, monkeypatch):
    """`feoc convert` loads compact but never reads the order: nothing is sorted for it, tables or YAML."""
    sorted_for: list[int] = []

    def counted(ids: list[str]) -> object:  # a failing sort would only be dropped: count the calls instead
        sorted_for.append(len(ids))
        return id_order(ids)
    monkeypatch.setattr(order_ahead, "id_order", counted)
    for data in (tables, yaml_world_2000):
        assert load_dataset(data, LAW, compact=True).sorted_ids is None
    assert sorted_for == []
    assert load_dataset(tables, LAW, compact=True, sort_ids=True).sorted_ids is not None and len(sorted_for) == 1


def test_user_story_feoc_screen_asks_for_the_order(yaml_world_2000, ahead_from_one, monkeypatch):
    """`feoc screen` (the bulk path) asks the load for the order, so its analysis sorts nothing again."""
    from typer.testing import CliRunner

    from feoc.cli import app

    def no_sort(ids: object) -> None:
        raise AssertionError("the ids were sorted again")
    monkeypatch.setattr("feoc.determine.bulk.id_order", no_sort)
    result = CliRunner().invoke(app, ["screen", "--data", str(yaml_world_2000), "--on", str(DAY)])
    assert result.exit_code in (0, 1, 4, 5), result.output
    assert "sorted again" not in result.output and result.output.startswith("entity,")


def test_below_the_size_that_pays_nothing_is_sorted_ahead(tables, yaml_world_2000):
    assert len(_ids(load_dataset(tables, LAW, compact=True, sort_ids=True))) < order_ahead.AHEAD_FROM
    for data in (tables, yaml_world_2000):
        assert load_dataset(data, LAW, compact=True, sort_ids=True).sorted_ids is None


def _split_entities(path: Path) -> None:
    """The entities table as two parts (`entities.parquet`, `entities.part-2.parquet`)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), path)
    pq.write_table(table.slice(half), path.with_name("entities.part-2.parquet"))
