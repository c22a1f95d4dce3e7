"""Issue 17, "Columnar tables as dataset input": a dataset folder may hold Parquet tables named after the record
kind, validated by the same models and cross-checks as YAML; a problem reads `file: row N, column X: what — fix`
with the YAML loader's words after the place; a corrupt file, an unknown column or a column of the wrong type is
one clear problem (exit 2, never a traceback); YAML and Parquet mix in one folder; the input hash covers them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.model import KINDS
from feoc.data.problems import InputError, Problem
from feoc.data.values import parse_share
from feoc.data.yamlio import parse_yaml
from feoc.law.law import Law
from feoc.load.columns import kind_columns, kind_schema, shape_of
from feoc.load.folder import load_dataset
from feoc.load.hashes import dataset_hash

LAW = Law.load()
CORPUS = Path(__file__).parent / "bad_inputs"
runner = CliRunner()

ENTITY = {"id": "catl", "name": "CATL", "type": "company", "incorporated_in": "CN"}


def write_table(path: Path, kind: str, rows: list[dict[str, Any]], schema: pa.Schema | None = None) -> Path:
    """Rows as a Parquet table with the contract's types for the columns they use (or `schema`)."""
    if schema is None:
        names = [n for n in kind_columns(kind) if any(n in r for r in rows)]
        schema = pa.schema([kind_schema(kind).field(n) for n in names])
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def write_yaml(path: Path, kind: str, rows: list[dict[str, Any]]) -> Path:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({kind: [{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in r.items()}
                                  for r in rows]}, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(folder: Path, **kw: Any) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_dataset(folder, LAW, **kw)
    return info.value.problems


def after_place(problem: Problem) -> str:
    """The words after the place: `entities[3] field: ` (YAML) or `row 4, column field: ` (Parquet) removed."""
    text = re.sub(r"^(\w+\[\d+\] [\w.]+: |row \d+(, column [\w.\[\]]+)?: |column [\w.\[\]]+: )", "", problem.message)
    return re.sub(r"\(first defined at [^)]*\)+", "(first defined at …)", f"{text} — {problem.fix}")


def place(problem: Problem) -> tuple[int, str] | None:
    """(record index, field) of a problem found in one record, in either form."""
    yaml_form = re.match(r"^\w+\[(\d+)\] ([\w.]+): ", problem.message)
    if yaml_form:
        return int(yaml_form.group(1)), yaml_form.group(2)
    table_form = re.match(r"^row (\d+), column ([\w.]+): ", problem.message)
    return (int(table_form.group(1)) - 1, table_form.group(2)) if table_form else None


def test_user_story_an_unknown_country_in_row_7_reads_as_the_yaml_message(tmp_path):
    """The issue's example: `entities.parquet: row 7, column incorporated_in: …` with the YAML words after it."""
    rows = [{**ENTITY, "id": f"e{i}"} for i in range(1, 7)] + [{**ENTITY, "id": "e7", "incorporated_in": "XX"}]
    table = write_table(tmp_path / "pq" / "entities.parquet", "entities", rows)
    write_yaml(tmp_path / "yaml" / "entities.yaml", "entities", rows)
    [from_table] = problems_of(tmp_path / "pq")
    [from_yaml] = problems_of(tmp_path / "yaml")
    assert str(from_table).startswith(f"{table}: row 7, column incorporated_in: `XX` is not an ISO 3166-1 alpha-2")
    assert after_place(from_table) == after_place(from_yaml)
    assert str(from_table).endswith("— use a two-letter upper-case code such as CN, JP, US or NO")


def _corpus_as_tables(case: Path, out: Path) -> bool:
    """Each YAML file of a hostile corpus case as Parquet parts (`entities.<file>.parquet`), typed by the contract;
    False when the case cannot be written as typed columns (YAML syntax, text where a number goes, …)."""
    for file in sorted(case.glob("*.yaml")):
        try:
            raw = parse_yaml(file.read_text(encoding="utf-8"), str(file), dates=False)
        except InputError:
            return False
        if not isinstance(raw, dict) or not raw or any(k not in KINDS for k in raw):
            return False
        for kind, rows in raw.items():
            if rows is None:
                continue
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                return False
            known = kind_columns(kind)
            if any(k not in known for r in rows for k in r):
                return False
            try:
                typed = [{k: _typed(v, known[k][1]) for k, v in r.items()} for r in rows]
                write_table(out / f"{kind}.{file.stem}.parquet", kind, typed)
            except (ValueError, TypeError, pa.ArrowException):
                return False
    return True


def _typed(value: Any, shape: Any) -> Any:
    if shape == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if shape == "number" and isinstance(value, str):
        return parse_share(value)  # "25%" is 0.25 in a number column; text that is no share is not expressible
    return value


# the corpus cases with no Parquet form, and why (tests/test_parquet_input.py checks this list is exact)
NOT_EXPRESSIBLE = {
    "alias-bomb": "YAML syntax", "custom-tag": "YAML syntax", "duplicate-key": "YAML syntax",
    "duplicate-top-level-key": "YAML syntax", "python-object-tag": "YAML syntax", "tab-indentation": "YAML syntax",
    "yaml-syntax-error": "YAML syntax", "comment-only-file": "a file of no records",
    "empty-file": "a file of no records", "list-file": "not a mapping of kinds", "scalar-file": "not a mapping of kinds",
    "unknown-top-level-key": "not a record kind", "unknown-field": "an unknown column: refused as a column",
    "three-errors-two-files": "an unknown column: refused as a column",
    "bad-shares": "text where a number goes", "impossible-dates": "text where a date goes",
}
EXPRESSIBLE = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and p.name not in NOT_EXPRESSIBLE)


