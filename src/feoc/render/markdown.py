"""Markdown compliance report of one subject (GitHub and Obsidian friendly): the verdict first, then the
timeline, the findings with citations, the ownership chains as Mermaid diagrams and as text, the component
and mineral tables for vehicles, what would change the verdict, source footnotes and a reproducibility footer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from feoc.data.dataset import Dataset
from feoc.render.markdown_parts import (
    ReportContext,
    checked_table,
    deciding,
    findings_table,
    paths_section,
    paths_section_multi,
    section_45x,
    status,
    upstream_section,
    vehicle_tables,
)
from feoc.render.markdown_remedy import entity_changes, vehicle_changes
from feoc.render.provenance import Footnotes
from feoc.render.sanitize import code, md, yaml_str
from feoc.render.status_words import credit_range, disagree, reading_answers
from feoc.verdicts.vehicle import VehicleVerdict

if TYPE_CHECKING:
    from feoc.verdicts.subject import SubjectVerdict
    from feoc.verdicts.timeline import SubjectTimeline, TimelineVerdict


def _front_matter(t: SubjectTimeline) -> list[str]:
    last_day, last = t.points[-1]
    tags = ["feoc", t.kind] + (["contested"] if any(v.contested for _, v in t.points) else [])
    verdicts = ", ".join(f"{d.isoformat()}: {yaml_str(status(v))}" for d, v in t.points)
    return ["---", f"subject: {yaml_str(t.subject)}", f"name: {yaml_str(t.name)}", f"kind: {t.kind}",
            f"date: {last_day.isoformat()}", f"verdict: {yaml_str(status(last))}", f"verdicts: {{{verdicts}}}",
            f"tags: [{', '.join(tags)}]", "---", ""]


def _heading(t: SubjectTimeline, dataset: Dataset, notes: Footnotes) -> list[str]:
    """Title, the latest verdict and reading, and the dataset's own note and assumption on the subject."""
    record = dataset.entity(t.subject) if t.kind == "entity" else dataset.vehicle(t.subject)
    last_day, last = t.points[-1]
    lines = [f"# {md(t.name)} ({code(t.subject)}){notes.cite(record, t.subject)}", ""]
    verdict_line = f"**Verdict as of {last_day.isoformat()}: {md(status(last))}**"
    if isinstance(last, VehicleVerdict):
        verdict_line += f" — {md(last.reason)}"
    contested = any(v.contested for _, v in t.points)
    lines += [verdict_line, "", f"Interpretation: {code(last.interpretation)} (default)."
              + (" **Contested:** the readings of the law disagree on at least one date." if contested else ""), ""]
    if getattr(record, "note", None):
        lines += [f"> Dataset note: {md(record.note)}", ""]
    if getattr(record, "assumed", False):
        lines += [f"> Assumption recorded in the dataset: {md(record.assumption)}", ""]
    return lines + ["[Back to the index](../index.md)", ""]


def _readings_cell(v: TimelineVerdict) -> str:
    """`no` when the readings agree, else `yes:` and each reading's answer."""
    if not disagree(v):
        return "no"
    return "yes: " + "; ".join(f"{md(name)}: {md(answer)}" for name, answer in reading_answers(v))


def _timeline(t: SubjectTimeline, context: ReportContext) -> list[str]:
    """The verdict on every report date, then links to the related reports."""
    lines = ["## Timeline", ""]
    if t.kind == "vehicle":
        lines += ["| placed in service and acquired | verdict | credit (USD) | deciding rule | contested |",
                  "| --- | --- | ---: | --- | --- |"]
        for day, v in t.points:
            # a vehicle's timeline holds §30D verdicts; a contested credit is the range of the readings' amounts
            credit = (credit_range(v) if v.contested else f"{v.credit_usd:,.0f}") if isinstance(v, VehicleVerdict) else ""
            lines.append(f"| {day.isoformat()} | {md(status(v))} | {md(credit)} | {md(deciding(v))} | "
                         f"{_readings_cell(v)} |")
    else:
        lines += ["| as of | verdict | deciding rules | contested |", "| --- | --- | --- | --- |"]
        for day, v in t.points:
            lines.append(f"| {day.isoformat()} | {status(v)} | {md(deciding(v))} | {_readings_cell(v)} |")
    lines.append("")
    links = (context.vehicle_links if t.kind == "vehicle" else context.entity_links).get(t.subject, [])
    if links:
        lines += ["Related reports: " + ", ".join(f"[{md(name)}](../{path})" for name, path in links), ""]
    return lines


