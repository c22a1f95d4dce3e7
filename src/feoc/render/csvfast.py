"""CSV text of a table held as columns, written column by column: the very bytes `csv.writer` writes
(dialect `excel`, QUOTE_MINIMAL, `\\n` line ends), several times faster on a million rows; and the rows of the
screen's JSON and Markdown, laid out the same way (`rows_text`).

`csv.writer` formats and inspects every field of every row from C, one Python object at a time; at 10^6
rows × 9 fields that is most of the cost of `feoc screen --format csv`. Here each column is a code per row into
its distinct values (`verdicts.screen_columns.Column.distinct`; a list is its own values): each distinct value is
formatted, neutralised and quoted once, and the rows are laid out by numpy, a block of rows at a time, as bytes
copied from a table of those texts (issue 17: the 1M screen's CSV text took 5.4 s, most of it a Python call per
cell). The equality with `csv.writer` is a property test (tests/test_csvfast.py, tests/test_csv_fast_text.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from feoc.data.columns import Texts

CodedTexts = tuple[Any, list[Any]]  # (codes: an integer array, or None for one value per row; the values)


def _special_characters() -> str:
    """The characters that make csv.writer (QUOTE_MINIMAL, `\\n` line ends) quote a field, asked of the
    running csv module rather than assumed: the delimiter, the quote and `\\n`, but not a lone `\\r` (3.11, 3.12)."""
    import csv
    import io

    found = []
    for ch in ',"\r\n':
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(["x" + ch, ""])
        if buf.getvalue().startswith('"'):
            found.append(ch)
    return "".join(found)


_SPECIAL_CHARACTERS = _special_characters()
_SPECIAL = re.compile("[" + re.escape(_SPECIAL_CHARACTERS) + "]")


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if _SPECIAL.search(text) else text


def _text(values: Sequence[Any]) -> tuple[list[str], str]:
    """Each value as csv.writer writes it (str as is, None as empty, float by repr, others by str), quoted where
    it holds a special character; and the texts joined by `\\n` (a few scans of it find whether any needs quoting).
    """
    kinds = set(map(type, values))
    if kinds <= {str}:
        out = values if isinstance(values, list) else list(values)
        return _quote(out, "\n".join(out))
    if kinds <= {bool}:
        out = ["True" if v else "False" for v in values]
    else:
        out = ["" if v is None else repr(v) if type(v) is float else str(v) for v in values]
    return _quote(out, "\n".join(out))


def _quote(texts: list[str], joined: str) -> tuple[list[str], str]:
    """The texts quoted where needed, and joined by `\\n` (`joined` is the texts joined)."""
    if joined.count("\n") != len(texts) - 1 or any(ch in joined for ch in _SPECIAL_CHARACTERS.replace("\n", "")):
        texts = list(map(_quoted, texts))
        joined = "\n".join(texts)
    return texts, joined


def _texts(values: list[Any], cell: Callable[..., list[Any]] | None) -> tuple[list[str], str | None]:
    """A column's distinct values neutralised by `cell` (`cell(values, joined)`: the sanitiser), then as `_text`
    writes them; a column of strings is joined once, for both (at 10^6 ids or names a join is ~30 ms). Loaded ASCII
    names (`Texts`) are given to `cell` as they are, and kept, not joined (None), where neither it nor the quoting
    changes one: their bytes are scanned (issue 17, time: 10^6 names 0.11 s -> 0.02 s)."""
    if isinstance(values, Texts) and values.data.isascii():
        cleaned = values if cell is None else cell(values)
        if cleaned is values and not any(ch.encode() in values.data for ch in _SPECIAL_CHARACTERS):
            return values, None
        return _text(cleaned) if cleaned is not values else _quote(values, values.joined("\n"))
    if isinstance(values, Texts) or set(map(type, values)) <= {str}:
        joined = values.joined("\n") if isinstance(values, Texts) else "\n".join(values)
        cleaned = values if cell is None else cell(values, joined)
        return _quote(values, joined) if cleaned is values else _text(cleaned)
    return _text(values if cell is None else cell(values))


def coded(column: Sequence[Any]) -> CodedTexts:
    """A column as (codes, values): a screen column's distinct values and a code per row, or a list as itself."""
    distinct = getattr(column, "distinct", None)
    if distinct is not None:
        return distinct()
    return None, column if isinstance(column, list) else list(column)


