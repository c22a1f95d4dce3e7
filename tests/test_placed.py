"""Issue 17, time: a YAML file's references to its own entities are found by the worker that scans it
(`load/placed.py`); the load looks up only the others. The dataset must be the one the parser's read gives:
the same references, pointing at the same entities, the same problems for a reference to no entity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from feoc.data.columns import ArrowTexts, Refs
from feoc.data.model import KINDS
from feoc.data.problems import InputError
from feoc.law.law import Law
from feoc.load import yaml_scan
from feoc.load.folder import load_dataset
from feoc.load.placed import PlacedTexts, joined, placed, positions

LAW = Law.load()


def _file(path: Path, entities: list[str], holdings: list[tuple[str, str]]) -> None:
    lines = ["entities:"] + [f"  - id: {e}\n    name: {e.title()} Co\n    type: company\n    country: US"
                             for e in entities]
    lines += ["holdings:"] + [f"  - holder: {h}\n    entity: {e}\n    equity: 0.3" for h, e in holdings]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _two_files(folder: Path, dangling: bool = False) -> Path:
    """a.yaml's stakes name its own entities and b.yaml's; b.yaml's the reverse."""
    folder.mkdir()
    _file(folder / "a.yaml", ["acme", "apex"], [("acme", "apex"), ("beta", "acme"), ("apex", "bolt")]
          + ([("ghost", "apex")] if dangling else []))
    _file(folder / "b.yaml", ["beta", "bolt"], [("beta", "bolt"), ("acme", "bolt"), ("bolt", "apex")])
    return folder


def _load(folder: Path, monkeypatch: pytest.MonkeyPatch, scan: str, workers: int) -> object:
    monkeypatch.setenv(yaml_scan.SWITCH, scan)
    try:
        return load_dataset(folder, LAW, compact=True, workers=workers)
    except InputError as exc:
        return [str(problem) for problem in exc.problems]


@pytest.mark.skipif(not yaml_scan.enabled(), reason="numba is not installed: no scan")
@pytest.mark.parametrize("workers", [1, 2])
def test_user_story_stakes_across_two_files_name_the_same_entities_as_the_parsers_read(tmp_path, monkeypatch,
                                                                                       workers):
    """An analyst keeps one file per group; stakes name entities of their own file and of the other. Found in
    the worker or in the load, each names the entity the parser's read names."""
    folder = _two_files(tmp_path / "w")
    read = yaml_scan.read(folder / "a.yaml")
    assert read is not None
    fields = dict(zip(KINDS["holdings"].model_fields, read[1][1]))
    assert isinstance(fields["holder"], PlacedTexts) and isinstance(fields["entity"], PlacedTexts)
    assert fields["holder"].places.tolist() == [0, -1, 1]  # acme, beta (b.yaml's), apex
    fast = _load(folder, monkeypatch, "1", workers)
    slow = _load(folder, monkeypatch, "0", workers)
    assert not isinstance(fast, list) and not isinstance(slow, list)
    assert list(fast.holdings) == list(slow.holdings)  # type: ignore[attr-defined]
    for name in ("holder", "entity"):
        refs = fast.columns["holdings"][name]  # type: ignore[attr-defined]
        assert isinstance(refs, Refs)
        ids = list(fast.columns["entities"]["id"])  # type: ignore[attr-defined]
        assert [ids[i] for i in refs.codes.tolist()] == [getattr(h, name) for h in slow.holdings]  # type: ignore[attr-defined]


@pytest.mark.skipif(not yaml_scan.enabled(), reason="numba is not installed: no scan")
def test_user_story_a_stake_naming_no_entity_is_the_same_problem_either_way(tmp_path, monkeypatch):
    folder = _two_files(tmp_path / "w", dangling=True)
    fast = _load(folder, monkeypatch, "1", 2)
    assert isinstance(fast, list) and any("ghost" in problem for problem in fast)
    assert fast == _load(folder, monkeypatch, "0", 2)


