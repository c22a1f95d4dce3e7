"""The YAML scan (issue 17, time): a YAML file of entities and holdings written in the plain layout feoc and its
generators write, read straight into Arrow columns, then checked by the Parquet bulk read
(`feoc.load.parquet_columns.read_columns`) as a table with the same columns would be.

The YAML parser builds a Python dict and string per record and field; at 10^6 entities that was most of a screen's
load. Here compiled code cuts the lines (`load.yaml_lines`) and the layout is checked on arrays:

    entities:                  a top-level key of a scanned kind, alone on its line (each at most once)
      - id: acme               a record: `- key: value` at one indent, then
        name: Acme Co          `key: value` two columns deeper, each key a field of the kind, once a record
        aliases: [Acme]        a list field: a flow list, or a block below it

A value is read here only where its YAML reading is certain (`load.yaml_lines`), a flow list of plain texts too;
any other list field's values (a block list, sources) are parsed by the YAML parser itself, all of one column in
one document (`data.yamlio.parse_yaml`). Anything else — another kind, another layout, a key that is not a field, a
value classed `OTHER`, a text that is not ASCII outside those lists, a value the column checks might refuse, a list
holding an alias (the parser limits their expansions over the whole file, not one list) or a block scalar followed
by blank or comment lines (which the lines cut here leave out, but may be its text), a share the parser's read
would refuse for its digits (`load.share_digits`, even in a comment), a `!` where the parser's read would look for
a tag (`yamlio.may_hold_tags`, even in a quoted text), a comment line with a byte above 127 — gives None, and the
file is read by the parser and the models, which word every problem with its line. So the scan never accepts what
that read refuses and never words a problem itself; the tests hold its columns equal to that read's on generated
worlds and on hostile files (tests/test_yaml_scan.py, test_yaml_scan_hostile.py, test_yaml_scan_lines.py).

`FEOC_YAML_SCAN=0` turns the scan off; so does anything that turns the compiled code off (`data.compiled`:
no numba, `FEOC_NO_KERNEL`, a cache folder that cannot be written).
"""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path
from typing import Any

import numpy as np

from feoc.data import compiled
from feoc.data.model import KINDS
from feoc.data.yamlio import MAX_FILE_BYTES, may_hold_tags
from feoc.load import share_digits
from feoc.load import yaml_lines as yl
from feoc.load.columns import Columns, arrow_type, kind_columns

SWITCH = "FEOC_YAML_SCAN"
SCANNED = ("entities", "holdings")
_LARGEST = (1 << 31) - 1  # bytes: the line table and Arrow's text offsets are int32
_TEXTS = (yl.STR, yl.DQ, yl.SQ)


class _Off(Exception):
    """Not for the scan: the parser and the models read the file."""


def enabled() -> bool:
    """Whether a compact load scans YAML files (`FEOC_YAML_SCAN`, on unless "0"; numba needed)."""
    return compiled.AVAILABLE and os.environ.get(SWITCH, "1") != "0"


def warm() -> None:
    """Load the compiled code and Arrow here, before the load forks its workers, which then inherit them: each worker
    did it again for its first file (~0.3 s a worker, most of it numba setting up its code generator; issue 17)."""
    from feoc.load.parquet_columns import read_columns  # noqa: F401  pyarrow and the column checks, imported now

    scan(b"entities:\n  - id: a\n", "<warm>")


def read(path: Path) -> list[tuple[str, Columns, int]] | None:
    """The kinds of the file at `path` as the compact load keeps them — (kind, columns, records) in file order —
    or None when the parser and the models must read it (module docstring)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:  # refused, in the parser's read's words
            return None
        data = path.read_bytes()
    except OSError:
        return None
    tables = scan(data, str(path))
    if tables is None:
        return None
    from feoc.load.parquet_columns import read_columns  # pyarrow: for a bulk load only

    out = []
    for kind, table in tables:
        columns = read_columns(kind, table, {})
        if columns is None:
            return None
        out.append((kind, columns, table.num_rows))
    _place(dict(tables), out)
    return out


def _place(tables: dict[str, Any], read: list[tuple[str, Columns, int]]) -> None:
    """The holdings' references that name an entity of the file, found here (`load.placed`)."""
    import pyarrow as pa

    from feoc.data.columns import ArrowTexts
    from feoc.load.placed import placed
    from feoc.load.shared_ids import REFERENCES

    if "entities" not in tables or "holdings" not in tables:
        return
    ids = tables["entities"].column("id").combine_chunks()
    fields = list(KINDS["holdings"].model_fields)
    for kind, columns, _ in read:
        for name in REFERENCES if kind == "holdings" else ():
            column = columns[fields.index(name)]
            if isinstance(column, ArrowTexts) and pa.types.is_string(ids.type):
                with contextlib.suppress(ValueError):  # Arrow's look-up not confirmed: the load's own finds them
                    columns[fields.index(name)] = placed(column, ids)


