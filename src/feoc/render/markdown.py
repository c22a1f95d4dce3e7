"""Markdown compliance reports (GitHub and Obsidian friendly): the verdict first, then the timeline, the
findings with citations, the ownership chains as Mermaid diagrams and as text, the component and mineral
tables for vehicles, what would change the verdict, source footnotes and a reproducibility footer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from feoc import __version__
from feoc.verdicts.vehicle import VehicleVerdict
from feoc.data.dataset import Dataset
from feoc.determine.core import Finding
from feoc.verdicts.subject import Verdict
from feoc.render.escape import code, md, mermaid_label, yaml_str
from feoc.render.provenance import Footnotes, holdings_between
from feoc.verdicts.timeline import SubjectTimeline


def report_path(kind: str, subject: str) -> str:
    """Relative file name of a subject's report; ids are validated slugs, so no path can escape the folder."""
    folder = {"entity": "entities", "vehicle": "vehicles"}[kind]
    return f"{folder}/{subject}.md"


def _status(v: Any) -> str:
    if isinstance(v, VehicleVerdict):
        return f"eligible, {v.credit_usd:,.0f} USD" if v.eligible else v.status.replace("_", " ")
    return "FEOC" if v.feoc else "not a FEOC"


def _deciding(v: Any) -> str:
    if isinstance(v, VehicleVerdict):
        return v.deciding_rule or "—"
    return ", ".join(sorted({f.rule_id for f in v.findings})) or "—"


def _front_matter(t: SubjectTimeline) -> list[str]:
    last_day, last = t.points[-1]
    tags = ["feoc", t.kind] + (["contested"] if any(v.contested for _, v in t.points) else [])
    verdicts = ", ".join(f"{d.isoformat()}: {yaml_str(_status(v))}" for d, v in t.points)
    return ["---", f"subject: {yaml_str(t.subject)}", f"name: {yaml_str(t.name)}", f"kind: {t.kind}",
            f"date: {last_day.isoformat()}", f"verdict: {yaml_str(_status(last))}", f"verdicts: {{{verdicts}}}",
            f"tags: [{', '.join(tags)}]", "---", ""]


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
        label = f"{names.get(eid, eid)} ({eid})"
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


def _findings_table(findings: list[Finding], notes: Footnotes, dataset: Dataset) -> list[str]:
    rows = ["| rule | reason | citation | as of |", "| --- | --- | --- | --- |"]
    for f in findings:
        unconfirmed = " (UNCONFIRMED: " + md(f.unconfirmed) + ")" if f.unconfirmed else ""
        rows.append(f"| {code(f.rule_id)} | {md(f.explanation)}{unconfirmed} | {md(f.citation)} | {f.on.isoformat()} |")
    return rows + [""]


def _paths_section(findings: list[Finding], dataset: Dataset, notes: Footnotes, day: dt.date,
                   feoc: set[str], governments: set[str], subject: str) -> list[str]:
    chains = [(f, steps) for f in findings for steps in f.path_steps]
    if not chains:
        return []
    lines = ["#### Ownership chains", ""]
    lines += _mermaid(subject, [s for _, s in chains], [f.fact("measure") for f, _ in chains], dataset, feoc, governments)
    lines.append("As text, for readers without Mermaid:")
    lines.append("")
    for f in findings:
        for text, steps in zip(f.paths, f.path_steps):
            chain = [h for h, _, _ in steps] + [subject]
            refs = notes.cite_all([(h, f"holding {a} → {b}") for a, b in zip(chain, chain[1:])
                                   for h in holdings_between(dataset, a, b, day)])
            lines.append(f"- {code(text)}{refs}")
    return lines + [""]


def _upstream_section(upstream: list[Finding], notes: Footnotes, dataset: Dataset) -> list[str]:
    if not upstream:
        return []
    lines = ["#### Why the holders, operators and licensors on these chains are FEOCs", ""]
    lines += ["| subject | rule | reason | citation |", "| --- | --- | --- | --- |"]
    for f in upstream:
        rec = dataset._entity.get(f.subject) or dataset._facility.get(f.subject)  # type: ignore[attr-defined]
        refs = notes.cite(rec, f.subject) if rec is not None else ""
        lines.append(f"| {code(f.subject)}{refs} | {code(f.rule_id)} | {md(f.explanation)} | {md(f.citation)} |")
    return lines + [""]


