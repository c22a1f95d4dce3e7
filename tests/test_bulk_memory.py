"""Issue 17, memory: the bulk path of `feoc screen` holds entities and holdings as columns (no record object per
row, shares as float64 arrays, a field no record writes as one value), keeps a round's interests packed and writes
its CSV a block of rows at a time — and every answer is the one the records gave. The figures are in
bench/README.md ("Issue 17: memory"); no test here times or weighs anything.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feoc.data.columns import Repeat, Shares
from feoc.law.law import Law
from feoc.load.columns import ColumnBuilder, Rows
from feoc.load.folder import load_dataset
from feoc.ownership.arrays import pack, unpack
from feoc.render import csvfast
from feoc.verdicts.screen import Floats, screen

ROOT = Path(__file__).resolve().parents[1]
LAW = Law.load()
DAY = __import__("datetime").date(2024, 6, 1)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory) -> tuple[Path, Path]:
    """bench/gen_world.py's 2,000-entity world as YAML, and the same world written straight to Parquet
    (`--parquet`, the way a 10M-entity world is written for the benchmark)."""
    base = tmp_path_factory.mktemp("worlds")
    for name, extra in (("yaml", []), ("parquet", ["--parquet"])):
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "2000", "--out",
                        str(base / name), *extra], check=True, capture_output=True, timeout=300)
    return base / "yaml", base / "parquet"


def test_user_story_a_compact_load_keeps_columns_not_records(worlds):
    """A screen's load of a Parquet world: entities and holdings are columns; the shares one float64 array each;
    a field no record writes (`note`) one repeated value; the records are made on access and equal the validated
    models field by field."""
    _, tables = worlds
    compact = load_dataset(tables, LAW, compact=True)
    models = load_dataset(tables, LAW)
    assert isinstance(compact.entities, Rows) and isinstance(compact.holdings, Rows)
    assert isinstance(compact.columns["holdings"]["equity"], Shares)
    assert isinstance(compact.columns["entities"]["note"], Repeat)
    for kind in ("entities", "holdings"):
        assert len(getattr(compact, kind)) == len(getattr(models, kind)) > 1000
        for m, r in zip(getattr(models, kind), getattr(compact, kind)):
            assert {f: getattr(m, f) for f in type(m).model_fields} == r._asdict()
    some = models.entities[1234].id
    assert compact.entity(some)._asdict() == dict(models.entity(some)) and compact.has_entity(some)
    assert not compact.has_entity("no-such-entity")


def test_user_story_the_screen_of_columns_is_the_screen_of_records(worlds):
    """The same 2,000-entity world screened from the compact columns and from the pydantic records: the same table
    (every reading judged, the doubt pass and its worst case included)."""
    _, tables = worlds
    compact = screen(load_dataset(tables, LAW, compact=True), DAY, LAW)
    records = screen(load_dataset(tables, LAW), DAY, LAW)
    assert compact.feoc_count() > 100 and compact == records


def test_user_story_a_world_written_straight_to_parquet_is_the_yaml_world(worlds):
    """bench/gen_world.py --parquet writes the world its YAML output holds: `feoc screen` gives the same bytes."""
    yaml_world, tables = worlds
    out = []
    for data in worlds:
        done = subprocess.run([sys.executable, "-m", "feoc", "screen", "--data", str(data), "--on", str(DAY)],
                              capture_output=True, timeout=600, check=False,
                              env={**__import__("os").environ, "PYTHONPATH": str(ROOT / "src")})
        assert done.returncode == 0, done.stderr.decode()
        out.append(done.stdout)
    assert out[0] == out[1] and out[0].count(b"\n") == 2001
    assert sorted(p.name for p in tables.iterdir()) == ["entities.parquet", "holdings.parquet", "world-supply.yaml"]
    assert yaml_world != tables


@given(st.lists(st.one_of(st.none(), st.floats(0, 1)), max_size=40))
def test_a_shares_column_reads_as_the_list_it_stands_for(values):
    column = Shares(np.array([np.nan if v is None else v for v in values], dtype=np.float64))
    assert list(column) == values and column == values and len(column) == len(values)
    assert [column[i] for i in range(len(values))] == values and column[1:3] == values[1:3]
    assert np.array_equal(np.asarray(column, dtype=np.float64), np.array(values, dtype=np.float64), equal_nan=True)


def test_a_repeated_column_reads_as_the_list_it_stands_for():
    column = Repeat(None, 5)
    assert list(column) == [None] * 5 and column == [None] * 5 and column[-1] is None and column[1:3] == [None] * 2
    assert np.isnan(np.asarray(column, dtype=np.float64)).all() and column.count(None) == 5
    with pytest.raises(IndexError):
        column[5]


def test_columns_gathered_across_files_keep_their_order_and_values():
    """Two files' parts of one field: repeated values stay one value, anything else one list in file order."""
    same, mixed, shares = ColumnBuilder(), ColumnBuilder(), ColumnBuilder()
    for part in ([None, None], [None]):
        same.add(part)
    mixed.add([None, None])
    mixed.add(["x"])
    shares.add(Shares(np.array([0.5, np.nan])))
    shares.add(Shares(np.array([0.25])))
    assert isinstance(same.column(), Repeat) and same.column() == [None] * 3
    assert mixed.column() == [None, None, "x"]
    assert isinstance(shares.column(), Shares) and shares.column() == [0.5, None, 0.25]
    bools = ColumnBuilder()
    bools.add([0.0, -0.0])  # equal, not the same: a float column never becomes one repeated value
    assert not isinstance(bools.column(), Repeat)


@settings(max_examples=60)
@given(st.lists(st.one_of(st.just(0.0), st.floats(0, 1)), max_size=60))
def test_packed_interests_unpack_to_the_same_array_bit_for_bit(values):
    x = np.array(values, dtype=np.float64)
    back = unpack(pack(x))
    assert back.tobytes() == x.tobytes()


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])  # the same patch each time
@given(st.lists(st.tuples(st.text(max_size=6), st.floats(0, 1), st.booleans()), min_size=1, max_size=30))
def test_the_csv_written_a_block_at_a_time_is_what_csv_writer_writes(monkeypatch, rows):
    """Blocks of 4 rows (a million-row screen joins 65,536 at a time): the very bytes of `csv.writer`; a column of
    interests held as an array (`Floats`) writes as the list of its floats."""
    monkeypatch.setattr(csvfast, "_BLOCK", 4)
    texts, floats, flags = (list(c) for c in zip(*rows))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["t", "f", "b"])
    writer.writerows(zip(texts, floats, flags))
    assert csvfast.csv_text(["t", "f", "b"], [texts, Floats(np.array(floats)), flags]) == buf.getvalue()
