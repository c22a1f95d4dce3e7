"""The index of a Markdown report set: every subject × date → verdict in words, credit amount and what
decided it (a rule's or parameter's label from rules/, never its bare id); each company's §45X status (a
prohibited foreign entity or not, P.L. 119-21); and the §45X verdicts of the plants the reported companies
operate, on every report date the §45X rules apply. No raw HTML: a cell holding several things separates
them with `;`."""

from __future__ import annotations

import datetime as dt

from feoc.render.markdown_parts import ReportContext, deciding, readings_legend, report_path, status
from feoc.render.sanitize import code, md
from feoc.verdicts.facility45x import Facility45XVerdict
from feoc.verdicts.timeline import SubjectTimeline


def _cell(words: str, why: str) -> str:
    return words if why in ("", "—") else f"{words}: {why}"


def _subjects(timelines: list[SubjectTimeline], kind: str, context: ReportContext) -> list[str]:
    """One row per subject of `kind`: its verdict on each date with what decided it, in words; a company's
    last §45X status after its dates."""
    lines = []
    for t in timelines:
        if t.kind != kind:
            continue
        cells = [_cell(md(status(v)), deciding(v, context.law, ids=False)) for _, v in t.points]
        if kind == "entity":
            cells.append(md(t.pfe_labels[t.pfe[-1][0]]) if t.pfe else "—")  # labels from rules/credit_order.yaml
        lines.append(f"| [{md(t.name)}]({report_path(t.kind, t.subject)}) ({code(t.subject)}) | " + " | ".join(cells) + " |")
    return lines


def render_index(timelines: list[SubjectTimeline], dates: list[dt.date], context: ReportContext) -> str:
    """Summary: subject × date → verdict, credit amount, what decided it; the plants' §45X verdicts."""
    lines = ["---", "title: \"feoc compliance reports\"", f"dates: [{', '.join(d.isoformat() for d in dates)}]",
             "tags: [feoc, index]", "---", "", "# FEOC, §30D and §45X compliance reports", "",
             f"Judged as of {', '.join(d.isoformat() for d in dates)} under the default interpretation "
             f"{code(context.interpretation)}; *contested* marks verdicts on which the readings of the law disagree "
             "(each report lists every reading's answer), *cannot be determined* verdicts missing a fact. "
             "Each cell gives the verdict, then what decided it.", ""] + readings_legend(context.law) + [
             "## Vehicles (IRC §30D credit, placed in service and acquired on the date)", ""]
    days = " | ".join(d.isoformat() for d in dates)
    lines += [f"| vehicle | {days} |", "| --- | " + " | ".join("---" for _ in dates) + " |"]
    lines += _subjects(timelines, "vehicle", context)
    last = max((t.pfe[-1][0] for t in timelines if t.pfe), default=None)
    pfe_head = f"§45X status ({last.isoformat()})" if last else "§45X status"
    lines += ["", "## Companies (FEOC status, and §45X prohibited-foreign-entity status)", "",
              f"| company | {days} | {pfe_head} |", "| --- | " + " | ".join("---" for _ in dates) + " | --- |"]
    lines += _subjects(timelines, "entity", context)
    lines += _plants(timelines, dates, context.law.vocabulary.component_labels)
    lines += ["", "---", "", context.footer, ""]
    return "\n".join(lines)


def _plants(timelines: list[SubjectTimeline], dates: list[dt.date], labels: dict[str, str]) -> list[str]:
    """One row per plant a reported company operates: its §45X verdict on each report date the §45X rules
    apply to some taxpayer (earlier dates are named, not shown: nothing to judge)."""
    days45 = [d for d, _ in next((t.facilities45x for t in timelines if t.facilities45x), [])]
    rows = sorted({(v.subject, v.name, t.subject, t.name) for t in timelines for _, vs in t.facilities45x for v in vs})
    if not days45 or not rows:
        return []
    before = [d.isoformat() for d in dates if d < days45[0]]
    lines = ["", "## Plants (IRC §45X advanced manufacturing credit, the operator as taxpayer)", ""]
    if before:
        lines += [f"The §45X prohibited-foreign-entity rules do not apply yet on {', '.join(before)}: those dates "
                  "are left out.", ""]
    lines += ["| plant | operator | " + " | ".join(d.isoformat() for d in days45) + " |",
              "| --- | --- | " + " | ".join("---" for _ in days45) + " |"]
    for fid, plant, operator, name in rows:
        t = next(x for x in timelines if x.subject == operator)
        cells = [_plant_cell(next(v for v in vs if v.subject == fid), labels) for _, vs in t.facilities45x]
        link = f"[{md(name)}]({report_path('entity', operator)})"
        lines.append(f"| {md(plant)} ({code(fid)}) | {link} | " + " | ".join(cells) + " |")
    return lines


def _plant_cell(v: Facility45XVerdict, labels: dict[str, str]) -> str:
    """A plant's §45X status on a date and after it each product in words (its label in rules/vocabulary.yaml)
    with its own status where that differs from the plant's — unless the operator's status decided the plant (a
    prohibited foreign entity gets nothing, whatever its products), which is named instead."""
    head = v.status.replace("_", " ")
    if v.operator_pfe:
        return f"{head}: operator {md(v.operator_status or 'a prohibited foreign entity')}"
    if v.operator_status is None or not v.products:
        return head
    words = [md(labels.get(p.product, p.product.replace("_", " "))) for p in v.products]
    return head + ": " + "; ".join(w if p.status == v.status else f"{w} {p.status.replace('_', ' ')}"
                                   for w, p in zip(words, v.products, strict=True))
