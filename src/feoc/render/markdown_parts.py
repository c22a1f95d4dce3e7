"""The parts of a Markdown report (GitHub and Obsidian friendly) shared by the subject reports and the index:
file names, verdict labels, the findings and ownership-chain sections with Mermaid diagrams, the vehicle's
component and mineral tables, the §45X section and the reproducibility footer."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from feoc import __version__
from feoc.data.dataset import Dataset
from feoc.determine.findings import Finding
from feoc.render.markdown_shares import range_cell, share_text
from feoc.render.provenance import Footnotes, holdings_between
from feoc.render.sanitize import code, md
from feoc.render.status_words import credit_range, label, words
from feoc.verdicts.timeline import SubjectTimeline, TimelineVerdict
from feoc.verdicts.vehicle import VehicleVerdict

if TYPE_CHECKING:
    from feoc.law.law import Law
    from feoc.verdicts.checked import Checked
    from feoc.verdicts.facility45x import Facility45XVerdict


@dataclass(frozen=True)
class ReportContext:
    """What every subject report of a set shares: the law, the FEOCs and covered-nation government bodies of
    each date (marked in the diagrams), the links between entity and vehicle reports, each rule's `remedy:`
    and the footer."""

    law: Law
    governments: set[str]
    feoc_on: dict[dt.date, set[str]]
    entity_links: dict[str, list[tuple[str, str]]]
    vehicle_links: dict[str, list[tuple[str, str]]]
    interpretation: str
    footer: str
    remedies: dict[str, str]


def report_path(kind: str, subject: str) -> str:
    """Relative file name of a subject's report; ids are validated slugs, so no path can escape the folder."""
    folder = {"entity": "entities", "vehicle": "vehicles"}[kind]
    return f"{folder}/{subject}.md"


def status(v: TimelineVerdict) -> str:
    """The verdict in a few words: `eligible, 7,500 USD`, `not eligible`, `FEOC`, `not a FEOC`, `contested`,
    `contested, $0–$3,750`, `cannot be determined`, `not in force`."""
    if isinstance(v, VehicleVerdict):
        if v.contested:
            return f"contested, {credit_range(v)}"
        return f"eligible, {v.credit_usd:,.0f} USD" if v.eligible else v.status.replace("_", " ")
    return words(v.status)


def deciding_ids(v: TimelineVerdict) -> list[str]:
    """The rule(s), §30D step or parameter that decided the verdict."""
    if isinstance(v, VehicleVerdict):
        return v.deciding_rule.split(", ") if v.deciding_rule else []  # both halves failed: "a, b"
    return sorted({f.rule_id for f in v.findings})


def labelled(law: Law, name: str) -> str:
    """A rule in words with its id after it for reference: `incorporated in a covered nation (`feoc-…`)`."""
    return f"{md(label(law, name))} ({code(name)})"


def deciding(v: TimelineVerdict, law: Law, ids: bool = True) -> str:
    """What decided the verdict in words (each id after its words with `ids`), or a dash."""
    names = deciding_ids(v)
    return "; ".join(labelled(law, n) if ids else md(label(law, n)) for n in names) or "—"


def findings_table(findings: list[Finding], law: Law, day: dt.date | None = None) -> list[str]:
    """The findings, each rule in words; the `as of` column only when some finding is of another date than
    `day` (the section's own date)."""
    dated = day is None or any(f.on != day for f in findings)
    rows = ["| rule | reason | citation | reading |" + (" as of |" if dated else ""),
            "| --- | --- | --- | --- |" + (" --- |" if dated else "")]
    for f in findings:
        unconfirmed = " (UNCONFIRMED: " + md(f.unconfirmed) + ")" if f.unconfirmed else ""
        rows.append(f"| {labelled(law, f.rule_id)} | {md(f.explanation)}{_pfe_detail(f)}{unconfirmed} | "
                    f"{md(f.citation)} | {code(f.interpretation)} |" + (f" {f.on.isoformat()} |" if dated else ""))
    return rows + [""]


