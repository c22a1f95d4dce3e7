"""Issue 17, "a columnar load path for bulk work (YAML too)": a compact load (`feoc screen`) checks a YAML file's
entities and holdings as columns (`feoc.load.yaml_columns`); the pydantic models stay the contract and word every
problem. These tests hold the two paths equal:

- the columns equal the models' columns value for value and type for type (the seeds, a generated world, the 100k
  bench world's files when present, and generated records: percent texts, ranges, nulls, dates, `from`/`until`);
- on records the models refuse, the column read gives up (the list then goes through the models), never accepts;
- every hostile dataset of the suite reports the very same problems with the column read on and off
  (`FEOC_YAML_COLUMNS=0`), and a valid one loads the same columns, in one process or in two.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from feoc.data.columns import Codes, Shares
from feoc.data.model import KINDS
from feoc.data.problems import InputError
from feoc.data.values import ShareRange
from feoc.data.yamlio import load_yaml_file
from feoc.determine.bulk_graphs import _in_force
from feoc.engine.columnar import encode_text
from feoc.law.law import Law
from feoc.load import folder, yaml_columns
from feoc.load.folder import load_dataset
from feoc.load.validation import ADAPTERS
from test_parquet_input import BULK_CASES, ENTITY, HOLDING

LAW = Law.load()
TESTS = Path(__file__).parent
ROOT = TESTS.parent
SEEDS = ROOT / "seeds"
CORPUS = TESTS / "bad_inputs"
WORLD_100K = Path("/tmp/feoc-bench-world-100000-s1")
KINDS_READ = ("entities", "holdings")


# ---- helpers ---------------------------------------------------------------------------------------------------

def models_columns(kind: str, items: list[Any]) -> list[Any] | None:
    """The models' path: every record validated by its model, the columns `folder._one_object_per_value` makes;
    None when the models refuse a record."""
    try:
        models = ADAPTERS[kind].validate_python(items)
    except ValidationError:
        return None
    return folder._one_object_per_value(kind, models, {})


def exact(value: Any) -> Any:
    """A value as compared here: its type, and a float by its bits (-0.0 is not 0.0) and a range's upper bound."""
    if isinstance(value, float):
        return type(value), value.hex(), getattr(value, "max", None)
    return type(value), value


def assert_same_columns(kind: str, fast: Any, slow: Any) -> None:
    assert fast is not None and slow is not None
    assert len(fast) == len(slow) == len(KINDS[kind].model_fields)
    for name, a, b in zip(KINDS[kind].model_fields, fast, slow):
        assert list(map(exact, a)) == list(map(exact, b)), f"{kind}.{name}"


def lists_of(path: Path) -> dict[str, list[Any]]:
    raw, _ = load_yaml_file(path, dates=False)  # as the load reads it: dates stay text
    return {k: v for k, v in (raw or {}).items() if k in KINDS_READ and isinstance(v, list) and v}


def dated(row: Any) -> Any:
    """A row as the YAML parser gives it (`dates=False`): a date as its ISO text (a row that is no mapping as is)."""
    if not isinstance(row, dict):
        return row
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}


def write_yaml(path: Path, lists: dict[str, list[dict[str, Any]]]) -> None:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({k: [dated(r) for r in rows] for k, rows in lists.items()}, sort_keys=False),
                    encoding="utf-8")


def load_both(data: Path, monkeypatch: pytest.MonkeyPatch, workers: int = 1) -> tuple[Any, Any]:
    """The compact load of `data` with the column read off and on: (dataset or problems) each."""
    out = []
    monkeypatch.setenv("FEOC_YAML_SCAN", "0")  # these compare the parser's columns with the models (the scan's own:
    for switch in ("0", "1"):                  # tests/test_yaml_scan.py)
        monkeypatch.setenv(yaml_columns.SWITCH, switch)
        try:
            out.append(load_dataset(data, LAW, compact=True, workers=workers))
        except InputError as exc:
            out.append(exc.problems)
    return out[0], out[1]