def csv_text(header: Sequence[str], columns: Sequence[Sequence[Any]],
             cell: Callable[..., list[Any]] | None = None) -> str:
    """The CSV text of a header row and equally long columns; `cell` (a map of a list of values to a list, value by
    value, given the values joined by `\\n` when they are all strings: the sanitiser `sanitize.csv_column`) is
    applied to each column's distinct values before they are written."""
    if len({len(c) for c in columns}) > 1:
        raise ValueError("columns of different lengths")
    if len(header) < 2:  # csv.writer writes a lone empty field as `""`: leave that case to it
        return _by_csv_module(header, [cell(list(c)) if cell else c for c in columns])
    texts: list[CodedTexts] = []
    joined: list[str | None] = []
    for column in columns:
        codes, values = coded(column)
        out, together = _texts(values, cell)
        texts.append((codes, out))
        joined.append(together)
    head = ",".join(_text(list(header))[0]) + "\n"
    if not columns or not len(columns[0]):
        return head
    return rows_text(texts, ["", *[","] * (len(texts) - 1), ""], "\n", joined, (head, "\n"))


def _by_csv_module(header: Sequence[str], columns: Sequence[Sequence[Any]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns))
    return buf.getvalue()


_BLOCK = 65536  # rows laid out at a time by the Python path
_BLOCK_BYTES = 1 << 19  # bytes of one block's padded row matrix on the numpy path: it stays in the L2 cache
# (issue 17, time: the 1M screen's gathers and NUL removal 0.31 s at 16 MiB, 0.20 s at 512 KiB)
_WIDE = 4  # the numpy path pads each text to its column's widest: it gives way where that is 4 times the text
_PAIRS = 4096  # adjacent coded columns with at most this many pairs of values are laid out as one


def rows_text(columns: Sequence[CodedTexts], pieces: Sequence[str], between: str,
              joined: list[str | None] | None = None, around: tuple[str, str] = ("", "")) -> str:
    """Each row as `pieces[0] + text₀ + pieces[1] + … + text_k-1 + pieces[k]`, the rows joined by `between`, where
    a column is (codes, texts) (`codes` None: a text per row), the whole between `around[0]` and `around[1]` (joined
    with the rows' blocks: a text of 100 MB is not copied to add a line). `joined[i]`, when given, is column i's texts joined
    by `\\n`, and is dropped from the list once read (at 10^6 rows it is tens of MB). numpy lays the rows out as
    bytes (`_rows_by_numpy`); texts holding a NUL (or, not all ASCII, a `\\n`), or padded to many times their
    length, are laid out in Python (`_rows_by_python`), with the same result."""
    if len(pieces) != len(columns) + 1:
        raise ValueError("a table of k columns is laid out with k + 1 pieces")
    rows = _rows(columns[0]) if columns else 0
    if rows == 0:
        return around[0] + around[1]
    literal = [p.encode("utf-8", "surrogatepass") for p in [*pieces[:-1], pieces[-1] + between]]
    if any(b"\x00" in p for p in literal):  # a NUL is the padding
        return _rows_by_python(columns, pieces, between, around)
    layout: list[Any] = [literal[0]]
    padded = actual = sum(map(len, literal))
    for i, ((codes, texts), piece) in enumerate(zip(columns, literal[1:])):
        made = _table(joined[i] if joined else None, texts)
        if joined:
            joined[i] = None
        if made is None:
            return _rows_by_python(columns, pieces, between, around)
        padded += made[0].shape[1]
        actual += int(made[1].mean() if codes is None else made[1][codes].mean())
        _add(layout, codes, made[0], piece)
    if padded > _WIDE * max(1, actual) + 64:  # a few very long texts would make every row as wide as the longest
        return _rows_by_python(columns, pieces, between, around)
    return _rows_by_numpy(layout, rows, len(between.encode("utf-8", "surrogatepass")), around)


def _rows(column: CodedTexts) -> int:
    return len(column[1]) if column[0] is None else len(column[0])


def _table(joined: str | None, texts: Sequence[str]) -> tuple[Any, Any] | None:
    """The texts' UTF-8 bytes as a matrix, a text per row padded with NULs to the widest, and each text's length
    in bytes (`joined` is the texts joined by `\\n`, or None: joined here if needed); None when a text holds a NUL
    (the padding would be read as text) or, not all ASCII, a `\\n` (the texts could not be told apart in the joined
    bytes)."""
    import numpy as np

    if isinstance(texts, Texts):  # loaded names: their bytes are laid out as they are held
        return None if b"\x00" in texts.data else _padded(np.frombuffer(texts.data, dtype=np.uint8), texts.lengths())
    if joined is None:
        joined = "\n".join(texts)
    if "\x00" in joined:
        return None
    if joined.isascii():  # numpy's fixed-width bytes from the strings themselves: faster than splitting the join
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        width = int(lengths.max()) if len(texts) else 0
        if _too_wide(lengths, width):
            return None
        table = np.array(texts, dtype=f"S{max(1, width)}").view(np.uint8).reshape(len(texts), -1)[:, :width]
        return np.ascontiguousarray(table), lengths
    data = np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    if len(ends) != len(texts) - 1:
        return None
    return _padded(data[data != 10], np.diff(ends, prepend=-1, append=len(data)) - 1)