def _pfe_detail(f: Finding) -> str:
    """A §45X finding merged over its measures (`verdicts.pfe_reasons.PfeFinding`): each measure's figure,
    and the chain from the holders it names to their root reasons; nothing for any other finding."""
    measures = getattr(f, "measures", ())
    out = "; measures: " + md(", ".join(m.words() for m in measures)) if len(measures) > 1 else ""
    return out + "".join(f"; chain: {md(text)}" for text in getattr(f, "chain_texts", list)())


def _parts(findings: list[Finding]) -> list[Finding]:
    """The per-measure findings behind merged §45X findings, for the ownership chains (one measure per path)."""
    return [p for f in findings for p in getattr(f, "parts", None) or (f,) if p.path_steps]


def checked_table(checked: list[Checked], law: Law, what: str = "FEOC") -> list[str]:
    """What was checked for a verdict no rule decided (negative evidence, `verdicts.checked`)."""
    if not checked:
        return [f"Checked: no {what} rule is in force on this date.", ""]
    rows = [f"No {what} rule fired. Checked, prong by prong:", "", "| prong | rule | outcome | what was looked at | citation |",
            "| --- | --- | --- | --- | --- |"]
    for c in checked:
        paths = "".join(f"; path: {md(p)}" for p in c.paths)
        rows.append(f"| {md(c.prong)} | {labelled(law, c.rule)} | {c.outcome} | {md(c.detail)}{paths} | {md(c.citation)} |")
    return rows + [""]


def paths_section(findings: Iterable[Finding], dataset: Dataset, notes: Footnotes, day: dt.date) -> list[str]:
    """The ownership chains behind the findings, one line per chain with every measure it carries (equity
    and voting rights along the same holders are one chain, not two lines); the whole chain is drawn once,
    at the top of the report (`markdown_chain`)."""
    chains: dict[tuple[str, tuple[tuple[str, bool], ...]], dict[str, str]] = {}
    for f in findings:
        measure = str(f.fact("measure") or "").replace("_", " ")
        for path in f.path_steps:
            key = (f.subject, tuple((h, full) for h, _, full in path))
            chains.setdefault(key, {})[measure] = " × ".join(share_text(share) for _, share, _ in path)
    if not chains:
        return []
    lines = ["#### Ownership chains behind these findings", ""]
    for (subject, steps), measures in sorted(chains.items()):
        holders = [h for h, _ in steps] + [subject]
        refs = notes.cite_all([(h, f"holding {a} → {b}") for a, b in itertools.pairwise(holders)
                               for h in holdings_between(dataset, a, b, day)])
        counted = "".join(f" ({code(h)} controlled by the source: counted as its own)" for h, full in steps if full)
        shares = ", ".join(f"{share} {md(m)}" for m, share in measures.items())
        lines.append(f"- {code(' → '.join(holders))}: {shares}{counted}{refs}")
    return lines + [""]


def upstream_section(upstream: list[Finding], notes: Footnotes, dataset: Dataset, law: Law) -> list[str]:
    if not upstream:
        return []
    lines = ["#### Why the holders, operators and licensors on these chains are FEOCs", ""]
    lines += ["| subject | rule | reason | citation |", "| --- | --- | --- | --- |"]
    for f in upstream:
        rec = dataset._entity.get(f.subject) or dataset._facility.get(f.subject)  # type: ignore[attr-defined]
        refs = notes.cite(rec, f.subject) if rec is not None else ""
        name = f"{md(rec.name)} ({code(f.subject)})" if rec is not None else code(f.subject)
        lines.append(f"| {name}{refs} | {labelled(law, f.rule_id)} | {md(f.explanation)}{_pfe_detail(f)} | "
                     f"{md(f.citation)} |")
    return lines + [""]


def readings_legend(law: Law) -> list[str]:
    """Each reading of unsettled law a contested verdict names, with its title (rules/interpretations.yaml): the
    reports name readings by id, and a reader must be told what each one holds."""
    lines = ["The readings of the law (rules/interpretations.yaml):", ""]
    for name in law.reading_names():
        default = " (default)" if name == law.default_interpretation else ""
        lines.append(f"- {code(name)}{default}: {md(law.interpretations[name].title)}")
    return lines + [""]


def word(product: str, labels: dict[str, str]) -> str:
    """A component or product in words: its label in rules/vocabulary.yaml, else its id without underscores."""
    return labels.get(product, product.replace("_", " "))