def assert_same_load(slow: Any, fast: Any) -> None:
    if isinstance(slow, list) or isinstance(fast, list):
        assert fast == slow  # the same problems, word for word, in the same order
        return
    assert slow.columns.keys() == fast.columns.keys()
    for kind, fields in slow.columns.items():
        for name, column in fields.items():
            assert list(map(exact, fast.columns[kind][name])) == list(map(exact, column)), f"{kind}.{name}"
    for kind in KINDS:
        assert list(getattr(fast, kind)) == list(getattr(slow, kind)), kind


# ---- the columns equal the models' ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.yaml")), ids=lambda p: p.name)
def test_user_story_the_seeds_are_read_as_columns_equal_to_the_models(path):
    """The shipped seeds (AESC, Envision, the automakers…): each list is read as columns, not given up, and its
    columns are the models' columns."""
    for kind, items in lists_of(path).items():
        before = copy.deepcopy(items)
        fast = yaml_columns.read_columns(kind, items, {})
        assert items == before  # the records are read, never changed (a give-up validates them afterwards)
        assert_same_columns(kind, fast, models_columns(kind, items))


def test_user_story_a_generated_world_is_read_as_columns_equal_to_the_models(tmp_path):
    """bench/gen_world.py's world (3,000 entities, percent texts, dated stakes, sources, aliases, persons)."""
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "3000", "--files", "2",
                    "--out", str(tmp_path / "w")], check=True, capture_output=True, timeout=300)
    read = 0
    for path in sorted((tmp_path / "w").glob("*.yaml")):
        for kind, items in lists_of(path).items():
            assert_same_columns(kind, yaml_columns.read_columns(kind, items, {}), models_columns(kind, items))
            read += 1
    assert read == 4


@pytest.mark.skipif(not WORLD_100K.is_dir(), reason="the 100k bench world is not on this machine")
@pytest.mark.parametrize("name", ["world-00.yaml", "world-09.yaml"])
def test_the_100k_worlds_files_are_read_as_columns_equal_to_the_models(name):
    for kind, items in lists_of(WORLD_100K / name).items():
        fast = yaml_columns.read_columns(kind, items, {})
        assert_same_columns(kind, fast, models_columns(kind, items))
        if kind == "holdings":  # kept compact: shares as one array, dates as codes
            fields = list(KINDS[kind].model_fields)
            assert isinstance(fast[fields.index("equity")], Shares)
            assert isinstance(fast[fields.index("start")], Codes)
        else:
            assert isinstance(fast[list(KINDS[kind].model_fields).index("type")], Codes)


# ---- generated records -----------------------------------------------------------------------------------------

SLUGS = st.sampled_from(["catl", "byd", "sasac", "cn-gov", "kr-maker", "a1"])
PLAIN_SHARES = st.one_of(
    st.floats(min_value=0.0, max_value=1.0), st.sampled_from([-0.0, 0.0, 1.0, 0, 1]),
    st.sampled_from(["25%", "25 %", "0.25", "100%", "0%", "33.3%", " 50% ", "0.2499999"]),
    st.fixed_dictionaries({}, optional={"min": st.sampled_from([0.1, "20%", -0.0]),
                                        "max": st.sampled_from([0.3, "50%", 1.0])}).filter(bool))
BAD_SHARES = st.sampled_from([1.5, -0.1, float("nan"), float("inf"), "150%", "a quarter", "20%-30%", True, None,
                              {"min": 0.4, "max": 0.2}, {"min": None}, {}, {"low": 0.1}, [0.2], "2_5%"])
PLAIN_DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)).map(dt.date.isoformat)
BAD_DATES = st.sampled_from(["2024-02-30", "1850-01-01", "2101-01-01", "01/02/2024", "", None, 2024, " 2024-01-01"])


def _holding(shares: Any, dates: Any, extra: dict[str, Any]) -> Any:
    optional = {"voting": shares, "board_seats": shares, "debt": shares, "from": dates, "until": dates,
                "appoints_officers": st.booleans(), **extra}
    return st.fixed_dictionaries({"holder": SLUGS, "entity": SLUGS, "equity": shares}, optional=optional)