def scan(data: bytes, name: str) -> list[tuple[str, Any]] | None:
    """Each kind of the file `data` as an Arrow table of its YAML columns, in file order; None if not for the scan."""
    if not data or len(data) > min(_LARGEST, MAX_FILE_BYTES) or share_digits.possible(data) or _tagged(data):
        return None
    words, kinds = _vocabulary()
    table, lengths = yl.words_array(words)
    special = _specials()
    if special is None:
        return None
    specials, special_lengths = yl.words_array(special)
    b = np.frombuffer(data, dtype=np.uint8)
    rows = yl.cut(b, table, lengths, specials, special_lengths)
    try:
        return [(kind, _table(kind, b, rows, lo, hi, words, name)) for kind, lo, hi in _sections(rows, words, kinds)]
    except _Off:
        return None
    except Exception as exc:  # an Arrow conversion refused: the parser decides
        if type(exc).__module__.startswith("pyarrow"):
            return None
        raise


def _tagged(data: bytes) -> bool:
    """Whether the parser's read would look for tags in the file (anywhere: a comment or a quoted text too, where
    its fall-back search refuses a `!` after `:`, `-` or `,`): such a file goes to that read (review, session 24)."""
    if b"!" not in data:
        return False
    try:
        return may_hold_tags(data.decode("utf-8"))
    except UnicodeDecodeError:
        return True


@functools.cache
def _vocabulary() -> tuple[tuple[str, ...], dict[str, int]]:
    """Every key the scan knows (the scanned kinds and their YAML field names) and each kind's index among them."""
    words = tuple(sorted({*SCANNED, *(key for kind in SCANNED for key in kind_columns(kind))}))
    return words, {kind: words.index(kind) for kind in SCANNED}


@functools.cache
def _specials() -> tuple[str, ...] | None:
    """The words of `yaml_lines.MAYBE_SPECIAL` the parser reads as something else than that text, in some mix of
    cases (`No` is text in YAML 1.2, `NULL` is not): asked of the parser itself, once, so the scan's `STR` is
    the parser's text by construction, whatever version is installed; and `true`/`false` as the booleans."""
    import itertools

    from feoc.data.yamlio import parse_yaml

    def text_always(word: str) -> bool:
        variants = {"".join(cased) for cased in itertools.product(*((c.lower(), c.upper()) for c in word))}
        return all(parse_yaml(f"k: {v}\n", "<scan>", dates=False) == {"k": v} for v in variants)
    if parse_yaml("a: true\nb: false\n", "<scan>", dates=False) != {"a": True, "b": False}:
        return None  # a parser that does not: no scan
    return tuple(word for word in yl.MAYBE_SPECIAL if not text_always(word))


def _sections(rows: Any, words: tuple[str, ...], kinds: dict[str, int]) -> list[tuple[str, int, int]]:
    """(kind, first line, end line) of each top-level key: the file must be those keys and their lists only."""
    indent, dash, key, cls = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    flags = rows[:, 6]
    if (flags & 1).any() or ((flags & 2).astype(bool) & (rows[:, 0] < 0)).any():
        raise _Off  # a tab, a carriage return, a control byte; a byte above 127 in a comment (outside the list
        # fields, which the parser reads, and key lines, which `yaml_lines.records` refuses then): not decoded here
    top = np.flatnonzero((indent == 0) & (dash == 0))
    filled = np.flatnonzero(indent >= 0)
    if not len(top) or filled[0] != top[0] or (cls[top] != yl.EMPTY).any():
        raise _Off
    by_index = {index: kind for kind, index in kinds.items()}
    found = [by_index.get(int(k)) for k in key[top]]
    if None in found or len(set(found)) != len(found):
        raise _Off
    ends = [*top[1:].tolist(), len(rows)]
    return [(str(kind), int(lo) + 1, int(hi)) for kind, lo, hi in zip(found, top, ends)]