def _part_cells(r: dict[str, Any]) -> str:
    """The cells a component row and a mineral row share: step, facility, country, operator, FEOC, qualifying."""
    return (f"{r['step']} | {code(r['facility'])} | {r['country']} | {code(r['operator'])} | "
            f"{'**yes**' if r['feoc'] else 'no'} | {'yes' if r['qualifying'] else 'no'}")


def _value_cell(r: dict[str, Any]) -> str:
    return f"{r['value_usd']:,.0f}{' (assumed)' if r['assumed'] else ''}"


def vehicle_tables(v: VehicleVerdict, dataset: Dataset, notes: Footnotes,
                   labels: dict[str, str]) -> list[tuple[str, list[str]]]:
    """The battery components (in words: `labels`, rules/vocabulary.yaml), critical minerals and sourcing halves
    of a vehicle's verdict, as named parts (a report shows a part again only on a date where it changed)."""
    battery = dataset.battery(dataset.vehicle(v.subject).battery)
    comps = {c.component: c for c in battery.components}
    lines = ["#### Battery components", "",
             "| component | step | facility | country | operator | FEOC | qualifying step (North America) | value (USD) |",
             "| --- | --- | --- | --- | --- | --- | --- | ---: |"]
    for r in v.components:
        refs = notes.cite_all([(comps.get(r["component"]), f"{battery.id} {r['component']}"),
                               (dataset.facility(r["facility"]), r["facility"])])
        lines.append(f"| {md(word(r['component'], labels))}{refs} | {_part_cells(r)} | {_value_cell(r)} |")
    halves = ["#### Sourcing halves", "", "| half | qualifying share | required | met | amount (USD) |",
              "| --- | ---: | ---: | --- | ---: |"]
    for name, h in v.halves.items():
        share = "—" if h.share is None or not h.in_force else f"{h.share:.2%}"
        req = f"{h.threshold:.0%}" if h.threshold is not None else "not in force"
        # a half not in force is neither met nor failed: the credit is not split in halves on that date
        met = "not required" if not h.in_force else "yes" if h.meets else "cannot be determined" if h.missing else "no"
        amount = f"{h.amount_usd:,.0f}" if h.in_force else "—"
        halves.append(f"| {name.replace('_', ' ')} | {share} | {req} | {met} | {amount} |")
    return [("battery components", lines + [""]), ("critical minerals", _minerals(v, battery, dataset, notes)),
            ("sourcing halves", halves + [""])]


def _minerals(v: VehicleVerdict, battery: Any, dataset: Dataset, notes: Footnotes) -> list[str]:
    """One row per step of each mineral; a mineral's value once, on its first row (it is one mineral, however
    many steps it goes through)."""
    mins = {m.mineral: m for m in battery.critical_minerals}
    lines = ["#### Critical minerals", "",
             "| mineral | step | facility | country | operator | FEOC | qualifying step (U.S./FTA; recycling: North America) "
             "| impracticable to trace | value (USD) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | ---: |"]
    seen: set[str] = set()
    for r in v.minerals:
        refs = notes.cite_all([(mins.get(r["mineral"]), f"{battery.id} {r['mineral']}"),
                               (dataset.facility(r["facility"]), r["facility"])])
        again = r["mineral"] in seen
        seen.add(r["mineral"])
        name = f"↳ the same {md(r['mineral'])}, next step" if again else md(r["mineral"])
        value = "counted once, above" if again else _value_cell(r)
        lines.append(f"| {name}{refs} | {_part_cells(r)} | {'yes' if r['impracticable_to_trace'] else 'no'} | {value} |")
    return lines + [""]