def _entity_changes(v: Verdict, threshold: float) -> list[str]:
    out = []
    for f in v.findings:
        if f.rule_id == "feoc-ownership":
            out.append(f"the {md(f.fact('measure').replace('_', ' '))} held by {md(f.fact('holders'))} would have to fall "
                       f"below {threshold:.0%} (now {f.fact('share'):.2%})")
        elif f.rule_id.startswith("feoc-jurisdiction"):
            out.append("incorporation and headquarters (principal place of business) outside the covered nations")
        elif f.rule_id.startswith("feoc-listed"):
            out.append(f"removal from the {code(f.fact('list'))} list")
        elif f.rule_id == "feoc-effective-control":
            out.append(f"agreement {code(f.fact('agreement'))} dropping the right {code(f.fact('right'))}, "
                       f"or {code(f.fact('licensor'))} ceasing to be a FEOC")
        elif f.rule_id in ("feoc-government", "feoc-political-figure"):
            out.append("nothing short of a change in the law: it is part of a covered nation's government")
    if v.contested:
        out.append("guidance settling the contested reading (rules/interpretations.yaml): "
                   + ", ".join(f"{md(k)}: {'FEOC' if b else 'not FEOC'}" for k, b in sorted(v.readings.items())))
    return sorted(set(out), key=out.index)


def _vehicle_changes(v: VehicleVerdict, transition_until: dt.date | None) -> list[str]:
    out = []
    for f in v.findings:
        if f.conclusion == "excluded_component":
            out.append(f"sourcing the {md(f.fact('component'))} ({md(f.fact('step'))}) from a plant not operated by a FEOC "
                       f"instead of {code(f.fact('facility'))}")
        elif f.conclusion == "excluded_mineral":
            out.append(f"sourcing the {md(f.fact('mineral'))} ({md(f.fact('step'))}) from outside FEOC control instead of "
                       f"{code(f.fact('facility'))}")
        elif f.conclusion == "transition_applied":
            when = f" on {transition_until.isoformat()}" if transition_until else ""
            out.append(f"the end of the impracticable-to-trace transition{when}: from then the {md(f.fact('mineral'))} "
                       f"from {code(f.fact('facility'))} excludes the vehicle")
    for name, h in v.halves.items():
        if h.in_force and not h.meets and h.threshold is not None:
            now = "no value recorded" if h.share is None else f"{h.share:.2%}"
            out.append(f"raising the {name.replace('_', ' ')} qualifying share to {h.threshold:.0%} (now {now})")
    if v.status == "terminated":
        out = ["nothing: the credit ended for vehicles acquired after the last acquisition date (P.L. 119-21 §70502)"]
    if v.contested:
        out.append("guidance settling the contested reading: "
                   + ", ".join(f"{md(k)}: {c:,.0f} USD" for k, c in sorted(v.readings.items())))
    return sorted(set(out), key=out.index)


