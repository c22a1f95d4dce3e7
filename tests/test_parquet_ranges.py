"""Issue 20, gap 2: share ranges and attestations in Parquet tables.

A share range `{min, max}` (a register's band: UK PSC "more than 25 % but not more than 50 %", BODS
`minimum`/`maximum`) is written in a Parquet holdings table as the companion columns `<field>_min` and
`<field>_max` of its share field, the field's own column null on that row; attestations (26 CFR 1.30D-6(b)) are
`attestations.parquet` with the YAML fields as columns and `about` as a struct. `feoc convert` writes both, the
loader reads both (record by record, and column by column in pieces for `feoc screen`), and `feoc check` and
`feoc screen` give the very bytes from the YAML dataset and its Parquet copy. A bad range in a table is refused at
its row and column (`holdings.parquet: row N, column equity_min: what — fix`).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.dataset import Dataset
from feoc.data.model import KINDS
from feoc.data.problems import InputError, Problem
from feoc.data.values import ShareRange
from feoc.law.law import Law
from feoc.load.export import dataset_files
from feoc.load.folder import load_dataset

LAW = Law.load()
RUNNER = CliRunner()
ON = "2026-06-01"

ENTITIES = [
    {"id": "sasac", "name": "SASAC", "type": "agency", "country": "CN"},
    {"id": "kr-maker", "name": "KR Maker", "type": "company", "incorporated_in": "KR", "headquartered_in": "KR"},
    {"id": "supplier", "name": "Supplier Ltd", "type": "company"},
    {"id": "us-plant", "name": "US Plant Co", "type": "company", "incorporated_in": "US", "headquartered_in": "US"},
]
HOLDINGS = [
    {"holder": "sasac", "entity": "kr-maker", "equity": {"min": "20%", "max": "30%"}, "voting": {"min": 0.1},
     "board_seats": 0},
    {"holder": "kr-maker", "entity": "us-plant", "equity": 1.0, "voting": {"max": 0.2}, "debt": {"min": 0.05,
                                                                                                  "max": 0.1}},
    {"holder": "kr-maker", "entity": "supplier", "equity": {"min": 0.4, "max": 0.4}},  # equal bounds: exact
]
ATTESTATIONS = [
    {"id": "att-1", "by": "supplier", "about": {"entity": "supplier"}, "claim": "no_feoc", "signed": "2026-01-01",
     "until": "2027-01-01", "document": "supplier-attestation-2026.pdf", "note": "signed by the CFO"},
]


def write_world(folder: Path, **kinds: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "world.yaml").write_text(yaml.safe_dump(kinds, sort_keys=False), encoding="utf-8")
    return folder


def convert(source: Path, to: str, out: Path) -> None:
    result = RUNNER.invoke(app, ["convert", str(source), "--to", to, "--out", str(out)])
    assert result.exit_code == 0, result.output


def cli(*args: str) -> Any:
    return RUNNER.invoke(app, list(args))


def problems_of(folder: Path, **kw: Any) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_dataset(folder, LAW, **kw)
    return info.value.problems


def _fields(kind: str, records: Any) -> list[tuple]:
    """Each record's fields, with a range's maximum beside it (a ShareRange equals its minimum as a float)."""
    return [tuple((getattr(r, f), getattr(getattr(r, f), "max", None)) for f in KINDS[kind].model_fields)
            for r in records]


# --- the round trip ------------------------------------------------------------------------------------------

def test_user_story_a_yaml_world_with_bands_and_an_attestation_round_trips_through_parquet(tmp_path):
    """Story: an analyst keeps PSC bands and a supplier's attestation in YAML, converts to Parquet for DuckDB, and
    back: the YAML written from the Parquet copy is the YAML written from the original, byte for byte, and all
    three load to the same records (ranges as ranges, equal bounds as the exact share)."""
    yaml_world = write_world(tmp_path / "yaml", entities=ENTITIES, holdings=HOLDINGS, attestations=ATTESTATIONS)
    convert(yaml_world, "parquet", tmp_path / "pq")
    convert(tmp_path / "pq", "yaml", tmp_path / "back")
    convert(yaml_world, "yaml", tmp_path / "direct")
    assert sorted(p.name for p in (tmp_path / "pq").glob("*.parquet")) == \
        ["attestations.parquet", "entities.parquet", "holdings.parquet"]
    for name in ("entities.yaml", "holdings.yaml", "attestations.yaml"):
        assert (tmp_path / "back" / name).read_bytes() == (tmp_path / "direct" / name).read_bytes(), name
    original = load_dataset(yaml_world, LAW)
    for folder in ("pq", "back"):
        for compact in (False, True):
            again = load_dataset(tmp_path / folder, LAW, compact=compact)
            assert _fields("holdings", again.holdings) == _fields("holdings", original.holdings), (folder, compact)
            assert _fields("attestations", again.attestations) == _fields("attestations", original.attestations)
    assert isinstance(original.holdings[0].equity, ShareRange) and type(original.holdings[2].equity) is float


def test_the_parquet_columns_of_a_range_are_flat_numbers_beside_the_field(tmp_path):
    """Decision (README "Parquet tables"): a range is `<field>_min`/`<field>_max` (float64) right after the field,
    whose own value is null on that row, so `SELECT … WHERE equity_max >= 0.25` works in DuckDB as on the exact
    column; a field without any range gets no companion columns; `about` is a struct (`about.entity`)."""
    convert(write_world(tmp_path / "yaml", entities=ENTITIES, holdings=HOLDINGS, attestations=ATTESTATIONS),
            "parquet", tmp_path / "pq")
    table = pq.read_table(tmp_path / "pq" / "holdings.parquet")
    names = table.schema.names
    assert names[names.index("equity"):names.index("equity") + 3] == ["equity", "equity_min", "equity_max"]
    assert "board_seats_min" not in names and table.schema.field("debt_max").type == pa.float64()
    rows = table.to_pylist()
    assert (rows[0]["equity"], rows[0]["equity_min"], rows[0]["equity_max"]) == (None, 0.2, 0.3)
    assert (rows[0]["voting_min"], rows[0]["voting_max"]) == (0.1, 1.0)  # a bound left out is written as its default
    assert (rows[1]["equity"], rows[1]["equity_min"]) == (1.0, None)
    assert (rows[2]["equity"], rows[2]["equity_min"]) == (0.4, None)  # equal bounds are the exact share
    about = pq.read_table(tmp_path / "pq" / "attestations.parquet").schema.field("about").type
    assert pa.types.is_struct(about) and [about.field(i).name for i in range(about.num_fields)] == \
        ["entity", "facility", "battery", "component", "mineral"]


def test_a_dataset_of_exact_shares_writes_the_tables_it_wrote_before(tmp_path):
    """Exact data is unchanged: no companion column, the contract's columns in the contract's order."""
    from feoc.load.columns import kind_schema

    exact = [{"holder": "sasac", "entity": "kr-maker", "equity": 0.2, "voting": 0.1}]
    convert(write_world(tmp_path / "yaml", entities=ENTITIES, holdings=exact), "parquet", tmp_path / "pq")
    assert pq.read_table(tmp_path / "pq" / "holdings.parquet").schema == kind_schema("holdings")


# --- check and screen byte-identical ---------------------------------------------------------------------------

def ranged_world(n: int, seed: int) -> Dataset:
    """test_differential's world with about one share in three as a band around it, and debt bands on a few;
    every share to 6 decimals (the world's remainders such as 0.44999999999999996 are no YAML share)."""
    from test_differential import synthetic_world

    world = synthetic_world(n, seed)
    rng = random.Random(seed)
    holdings = []
    for h in world.holdings:
        bands: dict[str, Any] = {}
        for m in ("equity", "voting", "board_seats"):
            share = getattr(h, m)
            if share is not None:
                bands[m] = share = round(share, 6)
            if share is not None and share < 1.0 and rng.random() < 0.35:
                low = round(max(0.0, share - rng.choice([0.0, 0.05, 0.1])), 6)
                high = round(min(1.0, share + rng.choice([0.01, 0.3])), 6)
                bands[m] = ShareRange(low, high) if low < high else share
        if rng.random() < 0.05:
            bands["debt"] = ShareRange(0.0, rng.choice([0.1, 0.2]))
        holdings.append(h.model_copy(update=bands) if bands else h)
    return Dataset(entities=world.entities, holdings=tuple(holdings), listings=world.listings,
                   agreements=world.agreements, facilities=world.facilities)


def _write(files: dict[str, bytes], folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


@pytest.mark.parametrize("seed", [1, 2])
def test_screen_and_check_are_byte_identical_from_yaml_and_its_parquet_copy(tmp_path, seed):
    """Differential: a generated world with ranges as YAML, converted by `feoc convert --to parquet`: `feoc
    screen` (the bulk path, which reads the tables column by column) writes the same CSV and JSON, and `feoc
    check entity` the same text and JSON on every entity a range leaves open and on others."""
    yaml_world = _write(dataset_files(ranged_world(300, seed), "yaml"), tmp_path / "yaml")
    convert(yaml_world, "parquet", tmp_path / "pq")
    assert "equity_min" in pq.read_table(tmp_path / "pq" / "holdings.parquet").schema.names
    for fmt in ("csv", "json"):
        outs = [cli("screen", "--data", str(tmp_path / f), "--on", "2025-01-01", "--format", fmt) for f in ("yaml", "pq")]
        assert outs[0].exit_code == outs[1].exit_code == 0, outs[0].output + outs[1].output
        assert outs[0].output == outs[1].output
    screen = cli("screen", "--data", str(tmp_path / "yaml"), "--on", "2025-01-01").output.splitlines()
    open_ids = [line.split(",")[0] for line in screen if "feoc-undetermined-share-range" in line]
    assert open_ids  # not an empty comparison: some entity is left open by a range alone
    for eid in [*open_ids[:4], "e0", "e1", "gov-cn"]:
        for fmt in ("text", "json"):
            outs = [cli("check", "entity", eid, "--data", str(tmp_path / f), "--on", "2025-01-01", "--format", fmt)
                    for f in ("yaml", "pq")]
            assert outs[0].exit_code == outs[1].exit_code, eid
            assert outs[0].output == outs[1].output, (eid, fmt)


def test_the_bulk_read_in_pieces_keeps_ranges_across_pieces(tmp_path, monkeypatch):
    """The bulk read decodes a table STREAM_ROWS rows at a time (issue 17, memory); a table whose ranges fall in
    some pieces only is read to the rows the models give, ranges and exact shares alike."""
    import feoc.load.parquet as parquet
    from feoc.load.columns import Rows
    from feoc.load.folder import compact_row

    yaml_world = _write(dataset_files(ranged_world(200, 3), "yaml"), tmp_path / "yaml")
    convert(yaml_world, "parquet", tmp_path / "pq")
    path = tmp_path / "pq" / "holdings.parquet"
    expected = parquet.read_table(path)
    monkeypatch.setattr(parquet, "STREAM_ROWS", 7)
    streamed = parquet.read_table(path, compact=True)
    assert streamed.as_tuples and not streamed.problems  # taken, not given up
    rows = list(Rows(compact_row("holdings"), streamed.records, len(streamed.indexes)))
    assert _fields("holdings", rows) == _fields("holdings", expected.records)
    kinds = [type(getattr(m, f)) for m in expected.records for f in ("equity", "voting", "board_seats", "debt")]
    assert ShareRange in kinds and float in kinds


# --- hostile tables --------------------------------------------------------------------------------------------

def _holdings_table(folder: Path, rows: list[dict[str, Any]], types: dict[str, Any] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entities.yaml").write_text(yaml.safe_dump({"entities": ENTITIES}), encoding="utf-8")
    names = list(dict.fromkeys(k for r in rows for k in r))
    schema = pa.schema([(n, (types or {}).get(n, pa.string() if n in ("holder", "entity") else pa.float64()))
                        for n in names])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "holdings.parquet")
    return folder / "holdings.parquet"


GOOD = {"holder": "sasac", "entity": "kr-maker", "equity": 0.2}
HOSTILE = {  # (a row 3 of a holdings table, the column named, words of the message)
    "an exact share beside a bound": ({"equity": 0.2, "equity_min": 0.1}, "equity_min",
                                      "a bound of a share range beside the exact share equity = 0.2"),
    "min above max": ({"equity": None, "voting": None, "voting_min": 0.4, "voting_max": 0.3}, "voting_min",
                      "the share range's minimum (40.00%) is above its maximum `voting_max` (30.00%)"),
    "a bound above 1": ({"equity": None, "equity_max": 1.5}, "equity_max", "share 1.5 lies outside [0, 1]"),
    "a bound below 0": ({"equity": None, "board_seats_min": -0.1}, "board_seats_min", "share -0.1 lies outside"),
    "a bound that is NaN": ({"equity": None, "debt_max": float("nan")}, "debt_max", "is not a finite share"),
    "25 as a bound (a percentage)": ({"equity": None, "equity_min": 25.0}, "equity_min", 'did you mean "25%"?'),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_a_bad_range_names_file_row_and_column_on_both_load_paths(tmp_path, case):
    """Hostile matrix: each bad range in row 3 is one problem `holdings.parquet: row 3, column X: what — fix`, on
    the record-by-record load and on the bulk one (`feoc screen`), and `feoc check`/`feoc screen` exit 2."""
    change, column, words = HOSTILE[case]
    path = _holdings_table(tmp_path / "pq", [GOOD, {**GOOD, "holder": "supplier"}, {**GOOD, **change}])
    for compact in (False, True):
        [problem] = problems_of(tmp_path / "pq", compact=compact)
        assert problem.file == str(path) and problem.line == 0
        assert problem.message.startswith(f"row 3, column {column}: "), problem.message
        assert words in problem.message and problem.fix, problem
    for args in (["check", "entity", "kr-maker", "--on", ON], ["screen", "--on", ON]):
        result = cli(*args, "--data", str(tmp_path / "pq"))
        assert result.exit_code == 2 and "row 3, column" in result.output and "Traceback" not in result.output


def test_hostile_a_bad_range_and_another_problem_in_the_row_are_both_reported_in_row_order(tmp_path):
    """A row with a bad range and a holder that is no slug: both problems, the range's first; a later row's
    problem after them; the good rows still load for the cross-record checks (no dangling-reference noise)."""
    _holdings_table(tmp_path / "pq", [{**GOOD, "equity": None, "equity_min": 0.5, "equity_max": 0.2,
                                       "holder": "Not A Slug"}, GOOD, {**GOOD, "entity": "nobody"}])
    messages = [p.message for p in problems_of(tmp_path / "pq")]
    assert messages[0].startswith("row 1, column equity_min: ") and messages[1].startswith("row 1, column holder: ")
    assert len(messages) == 3 and messages[2].startswith("row 3, column entity: ")


def test_hostile_a_bound_column_of_the_wrong_type_is_named(tmp_path):
    """A text column `equity_min` ("25%" is YAML's form, not a Parquet number): refused naming the file, the column
    and its type (a column has one type: its rows are not listed one by one), exit 2."""
    path = _holdings_table(tmp_path / "pq", [{**GOOD, "equity": None, "equity_min": "25%"}],
                           {"equity_min": pa.string()})
    [problem] = problems_of(tmp_path / "pq")
    assert str(problem).startswith(f"{path}: column equity_min: is of type string, not a number (float64)")


def test_hostile_a_struct_share_column_points_at_the_companion_columns(tmp_path):
    """A user who writes `equity` as a struct {min, max} is told where a range goes."""
    path = _holdings_table(tmp_path / "pq", [{**GOOD, "equity": {"min": 0.2, "max": 0.3}}],
                           {"equity": pa.struct([("min", pa.float64()), ("max", pa.float64())])})
    [problem] = problems_of(tmp_path / "pq")
    assert str(problem).startswith(f"{path}: column equity: is of type struct")
    assert "equity_min and equity_max" in problem.fix


def test_a_range_alone_is_a_share_and_a_row_with_no_share_is_still_refused(tmp_path):
    """`Holding._check` (a holding needs a share): a bound alone is a share on both load paths; a row with every
    share and bound null is refused as in YAML."""
    _holdings_table(tmp_path / "ok", [{**GOOD, "equity": None, "voting_max": 0.3}])
    for compact in (False, True):
        [holding] = load_dataset(tmp_path / "ok", LAW, compact=compact).holdings
        assert holding.voting == ShareRange(0.0, 0.3) and holding.voting.max == 0.3 and holding.equity is None
    _holdings_table(tmp_path / "none", [{**GOOD, "equity": None, "voting_max": None}])
    for compact in (False, True):
        [problem] = problems_of(tmp_path / "none", compact=compact)
        assert problem.message.startswith("row 1: a holding needs a share")


RANGE_CASES = {  # the bulk read's range handling against the models' (changes to one row of four)
    "a band": {"equity": None, "equity_min": 0.2, "equity_max": 0.3},
    "a minimum only": {"equity": None, "voting_min": 0.5},
    "a maximum only": {"equity": None, "debt_max": 0.15},
    "equal bounds": {"equity": None, "equity_min": 0.25, "equity_max": 0.25},
    "-0.0 as a bound": {"equity": None, "equity_min": -0.0, "equity_max": 0.1},
    "bounds 0 and 1": {"equity": None, "equity_min": 0.0, "equity_max": 1.0},
    "exact and a bound": {"equity_max": 0.3},
    "min above max": {"equity": None, "equity_min": 0.3, "equity_max": 0.2},
    "a bound out of range": {"equity": None, "equity_max": 1.01},
}

REFUSED_RANGES = {"exact and a bound", "min above max", "a bound out of range"}


@pytest.mark.parametrize("case", sorted(RANGE_CASES))
def test_hostile_bulk_read_of_ranges_accepts_exactly_what_the_models_accept(case):
    """The bulk column read gives the models' very rows and value types (ShareRange or float) for a valid table,
    and gives up (the models then word the problem) on every table the models refuse."""
    from feoc.load.parquet import _present_rows, validate_rows
    from feoc.load.parquet_columns import read_columns

    rows = [{**GOOD, "holder": h} for h in ("supplier", "us-plant", "other")]
    rows.append({**GOOD, "equity_min": None, "equity_max": None, "voting_min": None, "debt_max": None,
                 **RANGE_CASES[case]})
    table = pa.Table.from_pylist(rows, schema=pa.schema([(n, pa.string() if n in ("holder", "entity") else
                                                          pa.float64()) for n in rows[-1]]))
    read = validate_rows("t.parquet", "holdings", list(_present_rows(table)))
    expected = None if read.problems else [tuple(getattr(m, f) for f in KINDS["holdings"].model_fields)
                                           for m in read.records]
    columns = read_columns("holdings", table)
    found = None if columns is None else list(zip(*columns))
    assert (expected is None) == (case in REFUSED_RANGES), read.problems  # the case is what it says
    assert found == expected
    if expected is not None:
        assert [tuple(map(type, r)) for r in found] == [tuple(map(type, r)) for r in expected]
        assert [tuple(getattr(v, "max", None) for v in r) for r in found] == \
            [tuple(getattr(v, "max", None) for v in r) for r in expected]


# --- attestations --------------------------------------------------------------------------------------------

def _attestation_table(folder: Path, rows: list[dict[str, Any]]) -> Path:
    from feoc.load.columns import kind_schema

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entities.yaml").write_text(yaml.safe_dump({"entities": ENTITIES}), encoding="utf-8")
    typed = [{k: dt.date.fromisoformat(v) if k in ("signed", "until") else v for k, v in r.items()} for r in rows]
    names = [n for n in kind_schema("attestations").names if any(n in r for r in rows)]
    schema = pa.schema([kind_schema("attestations").field(n) for n in names])
    pq.write_table(pa.Table.from_pylist(typed, schema=schema), folder / "attestations.parquet")
    return folder / "attestations.parquet"


def _after_place(problem: Problem) -> str:
    text = re.sub(r"^(\w+\[\d+\] [\w.]+: |row \d+(, column [\w.]+)?: )", "", problem.message)
    return f"{text} — {problem.fix}"


BAD_ATTESTATIONS = {  # a change to the attestation: the YAML loader's problem, at the same field
    "two subjects": ({"about": {"entity": "supplier", "facility": "kr-plant"}}, "about"),
    "a component of an entity": ({"about": {"entity": "supplier", "component": "cathode"}}, "about"),
    "until before signed": ({"until": "2025-01-01"}, "until"),
    "an unknown signer": ({"by": "nobody"}, "by"),
    "an unknown subject": ({"about": {"entity": "nobody"}}, "about.entity"),
    "a claim not in the vocabulary": ({"claim": "no_problem"}, "claim"),
    "a signer that is no slug": ({"by": "The Supplier"}, "by"),
    "a blank document": ({"document": "  "}, "document"),
}


@pytest.mark.parametrize("case", sorted(BAD_ATTESTATIONS))
def test_hostile_a_bad_attestation_in_parquet_reads_as_the_yaml_problem(tmp_path, case):
    """Hostile matrix (attestations): each bad attestation in row 2 of `attestations.parquet` is the YAML
    loader's problem (same words, same fix) at `row 2, column <field>`, on both load paths."""
    change, column = BAD_ATTESTATIONS[case]
    good = {**ATTESTATIONS[0], "id": "att-0"}
    bad = {**ATTESTATIONS[0], **change}
    yaml_world = write_world(tmp_path / "yaml", entities=ENTITIES, attestations=[good, bad])
    path = _attestation_table(tmp_path / "pq", [good, bad])
    expected = [(_after_place(p), p.message.split(" ", 2)[1].rstrip(":")) for p in problems_of(yaml_world)]
    assert expected, case
    for compact in (False, True):
        found = problems_of(tmp_path / "pq", compact=compact)
        assert sorted(map(_after_place, found)) == sorted(words for words, _ in expected), case
        record_level = [p for p in found if p.file == str(path)]
        assert any(p.message.startswith(f"row 2, column {column}: ") for p in record_level), found


def test_user_story_an_attestation_from_parquet_is_relied_on_as_from_yaml(tmp_path):
    """Story (26 CFR 1.30D-6(b)): the supplier's attestation closes the gap of its unrecorded jurisdiction; read
    from `attestations.parquet` it is relied on in the very words and JSON `relies_on` of the YAML dataset."""
    yaml_world = write_world(tmp_path / "yaml", entities=ENTITIES, holdings=HOLDINGS[:1], attestations=ATTESTATIONS)
    convert(yaml_world, "parquet", tmp_path / "pq")
    outs = {}
    for fmt in ("text", "json"):
        outs[fmt] = [cli("check", "entity", "supplier", "--data", str(tmp_path / f), "--on", ON, "--format", fmt)
                     for f in ("yaml", "pq")]
        assert outs[fmt][0].exit_code == outs[fmt][1].exit_code == 0, outs[fmt][0].output
        assert outs[fmt][0].output == outs[fmt][1].output
    assert "relies on: attestation att-1 (supplier-attestation-2026.pdf" in outs["text"][1].output
    assert '"relies_on"' in outs["json"][1].output and "att-1" in outs["json"][1].output


def test_convert_to_yaml_refuses_a_bound_yaml_cannot_hold_naming_its_column(tmp_path):
    """A float64 bound YAML cannot hold exactly (more than 15 significant digits): `feoc convert --to yaml` refuses
    it at its row and companion column (exit 2, nothing written), as it refuses such an exact share, instead of
    writing a YAML file the loader would refuse."""
    path = _holdings_table(tmp_path / "pq", [GOOD, {**GOOD, "equity": None, "equity_max": 0.30000000000000004}])
    result = cli("convert", str(tmp_path / "pq"), "--to", "yaml", "--out", str(tmp_path / "yaml"))
    assert result.exit_code == 2, result.output
    assert f"{path}: row 2, column equity_max: share 0.30000000000000004 has more than 15" in result.output
    assert not (tmp_path / "yaml").exists() or not any((tmp_path / "yaml").iterdir())
