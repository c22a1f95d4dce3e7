"""The column contract of a Parquet table of one record kind (issue 17), derived from the record models
(`feoc.data.model`), so that a new field is a new column without a second list to keep.

A column is named as the YAML field (`from`, `until` for the dates of a dated record) and typed by the
field: text as string, a share or amount as a number (float64 when feoc writes it; an integer column is
read too), a whole number as an integer, true/false as boolean, a date as date32 (date64 read too), a list
as a list column of its items, nested records (`sources`, a battery's `components`) as a list of structs
whose fields are named as theirs. A null is a field left out (its default applies, or a required field is
reported missing); a column of nulls only (Arrow's null type) fits any field.

A share that may be a range (`{min, max}`, issue 20: `equity`, `voting`, `board_seats`, `debt`) keeps its number
column for an exact share, and gives a range in two companion number columns, `<field>_min` and `<field>_max`
(either may be null: 0 and 100 %), with the field's own column null on that row (`range_columns`): flat float64
columns that pandas, DuckDB or a spreadsheet filter as they filter the exact share (`equity_max >= 0.25`), where a
struct column would change the type of the share column of every table, exact ones too.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, Union, get_args, get_origin, overload

from pydantic import BaseModel

from feoc.data.columns import ArrowTexts, Codes, Repeat, Shares, Sparse, Texts
from feoc.data.model import KINDS
from feoc.data.values import to_share_or_range
from feoc.load.placed import PlacedTexts, joined

Shape = Any  # "text" | "number" | "integer" | "bool" | "date" | ("list", Shape) | ("struct", model class)


class Columns(list):
    """The records of a table as one list per field, in the model's field order: what the bulk read of a table
    gives (`feoc.load.parquet_columns`); the compact load keeps them as its columns and makes its rows from them."""


# values a column may repeat as one object: a field's default (None, False, an empty list, a blank text);
# never a float (0.0 and -0.0 are equal, not the same) nor a model
_REPEATABLE = (type(None), bool, str, tuple)


def constant(values: Sequence[Any]) -> Sequence[Any]:
    """`values`, as a `Repeat` when it is one repeatable value throughout, as `Sparse` when nearly all of it is one
    empty value (a field most records leave out: `aliases`, `sources`, `note`)."""
    if not isinstance(values, (list, tuple)) or not len(values):  # a Repeat already, or Shares (never repeated)
        return values
    first = values[0]
    if type(first) in _REPEATABLE and (not isinstance(first, tuple) or not first) and \
            values[-1] == first and values.count(first) == len(values) and \
            (type(first) is not bool or all(v is first for v in values)):  # 0 == False: not the same value
        return Repeat(first, len(values))
    return _sparse(values)


_EMPTY = (None, False, "", ())  # values a record leaves a field at: each one object (Python keeps one of each)
SPARSE_FROM = 8  # a column is kept sparse when at most one value in this many is not its empty value


def _sparse(values: Sequence[Any]) -> Sequence[Any]:
    import numpy as np

    n = len(values)
    for empty in _EMPTY:
        if values[0] is not empty and values[-1] is not empty and values[n // 2] is not empty:
            continue  # a quick no: an empty value that fills nearly all the column is at one of these places
        others = [i for i, v in enumerate(values) if v is not empty]  # by identity: 0 is not False, nor 0.0
        if len(others) * SPARSE_FROM <= n:
            return Sparse(empty, n, np.array(others, dtype=np.int64), [values[i] for i in others])
    return values


class ColumnBuilder:
    """One field of a compact kind, gathered across files: a `Repeat` while every part repeats one value, else
    one list."""

    def __init__(self) -> None:
        self.parts: list[Sequence[Any]] = []

    def add(self, values: Sequence[Any]) -> None:
        self.parts.append(constant(values))

    def column(self) -> Sequence[Any]:
        """The field's one column, which from then on is the builder's one part: the parts are let go here, not
        when the builder is (issue 17, memory: a YAML load's parts, a pointer per record and field, were ~0.3 GB
        of a 1M world, still held while the cross-file checks ran)."""
        parts, self.parts = [p for p in self.parts if len(p)], []
        out = self._joined(parts)
        self.parts = [out] if len(out) else []
        return out

    @staticmethod
    def _joined(parts: list[Sequence[Any]]) -> Sequence[Any]:
        if not parts:
            return []
        if all(isinstance(p, Repeat) for p in parts) and all(_same(p.value, parts[0].value) for p in parts):  # type: ignore[attr-defined]
            return Repeat(parts[0].value, sum(map(len, parts)))  # type: ignore[attr-defined]
        if all(isinstance(p, PlacedTexts) for p in parts):  # references found where read: their places counted from
            return joined(parts)  # type: ignore[arg-type]  # the load's first entity (one part too: its `base`)
        if len(parts) == 1:
            return parts[0]
        if all(isinstance(p, ArrowTexts) for p in parts):  # the parts of a table read in pieces: still Arrow
            return ArrowTexts([chunk for p in parts for chunk in p.chunks])  # type: ignore[attr-defined]
        if all(isinstance(p, Texts) for p in parts):  # names, one buffer a part: one buffer
            return _joined_texts(parts)  # type: ignore[arg-type]
        sparse = [p for p in parts if isinstance(p, (Repeat, Sparse))]
        if len(sparse) == len(parts) and all(_same(_empty(p), _empty(sparse[0])) for p in sparse):
            return _joined_sparse(sparse)
        import numpy as np

        # a file that never writes a field (one value throughout) beside files that do: the same kind of column
        # (parts that are all one value each, e.g. files of one record, stay a list: ids are never codes)
        if all(isinstance(p, (Codes, Repeat)) for p in parts) and any(isinstance(p, Codes) for p in parts):
            return Codes.joined([p if isinstance(p, Codes) else
                                 Codes(np.zeros(len(p), dtype=np.uint8), [p.value])  # type: ignore[attr-defined]
                                 for p in parts])
        if all(isinstance(p, Shares) or (isinstance(p, Repeat) and p.value is None) for p in parts):
            return Shares(np.concatenate([p.array if isinstance(p, Shares) else np.full(len(p), np.nan)
                                          for p in parts]))
        return list(itertools.chain.from_iterable(parts))


def _joined_texts(parts: list[Texts]) -> Texts:
    """Parts of a `Texts` column as one, as `Texts.of` makes of all their strings."""
    import numpy as np

    data = b"".join(p.data for p in parts)
    at = np.cumsum([0] + [len(p.data) for p in parts[:-1]])
    ends = np.concatenate([p.ends.astype(np.int64) + a for p, a in zip(parts, at.tolist())])
    return Texts(data, ends.astype(np.uint32) if len(data) < 1 << 32 else ends)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _empty(part: Repeat | Sparse) -> Any:
    return part.value if isinstance(part, Repeat) else part.default


def _joined_sparse(parts: Sequence[Repeat | Sparse]) -> Sparse:
    """Parts of one column, each one value throughout or sparse on that same value, as one `Sparse`."""
    import numpy as np

    positions, values, at = [], [], 0
    for part in parts:
        if isinstance(part, Sparse):
            positions.append(part.positions + at)
            values.extend(part.values)
        at += len(part)
    return Sparse(_empty(parts[0]), at, np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64), values)


class Rows(Sequence):
    """The records of a compact kind made on access from its columns (`row`: the light row class,
    `feoc.load.folder.compact_row`): each read builds the record afresh, none is kept (issue 17, memory: a row
    object per record was ~40 % of a compact load). Equal rows, not the same objects, on two reads."""

    __slots__ = ("_columns", "_key", "_n", "_positions", "_row")

    def __init__(self, row: Callable[..., Any], columns: Sequence[Sequence[Any]], n: int, key: int = 0):
        """`key`: the number of the field records are known by (the id)."""
        self._row, self._columns, self._n, self._key = row, list(columns), n, key
        self._positions: dict[Any, int] | None = None

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> Any: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Any, ...]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(self._n)))
        if not -self._n <= i < self._n:
            raise IndexError("record index out of range")
        return self._row(*(c[i] for c in self._columns))

    def __iter__(self) -> Iterator[Any]:
        return map(self._row, *self._columns)

    def __eq__(self, other: object) -> bool:  # equal to a tuple of the same records, as the records it replaces
        if isinstance(other, (Rows, list, tuple)):
            return len(other) == self._n and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def positions(self) -> dict[Any, int]:
        """Each record's key (the id) -> its position; built once, on first use, and shared by whoever asks
        (`Dataset.entity`, the bulk path's index of entities)."""
        if self._positions is None:
            self._positions = dict(zip(self._columns[self._key], range(self._n)))
        return self._positions

    def by_id(self) -> Mapping[Any, Any]:
        """The records by id, made on access (what `Dataset.entity` reads)."""
        return _ById(self)


class _ById(Mapping):
    __slots__ = ("_rows",)

    def __init__(self, rows: Rows):
        self._rows = rows

    def __getitem__(self, key: Any) -> Any:
        return self._rows[self._rows.positions()[key]]

    def __contains__(self, key: object) -> bool:
        return key in self._rows.positions()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows.positions())

    def __len__(self) -> int:
        return len(self._rows.positions())


