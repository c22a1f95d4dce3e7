"""The bulk read of a YAML file's entities and holdings (issue 17): the records' fields gathered into columns and
checked column by column, as the Parquet read does (`feoc.load.parquet_columns`), without a pydantic model per record.

The record models stay the contract and the only source of messages. Each field is checked whole by the model's own
type for it (`parquet_columns.field_adapter`): a text or date field's distinct values once each, an id or a name over
the column in one call, a share column's floats by arithmetic equal to `to_share` (in [0, 1], -0.0 read as 0.0) and
its other values (a percent text such as "25%" once per distinct text, an integer, a range `{min, max}`) by the
field's adapter; the checks across fields the models make per record (`_check` in `feoc.data.model`) are made on the
columns. Whenever a record is not plain — not a mapping, a key that is not a field's YAML name (a typo, `start` for
`from`), a null where the field takes none, a value of a type the fast checks do not read, anything an adapter
refuses or a check across fields would refuse — this read gives up (None) and the whole list of that kind in that
file is validated through the models, which report every problem with its line. One rule, per kind and file: a file
with a problem is rare and is read as before, word for word; a valid file is read here.

The columns are those the models' path gives, value for value and type for type (tests/test_yaml_columns.py), kept as
a Parquet load keeps them: a field no record writes as one `Repeat`, a field of few values (a type, a country, a
date) as `Codes`, shares as one float64 array (`Shares`) unless a range is written (a list, as the models give it).

`FEOC_YAML_COLUMNS=0` turns this read off (every list through the models): the tests compare both ways.
"""

from __future__ import annotations

import itertools
import operator
import os
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from feoc.data.columns import Repeat, Shares
from feoc.data.model import KINDS, MEASURES, year_start
from feoc.data.values import ShareRange
from feoc.load.columns import Columns, kind_columns
from feoc.load.parquet_columns import GiveUp, bulk_reviewed, coded, field_adapter, suspect_record
from feoc.load.shared_ids import REFERENCES

SWITCH = "FEOC_YAML_COLUMNS"
_SHARE_FIELDS = frozenset((*MEASURES, "debt"))
_WHOLE = frozenset(("id", "name"))  # one value per record: checked over the column, not per distinct value
_NONE = type(None)


def enabled() -> bool:
    """Whether a compact load reads YAML entities and holdings here (`FEOC_YAML_COLUMNS`, on unless "0")."""
    return os.environ.get(SWITCH, "1") != "0"


def read_columns(kind: str, items: list[Any], shared: dict[str, str]) -> Columns | None:
    """The fields of the records `items` (one file's list under `kind`, as the YAML parser gave them), checked, as
    columns in the model's field order; or None when the list must go through the models. `shared` (per file) makes
    each id and reference one string object, as the models' path does (`folder._one_object_per_value`)."""
    if not items or not bulk_reviewed(kind) or set(map(type, items)) != {dict}:
        return None
    written = set().union(*items)
    names = kind_columns(kind)  # YAML name -> (field, shape)
    if not written <= names.keys():
        return None
    model = KINDS[kind]
    try:
        values = {field: _column(kind, field, shape, items, column in written, column, shared)
                  for column, (field, shape) in names.items()}
        suspect_record(values)
        (_suspect_entities if kind == "entities" else _suspect_holdings)(values)
    except (GiveUp, ValidationError, ValueError, TypeError, OverflowError):
        return None
    return Columns(values[name] for name in model.model_fields)


def _column(kind: str, field: str, shape: Any, items: list[Any], written: bool, column: str,
            shared: dict[str, str]) -> Sequence[Any]:
    """One field of every record, checked; a field left out is its default (a give-up if required)."""
    info = KINDS[kind].model_fields[field]
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    n = len(items)
    if not written:
        if info.is_required():
            raise GiveUp(field)
        return Repeat(default, n)
    values: list[Any] = list(map(dict.get, items, itertools.repeat(column)))
    if default is not None or info.is_required():  # a null this field takes no null for, or a value left out
        _fill_left_out(values, items, column, default, info.is_required())
    adapter = field_adapter(KINDS[kind], field)
    if field in _SHARE_FIELDS:
        return _shares(values, adapter)
    if shape == "bool":
        if not set(map(type, values)) <= {bool, _NONE}:  # "yes", 1: the models' lax reading, not this one
            raise GiveUp(field)
        return values
    if isinstance(shape, tuple):  # a list field: only the records that write one are read by the adapter
        return _lists(values, adapter)
    if not set(map(type, values)) <= {str, _NONE}:  # YAML dates stay text here (`load_yaml_file(dates=False)`)
        raise GiveUp(field)
    if field in _WHOLE:
        checked = adapter.validate_python(values)
        return [shared.setdefault(v, v) for v in checked] if field == "id" else checked
    return _distinct(field, values, adapter, shared)


def _fill_left_out(values: list[Any], items: list[Any], column: str, default: Any, required: bool) -> None:
    """A field with a default other than None: None in `values` is a field left out (its default), or a null
    written, which the models refuse (a give-up); a required field left out is a give-up."""
    if None not in values:
        return
    if required:
        raise GiveUp(column)
    for i in [i for i, v in enumerate(values) if v is None]:
        if column in items[i]:
            raise GiveUp(column)
        values[i] = default