def _vehicle_tables(v: VehicleVerdict, dataset: Dataset, notes: Footnotes) -> list[str]:
    battery = dataset.battery(dataset.vehicle(v.subject).battery)
    comps = {c.component: c for c in battery.components}
    mins = {m.mineral: m for m in battery.critical_minerals}
    lines = ["#### Battery components", "",
             "| component | step | facility | country | operator | FEOC | qualifying step (North America) | value (USD) |",
             "| --- | --- | --- | --- | --- | --- | --- | ---: |"]
    for r in v.components:
        refs = notes.cite_all([(comps.get(r["component"]), f"{battery.id} {r['component']}"),
                               (dataset.facility(r["facility"]), r["facility"])])
        lines.append(f"| {md(r['component'])}{refs} | {r['step']} | {code(r['facility'])} | {r['country']} | "
                     f"{code(r['operator'])} | {'**yes**' if r['feoc'] else 'no'} | {'yes' if r['qualifying'] else 'no'} | "
                     f"{r['value_usd']:,.0f}{' (assumed)' if r['assumed'] else ''} |")
    lines += ["", "#### Critical minerals", "",
              "| mineral | step | facility | country | operator | FEOC | qualifying step (U.S./FTA; recycling: North America) "
              "| impracticable to trace | value (USD) |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | ---: |"]
    for r in v.minerals:
        refs = notes.cite_all([(mins.get(r["mineral"]), f"{battery.id} {r['mineral']}"),
                               (dataset.facility(r["facility"]), r["facility"])])
        lines.append(f"| {md(r['mineral'])}{refs} | {r['step']} | {code(r['facility'])} | {r['country']} | "
                     f"{code(r['operator'])} | {'**yes**' if r['feoc'] else 'no'} | {'yes' if r['qualifying'] else 'no'} | "
                     f"{'yes' if r['impracticable_to_trace'] else 'no'} | {r['value_usd']:,.0f}"
                     f"{' (assumed)' if r['assumed'] else ''} |")
    lines += ["", "#### Sourcing halves", "", "| half | qualifying share | required | met | amount (USD) |",
              "| --- | ---: | ---: | --- | ---: |"]
    for name, h in v.halves.items():
        share = "—" if h.share is None or not h.in_force else f"{h.share:.2%}"
        req = f"{h.threshold:.0%}" if h.threshold is not None else "not in force"
        lines.append(f"| {name.replace('_', ' ')} | {share} | {req} | {'yes' if h.meets else 'no'} | {h.amount_usd:,.0f} |")
    return lines + [""]


def render_subject(t: SubjectTimeline, dataset: Dataset, context: dict[str, Any]) -> str:
    """One subject's report across all report dates."""
    notes = Footnotes()
    governments: set[str] = context["governments"]
    record = dataset.entity(t.subject) if t.kind == "entity" else dataset.vehicle(t.subject)
    last_day, last = t.points[-1]
    lines = _front_matter(t)
    lines.append(f"# {md(t.name)} ({code(t.subject)}){notes.cite(record, t.subject)}")
    lines.append("")
    verdict_line = f"**Verdict as of {last_day.isoformat()}: {md(_status(last))}**"
    if isinstance(last, VehicleVerdict):
        verdict_line += f" — {md(last.reason)}"
    lines += [verdict_line, "", f"Interpretation: {code(last.interpretation)} (default)."
              + (" **Contested:** the readings of the law disagree on at least one date." if any(v.contested for _, v in t.points) else ""),
              ""]
    if getattr(record, "note", None):
        lines += [f"> Dataset note: {md(record.note)}", ""]
    if getattr(record, "assumed", False):
        lines += [f"> Assumption recorded in the dataset: {md(record.assumption)}", ""]
    lines += ["[Back to the index](../index.md)", ""]
    lines += ["## Timeline", ""]
    if t.kind == "vehicle":
        lines += ["| placed in service and acquired | verdict | credit (USD) | deciding rule | contested |",
                  "| --- | --- | ---: | --- | --- |"]
        for day, v in t.points:
            lines.append(f"| {day.isoformat()} | {md(_status(v))} | {v.credit_usd:,.0f} | {md(_deciding(v))} | "
                         f"{'yes' if v.contested else 'no'} |")
    else:
        lines += ["| as of | verdict | deciding rules | contested |", "| --- | --- | --- | --- |"]
        for day, v in t.points:
            lines.append(f"| {day.isoformat()} | {_status(v)} | {md(_deciding(v))} | {'yes' if v.contested else 'no'} |")
    lines.append("")
    if t.kind == "vehicle":
        links = context["vehicle_links"].get(t.subject, [])
    else:
        links = context["entity_links"].get(t.subject, [])
    if links:
        lines += ["Related reports: " + ", ".join(f"[{md(name)}](../{path})" for name, path in links), ""]
    lines += ["## Details by date", ""]
    seen: dict[str, dt.date] = {}
    for day, v in t.points:
        signature = _signature(v)
        if signature in seen:
            lines += [f"### As of {day.isoformat()}: {md(_status(v))}", "",
                      f"Same findings as on {seen[signature].isoformat()}.", ""]
            continue
        seen[signature] = day
        lines += [f"### As of {day.isoformat()}: {md(_status(v))}", ""]
        if isinstance(v, VehicleVerdict):
            lines += ["| check | outcome | detail | citation |", "| --- | --- | --- | --- |"]
            for c in v.checks:
                lines.append(f"| {md(c.name)} | {c.outcome.replace('_', ' ')} | {md(c.detail)} | {md(c.citation)} |")
            lines.append("")
            if v.findings:
                lines += _findings_table(v.findings, notes, dataset)
            lines += _vehicle_tables(v, dataset, notes)
            upstream = v.upstream
            chain_findings = [f for f in upstream if f.path_steps]
            lines += _paths_section_multi(chain_findings, dataset, notes, day, context["feoc_on"][day], governments)
            lines += _upstream_section(upstream, notes, dataset)
            changes = _vehicle_changes(v, context["transition_until"][day])
        else:
            if v.findings:
                lines += _findings_table(v.findings, notes, dataset)
            else:
                lines += ["No FEOC rule fired for this entity on this date.", ""]
            lines += _paths_section([f for f in v.findings if f.path_steps], dataset, notes, day,
                                    context["feoc_on"][day], governments, t.subject)
            lines += _upstream_section(v.upstream, notes, dataset)
            changes = _entity_changes(v, context["threshold"][day])
        for note in v.notes:
            lines.append(f"> Note: {md(note)}")
        if v.notes:
            lines.append("")
        if changes:
            lines += ["#### What would change this verdict", ""] + [f"- {c}" for c in changes] + [""]
    lines += _section_45x(t, dataset, notes)
    lines += ["## Sources", ""]
    lines += notes.render() or ["No source is recorded for the records used."]
    lines += ["", "---", "", context["footer"], ""]
    return "\n".join(lines)


