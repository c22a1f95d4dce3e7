"""A table or file that could not be read reports its own problem only, not a cascade of dangling references.

User story: a data engineer exports `entities.parquet` with one column of the wrong type (`us_person` as int8)
or ships a truncated copy. `feoc validate` must name that one table and its fix — not add a hundred lines saying
`manufacturer: nissan` names no entity and to "define an entity with id `nissan`", which is defined, in the
table that was refused. A reference that names nothing in a dataset whose files all read is still reported.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.problems import InputError, Problem
from feoc.law.law import Law
from feoc.load.export import dataset_files
from feoc.load.folder import load_dataset

LAW = Law.load()
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
TABLES = dataset_files(load_dataset(SEEDS, LAW), "parquet")  # the seeds as `feoc convert --to parquet` writes them
runner = CliRunner()


def problems_of(folder: Path, **kw: object) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_dataset(folder, LAW, **kw)  # type: ignore[arg-type]
    return info.value.problems


def tables(folder: Path) -> Path:
    folder.mkdir()
    for name, data in TABLES.items():
        (folder / name).write_bytes(data)
    return folder


def wrong_type(path: Path) -> str:
    """The `id` column written as numbers: a schema problem naming the column."""
    table = pq.read_table(path)
    i = table.schema.get_field_index("id")
    pq.write_table(table.set_column(i, "id", pa.array(range(table.num_rows), pa.int64())), path)
    return "column id: is of type int64"


def cut_off(path: Path) -> str:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return "not a readable Parquet file"


def unknown_column(path: Path) -> str:
    table = pq.read_table(path)
    pq.write_table(table.append_column("colour", pa.array(["red"] * table.num_rows)), path)
    return "column colour: unknown column"


@pytest.mark.parametrize("compact", [False, True], ids=["models", "compact"])
@pytest.mark.parametrize("damage", [wrong_type, cut_off, unknown_column])
@pytest.mark.parametrize("kind", ["entities", "facilities", "batteries"])
def test_a_refused_table_is_the_one_problem_with_no_dangling_references_into_its_kind(tmp_path, kind, damage,
                                                                                       compact):
    folder = tables(tmp_path / "data")
    said = damage(folder / f"{kind}.parquet")
    found = problems_of(folder, compact=compact, workers=2 if compact else 1)
    assert [(Path(p.file).name, said in p.message) for p in found] == [(f"{kind}.parquet", True)], found


def test_user_story_us_person_as_int8_is_one_problem_and_exit_2(tmp_path):
    """The reported case: `us_person` written as int8 in the seeds' entities table, through `feoc validate`."""
    folder = tables(tmp_path / "data")
    table = pq.read_table(folder / "entities.parquet")
    i = table.schema.get_field_index("us_person")
    flags = pa.array([None if x is None else int(x) for x in table.column(i).to_pylist()], pa.int8())
    pq.write_table(table.set_column(i, "us_person", flags), folder / "entities.parquet")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2, result.output
    assert "column us_person: is of type int8" in result.output
    assert "names no" not in result.output and "1 problem(s)" in result.output


def test_a_dangling_reference_is_still_reported_when_every_table_reads(tmp_path):
    folder = tables(tmp_path / "data")
    table = pq.read_table(folder / "vehicles.parquet")
    i = table.schema.get_field_index("manufacturer")
    ghosts = ["ghost-maker"] + table.column(i).to_pylist()[1:]
    pq.write_table(table.set_column(i, "manufacturer", pa.array(ghosts, pa.string())), folder / "vehicles.parquet")
    [problem] = problems_of(folder)
    assert problem.message == "row 1, column manufacturer: `manufacturer: ghost-maker` names no entity in this dataset"


def test_only_the_unread_kind_is_spared_a_dangling_entity_is_reported_beside_a_refused_facilities_table(tmp_path):
    folder = tables(tmp_path / "data")
    cut_off(folder / "facilities.parquet")
    table = pq.read_table(folder / "holdings.parquet")
    i = table.schema.get_field_index("holder")
    ghosts = ["ghost-holder"] + table.column(i).to_pylist()[1:]
    pq.write_table(table.set_column(i, "holder", pa.array(ghosts, pa.string())), folder / "holdings.parquet")
    table_problem, dangling = sorted(problems_of(folder), key=lambda p: p.file)
    assert table_problem.file.endswith("facilities.parquet") and "not a readable Parquet file" in table_problem.message
    assert dangling.message == "row 1, column holder: `holder: ghost-holder` names no entity in this dataset"


def test_an_attestation_about_an_entity_of_a_refused_table_is_not_called_dangling(tmp_path):
    folder = tables(tmp_path / "data")
    attestation = {"id": "att-1", "by": "aesc", "about": {"entity": "aesc"}, "claim": "no_feoc",
                   "signed": "2025-01-01", "document": "aesc-attestation.pdf"}
    (folder / "attestations.yaml").write_text(yaml.safe_dump({"attestations": [attestation]}), encoding="utf-8")
    assert load_dataset(folder, LAW).attestations  # it reads while the entities do
    cut_off(folder / "entities.parquet")
    assert [Path(p.file).name for p in problems_of(folder)] == ["entities.parquet"]


def _entities_as(text: str, replacement: str) -> str:
    """automakers.yaml with its `entities:` list (the lines up to `holdings:`) replaced."""
    return text[:text.index("entities:")] + replacement + text[text.index("\nholdings:"):]


@pytest.mark.parametrize("broken", [
    lambda text: text + "entities: [\n",  # a YAML syntax error: nothing of the file is read
    lambda text: "- a list\n",  # not a mapping of record lists: nothing of the file is read
    lambda text: _entities_as(text, "entities: 5"),  # its entities not a list: its holdings and plants still read
], ids=["unparsable", "not-a-mapping", "entities-not-a-list"])
def test_a_yaml_file_that_cannot_be_read_is_the_one_problem(tmp_path, broken):
    """YAML alike: the seeds' automakers.yaml (Nissan, Ford, their plants) unreadable: its problem only."""
    folder = tmp_path / "data"
    shutil.copytree(SEEDS, folder)
    path = folder / "automakers.yaml"
    path.write_text(broken(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert [Path(p.file).name for p in problems_of(folder)] == ["automakers.yaml"]