def test_places_joined_across_files_count_from_where_each_files_entities_start():
    first = PlacedTexts([pa.array(["a", "x"])], np.array([0, -1], dtype=np.int32), base=0)
    second = PlacedTexts([pa.array(["c", "b"])], np.array([1, 0], dtype=np.int32), base=2)
    both = joined([first, second])
    assert both.places.tolist() == [0, -1, 3, 2] and list(both) == ["a", "x", "c", "b"]


def test_only_the_references_not_placed_are_looked_up_and_in_one_call():
    asked: list[list[str]] = []

    def find(values: ArrowTexts) -> np.ndarray:
        asked.append(list(values))
        return np.array([{"x": 7, "y": -1}[v] for v in values], dtype=np.int64)
    holder = PlacedTexts([pa.array(["a", "x"])], np.array([0, -1]))
    entity = PlacedTexts([pa.array(["y", "b"])], np.array([-1, 1]))
    assert [p.tolist() for p in positions([holder, entity], find)] == [[0, 7], [-1, 1]]
    assert asked == [["x", "y"]]


def test_a_reference_is_placed_only_where_the_id_is_the_very_text():
    ids = pa.array(["acme", "apex", "Acme"])
    got = placed(ArrowTexts([pa.array(["Acme", "acme", "apexx", "apex"])]), ids)
    assert got.places.tolist() == [2, 0, -1, 1]


@pytest.mark.skipif(not yaml_scan.enabled(), reason="numba is not installed: no scan")
@pytest.mark.parametrize("workers", [1, 2])
def test_user_story_the_one_file_with_stakes_comes_after_a_file_of_entities_only(tmp_path, monkeypatch, workers):
    """Review of session 24: entities in a.yaml, stakes only in b.yaml (with its own entities). The one holdings
    part was kept as it came, its places counted from b.yaml's first entity, not from all the load's: every stake
    named a.yaml's entities instead. They must name b.yaml's, as the parser's read does."""
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "a.yaml").write_text("entities:\n" + "".join(f"  - id: {e}\n    name: {e.title()} Co\n    type: company\n"
                                                          for e in ("acme", "apex")), encoding="utf-8")
    _file(folder / "b.yaml", ["beta", "bolt"], [("beta", "bolt"), ("bolt", "acme")])
    fast = _load(folder, monkeypatch, "1", workers)
    slow = _load(folder, monkeypatch, "0", workers)
    assert not isinstance(fast, list) and not isinstance(slow, list)
    assert [(h.holder, h.entity) for h in fast.holdings] == [("beta", "bolt"), ("bolt", "acme")]  # type: ignore[attr-defined]
    assert list(fast.holdings) == list(slow.holdings)  # type: ignore[attr-defined]


def test_a_lone_placed_column_is_counted_from_where_its_files_entities_start():
    lone = PlacedTexts([pa.array(["b", "x"])], np.array([0, -1], dtype=np.int32), base=2)
    assert positions([lone], lambda values: np.full(len(values), 9, dtype=np.int64))[0].tolist() == [2, 9]


@pytest.mark.skipif(not yaml_scan.enabled(), reason="numba is not installed: no scan")
def test_user_story_entities_from_a_parquet_table_and_stakes_from_a_scanned_yaml_file(tmp_path, monkeypatch):
    """Review of session 24: a Parquet table of entities, then (in the folder's order) a YAML file of more entities
    and their stakes; the stakes found in the YAML file's worker name that file's entities, after the table's."""
    import pyarrow.parquet as pq

    folder = tmp_path / "w"
    folder.mkdir()
    pq.write_table(pa.table({"id": ["acme", "apex"], "name": ["Acme Co", "Apex Co"], "type": ["company"] * 2}),
                   folder / "entities.parquet")
    _file(folder / "z.yaml", ["beta", "bolt"], [("beta", "bolt"), ("bolt", "acme")])
    fast = _load(folder, monkeypatch, "1", 2)
    slow = _load(folder, monkeypatch, "0", 2)
    assert not isinstance(fast, list) and not isinstance(slow, list)
    assert [(h.holder, h.entity) for h in fast.holdings] == [("beta", "bolt"), ("bolt", "acme")]  # type: ignore[attr-defined]
    assert list(fast.holdings) == list(slow.holdings)  # type: ignore[attr-defined]