@pytest.mark.parametrize("case", EXPRESSIBLE)
def test_hostile_corpus_as_parquet_reports_the_yaml_problems(case, tmp_path):
    """Every hostile dataset of tests/bad_inputs that can be written as typed columns: the Parquet copy reports
    the very problems of the YAML one (same record, same field, same words), on both load paths."""
    assert _corpus_as_tables(CORPUS / case, tmp_path)
    if case.startswith("valid-"):
        assert load_dataset(tmp_path, LAW) == load_dataset(CORPUS / case, LAW)
        return
    expected = problems_of(CORPUS / case)
    for compact in (False, True):
        found = problems_of(tmp_path, compact=compact)
        assert sorted(map(after_place, found)) == sorted(map(after_place, expected))
        # a problem found in one record names it (`entities[3] field:` in YAML): the row and column name the same
        placed = {(after_place(p), place(p)) for p in found}
        assert all((after_place(p), place(p)) in placed for p in expected if place(p) is not None)
        assert all(p.line == 0 and p.file.endswith(".parquet") for p in found)


def test_the_corpus_cases_without_a_parquet_form_are_exactly_those_listed(tmp_path):
    """Every hostile case of tests/bad_inputs is compared above unless it has no Parquet form (a YAML syntax
    mistake, text where a number goes); a new corpus case is compared unless it is listed with its reason."""
    assert all(_corpus_as_tables(CORPUS / case, tmp_path / case) for case in EXPRESSIBLE)
    assert not any(_corpus_as_tables(CORPUS / case, tmp_path / case) for case in NOT_EXPRESSIBLE)
    assert len(EXPRESSIBLE) >= 16


def test_hostile_a_corrupt_file_is_one_problem_naming_it(tmp_path):
    (tmp_path / "entities.parquet").write_bytes(b"PAR1 this is not parquet at all PAR1")
    [problem] = problems_of(tmp_path)
    assert problem.file.endswith("entities.parquet") and "not a readable Parquet file" in problem.message
    assert "feoc convert" in problem.fix


def test_hostile_a_yaml_file_named_parquet(tmp_path):
    (tmp_path / "holdings.parquet").write_text("holdings: []\n")
    [problem] = problems_of(tmp_path)
    assert "not a readable Parquet file" in problem.message


def test_hostile_an_unknown_column_is_named(tmp_path):
    write_table(tmp_path / "entities.parquet", "entities", [ENTITY],
                schema=pa.schema([*(kind_schema("entities").field(n) for n in ENTITY), ("incorporated", pa.string())]))
    [problem] = problems_of(tmp_path)
    assert problem.message == "column incorporated: unknown column for entities"
    assert "incorporated_in" in problem.fix


