"""The bulk read of a Parquet table (issue 17): entities and holdings for `feoc screen`, read column by column
into the light rows of a compact load, without a pydantic model per record.

The record models stay the contract and the only source of messages. Here every column is checked whole, by
the model's own type for that field (a pydantic adapter run once over the column's distinct values: slugs,
country codes, names), by arithmetic equal to the field's reader for shares (`to_share`: a number in [0, 1],
-0.0 read as 0.0) and dates (`to_date`: a year from 1900 to 2100), and by the checks across fields that the
models make per record (`_check` in `feoc.data.model`). Two text checks are made on the bytes where that is provably
the model's own (`feoc.load.parquet_texts`): the holdings' `holder` and `entity` against the slug pattern (kept as
Arrow text until `feoc.load.shared_ids` finds the entities they name), as the entities' `id` (read as the strings),
and plain ASCII names (kept as `Texts`); any other value goes to the adapter. Whenever any value might be refused — a null where a
value is required, a share out of range, a person-only field on a company — this read gives up (None) and
the table is read record by record through the models, which report every problem with its row and column.
So this path never accepts what the models refuse and never words a problem itself; tests/test_parquet_input.py
holds its rows equal to the models' on the seeds, a generated world and every hostile table.

A share range (issue 20) is read from its companion columns `<field>_min`/`<field>_max` (`_measure`: the models'
`to_share_or_range` in arithmetic); a share field without a written bound is read as before, one float64 array.

A model whose fields are not the ones listed in `_KNOWN` (a field added since) is always read record by record:
the checks across fields here must be reviewed first.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from feoc.data.columns import ArrowTexts, Codes, Sparse
from feoc.data.model import KINDS, MEASURES, year_start
from feoc.data.values import ShareRange
from feoc.load.columns import SPARSE_FROM, Columns, Repeat, Shares, kind_columns, present, range_columns
from feoc.load.parquet_texts import all_slugs, name_field, plain_names, slug_field
from feoc.load.shared_ids import REFERENCES

# the fields of each kind whose checks across fields `_suspect_*` below reproduce (data/model.py, `_check`)
_RECORD = ("sources", "assumed", "assumption", "note")
_KNOWN = {
    "entities": frozenset((*_RECORD, "id", "name", "type", "country", "incorporated_in", "headquartered_in",
                           "political_figure_of", "citizenship", "us_person", "aliases", "tax_year_start",
                           "tax_form")),
    "holdings": frozenset((*_RECORD, "start", "end", "holder", "entity", *MEASURES, "debt", "appoints_officers")),
}
_SHARES = frozenset((*MEASURES, "debt"))
_ONE_PER_RECORD = frozenset(("id", "name"))  # texts that seldom repeat: read as they are, not shared
# texts each record has its own of and nothing looks up (load/folder.py's `_OWN_TEXTS`): read as `Texts` here
_OWN_TEXTS = frozenset(("name",))
_CODED_FROM = 4  # records per distinct value from which a text or date field is kept as codes (`data.columns.Codes`)
_YEARS = (1900, 2100)  # to_date's plausible years (feoc.data.values), arithmetic of the reader, not law


class GiveUp(Exception):
    """A value the models might refuse: read the table record by record instead."""


def read_columns(kind: str, table: Any, seen: dict[str, Seen] | None = None) -> Columns | None:
    """The fields of every record of `table`, checked, as columns; or None when the table must be read through
    the models (another kind, or a value they might refuse). `seen` (per field: the values met and their objects),
    kept by the caller across the parts of one table read in pieces, makes a value repeated across parts one
    object and checks it once (a holder named in every part of 10^7 holdings is one string, not one per part)."""
    import pyarrow as pa

    model = KINDS.get(kind)
    if model is None or not bulk_reviewed(kind):
        return None
    try:
        (_suspect_entities if kind == "entities" else _suspect_holdings)(table)
        seen = {} if seen is None else seen
        values = {name: _measure(table, column) if name in _SHARES and _bounded(table, column) else
                  _column(model, name, shape, table.column(column) if column in table.column_names else None,
                          table.num_rows, seen.setdefault(name, Seen()))
                  for column, (name, shape) in kind_columns(kind).items()}
        suspect_record(values)
    except (GiveUp, ValidationError, ValueError, OverflowError, TypeError, pa.ArrowException):
        return None  # ValueError: text that is not UTF-8, say; an Arrow error: a column no check here can read
    return Columns(values[name] for name in model.model_fields)


def bulk_reviewed(kind: str) -> bool:
    """Whether a bulk read may read `kind`: its model has exactly the fields whose checks across fields are
    reproduced here (`_KNOWN`); a field added since sends every record through the model."""
    model = KINDS.get(kind)
    return kind in _KNOWN and model is not None and frozenset(model.model_fields) == _KNOWN[kind]


def _column(model: type[BaseModel], name: str, shape: Any, column: Any, rows: int,
            seen: Seen) -> Sequence[Any]:
    """One field of every record: validated as a whole; a null is the field's default (or a give-up if required)."""
    import pyarrow as pa

    info = model.model_fields[name]
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    if column is None or column.null_count == rows:
        if info.is_required():
            raise GiveUp(name)
        return Repeat(default, rows)  # a field no record writes: one value, not a list of 10^6 pointers
    if column.null_count and info.is_required():
        raise GiveUp(name)
    if name in _SHARES:
        return _shares(column)
    if shape == "date":
        return _dates(column, seen)
    if name in REFERENCES and slug_field(model, name) and all_slugs(column):  # valid: the pattern tested on bytes
        return ArrowTexts([chunk.cast(pa.string()) for chunk in column.chunks])  # found in Arrow (`load.shared_ids`)
    if name in _OWN_TEXTS and name_field(model, name):  # plain names kept as they are, in one buffer
        texts = plain_names(column)
        if texts is not None:
            return texts
    if shape == "text" and name in _ONE_PER_RECORD and slug_field(model, name) and all_slugs(column):
        return column.to_pylist()  # ids: valid, the pattern tested on bytes (issue 17, time: 1M ids, 0.125 s -> 0.083 s)
    if shape == "text" and name in _ONE_PER_RECORD:  # hashing 10^6 distinct values to share none costs more
        return field_adapter(model, name).validate_python([default if v is None else v for v in column.to_pylist()])
    if shape == "text":
        return _distinct_values(column, field_adapter(model, name).validate_python, default, seen)
    if shape == "bool":
        return _bools(column, default, rows)
    return _lists(column, field_adapter(model, name), default, rows)


