"""Cross-record checks of a loaded dataset: one id namespace, references that resolve, words from the
vocabulary (`rules/vocabulary.yaml`), battery steps at facilities that perform them, material inputs of
products their facility makes, then the totals over time (`feoc.load.totals`). Apart from these errors,
`country_warnings` gives advice about a valid dataset whose countries a verdict would read otherwise than meant
(a business with `country` only; a government body or political figure of Hong Kong or Macau): the CLI prints it as
`warning:` lines.

The happy path is a few passes over the records with set operations; the records to blame are looked
for (and their lines composed) only when a check fails.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from feoc.data.columns import Codes, Refs, Repeat
from feoc.data.dataset import Dataset
from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import LineFinder, read_text
from feoc.law.data import Vocabulary
from feoc.law.law import Law
from feoc.load.holding_scan import HoldingScan, scan_holdings
from feoc.load.origins import Locator
from feoc.load.scan import is_table_name
from feoc.load.totals import debt_totals, impossible_cycles, share_totals

ID_KINDS = ("entities", "agreements", "facilities", "batteries", "vehicles", "attestations")  # one namespace across the folder
_SCALAR_REFS = {  # (kind, field) -> the kind of record the field names
    ("holdings", "holder"): "entities", ("holdings", "entity"): "entities",
    ("listings", "entity"): "entities",
    ("agreements", "licensor"): "entities", ("agreements", "licensee"): "entities",
    ("facilities", "operator"): "entities",
    ("vehicles", "manufacturer"): "entities", ("vehicles", "battery"): "batteries",
    ("vehicles", "assembled_at"): "facilities",
    ("material_inputs", "facility"): "facilities", ("material_inputs", "supplier"): "entities",
    ("attestations", "by"): "entities",  # an attestation's signer: the supplier or the subject (26 CFR 1.30D-6(b))
}
_PLURAL = {"entity": "entities", "facility": "facilities", "battery": "batteries"}  # an attestation's `about` keys
MATERIAL_MINERALS = "impracticable_to_trace_material_minerals"  # the parameter: material -> minerals it can hold
OTHER_MATERIAL = "other"  # the dataset's word for a material no rule names
_MINERAL_STEPS = ("critical_mineral_extraction", "critical_mineral_processing", "critical_mineral_recycling")


def check_dataset(dataset: Dataset, vocab: Vocabulary, finders: dict[str, LineFinder],
                  broken_ids: set[str] = frozenset(),  # type: ignore[assignment]
                  materials: frozenset[str] | None = None, unread: frozenset[str] = frozenset()) -> list[Problem]:
    """Cross-record checks: unique ids, references, vocabulary, battery steps, material inputs, share and
    debt totals, impossible cycles. `broken_ids` are the ids of records that failed validation: a
    reference to one is not also reported as dangling. `materials` are the words a mineral's `material`
    may take (`battery_materials(law)`); None leaves them unchecked. `unread` are the kinds a file or table held
    that could not be read at all: no reference into one is reported as dangling (its ids are unknown)."""
    checks = _Checks(dataset, vocab, finders, broken_ids, materials, unread)
    scan = scan_holdings(dataset)
    checks.unique_ids()
    checks.references(scan)
    checks.vocabulary_words()
    checks.government_countries()
    checks.battery_steps()
    checks.material_inputs()
    checks.attestations()
    problems = checks.problems
    problems.extend(debt_totals(dataset, checks.where))
    problems.extend(share_totals(dataset, checks.where, scan))
    problems.extend(impossible_cycles(dataset, checks.where, scan))
    return problems


def country_warnings(dataset: Dataset, vocab: Vocabulary, regions: Mapping[str, str] | None = None) -> list[Problem]:
    """Advice, not errors (the dataset stays valid), about countries a verdict would read otherwise than meant:

    - a business record (any type but a person and the vocabulary's `government_types`) that carries `country`
      but neither `incorporated_in` nor `headquartered_in`: the jurisdiction prongs (42 U.S.C. 18741(a)(5)(C);
      IRC 7701(a)(51)(C)(iii)) read only those two for a business, so its verdicts cannot be determined (rules
      feoc-undetermined-jurisdiction, pfe-undetermined-organized);
    - a government body's `country` or a person's `political_figure_of` that is a region the jurisdiction
      prongs count as a covered nation (`regions`: region -> nation, parameter `covered_nation_regions`, Hong
      Kong and Macau as China, feoc-law.md §7.3): the government prongs do not map regions."""
    types, countries, figures, incs, hqs, ids = (dataset.column("entities", f) for f in (
        "type", "country", "political_figure_of", "incorporated_in", "headquartered_in", "id"))
    return _located(dataset, country_hits(types, countries, figures, incs, hqs, ids, vocab.government_types,
                                          regions or {}))


def country_hits(types: Sequence[Any], countries: Sequence[Any], figures: Sequence[Any], incs: Sequence[Any],
                 hqs: Sequence[Any], ids: Sequence[Any], government_types: Any,
                 regions: Mapping[str, str]) -> list[tuple[int, str, str, str]]:
    """`country_warnings`' findings on the entities' columns: (position, field, what, fix), by position."""
    hits: list[tuple[int, str, str, str]] = []
    for pos in _suspects(types, countries, figures, incs, hqs, government_types, regions):
        ident, kind, code = ids[pos], types[pos], countries[pos]
        if kind not in government_types and kind != "person":
            if code and not incs[pos] and not hqs[pos]:
                hits.append((pos, "country", f"`{ident}` is a {kind} with `country: {code}` but neither `incorporated_in` "
                             f"nor `headquartered_in`: the jurisdiction rules read only those two for a {kind}, so its "
                             "verdicts cannot be determined",
                             f"write `headquartered_in: {code}` (its principal place of business) and/or "
                             f"`incorporated_in: {code}`"))
            continue
        # a person's `country` (citizenship or residence) is not warned about: a Hong Kong resident need not be a
        # national of China, and a dataset of many persons would drown its verdicts in lines
        governing = (("country", code),) if kind in government_types else ()
        for field, value in (*governing, ("political_figure_of", figures[pos])):
            if value in regions:
                nation = regions[value]
                meant = f"a senior political figure of {nation}" if field == "political_figure_of" else \
                    f"part of {nation}'s government"
                hits.append((pos, field, f"`{ident}` ({kind}) has `{field}: {value}`, a region the jurisdiction rules "
                             f"count as {nation}; the government rules do not, so it is judged as of "
                             "no covered nation", f"review it: if it is {meant}, write `{field}: {nation}`"))
    return hits


def _suspects(types: Sequence[Any], countries: Sequence[Any], figures: Sequence[Any], incs: Sequence[Any],
              hqs: Sequence[Any], government_types: Any, regions: Mapping[str, str]) -> list[int]:
    """The positions `country_warnings` looks at, ascending: those with a `country` or a `political_figure_of`;
    of a bulk load's coded columns only those it can warn about, each distinct value tested once (issue 17, time:
    a Python pass over 10^6 records took 0.35 s at the end of a screen)."""
    if all(isinstance(c, (Codes, Repeat)) for c in (types, countries, figures, incs, hqs)):
        import numpy as np  # a bulk load's columns only: a single check never imports numpy here

        def mask(column: Any, test: Any) -> Any:  # each distinct value tested once
            return column.mask(test) if isinstance(column, Codes) else np.full(len(column), bool(test(column.value)))

        governing = mask(types, lambda t: t in government_types)
        business = ~governing & ~mask(types, lambda t: t == "person")
        unplaced = business & mask(countries, bool) & ~mask(incs, bool) & ~mask(hqs, bool)
        in_region = (governing & mask(countries, lambda c: c in regions)) | (~business & mask(figures,
                                                                                            lambda f: f in regions))
        return np.flatnonzero(unplaced | in_region).tolist()
    return sorted({pos for pos, c in enumerate(countries) if c} | {pos for pos, f in enumerate(figures) if f})


def _located(dataset: Dataset, hits: list[tuple[int, str, str, str]]) -> list[Problem]:
    """Entity problems at their file:line, composing only the files they are in."""
    files = {dataset.origins[("entities", pos)].file for pos, *_ in hits if ("entities", pos) in dataset.origins}
    finders: dict[str, LineFinder] = {}
    for file in sorted(files):
        if not is_table_name(file):  # a Parquet table has rows, not lines
            with contextlib.suppress(InputError):
                finders[file] = LineFinder(read_text(Path(file)))
    where = Locator(dataset, finders)
    return [where.problem("entities", pos, (field,), what, fix, record=True) for pos, field, what, fix in hits]


def region_nations(law: Law) -> dict[str, str]:
    """Every region `covered_nation_regions` maps on any date, with its nation (for `country_warnings`)."""
    return {region: entry["nation"] for _, value in law.parameters["covered_nation_regions"].values
            for region, entry in (value or {}).items()}


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
                 materials: frozenset[str] | None = None, unread: frozenset[str] = frozenset()):
        self.dataset, self.vocab, self.broken_ids, self.materials = dataset, vocab, broken_ids, materials
        self.unread = unread
        self.where = Locator(dataset, finders)
        self.problems: list[Problem] = []
        # fields read as columns (`Dataset.column`): a compact load makes no record to read one field
        self.ids = {k: set(dataset.column(k, "id")) for k in ("entities", "facilities", "batteries")}
        self.facility_acts = {f.id: set(f.activities) for f in dataset.facilities}

    def add(self, kind: str, pos: int, path: tuple, message: str, fix: str) -> None:
        self.problems.append(self.where.problem(kind, pos, path, message, fix))

    def dangling(self, kind: str, pos: int, field: str, value: str, target: str, path: tuple = ()) -> None:
        if target in self.unread:  # the unread file may define it: its own problem is the one to fix
            return
        noun = target[:-3] + "y" if target.endswith("ies") else target[:-1]
        article = "an" if noun[0] in "aeiou" else "a"
        self.add(kind, pos, path + (field,), f"`{field}: {value}` names no {noun} in this dataset",
                 f"define {article} {noun} with id `{value}` or correct the id")

    def unique_ids(self) -> None:
        """One id namespace across the folder: a second record with an id names the first one's place."""
        # every id unique: the entities' (whose set is made already) and the others' (few), and none in both
        rest = [i for kind in ID_KINDS if kind != "entities" for i in self.dataset.column(kind, "id")]
        entity_ids = self.ids["entities"]
        if len(entity_ids) == len(self.dataset.column("entities", "id")) and len(set(rest)) == len(rest) and \
                entity_ids.isdisjoint(rest):
            return
        seen: dict[str, tuple[str, int]] = {}
        for kind in ID_KINDS:
            for pos, rec in enumerate(getattr(self.dataset, kind)):
                if rec.id in seen:
                    first = self.where.place(*seen[rec.id], "id")
                    self.add(kind, pos, ("id",), f"duplicate id `{rec.id}` (first defined at {first})",
                             "give each record its own id")
                else:
                    seen[rec.id] = (kind, pos)

    def references(self, scan: HoldingScan) -> None:
        """Every id a record names is the id of a record of the right kind (or of one that failed validation)."""
        for (kind, field), target in _SCALAR_REFS.items():
            if kind == "holdings":
                if _names_entities(self.dataset, self.dataset.column(kind, field)):
                    continue
                values = scan.holders if field == "holder" else scan.held
            else:
                values = set(self.dataset.column(kind, field))
            missing = values - self.ids[target] - self.broken_ids - {None}
            if missing:
                for pos, value in enumerate(self.dataset.column(kind, field)):
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
        words("entities", "tax_form", vocab.tax_forms, "unknown tax_form `{}`",
              f"use one of: {', '.join(sorted(vocab.tax_forms))} (or leave it out: not recorded)")

    def unknown_words(self, kind: str, field: str, allowed: Any, message: str, fix: str, listed: bool = False) -> None:
        """Report each value of `field` (each item, if `listed`) not in `allowed`; an absent value is no word."""
        column = self.dataset.column(kind, field)
        values = {w for v in column for w in v} if listed else set(column)
        if values - {None} <= (allowed.keys() if isinstance(allowed, dict) else allowed):
            return
        for pos, value in enumerate(column):
            words = enumerate(value) if listed else [(None, value)]
            for i, word in words:
                if word is not None and word not in allowed:
                    self.add(kind, pos, (field,) if i is None else (field, i), message.format(word), fix)

    def government_countries(self) -> None:
        """A government, its agency or a party (vocabulary `government_types`, DOE 89 FR 37079) is the
        government of a nation: it needs `country:`, or no rule could tell which nation's it is."""
        governments = self.vocab.government_types
        types, countries = self.dataset.column("entities", "type"), self.dataset.column("entities", "country")
        for pos in _positions_of(types, governments):
            if not countries[pos]:
                self.problems.append(self.where.problem("entities", pos, ("type",), f"a {types[pos]} needs `country:`",
                                                        "add the nation it belongs to, e.g. `country: CN`", record=True))

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

    def attestations(self) -> None:
        """An attestation names a claim of the vocabulary, and what it is about exists (26 CFR 1.30D-6(b))."""
        vocab, ids = self.vocab, {"entity": self.ids["entities"], "facility": self.ids["facilities"],
                                  "battery": self.ids["batteries"]}
        self.unknown_words("attestations", "claim", vocab.attestation_claims, "unknown claim `{}`",
                           f"use one of: {', '.join(sorted(vocab.attestation_claims))}")
        for pos, a in enumerate(self.dataset.attestations):
            for kind in ("entity", "facility", "battery"):
                named = getattr(a.about, kind)
                if named is not None and named not in ids[kind] and named not in self.broken_ids and \
                        _PLURAL[kind] not in self.unread:
                    self.add("attestations", pos, ("about", kind), f"`about: {{{kind}: {named}}}` names no {kind} "
                             "in this dataset", f"define the {kind} `{named}` or correct the id")
            if a.about.component is not None and a.about.component not in vocab.component_labels:
                self.add("attestations", pos, ("about", "component"), f"unknown battery component "
                         f"`{a.about.component}`", f"use one of: {', '.join(vocab.battery_components)}")
            if a.about.mineral is not None and a.about.mineral not in vocab.critical_minerals:
                self.add("attestations", pos, ("about", "mineral"), f"`{a.about.mineral}` is not an applicable "
                         "critical mineral", "use a lowercase mineral as listed in rules/vocabulary.yaml")


def _names_entities(dataset: Dataset, column: Sequence[Any]) -> bool:
    """Whether every value of a holdings column names an entity of `dataset` by construction: positions among
    the entities' own id column (`Refs`, made by `load.shared_ids` only where each position was found to name its
    very id), so no id in it can be missing (issue 17: 1.5M references read back into a set of ids, 0.25 s)."""
    return isinstance(column, Refs) and column.values is dataset.column("entities", "id")


def _positions_of(column: Sequence[Any], words: Any) -> list[int]:
    """The positions of the values of `column` in `words`; a coded column (`Codes`: a compact load's entity types)
    read on its codes (issue 17: 10^6 types read one by one took 0.1 s)."""
    if isinstance(column, Codes):
        import numpy as np

        return np.flatnonzero(column.mask(lambda value: value in words)).tolist()
    return [pos for pos, value in enumerate(column) if value in words]