def test_hostile_a_column_of_the_wrong_type_is_named(tmp_path):
    schema = pa.schema([("holder", pa.string()), ("entity", pa.string()), ("equity", pa.string()),
                        ("from", pa.timestamp("s"))])
    pq.write_table(pa.table({"holder": ["a"], "entity": ["b"], "equity": ["25%"],
                             "from": pa.array([0], pa.timestamp("s"))}, schema=schema),
                   tmp_path / "holdings.parquet", coerce_timestamps="ms")
    found = problems_of(tmp_path)
    assert [p.message for p in found] == ["column equity: is of type string, not a number (float64)",
                                          "column from: is of type timestamp[ms], not a date (date32)"]


def test_hostile_a_nested_field_of_the_wrong_type_is_named(tmp_path):
    source = pa.struct([("doc", pa.string()), ("quote", pa.int64())])
    schema = pa.schema([*(kind_schema("entities").field(n) for n in ENTITY), ("sources", pa.list_(source))])
    write_table(tmp_path / "entities.parquet", "entities", [{**ENTITY, "sources": [{"doc": "a", "quote": 3}]}], schema)
    [problem] = problems_of(tmp_path)
    assert problem.message == "column sources[].quote: is of type int64, not text (string)"


def test_hostile_a_table_named_after_no_kind(tmp_path):
    write_table(tmp_path / "companies.parquet", "entities", [ENTITY])
    [problem] = problems_of(tmp_path)
    assert problem.message == "a Parquet table named after no record kind" and "entities.parquet" in problem.fix


def test_hostile_a_missing_required_value_and_a_null_one(tmp_path):
    write_table(tmp_path / "entities.parquet", "entities", [{**ENTITY, "name": None}, {"id": "x", "type": "company"}])
    found = [p.message for p in problems_of(tmp_path)]
    assert found == ["row 1, column name: missing required field `name`",
                     "row 2, column name: missing required field `name`"]


def test_hostile_share_out_of_range_and_nan(tmp_path):
    write_yaml(tmp_path / "entities.yaml", "entities", [ENTITY, {**ENTITY, "id": "byd"}])
    write_table(tmp_path / "holdings.parquet", "holdings", [{"holder": "catl", "entity": "byd", "equity": 1.5},
                                                            {"holder": "byd", "entity": "catl", "voting": float("nan")}])
    found = [p.message for p in problems_of(tmp_path)]
    assert found[0].startswith("row 1, column equity: share 1.5 lies outside [0, 1]")
    assert found[1].startswith("row 2, column voting: `nan` is not a finite share")


def test_user_story_mixed_folder_yaml_entities_parquet_holdings(tmp_path):
    """Entities in YAML, holdings and listings as Parquet: one dataset, the same as all-YAML."""
    entities = [ENTITY, {**ENTITY, "id": "byd"}]
    holdings = [{"holder": "catl", "entity": "byd", "equity": 0.3, "from": dt.date(2024, 1, 1)}]
    write_yaml(tmp_path / "mixed" / "entities.yaml", "entities", entities)
    write_table(tmp_path / "mixed" / "holdings.parquet", "holdings", holdings)
    write_yaml(tmp_path / "yaml" / "entities.yaml", "entities", entities)
    write_yaml(tmp_path / "yaml" / "holdings.yaml", "holdings", holdings)
    assert load_dataset(tmp_path / "mixed", LAW) == load_dataset(tmp_path / "yaml", LAW)
    compact = load_dataset(tmp_path / "mixed", LAW, compact=True, workers=2)
    assert compact.column("holdings", "equity") == [0.3]


def test_hostile_an_id_in_yaml_and_again_in_parquet(tmp_path):
    """Ids are unique across YAML and Parquet files, as across YAML files: the second names the first's place."""
    write_yaml(tmp_path / "a.yaml", "entities", [ENTITY])
    table = write_table(tmp_path / "entities.parquet", "entities", [{**ENTITY, "id": "byd"}, ENTITY])
    [problem] = problems_of(tmp_path)
    assert str(problem).startswith(f"{table}: row 2, column id: duplicate id `catl` (first defined at {tmp_path}/a.yaml:")


