"""Load a dataset folder into one validated Dataset, reporting every problem with file, line and fix.

All problems of a folder are collected and raised together (InputError); nothing is half-loaded.
This module reads the files (here or in worker processes) and assembles the Dataset; pydantic's errors
are explained in `feoc.load.validation`, the cross-record checks are `feoc.load.checks`.

Speed (bench/README.md): a 100k-entity, 150k-holding folder loads in a few seconds. Each list of
records is validated in one pydantic call; the cross-record checks work on sets and single passes
(no per-record Python work beyond reading a field); files are composed with PyYAML for line numbers
only when a problem is reported; `Dataset.origins` is computed on access from a compact index.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import os
from collections import defaultdict
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeGuard

from pydantic import ValidationError

from feoc.data.columns import Texts
from feoc.data.dataset import Dataset
from feoc.data.heap import lean_heap, trim_heap
from feoc.data.model import KINDS
from feoc.data.pending import PendingChecks
from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import LineFinder, load_yaml_file, read_text
from feoc.law.law import Law
from feoc.load import share_digits, yaml_columns
from feoc.load.checks import battery_materials, check_dataset
from feoc.load.columns import ColumnBuilder, Columns, Rows, constant
from feoc.load.order_ahead import OrderAhead
from feoc.load.origins import OriginRuns
from feoc.load.placed import PlacedTexts
from feoc.load.scan import dataset_scan, is_table_name
from feoc.load.shared_ids import share_entity_ids
from feoc.load.validation import ADAPTERS, valid_items, validation_problems


def dataset_files(folder: Path) -> list[Path]:
    """The YAML and Parquet files of a dataset folder, in a stable order; what is not read is listed by
    `feoc.load.scan.scan_folder` (an unreadable folder or a FIFO is an InputError)."""
    return dataset_scan(folder).files


def load_dataset(folder: Path, law: Law, *, compact: bool = False, workers: int = 1,
                 meanwhile: Callable[[], None] | None = None, defer_checks: bool = False,
                 sort_ids: bool = False) -> Dataset:
    """Parse, validate and cross-check every file of `folder` against `law` (its vocabulary and parameters,
    loaded by the caller: nothing below the CLI reads the rules folder); raise InputError with all problems found.

    `compact=True` (bulk screening) keeps entities and holdings as light read-only rows (`compact_row`)
    instead of pydantic models, once each has been validated by its model: the same fields and methods,
    a fifth of the memory. `workers > 1` parses and validates files in that many processes (same checks,
    same messages; the cross-file checks run here); `meanwhile` then runs in a thread of this process
    while they work (after they are forked, so nothing it imports is half-held in a worker).

    `defer_checks=True` (`feoc screen`): when every file is valid, the cross-record checks are not run here but
    left in the dataset's `checks` (`data.pending`) for the caller to run beside its work; whoever uses the dataset
    calls `dataset.confirm()` before giving any answer from it.

    `sort_ids=True` (`feoc screen`'s bulk path) with `compact`: the entities' id order is sorted in a thread while
    the load goes on (`load/order_ahead.py`) and handed over in `Dataset.sorted_ids`."""
    gc_was_on = gc.isenabled()
    gc.disable()  # building ~10^5 models triggers many cyclic collections that free nothing; refcounting still frees
    if compact:
        lean_heap()  # a bulk run: large arrays given back to the system once freed (data/heap.py)
    try:
        return _load(folder, law, compact, workers, meanwhile, defer_checks, sort_ids)
    finally:
        if gc_was_on:
            gc.enable()
        if compact:
            trim_heap()


COMPACT_KINDS = ("entities", "holdings")
_ID = list(KINDS["entities"].model_fields).index("id")  # the entities' id among their columns


@dataclass
class _FileRead:
    """What one file contributed: records per kind (models, or row tuples when compact), with the indexes
    they had in the file, and the problems found in it alone; `unread`: the kinds it may hold records of that
    could not be read at all (which ids it defines is unknown: no reference into them is called dangling)."""

    name: str
    finder: LineFinder | None
    records: list[tuple[str, list[Any], list[int] | range]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    broken_ids: set[str] = field(default_factory=set)
    unread: set[str] = field(default_factory=set)


def _scanning() -> bool:
    """Whether a compact load scans YAML files (`load.yaml_scan`: numpy and numba, imported for a bulk load only)."""
    from feoc.load import yaml_scan

    return yaml_scan.enabled()


def _read_file(path: Path, compact: bool = False) -> _FileRead:
    """Parse and validate one file (here or in a worker process)."""
    name = str(path)
    if is_table_name(path.name):
        return _read_table_file(path, compact)
    if compact and _scanning():  # the plain layout read straight into columns, or None: the parser reads it
        from feoc.load import yaml_scan

        scanned = yaml_scan.read(path)
        if scanned is not None:
            read = _FileRead(name, _FileLineFinder(path))
            read.records.extend((kind, columns, range(count)) for kind, columns, count in scanned)
            return read
    try:
        raw, finder = load_yaml_file(path, dates=False)  # dates stay strings: the model parses them
    except InputError as exc:  # not parsed: it may have defined records of any kind
        return _FileRead(name, None, problems=list(exc.problems), unread=set(KINDS))
    out = _FileRead(name, finder)
    out.problems.extend(share_digits.problems(finder.text, name))
    shared: dict[str, str] = {}
    if raw is None:
        out.problems.append(Problem(name, 1, "the file is empty", "add records under a top-level key, or delete the file"))
        return out
    if not isinstance(raw, dict):
        what = "a list" if isinstance(raw, list) else f"a single {type(raw).__name__} value"
        out.problems.append(Problem(name, finder.line(()), f"the file holds {what}, not a mapping of record lists",
                                    f"start with a top-level key: one of {', '.join(KINDS)}"))
        out.unread.update(KINDS)
        return out
    for key, items in raw.items():
        if key not in KINDS:
            out.problems.append(Problem(name, finder.line((key,)), f"unknown top-level key `{key}`",
                                        f"use one of: {', '.join(KINDS)}"))
            continue
        if items is None:
            continue
        if not isinstance(items, list):
            out.problems.append(Problem(name, finder.line((key,)), f"`{key}` must be a list of records",
                                        "write each record as a `- ` list item"))
            out.unread.add(key)
            continue
        if compact and key in COMPACT_KINDS and yaml_columns.enabled():
            columns = yaml_columns.read_columns(key, items, shared)  # checked as columns, or None: the models judge
            if columns is not None:
                out.records.append((key, columns, range(len(items))))
                continue
        adapter = ADAPTERS[key]
        try:
            models: list[Any] = adapter.validate_python(items)
            indexes: list[int] | range = range(len(items))
        except ValidationError as exc:
            out.problems.extend(validation_problems(exc, name, key, finder))
            models, indexes = valid_items(key, items, exc, out.broken_ids)
        if compact and key in COMPACT_KINDS:
            models = _one_object_per_value(key, models, shared)  # columns: cheap to send and keep
        out.records.append((key, models, indexes))
    return out


def _read_table_file(path: Path, compact: bool) -> _FileRead:
    """A Parquet table of one record kind (`feoc.load.parquet`): no lines to find, its problems name rows."""
    from feoc.load.parquet import read_table  # pyarrow: only for a folder that holds a table

    table = read_table(path, compact)
    if compact:  # the Arrow table is read into columns and freed: give its pages back (issue 17, memory)
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    out = _FileRead(str(path), None, problems=table.problems, broken_ids=table.broken_ids,
                    unread={table.kind} if table.unread and table.kind else set())
    if table.kind is not None:
        models = table.records
        if compact and table.kind in COMPACT_KINDS and not table.as_tuples:
            models = _one_object_per_value(table.kind, models, {})
        out.records.append((table.kind, models, table.indexes))
    return out


# Fields of the compact kinds whose values repeat: an entity type or country, an id named by many stakes.
# The YAML parser makes a new string for every occurrence; a column of 10^6 values then points at 10^6
# scattered copies of "company", and every later pass over it (encoding, CSV) misses the CPU cache.
_REPEATING = {"entities": ("id", "type", "country", "incorporated_in", "headquartered_in", "political_figure_of"),
              "holdings": ("holder", "entity")}


def _one_object_per_value(key: str, models: list[Any], shared: dict[str, str]) -> list[Any]:
    """The records as columns of their fields (`Columns`, what the load keeps), each repeating string replaced by
    one shared object per value (`shared` spans the file: the ids an entity is defined with are the ones its stakes
    point at). Columns, not a tuple per record: cheaper to send from a worker, and kept as they come."""
    if not models:
        return []
    repeating = _REPEATING[key]
    return Columns([v if v is None else shared.setdefault(v, v) for v in map(attrgetter(name), models)]
                   if name in repeating else tuple(map(attrgetter(name), models)) for name in KINDS[key].model_fields)


def _read_in_worker(args: tuple[Path, bool]) -> _FileRead:
    out = _read_file(*args)
    out.finder = None  # the text stays here; the parent re-reads a file only to locate a problem in it
    # a compact kind's columns kept as the parent keeps them (one value throughout as `Repeat`, nearly all one empty
    # value as `Sparse`: `columns.constant`; an entity's name in one buffer: `_own_texts`), made here, on the
    # worker's core, not by the parent once the last file is in, and sent as one buffer, not 10^5 strings (issue
    # 17, time: the 1M load's serial end 0.05 + 0.08 s less, measured in session 23)
    out.records = [(key, _as_kept(key, models), indexes) for key, models, indexes in out.records]
    return out


def _as_kept(kind: str, columns: Any) -> Any:
    """A compact kind's columns (a worker's read of them) as `_load` keeps them; records of any other kind as read."""
    if not isinstance(columns, Columns):
        return columns
    own = _OWN_TEXTS.get(kind, ())

    def kept(name: str, values: Any) -> Any:  # repeated first, as the parent's builder keeps it; else one buffer
        values = constant(values)
        return Texts.of(values) if name in own and isinstance(values, (list, tuple)) and _all_texts(values) else values
    return Columns(kept(name, values) for name, values in zip(KINDS[kind].model_fields, columns))


class _FileLineFinder(LineFinder):
    """A LineFinder that reads its file when first asked (for files a worker process parsed)."""

    def __init__(self, path: Path):
        super().__init__("")
        self._path = path
        self._read = False

    def line(self, path: tuple[str | int, ...]) -> int:
        if not self._read:
            self._read = True
            with contextlib.suppress(InputError):  # unreadable now: the problem is reported without a line
                self._text = read_text(self._path)
        return super().line(path)


def _reads(files: list[Path], compact: bool, workers: int,
           meanwhile: Callable[[], None] | None = None) -> Generator[_FileRead, None, None]:
    # YAML files, two or more, each parsed in a worker; tables are read here meanwhile, never sent from a worker (at
    # 1M entities a worker reading the holdings table took 1.95-2.72 s against 1.71-2.11 s for both read here: the
    # columns pickled, sent and read back cost what the second core saved; issue 17)
    texts = [path for path in files if not is_table_name(path.name)]
    workers = min(workers, len(texts), os.cpu_count() or 1)
    if workers <= 1:  # `meanwhile` in a thread: a Parquet table is decoded without the GIL (issue 17, time)
        side = None
        if meanwhile is not None:
            from feoc.load.workers import Beside  # a thread: for a command that has work meanwhile only

            side = Beside(meanwhile)
        for path in files:
            yield _read_file(path, compact)
        if side is not None:  # joined before the load goes on: no thread is left when a process forks later
            side.join()
        return
    # largest files first, so the last one to finish is small; results come back in file order. The tables
    # are read here meanwhile, before any worker's result is waited for: pyarrow decodes on threads of its own
    from feoc.load.workers import ordered_map  # processes and pipes: for a parallel load only

    tasks = [(path, compact) for path in texts]
    if compact and _scanning():
        from feoc.load import yaml_scan

        yaml_scan.warm()  # here once, not in each worker
    parallel = ordered_map(_read_in_worker, tasks, workers, _size, meanwhile)
    try:
        own = {path: _read_file(path, compact) for path in files if is_table_name(path.name)}
        for path in files:
            if path in own:
                yield own.pop(path)
                continue
            read = next(parallel)
            read.finder = read.finder or _FileLineFinder(path)
            yield read
        next(parallel, None)  # the workers' generator run to its end: it joins `meanwhile`'s thread there
    finally:
        parallel.close()


def _size(task: tuple[Path, bool]) -> int:
    with contextlib.suppress(OSError):
        return task[0].stat().st_size
    return 0


def _load(folder: Path, law: Law, compact: bool = False, workers: int = 1,
          meanwhile: Callable[[], None] | None = None, defer_checks: bool = False, sort_ids: bool = False) -> Dataset:
    problems: list[Problem] = []
    finders: dict[str, LineFinder] = {}
    records: dict[str, list[Any]] = defaultdict(list)
    columns: dict[str, list[ColumnBuilder]] = {}  # compact kinds: one column per field, in record order
    origins = OriginRuns()
    broken_ids: set[str] = set()  # ids of records that failed validation: no "dangling reference" noise for them
    unread: set[str] = set()  # kinds a file or table held but could not be read: nor for references into them

    files = dataset_files(folder)
    # the entities' id order sorted in a thread beside the reads or the rest of the load (`sort_ids`): the thread is
    # joined when the Dataset is made, or when anything here fails (not on Ctrl-C); the reads closed here, not when
    # collected: on Ctrl-C or an error the worker processes end before this returns
    with OrderAhead(files, compact and sort_ids) as ahead:
        with contextlib.closing(_reads(files, compact, workers, meanwhile)) as reads:
            for read in reads:
                problems.extend(read.problems)
                broken_ids |= read.broken_ids
                unread |= read.unread
                if read.finder is not None:
                    finders[read.name] = read.finder
                _take(read, compact, columns, records, origins)
                ahead.taken(read.name, columns["entities"][_ID].parts if "entities" in columns else [])
        kept = {k: dict(zip(KINDS[k].model_fields, (b.column() for b in v))) for k, v in columns.items()}
        columns.clear()
        if "entities" in kept:  # every file read, no worker left: sorted now where the reads could not start it
            ahead.all_in(kept["entities"]["id"])
        _own_texts(kept)
        share_entity_ids(kept)  # the entities' own ids, or their positions (issue 17, memory)
        made: dict[str, Any] = {k: tuple(v) for k, v in records.items()}
        for k, fields_of in kept.items():
            made[k] = Rows(compact_row(k), list(fields_of.values()), len(next(iter(fields_of.values()))),
                           key=list(fields_of).index("id") if "id" in fields_of else 0)
        materials = battery_materials(law)
        if defer_checks and not problems:  # the checks' closure holds what they read, no more (`data.pending`)
            checks = PendingChecks(lambda: check_dataset(dataset, law.vocabulary, finders, broken_ids, materials,
                                                         frozenset(unread)))
        else:
            checks = None
        dataset = Dataset(**made, origins=origins, source_label=str(folder), columns=kept,  # type: ignore[arg-type]
                          checks=checks, sorted_ids=ahead.sorted_ids())
    if checks is None:
        problems.extend(check_dataset(dataset, law.vocabulary, finders, broken_ids, materials, frozenset(unread)))
    if problems:
        raise InputError(problems)
    return dataset


def _take(read: _FileRead, compact: bool, columns: dict[str, list[ColumnBuilder]], records: dict[str, list[Any]],
          origins: OriginRuns) -> None:
    """One file's records into the load's columns (compact kinds) or record lists, and their origins."""
    before = sum(map(len, columns["entities"][0].parts)) if "entities" in columns else 0
    for key, models, indexes in read.records:
        if compact and key in COMPACT_KINDS:
            # only columns: bulk analysis reads a field of every record, and a column is read in order;
            # the records are made from them on access (`Rows`), none kept (issue 17, memory)
            fields = columns.setdefault(key, [ColumnBuilder() for _ in KINDS[key].model_fields])
            for column, values in zip(fields, models if isinstance(models, Columns) else zip(*models)):
                if isinstance(values, PlacedTexts):  # found among this file's entities: where they start
                    values.base = before
                column.add(values)
        else:
            records[key].extend(models)
        origins.add_run(key, read.name, indexes)
    read.records.clear()  # a worker's tuples: their fields now live in the columns


# Text fields each record has its own of and nothing looks up (an id is looked up: it stays a str, shared with the
# holdings that name it): kept as one buffer (`data.columns.Texts`)
_OWN_TEXTS = {"entities": ("name",)}


def _own_texts(kept: dict[str, dict[str, Any]]) -> None:
    """Issue 17, memory: an entity's name as UTF-8 bytes in one buffer, ~50 MiB less at 10^6 entities."""
    for kind, names in _OWN_TEXTS.items():
        for name in names:
            values = kept.get(kind, {}).get(name)
            if _all_texts(values):
                kept[kind][name] = Texts.of(values)


def _all_texts(values: Any) -> TypeGuard[Sequence[str]]:
    return isinstance(values, (list, tuple)) and all(type(v) is str for v in values)


@functools.cache
def compact_row(kind: str) -> Any:  # a named-tuple class made at run time
    """A light, immutable row class for the records of `kind`: a named tuple of the model's fields (in
    their order) with the model's reading methods (`in_force`, `share`). Built only from records the
    model has validated."""
    model = KINDS[kind]
    base = collections.namedtuple(f"{model.__name__}Row", list(model.model_fields))  # type: ignore[misc]
    methods = {name: getattr(model, name) for name in ("in_force", "share") if hasattr(model, name)}
    return type(f"{model.__name__}Row", (base,), {"__slots__": (), **methods})


__all__ = ["compact_row", "dataset_files", "load_dataset"]