def _vehicle_details(v: VehicleVerdict, day: dt.date, dataset: Dataset, notes: Footnotes,
                     context: ReportContext) -> tuple[list[str], list[str]]:
    """A vehicle's checks, findings, tables and FEOC chains on one date; and what would change its credit."""
    lines = ["| check | outcome | detail | citation |", "| --- | --- | --- | --- |"]
    for c in v.checks:
        lines.append(f"| {md(c.name)} | {c.outcome.replace('_', ' ')} | {md(c.detail)} | {md(c.citation)} |")
    lines.append("")
    if v.findings:
        lines += findings_table(v.findings, notes, dataset)
    lines += vehicle_tables(v, dataset, notes)
    chain_findings = [f for f in v.upstream if f.path_steps]
    lines += paths_section_multi(chain_findings, dataset, notes, day, context.feoc_on[day], context.governments)
    lines += upstream_section(v.upstream, notes, dataset)
    return lines, vehicle_changes(v, context.remedies, context.law)


def _entity_details(v: SubjectVerdict, t: SubjectTimeline, day: dt.date, dataset: Dataset, notes: Footnotes,
                    context: ReportContext) -> tuple[list[str], list[str]]:
    """An entity's findings and ownership chains on one date; and what would change its status."""
    lines = findings_table(v.findings, notes, dataset) if v.findings else []
    if not any(f.interpretation == v.interpretation for f in v.findings):  # contested: the shown reading's side
        lines += checked_table(v.checked)
    lines += paths_section([f for f in v.findings if f.path_steps], dataset, notes, day,
                           context.feoc_on[day], context.governments, t.subject)
    lines += upstream_section(v.upstream, notes, dataset)
    return lines, entity_changes(v, context.remedies, context.law)


def _details(t: SubjectTimeline, dataset: Dataset, notes: Footnotes, context: ReportContext) -> list[str]:
    """Every date's findings, once: a date with the same findings as an earlier one says so instead."""
    lines = ["## Details by date", ""]
    seen: dict[str, dt.date] = {}
    for day, v in t.points:
        lines += [f"### As of {day.isoformat()}: {md(status(v))}", ""]
        signature = _signature(v)
        if signature in seen:
            lines += [f"Same findings as on {seen[signature].isoformat()}.", ""]
            continue
        seen[signature] = day
        if isinstance(v, VehicleVerdict):
            shown, changes = _vehicle_details(v, day, dataset, notes, context)
        else:
            shown, changes = _entity_details(v, t, day, dataset, notes, context)
        lines += shown + evidence_relied_on(v) + [f"> Note: {md(note)}" for note in v.notes] + ([""] if v.notes else [])
        if changes:
            lines += ["#### What would change this verdict", ""] + [f"- {c}" for c in changes] + [""]
    return lines


def evidence_relied_on(v: TimelineVerdict) -> list[str]:
    """Issue 20: the attestations this date's verdict relies on (26 CFR 1.30D-6(b)) and those it does not, with why
    (self-contained: the report layout is another helper's)."""
    relied = [a for a in getattr(v, "relies_on", ()) if "attestation" in a]
    refused = [a for a in getattr(v, "not_relied_on", ()) if "attestation" in a]
    if not relied and not refused:
        return []

    def said(a: dict) -> str:
        about = ", ".join(f"{k} {code(str(x))}" for k, x in a["about"].items())
        return (f"attestation {code(a['attestation'])} ({md(a['document'])}), signed by {code(a['by'])} on "
                f"{a['signed']}" + (f" until {a['until']}" if a.get("until") else "") + f", about {about}")
    return (["#### Evidence relied on", ""] + [f"- relied on: {said(a)}" for a in relied]
            + [f"- not relied on: {said(a)} — {md(a['why'])}" for a in refused] + [""])


def render_subject(t: SubjectTimeline, dataset: Dataset, context: ReportContext) -> str:
    """One subject's report across all report dates (footnotes numbered in order of first citation)."""
    notes = Footnotes()
    lines = _front_matter(t) + _heading(t, dataset, notes) + _timeline(t, context)
    lines += _details(t, dataset, notes, context)
    lines += section_45x(t, dataset, notes)
    lines += ["## Sources", ""] + (notes.render() or ["No source is recorded for the records used."])
    lines += ["", "---", "", context.footer, ""]
    return "\n".join(lines)


def _signature(v: TimelineVerdict) -> str:
    """What makes two dates' details identical (then the report says so instead of repeating them)."""
    if isinstance(v, VehicleVerdict):
        return repr((v.status, v.credit_usd, v.reason, [(f.rule_id, f.facts) for f in v.findings],
                     [c.as_dict() for c in v.checks], {k: h.as_dict() for k, h in v.halves.items()}, v.readings,
                     v.relies_on, v.not_relied_on))
    return repr((v.feoc, v.relies_on, v.not_relied_on,
                 [(f.rule_id, f.facts) for f in v.findings], [(f.subject, f.rule_id, f.facts) for f in v.upstream],
                 v.readings, [(c.rule, c.outcome, c.detail.replace(v.on.isoformat(), ""), c.paths) for c in v.checked]))