PLAIN_HOLDINGS = st.lists(_holding(PLAIN_SHARES, PLAIN_DATES, {}), min_size=1, max_size=12)
HOSTILE_HOLDINGS = st.lists(_holding(
    st.one_of(PLAIN_SHARES, BAD_SHARES), st.one_of(PLAIN_DATES, BAD_DATES),
    {"start": PLAIN_DATES, "equtiy": st.just(0.3), "note": st.sampled_from(["why", None, 3]),
     "assumed": st.sampled_from([True, False, "yes", None]), "assumption": st.sampled_from(["from a filing", " ", None]),
     "sources": st.sampled_from([[], [{"doc": "a.pdf", "quote": "owns 25%"}], [{"doc": "a.pdf"}], None])}),
    min_size=1, max_size=12)
COUNTRIES = st.sampled_from(["CN", "US", "KR", "NO", None])
BAD_COUNTRIES = st.sampled_from(["cn", "XX", "China", False, 86, ""])
TYPES = st.sampled_from(["company", "person", "government", "agency"])


def _entity(countries: Any, extra: dict[str, Any], bad: dict[str, Any] | None = None) -> Any:
    """An entity record; `extra` adds or replaces optional fields, `bad` adds values to the required ones."""
    optional = {"country": countries, "incorporated_in": countries, "headquartered_in": countries,
                "aliases": st.lists(st.sampled_from(["A", " B ", "CATL Co"]), max_size=3),
                "tax_year_start": st.sampled_from(["01-01", "10-01", "07-01"]), "note": st.sampled_from(["n", None]),
                "sources": st.sampled_from([[], [{"doc": "r.pdf", "quote": "x"}]]), **extra}
    required = {"id": SLUGS, "name": st.sampled_from(["CATL", "  BYD  ", "SK On"]), "type": TYPES}
    return st.fixed_dictionaries({k: st.one_of(v, bad[k]) if bad and k in bad else v for k, v in required.items()},
                                 optional=optional)


PLAIN_ENTITIES = st.lists(_entity(COUNTRIES, {}), min_size=1, max_size=12)
HOSTILE_ENTITIES = st.lists(_entity(st.one_of(COUNTRIES, BAD_COUNTRIES), {
    "citizenship": st.sampled_from([["CN"], [], ["cn"], None]), "us_person": st.sampled_from([True, False, None, "no"]),
    "political_figure_of": COUNTRIES, "tax_form": st.sampled_from(["corporation", None]),
    "tax_year_start": st.sampled_from(["02-29", "1-1", None, 101, "10-01"]),
    "aliases": st.sampled_from([None, ["A", None], "A", [" X "]]),
    "assumed": st.booleans(), "assumption": st.sampled_from(["why", None])},
    {"name": st.sampled_from(["   ", "A\x1b[2J", None]), "id": st.sampled_from(["Not A Slug", 7]),
     "type": st.sampled_from([None, 3])}), min_size=1, max_size=12)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(PLAIN_HOLDINGS)
def test_property_plain_holdings_are_read_as_columns_equal_to_the_models(items):
    """Holdings with shares as floats, integers, percent texts and ranges, dates as text, `from`/`until`: read here
    (never given up) and equal to the models' columns, a range kept as the models' `ShareRange`."""
    slow = models_columns("holdings", items)
    if slow is None:  # holder and entity drawn equal, or no share: the models refuse it, so must this read
        assert yaml_columns.read_columns("holdings", items, {}) is None
        return
    assert_same_columns("holdings", yaml_columns.read_columns("holdings", items, {}), slow)


@SETTINGS
@given(PLAIN_ENTITIES)
def test_property_plain_entities_are_read_as_columns_equal_to_the_models(items):
    slow = models_columns("entities", items)
    assert_same_columns("entities", yaml_columns.read_columns("entities", items, {}), slow)


@SETTINGS
@given(HOSTILE_HOLDINGS)
def test_property_hostile_holdings_are_never_accepted_where_the_models_refuse(items):
    """Bad shares (NaN, 150 %, a band as text, a range upside down, a boolean), bad dates, nulls, a typo'd key:
    the column read gives up on every list the models refuse, and where it reads, it reads as they do."""
    fast, slow = yaml_columns.read_columns("holdings", items, {}), models_columns("holdings", items)
    if slow is None:
        assert fast is None
    elif fast is not None:
        assert_same_columns("holdings", fast, slow)


