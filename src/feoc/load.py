"""Load a dataset folder into one validated Dataset, reporting every problem with file, line and fix.

All problems of a folder are collected and raised together (InputError); nothing is half-loaded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from .dataset import Dataset, Origin
from .lawdata import Vocabulary, default_rules_dir, load_vocabulary
from .model import KINDS, MEASURES, Holding, Record
from .problems import InputError, Problem
from .yamlio import LineFinder, load_yaml_file

_ADAPTERS = {kind: TypeAdapter(list[model]) for kind, model in KINDS.items()}  # type: ignore[valid-type]
_FIX = {
    "extra_forbidden": "remove the field or correct its spelling (see the dataset format in README.md)",
    "missing": "add the field",
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


def load_dataset(folder: Path, rules_dir: Path | None = None) -> Dataset:
    """Parse, validate and cross-check every file of `folder`; raise InputError with all problems found."""
    vocab = load_vocabulary(rules_dir or default_rules_dir())
    problems: list[Problem] = []
    finders: dict[str, LineFinder] = {}
    records: dict[str, list[Any]] = defaultdict(list)
    origins: dict[tuple[str, int], Origin] = {}
    broken_ids: set[str] = set()  # ids of records that failed validation: no "dangling reference" noise for them

    for path in dataset_files(folder):
        name = str(path)
        try:
            raw, finder = load_yaml_file(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        finders[name] = finder
        if raw is None:
            problems.append(Problem(name, 1, "the file is empty", "add records under a top-level key, or delete the file"))
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(name, 1, f"the file holds a {type(raw).__name__}, not a mapping of record lists",
                                    f"start with a top-level key: one of {', '.join(KINDS)}"))
            continue
        for key, items in raw.items():
            if key not in KINDS:
                problems.append(Problem(name, finder.line((key,)), f"unknown top-level key `{key}`",
                                        f"use one of: {', '.join(KINDS)}"))
                continue
            if items is None:
                continue
            if not isinstance(items, list):
                problems.append(Problem(name, finder.line((key,)), f"`{key}` must be a list of records",
                                        "write each record as a `- ` list item"))
                continue
            try:
                models: list[Any] = _ADAPTERS[key].validate_python(items)
            except ValidationError as exc:
                problems.extend(_validation_problems(exc, name, key, finder))
                models = _valid_items(KINDS[key], items, broken_ids)
            for index, model in enumerate(models):
                if model is None:
                    continue
                origins[(key, len(records[key]))] = Origin(name, key, index)
                records[key].append(model)

    dataset = Dataset(**{k: tuple(v) for k, v in records.items()}, origins=origins, source_label=str(folder))
    problems.extend(check_dataset(dataset, vocab, finders, broken_ids))
    if problems:
        raise InputError(problems)
    return dataset


def _valid_items(model: type[Record], items: list[Any], broken_ids: set[str]) -> list[Any]:
    """Validate items one by one after a failed batch: keep the good ones (None for the bad) for cross-checks."""
    out: list[Any] = []
    for item in items:
        try:
            out.append(model.model_validate(item))
        except ValidationError:
            out.append(None)
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                broken_ids.add(item["id"])
    return out


def _validation_problems(exc: ValidationError, name: str, key: str, finder: LineFinder) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = (key,) + tuple(_alias(step) for step in loc)
        field = ".".join(str(s) for s in loc[1:]) or "record"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown field `{loc[-1]}`"
        elif err["type"] == "missing":
            message = f"missing required field `{_alias(loc[-1])}`"
        fix = _FIX.get(err["type"], "")
        if not fix and "; " in message:
            message, fix = message.split("; ", 1)
        out.append(Problem(name, finder.line(path), f"{key}[{loc[0]}] {field}: {message}", fix))
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
    """Cross-record checks: unique ids, references, vocabulary, share totals, impossible cycles."""
    where = _Locator(dataset, finders)
    problems: list[Problem] = []

    def add(kind: str, pos: int, path: tuple, message: str, fix: str) -> None:
        file, line = where(kind, pos, *path)
        problems.append(Problem(file, line, message, fix))

    # ids: one namespace across the folder
    seen: dict[str, tuple[str, int]] = {}
    for kind in ("entities", "agreements", "facilities", "batteries", "vehicles"):
        for pos, rec in enumerate(getattr(dataset, kind)):
            if rec.id in seen:
                first_file, first_line = where(*seen[rec.id], "id")
                add(kind, pos, ("id",), f"duplicate id `{rec.id}` (first defined at {first_file}:{first_line})",
                    "give each record its own id")
            else:
                seen[rec.id] = (kind, pos)

    ids = {k: {r.id for r in getattr(dataset, k)} for k in ("entities", "facilities", "batteries")}

    def ref(kind: str, pos: int, field: str, value: str | None, target: str, path: tuple = ()) -> None:
        if value is not None and value not in ids[target] and value not in broken_ids:
            noun = target[:-3] + "y" if target.endswith("ies") else target[:-1]
            article = "an" if noun[0] in "aeiou" else "a"
            add(kind, pos, path + (field,), f"`{field}: {value}` names no {noun} in this dataset",
                f"define {article} {noun} with id `{value}` or correct the id")

    for pos, ent in enumerate(dataset.entities):
        if ent.type not in vocab.entity_types:
            add("entities", pos, ("type",), f"unknown entity type `{ent.type}`", f"use one of: {', '.join(sorted(vocab.entity_types))}")
    for pos, h in enumerate(dataset.holdings):
        ref("holdings", pos, "holder", h.holder, "entities")
        ref("holdings", pos, "entity", h.entity, "entities")
    for pos, x in enumerate(dataset.listings):
        ref("listings", pos, "entity", x.entity, "entities")
        if x.list not in vocab.lists:
            add("listings", pos, ("list",), f"unknown list `{x.list}`", f"use one of: {', '.join(sorted(vocab.lists))}")
    for pos, a in enumerate(dataset.agreements):
        ref("agreements", pos, "licensor", a.licensor, "entities")
        ref("agreements", pos, "licensee", a.licensee, "entities")
        for i, right in enumerate(a.rights):
            if right not in vocab.rights:
                add("agreements", pos, ("rights", i), f"unknown right `{right}`", f"use one of: {', '.join(sorted(vocab.rights))}")
        for i, act in enumerate(a.activities):
            if act not in vocab.activities:
                add("agreements", pos, ("activities", i), f"unknown activity `{act}`", "use an activity named in rules/vocabulary.yaml")
    for pos, f in enumerate(dataset.facilities):
        ref("facilities", pos, "operator", f.operator, "entities")
        for i, act in enumerate(f.activities):
            if act not in vocab.activities:
                add("facilities", pos, ("activities", i), f"unknown activity `{act}`",
                    "use e.g. battery_cell_manufacturing, battery_module_assembly, critical_mineral_processing (rules/vocabulary.yaml)")
    facility_acts = {f.id: set(f.activities) for f in dataset.facilities}

    def step(pos: int, path: tuple, field: str, fid: str | None, activity: str) -> None:
        if fid is None:
            return
        if fid in broken_ids:
            return
        if fid not in ids["facilities"]:
            ref("batteries", pos, field, fid, "facilities", path)
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
    for pos, v in enumerate(dataset.vehicles):
        ref("vehicles", pos, "manufacturer", v.manufacturer, "entities")
        ref("vehicles", pos, "battery", v.battery, "batteries")
        ref("vehicles", pos, "assembled_at", v.assembled_at, "facilities")

    problems.extend(_share_totals(dataset, where))
    problems.extend(_impossible_cycles(dataset, where))
    return problems


def _change_points(holdings: Iterable[Holding]) -> list[dt.date | None]:
    points: set[dt.date | None] = {None}
    for h in holdings:
        if h.start:
            points.add(h.start)
    return sorted(points, key=lambda d: d or dt.date.min)


def _share_totals(dataset: Dataset, where: _Locator) -> list[Problem]:
    """The stakes held in one entity may not add up to more than 100 % per measure on any date."""
    by_entity: dict[str, list[int]] = defaultdict(list)
    for pos, h in enumerate(dataset.holdings):
        by_entity[h.entity].append(pos)
    problems = []
    for entity, positions in by_entity.items():
        if len(positions) < 2:
            continue
        hs = [dataset.holdings[p] for p in positions]
        for measure in MEASURES:
            for point in _change_points(hs):
                day = point or dt.date.min
                live = [(p, h) for p, h in zip(positions, hs)
                        if h.share(measure) is not None and (h.start or dt.date.min) <= day and (h.end is None or day < h.end)]
                total = sum(h.share(measure) or 0.0 for _, h in live)
                if total > 1 + 1e-9:
                    file, line = where("holdings", live[-1][0], measure)
                    holders = ", ".join(f"{h.holder} {h.share(measure):.2%}" for _, h in live)
                    on = f"on {point}" if point else "from the start"
                    problems.append(Problem(file, line,
                        f"{measure} held in `{entity}` adds up to {total:.2%} {on} ({holders})",
                        "correct the shares or the from/until dates so they total at most 100 %"))
                    break
    return problems


def _impossible_cycles(dataset: Dataset, where: _Locator) -> list[Problem]:
    """A cycle of 100 % stakes (A wholly owns B, B wholly owns A) cannot exist: refuse it.

    Partial cross-holdings are real (keiretsu-style) and are accepted; the ownership analysis converges on them.
    """
    problems = []
    for measure in MEASURES:
        full: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for pos, h in enumerate(dataset.holdings):
            if (h.share(measure) or 0.0) >= 1 - 1e-12:
                full[h.holder].append((h.entity, pos))
        if not full:
            continue
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
                    hs = [dataset.holdings[p] for p in cyc]
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
