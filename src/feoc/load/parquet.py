"""Parquet tables as dataset input (issue 17): `entities.parquet`, `holdings.parquet`, … beside or instead of
YAML files, validated by the very same record models and cross-record checks.

A table holds records of the kind its name starts with (`entities.parquet`, or `entities.part-2.parquet`
for one of several parts); its columns are the YAML fields (the contract: `feoc.load.columns`). A problem is
`entities.parquet: row 7, column incorporated_in: what — fix`, with the words of the YAML loader after the
place; rows are counted from 1. A file that is not Parquet, a column feoc does not know or one of the wrong
type is one problem naming the file and the column (exit 2), never a traceback.

Each table is checked whole before any of it is read record by record: its schema (names and types) first,
then its values. For `feoc screen` (compact, bulk) a valid entities or holdings table is read column by column
(`feoc.load.parquet_columns`), `STREAM_ROWS` rows at a time, so the whole decoded table is never in memory; every
other table, and any table in which a column check finds a value the
models might refuse, is read record by record through the models, which produce the messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from feoc.data.model import KINDS
from feoc.data.problems import Problem
from feoc.load.columns import present, table_columns, type_problems
from feoc.load.validation import ADAPTERS, explain_error

ROW_BASE = 1  # rows are counted from 1, as a spreadsheet or `parquet-tools` shows them
_KINDS_FIX = f"name it after the records it holds: {', '.join(k + '.parquet' for k in KINDS)}"


@dataclass
class TableRead:
    """What one table contributed: its kind, the valid records (models, or row tuples when `as_tuples`) with
    their row indexes, the problems found in it alone and the ids of records that failed validation. `unread`: the
    table was refused whole (unreadable, a column of the wrong type), so which ids of its kind it defines is unknown
    and a reference into that kind is not reported as dangling (the table's own problem is the one to fix)."""

    kind: str | None
    records: list[Any] = field(default_factory=list)
    indexes: list[int] | range = range(0)
    problems: list[Problem] = field(default_factory=list)
    broken_ids: set[str] = field(default_factory=set)
    as_tuples: bool = False
    unread: bool = False


def table_kind(path: Path) -> str | None:
    """The record kind a table is named after (`holdings.parquet`, `holdings.part-1.parquet`), or None."""
    kind = path.name.split(".", 1)[0]
    return kind if kind in KINDS else None


def where(row: int | None, column: str | None) -> str:
    """`row 7, column incorporated_in`: the place of a problem in a table (row: 0-based index)."""
    parts = ([f"row {row + ROW_BASE}"] if row is not None else []) + ([f"column {column}"] if column else [])
    return ", ".join(parts)


def read_table(path: Path, compact: bool = False) -> TableRead:
    """Read and validate one Parquet table (here or in a worker process)."""
    name = str(path)
    kind = table_kind(path)
    if kind is None:
        return TableRead(None, problems=[Problem(name, 0, "a Parquet table named after no record kind", _KINDS_FIX)])
    if compact:
        streamed = _read_streamed(kind, path)
        if streamed is not None:
            return streamed
    try:
        table = _read_arrow(path)
    except _Unreadable as exc:
        return _refused(kind, Problem(name, 0, f"not a readable Parquet file ({exc})",
                                      "write it with `feoc convert --to parquet` or pyarrow, or move it out of the "
                                      "dataset folder"))
    problems = schema_problems(name, kind, table.schema)
    if problems:
        return _refused(kind, *problems)
    try:
        rows = list(_present_rows(table))
    except UnicodeDecodeError as exc:  # Parquet does not check that its strings are UTF-8
        return _refused(kind, Problem(name, 0, f"a text value is not UTF-8 ({exc.reason} at byte {exc.start})",
                                      "write text columns as UTF-8 strings"))
    except (ValueError, OverflowError) as exc:  # a date32 beyond Python's years, say
        return _refused(kind, Problem(name, 0, f"a value cannot be read ({exc})",
                                      "write dates as date32 between 1900 and 2100"))
    return validate_rows(name, kind, rows)


def _refused(kind: str, *problems: Problem) -> TableRead:
    """A table refused whole: its problems, and no record of it read (`TableRead.unread`)."""
    return TableRead(kind, problems=list(problems), unread=True)


class _Unreadable(Exception):
    pass


STREAM_ROWS = 1 << 18  # rows decoded at a time by the bulk read: ~60 MiB of Arrow arrays for holdings


def _read_streamed(kind: str, path: Path) -> TableRead | None:
    """The bulk read of a valid entities or holdings table, STREAM_ROWS rows at a time into the compact columns,
    so the decoded Arrow table never sits whole beside them (issue 17: at 10M entities it was ~2.7 GiB of a
    7.4 GiB load peak). None whenever the record-by-record read must decide (another kind, a schema or value
    problem, an unreadable file, no rows): that read then reads the file again and words every problem."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from feoc.load.columns import ColumnBuilder, Columns
    from feoc.load.parquet_columns import Seen, read_columns  # numpy and pyarrow.compute: for a bulk load only

    try:
        parquet = pq.ParquetFile(path, page_checksum_verification=True)
        if not parquet.metadata.num_rows or schema_problems(str(path), kind, _plain(parquet.schema_arrow)):
            return None
        builders: list[ColumnBuilder] = []
        seen: dict[str, Seen] = {}  # per field, the values of earlier parts: one object each
        for batch in parquet.iter_batches(batch_size=STREAM_ROWS):
            part = read_columns(kind, _plain(pa.Table.from_batches([batch])), seen)
            del batch
            if part is None:
                return None
            builders = builders or [ColumnBuilder() for _ in part]
            for builder, values in zip(builders, part):
                builder.add(values)
            del part
            pa.default_memory_pool().release_unused()  # the batch's pages, back before the next is decoded
    except (pa.ArrowException, OSError, ValueError):
        return None
    del seen
    columns = Columns()
    for builder in builders:  # one field joined at a time, its parts dropped at once: never two copies of all
        columns.append(builder.column())
        builder.parts.clear()
    return TableRead(kind, columns, range(parquet.metadata.num_rows), as_tuples=True)


def _plain(table: Any) -> Any:
    """A table (or schema) whose dictionary columns (pandas writes a categorical column so) read as their values."""
    import pyarrow as pa

    for i, typ in enumerate(table.types if isinstance(table, pa.Schema) else table.schema.types):
        if pa.types.is_dictionary(typ):
            if isinstance(table, pa.Schema):
                table = table.set(i, table.field(i).with_type(typ.value_type))
            else:
                table = table.set_column(i, table.field(i).name, table.column(i).cast(typ.value_type))
    return table


def _read_arrow(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # pages written with a CRC are checked; a categorical column is read as its values
        return _plain(pq.read_table(path, page_checksum_verification=True))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _Unreadable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def schema_problems(name: str, kind: str, schema: Any) -> list[Problem]:
    """One problem per unknown, repeated or mistyped column (the contract: `feoc.load.columns`)."""
    known = table_columns(kind)
    problems, seen = [], set()
    for column, typ in zip(schema.names, schema.types):
        if column in seen:
            problems.append(Problem(name, 0, f"column {column}: the column appears twice", "keep one of them"))
            continue
        seen.add(column)
        if column not in known:
            problems.append(Problem(name, 0, f"column {column}: unknown column for {kind}",
                                    f"remove the column or correct its spelling (the columns of {kind}: "
                                    f"{', '.join(known)})"))
            continue
        ranged = f" (a share range goes in the number columns {column}_min and {column}_max)" \
            if f"{column}_min" in known else ""
        for path, what in type_problems(column, typ, known[column][1]):
            problems.append(Problem(name, 0, f"column {path}: {what}",
                                    "write the column with the type of the dataset format (README.md, "
                                    f"\"Parquet tables\"){ranged}, or convert the data with `feoc convert`"))
    return problems


def _present_rows(table: Any) -> Iterator[dict[str, Any]]:
    """The table's rows as the YAML loader would give them: a null is a field not written."""
    for batch in table.to_batches(max_chunksize=65536):
        for row in batch.to_pylist():
            yield {k: present(v) for k, v in row.items() if v is not None}


def validate_rows(name: str, kind: str, rows: list[dict[str, Any]]) -> TableRead:
    """Validate rows by the kind's model in one call; on failure, every error as a problem at its row and column,
    and the valid rows kept for the cross-record checks."""
    from feoc.load.parquet_ranges import fold_ranges
    from feoc.load.validation import valid_items

    out = TableRead(kind)
    refused = fold_ranges(name, kind, rows, where)  # a range's companion columns into its field, as YAML gives it
    found: list[tuple[int, Problem]] = [(row, p) for row, ps in refused.items() for p in ps]
    try:
        out.records, out.indexes = ADAPTERS[kind].validate_python(rows), range(len(rows))
    except ValidationError as exc:
        found += [(_row_of(err), row_problem(err, name, kind)) for err in exc.errors()]
        out.records, out.indexes = valid_items(kind, rows, exc, out.broken_ids)
    if refused:  # the rows of a refused range are not records; every problem in row order, a range's first
        kept = [(record, i) for record, i in zip(out.records, out.indexes) if i not in refused]
        out.records, out.indexes = [r for r, _ in kept], [i for _, i in kept]
        found.sort(key=lambda pair: pair[0])
    out.problems = [p for _, p in found]
    return out


def _row_of(err: Any) -> int:
    return err["loc"][0] if err["loc"] and isinstance(err["loc"][0], int) else -1


def row_problem(err: Any, name: str, kind: str) -> Problem:
    """A pydantic error of row `loc[0]` as `row N, column X: what — fix`."""
    _, column, message, fix = explain_error(err, kind)
    row = err["loc"][0] if err["loc"] and isinstance(err["loc"][0], int) else None
    return Problem(name, 0, f"{where(row, None if column == 'record' else column)}: {message}", fix)


__all__ = ["ROW_BASE", "TableRead", "read_table", "row_problem", "schema_problems", "table_kind", "validate_rows",
           "where"]