@SETTINGS
@given(HOSTILE_ENTITIES)
def test_property_hostile_entities_are_never_accepted_where_the_models_refuse(items):
    fast, slow = yaml_columns.read_columns("entities", items, {}), models_columns("entities", items)
    if slow is None:
        assert fast is None
    elif fast is not None:
        assert_same_columns("entities", fast, slow)


YAML_CASES = {  # (kind, a change to one record of four): the YAML shapes a Parquet table cannot hold
    "a percent text": ("holdings", {"equity": "25%"}, True),
    "a percent text with a space": ("holdings", {"equity": "25 %"}, True),
    "an integer share": ("holdings", {"equity": 1}, True),
    "a range": ("holdings", {"equity": {"min": "20%", "max": 0.3}}, True),
    "a range with equal bounds": ("holdings", {"equity": {"min": 0.25, "max": "25%"}}, True),
    "a range upside down": ("holdings", {"equity": {"min": 0.3, "max": 0.2}}, False),
    "a band written as text": ("holdings", {"equity": "20%-30%"}, False),
    "a boolean share": ("holdings", {"equity": True}, False),
    "a null share beside another": ("holdings", {"equity": None, "voting": 0.1}, True),
    "a NaN share": ("holdings", {"equity": float("nan")}, False),
    "`start` for `from`": ("holdings", {"start": "2024-01-01"}, None),
    "a typo": ("holdings", {"equtiy": 0.3}, False),
    "a date as a number": ("holdings", {"from": 2024}, False),
    "a null date": ("holdings", {"until": None}, True),
    "dates in order": ("holdings", {"from": "2024-01-01", "until": "2025-01-01"}, True),
    "dates out of order": ("holdings", {"from": "2025-01-01", "until": "2024-01-01"}, False),
    "a null appoints_officers": ("holdings", {"appoints_officers": None}, False),
    "officers as yes": ("holdings", {"equity": None, "appoints_officers": "yes"}, None),
    "a record that is a list": ("holdings", ["catl", "byd"], False),
    "a null aliases": ("entities", {"aliases": None}, False),
    "a null type": ("entities", {"type": None}, False),
    "a null tax_year_start": ("entities", {"tax_year_start": None}, False),
    "a null country": ("entities", {"country": None}, True),
    "a number as a name": ("entities", {"name": 42}, False),
    "a nested source": ("entities", {"sources": [{"doc": "a.pdf", "quote": "q"}]}, True),
    "a source with an unknown field": ("entities", {"sources": [{"doc": "a.pdf", "quote": "q", "page": 3}]}, False),
    "us_person on a person": ("entities", {"type": "person", "us_person": False}, True),
    "us_person on a company": ("entities", {"us_person": False}, False),
}


@pytest.mark.parametrize("case", sorted(set(BULK_CASES) | set(YAML_CASES)))
def test_hostile_one_odd_record_reads_as_the_models_or_is_given_up(case):
    """A change to one record of four (test_parquet_input's cases, written as YAML, and YAML's own): the column read
    equals the models' columns, or gives up on what the models refuse (`valid`: False) or what it does not read
    itself (None: the models then read it)."""
    kind, change, valid = YAML_CASES[case] if case in YAML_CASES else (*BULK_CASES[case], None)
    base = ENTITY if kind == "entities" else HOLDING
    items: list[Any] = [{**base, "id": f"r{i}"} if kind == "entities" else {**base, "holder": f"h{i}"}
                        for i in range(3)]
    items.append({**base, **dated(change)} if isinstance(change, dict) else change)
    fast, slow = yaml_columns.read_columns(kind, items, {}), models_columns(kind, items)
    if valid is not None:
        assert (slow is not None) is valid
    if slow is None:
        assert fast is None
    elif valid or fast is not None:
        assert_same_columns(kind, fast, slow)


# ---- every hostile dataset: the same problems with the column read on and off -----------------------------------

