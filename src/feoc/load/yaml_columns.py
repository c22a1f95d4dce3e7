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
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from feoc.data.columns import Codes, Repeat, Shares
from feoc.data.model import KINDS, MEASURES, year_start
from feoc.load.columns import Columns, kind_columns
from feoc.load.parquet_columns import GiveUp, bulk_reviewed, coded, few_values, field_adapter, suspect_record
from feoc.load.shared_ids import REFERENCES

SWITCH = "FEOC_YAML_COLUMNS"
_SHARE_FIELDS = frozenset((*MEASURES, "debt"))
_WHOLE = frozenset(("id", "name"))  # one value per record: checked over the column, not per distinct value
_NONE = type(None)
_ABSENT = object()  # a required field left out of a record


def enabled() -> bool:
    """Whether a compact load reads YAML entities and holdings here (`FEOC_YAML_COLUMNS`, on unless "0")."""
    return os.environ.get(SWITCH, "1") != "0"


def read_columns(kind: str, items: list[Any], shared: dict[str, str]) -> Columns | None:
    """The fields of the records `items` (one file's list under `kind`, as the YAML parser gave them), checked, as
    columns in the model's field order; or None when the list must go through the models. `shared` (per file) makes
    each id and reference one string object, as the models' path does (`folder._one_object_per_value`)."""
    if not items or not bulk_reviewed(kind):
        return None
    model = KINDS[kind]
    names = kind_columns(kind)  # YAML name -> (field, shape)
    gathered = _gathered(items, {column: _default(model.model_fields[field]) for column, (field, _) in names.items()})
    if gathered is None:
        return None
    try:
        values = {field: _column(kind, field, shape, gathered.pop(column, None), len(items), shared)
                  for column, (field, shape) in names.items()}
        suspect_record(values)
        (_suspect_entities if kind == "entities" else _suspect_holdings)(values)
    except (GiveUp, ValidationError, ValueError, TypeError, OverflowError):
        return None
    return Columns(values[name] for name in model.model_fields)


def _default(info: Any) -> Any:
    """What a record that leaves the field out holds: its default, or `_ABSENT` for a required field."""
    return _ABSENT if info.is_required() else info.get_default(call_default_factory=True)


_BLOCK = 1024  # records read at a time by `_gathered`


def _gathered(items: list[Any], defaults: dict[str, Any]) -> dict[str, list[Any]] | None:
    """Each key the records write -> every record's value (`defaults[key]` where it is left out); None where a record
    is not a mapping or writes a key that is no field's YAML name (a typo, `start` for `from`). Read a block of
    records at a time, every key of a block while its records are still in the CPU's cache (issue 17, time: 0.045 s
    against 0.071 s for the 100k entities of a file of the 1M world, 0.058 against 0.075 for its 155k holdings)."""
    out: dict[str, list[Any]] = {}
    for at in range(0, len(items), _BLOCK):
        part = items[at:at + _BLOCK]
        if set(map(type, part)) != {dict}:
            return None
        for key in set().union(*part).difference(out):  # a key first written here: its default until now
            if key not in defaults:
                return None
            out[key] = [defaults[key]] * at
        for key, column in out.items():
            column.extend(map(dict.get, part, itertools.repeat(key), itertools.repeat(defaults[key])))
    return out


def _column(kind: str, field: str, shape: Any, values: list[Any] | None, records: int,
            shared: dict[str, str]) -> Sequence[Any]:
    """One field of every record (`values`: None where no record writes it), checked; a field left out is its
    default (a give-up if required)."""
    default = _default(KINDS[kind].model_fields[field])
    if values is None:
        if default is _ABSENT:
            raise GiveUp(field)
        return Repeat(default, records)
    # a required field left out (`_ABSENT`) or a null where the field takes none is refused below by the field's
    # adapter or by a test of the values' types, not by a search of each column for them (issue 17, time)
    adapter = field_adapter(KINDS[kind], field)
    if field in _SHARE_FIELDS:
        if default is not None:  # every share field takes a null (NaN below): a new one must be reviewed
            raise GiveUp(field)
        return _shares(values, adapter)
    if shape == "bool":  # "yes", 1: the models' lax reading, not this one; a null only where the default is one
        if not set(map(type, values)) <= ({bool, _NONE} if default is None else {bool}):
            raise GiveUp(field)
        return values
    if isinstance(shape, tuple):  # a list field: only the records that write one are read by the adapter
        return _lists(values, adapter)
    if field in _WHOLE:  # the adapter reads any value as the model does: no distinct values to tell apart
        checked = adapter.validate_python(values)
        return list(map(shared.setdefault, checked, checked)) if field == "id" else checked
    return _distinct(field, values, adapter, shared)


def _distinct(field: str, values: list[Any], adapter: Any, shared: dict[str, str]) -> Sequence[Any]:
    """A text or date field: each distinct value checked once by the field's adapter, one object per value down the
    column (the same object as the file's ids for a reference), `Codes` when few (`parquet_columns.few_values`)."""
    import numpy as np

    if field in REFERENCES:
        return _references(field, values, adapter, shared)
    # each value's place among the distinct ones, in one pass (a new value numbered as it is first met): a type, a
    # country or a date column coded in 3-6 ms against 5-9 ms for a table of the distinct values then a look-up of
    # each (issue 17, time); a column of many values (a note) is coded too, then given as its values (`coded`)
    place: defaultdict[Any, int] = defaultdict(itertools.count().__next__)
    codes = np.fromiter(map(place.__getitem__, values), dtype=np.int64, count=len(values))
    checked = _checked(field, list(place), adapter)
    lookup = np.empty(len(checked), dtype=object)
    lookup[:] = checked
    return coded(codes, lookup)


