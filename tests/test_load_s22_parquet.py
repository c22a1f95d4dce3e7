"""Issue 17, session 22: the Parquet load faster, its answers unchanged. The holdings' `holder` and `entity` are
checked on their bytes (the model's slug pattern, `load/parquet_texts.py`) and stay Arrow text until the entities
they name are found; a true/false column of one value is counted in Arrow. Whatever the bytes test does not
accept goes through the models, which word the problem as before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.columns import ArrowTexts, Refs, Repeat, Texts
from feoc.data.model import KINDS, Slug, Text
from feoc.law.law import Law
from feoc.load.columns import kind_columns, kind_schema
from feoc.load.folder import load_dataset
from feoc.load.parquet_columns import read_columns
from feoc.load.parquet_texts import SLUG_PATTERN, all_slugs, name_field, plain_names, slug_field
from feoc.load.shared_ids import share_entity_ids

SLUG = TypeAdapter(Slug)
runner = CliRunner()


def _model_says_slug(text: str) -> bool:
    try:
        SLUG.validate_python(text)
    except ValidationError:
        return False
    return True


EDGES = ["a", "0", "ab", "a-b", "a--b", "-a", "a-", "-", "", "A", "a_b", "a b", "a\n", "\na", "é", "a" * 120,
         "a" * 121, "a" + "-" * 118 + "b", "a" + "-" * 119 + "b", "catl", "byd-co-ltd", "\x00", "ａ", "a\u0301"]


@pytest.mark.parametrize("text", EDGES)
def test_the_bytes_test_is_the_slug_pattern_on_its_edges(text: str) -> None:
    """An id the models accept is accepted by the bytes test, and only such an id: lengths 1, 120, 121, a hyphen
    at either end, upper case, a newline at the end (Rust's `$` is the very end), non-ASCII look-alikes."""
    for typ in (pa.string(), pa.large_string()):
        assert all_slugs(pa.array([text], type=typ)) is _model_says_slug(text)
        assert all_slugs(pa.array(["x", text, "y"], type=typ).slice(1, 1)) is _model_says_slug(text)  # an offset


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("abz09-A_ é\n"), max_size=130), min_size=1, max_size=6))
def test_the_bytes_test_agrees_with_the_model_on_any_column(texts: list[str]) -> None:
    """A column is accepted exactly when the model accepts every value in it."""
    assert all_slugs(pa.chunked_array([pa.array(texts)])) is all(map(_model_says_slug, texts))


def test_a_column_with_a_null_or_of_another_type_is_never_accepted() -> None:
    assert not all_slugs(pa.array(["a", None]))
    assert not all_slugs(pa.array([b"a"], type=pa.binary()))
    assert all_slugs(pa.array([], type=pa.string()))


def test_the_bytes_test_is_used_only_for_a_field_typed_by_that_very_pattern() -> None:
    """The guard that keeps the model the contract: a field whose type changes is read through pydantic again."""
    assert Slug.__metadata__[0].pattern == SLUG_PATTERN  # type: ignore[attr-defined]
    assert slug_field(KINDS["holdings"], "holder") and slug_field(KINDS["holdings"], "entity")
    assert not slug_field(KINDS["entities"], "name") and not slug_field(KINDS["holdings"], "equity")


def _table(kind: str, rows: list[dict[str, Any]]) -> pa.Table:
    names = [n for n in kind_columns(kind) if any(n in r for r in rows)]
    return pa.Table.from_pylist(rows, schema=pa.schema([kind_schema(kind).field(n) for n in names]))


HOLDINGS = [{"holder": "catl", "entity": "byd", "equity": 0.25, "from": dt.date(2020, 1, 1)},
            {"holder": "byd", "entity": "gotion", "voting": 0.5}]