def _table(kind: str, b: Any, rows: Any, lo: int, hi: int, words: tuple[str, ...], name: str) -> Any:
    """One kind's lines `rows[lo:hi]` (after its top-level key) as an Arrow table of its YAML columns."""
    import pyarrow as pa

    fields = list(kind_columns(kind).items())
    column_of = np.full(len(words), -1, dtype=np.int64)
    for i, (column, _) in enumerate(fields):
        column_of[words.index(column)] = i
    is_list = np.array([isinstance(shape, tuple) for _, (_, shape) in fields], dtype=np.bool_)
    plain, indent, cell, last = yl.records(rows, lo, hi, column_of, is_list)
    if not plain or not len(cell):
        raise _Off
    block = _Block(b, rows, lo, last, int(indent), len(cell), name)
    columns = {}
    for i, (column, (field, shape)) in enumerate(fields):
        at = np.flatnonzero(cell[:, i] >= 0)  # the records that write the field
        if len(at):
            columns[column] = _column(kind, column, field, shape, cell[at, i], at, block)
    return pa.table(columns)


class _Block:
    """What the columns of one kind read: the file's bytes, its lines (`yaml_lines.cut`), where the kind's lines
    start, the last line below each list field's key line, the records' indent and number, the file's name."""

    def __init__(self, b: Any, rows: Any, lo: int, last: Any, indent: int, records: int, name: str):
        self.b, self.rows, self.lo, self.last = b, rows, lo, last
        self.indent, self.records, self.name = indent, records, name


def _column(kind: str, column: str, field: str, shape: Any, lines: Any, at: Any, block: _Block) -> Any:
    """One YAML column, written on `lines` by the records `at`, as an Arrow array of `block.records` rows."""
    import pyarrow as pa

    rows = block.rows[lines]
    cls = rows[:, 3]
    if shape == ("list", "text") and (cls == yl.TEXTS).all():  # flow lists of plain texts, read here
        return _texts_lists(rows, at, block)
    if isinstance(shape, tuple):
        return _lists(column, shape, lines, at, block)
    if shape == "text" or shape == "date":
        if not np.isin(cls, _TEXTS if shape == "text" else (yl.DATE,)).all():
            raise _Off
        texts = _texts(block.b, rows, at, block.records)
        return texts if shape == "text" else texts.cast(pa.date32())
    if shape == "bool":
        if not np.isin(cls, (yl.TRUE, yl.FALSE)).all():
            raise _Off
        values = np.zeros(block.records, dtype=bool)
        values[at] = cls == yl.TRUE
        return pa.array(values, mask=_absent(at, block.records))
    if shape == "number":
        return _numbers(kind, field, block.b, rows, at, block.records)
    raise _Off


def _absent(at: Any, records: int) -> Any:
    mask = np.ones(records, dtype=bool)
    mask[at] = False
    return mask


def _texts(b: Any, rows: Any, at: Any, records: int) -> Any:
    """The values of `rows` (records `at`) as an Arrow text array, null where a record has none."""

    starts = np.zeros(records, dtype=np.int64)
    ends = np.zeros(records, dtype=np.int64)
    starts[at], ends[at] = rows[:, 4], rows[:, 5]
    absent = _absent(at, records)
    return _spans(b, starts, ends, absent)


def _spans(b: Any, starts: Any, ends: Any, absent: Any = None) -> Any:
    """The texts `b[starts[i]:ends[i]]` as an Arrow text array (null where `absent`)."""
    import pyarrow as pa

    data, offsets = yl.gather(b, starts, ends)
    nulls = 0 if absent is None else int(absent.sum())
    validity = pa.py_buffer(np.packbits(~absent, bitorder="little")) if nulls else None
    return pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(data), validity, nulls)


def _numbers(kind: str, field: str, b: Any, rows: Any, at: Any, records: int) -> Any:
    """A share column as float64: decimals read by Arrow (correctly rounded, as the parser reads them); a whole
    number or a quoted text (`"48%"`) read once per distinct value by the field's own adapter."""
    import pyarrow as pa

    from feoc.load.parquet_columns import field_adapter

    cls = rows[:, 3]
    values = np.zeros(records, dtype=np.float64)
    decimal = cls == yl.FLOAT
    if decimal.any():
        values[at[decimal]] = _texts(b, rows[decimal], np.arange(int(decimal.sum())), int(decimal.sum())).cast(
            pa.float64()).to_numpy()
    other = ~decimal
    if other.any():
        if not np.isin(cls[other], (yl.INT, *_TEXTS)).all():
            raise _Off
        adapter = field_adapter(KINDS[kind], field)
        for group, read in (((yl.INT,), int), (_TEXTS, str)):
            chosen = other & np.isin(cls, group)
            if chosen.any():
                values[at[chosen]] = _read_distinct(b, rows[chosen], adapter, read)
    return pa.array(values, mask=_absent(at, records))


