"""Load a dataset folder into one validated Dataset, reporting every problem with file, line and fix.

All problems of a folder are collected and raised together (InputError); nothing is half-loaded.

Speed (bench/README.md): a 100k-entity, 150k-holding folder loads in a few seconds. Each list of
records is validated in one pydantic call; the cross-record checks work on sets and single passes
(no per-record Python work beyond reading a field); files are composed with PyYAML for line numbers
only when a problem is reported; `Dataset.origins` is computed on access from a compact index.
"""

from __future__ import annotations

import bisect
import collections
import ctypes
import signal
import datetime as dt
import functools
import gc
import math
import os
from collections import defaultdict
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator, Mapping
from operator import attrgetter
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from feoc.data.dataset import Dataset, Origin
from feoc.load.holding_scan import EPS as _EPS
from feoc.load.holding_scan import HoldingScan, may_close_a_cycle, scan_holdings
from feoc.law.data import Vocabulary
from feoc.law.law import Law
from feoc.data.model import KINDS, MEASURES, FieldError, Record, explain
from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import LineFinder, load_yaml_file, read_text

_ADAPTERS = {kind: TypeAdapter(list[model]) for kind, model in KINDS.items()}  # type: ignore[valid-type]
_FIX = {  # the fix for pydantic's own error types (our validators write theirs after a `; `)
    "extra_forbidden": "remove the field or correct its spelling (see the dataset format in README.md)",
    "missing": "add the field",
    "model_type": "write the record as a mapping of `field: value` lines",
    "dict_type": "write a mapping of `field: value` lines",
    "string_type": "write text here (quote it if it looks like a number, a date or true/false)",
    "string_too_short": "write a non-blank value",
    "tuple_type": "write a list: `[a, b]` or one `- item` per line",
    "too_short": "give at least one item",
    "literal_error": "use one of the values listed",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "int_from_float": "write a whole number",
    "float_parsing": "write a number",
    "float_type": "write a number",
    "finite_number": "write a finite number",
    "greater_than_equal": "write a number at least as large as the bound",
    "less_than_equal": "write a number at most as large as the bound",
    "invalid_key": "write the key as text (the field names are lowercase words)",
}
_SCALAR_REFS = {  # (kind, field) -> the kind of record the field names
    ("holdings", "holder"): "entities", ("holdings", "entity"): "entities",
    ("listings", "entity"): "entities",
    ("agreements", "licensor"): "entities", ("agreements", "licensee"): "entities",
    ("facilities", "operator"): "entities",
    ("vehicles", "manufacturer"): "entities", ("vehicles", "battery"): "batteries",
    ("vehicles", "assembled_at"): "facilities",
    ("material_inputs", "facility"): "facilities", ("material_inputs", "supplier"): "entities",
}


def dataset_files(folder: Path) -> list[Path]:
    """The YAML files of a dataset folder, in a stable order."""
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise InputError([Problem(str(folder), 0, "no such dataset folder or file", "pass --data PATH to a folder of YAML files")])
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise InputError([Problem(str(folder), 0, "the folder holds no .yaml files", "add dataset files or pass another --data PATH")])
    return files


class _Origins(Mapping):
    """`(kind, position) -> Origin`, built on access from runs of records that came from one file."""

    def __init__(self) -> None:
        self._runs: dict[str, list[tuple[int, str, int]]] = defaultdict(list)  # kind -> [(first pos, file, first index)]
        self._starts: dict[str, list[int]] = defaultdict(list)
        self._count: dict[str, int] = defaultdict(int)

    def add_run(self, kind: str, file: str, indexes: list[int] | range) -> None:
        """Records `indexes` of `file` (ascending) were appended, in order, to the records of `kind`."""
        pos = self._count[kind]
        if isinstance(indexes, range) and indexes.step == 1:  # the usual case: the whole list was valid
            if indexes:
                self._runs[kind].append((pos, file, indexes.start))
                self._starts[kind].append(pos)
            self._count[kind] = pos + len(indexes)
            return
        prev = None
        for offset, index in enumerate(indexes):
            if prev is None or index != prev + 1:
                self._runs[kind].append((pos + offset, file, index))
                self._starts[kind].append(pos + offset)
            prev = index
        self._count[kind] = pos + len(indexes)

    def __getitem__(self, key: tuple[str, int]) -> Origin:
        kind, pos = key
        if kind not in self._runs or not isinstance(pos, int) or not 0 <= pos < self._count[kind]:
            raise KeyError(key)
        run = self._runs[kind][bisect.bisect_right(self._starts[kind], pos) - 1]
        return Origin(run[1], kind, run[2] + pos - run[0])

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for kind, count in self._count.items():
            for pos in range(count):
                yield (kind, pos)

    def __len__(self) -> int:
        return sum(self._count.values())


