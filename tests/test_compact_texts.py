"""Issue 17, memory: a compact load keeps an entity's name as one UTF-8 buffer (`data.columns.Texts`) and a field
most records leave empty (`aliases`, `sources`) as its few other values (`data.columns.Sparse`); both read as the
lists they stand for, and the screen's CSV writes the names from the buffer byte for byte as `csv.writer` does."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feoc.data.columns import Repeat, Sparse, Texts
from feoc.law.law import Law
from feoc.load.columns import ColumnBuilder, constant
from feoc.load.folder import load_dataset
from feoc.render.csvfast import csv_text
from feoc.render.sanitize import csv_column
from feoc.verdicts.screen_columns import Picked

LAW = Law.load(Path(__file__).resolve().parents[1] / "rules")
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=12)  # lone surrogates, NUL and line breaks too


@given(st.lists(ANY_TEXT, max_size=30))
def test_names_held_as_one_buffer_read_back_as_they_were(values):
    """Any names, a lone surrogate (a JSON `\\ud800`) included, read back equal, by index, slice and join."""
    texts = Texts.of(values)
    assert list(texts) == values and texts == values and len(texts) == len(values)
    assert [texts[i] for i in range(-len(values), len(values))] == values + values
    assert texts[1:-1] == values[1:-1] and texts[::2] == values[::2] and texts[::-1] == values[::-1]
    for sep in ("\n", ", "):
        assert texts.joined(sep) == sep.join(values)
    assert list(np.asarray(texts)) == values


def test_a_name_past_the_end_is_an_index_error():
    with pytest.raises(IndexError):
        Texts.of(["a"])[1]


@given(st.lists(st.sampled_from([(), ("x",), ("y", "z")]), max_size=200), st.sampled_from([(), None]))
def test_a_mostly_empty_field_reads_as_its_list(values, empty):
    """`aliases` of a world where a few entities have any: the positions and values of those, read as the list."""
    values = [empty if v == () else v for v in values]
    others = [i for i, v in enumerate(values) if v is not empty]
    column = Sparse(empty, len(values), np.array(others, dtype=np.int64), [values[i] for i in others])
    assert list(column) == values and column == values
    assert [column[i] for i in range(-len(values), len(values))] == values + values
    assert column[2:-3] == values[2:-3] and column[::3] == values[::3]
    array = np.asarray(column)  # one element per record, a tuple value too
    assert array.shape == (len(values),) and list(array) == values


def test_a_part_nearly_all_empty_is_kept_sparse_and_joined_with_its_like():
    """A YAML file's `aliases`: Sparse when at most one record in eight lists any; parts joined keep it so."""
    part = [()] * 70 + [("Alias",)] + [()] * 9
    made = constant(part)
    assert isinstance(made, Sparse) and list(made) == part
    assert isinstance(constant([("a",)] * 10), list)  # not empty: as it is
    assert isinstance(constant([()] * 6 + [("a",)] * 4), list)  # too many others to gain anything
    mixed = [0] * 10 + [False]  # 0 is not False: the empty value is told apart by identity
    assert list(constant(mixed)) == mixed and [type(v) for v in constant(mixed)] == [type(v) for v in mixed]
    builder = ColumnBuilder()
    for p in (part, [()] * 5, part):
        builder.add(p)
    joined = builder.column()
    assert isinstance(joined, Sparse) and list(joined) == part + [()] * 5 + part


def test_parts_not_alike_are_one_list():
    builder = ColumnBuilder()
    builder.add([None] * 20)
    builder.add([()] * 19 + [("a",)])
    assert builder.column() == [None] * 20 + [()] * 19 + [("a",)]
    repeat = ColumnBuilder()
    repeat.add([None] * 3)
    assert isinstance(repeat.column(), Repeat)


@pytest.fixture(scope="module")
def loads(parquet_world_2000):
    return load_dataset(parquet_world_2000, LAW, compact=True), load_dataset(parquet_world_2000, LAW)


@pytest.mark.parametrize("field", ["name", "aliases", "sources"])
def test_a_compact_parquet_load_reads_names_aliases_and_sources_as_the_records_do(loads, field):
    """A screen of a Parquet world: 2,000 entities' names are a buffer, their aliases and sources sparse, and each
    reads value for value as the full (pydantic) load gives it."""
    compact, full = loads
    column = compact.column("entities", field)
    assert isinstance(column, Texts if field == "name" else (Sparse, Repeat))
    assert list(column) == [getattr(e, field) for e in full.entities]
    assert [getattr(e, field) for e in compact.entities] == [getattr(e, field) for e in full.entities]