CORPUS_CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CORPUS_CASES)
def test_hostile_corpus_reports_the_same_problems_with_the_column_read_on_and_off(case, monkeypatch):
    """Every dataset of tests/bad_inputs (and its valid traps): `feoc screen`'s load reports the very same problems
    (file, line, words, fix, in order) whether YAML lists are read as columns or through the models."""
    slow, fast = load_both(CORPUS / case, monkeypatch)
    assert isinstance(slow, list) is (not case.startswith("valid-"))
    assert_same_load(slow, fast)


@pytest.mark.parametrize("case", sorted(set(BULK_CASES) | set(YAML_CASES)))
def test_hostile_a_folder_with_one_odd_record_loads_alike_on_and_off(case, tmp_path, monkeypatch):
    """The one-record cases as a dataset folder (entities and their holdings, a second valid file beside): the same
    problems, or the same columns, with the column read on and off, in one process and in two."""
    kind, change, _ = YAML_CASES[case] if case in YAML_CASES else (*BULK_CASES[case], None)
    people = [{**ENTITY, "id": i} for i in ("catl", "byd", "h0", "h1", "h2", "r0", "r1", "r2")]
    holdings = [{**HOLDING, "holder": f"h{i}"} for i in range(3)]
    base = {**ENTITY, "id": "odd"} if kind == "entities" else HOLDING
    odd = {**base, **dated(change)} if isinstance(change, dict) else change
    lists = {"entities": people + [odd], "holdings": holdings} if kind == "entities" else \
        {"entities": people, "holdings": [*holdings, odd]}
    write_yaml(tmp_path / "d" / "a.yaml", lists)
    write_yaml(tmp_path / "d" / "b.yaml", {"entities": [{**ENTITY, "id": "sk", "type": "person", "citizenship": ["KR"]}],
                                           "holdings": [{"holder": "sk", "entity": "catl", "equity": "5%"}]})
    for workers in (1, 2):
        assert_same_load(*load_both(tmp_path / "d", monkeypatch, workers))


def test_hostile_issue14_and_matrix_written_files_load_alike_on_and_off(tmp_path, monkeypatch):
    """The hostile matrix's written files (not UTF-8, UTF-16, binary) beside a valid entities file."""
    for name, content in {"latin1": "entities:\n  - {id: nissan, name: Nis\xe9an, type: company}\n".encode("latin-1"),
                          "utf16": "entities:\n  - {id: nissan, name: Nissan, type: company}\n".encode("utf-16"),
                          "binary": b"\x7fELF\x02\x01\x01\x00\x00\x00entities: []\n"}.items():
        data = tmp_path / name
        write_yaml(data / "entities.yaml", {"entities": [ENTITY]})
        (data / "bad.yaml").write_bytes(content)
        slow, fast = load_both(data, monkeypatch)
        assert isinstance(slow, list) and fast == slow


# ---- the load keeps compact columns, joined across worker processes ---------------------------------------------

def test_user_story_a_two_process_load_joins_coded_columns_into_one_value_each(tmp_path, monkeypatch):
    """Two files read by two worker processes: an entity's type, its country and a holding's dates come back as
    `Codes` whose parts hold separate objects; the joined column holds each value once, read as the models read it."""
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "4000", "--files", "2",
                    "--out", str(tmp_path / "w")], check=True, capture_output=True, timeout=300)
    slow, fast = load_both(tmp_path / "w", monkeypatch, workers=2)
    assert_same_load(slow, fast)
    for kind, name in (("entities", "type"), ("entities", "incorporated_in"), ("holdings", "start")):
        column = fast.columns[kind][name]
        assert isinstance(column, Codes), name
        assert len(set(map(exact, column.values))) == len(column.values), name  # each value once
    assert isinstance(fast.columns["holdings"]["equity"], Shares)
    # the bulk path reads the joined columns by their codes: the rules' text columns and the holdings in force
    for name in ("type", "country", "incorporated_in"):
        coded, plain = encode_text(fast.columns["entities"][name]), encode_text(list(slow.columns["entities"][name]))
        assert [coded.values[c] for c in coded.codes] == [plain.values[c] for c in plain.codes], name
    dates = [fast.columns["holdings"][name] for name in ("start", "end")]
    for day in (dt.date(2005, 1, 1), dt.date(2015, 6, 30), dt.date(2024, 6, 1)):
        assert _in_force(*dates, day).tolist() == _in_force(*(list(d) for d in dates), day).tolist()