def load_dataset(folder: Path, law: Law | None = None, *, compact: bool = False,
                 workers: int = 1, meanwhile: Callable[[], None] | None = None) -> Dataset:
    """Parse, validate and cross-check every file of `folder`; raise InputError with all problems found.

    `compact=True` (bulk screening) keeps entities and holdings as light read-only rows (`compact_row`)
    instead of pydantic models, once each has been validated by its model: the same fields and methods,
    a fifth of the memory. `workers > 1` parses and validates files in that many processes (same checks,
    same messages; the cross-file checks run here); `meanwhile` then runs in a thread of this process
    while they work (after they are forked, so nothing it imports is half-held in a worker)."""
    vocab = (law or Law.load()).vocabulary  # the words a dataset may use

    gc_was_on = gc.isenabled()
    gc.disable()  # building ~10^5 models triggers many cyclic collections that free nothing; refcounting still frees
    try:
        return _load(folder, vocab, compact, workers, meanwhile)
    finally:
        if gc_was_on:
            gc.enable()


COMPACT_KINDS = ("entities", "holdings")


@dataclass
class _FileRead:
    """What one file contributed: records per kind (models, or row tuples when compact), with the indexes
    they had in the file, and the problems found in it alone."""

    name: str
    finder: LineFinder | None
    records: list[tuple[str, list[Any], list[int] | range]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    broken_ids: set[str] = field(default_factory=set)


def _read_file(path: Path, compact: bool = False) -> _FileRead:
    """Parse and validate one file (here or in a worker process)."""
    name = str(path)
    try:
        raw, finder = load_yaml_file(path, dates=False)  # dates stay strings: the model parses them
    except InputError as exc:
        return _FileRead(name, None, problems=list(exc.problems))
    out = _FileRead(name, finder)
    shared: dict[str, str] = {}
    if raw is None:
        out.problems.append(Problem(name, 1, "the file is empty", "add records under a top-level key, or delete the file"))
        return out
    if not isinstance(raw, dict):
        what = "a list" if isinstance(raw, list) else f"a single {type(raw).__name__} value"
        out.problems.append(Problem(name, finder.line(()), f"the file holds {what}, not a mapping of record lists",
                                    f"start with a top-level key: one of {', '.join(KINDS)}"))
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
            continue
        adapter = _ADAPTERS[key]
        try:
            models: list[Any] = adapter.validate_python(items)
            indexes: list[int] | range = range(len(items))
        except ValidationError as exc:
            out.problems.extend(_validation_problems(exc, name, key, finder))
            models, indexes = _valid_items(key, items, exc, out.broken_ids)
        if compact and key in COMPACT_KINDS:
            models = _one_object_per_value(key, models, shared)  # plain tuples: cheap to send and keep
        out.records.append((key, models, indexes))
    return out


# Fields of the compact kinds whose values repeat: an entity type or country, an id named by many stakes.
# The YAML parser makes a new string for every occurrence; a column of 10^6 values then points at 10^6
# scattered copies of "company", and every later pass over it (encoding, CSV) misses the CPU cache.
_REPEATING = {"entities": ("id", "type", "country", "incorporated_in", "headquartered_in", "political_figure_of"),
              "holdings": ("holder", "entity")}


def _one_object_per_value(key: str, models: list[Any], shared: dict[str, str]) -> list[tuple]:
    """The records as tuples of their fields, each repeating string replaced by one shared object per value
    (`shared` spans the file: the ids an entity is defined with are the ones its stakes point at)."""
    if not models:
        return []
    fields = list(KINDS[key].model_fields)
    columns: list[Any] = list(zip(*map(attrgetter(*fields), models)))
    for name in _REPEATING[key]:
        i = fields.index(name)
        columns[i] = [v if v is None else shared.setdefault(v, v) for v in columns[i]]
    return list(zip(*columns))


def _read_in_worker(args: tuple[Path, bool]) -> _FileRead:
    out = _read_file(*args)
    out.finder = None  # the text stays here; the parent re-reads a file only to locate a problem in it
    return out


def _die_with_parent() -> None:
    """A worker must not outlive a killed `feoc` (Linux: PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown still ends the workers
        pass


class _FileLineFinder(LineFinder):
    """A LineFinder that reads its file when first asked (for files a worker process parsed)."""

    def __init__(self, path: Path):
        super().__init__("")
        self._path = path
        self._read = False

    def line(self, path: tuple[str | int, ...]) -> int:
        if not self._read:
            self._read = True
            try:
                self._text = read_text(self._path)
            except InputError:
                pass
        return super().line(path)


def _reads(files: list[Path], compact: bool, workers: int,
           meanwhile: Callable[[], None] | None = None) -> Iterator[_FileRead]:
    workers = min(workers, len(files), os.cpu_count() or 1)
    if workers <= 1:
        for path in files:
            yield _read_file(path, compact)
        if meanwhile is not None:
            meanwhile()
        return
    import multiprocessing
    import threading

    with multiprocessing.get_context("fork").Pool(workers, initializer=_die_with_parent) as pool:
        side = threading.Thread(target=meanwhile, daemon=True) if meanwhile is not None else None
        if side is not None:
            side.start()
        # largest files first, so the last one to finish is small; results are merged in file order
        order = sorted(range(len(files)), key=lambda i: -files[i].stat().st_size)
        done: dict[int, _FileRead] = {}
        results = pool.imap_unordered(_indexed_read, [(i, files[i], compact) for i in order])
        next_index = 0
        for i, read in results:
            done[i] = read
            while next_index in done:
                read = done.pop(next_index)
                read.finder = read.finder or _FileLineFinder(files[next_index])
                yield read
                next_index += 1
        if side is not None:
            side.join()


def _indexed_read(args: tuple[int, Path, bool]) -> tuple[int, _FileRead]:
    return args[0], _read_in_worker((args[1], args[2]))


def _load(folder: Path, vocab: Vocabulary, compact: bool = False, workers: int = 1,
          meanwhile: Callable[[], None] | None = None) -> Dataset:
    problems: list[Problem] = []
    finders: dict[str, LineFinder] = {}
    records: dict[str, list[Any]] = defaultdict(list)
    columns: dict[str, list[list[Any]]] = {}  # compact kinds: one list per field, in record order
    origins = _Origins()
    broken_ids: set[str] = set()  # ids of records that failed validation: no "dangling reference" noise for them

    for read in _reads(dataset_files(folder), compact, workers, meanwhile):
        problems.extend(read.problems)
        broken_ids |= read.broken_ids
        if read.finder is not None:
            finders[read.name] = read.finder
        for key, models, indexes in read.records:
            if compact and key in COMPACT_KINDS:
                # columns too: bulk analysis reads a field of every record, and a column is read in order
                fields = columns.setdefault(key, [[] for _ in KINDS[key].model_fields])
                for column, values in zip(fields, zip(*models)):
                    column.extend(values)
                models = list(map(compact_row(key)._make, models))
            records[key].extend(models)
            origins.add_run(key, read.name, indexes)

    dataset = Dataset(**{k: tuple(v) for k, v in records.items()}, origins=origins,  # type: ignore[arg-type]
                      source_label=str(folder),
                      columns={k: dict(zip(KINDS[k].model_fields, v)) for k, v in columns.items()})
    problems.extend(check_dataset(dataset, vocab, finders, broken_ids))
    if problems:
        raise InputError(problems)
    return dataset


@functools.cache
def compact_row(kind: str) -> type:
    """A light, immutable row class for the records of `kind`: a named tuple of the model's fields (in
    their order) with the model's reading methods (`in_force`, `share`). Built only from records the
    model has validated."""
    model = KINDS[kind]
    base = collections.namedtuple(f"{model.__name__}Row", list(model.model_fields))  # type: ignore[misc]
    methods = {name: getattr(model, name) for name in ("in_force", "share") if hasattr(model, name)}
    return type(f"{model.__name__}Row", (base,), {"__slots__": (), **methods})


def _valid_items(key: str, items: list[Any], exc: ValidationError, broken_ids: set[str]) -> tuple[list[Any], list[int]]:
    """After a failed batch: the records that are valid (with their indexes), for the cross-checks."""
    bad = {err["loc"][0] for err in exc.errors() if err["loc"] and isinstance(err["loc"][0], int)}
    for i in bad:
        item = items[i]
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            broken_ids.add(item["id"])
    good = [i for i in range(len(items)) if i not in bad]
    try:
        return _ADAPTERS[key].validate_python([items[i] for i in good]), good
    except ValidationError:  # pragma: no cover - items are validated independently; kept as a safety net
        model = KINDS[key]
        out, kept = [], []
        for i in good:
            try:
                out.append(model.model_validate(items[i]))
                kept.append(i)
            except ValidationError:
                pass
        return out, kept


def _validation_problems(exc: ValidationError, name: str, key: str, finder: LineFinder) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = (key,) + tuple(_alias(step) for step in loc)
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError) and cause.field:
            path += (cause.field,)  # a check across fields that blames one of them: point at its line
        field = ".".join(str(_alias(s)) for s in path[2:]) or "record"
        friendly = explain(err)  # our wording for a value pydantic-core refused on a slug or country field
        message, fix = friendly or err["msg"].removeprefix("Value error, "), ""
        if (friendly or err["type"] == "value_error") and "; " in message:
            message, fix = message.split("; ", 1)  # our validators write `what; fix`
        elif err["type"] == "extra_forbidden":
            message = f"unknown field `{loc[-1]}`"
        elif err["type"] == "missing":
            message = f"missing required field `{_alias(loc[-1])}`"
        elif err["type"] == "invalid_key":
            message = f"the key `{err['input']}` is not text"
        fix = fix or _FIX.get(err["type"], "") or "correct the value"
        if err["type"] == "literal_error" and len(message) > 200:  # never print a list of 249 codes
            message = message[:200] + "…"
        out.append(Problem(name, finder.line(path), f"{key}[{loc[0] if loc else '?'}] {field}: {message}", fix))
    return out


def _alias(step: Any) -> Any:
    return {"start": "from", "end": "until"}.get(step, step) if isinstance(step, str) else step


class _Locator:
    """Turns (kind, position in Dataset) into file:line, composing each file at most once."""

    def __init__(self, dataset: Dataset, finders: dict[str, LineFinder]):
        self.dataset, self.finders = dataset, finders

    def __call__(self, kind: str, position: int, *rest: str | int) -> tuple[str, int]:
        origin = self.dataset.origins.get((kind, position))
        if origin is None:
            return (self.dataset.source_label, 0)
        finder = self.finders.get(origin.file)
        return origin.file, finder.line((kind, origin.index) + rest) if finder else 0


def check_dataset(dataset: Dataset, vocab: Vocabulary, finders: dict[str, LineFinder],
                  broken_ids: set[str] = frozenset()) -> list[Problem]:  # type: ignore[assignment]
    """Cross-record checks: unique ids, references, vocabulary, share totals, impossible cycles.

    The happy path is a few passes over the records with set operations; the records to blame are
    looked for (and their lines composed) only when a check fails.
    """
    where = _Locator(dataset, finders)
    problems: list[Problem] = []

    def add(kind: str, pos: int, path: tuple, message: str, fix: str) -> None:
        file, line = where(kind, pos, *path)
        problems.append(Problem(file, line, message, fix))

    # ids: one namespace across the folder
    id_kinds = ("entities", "agreements", "facilities", "batteries", "vehicles")
    all_ids = [r.id for kind in id_kinds for r in getattr(dataset, kind)]
    if len(set(all_ids)) != len(all_ids):
        seen: dict[str, tuple[str, int]] = {}
        for kind in id_kinds:
            for pos, rec in enumerate(getattr(dataset, kind)):
                if rec.id in seen:
                    first_file, first_line = where(*seen[rec.id], "id")
                    add(kind, pos, ("id",), f"duplicate id `{rec.id}` (first defined at {first_file}:{first_line})",
                        "give each record its own id")
                else:
                    seen[rec.id] = (kind, pos)

    ids = {k: {r.id for r in getattr(dataset, k)} for k in ("entities", "facilities", "batteries")}

    def dangling(kind: str, pos: int, field: str, value: str, target: str, path: tuple = ()) -> None:
        noun = target[:-3] + "y" if target.endswith("ies") else target[:-1]
        article = "an" if noun[0] in "aeiou" else "a"
        add(kind, pos, path + (field,), f"`{field}: {value}` names no {noun} in this dataset",
            f"define {article} {noun} with id `{value}` or correct the id")

    scan = scan_holdings(dataset)
    for (kind, field), target in _SCALAR_REFS.items():
        recs = getattr(dataset, kind)
        if kind == "holdings":
            values = scan.holders if field == "holder" else scan.held
        else:
            values = set(map(attrgetter(field), recs))
        missing = values - ids[target] - broken_ids - {None}
        if missing:
            for pos, rec in enumerate(recs):
                value = getattr(rec, field)
                if value in missing:
                    dangling(kind, pos, field, value, target)

    def unknown_words(kind: str, field: str, allowed: Any, message: str, fix: str, listed: bool = False) -> None:
        recs = getattr(dataset, kind)
        values = {w for r in recs for w in getattr(r, field)} if listed else {getattr(r, field) for r in recs}
        if values <= (allowed.keys() if isinstance(allowed, dict) else allowed):
            return
        for pos, rec in enumerate(recs):
            words = enumerate(getattr(rec, field)) if listed else [(None, getattr(rec, field))]
            for i, word in words:
                if word not in allowed:
                    add(kind, pos, (field,) if i is None else (field, i), message.format(word), fix)

    unknown_words("entities", "type", vocab.entity_types, "unknown entity type `{}`",
                  f"use one of: {', '.join(sorted(vocab.entity_types))}")
    unknown_words("listings", "list", vocab.lists, "unknown list `{}`", f"use one of: {', '.join(sorted(vocab.lists))}")
    unknown_words("agreements", "rights", vocab.rights, "unknown right `{}`",
                  f"use one of: {', '.join(sorted(vocab.rights))}", listed=True)
    unknown_words("agreements", "activities", vocab.activities, "unknown activity `{}`",
                  "use an activity named in rules/vocabulary.yaml", listed=True)
    unknown_words("facilities", "activities", vocab.activities, "unknown activity `{}`",
                  "use e.g. battery_cell_manufacturing, battery_module_assembly, critical_mineral_processing "
                  "(rules/vocabulary.yaml)", listed=True)
    facility_acts = {f.id: set(f.activities) for f in dataset.facilities}

    def step(pos: int, path: tuple, field: str, fid: str | None, activity: str) -> None:
        if fid is None or fid in broken_ids:
            return
        if fid not in ids["facilities"]:
            dangling("batteries", pos, field, fid, "facilities", path)
        elif activity not in facility_acts[fid]:
            add("batteries", pos, path + (field,), f"facility `{fid}` does not list `{activity}` among its activities",
                f"add `{activity}` to the facility's activities or name the facility that performs it")

    for pos, b in enumerate(dataset.batteries):
        for i, c in enumerate(b.components):
            path = ("components", i)
            if c.component not in vocab.component_labels:
                add("batteries", pos, path + ("component",), f"unknown battery component `{c.component}`",
                    f"use one of: {', '.join(vocab.battery_components)}")
                continue
            step(pos, path, "manufactured_at", c.manufactured_at, f"{c.component}_manufacturing")
            step(pos, path, "assembled_at", c.assembled_at, f"{c.component}_assembly")
        for i, m in enumerate(b.critical_minerals):
            path = ("critical_minerals", i)
            if m.mineral not in vocab.critical_minerals:
                add("batteries", pos, path + ("mineral",), f"`{m.mineral}` is not an applicable critical mineral",
                    "use a lowercase mineral of IRC 45X(c)(6) as listed in rules/vocabulary.yaml")
            step(pos, path, "extracted_at", m.extracted_at, "critical_mineral_extraction")
            step(pos, path, "processed_at", m.processed_at, "critical_mineral_processing")
            step(pos, path, "recycled_at", m.recycled_at, "critical_mineral_recycling")

    for pos, m in enumerate(dataset.material_inputs):
        if m.facility not in facility_acts:
            continue  # reported as a dangling reference above
        if m.product == "critical_mineral":
            wanted = {"critical_mineral_extraction", "critical_mineral_processing", "critical_mineral_recycling"}
        elif m.product in vocab.component_labels:
            wanted = {f"{m.product}_manufacturing", f"{m.product}_assembly"}
        else:
            add("material_inputs", pos, ("product",), f"unknown product `{m.product}`",
                f"use a battery component ({', '.join(vocab.battery_components)}) or `critical_mineral`")
            continue
        if not wanted & facility_acts[m.facility]:
            add("material_inputs", pos, ("facility",), f"facility `{m.facility}` makes no `{m.product}` "
                f"(its activities: {', '.join(sorted(facility_acts[m.facility]))})",
                f"add one of {', '.join(sorted(wanted))} to the facility's activities, or correct `product`")
    problems.extend(_debt_totals(dataset, where))
    problems.extend(_share_totals(dataset, where, scan))
    problems.extend(_impossible_cycles(dataset, where, scan))
    return problems


def _debt_totals(dataset: Dataset, where: _Locator) -> list[Problem]:
    """The debt shares held in one entity may not add up to more than 100 % on any date."""
    by_entity: dict[str, list[int]] = defaultdict(list)
    held = dataset.column("holdings", "entity")
    for pos, debt in enumerate(dataset.column("holdings", "debt")):
        if debt:
            by_entity[held[pos]].append(pos)
    problems = []
    for entity, positions in sorted(by_entity.items()):
        over = _over_100(dataset.holdings, positions, "debt") if len(positions) > 1 else None
        if over:
            pos, day, live = over
            file, line = where("holdings", pos, "debt")
            total = sum(dataset.holdings[p].debt or 0.0 for p in live)
            problems.append(Problem(file, line, f"debt held in `{entity}` adds up to {total:.2%} on {day}",
                                    "correct the debt shares or the from/until dates so they total at most 100 %"))
    return problems


def _share_totals(dataset: Dataset, where: _Locator, scan: HoldingScan | None = None) -> list[Problem]:
    """The stakes held in one entity may not add up to more than 100 % per measure on any date.

    One pass adds up every stake ever held in each entity, whatever its dates (`holding_scan`); only an
    entity whose lifetime total exceeds 100 % can be over on some date, and only its stakes are swept in
    date order.
    """
    holdings = dataset.holdings
    stakes = (scan or scan_holdings(dataset)).over
    problems = []
    for i, measure in enumerate(MEASURES):
        for entity in sorted(stakes[i]):
            found = _over_100(holdings, stakes[i][entity], measure)
            if found:
                pos, day, live = found
                total = math.fsum(getattr(holdings[p], measure) for p in live)
                file, line = where("holdings", pos, measure)
                holders = ", ".join(f"{holdings[p].holder} {getattr(holdings[p], measure):.2%}" for p in live)
                on = f"on {day}" if day != dt.date.min else "from the start"
                problems.append(Problem(file, line, f"{measure} held in `{entity}` adds up to {total:.2%} {on} ({holders})",
                                        "correct the shares or the from/until dates so they total at most 100 %"))
    return problems


def _over_100(holdings: tuple, positions: list[int], measure: str) -> tuple[int, dt.date, list[int]] | None:
    """Sweep the stakes in date order (`until` exclusive: a stake ending on a day and one starting that day
    never overlap); return the stake that first takes the total over 100 %, the day, and the live stakes."""
    events = []
    for p in positions:
        h = holdings[p]
        events.append((h.start or dt.date.min, 1, p))
        if h.end is not None:
            events.append((h.end, 0, p))  # 0 sorts before 1: removals first on the same day
    events.sort()
    live: dict[int, float] = {}
    running = 0.0
    for day, kind, p in events:
        if kind == 0:
            running -= live.pop(p)
            continue
        live[p] = getattr(holdings[p], measure)
        running += live[p]
        if running > 1 + _EPS / 2 and math.fsum(live.values()) > 1 + _EPS:  # confirm without rounding drift
            return p, day, sorted(live)
    return None


def _impossible_cycles(dataset: Dataset, where: _Locator, scan: HoldingScan | None = None) -> list[Problem]:
    """A cycle of 100 % stakes (A wholly owns B, B wholly owns A) cannot exist: refuse it.

    Partial cross-holdings are real (keiretsu-style) and are accepted; the ownership analysis converges on them.
    Entities that no cycle can pass through are peeled off first (Kahn's algorithm, O(stakes)); the
    search for the cycle to name runs only on what is left, which is nothing in a valid dataset. Many
    100 % stakes are first asked whether they can close a cycle at all (strong components, on arrays).
    """
    holdings = dataset.holdings
    scan = scan or scan_holdings(dataset)
    problems = []
    for measure, positions in zip(MEASURES, scan.whole):
        if not may_close_a_cycle(scan, positions):
            continue
        edges = [(holdings[p].holder, holdings[p].entity, p) for p in positions]
        indegree: dict[str, int] = defaultdict(int)
        out: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for holder, entity, p in edges:
            indegree[entity] += 1
            out[holder].append((entity, p))
        free = [node for node in out if not indegree.get(node)]
        while free:
            node = free.pop()
            for child, _ in out.get(node, ()):
                indegree[child] -= 1
                if not indegree[child]:
                    free.append(child)
        left = {node for node, n in indegree.items() if n > 0}
        if left:
            full = {node: [(c, p) for c, p in out.get(node, ()) if c in left] for node in left}
            problems.extend(_name_cycles(holdings, full, measure, where))
    return problems


def _name_cycles(holdings: tuple, full: dict[str, list[tuple[str, int]]], measure: str, where: _Locator) -> list[Problem]:
    """Depth-first search for the cycles of 100 % stakes in `full` that are in force together on some day."""
    problems = []
    state: dict[str, int] = {}
    for root in sorted(full):
        if state.get(root):
            continue
        stack = [(root, iter(full.get(root, ())))]
        path_nodes = [root]
        path_pos: list[int] = []
        state[root] = 1
        while stack:
            node, children = stack[-1]
            nxt = next(children, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path_nodes.pop()
                if path_pos:
                    path_pos.pop()
                continue
            child, pos = nxt
            if state.get(child) == 1:
                cyc = path_pos[path_nodes.index(child):] + [pos]
                hs = [holdings[p] for p in cyc]
                start = max((h.start or dt.date.min) for h in hs)
                end = min((h.end or dt.date.max) for h in hs)
                if start < end:
                    names = " → ".join(path_nodes[path_nodes.index(child):] + [child])
                    file, line = where("holdings", pos, measure)
                    problems.append(Problem(file, line, f"impossible ownership cycle of 100 % {measure}: {names}",
                                            "an entity cannot wholly own its own owner; correct one of these holdings"))
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(full.get(child, ()))))
                path_nodes.append(child)
                path_pos.append(pos)
    return problems


__all__ = ["load_dataset", "dataset_files", "check_dataset", "Record"]
