"""Shares a YAML parser would round before feoc reads them: a plain number with digit
separators or more than 15 significant digits is found in the text itself and refused with a problem.

The YAML parser turns `0.2_5` into 0.25 and `0.249999999999999999999` into exactly 0.25 before feoc sees
the text, so such numbers are found in the text (quoted, `parse_share` refuses them with the same words). The
search starts at a colon followed by such a number (rare) and only then looks back along the line for the share's
key: a search for the key itself at every position of the text cost ~7 s of a million-entity load.
"""

from __future__ import annotations

import re

from feoc.data.problems import Problem
from feoc.data.values import SHARE_DIGITS

_PLAIN_NUMBER = re.compile(r":[ \t]*(?=[0-9.]*_|[0-9]*\.0*[1-9][0-9]{15})([0-9][0-9._]*|\.[0-9._]+)")
_SHARE_KEY = re.compile(r"\b(equity|voting|board_seats|debt)[ \t]*\Z")  # searched up to the colon
# What every such number holds, searched first over the whole text, each from a literal character (`_`, `.`) that
# the regex engine scans for in C: a digit or a point before a `_`, or a point before 16 digits, the first not 0.
# A text with neither holds no such number (the search at each colon is then skipped). Issue 17, time: 0.029 s
# against 0.090 s for a 27 MB file of the 1M world.
_CLUES = (r"_(?<=[0-9.]_)", r"\.(?=0*[1-9][0-9]{15})")
_TEXT_CLUES = tuple(re.compile(clue) for clue in _CLUES)
_BYTE_CLUES = tuple(re.compile(clue.encode("ascii")) for clue in _CLUES)  # ASCII classes only: the same matches


def problems(text: str, name: str) -> list[Problem]:
    """A problem for each share in `text` (the file `name`) that YAML would round."""
    found: list[Problem] = []
    if not any(clue.search(text) for clue in _TEXT_CLUES):
        return found
    for number in _PLAIN_NUMBER.finditer(text):
        key = _SHARE_KEY.search(text, text.rfind("\n", 0, number.start()) + 1, number.start())
        if key is not None:
            found.append(Problem(name, text.count("\n", 0, key.start()) + 1,
                                 f"{key.group(1)} `{number.group(1)}` is written with digit separators or more than "
                                 f"{SHARE_DIGITS} significant digits, which YAML rounds before feoc can read it",
                                 "write the share with fewer digits, no `_`, e.g. 0.2499999 or \"24.99999%\""))
    return found


def possible(data: bytes) -> bool:
    """Whether `problems` would find such a share in the file's bytes (anywhere, a comment included): the YAML scan
    then leaves the file to the parser's read, which words the problem. A clue is searched in the bytes first (rare);
    only then the text, as `problems` reads it (bytes that are not UTF-8: yes, the parser's read refuses them)."""
    if not any(clue.search(data) for clue in _BYTE_CLUES):
        return False
    try:
        return bool(problems(data.decode("utf-8"), ""))
    except UnicodeDecodeError:
        return True


__all__ = ["possible", "problems"]
