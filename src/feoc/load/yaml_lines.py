"""The lines of a YAML file, each cut into its indentation, key and value and the value classed, in machine code
(`data.compiled.jit`): the first pass of the YAML scan (`load.yaml_scan`, issue 17, time).

A line is classed on its own, without context; `load.yaml_scan` decides what the lines make together. A value is
classed only where its YAML reading is certain (YAML 1.2 core schema, as `yaml_rs` reads it with dates left as
text): a plain text that starts with a letter, holds only letters, digits, spaces and `-_./(),&'+`, does not end in
a space and is no word the parser reads otherwise (`null`, `True`…: `load.yaml_scan` asks the parser); a
double-quoted text of printable ASCII without `\\` or `"` inside; a single-quoted one without `'` inside; a
decimal `0.44` (at most 15 digits, so no rounding question, `folder._plain_shares`); a whole number without a
leading zero; a date `2001-05-16`; `true`, `false`; the start of a flow list `[`. Everything else is `OTHER`, and
the scan then leaves the file to the parser.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from feoc.data.compiled import jit

# a value's class
EMPTY, STR, DQ, SQ, FLOAT, INT, DATE, TRUE, FALSE, FLOW, OTHER, TEXTS = range(12)  # TEXTS: `[a, b]` of STR
# a line's key: a word of the vocabulary (its index), or
NO_KEY = -1  # a key that is not in the vocabulary
NOT_A_KEY_LINE = -2  # no `key:` at the start (a list item of scalars, a continued text, a document marker…)
_DIGITS = 15  # at most this many digits in a number read here

# plain words YAML (1.1 or 1.2) or a float parser might read as something else than text: `load.yaml_scan` keeps
# those the parser reads otherwise in any mix of cases, and the compiled code compares in lower case
MAYBE_SPECIAL = ("null", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "infinity", "nan")


_SLOTS = 1024


def _slot(length: int, first: int, last: int) -> int:
    return (length * 131 + first * 31 + last) % _SLOTS


def words_array(words: tuple[str, ...]) -> tuple[Any, Any]:
    """Words as a padded byte matrix and their lengths (what the compiled code compares with), the lengths followed by
    a table of slots: the one word a (length, first byte, last byte) can be, -1 none, -2 several (all compared)."""
    width = max([1, *map(len, words)])
    table = np.zeros((len(words), width), dtype=np.uint8)
    slots = np.full(_SLOTS, -1, dtype=np.int64)
    for i, word in enumerate(words):
        table[i, :len(word)] = np.frombuffer(word.encode("ascii"), dtype=np.uint8)
        at = _slot(len(word), ord(word[0]), ord(word[-1]))
        slots[at] = i if slots[at] == -1 else -2
    return table, np.concatenate([np.array([len(w) for w in words], dtype=np.int64), slots])


@jit(inline=True)
def _word_at(b: Any, s: int, e: int, table: Any, lengths: Any, lower: bool) -> int:
    """The index of the word `b[s:e]` in `table` (compared in lower case if `lower`), or -1."""
    n = e - s
    if n <= 0:
        return -1
    words = table.shape[0]
    if not lower:  # keys: the one word of the slot, if any (lower case is compared word by word)
        slot = lengths[words + (n * 131 + b[s] * 31 + b[e - 1]) % _SLOTS]
        if slot == -1:
            return -1
        if slot >= 0:
            for i in range(n):
                if b[s + i] != table[slot, i]:
                    return -1
            return slot
    for w in range(words):
        if lengths[w] != n:
            continue
        same = True
        for i in range(n):
            c = b[s + i]
            if lower and 65 <= c <= 90:
                c += 32
            if c != table[w, i]:
                same = False
                break
        if same:
            return w
    return -1


# a byte's flags in a line (`cut`): 1 a control byte (a tab, a carriage return, NUL…), 2 a byte above 127
FLAGS = np.array([1 if c < 32 or c == 127 else 2 if c > 127 else 0 for c in range(256)], dtype=np.int64)

# the bytes a plain text may hold after its first letter: letters, digits, space and -_./(),&'+
PLAIN_BYTES = np.zeros(256, dtype=np.bool_)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_./(),&'+":
    PLAIN_BYTES[_c] = True


@jit(inline=True)
def _quoted(b: Any, s: int, e: int, quote: int) -> int:
    """The end of a one-line quoted text whose opening quote is at `s`, if it is the whole value; else -1."""
    for i in range(s + 1, e):
        c = b[i]
        if c == quote:
            return i if i == e - 1 else -1
        if c < 32 or c > 126 or (quote == 34 and c == 92):
            return -1
    return -1


@jit(inline=True)
def _number(b: Any, s: int, e: int) -> int:
    """FLOAT, INT, DATE or OTHER for a value starting with a digit."""
    n = e - s
    if n == 10 and b[s + 4] == 45 and b[s + 7] == 45:
        for i in (0, 1, 2, 3, 5, 6, 8, 9):
            if not 48 <= b[s + i] <= 57:
                return OTHER
        return DATE
    point = -1
    for i in range(s, e):
        c = b[i]
        if c == 46 and point < 0 and s < i < e - 1:
            point = i
        elif not 48 <= c <= 57:
            return OTHER
    digits = n - (1 if point >= 0 else 0)
    whole_end = point if point >= 0 else e
    if digits > _DIGITS or (b[s] == 48 and whole_end - s > 1):  # a leading zero: octal in YAML 1.1
        return OTHER
    return FLOAT if point >= 0 else INT


@jit(inline=True)
def _plain_text(b: Any, s: int, e: int, specials: Any, special_lengths: Any, flow: bool) -> bool:
    """Whether `b[s:e]` is a plain text the parser reads as that very text (in a flow list, if `flow`: no comma)."""
    if s >= e or not ((97 <= b[s] <= 122) or (65 <= b[s] <= 90)) or b[e - 1] == 32:
        return False
    for i in range(s + 1, e):
        if not PLAIN_BYTES[b[i]] or (flow and b[i] == 44):
            return False
    return _word_at(b, s, e, specials, special_lengths, True) < 0


@jit(inline=True)
def _texts_listed(b: Any, s: int, e: int, specials: Any, special_lengths: Any) -> bool:
    """Whether `b[s:e]` is a one-line flow list of plain texts `[a, b c]`: items separated by `, `, at least one."""
    if e - s < 3 or b[e - 1] != 93:
        return False
    start = s + 1
    for i in range(s + 1, e):
        if b[i] == 44 or i == e - 1:
            # an item ending in `-`: before `,` or `]` the parser reads `- ` as an indicator (`[Acme -, B]` is refused)
            if not _plain_text(b, start, i, specials, special_lengths, True) or b[i - 1] == 45:
                return False
            if b[i] == 44:
                if i + 1 >= e or b[i + 1] != 32:
                    return False
                start = i + 2
    return True


@jit
def items(b: Any, rows: Any, lines: Any) -> tuple[Any, Any, Any]:
    """The items of the `TEXTS` values on `lines` (rows of `cut`): their starts and ends, and where each line's
    items start among them (Arrow's list offsets, one more than the lines)."""
    count = 0
    for line in lines:
        for i in range(rows[line, 4], rows[line, 5]):
            count += b[i] == 44
        count += 1
    starts = np.empty(count, dtype=np.int64)
    ends = np.empty(count, dtype=np.int64)
    offsets = np.zeros(len(lines) + 1, dtype=np.int32)
    k = 0
    for j, line in enumerate(lines):
        start, e = rows[line, 4] + 1, rows[line, 5]
        for i in range(start, e):
            if b[i] == 44 or i == e - 1:
                starts[k], ends[k] = start, i
                k += 1
                start = i + 2
        offsets[j + 1] = k
    return starts, ends, offsets


@jit(inline=True)
def _value(b: Any, s: int, e: int, specials: Any, special_lengths: Any) -> tuple[int, int, int]:
    """(class, start, end) of the value `b[s:e]` (quotes left out of a quoted text's span)."""
    if s >= e:
        return EMPTY, s, e
    c = b[s]
    if c == 34 or c == 39:
        end = _quoted(b, s, e, c)
        return (OTHER, s, e) if end < 0 else (DQ if c == 34 else SQ, s + 1, end)
    if c == 91:
        return (TEXTS if _texts_listed(b, s, e, specials, special_lengths) else FLOW), s, e
    if 48 <= c <= 57:
        return _number(b, s, e), s, e
    if e - s == 4 and b[s] == 116 and b[s + 1] == 114 and b[s + 2] == 117 and b[s + 3] == 101:  # `true`
        return TRUE, s, e
    if e - s == 5 and b[s] == 102 and b[s + 1] == 97 and b[s + 2] == 108 and b[s + 3] == 115 and b[s + 4] == 101:
        return FALSE, s, e
    return (STR if _plain_text(b, s, e, specials, special_lengths, False) else OTHER), s, e


@jit(inline=True)
def _line(b: Any, s: int, e: int, words: Any, word_lengths: Any, specials: Any, special_lengths: Any,
          out: Any, j: int) -> None:
    """One line `b[s:e]` into row `j` of `out` (`cut`)."""
    i = s
    while i < e and b[i] == 32:
        i += 1
    out[j, 0] = i - s
    if i == e or b[i] == 35:  # blank, or a comment alone
        out[j, 0] = -1
        out[j, 2] = NOT_A_KEY_LINE
        return
    if b[i] == 45 and i + 1 < e and b[i + 1] == 32:
        out[j, 1] = 1
        i += 2
    k = i
    while k < e and (97 <= b[k] <= 122 or b[k] == 95):
        k += 1
    if k == i or k >= e or b[k] != 58 or (k + 1 < e and b[k + 1] != 32):
        out[j, 2] = NOT_A_KEY_LINE
        return
    out[j, 2] = _word_at(b, i, k, words, word_lengths, False)
    v = k + 1
    while v < e and b[v] == 32:
        v += 1
    cls, vs, ve = _value(b, v, e, specials, special_lengths)
    out[j, 3] = cls
    out[j, 4] = vs
    out[j, 5] = ve


@jit
def cut(b: Any, words: Any, word_lengths: Any, specials: Any, special_lengths: Any) -> Any:
    """Every line of `b` (a file's bytes, under 2 GiB) as a row of int32: indent (-1: blank or comment), dash (1: `- `
    after the indent), key, class, value start, value end, flags (1: a tab, a carriage return or another control
    byte; 2: a byte above 127), line start, line end. A last line without a newline is a line too."""
    n = len(b)
    lines = 1
    for c in b:
        lines += c == 10
    out = np.zeros((lines, 9), dtype=np.int32)
    s = 0
    for j in range(lines):
        e = s
        flags = 0
        while e < n and b[e] != 10:
            flags |= FLAGS[b[e]]
            e += 1
        _line(b, s, e, words, word_lengths, specials, special_lengths, out, j)
        out[j, 6] = flags
        out[j, 7] = s
        out[j, 8] = e
        s = e + 1
    return out


@jit
def records(rows: Any, lo: int, hi: int, column_of: Any, is_list: Any) -> tuple[bool, int, Any, Any]:
    """The records of the lines `rows[lo:hi]` (one kind's list, in the rows of `cut`): (in the plain layout, the
    records' indent, the line of each record's field (-1: not written; one column per field, `column_of` a key's
    column, -1 for a key not of this kind), the last line of the block below a list field's key line (-1: none)).

    The plain layout: `- key: value` at one indent starts a record, `key: value` two columns deeper goes on; a line
    deeper still, or a `- ` two columns deeper, is the block of the key line above it, which must be a list field
    with no value (`key:`) or a flow list (`key: [`); no other field is a block or a flow list, and none is
    written twice in a record, nor with a tab or a byte above 127."""
    fail = (False, -1, np.zeros((0, 0), dtype=np.int32), np.zeros(0, dtype=np.int32))
    indent = -1
    count = 0
    for j in range(lo, hi):
        if rows[j, 0] < 0:
            continue
        if indent < 0:
            if rows[j, 1] != 1:
                return fail
            indent = rows[j, 0]
        if rows[j, 1] == 1 and rows[j, 0] == indent:
            count += 1
    cell = np.full((count, len(is_list)), -1, dtype=np.int32)
    last = np.full(hi - lo, -1, dtype=np.int32)
    record, owner, block, empty, has_block = -1, -1, False, False, False
    for j in range(lo, hi):
        at, dash = rows[j, 0], rows[j, 1]
        if at < 0:
            continue
        if dash == 1 and at == indent:
            record += 1
        elif dash != 0 or at != indent + 2:
            if owner >= 0 and block and (at > indent + 2 or (dash == 1 and at == indent + 2)):
                has_block = True
                last[owner - lo] = j
                continue
            return fail
        key = rows[j, 2]
        if (empty and not has_block) or rows[j, 6] != 0 or key < 0 or column_of[key] < 0:
            return fail
        column = column_of[key]
        if cell[record, column] >= 0:
            return fail
        cell[record, column] = j
        kind = rows[j, 3]
        owner, block, empty, has_block = j, kind in (EMPTY, FLOW), kind == EMPTY, False
        if (block or kind == TEXTS) != is_list[column]:  # a list field's value, and only a list field's
            return fail
    if empty and not has_block:
        return fail
    return True, indent, cell, last


@jit
def gather(b: Any, starts: Any, ends: Any) -> tuple[Any, Any]:
    """The texts `b[starts[i]:ends[i]]` as one buffer and Arrow's int32 offsets (an absent text: start = end)."""
    offsets = np.zeros(len(starts) + 1, dtype=np.int32)
    total = 0
    for i in range(len(starts)):
        total += ends[i] - starts[i]
        offsets[i + 1] = total
    data = np.empty(total, dtype=np.uint8)
    k = 0
    for i in range(len(starts)):
        for j in range(starts[i], ends[i]):  # byte by byte: a slice per text costs more than its copy
            data[k] = b[j]
            k += 1
    return data, offsets


__all__ = [
    "DATE",
    "DQ",
    "EMPTY",
    "FALSE",
    "FLOAT",
    "FLOW",
    "INT",
    "MAYBE_SPECIAL",
    "NOT_A_KEY_LINE",
    "NO_KEY",
    "OTHER",
    "SQ",
    "STR",
    "TEXTS",
    "TRUE",
    "cut",
    "gather",
    "items",
    "records",
    "words_array",
]
