"""The parts of a Markdown report (GitHub and Obsidian friendly) shared by the subject reports and the index:
file names, verdict labels, the findings and ownership-chain sections with Mermaid diagrams, the vehicle's
component and mineral tables, the §45X section and the reproducibility footer."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from feoc import __version__
from feoc.data.dataset import Dataset
from feoc.determine.findings import Finding
from feoc.render.provenance import Footnotes, holdings_between
from feoc.render.sanitize import clip, code, md, mermaid_label
from feoc.render.status_words import credit_range, words
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


def deciding(v: TimelineVerdict) -> str:
    """The rule(s) that decided the verdict, or a dash."""
    if isinstance(v, VehicleVerdict):
        return v.deciding_rule or "—"
    return ", ".join(sorted({f.rule_id for f in v.findings})) or "—"


def _mermaid(subject: str, steps_sets: list[tuple[tuple[str, float, bool], ...]], measure_of: list[str],
             dataset: Dataset, feoc: set[str], governments: set[str]) -> list[str]:
    """holders → subject, shares on the edges; covered-nation governments and FEOCs marked."""
    nodes: dict[str, str] = {}
    edges: set[tuple[str, str, str]] = set()

    def node(eid: str) -> str:
        if eid not in nodes:
            nodes[eid] = f"n{len(nodes)}"
        return nodes[eid]

    node(subject)
    for steps, measure in zip(steps_sets, measure_of):
        chain = list(steps)
        for i, (holder, share, _full) in enumerate(chain):
            target = chain[i + 1][0] if i + 1 < len(chain) else subject
            edges.add((holder, target, f"{share:.2%} {measure.replace('_', ' ')}"))
    if not edges:
        return []
    for a, b, _ in sorted(edges):
        node(a), node(b)
    lines = ["```mermaid", "flowchart BT"]
    names = {e.id: e.name for e in dataset.entities}
    for eid, nid in sorted(nodes.items(), key=lambda kv: int(kv[1][1:])):
        label = f"{clip(names.get(eid, eid))} ({eid})"  # a name bounded, the id and the mark kept
        if eid in governments:
            label += " — covered-nation government"
        elif eid in feoc:
            label += " — FEOC"
        lines.append(f"  {nid}[{mermaid_label(label)}]")
    for a, b, label in sorted(edges):
        lines.append(f"  {nodes[a]} -->|{mermaid_label(label)}| {nodes[b]}")
    lines.append("  classDef feoc fill:#fdd,stroke:#c00")
    lines.append("  classDef gov fill:#fbb,stroke:#900,stroke-width:2px")
    flagged_gov = sorted(nodes[e] for e in nodes if e in governments)
    flagged = sorted(nodes[e] for e in nodes if e in feoc and e not in governments)
    if flagged:
        lines.append(f"  class {','.join(flagged)} feoc")
    if flagged_gov:
        lines.append(f"  class {','.join(flagged_gov)} gov")
    lines += ["```", ""]
    return lines


def findings_table(findings: list[Finding], notes: Footnotes, dataset: Dataset) -> list[str]:
    rows = ["| rule | reason | citation | reading | as of |", "| --- | --- | --- | --- | --- |"]
    for f in findings:
        unconfirmed = " (UNCONFIRMED: " + md(f.unconfirmed) + ")" if f.unconfirmed else ""
        rows.append(f"| {code(f.rule_id)} | {md(f.explanation)}{_pfe_detail(f)}{unconfirmed} | {md(f.citation)} | "
                    f"{code(f.interpretation)} | {f.on.isoformat()} |")
    return rows + [""]


def _pfe_detail(f: Finding) -> str:
    """A §45X finding merged over its measures (`verdicts.pfe_reasons.PfeFinding`): each measure's figure,
    and the chain from the holders it names to their root reasons; nothing for any other finding."""
    measures = getattr(f, "measures", ())
    out = "<br>measures: " + md(", ".join(m.words() for m in measures)) if len(measures) > 1 else ""
    return out + "".join(f"<br>chain: {md(text)}" for text in getattr(f, "chain_texts", list)())


def _parts(findings: list[Finding]) -> list[Finding]:
    """The per-measure findings behind merged §45X findings, for the ownership chains (one measure per path)."""
    return [p for f in findings for p in getattr(f, "parts", None) or (f,) if p.path_steps]


def checked_table(checked: list[Checked], what: str = "FEOC") -> list[str]:
    """What was checked for a verdict no rule decided (negative evidence, `verdicts.checked`)."""
    if not checked:
        return [f"Checked: no {what} rule is in force on this date.", ""]
    rows = [f"No {what} rule fired. Checked, prong by prong:", "", "| prong | rule | outcome | what was looked at | citation |",
            "| --- | --- | --- | --- | --- |"]
    for c in checked:
        paths = "".join(f"<br>path: {md(p)}" for p in c.paths)
        rows.append(f"| {md(c.prong)} | {code(c.rule)} | {c.outcome} | {md(c.detail)}{paths} | {md(c.citation)} |")
    return rows + [""]


def paths_section(findings: list[Finding], dataset: Dataset, notes: Footnotes, day: dt.date,
                   feoc: set[str], governments: set[str], subject: str) -> list[str]:
    chains = [(f, steps) for f in findings for steps in f.path_steps]
    if not chains:
        return []
    lines = ["#### Ownership chains", ""]
    lines += _mermaid(subject, [s for _, s in chains], [f.fact("measure") for f, _ in chains], dataset, feoc, governments)
    lines.append("As text, for readers without Mermaid:")
    lines.append("")
    shown: set[str] = set()
    for f in findings:
        for text, steps in zip(f.paths, f.path_steps):
            if text in shown:  # the same chain behind another finding (equity and 25 %/40 %/50 % tests alike)
                continue
            shown.add(text)
            chain = [h for h, _, _ in steps] + [subject]
            refs = notes.cite_all([(h, f"holding {a} → {b}") for a, b in itertools.pairwise(chain)
                                   for h in holdings_between(dataset, a, b, day)])
            lines.append(f"- {code(text)}{refs}")
    return lines + [""]


def paths_section_multi(findings: list[Finding], dataset: Dataset, notes: Footnotes, day: dt.date,
                         feoc: set[str], governments: set[str]) -> list[str]:
    out: list[str] = []
    for subject in sorted({f.subject for f in findings}):
        out += paths_section([f for f in findings if f.subject == subject], dataset, notes, day, feoc, governments, subject)
    return out


def upstream_section(upstream: list[Finding], notes: Footnotes, dataset: Dataset) -> list[str]:
    if not upstream:
        return []
    lines = ["#### Why the holders, operators and licensors on these chains are FEOCs", ""]
    lines += ["| subject | rule | reason | citation |", "| --- | --- | --- | --- |"]
    for f in upstream:
        rec = dataset._entity.get(f.subject) or dataset._facility.get(f.subject)  # type: ignore[attr-defined]
        refs = notes.cite(rec, f.subject) if rec is not None else ""
        lines.append(f"| {code(f.subject)}{refs} | {code(f.rule_id)} | {md(f.explanation)}{_pfe_detail(f)} | "
                     f"{md(f.citation)} |")
    return lines + [""]


def _part_cells(r: dict[str, Any]) -> str:
    """The cells a component row and a mineral row share: step, facility, country, operator, FEOC, qualifying."""
    return (f"{r['step']} | {code(r['facility'])} | {r['country']} | {code(r['operator'])} | "
            f"{'**yes**' if r['feoc'] else 'no'} | {'yes' if r['qualifying'] else 'no'}")


def _value_cell(r: dict[str, Any]) -> str:
    return f"{r['value_usd']:,.0f}{' (assumed)' if r['assumed'] else ''}"


def vehicle_tables(v: VehicleVerdict, dataset: Dataset, notes: Footnotes) -> list[str]:
    battery = dataset.battery(dataset.vehicle(v.subject).battery)
    comps = {c.component: c for c in battery.components}
    mins = {m.mineral: m for m in battery.critical_minerals}
    lines = ["#### Battery components", "",
             "| component | step | facility | country | operator | FEOC | qualifying step (North America) | value (USD) |",
             "| --- | --- | --- | --- | --- | --- | --- | ---: |"]
    for r in v.components:
        refs = notes.cite_all([(comps.get(r["component"]), f"{battery.id} {r['component']}"),
                               (dataset.facility(r["facility"]), r["facility"])])
        lines.append(f"| {md(r['component'])}{refs} | {_part_cells(r)} | {_value_cell(r)} |")
    lines += ["", "#### Critical minerals", "",
              "| mineral | step | facility | country | operator | FEOC | qualifying step (U.S./FTA; recycling: North America) "
              "| impracticable to trace | value (USD) |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | ---: |"]
    for r in v.minerals:
        refs = notes.cite_all([(mins.get(r["mineral"]), f"{battery.id} {r['mineral']}"),
                               (dataset.facility(r["facility"]), r["facility"])])
        lines.append(f"| {md(r['mineral'])}{refs} | {_part_cells(r)} | {'yes' if r['impracticable_to_trace'] else 'no'} | "
                     f"{_value_cell(r)} |")
    lines += ["", "#### Sourcing halves", "", "| half | qualifying share | required | met | amount (USD) |",
              "| --- | ---: | ---: | --- | ---: |"]
    for name, h in v.halves.items():
        share = "—" if h.share is None or not h.in_force else f"{h.share:.2%}"
        req = f"{h.threshold:.0%}" if h.threshold is not None else "not in force"
        met = "yes" if h.meets else "cannot be determined" if h.missing else "no"
        lines.append(f"| {name.replace('_', ' ')} | {share} | {req} | {met} | {h.amount_usd:,.0f} |")
    return lines + [""]


def section_45x(t: SubjectTimeline, dataset: Dataset, notes: Footnotes) -> list[str]:
    """§45X: the entity's prohibited-foreign-entity status (with the chains and why its holders are PFEs) and
    the verdicts of the plants it operates, each product's own status shown (IRC 45X as amended by P.L. 119-21
    §70514; IRC 7701(a)(51)-(52))."""
    if t.kind != "entity" or not t.pfe:
        return []
    lines = ["## §45X advanced manufacturing credit (prohibited foreign entities, P.L. 119-21)", "",
             "| as of | status | prongs |", "| --- | --- | --- |"]
    for day, findings in t.pfe:
        prongs = "; ".join(sorted({md(f.prong) for f in findings})) or "—"
        lines.append(f"| {day.isoformat()} | {t.pfe_labels[day]} | {prongs} |")  # labels from rules/
    lines.append("")
    last_day, last = t.pfe[-1]
    if last:
        lines += [f"Findings as of {last_day.isoformat()}:", ""] + findings_table(last, notes, dataset)
        lines += paths_section(_parts(last), dataset, notes, last_day, set(), set(), t.subject)
        upstream = next((v.upstream for v in dict(t.facilities45x).get(last_day, []) if v.upstream), [])
        lines += paths_section_multi(_parts(upstream), dataset, notes, last_day, set(), set())
        lines += upstream_section(upstream, notes, dataset)
    elif last_day in t.pfe_checked:  # a clear "not a prohibited foreign entity" shows what was looked at
        lines += [f"As of {last_day.isoformat()}:", ""] + checked_table(t.pfe_checked[last_day],
                                                                       "prohibited-foreign-entity")
    return lines + _plants_45x(t, dataset, notes)


def _plants_45x(t: SubjectTimeline, dataset: Dataset, notes: Footnotes) -> list[str]:
    """The plants table (one row per plant and date, each product with its own status) and what would change
    them: only the facts that could — none for a plant denied because its operator is a PFE."""
    plants = [(day, vs) for day, vs in t.facilities45x if vs]
    if not plants:
        return []
    lines = ["### Plants it operates", "", "| as of | facility | §45X verdict | reason | products (MACR) |",
             "| --- | --- | --- | --- | --- |"]
    for day, verdicts in plants:
        for v in verdicts:
            refs = notes.cite(dataset.facility(v.subject), v.subject)
            products = "<br>".join(f"{md(p.product)}: {p.status.replace('_', ' ')} — {md(p.detail)}"
                                   for p in v.products) or "—"
            if v.operator_pfe:  # the operator's status decided: no product's ratio could change it
                products = "not needed: the operator is a prohibited foreign entity"
            status_ = v.status.replace("_", " ")
            lines.append(f"| {day.isoformat()} | {code(v.subject)}{refs} | {status_} | {md(v.reason)} | {products} |")
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