def _distinct(field: str, values: list[Any], adapter: Any, shared: dict[str, str]) -> Sequence[Any]:
    """A text or date field: each distinct value checked once by the field's adapter, one object per value down the
    column (the same object as the file's ids for a reference), `Codes` when few (`parquet_columns.coded`)."""
    import numpy as np

    place = {v: i for i, v in enumerate(dict.fromkeys(values))}  # each distinct value and its place
    checked = adapter.validate_python(list(place))
    if field == "tax_year_start" and any(year_start(v) is None for v in checked):  # Entity._check
        raise GiveUp(field)
    if field in REFERENCES:
        checked = [v if v is None else shared.setdefault(v, v) for v in checked]
    lookup = np.empty(len(checked), dtype=object)
    lookup[:] = checked
    return coded(np.fromiter(map(place.__getitem__, values), dtype=np.int64, count=len(values)), lookup)


def _lists(values: list[Any], adapter: Any) -> list[Any]:
    """A list field (aliases, citizenship, sources): the records that write one validated by the adapter (lists
    become tuples, names are stripped); the others keep the default, an empty tuple."""
    positions = [i for i, v in enumerate(values) if v != ()]
    for i, value in zip(positions, adapter.validate_python([values[i] for i in positions])):
        values[i] = value
    return values


def _shares(values: list[Any], adapter: Any) -> Sequence[Any]:
    """A share field (`to_share_or_range`): floats checked by arithmetic (in [0, 1], NaN refused, -0.0 read as 0.0)
    into one float64 array (`Shares`: None is NaN); a percent text validated once per distinct text, an integer or
    anything else one by one, by the field's adapter. A written range: the column through the adapter, kept as the
    list of values the models give (exact floats and `ShareRange`s)."""
    import numpy as np

    kinds = set(map(type, values))
    if dict in kinds:
        return adapter.validate_python(values)
    if not kinds <= {float, _NONE}:
        values = _read_odd_shares(values, adapter)
    array = np.array(values, dtype=np.float64)  # None reads as NaN
    blank = np.isnan(array)
    if int(blank.sum()) != values.count(None):  # a NaN written (`.nan`)
        raise GiveUp("share")
    if not ((array[~blank] >= 0.0) & (array[~blank] <= 1.0)).all():
        raise GiveUp("share")
    return Shares(array + 0.0)  # -0.0 + 0.0 is 0.0, as `to_share` reads it


def _read_odd_shares(values: list[Any], adapter: Any) -> list[Any]:
    """The values of a share column that are not floats, read by the adapter: texts once per distinct text."""
    out = list(values)
    odd = [i for i, v in enumerate(values) if v is not None and type(v) is not float]
    texts = dict.fromkeys(values[i] for i in odd if type(values[i]) is str)
    read = dict(zip(texts, adapter.validate_python(list(texts))))
    others = [i for i in odd if type(values[i]) is not str]
    for i, value in zip(others, adapter.validate_python([values[i] for i in others])):
        out[i] = value
    for i in odd:
        if type(values[i]) is str:
            out[i] = read[values[i]]
    if any(isinstance(out[i], ShareRange) for i in odd):  # pragma: no cover - a range is a dict, read above
        raise GiveUp("range")
    return out


def _written(column: Sequence[Any], *empty: Any) -> bool:
    """Whether any record writes a value other than `empty` (a field no record writes is a `Repeat` of it)."""
    return not (isinstance(column, Repeat) and column.value in empty)


def _suspect_entities(values: dict[str, Sequence[Any]]) -> None:
    """Entity._check: person-only fields on persons only, no `tax_form` on a person (the taxable-year start is
    checked per distinct value in `_distinct`)."""
    types = values["type"]
    for name in ("political_figure_of", "citizenship", "us_person"):
        if _written(values[name], None, ()) and any(v not in (None, ()) and t != "person"
                                                     for v, t in zip(values[name], types)):
            raise GiveUp(name)
    if _written(values["tax_form"], None) and any(f is not None and t == "person"
                                                  for f, t in zip(values["tax_form"], types)):
        raise GiveUp("tax_form")


def _suspect_holdings(values: dict[str, Sequence[Any]]) -> None:
    """Dated._check (`from` before `until`) and Holding._check (a share or `appoints_officers`; no self-holding)."""
    import numpy as np

    start, end = values["start"], values["end"]
    if _written(start, None) and _written(end, None) and any(s and e and not s < e for s, e in zip(start, end)):
        raise GiveUp("dates")
    none = np.ones(len(values["holder"]), dtype=bool)
    for name in (*sorted(_SHARE_FIELDS), "appoints_officers"):
        column = values[name]
        if isinstance(column, Shares):
            none &= np.isnan(column.array)
        elif _written(column, None, False):
            none &= np.fromiter((v is None or v is False for v in column), dtype=bool, count=len(column))
    if none.any():
        raise GiveUp("no share")
    if any(map(operator.eq, values["holder"], values["entity"])):
        raise GiveUp("self")


__all__ = ["SWITCH", "enabled", "read_columns"]
