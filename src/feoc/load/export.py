"""A validated Dataset written back as dataset files, one per record kind (`feoc convert`, issue 17): Parquet
tables with the column contract of `feoc.load.columns`, or YAML files the loader reads back to the same records.

Only a Dataset the loader has validated is written, so what is written always loads again; the files are
returned as bytes (name → content) for the caller to write atomically into a folder it owns.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from feoc.data.dataset import Dataset
from feoc.data.model import KINDS, MEASURES
from feoc.data.problems import InputError, Problem
from feoc.data.values import SHARE_DIGITS, ShareRange, upper
from feoc.load.columns import arrow_type, kind_columns, model_columns, table_columns
from feoc.load.parquet_ranges import range_arrays

FORMATS = ("parquet", "yaml")


def dataset_files(dataset: Dataset, to: str) -> dict[str, bytes]:
    """`entities.parquet`/`entities.yaml`, …: one file per record kind that has records, in `to` format.
    InputError (nothing to write) for a share YAML cannot hold exactly (`yaml_shares`); Parquet holds every
    share, a range `{min, max}` in the companion columns `<field>_min`/`<field>_max` (`feoc.load.parquet_ranges`)."""
    if to == "yaml" and (problems := yaml_shares(dataset)):
        raise InputError(problems)
    write = _parquet if to == "parquet" else _yaml
    return {f"{kind}.{to}": write(dataset, kind) for kind in KINDS if getattr(dataset, kind)}


def yaml_shares(dataset: Dataset) -> list[Problem]:
    """Shares a float64 column holds exactly but a YAML number cannot: more than SHARE_DIGITS significant digits
    (`0.30000000000000004`), which the YAML loader refuses because its parser would round them (README.md); both
    bounds of a range are checked."""
    problems = []
    for column in (*MEASURES, "debt"):
        for pos, share in enumerate(dataset.column("holdings", column)):
            for number, bound in ((share, "_min"), (upper(share), "_max")) if isinstance(share, ShareRange) else \
                    ((share, ""),):
                if number is None or len(Decimal(repr(float(number))).normalize().as_tuple().digits) <= SHARE_DIGITS:
                    continue
                origin = dataset.origins.get(("holdings", pos))
                file, place = (origin.file, f"row {origin.index + 1}, ") if origin else (dataset.source_label, "")
                problems.append(Problem(file, 0, f"{place}column {column}{bound}: share {float(number)!r} has more "
                                        f"than {SHARE_DIGITS} significant digits, which a YAML file cannot hold "
                                        "exactly", "round it (e.g. to 12 digits), or keep the dataset as Parquet"))
    return problems


def _columns(dataset: Dataset, kind: str) -> dict[str, list[Any]]:
    """Column name → values (plain: nested records as dicts, lists as lists), read from the kept columns of a
    compact load or from the records."""
    out = {}
    for column, (name, shape) in kind_columns(kind).items():
        values = dataset.column(kind, name)
        if isinstance(shape, tuple):  # lists and nested records: plain Python for Arrow and YAML alike
            values = [_plain(v) for v in values]
        out[column] = values
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {column: _plain(getattr(value, name)) for column, (name, _) in model_columns(type(value)).items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _parquet(dataset: Dataset, kind: str) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = range_arrays(kind, _columns(dataset, kind))  # a range: its field's companion columns
    shapes = table_columns(kind)
    schema = pa.schema([(column, arrow_type(shapes[column][1])) for column in columns])
    arrays = [pa.array(columns[f.name], type=f.type) for f in schema]
    sink = io.BytesIO()
    # each page with its CRC: a table damaged on disk is refused when read, not read as other numbers
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), sink, compression="zstd", write_page_checksum=True)
    return sink.getvalue()


def _yaml(dataset: Dataset, kind: str) -> bytes:
    """`kind:` and a list of records, each with the fields that differ from their default (as a person writes it)."""
    import yaml

    columns = _columns(dataset, kind)
    defaults = {column: _plain(KINDS[kind].model_fields[name].get_default(call_default_factory=True))
                for column, (name, _) in kind_columns(kind).items()}
    names = list(columns)
    records = [{k: _text_date(v) for k, v in zip(names, row) if v != defaults[k] or _required(kind, k)}
               for row in zip(*columns.values())]
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump({kind: records}, Dumper=dumper, sort_keys=False, allow_unicode=True, width=120)
    return text.encode("utf-8")


def _required(kind: str, column: str) -> bool:
    return KINDS[kind].model_fields[kind_columns(kind)[column][0]].is_required()


def _text_date(value: Any) -> Any:
    """Dates as ISO text (the loader reads dates from text; a YAML date tag would be refused by no one, but
    the dataset format writes them as `2024-01-01`, which PyYAML's dumper then leaves unquoted)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, ShareRange):  # a share range written back as it was read (issue 20)
        return {"min": float(value), "max": value.max}
    if isinstance(value, dict):
        return {k: _text_date(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_text_date(v) for v in value]
    return value


__all__ = ["FORMATS", "dataset_files"]