def section_45x(t: SubjectTimeline, dataset: Dataset, notes: Footnotes, law: Law) -> list[str]:
    """§45X: the entity's prohibited-foreign-entity status (with the chains and why its holders are PFEs) and
    the verdicts of the plants it operates, each product's own status shown (IRC 45X as amended by P.L. 119-21
    §70514; IRC 7701(a)(51)-(52))."""
    if t.kind != "entity" or not t.pfe:
        return []
    lines = ["## §45X advanced manufacturing credit (prohibited foreign entities, P.L. 119-21)", "",
             "| as of | status | prongs |", "| --- | --- | --- |"]
    for day, findings in t.pfe:
        prongs = "; ".join(sorted({md(f.prong) for f in findings})) or "—"
        # a range left open: the SFEs' interval and the holdings to narrow (issue 20), per measure
        prongs += "".join(f" ({md(text)})" for text in range_cell([p for f in findings for p in
                                                                   getattr(f, "parts", None) or (f,)]))
        lines.append(f"| {day.isoformat()} | {t.pfe_labels[day]} | {prongs} |")  # labels from rules/
    lines.append("")
    last_day, last = t.pfe[-1]
    if last:
        lines += [f"Findings as of {last_day.isoformat()}:", ""] + findings_table(last, law, last_day)
        upstream = next((v.upstream for v in dict(t.facilities45x).get(last_day, []) if v.upstream), [])
        lines += paths_section(_parts(last) + _parts(upstream), dataset, notes, last_day)
        lines += upstream_section(upstream, notes, dataset, law)
    elif last_day in t.pfe_checked:  # a clear "not a prohibited foreign entity" shows what was looked at
        lines += [f"As of {last_day.isoformat()}:", ""] + checked_table(t.pfe_checked[last_day], law,
                                                                       "prohibited-foreign-entity")
    return lines + _plants_45x(t, dataset, notes, law.vocabulary.component_labels)


def _plants_45x(t: SubjectTimeline, dataset: Dataset, notes: Footnotes, labels: dict[str, str]) -> list[str]:
    """The plants table (one row per plant and date, each product with its own status) and what would change
    them: only the facts that could — none for a plant denied because its operator is a PFE."""
    plants = [(day, vs) for day, vs in t.facilities45x if vs]
    if not plants:
        return []
    lines = ["### Plants it operates", "", "| as of | plant | §45X verdict | reason | products (MACR) |",
             "| --- | --- | --- | --- | --- |"]
    for day, verdicts in plants:
        for v in verdicts:
            refs = notes.cite(dataset.facility(v.subject), v.subject)
            products = "; ".join(f"{md(word(p.product, labels))}: {p.status.replace('_', ' ')} — {md(p.detail)}"
                                   for p in v.products) or "—"
            if v.operator_pfe:  # the operator's status decided: no product's ratio could change it
                products = "not needed: the operator is a prohibited foreign entity"
            status_ = v.status.replace("_", " ")
            plant = f"{md(v.name)} ({code(v.subject)}){refs}"
            lines.append(f"| {day.isoformat()} | {plant} | {status_} | {md(v.reason)} | {products} |")
    lines.append("")
    changes = _changes_45x([v for _, vs in plants for v in vs])
    if changes:
        lines += ["#### What would change these verdicts", ""] + [f"- {c}" for c in changes] + [""]
    return lines


def _changes_45x(verdicts: list[Facility45XVerdict]) -> list[str]:
    """Each plant's missing facts once (a verdict's `missing` is empty when its operator's status decided it),
    a plant's missing material inputs on one line."""
    out: dict[str, None] = {}
    for v in verdicts:
        inputs = [m.fact.removeprefix(_INPUTS) for m in v.missing if m.fact.startswith(_INPUTS)]
        if inputs:
            out[f"{code(v.subject)}: record the direct material costs and suppliers (`material_inputs`) of "
                f"{', '.join(md(i) for i in inputs)}: each product's material assistance cost ratio decides it"] = None
        out.update(dict.fromkeys(f"{code(m.subject)}: {md(m.decide)}" for m in v.missing if not m.fact.startswith(_INPUTS)))
    return list(out)


_INPUTS = "material_inputs for "  # the fact name `verdicts.facility45x` gives a product's missing inputs


def footer(dataset_label: str, data_hash: str, rules_hash_: str, interpretation: str) -> str:
    """How the report was made and how to reproduce it: feoc's version, the data's and rules' hashes, the reading."""
    return (f"Generated by feoc {__version__} from dataset {code(dataset_label)} (sha256 {code(data_hash[:16])}…) "
            f"and rules (sha256 {code(rules_hash_[:16])}…), interpretation {code(interpretation)}. "
            f"Reproduce with {code('feoc report --data ' + dataset_label)}; "
            "`feoc report --check` confirms the files are current.")
