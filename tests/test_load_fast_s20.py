"""Issue 17 (performance), the load of a Parquet and a YAML world (session 20): the faster ways of reading give
the very same dataset and the very same problems as the ways they replace.

- the search for plain YAML shares that YAML would round (`share_digits.problems`) starts at a colon, not at every
  position: it finds exactly what the former one-regex search found, at the same line;
- a Parquet table read in parts shares one object per distinct value across its parts, and finds a part's new
  values in Arrow (`parquet_columns.Seen`): the columns equal a read in one part, and a value the models refuse in a
  later part still sends the table to the record-by-record read;
- the totals over 100 % sweep the holdings' columns, never making a record for it (`totals._over_100`);
- `has_ranges` answers from a compact column's type (a float64 `Shares` holds no range) without reading it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from feoc.data.columns import ArrowTexts, Repeat, Shares
from feoc.data.problems import InputError, Problem
from feoc.data.values import ShareRange
from feoc.determine.ranges import has_ranges
from feoc.law.law import Law
from feoc.load import folder, parquet, share_digits
from feoc.load.columns import Rows, kind_columns, kind_schema
from feoc.load.parquet_columns import Seen, read_columns

LAW = Law.load()

# the search as it was (session 19): a key, a colon, a number YAML would round
_FORMER = re.compile(r"\b(equity|voting|board_seats|debt)[ \t]*:[ \t]*(?=[0-9.]*_|[0-9]*\.0*[1-9][0-9]{15})"
                     r"([0-9][0-9._]*|\.[0-9._]+)")

PLAIN_TEXTS = [
    "holdings:\n- holder: a\n  entity: b\n  equity: 0.2_5\n",
    "holdings:\n- {holder: a, entity: b, voting: 0.249999999999999999999, debt: .1_0}\n",
    "  board_seats :  0.25000000000000000001\n  xequity: 1_0\n  my_debt: 0.1_1\n",
    "equity: 1_0: 2_0\nequity: 0.1_2debt: 0.3_3\n\"equity\": 0.1_1\nequity:\n  0.1_1\n",
    "note: 'equity: 0.2_5 is written here'\nid: e_1\nstart: 2024-01-01\nequity: 0.25\nvoting: 1e-3\n",
    "equity: 0.0000000000000001234567890123456\nequity: 0.1234567890123456\ndebt: 12345678901234567\n",
    "",
]


@pytest.mark.parametrize("text", PLAIN_TEXTS)
def test_user_story_a_share_yaml_would_round_is_found_as_before(text):
    """Hostile new user: `equity: 0.249999999999999999999` must not silently become 25 % — same problems, same lines."""
    former = [Problem("f.yaml", text.count("\n", 0, m.start()) + 1,
                      f"{m.group(1)} `{m.group(2)}` is written with digit separators or more than 15 significant "
                      "digits, which YAML rounds before feoc can read it",
                      "write the share with fewer digits, no `_`, e.g. 0.2499999 or \"24.99999%\"")
              for m in _FORMER.finditer(text)]
    assert share_digits.problems(text, "f.yaml") == former


def test_the_plain_share_search_agrees_on_a_generated_world_text():
    """The bench world's text (no such share) and the same text with such shares slipped into random lines."""
    rng = np.random.default_rng(17)
    lines = [f"  equity: 0.{rng.integers(10**6)}" if i % 3 else f"- holder: e{i}\n  entity: e_{i + 1}"
             for i in range(3000)]
    for i in rng.choice(len(lines), 40, replace=False).tolist():
        lines[i] = rng.choice(["  voting: 0.3_0", "  debt : 0.12345678901234567", "  board_seats: 1_0 # x",
                               "  equity: 0.5"])
    text = "holdings:\n" + "\n".join(lines) + "\n"
    assert [(p.line, p.message.split("`")[1]) for p in share_digits.problems(text, "w")] == \
        [(text.count("\n", 0, m.start()) + 1, m.group(2)) for m in _FORMER.finditer(text)]