def _bools(column: Any, default: Any, rows: int) -> Sequence[Any]:
    """A true/false field; one value throughout (`assumed: false` in every record) counted in Arrow and given as a
    `Repeat`, as `load.columns.constant` makes of the list (issue 17: 4M Python bools read and compared, 0.4 s)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    true = pc.sum(column.cast(pa.int64())).as_py() or 0
    written = rows - column.null_count
    one = None if not written or 0 < true < written else true == written  # the one value written, if one
    if one is not None and (not column.null_count or default is one):
        return Repeat(one, rows)
    return [default if v is None else v for v in column.to_pylist()]


def _lists(column: Any, adapter: TypeAdapter, default: Any, rows: int) -> Sequence[Any]:
    """A list field (aliases, citizenship, sources): empty in most records, so only the records with items are
    read into Python and validated; a null list, or a null in a nested record, is a field left out."""
    import numpy as np
    import pyarrow.compute as pc

    lengths = pc.list_value_length(column.combine_chunks()).fill_null(0).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(lengths).tolist()
    if not positions:
        return Repeat(default, rows)
    rows_with_items = column.take(positions).to_pylist()
    items = adapter.validate_python(rows_with_items if _flat(column.type) else [present(v) for v in rows_with_items])
    if len(positions) * SPARSE_FROM <= rows:  # the records with items only (issue 17, memory: `Sparse`)
        return Sparse(default, rows, np.array(positions, dtype=np.int64), items)
    out = [default] * rows
    for pos, value in zip(positions, items):
        out[pos] = value
    return out


def _flat(typ: Any) -> bool:
    """Whether a list type's items hold no nested record, so `present` (which leaves out a record's null fields, and
    nothing else) would give each list as it is. Issue 17, time: the 47k alias lists of the 1M world, 0.057 s -> 0.040 s."""
    import pyarrow as pa

    return not pa.types.is_nested(typ.value_type)


def _shares(column: Any) -> Sequence[float | None]:
    """`to_share` on a number column: in [0, 1] (NaN is not), -0.0 read as 0.0; kept as one float64 array in which
    NaN is a share not recorded (`Shares`: 8 bytes a holding, not a Python float each)."""
    import numpy as np
    import pyarrow as pa

    values = column.cast(pa.float64()).combine_chunks()
    numbers = values.to_numpy(zero_copy_only=False)  # nulls read as NaN
    # a written NaN is one NaN more than the nulls; NaN is neither below 0 nor above 1 (issue 17, time: the 1M
    # world's shares 0.052 s -> 0.023 s, without a mask of the nulls)
    if ((numbers < 0.0) | (numbers > 1.0)).any() or np.count_nonzero(np.isnan(numbers)) != values.null_count:
        raise GiveUp("share")
    return Shares(numbers + 0.0)  # a fresh, writable array; -0.0 + 0.0 is 0.0, a null's NaN stays NaN


def _bounded(table: Any, column: str) -> bool:
    """Whether a range's companion column of share field `column` holds a value (README.md, "Parquet tables")."""
    return any(bound in table.column_names and table.column(bound).null_count < table.num_rows
               for bound in (f"{column}_min", f"{column}_max"))


