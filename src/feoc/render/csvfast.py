"""CSV text of a table held as columns, written column by column: the very bytes `csv.writer` writes
(dialect `excel`, QUOTE_MINIMAL, `\\n` line ends), several times faster on a million rows.

`csv.writer` formats and inspects every field of every row from C, one Python object at a time; at 10^6
rows × 9 fields that is most of the cost of `feoc screen --format csv`. Here each column is formatted
once (a float column through its distinct values) and quoting is looked for in a whole column at once.
The equality with `csv.writer` is a property test (tests/test_csvfast.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any


def _special_characters() -> re.Pattern[str]:
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
    return re.compile("[" + re.escape("".join(found)) + "]")


_SPECIAL = _special_characters()


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if _SPECIAL.search(text) else text


def _text(values: Sequence[Any]) -> list[str]:
    """Each value as csv.writer writes it: str as is, None as empty, float by repr, others by str. A coded
    column (`verdicts.screen_columns.Coded`: `codes` into `values`) has each distinct value written once, its
    rows sharing the texts (issue 17, memory: a status column was a million new strings)."""
    codes = getattr(values, "codes", None)
    if codes is not None and isinstance(getattr(values, "values", None), tuple):
        texts = _text(list(values.values))  # type: ignore[attr-defined]
        return list(map(texts.__getitem__, codes.tolist()))
    kinds = set(map(type, values))
    if kinds <= {str}:
        out = values if isinstance(values, list) else list(values)
    elif kinds <= {float}:
        out = _floats(values)
    elif kinds <= {bool}:
        out = ["True" if v else "False" for v in values]
    else:
        out = ["" if v is None else repr(v) if type(v) is float else str(v) for v in values]
    if _SPECIAL.search("\x00".join(out)):  # one scan of the column; quote only where needed
        out = list(map(_quoted, out))
    return out


def _floats(values: Sequence[float]) -> list[str]:
    """repr of each float, computed once per distinct value (screen columns repeat few values)."""
    import numpy as np

    array = np.asarray(values, dtype=np.float64)
    if np.signbit(array).any() or np.isnan(array).any():  # -0.0 == 0.0 and NaNs merge in np.unique
        return list(map(repr, values))
    distinct, inverse = np.unique(array, return_inverse=True)
    texts = np.array(list(map(repr, distinct.tolist())), dtype=object)
    return texts[inverse].tolist()


def csv_text(header: Sequence[str], columns: Sequence[Sequence[Any]]) -> str:
    """The CSV text of a header row and equally long columns."""
    if len({len(c) for c in columns}) > 1:
        raise ValueError("columns of different lengths")
    if len(header) < 2:  # csv.writer writes a lone empty field as `""`: leave that case to it
        return _by_csv_module(header, columns)
    texts = list(map(_text, columns))
    rows = len(texts[0]) if texts else 0
    # joined a block of rows at a time: a million rows never exist as a million line strings (issue 17, memory)
    blocks = [",".join(_text(list(header)))]
    blocks += ("\n".join(map(",".join, zip(*(t[a:a + _BLOCK] for t in texts)))) for a in range(0, rows, _BLOCK))
    return "\n".join(blocks) + "\n"


_BLOCK = 65536  # rows joined at a time


def _by_csv_module(header: Sequence[str], columns: Sequence[Sequence[Any]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns))
    return buf.getvalue()
