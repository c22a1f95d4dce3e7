"""Cross-record checks of a loaded dataset: one id namespace, references that resolve, words from the
vocabulary (`rules/vocabulary.yaml`), battery steps at facilities that perform them, material inputs of
products their facility makes, then the totals over time (`feoc.load.totals`).

The happy path is a few passes over the records with set operations; the records to blame are looked
for (and their lines composed) only when a check fails.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from feoc.data.dataset import Dataset
from feoc.data.problems import Problem
from feoc.data.yamlio import LineFinder
from feoc.law.data import Vocabulary
from feoc.law.law import Law
from feoc.load.holding_scan import HoldingScan, scan_holdings
from feoc.load.origins import Locator
from feoc.load.totals import debt_totals, impossible_cycles, share_totals
from feoc.load.validation import record_message

ID_KINDS = ("entities", "agreements", "facilities", "batteries", "vehicles")  # one namespace across the folder
_SCALAR_REFS = {  # (kind, field) -> the kind of record the field names
    ("holdings", "holder"): "entities", ("holdings", "entity"): "entities",
    ("listings", "entity"): "entities",
    ("agreements", "licensor"): "entities", ("agreements", "licensee"): "entities",
    ("facilities", "operator"): "entities",
    ("vehicles", "manufacturer"): "entities", ("vehicles", "battery"): "batteries",
    ("vehicles", "assembled_at"): "facilities",
    ("material_inputs", "facility"): "facilities", ("material_inputs", "supplier"): "entities",
}
MATERIAL_MINERALS = "impracticable_to_trace_material_minerals"  # the parameter: material -> minerals it can hold
OTHER_MATERIAL = "other"  # the dataset's word for a material no rule names
_MINERAL_STEPS = ("critical_mineral_extraction", "critical_mineral_processing", "critical_mineral_recycling")


def check_dataset(dataset: Dataset, vocab: Vocabulary, finders: dict[str, LineFinder],
                  broken_ids: set[str] = frozenset(),  # type: ignore[assignment]
                  materials: frozenset[str] | None = None) -> list[Problem]:
    """Cross-record checks: unique ids, references, vocabulary, battery steps, material inputs, share and
    debt totals, impossible cycles. `broken_ids` are the ids of records that failed validation: a
    reference to one is not also reported as dangling. `materials` are the words a mineral's `material`
    may take (`battery_materials(law)`); None leaves them unchecked."""
    checks = _Checks(dataset, vocab, finders, broken_ids, materials)
    scan = scan_holdings(dataset)
    checks.unique_ids()
    checks.references(scan)
    checks.vocabulary_words()
    checks.government_countries()
    checks.battery_steps()
    checks.material_inputs()
    problems = checks.problems
    problems.extend(debt_totals(dataset, checks.where))
    problems.extend(share_totals(dataset, checks.where, scan))
    problems.extend(impossible_cycles(dataset, checks.where, scan))
    return problems


def battery_materials(law: Law) -> frozenset[str]:
    """The words a mineral's `material` may take: every material the impracticable-to-trace transition
    names on any date (parameter `impracticable_to_trace_materials`, 26 CFR 1.30D-6), and `other`."""
    dated = law.parameters["impracticable_to_trace_materials"].values
    return frozenset(word for _, words in dated for word in words or ()) | {OTHER_MATERIAL}


def material_warnings(dataset: Dataset, law: Law) -> list[str]:
    """`feoc validate` warnings (the dataset still loads): each critical-mineral record whose `material` cannot
    hold its mineral on any date (parameter `impracticable_to_trace_material_minerals`, e.g. nickel as
    `electrode_binder`). A verdict that relies on such a record says it cannot be determined
    (rules/credit/undetermined-mineral-material.yaml)."""
    holds: dict[str, set[str]] = {}
    for _, mapping in law.parameters[MATERIAL_MINERALS].values:
        for material, minerals in (mapping or {}).items():
            holds.setdefault(material, set()).update(minerals or ())
    out = []
    for b in dataset.batteries:
        for i, m in enumerate(b.critical_minerals):
            if m.material in holds and m.mineral not in holds[m.material]:
                out.append(f"battery {b.id}, critical_minerals[{i}]: `material: {m.material}` cannot hold {m.mineral} "
                           f"(it holds {', '.join(sorted(holds[m.material]))}: rules/parameters.yaml "
                           f"{MATERIAL_MINERALS}) — correct `mineral:` or `material:`; a verdict relying on the "
                           "impracticable-to-trace transition for it cannot be determined")
    return out


class _Checks:
    """The checks of one dataset, and the problems they found (each at its record's file:line)."""

    def __init__(self, dataset: Dataset, vocab: Vocabulary, finders: dict[str, LineFinder], broken_ids: set[str],
                 materials: frozenset[str] | None = None):
        self.dataset, self.vocab, self.broken_ids, self.materials = dataset, vocab, broken_ids, materials
        self.where = Locator(dataset, finders)
        self.problems: list[Problem] = []
        self.ids = {k: {r.id for r in getattr(dataset, k)} for k in ("entities", "facilities", "batteries")}
        self.facility_acts = {f.id: set(f.activities) for f in dataset.facilities}

    def add(self, kind: str, pos: int, path: tuple, message: str, fix: str) -> None:
        file, line = self.where(kind, pos, *path)
        self.problems.append(Problem(file, line, message, fix))

    def dangling(self, kind: str, pos: int, field: str, value: str, target: str, path: tuple = ()) -> None:
        noun = target[:-3] + "y" if target.endswith("ies") else target[:-1]
        article = "an" if noun[0] in "aeiou" else "a"
        self.add(kind, pos, path + (field,), f"`{field}: {value}` names no {noun} in this dataset",
                 f"define {article} {noun} with id `{value}` or correct the id")

    def unique_ids(self) -> None:
        """One id namespace across the folder: a second record with an id names the first one's place."""
        all_ids = [r.id for kind in ID_KINDS for r in getattr(self.dataset, kind)]
        if len(set(all_ids)) == len(all_ids):
            return
        seen: dict[str, tuple[str, int]] = {}
        for kind in ID_KINDS:
            for pos, rec in enumerate(getattr(self.dataset, kind)):
                if rec.id in seen:
                    first_file, first_line = self.where(*seen[rec.id], "id")
                    self.add(kind, pos, ("id",), f"duplicate id `{rec.id}` (first defined at {first_file}:{first_line})",
                             "give each record its own id")
                else:
                    seen[rec.id] = (kind, pos)

    def references(self, scan: HoldingScan) -> None:
        """Every id a record names is the id of a record of the right kind (or of one that failed validation)."""
        for (kind, field), target in _SCALAR_REFS.items():
            recs = getattr(self.dataset, kind)
            if kind == "holdings":
                values = scan.holders if field == "holder" else scan.held
            else:
                values = set(map(attrgetter(field), recs))
            missing = values - self.ids[target] - self.broken_ids - {None}
            if missing:
                for pos, rec in enumerate(recs):
                    value = getattr(rec, field)
                    if value in missing:
                        self.dangling(kind, pos, field, value, target)

    def vocabulary_words(self) -> None:
        """Entity types, lists, rights, activities and vehicle classes are words of the vocabulary."""
        vocab, words = self.vocab, self.unknown_words
        words("entities", "type", vocab.entity_types, "unknown entity type `{}`",
              f"use one of: {', '.join(sorted(vocab.entity_types))}")
        words("listings", "list", vocab.lists, "unknown list `{}`", f"use one of: {', '.join(sorted(vocab.lists))}")
        words("agreements", "rights", vocab.rights, "unknown right `{}`",
              f"use one of: {', '.join(sorted(vocab.rights))}", listed=True)
        words("agreements", "activities", vocab.activities, "unknown activity `{}`",
              "use an activity named in rules/vocabulary.yaml", listed=True)
        words("facilities", "activities", vocab.activities, "unknown activity `{}`",
              "use e.g. battery_cell_manufacturing, battery_module_assembly, critical_mineral_processing "
              "(rules/vocabulary.yaml)", listed=True)
        words("vehicles", "vehicle_class", vocab.vehicle_classes, "unknown vehicle class `{}`",
              f"use one of: {', '.join(sorted(vocab.vehicle_classes))}")

    def unknown_words(self, kind: str, field: str, allowed: Any, message: str, fix: str, listed: bool = False) -> None:
        """Report each value of `field` (each item, if `listed`) not in `allowed`; an absent value is no word."""
        recs = getattr(self.dataset, kind)
        values = {w for r in recs for w in getattr(r, field)} if listed else {getattr(r, field) for r in recs}
        if values - {None} <= (allowed.keys() if isinstance(allowed, dict) else allowed):
            return
        for pos, rec in enumerate(recs):
            words = enumerate(getattr(rec, field)) if listed else [(None, getattr(rec, field))]
            for i, word in words:
                if word is not None and word not in allowed:
                    self.add(kind, pos, (field,) if i is None else (field, i), message.format(word), fix)

    def government_countries(self) -> None:
        """A government, its agency or a party (vocabulary `government_types`, DOE 89 FR 37079) is the
        government of a nation: it needs `country:`, or no rule could tell which nation's it is."""
        governments = self.vocab.government_types
        entities = self.dataset.entities
        for pos in [pos for pos, kind in enumerate(self.dataset.column("entities", "type")) if kind in governments]:
            entity = entities[pos]  # a few records: reading their fields beats a second column
            if not entity.country:
                message = record_message("entities", self.where.index("entities", pos), "type",
                                         f"a {entity.type} needs `country:`")
                self.add("entities", pos, ("type",), message, "add the nation it belongs to, e.g. `country: CN`")

    def battery_steps(self) -> None:
        """Each component and mineral is a word of the vocabulary, made at facilities that list the step."""
        for pos, b in enumerate(self.dataset.batteries):
            for i, c in enumerate(b.components):
                path = ("components", i)
                if c.component not in self.vocab.component_labels:
                    self.add("batteries", pos, path + ("component",), f"unknown battery component `{c.component}`",
                             f"use one of: {', '.join(self.vocab.battery_components)}")
                    continue
                self.step(pos, path, "manufactured_at", c.manufactured_at, f"{c.component}_manufacturing")
                self.step(pos, path, "assembled_at", c.assembled_at, f"{c.component}_assembly")
            for i, m in enumerate(b.critical_minerals):
                path = ("critical_minerals", i)
                if m.mineral not in self.vocab.critical_minerals:
                    self.add("batteries", pos, path + ("mineral",), f"`{m.mineral}` is not an applicable critical mineral",
                             "use a lowercase mineral of IRC 45X(c)(6) as listed in rules/vocabulary.yaml")
                if self.materials is not None and m.material not in self.materials:
                    self.add("batteries", pos, path + ("material",), f"unknown material `{m.material}`",
                             f"use one of: {', '.join(sorted(self.materials))}")
                for field, activity in zip(("extracted_at", "processed_at", "recycled_at"), _MINERAL_STEPS):
                    self.step(pos, path, field, getattr(m, field), activity)

    def step(self, pos: int, path: tuple, field: str, fid: str | None, activity: str) -> None:
        """Battery `pos` says facility `fid` performs `activity`: the facility exists and lists it."""
        if fid is None or fid in self.broken_ids:
            return
        if fid not in self.ids["facilities"]:
            self.dangling("batteries", pos, field, fid, "facilities", path)
        elif activity not in self.facility_acts[fid]:
            self.add("batteries", pos, path + (field,), f"facility `{fid}` does not list `{activity}` among its activities",
                     f"add `{activity}` to the facility's activities or name the facility that performs it")

    def material_inputs(self) -> None:
        """A material input is of a product its facility makes (IRC 7701(a)(52): the MACR of that product)."""
        vocab, acts = self.vocab, self.facility_acts
        for pos, m in enumerate(self.dataset.material_inputs):
            if m.facility not in acts:
                continue  # reported as a dangling reference
            if m.product == "critical_mineral":
                wanted = set(_MINERAL_STEPS)
            elif m.product in vocab.component_labels:
                wanted = {f"{m.product}_manufacturing", f"{m.product}_assembly"}
            else:
                self.add("material_inputs", pos, ("product",), f"unknown product `{m.product}`",
                         f"use a battery component ({', '.join(vocab.battery_components)}) or `critical_mineral`")
                continue
            if not wanted & acts[m.facility]:
                self.add("material_inputs", pos, ("facility",), f"facility `{m.facility}` makes no `{m.product}` "
                         f"(its activities: {', '.join(sorted(acts[m.facility]))})",
                         f"add one of {', '.join(sorted(wanted))} to the facility's activities, or correct `product`")
