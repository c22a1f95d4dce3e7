"""The index of a Markdown report set: every subject × date → verdict, credit amount, deciding rule; and
the §45X verdicts of the plants the reported entities operate."""

from __future__ import annotations

import datetime as dt

from feoc.render.markdown_parts import ReportContext, deciding, report_path, status
from feoc.render.sanitize import code, md
from feoc.verdicts.facility45x import Facility45XVerdict
from feoc.verdicts.timeline import SubjectTimeline


def render_index(timelines: list[SubjectTimeline], dates: list[dt.date], context: ReportContext) -> str:
    """Summary: subject × date → verdict, credit amount, the rule that decided."""
    lines = ["---", "title: \"feoc compliance reports\"", f"dates: [{', '.join(d.isoformat() for d in dates)}]",
             "tags: [feoc, index]", "---", "", "# FEOC, §30D and §45X compliance reports", "",
             f"Judged as of {', '.join(d.isoformat() for d in dates)} under the default interpretation "
             f"{code(context.interpretation)}; *contested* marks verdicts on which the readings of the law disagree "
             "(each report lists every reading's answer), *cannot be determined* verdicts missing a fact.",
             "", "## Vehicles (IRC §30D credit, placed in service and acquired on the date)", ""]
    header = "| vehicle | " + " | ".join(d.isoformat() for d in dates) + " |"
    lines += [header, "| --- | " + " | ".join("---" for _ in dates) + " |"]
    for t in timelines:
        if t.kind == "vehicle":
            cells = [f"{status(v)}<br>{md(deciding(v))}" for _, v in t.points]
            lines.append(f"| [{md(t.name)}]({report_path(t.kind, t.subject)}) ({code(t.subject)}) | " + " | ".join(cells) + " |")
    lines += ["", "## Entities (FEOC status)", "", header.replace("vehicle", "entity"),
              "| --- | " + " | ".join("---" for _ in dates) + " |"]
    for t in timelines:
        if t.kind == "entity":
            cells = [f"{status(v)}" + (f"<br>{md(deciding(v))}" if v.findings else "")
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
            cells = [_plant_cell(next(v for v in vs if v.subject == fid)) for _, vs in t.facilities45x]
            lines.append(f"| {code(fid)} | [{md(name)}]({report_path('entity', operator)}) | " + " | ".join(cells) + " |")
    lines += ["", "---", "", context.footer, ""]
    return "\n".join(lines)


def _plant_cell(v: Facility45XVerdict) -> str:
    """A plant's §45X status on a date and, under it, each product's own status — unless the operator's status
    decided the plant (a prohibited foreign entity gets nothing, whatever its products), which is named instead."""
    head = v.status.replace("_", " ")
    if v.operator_pfe:
        return f"{head}<br>operator: {md(v.operator_status or 'a prohibited foreign entity')}"
    if v.operator_status is None or not v.products:
        return head
    return head + "<br>" + "<br>".join(f"{md(p.product)}: {p.status.replace('_', ' ')}" for p in v.products)
