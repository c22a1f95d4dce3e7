"""Issue 17 (performance), the YAML bulk load (session 23): the cheaper ways of reading give the very same problems
and columns as the ways they replace.

- the search for plain YAML shares that YAML would round (`folder._plain_shares`) first looks over the whole text
  for what any such number holds (`folder._CLUES`); a text without it has none, and one with it is searched as
  before: the same problems at the same lines as the former one-regex search, on generated texts.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.data.problems import Problem
from feoc.load import folder

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