def _checked(field: str, distinct: list[Any], adapter: Any) -> list[Any]:
    """The distinct values of a text or date field, checked by its adapter."""
    if not set(map(type, distinct)) <= {str, _NONE}:  # 1, 1.0 and True are one key: only text is read here
        raise GiveUp(field)  # (YAML dates stay text: `load_yaml_file(dates=False)`); `_ABSENT` is none of them
    checked: list[Any] = adapter.validate_python(distinct)
    if field == "tax_year_start" and any(year_start(v) is None for v in checked):  # Entity._check
        raise GiveUp(field)
    return checked


def _references(field: str, values: list[Any], adapter: Any, shared: dict[str, str]) -> Sequence[Any]:
    """A holding's `holder` or `entity`: as `_distinct`, each id the file's one object for it. (Checking every id,
    not each distinct one, and telling codes from a part of them: no faster, the hashing only moved to the look-up
    in `shared`; measured in session 23.)"""
    import numpy as np

    distinct = list(dict.fromkeys(values))  # mostly distinct: a table of them, not a number for each met
    checked = _checked(field, distinct, adapter)
    few = few_values(len(checked), len(values))
    if not few and all(map(operator.is_, checked, distinct)) and None not in checked:
        # the adapter kept every id as written (a slug is checked, not changed): each value is its own checked
        # value, made the file's one object for it without a table of the distinct ones (issue 17, time)
        return list(map(shared.setdefault, values, values))
    checked = [v if v is None else shared.setdefault(v, v) for v in checked]
    if not few:
        return list(map(dict(zip(distinct, checked)).__getitem__, values))
    place = dict(zip(distinct, range(len(distinct))))
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
    into one float64 array (`Shares`: None is NaN); any other value (a percent text such as "25%", an integer) read
    once per distinct value by the field's adapter. A written range: the column through the adapter, kept as the
    list of values the models give (exact floats and `ShareRange`s)."""
    import numpy as np

    kinds = set(map(type, values))
    if dict in kinds:
        return adapter.validate_python(values)
    if bool in kinds:  # True is 1 as a key below; the models refuse a boolean share
        raise GiveUp("share")
    read: dict[Any, Any] = {None: np.nan}
    if not kinds <= {float, _NONE}:
        # an integer is a key equal to its float (1 and 1.0), and `to_share` reads both as the same share; the
        # distinct values found in a set, the column read into the array without a list between: 0.029 s against
        # 0.036 s for a share column of 155k values (issue 17, time)
        odd = [v for v in set(values) if v is not None and type(v) is not float]
        read.update(zip(odd, adapter.validate_python(odd)))
    array = np.fromiter(map(read.get, values, values), dtype=np.float64, count=len(values))  # None reads as NaN
    blank = np.isnan(array)
    if int(blank.sum()) != (values.count(None) if _NONE in kinds else 0):  # a NaN written (`.nan`)
        raise GiveUp("share")
    if not ((array[~blank] >= 0.0) & (array[~blank] <= 1.0)).all():
        raise GiveUp("share")
    return Shares(array + 0.0)  # -0.0 + 0.0 is 0.0, as `to_share` reads it


def _where(column: Sequence[Any], test: Callable[[Any], bool]) -> Any:
    """`test` of every record's value as a bool array; a coded or repeated column's distinct values tested once."""
    import numpy as np

    if isinstance(column, Repeat):
        return np.full(len(column), bool(test(column.value)))
    if isinstance(column, Codes):
        return column.mask(test)
    return np.fromiter(map(test, column), dtype=bool, count=len(column))


def _suspect_entities(values: dict[str, Sequence[Any]]) -> None:
    """Entity._check: person-only fields on persons only, no `tax_form` on a person (the taxable-year start is
    checked per distinct value in `_distinct`)."""
    person = _where(values["type"], lambda t: t == "person")
    for name in ("political_figure_of", "citizenship", "us_person"):
        if (_where(values[name], lambda v: v not in (None, ())) & ~person).any():
            raise GiveUp(name)
    if (_where(values["tax_form"], lambda v: v is not None) & person).any():
        raise GiveUp("tax_form")


def _suspect_holdings(values: dict[str, Sequence[Any]]) -> None:
    """Dated._check (`from` before `until`) and Holding._check (a share or `appoints_officers`; no self-holding)."""
    import numpy as np

    day: Callable[[Any], float] = lambda d: np.nan if d is None else d.toordinal()  # noqa: E731
    start, end = (_numbers(values[name], day) for name in ("start", "end"))
    if (start >= end).any():  # NaN (no date) compares false: no order to check
        raise GiveUp("dates")
    none = _where(values["appoints_officers"], lambda v: not v)
    for name in _SHARE_FIELDS:
        column = values[name]
        none &= np.isnan(column.array) if isinstance(column, Shares) else _where(column, lambda v: v is None)
    if none.any():
        raise GiveUp("no share")
    if any(map(operator.eq, values["holder"], values["entity"])):
        raise GiveUp("self")


def _numbers(column: Sequence[Any], number: Callable[[Any], float]) -> Any:
    """`number` of every record's value as a float64 array, a coded or repeated column's values read once."""
    import numpy as np

    if isinstance(column, Repeat):
        return np.full(len(column), number(column.value))
    if isinstance(column, Codes):
        return np.array([number(v) for v in column.values], dtype=np.float64)[column.codes]
    return np.fromiter(map(number, column), dtype=np.float64, count=len(column))


__all__ = ["SWITCH", "enabled", "read_columns"]
