"""Issue 17, time: in a folder of Parquet tables, `feoc screen` reads the entities table in its own process while a
worker process reads the others (`load/folder._apart`: the holdings' references come back as Arrow buffers). A user
gets the very dataset, and the very problems in the same order, as from a load in one process."""

from __future__ import annotations

from pathlib import Path

import pytest

from feoc.data.model import KINDS
from feoc.law.law import Law
from feoc.load import folder
from feoc.load.folder import load_dataset
from test_parquet_input import EXPRESSIBLE, _corpus_as_tables, problems_of

LAW = Law.load()
CORPUS = Path(__file__).parent / "bad_inputs"


@pytest.fixture
def every_table_large(monkeypatch):
    """Every table counts as large: the small test folders take the two-process read."""
    monkeypatch.setattr(folder, "LARGE_TABLE", 0)


def _columns(dataset) -> dict:
    return {kind: {f: list(dataset.column(kind, f)) for f in KINDS[kind].model_fields}
            for kind in ("entities", "holdings")}


def test_which_files_a_worker_reads(tmp_path, every_table_large):
    """An entities table and one YAML file at most: one worker reads the rest; two YAML files or more: each in a
    worker; one core or no entities table: everything here."""
    tables = [tmp_path / name for name in ("agreements.parquet", "entities.parquet", "holdings.parquet")]
    for path in tables:
        path.write_bytes(b"x")
    assert folder._apart(tables, 2) == (tables[::2], 1)
    assert folder._apart(tables, 1) == ([], 1)
    assert folder._apart([tables[0], tables[2]], 2) == ([], 1)
    texts = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    assert folder._apart([*texts, *tables], 2) == (texts, 2)
    assert folder._apart([texts[0], *tables], 2) == ([texts[0], tables[0], tables[2]], 1)


def test_a_generated_world_loads_the_same_with_a_worker_reading_its_holdings(parquet_world_2000, every_table_large,
                                                                            monkeypatch):
    """A 2,000-entity world as tables: the same records, column for column, with or without the worker."""
    from feoc.load import workers

    handed: list[list[str]] = []
    real = workers.ordered_map

    def spy(work, tasks, *args, **kwargs):
        handed.append([path.name for path, _ in tasks])
        return real(work, tasks, *args, **kwargs)
    monkeypatch.setattr(workers, "ordered_map", spy)
    alone = load_dataset(parquet_world_2000, LAW, compact=True, workers=1)
    apart = load_dataset(parquet_world_2000, LAW, compact=True, workers=2)
    assert len(handed) == 1 and "holdings.parquet" in handed[0] and "entities.parquet" not in handed[0]
    assert _columns(apart) == _columns(alone)
    assert apart.listings == alone.listings and apart.agreements == alone.agreements
    assert apart.origins == alone.origins


@pytest.mark.parametrize("case", EXPRESSIBLE)
def test_hostile_tables_read_apart_report_the_same_problems(case, tmp_path, every_table_large):
    """Every hostile dataset of tests/bad_inputs written as tables: the same problems, in the same order."""
    assert _corpus_as_tables(CORPUS / case, tmp_path)
    if case.startswith("valid-"):
        assert _columns(load_dataset(tmp_path, LAW, compact=True, workers=2)) == \
            _columns(load_dataset(tmp_path, LAW, compact=True, workers=1))
        return
    alone = [str(p) for p in problems_of(tmp_path, compact=True, workers=1)]
    assert [str(p) for p in problems_of(tmp_path, compact=True, workers=2)] == alone