def test_user_story_references_stay_arrow_text_and_read_as_the_ids() -> None:
    """A bulk read of holdings: `holder` and `entity` are Arrow text, read as the very strings the models give."""
    columns = read_columns("holdings", _table("holdings", HOLDINGS))
    assert columns is not None
    fields = list(KINDS["holdings"].model_fields)
    holder = columns[fields.index("holder")]
    assert isinstance(holder, ArrowTexts) and list(holder) == ["catl", "byd"] and holder[-1] == "byd"
    assert holder[0:2] == ["catl", "byd"] and holder == ["catl", "byd"]


@pytest.mark.parametrize("bad", ["CATL", "catl ", "-catl", "c" * 121, "catl\n"])
def test_hostile_a_reference_the_models_refuse_is_read_record_by_record(bad: str, tmp_path: Path) -> None:
    """A holder the slug pattern refuses: the bulk read gives up and the models name the row and column."""
    assert read_columns("holdings", _table("holdings", [{**HOLDINGS[0], "holder": bad}])) is None
    folder = tmp_path / "data"
    folder.mkdir()
    pq.write_table(_table("entities", [{"id": i, "name": i.upper(), "type": "company"} for i in ("catl", "byd")]),
                   folder / "entities.parquet")
    pq.write_table(_table("holdings", [HOLDINGS[0], {**HOLDINGS[0], "holder": bad, "entity": "catl"}]),
                   folder / "holdings.parquet")
    result = runner.invoke(app, ["screen", "--data", str(folder), "--on", "2024-06-01"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "holdings.parquet: row 2, column holder" in " ".join(result.output.split())


def test_user_story_a_screened_table_names_its_entities_by_position(tmp_path: Path) -> None:
    """After the load the references are the entities' positions (`Refs`), read as the entities' own id objects."""
    folder = tmp_path / "data"
    folder.mkdir()
    pq.write_table(_table("entities", [{"id": i, "name": i.upper(), "type": "company"}
                                       for i in ("catl", "byd", "gotion")]), folder / "entities.parquet")
    pq.write_table(_table("holdings", HOLDINGS), folder / "holdings.parquet")
    data = load_dataset(folder, Law.load(), compact=True)
    ids = data.column("entities", "id")
    for name, want in (("holder", ["catl", "byd"]), ("entity", ["byd", "gotion"])):
        column = data.column("holdings", name)
        assert isinstance(column, Refs) and list(column) == want
        assert all(any(v is i for i in ids) for v in column)


def test_arrow_references_with_nothing_to_find_them_among_become_strings() -> None:
    """No entities in the data: the references are read as their strings, for the checks to report them."""
    kept: dict = {"holdings": {"holder": ArrowTexts([pa.array(["a", "b"])]), "entity": ["c", "d"]}}
    share_entity_ids(kept)
    assert kept["holdings"]["holder"] == ["a", "b"] and type(kept["holdings"]["holder"]) is list
    kept = {"entities": {"id": ["a", "c"]}, "holdings": {"holder": ArrowTexts([pa.array(["a"]), pa.array(["x"])]),
                                                         "entity": ArrowTexts([pa.array(["c", "a"])])}}
    share_entity_ids(kept)
    assert kept["holdings"]["holder"] == ["a", "x"] and kept["holdings"]["holder"][0] is kept["entities"]["id"][0]
    assert isinstance(kept["holdings"]["entity"], Refs) and list(kept["holdings"]["entity"]) == ["c", "a"]


@pytest.mark.parametrize("values,default", [([True, True], False), ([False, None], False), ([False, None], None),
                                            ([True, None], False), ([True, False], False), ([None, True], None)])
def test_a_true_false_column_is_the_list_the_models_give(values: list[bool | None], default: bool | None) -> None:
    """`assumed`/`appoints_officers`/`us_person`: one value throughout is a `Repeat`, else the list; the same
    values either way (a null is the field's default)."""
    from feoc.load.parquet_columns import _bools

    column = pa.chunked_array([pa.array(values, type=pa.bool_())])
    got = _bools(column, default, len(values))
    want = [default if v is None else v for v in values]
    assert list(got) == want and all(a is b for a, b in zip(got, want))
    assert isinstance(got, Repeat) is (len(set(want)) == 1)


TEXT = TypeAdapter(Text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab Z~!\t\n\x1bé\u202e\u00a0"), max_size=12), min_size=1, max_size=6))
def test_names_kept_as_bytes_are_exactly_what_the_model_keeps_unchanged(names: list[str]) -> None:
    """A column of names read as one buffer (`Texts`) only when the model accepts every name as it is (nothing to
    strip, not blank, no control or bidi character), and then as `Texts.of` would make it from the strings."""
    texts = plain_names(pa.chunked_array([pa.array(names)]))
    if texts is None:
        return
    assert list(texts) == names and list(TEXT.validate_python(n) for n in names) == names
    made = Texts.of(names)
    assert texts.data == made.data and texts.ends.tolist() == made.ends.tolist() and texts.ends.dtype == made.ends.dtype


@pytest.mark.parametrize("name", ["CATL", "Contemporary Amperex Technology Co., Limited", "A&B (HK) #1 ~ 'x'"])
def test_user_story_plain_names_are_read_without_a_string_each(name: str) -> None:
    assert list(plain_names(pa.array(["x", name, "y"]).slice(1, 1))) == [name]  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [" CATL", "CATL ", "", "   ", "Société", "CATL\x1b[2J", "a\tb", "x\u202e"])
def test_hostile_names_the_model_strips_refuses_or_that_are_not_ascii_go_through_the_model(name: str) -> None:
    assert plain_names(pa.array(["x", name])) is None


def test_the_names_bytes_test_is_used_only_for_a_text_whose_printable_ascii_the_model_accepts() -> None:
    assert name_field(KINDS["entities"], "name") and not name_field(KINDS["entities"], "id")


def test_a_names_column_read_in_parts_joins_as_one_buffer(tmp_path: Path) -> None:
    """A table read in parts (`STREAM_ROWS`): the parts' buffers join as `Texts.of` makes of all the names."""
    from feoc.load.columns import ColumnBuilder

    builder = ColumnBuilder()
    parts = [["CATL", "BYD"], ["Gotion"], ["A" * 300, "b"]]
    for part in parts:
        builder.add(plain_names(pa.array(part)))  # type: ignore[arg-type]
    joined, made = builder.column(), Texts.of([n for p in parts for n in p])
    assert isinstance(joined, Texts) and joined.data == made.data and joined.ends.tolist() == made.ends.tolist()
    assert joined.ends.dtype == made.ends.dtype


def test_user_story_holdings_in_yaml_and_in_parquet_join_in_one_column(tmp_path: Path) -> None:
    """A folder with holdings in a YAML file and in a Parquet table (read by worker processes and here): the
    Arrow part and the strings join, and the references still name their entities by position."""
    folder = tmp_path / "data"
    folder.mkdir()
    pq.write_table(_table("entities", [{"id": i, "name": i.upper(), "type": "company"}
                                       for i in ("catl", "byd", "gotion")]), folder / "entities.parquet")
    pq.write_table(_table("holdings", HOLDINGS), folder / "holdings.parquet")
    (folder / "more.yaml").write_text("holdings:\n- {holder: gotion, entity: catl, equity: 0.1}\n")
    data = load_dataset(folder, Law.load(), compact=True, workers=2)
    holders = data.column("holdings", "holder")
    assert sorted(holders) == ["byd", "catl", "gotion"] and isinstance(holders, Refs)


def test_the_arrow_text_of_references_is_let_go_once_found() -> None:
    """Issue 17, memory: a column builder of the load may still hold the Arrow column; its text is let go."""
    holder, entity = ArrowTexts([pa.array(["a", "c"])]), ArrowTexts([pa.array(["c", "a"])])
    kept: dict = {"entities": {"id": ["a", "c"]}, "holdings": {"holder": holder, "entity": entity}}
    share_entity_ids(kept)
    assert list(kept["holdings"]["holder"]) == ["a", "c"] and list(kept["holdings"]["entity"]) == ["c", "a"]
    assert holder.chunks == [] == entity.chunks and len(holder) == 0