def test_hostile_a_dangling_reference_and_totals_over_100_name_rows(tmp_path):
    write_yaml(tmp_path / "entities.yaml", "entities", [ENTITY, {**ENTITY, "id": "byd"}, {**ENTITY, "id": "sk"}])
    write_table(tmp_path / "holdings.parquet", "holdings", [
        {"holder": "catl", "entity": "nobody", "equity": 0.1},
        {"holder": "catl", "entity": "byd", "equity": 0.6}, {"holder": "sk", "entity": "byd", "equity": 0.6}])
    found = [p.message for p in problems_of(tmp_path)]
    assert "row 1, column entity: `entity: nobody` names no entity in this dataset" in found
    assert any(m.startswith("row 3, column equity: equity held in `byd` adds up to 120.00%") for m in found)


def test_the_input_hash_covers_parquet_tables(tmp_path):
    write_yaml(tmp_path / "entities.yaml", "entities", [ENTITY])
    before = dataset_hash(tmp_path)
    table = write_table(tmp_path / "holdings.parquet", "holdings", [])
    with_table = dataset_hash(tmp_path)
    write_table(table, "holdings", [{"holder": "catl", "entity": "catl", "debt": 0.1}])
    assert len({before, with_table, dataset_hash(tmp_path)}) == 3