def _too_wide(lengths: Any, width: int) -> bool:
    """Whether padding every text to the widest would take many times the texts' own bytes (one long name among a
    million short ones: a matrix of a million times its length); the Python path lays such a column out."""
    return len(lengths) * width > _WIDE * max(1, int(lengths.sum())) + 64 * len(lengths)


def _padded(data: Any, lengths: Any) -> tuple[Any, Any] | None:
    """Texts given as their bytes one after another and their lengths, as a matrix padded with NULs (None when
    that would be `_too_wide`)."""
    import numpy as np

    width = int(lengths.max()) if len(lengths) else 0
    if _too_wide(lengths, width):
        return None
    table = np.zeros((len(lengths), width), dtype=np.uint8)
    table[np.arange(width) < lengths[:, None]] = data
    return table, lengths


def _add(layout: list[Any], codes: Any, table: Any, piece: bytes) -> None:
    """A column and the piece after it added to a row's segments (a piece's bytes, or (codes, padded texts)). A
    column is made one with the column before it, the piece between inside, where the two share their codes (the
    entity's id, name and type: the id order) or have few pairs of values (status, FEOC, rules): one gather a
    block instead of two or three (the two tables are dropped)."""
    import numpy as np

    if len(layout) > 1:
        last_codes, last = layout[-2]
        same = codes is last_codes
        if same or (codes is not None and last_codes is not None and len(last) * len(table) <= _PAIRS):
            left = last if same else np.repeat(last, len(table), axis=0)
            right = table if same else np.tile(table, (len(last), 1))
            middle = np.broadcast_to(np.frombuffer(layout[-1], dtype=np.uint8), (len(left), len(layout[-1])))
            del layout[-2:], last
            layout += [(codes if same else last_codes.astype(np.int64) * len(table) + codes,
                        np.ascontiguousarray(np.concatenate([left, middle, right], axis=1))), piece]
            return
    layout += [(codes, table), piece]


def _rows_by_numpy(layout: list[Any], rows: int, after: int, around: tuple[str, str]) -> str:
    """The rows' bytes: per block, a matrix of the rows (the pieces, written once, and each column's padded texts
    gathered by its codes, side by side) from which the padding is dropped; each block decoded to text at once
    (a block holds whole rows). Each row ends with the `after` bytes of the text between two rows: dropped from the
    last."""
    import numpy as np

    widths = [len(s) if isinstance(s, bytes) else s[1].shape[1] for s in layout]
    step = max(1, min(rows, _BLOCK_BYTES // max(1, sum(widths))))
    matrix = np.empty((step, sum(widths)), dtype=np.uint8)
    spans, at = [], 0
    for segment, width in zip(layout, widths):
        if isinstance(segment, bytes):
            matrix[:, at:at + width] = np.frombuffer(segment, dtype=np.uint8)
        elif width:
            spans.append((segment, at, at + width))
        at += width
    out = [around[0]]
    for a in range(0, rows, step):
        b = min(rows, a + step)
        block = matrix[:b - a]
        for (codes, table), lo, hi in spans:  # a text as one element of `hi - lo` bytes: copied whole
            cell = f"V{hi - lo}"
            block[:, lo:hi].view(cell).reshape(-1)[:] = table.view(cell).reshape(-1)[
                slice(a, b) if codes is None else codes[a:b]]
        laid = block[block != 0]
        out.append((laid if b < rows else laid[:len(laid) - after]).tobytes().decode("utf-8", "surrogatepass"))
    out.append(around[1])
    del matrix, block, spans
    layout.clear()  # the padded texts are not needed for the joined text (10^6 ids and names: ~60 MB)
    return "".join(out)


def _rows_by_python(columns: Sequence[CodedTexts], pieces: Sequence[str], between: str,
                    around: tuple[str, str] = ("", "")) -> str:
    """The same rows, formatted a block at a time in Python."""
    layout = "{}".join(p.replace("{", "{{").replace("}", "}}") for p in pieces)
    rows = len(columns[0][1]) if columns[0][0] is None else len(columns[0][0])
    blocks = []
    for a in range(0, rows, _BLOCK):
        texts = [values[a:a + _BLOCK] if codes is None else list(map(values.__getitem__, codes[a:a + _BLOCK].tolist()))
                 for codes, values in columns]
        blocks.append(between.join(map(layout.format, *texts)))
    return around[0] + between.join(blocks) + around[1]
