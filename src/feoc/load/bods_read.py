"""Reading a BODS file into statements with their line numbers, bounded like the FtM reader (`feoc.load.ftm`).

A file is either one JSON array of statements (a BODS package: the standard's JSON serialisation) or JSON
lines, one statement per line (the standard's streaming serialisation); which one is told by its first
character that is not white space (`[` for an array). Every statement of an array is located by its first
line, so a skip or a problem names `file:line`. A leading UTF-8 byte order mark is dropped (as `feoc import
csv` does; RFC 8259 §8.1 lets a parser ignore it); a byte order mark anywhere else is malformed JSON.
Refused with the file and line (exit 2, nothing written): a file that is not UTF-8, empty, or larger than
`MAX_FILE_BYTES`; malformed JSON; JSON nested deeper than `MAX_DEPTH`; numbers of more than `MAX_DIGITS`
characters, `NaN` and `Infinity`; a name twice in one object; a top-level value that is not a statement object;
a statement of BODS 0.3
(`statementType`, no `recordDetails`: this importer reads 0.4's record envelope only).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.load.ftm import MAX_DEPTH, _bounded_float, _bounded_int, _depth, _refuse_constant
from feoc.load.stdin import STDIN_NAME, is_stdin, read_bounded, read_stdin

FIX = "give BODS 0.4 statements: a JSON array, or one statement (JSON object) per line"


def _exact_number(text: str) -> Decimal:
    """A JSON fraction as written (`24.99999999999999999999` is not 25: a float would round it onto the threshold);
    `load.bods_share` reads it into shares without rounding across one."""
    _bounded_float(text)  # the length bound and its message
    return Decimal(text)


def _one_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose names are unique (RFC 8259 §4: with a name twice, which value holds is up to the reader:
    `{"exact": 30, "exact": 10}` is refused, never read as 10)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the name `{key[:40]}` appears twice in one object")
        out[key] = value
    return out


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_int=_bounded_int, parse_float=_exact_number,
                            object_pairs_hook=_one_each)
_SPACE = " \t\r\n"


def read_text(path: Path) -> str:
    """The file as text: a regular file of bounded size, UTF-8; a leading byte order mark dropped. `-` is
    standard input, read whole and bounded (load/stdin.py), named `<stdin>`."""
    name = label(path)
    if is_stdin(path):
        return _decoded(read_stdin("BODS statements"), name)
    return _decoded(read_bounded(path, FIX, "split the statements into several files and import each"), name)


def label(path: Path) -> str:
    """The name problems and sources give the input: the path, or `<stdin>` for `-`."""
    return STDIN_NAME if is_stdin(path) else str(path)


def _decoded(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem(name, line, f"not UTF-8 text (byte {data[exc.start]:#04x})",
                                  "save the file as UTF-8")]) from None
    if not text.strip(_SPACE):
        raise InputError([Problem(name, 0, "the file is empty: no BODS statement in it", FIX)])
    return text


def read_statements(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line, statement) for every statement of the file, in file order; InputError naming file and line."""
    text, name = read_text(path), label(path)
    start = len(text) - len(text.lstrip(_SPACE))
    rows = _array(text, start, name) if text[start] == "[" else _lines(text, name)
    if not rows:
        raise InputError([Problem(name, 1, "no BODS statement in the file (an empty array)", FIX)])
    problems = [p for p in (_check(statement, name, line) for line, statement in rows) if p]
    if problems:
        raise InputError(problems[:100])
    return rows


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _decode(text: str, pos: int, name: str, first_line: int = 1) -> tuple[Any, int]:
    """One JSON value at `pos` and the position after it; a problem names the line it is on (`text` starts
    on line `first_line` of the file)."""
    try:
        return _DECODER.raw_decode(text, pos)
    except RecursionError:
        where = first_line - 1 + _line(text, pos)
        raise InputError([Problem(name, where, "JSON nested too deeply", FIX)]) from None
    except json.JSONDecodeError as exc:
        raise InputError([Problem(name, first_line - 1 + exc.lineno, f"malformed JSON: {exc.msg} (column {exc.colno})",
                                  FIX)]) from None
    except ValueError as exc:  # a number too long, NaN, Infinity
        raise InputError([Problem(name, first_line - 1 + _line(text, pos), f"malformed JSON: {exc}", FIX)]) from None


def _array(text: str, start: int, name: str) -> list[tuple[int, Any]]:
    """The elements of the one top-level array, each with the line it starts on."""
    rows: list[tuple[int, Any]] = []
    pos, expect_value = start + 1, True
    counted, line = 0, 1  # lines counted up to `counted`: each statement's line without rescanning the text

    def line_at(at: int) -> int:
        nonlocal counted, line
        line, counted = line + text.count("\n", counted, at), at
        return line

    while True:
        while pos < len(text) and text[pos] in _SPACE:
            pos += 1
        if pos >= len(text):
            raise InputError([Problem(name, _line(text, pos), "malformed JSON: the array is not closed with `]`", FIX)])
        if text[pos] == "]" and (not rows or not expect_value):
            break
        if not expect_value:
            if text[pos] != ",":
                raise InputError([Problem(name, _line(text, pos), "malformed JSON: expected `,` or `]` between "
                                                                   "statements", FIX)])
            pos, expect_value = pos + 1, True
            continue
        value, end = _decode(text, pos, name)
        rows.append((line_at(pos), value))
        pos, expect_value = end, False
    if text[pos + 1:].strip(_SPACE):
        raise InputError([Problem(name, _line(text, pos + 1), "malformed JSON: text after the closing `]`", FIX)])
    return rows


def _lines(text: str, name: str) -> list[tuple[int, Any]]:
    """JSON lines: one value per non-blank line (split on line feeds only, never on U+2028 or U+0085)."""
    rows: list[tuple[int, Any]] = []
    for number, raw in enumerate(text.split("\n"), 1):
        if raw.strip(_SPACE):
            value, end = _decode(raw, 0, name, number)
            if raw[end:].strip(_SPACE):
                raise InputError([Problem(name, number, "malformed JSON: more than one value on the line", FIX)])
            rows.append((number, value))
    return rows


def _check(statement: Any, name: str, line: int) -> Problem | None:
    """A problem if the value is not a BODS 0.4 statement object this importer can read, else None."""
    if not isinstance(statement, dict):
        return Problem(name, line, f"a statement must be a JSON object, not {type(statement).__name__}", FIX)
    if _depth(statement) > MAX_DEPTH:
        return Problem(name, line, f"JSON nested deeper than {MAX_DEPTH} levels", FIX)
    if "statementType" in statement and "recordDetails" not in statement:
        return Problem(name, line, "a BODS 0.3 statement (`statementType`): this importer reads BODS 0.4 only",
                       "convert the file to BODS 0.4 (the record envelope: recordId, recordType, recordDetails)")
    version = (statement.get("publicationDetails") or {}).get("bodsVersion") if isinstance(
        statement.get("publicationDetails"), dict) else None
    if isinstance(version, str) and not (version == "0.4" or version.startswith("0.4.")):
        return Problem(name, line, f"bodsVersion `{version}`: this importer reads BODS 0.4 only",
                       "convert the file to BODS 0.4")
    for key in ("statementId", "recordId", "recordType"):
        if not isinstance(statement.get(key), str) or not statement[key]:
            return Problem(name, line, f"a BODS 0.4 statement needs a string `{key}`", FIX)
    if not isinstance(statement.get("recordDetails"), dict):
        return Problem(name, line, "a BODS 0.4 statement needs a `recordDetails` object", FIX)
    return None
