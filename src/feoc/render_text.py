"""Plain-text rendering of verdicts for the terminal: the verdict first, then each finding with its citation."""

from __future__ import annotations

from .determine import Finding
from .verdicts import Verdict


def _finding_lines(n: int, f: Finding, explain: bool) -> list[str]:
    lines = [f"  {n}. [{f.rule_id}] {f.title}",
             f"     why: {f.explanation}",
             f"     citation: {f.citation}"]
    for p in f.paths[: (8 if explain else 3)]:
        lines.append(f"     path: {p}")
    if explain:
        facts = ", ".join(f"{k}={v}" for k, v in f.facts)
        lines.append(f"     facts: {facts}")
        if f.params:
            lines.append("     parameters: " + ", ".join(f"{k}={list(v) if isinstance(v, tuple) else v}" for k, v in f.params))
    if f.unconfirmed:
        lines.append(f"     UNCONFIRMED: {' '.join(f.unconfirmed.split())}")
    return lines


def render_verdict(v: Verdict, explain: bool = False) -> str:
    if v.kind == "entity":
        head = "IS a foreign entity of concern" if v.feoc else "is NOT a foreign entity of concern"
    else:
        head = ("has activities performed by a foreign entity of concern" if v.feoc
                else "has no activity performed by a foreign entity of concern")
    lines = [f"{v.subject} ({v.name}) {head} as of {v.on.isoformat()}",
             f"interpretation: {v.interpretation}"]
    if v.contested:
        readings = "; ".join(f"{name}: {'FEOC' if feoc else 'not FEOC'}" for name, feoc in sorted(v.readings.items()))
        lines.append(f"CONTESTED: the readings of the law disagree ({readings})")
    for note in v.notes:
        lines.append(f"note: {note}")
    if v.kind == "facility":
        for activity, feoc in sorted(v.activities.items()):
            lines.append(f"  activity {activity}: {'performed by a FEOC' if feoc else 'not performed by a FEOC'}")
    if v.findings:
        lines.append("findings:")
        for i, f in enumerate(v.findings, 1):
            lines.extend(_finding_lines(i, f, explain))
    else:
        lines.append("findings: none — no FEOC rule fired for this subject on this date")
    if explain and v.upstream:
        lines.append("why the holders, operators and licensors named above are FEOCs:")
        for i, f in enumerate(v.upstream, 1):
            lines.append(f"  {i}. {f.subject}: [{f.rule_id}] {f.explanation}")
            lines.append(f"     citation: {f.citation}")
            for p in f.paths[:3]:
                lines.append(f"     path: {p}")
    return "\n".join(lines)