def _pfe_status(findings: list[Finding]) -> str:
    kinds = {f.conclusion for f in findings}
    if kinds & {"foreign_controlled", "sfe"}:
        return "specified foreign entity" + (" and foreign-influenced" if "fie" in kinds else "")
    if "fie" in kinds:
        return "foreign-influenced entity"
    if "undetermined" in kinds:
        return "cannot be determined"
    return "not a prohibited foreign entity"


def _section_45x(t: SubjectTimeline, dataset: Dataset, notes: Footnotes) -> list[str]:
    """§45X: the entity's prohibited-foreign-entity status and the verdicts of the plants it operates."""
    if t.kind != "entity" or not t.pfe:
        return []
    lines = ["## §45X advanced manufacturing credit (prohibited foreign entities, P.L. 119-21)", "",
             "| as of | status | prongs |", "| --- | --- | --- |"]
    for day, findings in t.pfe:
        prongs = "; ".join(sorted({md(f.prong) for f in findings})) or "—"
        lines.append(f"| {day.isoformat()} | {_pfe_status(findings)} | {prongs} |")
    lines.append("")
    last_day, last = t.pfe[-1]
    if last:
        lines += [f"Findings as of {last_day.isoformat()}:", ""] + _findings_table(last, notes, dataset)
        chains = [f for f in last if f.path_steps]
        lines += _paths_section(chains, dataset, notes, last_day, set(), set(), t.subject)
    plants = [(day, vs) for day, vs in t.facilities45x if vs]
    if plants:
        lines += ["### Plants it operates", "", "| as of | facility | §45X verdict | reason | products (MACR) |",
                  "| --- | --- | --- | --- | --- |"]
        for day, verdicts in plants:
            for v in verdicts:
                refs = notes.cite(dataset.facility(v.subject), v.subject)
                products = "<br>".join(f"{md(p.product)}: {md(p.detail)}" for p in v.products) or "—"
                lines.append(f"| {day.isoformat()} | {code(v.subject)}{refs} | {v.status.replace('_', ' ')} | {md(v.reason)} | {products} |")
        lines.append("")
        missing = sorted({p.product for _, vs in plants for v in vs for p in v.products if p.outcome == "cannot_be_determined"})
        if missing:
            lines += ["#### What would change these verdicts", "",
                      f"- recording the direct material costs and suppliers (`material_inputs`) of: {', '.join(md(m) for m in missing)}",
                      ""]
    return lines