def _read_distinct(b: Any, rows: Any, adapter: Any, read: type) -> Any:
    """The shares of `rows` (whole numbers, or quoted texts), each distinct text read once by `adapter`."""
    from pydantic import ValidationError

    coded = _texts(b, rows, np.arange(len(rows)), len(rows)).dictionary_encode()
    texts = coded.dictionary.to_pylist()
    try:
        shares = adapter.validate_python([int(t) if read is int else t for t in texts])
    except ValidationError:
        raise _Off from None
    if any(type(share) is not float for share in shares):  # a range, or nothing: the models decide
        raise _Off
    return np.array(shares, dtype=np.float64)[coded.indices.to_numpy()]


def _texts_lists(rows: Any, at: Any, block: _Block) -> Any:
    """A list field written `[a, b c]` by every record that has it (`yaml_lines.TEXTS`): Arrow's list of texts,
    null where a record has none."""
    import pyarrow as pa

    starts, ends, offsets = yl.items(block.b, rows, np.arange(len(rows)))
    texts = _spans(block.b, starts, ends)
    at_record = np.zeros(block.records + 1, dtype=np.int32)
    counts = np.zeros(block.records, dtype=np.int32)
    counts[at] = np.diff(offsets)
    np.cumsum(counts, out=at_record[1:])
    return pa.ListArray.from_arrays(pa.array(at_record), texts, mask=pa.array(_absent(at, block.records)))


def _lists(column: str, shape: Any, lines: Any, at: Any, block: _Block) -> Any:
    """A list field: each record's value (a flow list, or a block below the key) parsed by the YAML parser, the
    lines of the whole column in one document (each value under an item of its own)."""
    from feoc.data.problems import InputError
    from feoc.data.yamlio import decode_text, parse_yaml

    b, rows = block.b, block.rows
    pad = b" " * block.indent + b"- _: 0\n"  # a field below a record's first line: under an item of its own
    parts = []
    for line in lines.tolist():
        below = int(block.last[line - block.lo])
        final = below if below >= 0 else line
        value = bytes(b[rows[line, 7]:rows[final, 8]])
        after = final + 1  # a blank or comment line next (not the end of the file) may be a block scalar's text
        if (b"|" in value or b">" in value) and after < len(rows) and rows[after, 0] < 0 and rows[after, 7] < len(b):
            raise _Off  # which the cut of the lines left out as a comment, or its kept line ends
        parts.append((b"" if rows[line, 1] == 1 else pad) + value + b"\n")
    document = b"".join(parts)
    if b"&" in document and b"*" in document:  # an alias: the parser limits expansions over the whole file
        raise _Off
    try:
        parsed = parse_yaml(decode_text(document, block.name), block.name, dates=False)
    except (InputError, UnicodeDecodeError):
        raise _Off from None
    if not isinstance(parsed, list) or len(parsed) != len(lines):
        raise _Off
    values: list[Any] = [None] * block.records
    for record, line, item in zip(at.tolist(), lines.tolist(), parsed):
        if not isinstance(item, dict) or set(item) != ({column} if rows[line, 1] == 1 else {"_", column}):
            raise _Off
        values[record] = item[column]
    return _as_arrow(values, shape)


def _as_arrow(values: list[Any], shape: Any) -> Any:
    """`values` (None: a record without the field) as Arrow's list type for `shape`; only if Arrow holds each
    exactly as parsed (no key dropped, no number made text or float, no null or empty list, whose readings the
    models decide)."""
    import pyarrow as pa

    typ = arrow_type(shape)
    written = [i for i, value in enumerate(values) if value is not None]
    if typ == pa.list_(pa.string()):  # lists of texts: Arrow holds each text as it is (or raises), no round trip
        if not all(type(values[i]) is list and values[i] and all(type(v) is str for v in values[i]) for i in written):
            raise _Off
        return pa.array(values, type=typ)
    array = pa.array(values, type=typ)
    for i, back in zip(written, array.take(written).to_pylist()):
        if not values[i] or not _same(values[i], back):
            raise _Off
    return array


def _same(value: Any, back: Any) -> bool:
    """Whether Arrow gave `value` back as it was: the same types and values, a nested record's fields all written."""
    if type(value) is not type(back):
        return False
    if isinstance(value, list):
        return len(value) == len(back) and all(_same(v, w) for v, w in zip(value, back))
    if isinstance(value, dict):
        return set(value) == set(back) and all(value[k] is not None and _same(value[k], back[k]) for k in value)
    return bool(value == back)


__all__ = ["SCANNED", "SWITCH", "enabled", "read", "scan"]
