"""Issue 17, memory: a compact load's holdings name their entities with the entities' own id strings, one object
per id, whether the world is read from Parquet tables or YAML files (`load/shared_ids.py`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.load.shared_ids import share_entity_ids

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def yaml_world_2000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world") / "yaml"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "2000", "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    return out


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