def _entities(n: int, offset: int = 0) -> list[dict[str, Any]]:
    return [{"id": f"e{(i + offset) % 7}-{i + offset}", "name": f"E {i}", "type": ("company", "person")[i % 2],
             "country": ("CN", None, "US")[i % 3]} for i in range(n)]


def _holdings(n: int) -> list[dict[str, Any]]:
    return [{"holder": f"h{i % 5}", "entity": f"x{i % 11}", "equity": 0.01, "from": dt.date(2020, 1, 1 + i % 28)}
            for i in range(n)]


def _table(kind: str, rows: list[dict[str, Any]]) -> pa.Table:
    names = [n for n in kind_columns(kind) if any(n in r for r in rows)]
    return pa.Table.from_pylist(rows, schema=pa.schema([kind_schema(kind).field(n) for n in names]))


@pytest.mark.parametrize("kind,rows", [("entities", _entities(60)), ("holdings", _holdings(90))])
def test_user_story_a_table_read_in_parts_equals_one_read_whole(kind, rows):
    """Issue 17 user story: a 10M-row table is read in parts; its columns are those of a read in one part, and a
    value met in several parts is one object (one string per holder, not one per part)."""
    table = _table(kind, rows)
    whole = read_columns(kind, table)
    seen: dict[str, Seen] = {}
    parts = [read_columns(kind, table.slice(a, 16), seen) for a in range(0, len(rows), 16)]
    assert whole is not None and all(p is not None for p in parts)
    joined = [[v for p in parts for v in p[i]] for i in range(len(whole))]  # type: ignore[index]
    assert [list(c) for c in whole] == joined
    # the holdings' holder and entity stay Arrow text until the entities they name are found (session 22: their
    # objects are then the entities' own ids, `Refs`; tests/test_load_s22_parquet.py)
    assert all(isinstance(p[list(kind_columns(kind)).index(f)], ArrowTexts) for p in parts  # type: ignore[index]
               for f in ("holder", "entity") if kind == "holdings")
    for field in ("from",) if kind == "holdings" else ("type", "country"):
        column = [v for v in joined[list(kind_columns(kind)).index(field)] if v is not None]
        assert len({id(v) for v in column}) == len(set(column)), field  # one object per value across the parts


def test_hostile_a_value_the_models_refuse_in_a_later_part_still_gives_up():
    """A bad id in the second part only: the bulk read gives up, so the models word the problem (row and column)."""
    rows = _entities(40) + [{"id": "Bad Id!", "name": "x", "type": "company"}]
    table = _table("entities", rows)
    seen: dict[str, Seen] = {}
    assert read_columns("entities", table.slice(0, 32), seen) is not None
    assert read_columns("entities", table.slice(32), seen) is None


def test_hostile_a_bad_type_in_a_later_streamed_part_names_its_row(tmp_path, monkeypatch):
    """The same through the whole load, parts of 16 rows: `row 41, column type`, exactly as a read in one part."""
    rows = _entities(40) + [{"id": "late", "name": "x", "type": "compnay"}]
    pq.write_table(_table("entities", rows), tmp_path / "entities.parquet", row_group_size=16)
    found = {}
    for size in (16, parquet.STREAM_ROWS):
        monkeypatch.setattr(parquet, "STREAM_ROWS", size)
        with pytest.raises(InputError) as info:
            folder.load_dataset(tmp_path, LAW, compact=True)
        found[size] = [p.message for p in info.value.problems]
    assert found[16] == found[parquet.STREAM_ROWS]
    assert any(m.startswith("row 41, column type: unknown entity type `compnay`") for m in found[16]), found[16]


def _world(tmp_path: Path, holdings: list[dict[str, Any]]) -> Path:
    ids = sorted({h[k] for h in holdings for k in ("holder", "entity")})
    pq.write_table(_table("entities", [{"id": i, "name": i, "type": "company"} for i in ids]),
                   tmp_path / "entities.parquet")
    pq.write_table(_table("holdings", holdings), tmp_path / "holdings.parquet")
    return tmp_path


