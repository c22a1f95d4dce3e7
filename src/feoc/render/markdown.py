"""Markdown compliance report of one subject (GitHub and Obsidian friendly): every date's verdict in one
table first, the whole supply and ownership chain as one Mermaid diagram and as text, then each date's
detail (for a vehicle only what changed from the date before), what would change the verdict, source
footnotes and a reproducibility footer. No raw HTML: a table cell that holds several things separates them
with `;`, and each note is its own paragraph."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from feoc.data.dataset import Dataset
from feoc.render.markdown_chain import chain_section
from feoc.render.markdown_parts import (
    ReportContext,
    checked_table,
    deciding,
    findings_table,
    paths_section,
    readings_legend,
    section_45x,
    status,
    upstream_section,
    vehicle_tables,
)
from feoc.render.markdown_remedy import entity_changes, vehicle_changes
from feoc.render.markdown_shares import range_cell
from feoc.render.provenance import Footnotes
from feoc.render.sanitize import code, md, yaml_str
from feoc.render.status_words import credit_range, disagree, reading_answers
from feoc.verdicts.status import Status
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


def _heading(t: SubjectTimeline, dataset: Dataset, notes: Footnotes, context: ReportContext) -> list[str]:
    """Title, every date's verdict, the latest in a sentence, the reading, and the dataset's own note and
    assumption on the subject."""
    record = dataset.entity(t.subject) if t.kind == "entity" else dataset.vehicle(t.subject)
    last_day, last = t.points[-1]
    lines = [f"# {md(t.name)} ({code(t.subject)}){notes.cite(record, t.subject)}", ""] + _summary(t, context)
    verdict_line = f"**Latest, as of {last_day.isoformat()}: {md(status(last))}**"
    if isinstance(last, VehicleVerdict):
        verdict_line += f" — {md(last.reason)}"
    contested = any(v.contested for _, v in t.points)
    lines += [verdict_line, "", f"Interpretation: {code(last.interpretation)} (default)."
              + (" **Contested:** the readings of the law disagree on at least one date." if contested else ""), ""]
    lines += readings_legend(context.law) if contested else []
    if getattr(record, "note", None):
        lines += [f"> Dataset note: {md(record.note)}", ""]
    if getattr(record, "assumed", False):
        lines += [f"> Assumption recorded in the dataset: {md(record.assumption)}", ""]
    return lines + ["[Back to the index](../index.md)", ""]


def _readings_cell(v: TimelineVerdict) -> str:
    """Contested: each reading's answer; cannot be determined: each missing fact; else a dash."""
    if disagree(v):
        return "contested: " + "; ".join(f"{md(name)}: {md(answer)}" for name, answer in reading_answers(v))
    # a rule's prong says "cannot be determined: …" already; the cell says it once
    facts = ((m.fact.removeprefix("cannot be determined: "), m.subject) for m in v.missing)
    missing = list(dict.fromkeys(f"{md(fact)} of {code(subject)}" for fact, subject in facts))
    # a range left open shows its interval and the holdings to narrow, never only the fact's name (issue 20)
    bands = "".join(f" ({md(text)})" for text in range_cell(v.findings)) if missing else ""
    return ("missing: " + "; ".join(missing) + bands) if missing else "—"


def _summary(t: SubjectTimeline, context: ReportContext) -> list[str]:
    """Every report date in one table: the verdict in words, the credit (a contested credit as the readings'
    range), what decided it, and the readings' answers or the missing facts."""
    if t.kind == "vehicle":
        lines = ["| placed in service and acquired | verdict | credit (USD) | decided by | readings or missing facts |",
                 "| --- | --- | ---: | --- | --- |"]
    else:
        lines = ["| as of | verdict | decided by | readings or missing facts |", "| --- | --- | --- | --- |"]
    for day, v in t.points:
        # a vehicle's timeline holds §30D verdicts; a contested credit is the range of the readings' amounts
        credit = (md(_credit(v)) + " | " if isinstance(v, VehicleVerdict) else "")
        lines.append(f"| {day.isoformat()} | {md(status(v))} | {credit}{deciding(v, context.law)} | "
                     f"{_readings_cell(v)} |")
    return ["## Verdict on each date", ""] + lines + [""]


def _credit(v: VehicleVerdict) -> str:
    """The credit: one amount, a contested credit's range over the readings, `unknown` when it cannot be
    determined (the verdict's 0 is no claim)."""
    if v.status == Status.cannot_be_determined:
        return "unknown"
    return credit_range(v) if v.contested else f"{v.credit_usd:,.0f}"


def _links(t: SubjectTimeline, context: ReportContext) -> list[str]:
    links = (context.vehicle_links if t.kind == "vehicle" else context.entity_links).get(t.subject, [])
    if not links:
        return []
    return ["Related reports: " + ", ".join(f"[{md(name)}](../{path})" for name, path in links), ""]


def _notes(notes: list[str]) -> list[str]:
    """Each note its own paragraph."""
    return [line for note in notes for line in (f"> Note: {md(note)}", "")]