def _measure(table: Any, column: str) -> list[float | None]:
    """`to_share_or_range` on a share column and its companions (`feoc.load.parquet_ranges`): the exact share where
    the field is written, else `ShareRange(min or 0, max or 1)` (an exact share for equal bounds) where a bound is,
    else None. A give-up for a value the models refuse (a bound beside an exact share, one out of [0, 1], min above
    max). A list of Python values, as a YAML load keeps a column with ranges: only a table with ranges reads so."""
    import numpy as np

    exact, low, high = (_numbers(_get(table, c)) for c in (column, f"{column}_min", f"{column}_max"))
    bounded = low[1] | high[1]
    if (exact[1] & bounded).any():
        raise GiveUp("exact and bound")
    lows, highs = np.where(low[1], low[0], 0.0) + 0.0, np.where(high[1], high[0], 1.0) + 0.0  # -0.0 read as 0.0
    if (bounded & (lows > highs)).any():
        raise GiveUp("min above max")
    out: list[float | None] = [None] * table.num_rows
    for pos in np.flatnonzero(exact[1]).tolist():
        out[pos] = float(exact[0][pos]) + 0.0
    for pos, lo, hi in zip(np.flatnonzero(bounded).tolist(), lows[bounded].tolist(), highs[bounded].tolist()):
        out[pos] = lo if lo == hi else ShareRange(lo, hi)
    return out


def _numbers(column: Any) -> tuple[Any, Any]:
    """A share column as (float64 values, mask of the written ones); a give-up for a written value out of [0, 1]."""
    import numpy as np
    import pyarrow as pa

    values = column.cast(pa.float64())
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    numbers = values.to_numpy(zero_copy_only=False)
    written = ~np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if not ((numbers[written] >= 0.0) & (numbers[written] <= 1.0)).all():  # NaN fails both
        raise GiveUp("share")
    return numbers, written


def _dates(column: Any, seen: Seen) -> Sequence[dt.date | None]:
    """`to_date` on a date column: a year from 1900 to 2100."""
    import pyarrow as pa
    import pyarrow.compute as pc

    days = column.cast(pa.date32())
    years = pc.year(days)
    low, high = pc.min_max(years).values()
    if low.as_py() is not None and (low.as_py() < _YEARS[0] or high.as_py() > _YEARS[1]):
        raise GiveUp("date")
    return _distinct_values(days, list, None, seen)


class Seen:
    """The distinct values of one field met in the earlier parts of a table read in parts, in the order met: as
    Arrow values (`values`: the new values of a part are found in C, `pyarrow.compute.index_in`) and as the checked
    Python objects (`objects`), so that a value repeated across parts is one object, checked once."""

    __slots__ = ("objects", "values")

    def __init__(self) -> None:
        import numpy as np

        self.values: Any = None
        self.objects: Any = np.empty(0, dtype=object)