def _paths_section_multi(findings: list[Finding], dataset: Dataset, notes: Footnotes, day: dt.date,
                         feoc: set[str], governments: set[str]) -> list[str]:
    out: list[str] = []
    for subject in sorted({f.subject for f in findings}):
        out += _paths_section([f for f in findings if f.subject == subject], dataset, notes, day, feoc, governments, subject)
    return out


def _signature(v: Any) -> str:
    """What makes two dates' details identical (then the report says so instead of repeating them)."""
    if isinstance(v, VehicleVerdict):
        return repr((v.status, v.credit_usd, v.reason, [(f.rule_id, f.facts) for f in v.findings],
                     [c.as_dict() for c in v.checks], {k: h.as_dict() for k, h in v.halves.items()}, v.readings))
    return repr((v.feoc, [(f.rule_id, f.facts) for f in v.findings], [(f.subject, f.rule_id, f.facts) for f in v.upstream],
                 v.readings))


def render_index(timelines: list[SubjectTimeline], dates: list[dt.date], context: dict[str, Any]) -> str:
    """Summary: subject × date → verdict, credit amount, the rule that decided."""
    lines = ["---", "title: \"feoc compliance reports\"", f"dates: [{', '.join(d.isoformat() for d in dates)}]",
             "tags: [feoc, index]", "---", "", "# FEOC and §30D compliance reports", "",
             f"Judged as of {', '.join(d.isoformat() for d in dates)} under the default interpretation "
             f"{code(context['interpretation'])}; *contested* marks subjects on which the readings of the law disagree.",
             "", "## Vehicles (IRC §30D credit, placed in service and acquired on the date)", ""]
    header = "| vehicle | " + " | ".join(d.isoformat() for d in dates) + " |"
    lines += [header, "| --- | " + " | ".join("---" for _ in dates) + " |"]
    for t in timelines:
        if t.kind == "vehicle":
            cells = [f"{_status(v)}<br>{md(_deciding(v))}" + (" (contested)" if v.contested else "") for _, v in t.points]
            lines.append(f"| [{md(t.name)}]({report_path(t.kind, t.subject)}) ({code(t.subject)}) | " + " | ".join(cells) + " |")
    lines += ["", "## Entities (FEOC status)", "", header.replace("vehicle", "entity"),
              "| --- | " + " | ".join("---" for _ in dates) + " |"]
    for t in timelines:
        if t.kind == "entity":
            cells = [f"{_status(v)}" + (f"<br>{md(_deciding(v))}" if v.findings else "") + (" (contested)" if v.contested else "")
                     for _, v in t.points]
            lines.append(f"| [{md(t.name)}]({report_path(t.kind, t.subject)}) ({code(t.subject)}) | " + " | ".join(cells) + " |")
    days45 = [d for d, _ in next((t.facilities45x for t in timelines if t.facilities45x), [])]
    rows = sorted({(v.subject, t.subject, t.name) for t in timelines for _, vs in t.facilities45x for v in vs})
    if days45 and rows:
        lines += ["", "## Plants (§45X, the operator as taxpayer)", "",
                  "| facility | operator | " + " | ".join(d.isoformat() for d in days45) + " |",
                  "| --- | --- | " + " | ".join("---" for _ in days45) + " |"]
        for fid, operator, name in rows:
            t = next(x for x in timelines if x.subject == operator)
            cells = [next(v.status for v in vs if v.subject == fid).replace("_", " ") for _, vs in t.facilities45x]
            lines.append(f"| {code(fid)} | [{md(name)}]({report_path('entity', operator)}) | " + " | ".join(cells) + " |")
    lines += ["", "---", "", context["footer"], ""]
    return "\n".join(lines)


def footer(dataset_label: str, data_hash: str, rules_hash_: str, interpretation: str) -> str:
    return (f"Generated by feoc {__version__} from dataset {code(dataset_label)} (sha256 {code(data_hash[:16])}…) "
            f"and rules (sha256 {code(rules_hash_[:16])}…), interpretation {code(interpretation)}. "
            f"Reproduce with {code('feoc report --data ' + dataset_label)}; `feoc report --check` confirms the files are current.")