def _vehicle_parts(v: VehicleVerdict, day: dt.date, dataset: Dataset, notes: Footnotes,
                   context: ReportContext) -> list[tuple[str, list[str]]]:
    """A vehicle's checks, findings, tables, chains, notes and what would change its credit on one date, as
    named parts."""
    checks = ["#### Checks", "", "| check | outcome | detail | citation |", "| --- | --- | --- | --- |"]
    for c in v.checks:
        checks.append(f"| {md(c.name)} | {c.outcome.replace('_', ' ')} | {md(c.detail)} | {md(c.citation)} |")
    parts = [("checks", checks + [""])]
    if v.findings:
        parts.append(("findings", ["#### Findings", ""] + findings_table(v.findings, context.law, day)))
    parts += vehicle_tables(v, dataset, notes, context.law.vocabulary.component_labels)
    parts.append(("ownership chains", paths_section([f for f in v.upstream if f.path_steps], dataset, notes, day)))
    parts.append(("why the FEOCs are FEOCs", upstream_section(v.upstream, notes, dataset, context.law)))
    parts.append(("evidence relied on", evidence_relied_on(v)))
    parts.append(("notes", _notes(v.notes)))
    changes = vehicle_changes(v, context.remedies, context.law)
    if changes:
        parts.append(("what would change", ["#### What would change this verdict", ""] + [f"- {c}" for c in changes] + [""]))
    return [(name, lines) for name, lines in parts if lines]


def _undated(body: list[str], day: dt.date) -> list[str]:
    """A part with its own date blanked: a note saying "not on sale on 2023-01-01" says the same each date."""
    return [line.replace(day.isoformat(), "\0") for line in body]


def _unchanged(words: str, same: dict[dt.date, list[str]]) -> list[str]:
    if not same:
        return []
    return [f"{words}: " + "; ".join(f"{', '.join(names)} (shown for {d.isoformat()})" for d, names in same.items())
            + ".", ""]


def _vehicle_details(t: SubjectTimeline, dataset: Dataset, notes: Footnotes, context: ReportContext) -> list[str]:
    """Each date's detail, showing only the parts that changed from the previous date; a part unchanged (or
    changed only in naming its own date) is named with the date it is shown for, so every fact stays one
    heading away."""
    lines = ["## Details by date", "",
             "Each date shows what changed from the date before it; a part that did not change is named with "
             "the date it is shown for.", ""]
    shown: dict[str, tuple[dt.date, list[str], list[str]]] = {}
    for day, v in t.points:
        assert isinstance(v, VehicleVerdict)  # a vehicle's timeline holds §30D verdicts
        lines += [f"### As of {day.isoformat()}: {md(status(v))}", ""]
        parts = _vehicle_parts(v, day, dataset, notes, context)
        same: dict[dt.date, list[str]] = {}
        but_date: dict[dt.date, list[str]] = {}
        for name, body in parts:
            before = shown.get(name)
            if before is not None and (before[1] == body or before[2] == _undated(body, day)):
                (same if before[1] == body else but_date).setdefault(before[0], []).append(name)
                continue
            shown[name] = (day, body, _undated(body, day))
            lines += body
        gone = [name for name in shown if name not in dict(parts)]
        for name in gone:
            del shown[name]
        lines += _unchanged("Unchanged from an earlier date", same)
        lines += _unchanged("The same but for the date itself", but_date)
        lines += [f"None on this date: {', '.join(gone)}.", ""] if gone else []
    return lines


def _entity_details(v: SubjectVerdict, day: dt.date, dataset: Dataset, notes: Footnotes,
                    context: ReportContext) -> list[str]:
    """An entity's findings, ownership chains and notes on one date; and what would change its status."""
    lines = findings_table(v.findings, context.law, day) if v.findings else []
    if not any(f.interpretation == v.interpretation for f in v.findings):  # contested: the shown reading's side
        lines += checked_table(v.checked, context.law)
    lines += paths_section([f for f in v.findings if f.path_steps], dataset, notes, day)
    lines += upstream_section(v.upstream, notes, dataset, context.law) + evidence_relied_on(v) + _notes(v.notes)
    changes = entity_changes(v, context.remedies, context.law)
    return lines + (["#### What would change this verdict", ""] + [f"- {c}" for c in changes] + [""] if changes else [])


def _details(t: SubjectTimeline, dataset: Dataset, notes: Footnotes, context: ReportContext) -> list[str]:
    """Every date's findings, once: a date with the same findings as an earlier one says so instead."""
    if t.kind == "vehicle":
        return _vehicle_details(t, dataset, notes, context)
    lines = ["## Details by date", ""]
    seen: dict[str, dt.date] = {}
    for day, v in t.points:
        lines += [f"### As of {day.isoformat()}: {md(status(v))}", ""]
        assert not isinstance(v, VehicleVerdict)  # an entity's timeline holds FEOC verdicts
        signature = _signature(v)
        if signature in seen:
            lines += [f"Same findings as on {seen[signature].isoformat()}.", ""]
            continue
        seen[signature] = day
        lines += _entity_details(v, day, dataset, notes, context)
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
    """One subject's report across all report dates (footnotes numbered in order of first citation): every
    date's verdict in one table first, the whole supply and ownership chain, then each date's detail."""
    notes = Footnotes()
    lines = _front_matter(t) + _heading(t, dataset, notes, context) + _links(t, context)
    lines += chain_section(t, dataset, notes, context)
    lines += _details(t, dataset, notes, context)
    lines += section_45x(t, dataset, notes, context.law)
    lines += ["## Sources", ""] + (notes.render() or ["No source is recorded for the records used."])
    lines += ["", "---", "", context.footer, ""]
    return "\n".join(lines)


def _signature(v: SubjectVerdict) -> str:
    """What makes two dates' details of a company identical (then the report says so instead of repeating
    them; a vehicle's detail is folded part by part, `_vehicle_details`)."""
    return repr((v.feoc, v.relies_on, v.not_relied_on, [(f.rule_id, f.facts) for f in v.findings],
                 [(f.subject, f.rule_id, f.facts) for f in v.upstream],
                 v.readings, [(c.rule, c.outcome, c.detail.replace(v.on.isoformat(), ""), c.paths) for c in v.checked]))