def test_codes_joined_merges_equal_texts_and_dates_of_parts_that_share_no_objects():
    """`Codes.joined` (data/columns.py): equal texts, dates and None from two processes become one value; any other
    value (a float: -0.0 is not 0.0) stays told apart by its object, as before."""
    a = Codes(np.array([0, 1, 2, 0], dtype=np.uint8), ["company", dt.date(2024, 1, 1), None])
    b = Codes(np.array([1, 0, 2], dtype=np.uint8), ["".join(["comp", "any"]), dt.date(2024, 1, 1), "person"])
    assert a.values[0] is not b.values[1]
    joined = Codes.joined([a, b])
    assert list(joined) == [*a, *b] and joined.values == ("company", dt.date(2024, 1, 1), None, "person")
    floats = Codes.joined([Codes(np.array([0], dtype=np.uint8), [0.0]), Codes(np.array([0], dtype=np.uint8), [-0.0])])
    assert [v.hex() for v in floats] == [(0.0).hex(), (-0.0).hex()]


def test_the_switch_sends_every_list_through_the_models(monkeypatch):
    monkeypatch.setenv(yaml_columns.SWITCH, "0")
    assert not yaml_columns.enabled()
    monkeypatch.setattr(yaml_columns, "read_columns", lambda *a: pytest.fail("read with the switch off"))
    load_dataset(SEEDS, LAW, compact=True)
    monkeypatch.setenv(yaml_columns.SWITCH, "1")
    assert yaml_columns.enabled()


def test_a_range_keeps_the_models_list_and_a_file_without_one_keeps_an_array():
    items = [{**HOLDING, "holder": "a"}, {**HOLDING, "holder": "b", "equity": {"min": 0.2, "max": 0.3}}]
    fields = list(KINDS["holdings"].model_fields)
    ranged = yaml_columns.read_columns("holdings", items, {})
    assert ranged is not None and isinstance(ranged[fields.index("equity")], list)
    assert isinstance(ranged[fields.index("equity")][1], ShareRange) and ranged[fields.index("equity")][1].max == 0.3
    exact_only = yaml_columns.read_columns("holdings", items[:1], {})
    assert exact_only is not None and isinstance(exact_only[fields.index("equity")], Shares)


def test_cli_screen_writes_the_same_csv_with_the_column_read_on_and_off(tmp_path):
    """`feoc screen` through the real CLI (two worker processes on a 2-file world): byte-identical CSV."""
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "2500", "--files", "2",
                    "--out", str(tmp_path / "w")], check=True, capture_output=True, timeout=300)
    outs = []
    for switch in ("0", "1"):
        out = tmp_path / f"screen-{switch}.csv"
        # the scan off: this compares the parser's column read with the models (the scan's own: test_yaml_scan.py)
        env = {**os.environ, yaml_columns.SWITCH: switch, "FEOC_YAML_SCAN": "0", "PYTHONPATH": str(ROOT / "src")}
        done = subprocess.run([sys.executable, "-m", "feoc", "screen", "--data", str(tmp_path / "w"), "--on",
                               "2024-06-01", "--out", str(out)], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode in (0, 1), done.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b"\n") > 2500


@pytest.mark.parametrize("first", [1.0, 1, 0.0, 0], ids=["1.0", "1", "0.0", "0"])
def test_hostile_a_boolean_share_beside_its_equal_number_is_still_refused(first):
    """`equity: true` after `equity: 1.0` (YAML 1.2 reads `true` as a boolean): True, 1 and 1.0 are one key of a
    dict, so the distinct shares alone would read true as 1.0; the models refuse a boolean share, so must this read."""
    items = [{**HOLDING, "holder": "a", "equity": first}, {**HOLDING, "holder": "b", "equity": bool(first)}]
    assert models_columns("holdings", items) is None
    assert yaml_columns.read_columns("holdings", items, {}) is None