def _distinct_values(column: Any, check: Callable[[list[Any]], list[Any]], default: Any,
                     seen: Seen) -> Sequence[Any]:
    """A text or date field: its distinct values checked once each (`check`: the field's type; `seen`: the values
    met in earlier parts of the table), then one shared object per value down the column (a column of 10^6
    records points at one "company", not at 10^6 copies). Only the values no earlier part had become Python
    objects here (issue 17: the ids of 1.5M holdings were read into Python and looked up part after part). A field
    of few values (a type, a country, a date) is given as `Codes`: a small integer per record (issue 17, memory)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = column.combine_chunks().dictionary_encode()
    distinct = encoded.dictionary
    codes = np.full(len(distinct), -1, dtype=np.int64)  # each distinct value's place in `seen`, -1: new
    if seen.values is not None:  # the part's few values hashed, the earlier ones looked up (less than the reverse)
        place = pc.index_in(seen.values, value_set=distinct)
        known = place.is_valid()
        codes[place.filter(known).to_numpy()] = np.flatnonzero(known.to_numpy(zero_copy_only=False))
    fresh = codes < 0
    if fresh.any():
        new = distinct.filter(pa.array(fresh))
        checked = np.empty(len(new), dtype=object)
        checked[:] = check(new.to_pylist())
        codes[fresh] = np.arange(len(seen.objects), len(seen.objects) + len(new))
        seen.objects = np.concatenate([seen.objects, checked])
        seen.values = new if seen.values is None else pa.concat_arrays([seen.values, new])
    lookup = np.empty(len(distinct) + 1, dtype=object)
    lookup[:-1] = seen.objects[codes]
    lookup[-1] = default
    indices = encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)
    return coded(indices, lookup)


def coded(indices: Any, lookup: Any) -> Sequence[Any]:
    """A field's values given as places (`indices`, an integer array) into its distinct values (`lookup`, an object
    array): as `Codes` when they are few (`_CODED_FROM` records or more per value, at most 2^16 values), else as the
    list of values, one object per distinct value down the column."""
    import numpy as np

    if few_values(len(lookup), len(indices)):  # a code per record
        return Codes(indices.astype(np.uint8 if len(lookup) <= 1 << 8 else np.uint16), lookup.tolist())
    out: list[Any] = lookup[indices].tolist()
    return out


def few_values(distinct: int, records: int) -> bool:
    """Whether a field of `distinct` values over `records` records is kept as `Codes` (see `coded`)."""
    return distinct * _CODED_FROM <= records and distinct <= 1 << 16


@functools.cache
def _adapter_cached(model: type[BaseModel], name: str) -> TypeAdapter:
    info = model.model_fields[name]
    typ = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    return TypeAdapter(list[typ])  # type: ignore[valid-type]


def field_adapter(model: type[BaseModel], name: str) -> TypeAdapter:
    """The adapter of a list of field `name`'s values, by the model's own type for it (annotation and marks)."""
    return _adapter_cached(model, name)


def suspect_record(values: dict[str, Sequence[Any]]) -> None:
    """Record._check: `assumed: true` needs a non-blank `assumption` (few records are assumed: read in Python)."""
    if any(values["assumed"]) and any(a and not (why and why.strip()) for a, why in
                                      zip(values["assumed"], values["assumption"])):
        raise GiveUp("assumed")


def _get(table: Any, column: str) -> Any:
    """A column of the table, or nulls where the table has none (a field left out in every record)."""
    import pyarrow as pa

    if column in table.column_names:
        return table.column(column)
    return pa.nulls(table.num_rows)


def _any_true(mask: Any) -> bool:
    import pyarrow.compute as pc

    return bool(pc.any(mask).as_py())  # a null (unknown) is not true; a null field is tested apart


def _suspect_entities(table: Any) -> None:
    """Entity._check: a taxable-year start every year has; person-only fields on persons only; no `tax_form` on
    a person."""
    import pyarrow.compute as pc

    starts = pc.unique(_get(table, "tax_year_start")).to_pylist()
    if any(text is not None and year_start(text) is None for text in starts):
        raise GiveUp("tax_year_start")
    not_person = pc.fill_null(pc.not_equal(_get(table, "type"), "person"), True)
    nations = _get(table, "citizenship")
    person_only = pc.or_(pc.or_(pc.is_valid(_get(table, "political_figure_of")), pc.is_valid(_get(table, "us_person"))),
                         pc.fill_null(pc.greater(pc.list_value_length(nations), 0), False)
                         if nations.null_count < len(nations) else pc.is_valid(nations))
    if _any_true(pc.and_(not_person, person_only)):
        raise GiveUp("person")
    is_person = pc.fill_null(pc.equal(_get(table, "type"), "person"), False)
    if _any_true(pc.and_(is_person, pc.is_valid(_get(table, "tax_form")))):  # Entity._check: a person has none
        raise GiveUp("tax_form")


def _suspect_holdings(table: Any) -> None:
    """Dated._check (`from` before `until`) and Holding._check (a share or `appoints_officers`; no self-holding)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    start, end = (_get(table, c).cast(pa.date32()) for c in ("from", "until"))
    if _any_true(pc.greater_equal(start, end)):  # null where either is missing: no order to check
        raise GiveUp("dates")
    no_share = functools.reduce(pc.and_, (pc.is_null(_get(table, column))  # a range's bound written is a share too
                                          for column in (*sorted(_SHARES), *range_columns("holdings"))))
    officers = pc.fill_null(_get(table, "appoints_officers").cast(pa.bool_()), False)
    if _any_true(pc.and_(no_share, pc.invert(officers))):
        raise GiveUp("no share")
    if _any_true(pc.equal(_get(table, "holder"), _get(table, "entity"))):
        raise GiveUp("self")


__all__ = ["GiveUp", "bulk_reviewed", "coded", "few_values", "field_adapter", "read_columns", "suspect_record"]