def test_cli_screen_and_validate_exit_2_on_a_bad_table_without_a_traceback(tmp_path):
    (tmp_path / "entities.parquet").write_bytes(b"\0" * 64)
    for args in (["validate", str(tmp_path)], ["screen", "--data", str(tmp_path), "--on", "2026-01-01"],
                 ["check", "entity", "catl", "--data", str(tmp_path), "--on", "2026-01-01"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "not a readable Parquet file" in result.output and "Traceback" not in result.output


def test_every_field_has_a_column_shape():
    """The column contract is derived from the models: every field of every kind has a shape and an Arrow type."""
    for kind, model in KINDS.items():
        assert list(kind_schema(kind).names) == [i.alias or n for n, i in model.model_fields.items()]
        assert all(shape_of(i.annotation) for i in model.model_fields.values())


def _model_rows(kind: str, rows: list[dict[str, Any]]) -> list[tuple] | None:
    """The rows through the models (the contract): tuples of the fields, or None when the models refuse one."""
    from feoc.load.parquet import validate_rows

    read = validate_rows("t.parquet", kind, rows)
    if read.problems:
        return None
    return [tuple(getattr(m, f) for f in KINDS[kind].model_fields) for m in read.records]


def _bulk_rows(kind: str, rows: list[dict[str, Any]]) -> list[tuple] | None:
    from feoc.load.parquet_columns import read_columns

    names = [n for n in kind_columns(kind) if any(n in r for r in rows)]
    schema = pa.schema([kind_schema(kind).field(n) for n in names])
    columns = read_columns(kind, pa.Table.from_pylist(rows, schema=schema))
    return None if columns is None else list(zip(*columns))


HOLDING = {"holder": "catl", "entity": "byd", "equity": 0.25}
BULK_CASES = {  # (kind, a change to one row): each either valid for the models or refused by them
    "valid entity": ("entities", {}),
    "name padded with spaces (the models strip it)": ("entities", {"name": "  CATL  "}),
    "unknown country": ("entities", {"incorporated_in": "XX"}),
    "lower-case country": ("entities", {"country": "cn"}),
    "id not a slug": ("entities", {"id": "CATL Ltd"}),
    "null id": ("entities", {"id": None}),
    "id with a newline at its end": ("entities", {"id": "catl\n"}),
    "id of 121 characters": ("entities", {"id": "c" * 121}),
    "aliases padded with spaces (the models strip them)": ("entities", {"aliases": [" A ", "B"]}),
    "a blank alias": ("entities", {"aliases": ["  "]}),
    "blank name": ("entities", {"name": "   "}),
    "escape in a name": ("entities", {"name": "CATL\x1b[2J"}),
    "citizenship on a company": ("entities", {"citizenship": ["CN"]}),
    "political figure on a company": ("entities", {"political_figure_of": "CN"}),
    "citizenship of a person": ("entities", {"type": "person", "citizenship": ["CN", "HK"], "us_person": False}),
    "29 February as a taxable-year start": ("entities", {"tax_year_start": "02-29"}),
    "a fiscal year": ("entities", {"tax_year_start": "10-01"}),
    "a corporation's tax form (IRC 318(a)(2)(C))": ("entities", {"tax_form": "corporation"}),
    "a tax form on a person": ("entities", {"type": "person", "tax_form": "partnership"}),
    "assumed without why": ("entities", {"assumed": True}),
    "assumed with why": ("entities", {"assumed": True, "assumption": "from the annual report"}),
    "an alias with a null": ("entities", {"aliases": ["A", None]}),
    "a source": ("entities", {"sources": [{"doc": "https://example.org", "quote": "owns 25%"}]}),
    "a source without a quote": ("entities", {"sources": [{"doc": "https://example.org", "quote": None}]}),
    "valid holding": ("holdings", {}),
    "share -0.0": ("holdings", {"equity": -0.0}),
    "share 1": ("holdings", {"equity": 1.0}),
    "share 1.5": ("holdings", {"equity": 1.5}),
    "share NaN": ("holdings", {"voting": float("nan")}),
    "share -0.1": ("holdings", {"debt": -0.1}),
    "no share at all": ("holdings", {"equity": None}),
    "officers only": ("holdings", {"equity": None, "appoints_officers": True}),
    "self-holding": ("holdings", {"entity": "catl"}),
    "from after until": ("holdings", {"from": dt.date(2025, 1, 1), "until": dt.date(2024, 1, 1)}),
    "from equal to until": ("holdings", {"from": dt.date(2025, 1, 1), "until": dt.date(2025, 1, 1)}),
    "dated": ("holdings", {"from": dt.date(2024, 1, 1), "until": dt.date(2025, 1, 1)}),
    "year 1850": ("holdings", {"from": dt.date(1850, 1, 1)}),
    "year 2101": ("holdings", {"until": dt.date(2101, 1, 1)}),
    "null holder": ("holdings", {"holder": None}),
}


@pytest.mark.parametrize("case", sorted(BULK_CASES))
def test_hostile_bulk_read_accepts_exactly_what_the_models_accept(case):
    """The bulk column read (`feoc screen`) gives the models' very rows for a valid table, and gives up (the
    table is then read through the models, which word the problems) on every table the models refuse."""
    kind, change = BULK_CASES[case]
    base = ENTITY if kind == "entities" else HOLDING
    rows = [{**base, "id": f"r{i}"} if kind == "entities" else {**base, "holder": f"h{i}"} for i in range(3)]
    rows.append({**base, **change})
    expected, found = _model_rows(kind, rows), _bulk_rows(kind, rows)
    if expected is None:
        assert found is None
    else:
        assert found == expected
        assert [tuple(map(type, r)) for r in found] == [tuple(map(type, r)) for r in expected]


@pytest.mark.parametrize("kind", ["entities", "holdings"])
def test_bulk_read_equals_the_models_on_a_converted_world(kind, tmp_path):
    """bench/gen_world.py's world as Parquet: the bulk read is taken (not given up) and equals the models' rows."""
    import subprocess
    import sys

    from feoc.load.export import dataset_files
    from feoc.load.parquet import _present_rows
    from feoc.load.parquet_columns import read_columns

    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, str(root / "bench" / "gen_world.py"), "--entities", "1500", "--out",
                    str(tmp_path / "w")], check=True, capture_output=True, timeout=300)
    (tmp_path / f"{kind}.parquet").write_bytes(dataset_files(load_dataset(tmp_path / "w", LAW), "parquet")
                                                [f"{kind}.parquet"])
    table = pq.read_table(tmp_path / f"{kind}.parquet")
    columns = read_columns(kind, table)
    assert columns is not None and len(columns[0]) == table.num_rows
    assert list(zip(*columns)) == _model_rows(kind, list(_present_rows(table)))