def test_user_story_stakes_over_100_percent_over_the_years_make_no_record(tmp_path, monkeypatch):
    """Two 60 % stakes that never overlap (one ends the day the other starts): valid, and the sweep reads the
    holdings' columns only (issue 17: it made 260k records of a million-entity world one by one)."""
    _world(tmp_path, [
        {"holder": "a", "entity": "t", "equity": 0.6, "debt": 0.6, "until": dt.date(2021, 1, 1)},
        {"holder": "b", "entity": "t", "equity": 0.6, "debt": 0.6, "from": dt.date(2021, 1, 1)}])

    def no_record(self: Rows, i: Any) -> Any:
        raise AssertionError("a record made for the totals")

    monkeypatch.setattr(Rows, "__getitem__", no_record)
    dataset = folder.load_dataset(tmp_path, LAW, compact=True)
    assert len(dataset.holdings) == 2


@pytest.mark.parametrize("compact", [False, True])
def test_hostile_stakes_over_100_percent_at_once_are_named_as_before(tmp_path, compact):
    """The same problems from a compact (columns) and a model load: the row, the total, the day and the holders."""
    _world(tmp_path, [
        {"holder": "a", "entity": "t", "voting": 0.6, "from": dt.date(2020, 1, 1)},
        {"holder": "b", "entity": "t", "voting": 0.5, "from": dt.date(2022, 3, 1), "until": dt.date(2023, 1, 1)},
        {"holder": "a", "entity": "u", "debt": 0.7}, {"holder": "b", "entity": "u", "debt": 0.4}])
    with pytest.raises(InputError) as info:
        folder.load_dataset(tmp_path, LAW, compact=compact)
    assert [(p.message, p.fix) for p in info.value.problems] == [
        ("row 2, column voting: voting held in `t` adds up to 110.00% on 2022-03-01 (a 60.00%, b 50.00%)",
         "correct the shares or the from/until dates so they total at most 100 %"),
        ("row 4, column debt: debt held in `u` adds up to 110.00% from the start",
         "correct the debt shares or the from/until dates so they total at most 100 %")]


class _Data:
    def __init__(self, columns: dict[str, Any]):
        self.columns = {"holdings": columns}

    def column(self, kind: str, name: str) -> Any:
        return self.columns[kind][name]


def test_has_ranges_reads_a_compact_column_by_its_type(monkeypatch):
    """A float64 column of shares holds no range: answered without reading 10^6 values; a list or a repeated value
    with a range says so."""
    def unread(self: Shares) -> Any:
        raise AssertionError("the shares read one by one")

    monkeypatch.setattr(Shares, "__iter__", unread)
    exact = {m: Shares(np.array([0.1, np.nan])) for m in ("equity", "voting", "board_seats")} | {"debt": Repeat(None, 2)}
    assert not has_ranges(_Data(exact))  # type: ignore[arg-type]
    assert has_ranges(_Data(exact | {"voting": [0.1, ShareRange(0.2, 0.3)]}))  # type: ignore[arg-type]
    assert has_ranges(_Data(exact | {"debt": Repeat(ShareRange(0.0, 0.5), 2)}))  # type: ignore[arg-type]
    assert not has_ranges(_Data(exact | {"debt": (None, 0.5)}))  # type: ignore[arg-type]


def test_hostile_a_cached_share_text_or_year_start_is_refused_every_time():
    """The share text and the taxable-year start are parsed once per distinct text (issue 17: a YAML load parsed
    "25%" in Decimal 10^5 times): a refused text is refused again with the same words, never cached as a value."""
    from feoc.data.model import year_start
    from feoc.data.values import parse_share

    words = []
    for _ in range(2):
        with pytest.raises(ValueError) as info:
            parse_share("24.99999999999999999%")
        words.append(str(info.value))
        assert parse_share("25%") == 0.25 and parse_share("33.3 %") == parse_share("0.333")
        assert year_start("02-29") is None and year_start("10-01") == (10, 1) and year_start(None) is None  # type: ignore[arg-type]
    assert words[0] == words[1] and "more than 15 significant digits" in words[0]
