"""The column contract of a Parquet table of one record kind (issue 17), derived from the record models
(`feoc.data.model`), so that a new field is a new column without a second list to keep.

A column is named as the YAML field (`from`, `until` for the dates of a dated record) and typed by the
field: text as string, a share or amount as a number (float64 when feoc writes it; an integer column is
read too), a whole number as an integer, true/false as boolean, a date as date32 (date64 read too), a list
as a list column of its items, nested records (`sources`, a battery's `components`) as a list of structs
whose fields are named as theirs. A null is a field left out (its default applies, or a required field is
reported missing); a column of nulls only (Arrow's null type) fits any field.
"""

from __future__ import annotations

import datetime as dt
import functools
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from feoc.data.model import KINDS

Shape = Any  # "text" | "number" | "integer" | "bool" | "date" | ("list", Shape) | ("struct", model class)


class Columns(list):
    """The records of a table as one list per field, in the model's field order: what the bulk read of a table
    gives (`feoc.load.parquet_columns`); the compact load keeps them as its columns and makes its rows from them."""


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


__all__ = ["Columns", "arrow_type", "kind_columns", "kind_schema", "model_columns", "shape_of", "shape_words", "type_problems"]


def present(value: Any) -> Any:
    """A value read from a table as the YAML loader gives it: a null inside a nested record is a field not written."""
    if isinstance(value, dict):
        return {k: present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [present(v) for v in value]
    return value