def test_user_story_a_warning_about_a_table_row_names_row_and_column(tmp_path):
    """`feoc validate` warns about a business with `country` only (judged in no covered nation): in a table,
    at its row and column, with the YAML words."""
    table = write_table(tmp_path / "entities.parquet", "entities",
                        [ENTITY, {"id": "cells", "name": "China Cells", "type": "company", "country": "CN"}])
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"warning: {table}: row 2, column country: `cells` is a company with `country: CN` but neither" in result.output


def test_user_story_a_categorical_column_from_pandas_is_read_as_its_values(tmp_path):
    """pandas writes a categorical column as a dictionary of strings: it is read as the strings, on both paths."""
    types = pa.array(["company", "company"]).dictionary_encode()
    pq.write_table(pa.table({"id": ["a", "b"], "name": ["A", "B"], "type": types}), tmp_path / "entities.parquet")
    for compact in (False, True):
        assert load_dataset(tmp_path, LAW, compact=compact).column("entities", "type") == ["company", "company"]


def test_user_story_tables_beside_yaml_read_by_worker_processes(tmp_path):
    """`feoc screen` parses YAML files in worker processes and reads tables meanwhile in its own: the records and
    the problems are those of a one-process load, in file order."""
    import shutil

    shutil.copytree(Path(__file__).resolve().parents[1] / "seeds", tmp_path / "data")
    write_table(tmp_path / "data" / "listings.extra.parquet", "listings",
                [{"entity": "aesc", "list": "uflpa", "from": dt.date(2025, 1, 1)}])
    one = load_dataset(tmp_path / "data", LAW)
    parallel = load_dataset(tmp_path / "data", LAW, compact=True, workers=2)
    assert parallel.listings == one.listings and len(one.listings) == 2
    assert parallel.column("entities", "id") == [e.id for e in one.entities]
    write_table(tmp_path / "data" / "listings.extra.parquet", "listings", [{"entity": "nobody", "list": "uflpa"}])
    (tmp_path / "data" / "zz.yaml").write_text("entities:\n  - {id: x, name: X, type: company, country: XX}\n")
    for kw in ({}, {"compact": True, "workers": 2}):
        found = sorted(str(p) for p in problems_of(tmp_path / "data", **kw))
        assert [p.split(": ", 1)[1].split(" — ")[0] for p in found] == [
            "row 1, column entity: `entity: nobody` names no entity in this dataset",
            "entities[0] country: `XX` is not an ISO 3166-1 alpha-2 country code"], found


def test_hostile_damaged_tables_are_refused_or_read_unchanged(tmp_path):
    """A table `feoc convert` wrote, damaged on disk (bytes flipped, zeroed or cut off): every load either refuses
    it as one problem naming the file (exit 2; a damaged page fails its CRC) or reads the very same records —
    never a traceback, never other numbers."""
    import random

    from feoc.load.export import dataset_files

    seeds = load_dataset(Path(__file__).resolve().parents[1] / "seeds", LAW)
    files = dataset_files(seeds, "parquet")
    (tmp_path / "entities.parquet").write_bytes(files["entities.parquet"])
    clean = files["holdings.parquet"]
    rng = random.Random(17)
    refused = read = 0
    for _ in range(100):
        data = bytearray(clean)
        if rng.random() < 0.2:
            data = data[:rng.randrange(len(data))]
        else:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        (tmp_path / "holdings.parquet").write_bytes(bytes(data))
        for compact in (False, True):
            try:
                assert _fields(load_dataset(tmp_path, LAW, compact=compact).holdings) == _fields(seeds.holdings)
                read += 1
            except InputError as exc:
                refused += 1
                assert all(p.file.endswith(".parquet") and p.fix for p in exc.problems)
    assert refused > 60 and read > 0


def _fields(records: tuple) -> list[tuple]:
    """Records (models or the light rows of a compact load) as tuples of their fields."""
    return [tuple(getattr(r, f) for f in KINDS["holdings"].model_fields) for r in records]