def shape_of(annotation: Any) -> Shape:
    """The column shape of a field's type: Optional and Annotated are looked through."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return shape_of(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return shape_of(inner[0])
    if origin is tuple:
        return ("list", shape_of(get_args(annotation)[0]))
    if origin is Literal or annotation is str:
        return "text"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ("struct", annotation)
    simple = {bool: "bool", int: "integer", float: "number", dt.date: "date"}
    if annotation in simple:
        return simple[annotation]
    raise TypeError(f"no column shape for {annotation!r}")  # pragma: no cover - a new kind of field


@functools.cache
def model_columns(model: type[BaseModel]) -> dict[str, tuple[str, Shape]]:
    """Column name (the YAML field name) -> (the model's field name, its shape), in the model's order."""
    return {info.alias or name: (name, shape_of(info.annotation)) for name, info in model.model_fields.items()}


def kind_columns(kind: str) -> dict[str, tuple[str, Shape]]:
    return model_columns(KINDS[kind])


RANGE_BOUNDS = ("min", "max")


@functools.cache
def range_columns(kind: str) -> dict[str, tuple[str, str]]:
    """The companion columns of the kind's share fields that take a range (read by `to_share_or_range`):
    `equity_min` -> (`equity`, `min`), … in the model's order; {} for a kind without such fields."""
    out = {}
    for name, info in KINDS[kind].model_fields.items():
        if _takes_range(info.annotation):
            column = info.alias or name
            out.update({f"{column}_{bound}": (column, bound) for bound in RANGE_BOUNDS})
    return out


def _takes_range(annotation: Any) -> bool:
    marks = getattr(annotation, "__metadata__", ())
    if any(getattr(mark, "func", None) is to_share_or_range for mark in marks):
        return True
    return any(_takes_range(arg) for arg in get_args(annotation))


def table_columns(kind: str) -> dict[str, tuple[str, Shape]]:
    """Every column a table of `kind` may hold: the fields' own and the companions of ranges (numbers)."""
    return kind_columns(kind) | {column: (measure, "number") for column, (measure, _) in range_columns(kind).items()}


def shape_words(shape: Shape) -> str:
    """A shape in the words a problem uses."""
    if isinstance(shape, tuple):
        return f"a list of {shape_words(shape[1])}" if shape[0] == "list" else "a struct (a nested record)"
    return {"text": "text (string)", "number": "a number (float64)", "integer": "a whole number (int64)",
            "bool": "true/false (boolean)", "date": "a date (date32)"}[shape]


def arrow_type(shape: Shape) -> Any:
    """The Arrow type feoc writes for a shape (`feoc convert --to parquet`)."""
    import pyarrow as pa

    if isinstance(shape, tuple):
        if shape[0] == "list":
            return pa.list_(arrow_type(shape[1]))
        return pa.struct([(column, arrow_type(inner)) for column, (_, inner) in model_columns(shape[1]).items()])
    return {"text": pa.string(), "number": pa.float64(), "integer": pa.int64(), "bool": pa.bool_(),
            "date": pa.date32()}[shape]


def kind_schema(kind: str) -> Any:
    import pyarrow as pa

    return pa.schema([(column, arrow_type(shape)) for column, (_, shape) in kind_columns(kind).items()])


def type_problems(column: str, typ: Any, shape: Shape) -> list[tuple[str, str]]:
    """(column path, what is wrong) for an Arrow type that does not fit `shape`; [] when it fits."""
    import pyarrow.types as at

    if at.is_null(typ):
        return []
    if isinstance(shape, tuple) and shape[0] == "list":
        if at.is_list(typ) or at.is_large_list(typ):
            return type_problems(f"{column}[]", typ.value_type, shape[1])
    elif isinstance(shape, tuple):
        if at.is_struct(typ):
            return _struct_problems(column, typ, shape[1])
    elif {"text": lambda: at.is_string(typ) or at.is_large_string(typ),
          "number": lambda: at.is_floating(typ) or at.is_integer(typ),
          "integer": lambda: at.is_integer(typ),
          "bool": lambda: at.is_boolean(typ),
          "date": lambda: at.is_date(typ)}[shape]():
        return []
    return [(column, f"is of type {typ}, not {shape_words(shape)}")]


def _struct_problems(column: str, typ: Any, model: type[BaseModel]) -> list[tuple[str, str]]:
    known = model_columns(model)
    out: list[tuple[str, str]] = []
    for i in range(typ.num_fields):
        child = typ.field(i)
        if child.name not in known:
            out.append((f"{column}.{child.name}", f"unknown field `{child.name}` of a nested record "
                                                  f"(its fields: {', '.join(known)})"))
        else:
            out.extend(type_problems(f"{column}.{child.name}", child.type, known[child.name][1]))
    return out


__all__ = ["RANGE_BOUNDS", "SPARSE_FROM", "ColumnBuilder", "Columns", "Repeat", "Rows", "Shares", "arrow_type", "constant",
           "kind_columns", "kind_schema", "model_columns", "range_columns", "shape_of", "shape_words", "table_columns",
           "type_problems"]


def present(value: Any) -> Any:
    """A value read from a table as the YAML loader gives it: a null inside a nested record is a field not written."""
    if isinstance(value, dict):
        return {k: present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [present(v) for v in value]
    return value
