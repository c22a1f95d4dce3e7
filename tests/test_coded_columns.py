"""Issue 17, memory: a compact Parquet load keeps a field of few values (an entity's type and countries, a holding's
dates) as `Codes`, a small integer per record (`data/columns.py`), read everywhere as the values it stands for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feoc.data.columns import Codes, Repeat
from feoc.determine.bulk_graphs import _in_force
from feoc.engine.columnar import encode, encode_text
from feoc.law.law import Law
from feoc.load.checks import country_hits
from feoc.load.folder import load_dataset

LAW = Law.load(Path(__file__).resolve().parents[1] / "rules")
FEW = ["entities.type", "entities.country", "entities.incorporated_in", "holdings.start", "holdings.end"]


@pytest.fixture(scope="module")
def loads(parquet_world_2000):
    return load_dataset(parquet_world_2000, LAW, compact=True), load_dataset(parquet_world_2000, LAW)


@pytest.mark.parametrize("field", FEW)
def test_a_field_of_few_values_is_held_as_codes_and_reads_as_the_records_do(loads, field):
    """A screen of a Parquet world: the type, countries and dates of 2,000 entities and their holdings are codes,
    and read value for value as the full (pydantic) load gives them."""
    compact, full = loads
    kind, name = field.split(".")
    column = compact.column(kind, name)
    assert isinstance(column, Codes) and column.codes.dtype.itemsize <= 2
    expected = [getattr(r, name) for r in getattr(full, kind)]
    assert list(column) == expected and column == expected
    assert [column[i] for i in range(len(column))] == expected and column[3:9] == expected[3:9]


def test_the_ids_stay_lists_and_names_are_not_coded(loads):
    """Values that seldom repeat gain nothing from codes: the ids are the strings the holdings point at (by the
    entities' positions, `Refs`: tests/test_shared_ids.py), the names one buffer (`Texts`,
    tests/test_compact_texts.py)."""
    compact, _ = loads
    ids = compact.column("entities", "id")
    assert isinstance(ids, list)
    assert compact.column("holdings", "holder").values is ids
    assert not isinstance(compact.column("entities", "name"), Codes)


@given(st.lists(st.lists(st.sampled_from(["a", "b", None, "c"]), min_size=0, max_size=40), min_size=1, max_size=5))
def test_parts_joined_read_as_their_values_in_order(parts):
    """Parts of one column (a table read 2^18 rows at a time, or several files) joined: the same values in order."""
    pool = {v: v for v in ["a", "b", "c", None]}  # one object per value, as `parquet_columns.Seen` keeps them
    made = []
    for part in parts:
        values = sorted({pool[v] for v in part}, key=str) or [None]
        made.append(Codes(np.array([values.index(v) for v in part], dtype=np.uint8), values))
    joined = Codes.joined(made)
    assert list(joined) == [v for p in parts for v in p]


def test_the_code_width_follows_the_number_of_values():
    """Up to 256 values a byte a record, up to 65,536 two bytes."""
    few = Codes.joined([Codes(np.arange(256, dtype=np.uint16), [str(i) for i in range(256)])])
    more = Codes.joined([Codes(np.arange(257, dtype=np.uint16), [str(i) for i in range(257)])])
    assert few.codes.dtype == np.uint8 and more.codes.dtype == np.uint16
    assert list(more) == [str(i) for i in range(257)]


def test_the_rules_read_a_coded_column_as_the_list_it_stands_for():
    """The bulk path's entity facts (`encode_text`): a missing value is "", the same codes' values as `encode`."""
    values = ["company", None, "person", "company", ""]
    coded = Codes(np.array([0, 1, 2, 0, 3], dtype=np.uint8), ["company", None, "person", ""])
    for column in (encode_text(coded), encode_text(values)):
        assert [column.values[c] for c in column.codes] == [v or "" for v in values]
    plain, text = encode([v or "" for v in values]), encode_text(values)
    assert plain.values == text.values and plain.codes.tolist() == text.codes.tolist()


@pytest.mark.parametrize("day", [dt.date(2023, 12, 31), dt.date(2024, 1, 1), dt.date(2024, 6, 1)])
def test_holdings_in_force_read_from_coded_dates_as_from_a_list(day):
    """`from` inclusive, `until` exclusive, on both sides of each date, coded or not."""
    dates = [None, dt.date(2024, 1, 1), dt.date(2024, 6, 1)]
    starts = [dates[i % 3] for i in range(9)]
    ends = [dates[i // 3] for i in range(9)]
    as_codes = [Codes(np.array([dates.index(d) for d in c], dtype=np.uint8), dates) for c in (starts, ends)]
    assert _in_force(*as_codes, day).tolist() == _in_force(starts, ends, day).tolist()


_TYPES = st.sampled_from(["company", "person", "government", "agency", "fund"])
_PLACES = st.sampled_from([None, "", "CN", "HK", "MO", "JP"])


def _coded(values: list, repeat: bool) -> Codes | Repeat:
    if repeat and len(set(values)) == 1:
        return Repeat(values[0], len(values))
    distinct = list(dict.fromkeys(values))
    return Codes(np.array([distinct.index(v) for v in values], dtype=np.uint8), distinct)


@given(st.lists(st.tuples(_TYPES, _PLACES, _PLACES, _PLACES, _PLACES), min_size=1, max_size=40), st.booleans())
def test_country_warnings_on_coded_columns_are_those_on_lists(records, repeat):
    """Issue 17, time: `feoc screen` warns about countries (a company with a country but no jurisdiction, a region's
    government body or political figure) on a bulk load's coded columns, looking only at the records it can warn
    about; it finds exactly what a pass over every record finds (the records of `validate` and `check`)."""
    columns = [list(field) for field in zip(*records)]
    ids = [f"e{i}" for i in range(len(records))]
    regions = {"HK": "CN", "MO": "CN"}
    gov = frozenset({"government", "agency"})
    expected = country_hits(*columns, ids, gov, regions)
    assert country_hits(*(_coded(c, repeat) for c in columns), ids, gov, regions) == expected
