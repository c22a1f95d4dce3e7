"""Issue 17 (performance), the YAML bulk load (session 23): the cheaper ways of reading give the very same problems
and columns as the ways they replace.

- the search for plain YAML shares that YAML would round (`folder._plain_shares`) first looks over the whole text
  for what any such number holds (`folder._CLUES`); a text without it has none, and one with it is searched as
  before: the same problems at the same lines as the former one-regex search, on generated texts;
- the column read (`yaml_columns.read_columns`) no longer searches each column for a null or a field left out: the
  field's adapter or a test of the values' types refuses them; for every field of both kinds, a null and a field
  left out in one record of four are read as the models read them, or given up where the models refuse them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.data.problems import Problem
from feoc.load import folder, yaml_columns
from feoc.load.columns import kind_columns
from test_parquet_input import ENTITY, HOLDING
from test_yaml_columns import assert_same_columns, models_columns

# the search as it was (session 19): a key, a colon, a number YAML would round
_FORMER = re.compile(r"\b(equity|voting|board_seats|debt)[ \t]*:[ \t]*(?=[0-9.]*_|[0-9]*\.0*[1-9][0-9]{15})"
                     r"([0-9][0-9._]*|\.[0-9._]+)")

_PIECES = st.sampled_from(["equity", "voting", "debt", "board_seats", "id", ":", ": ", " ", "\t", "\n", "\n  ", "-",
                           "0", "1", "9", "0.", ".", "_", "1_0", "0000", "1234567890", "12345678", "x", "'", "#"])
_TEXTS = st.lists(_PIECES, max_size=40).map("".join)


def _former(text: str) -> list[Problem]:
    return [Problem("f.yaml", text.count("\n", 0, m.start()) + 1,
                    f"{m.group(1)} `{m.group(2)}` is written with digit separators or more than 15 significant "
                    "digits, which YAML rounds before feoc can read it",
                    "write the share with fewer digits, no `_`, e.g. 0.2499999 or \"24.99999%\"")
            for m in _FORMER.finditer(text)]


@settings(max_examples=2000, deadline=None)
@given(_TEXTS)
def test_property_a_share_yaml_would_round_is_found_as_before_with_the_whole_text_clues(text):
    """Hostile new user: `equity: 0.2_5` or `equity: 0.249999999999999999999` must not silently become 25 %, whether
    the clues let the search run or skip it: the same problems, at the same lines, as the former search."""
    assert folder._plain_shares(text, "f.yaml") == _former(text)
    if _FORMER.search(text):  # a text the clues pass over holds no such number
        assert any(clue.search(text) for clue in folder._CLUES)


def test_user_story_a_generated_world_text_without_such_shares_is_passed_over_by_the_clues():
    """The bench world's kind of text: ids with digits, `board_seats`, shares as 0.7 or "20%", dates — no clue, so no
    search at each colon; one such share written into it is found at its line."""
    text = "".join(f"- holder: maker-{i}\n  entity: fund_x-{i + 1}\n  board_seats: 0.{i}\n  from: 2012-04-01\n"
                   f"  equity: \"{i % 100}%\"\n" for i in range(500))
    assert not any(clue.search(text) for clue in folder._CLUES)
    assert folder._plain_shares(text, "f.yaml") == []
    odd = text + "- holder: a\n  entity: b\n  voting: 0.2_5\n"
    assert [(p.line, p.message.split("`")[1]) for p in folder._plain_shares(odd, "f.yaml")] == [(2503, "0.2_5")]


def _four(kind: str, change: dict[str, Any], drop: str | None) -> list[dict[str, Any]]:
    base = {**ENTITY, "type": "person"} if kind == "entities" else {**HOLDING, "equity": "25%"}
    items: list[dict[str, Any]] = [{**base, "id": f"r{i}"} if kind == "entities" else {**base, "holder": f"h{i}"}
                                   for i in range(4)]
    items[2] = {k: v for k, v in {**items[2], **change}.items() if k != drop}
    return items


@pytest.mark.parametrize("kind,column", [(k, c) for k in ("entities", "holdings") for c in kind_columns(k)])
@pytest.mark.parametrize("how", ["null", "left out", "null in every record"])
def test_hostile_a_null_or_a_field_left_out_reads_as_the_models_or_is_given_up(kind, column, how):
    """Hostile new user: `assumed: null`, a holding without `holder`, `aliases: null`, `equity: null` beside a
    percent text: where the models refuse the list the column read gives up (the models then word the problem);
    where they accept it, it reads what they read."""
    items = _four(kind, {} if how == "left out" else {column: None}, column if how == "left out" else None)
    if how == "null in every record":
        items = [{**item, column: None} for item in items]
    fast, slow = yaml_columns.read_columns(kind, items, {}), models_columns(kind, items)
    if slow is None:
        assert fast is None
    else:
        assert fast is not None, f"{kind}.{column}: the models read it, so does the column read"
        assert_same_columns(kind, fast, slow)