def test_a_compact_yaml_load_holds_names_as_a_buffer(tmp_path):
    """The YAML load too: names of several files as one buffer, read in record order."""
    for k in range(3):
        (tmp_path / f"part-{k}.yaml").write_text("entities:\n" + "".join(
            f"  - {{id: e-{k}-{i}, name: 'Société {k}/{i}', type: company, country: FR}}\n" for i in range(4)))
    compact = load_dataset(tmp_path, LAW, compact=True)
    names = compact.column("entities", "name")
    assert isinstance(names, Texts)
    assert list(names) == [f"Société {k}/{i}" for k in range(3) for i in range(4)]


NAMES = ["Plain Co", "Comma, Inc", 'Quote "Q" Ltd', "=HYPERLINK(1)", "Zürich AG", "two\nlines", "-1+2", "@cmd",
         "tab\there", "", "日本電池"]


PLAIN = ["Zürich AG", "日本電池", "Plain Co", "x"]  # nothing to quote or neutralise: written from the buffer itself


@pytest.mark.parametrize("names", [NAMES, NAMES[:1] * 3, PLAIN, [n for n in NAMES if n.isascii()], ["a\x00b", "c"]])
def test_the_screen_csv_writes_names_from_the_buffer_as_csv_writer_does(names):
    """The names column of `feoc screen` (the names in id order, `Picked`) from a buffer: the same bytes as
    `csv.writer` writes the sanitised names (formula prefixes neutralised, quotes doubled, line breaks quoted)."""
    order = np.arange(len(names))[::-1].copy()
    ids = [f"e{i}" for i in range(len(names))]
    got = csv_text(["entity", "name"], [Picked(order, ids), Picked(order, Texts.of(names))], csv_column)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["entity", "name"])
    writer.writerows(zip(csv_column([ids[i] for i in order]), csv_column([names[i] for i in order])))
    assert got == buf.getvalue()


def test_a_file_that_never_writes_a_field_joins_the_files_that_do():
    """A YAML world where one file never names a `political_figure_of` or a `debt`: the column stays codes (or
    float64 shares) across the files, read as the list it stands for."""
    from feoc.data.columns import Codes, Shares

    coded = ColumnBuilder()
    coded.add(Codes(np.array([0, 1, 0], dtype=np.uint8), ["CN", None]))
    coded.add(Repeat(None, 2))
    coded.add(Codes(np.array([1, 0], dtype=np.uint8), ["RU", "CN"]))
    column = coded.column()
    assert isinstance(column, Codes) and list(column) == ["CN", None, "CN", None, None, "CN", "RU"]
    shares = ColumnBuilder()
    shares.add(Shares(np.array([0.5, np.nan])))
    shares.add(Repeat(None, 2))
    column = shares.column()
    assert isinstance(column, Shares) and list(column) == [0.5, None, None, None]
    assert isinstance(constant(["x", 1.0]), list)


def test_files_of_one_record_each_join_as_a_list_not_codes():
    """A folder of one entity per file: each part one value, the parts different — the ids stay a list (the
    holdings' references are matched against it), joined without a code per distinct id."""
    builder = ColumnBuilder()
    for i in range(5):
        builder.add([f"entity-{i}"])
    column = builder.column()
    assert isinstance(column, list) and column == [f"entity-{i}" for i in range(5)]


def test_a_false_beside_zeros_is_not_read_as_one_value():
    """0 == False in Python, but a column holding both keeps each (never a `Repeat` of False)."""
    for values in ([False, 0, 0], [False, 0.0]):
        made = constant(values)
        assert list(made) == values and [type(v) for v in made] == [type(v) for v in values]


def test_one_long_name_among_many_short_is_written_without_padding_every_row():
    """A million-row screen with one 100 kB name: the names are laid out by the Python path (a padded matrix would
    be rows x 100 kB), with the very bytes csv.writer writes."""
    from feoc.render.csvfast import _table

    names = ["Short Co"] * 2000 + ["L" * 100_000] + ["Other Ltd"] * 2000
    texts = Texts.of(names)
    assert _table(texts.joined("\n"), texts) is None and _table("\n".join(names), names) is None
    order = np.arange(len(names))
    ids = [f"e{i}" for i in range(len(names))]
    got = csv_text(["entity", "name"], [Picked(order, ids), Picked(order, texts)], csv_column)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["entity", "name"], *zip(ids, names)])
    assert got == buf.getvalue()
