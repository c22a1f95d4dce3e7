"""Plain-text rendering of verdicts for the terminal: the verdict first, then each finding with its citation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from feoc.render.sanitize import terminal
from feoc.render.status_words import credit_range, disagree, reading_answers, words

if TYPE_CHECKING:  # annotations only: an entity check need not import the credit and §45X modules
    from feoc.determine.findings import Finding
    from feoc.render.base import CheckView, ValidateView
    from feoc.verdicts.checked import Checked
    from feoc.verdicts.facility45x import Facility45XVerdict
    from feoc.verdicts.subject import SubjectVerdict
    from feoc.verdicts.vehicle import VehicleVerdict


def _joined(lines: list[str]) -> str:
    """Each line the renderer made stays one terminal line: a name holding an escape, `\r`, U+202E or a line
    break cannot clear the screen, set the clipboard, overprint or forge a line of its own."""
    return "\n".join(map(terminal, lines))


def _finding_lines(n: int, f: Finding, explain: bool, shown: str = "") -> list[str]:
    lines = [f"  {n}. [{f.rule_id}] {f.title}"]
    if shown and f.interpretation != shown:  # a contested verdict: what decided another reading
        lines.append(f"     under reading: {f.interpretation}")
    lines += [f"     why: {f.explanation}", f"     citation: {f.citation}"]
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


def _pfe_lines(n: int, f: Finding, explain: bool) -> list[str]:
    """A §45X finding (`verdicts.pfe_reasons.PfeFinding`): once, each measure's figure on one line, and the
    chain from the holders it names to their root reasons."""
    lines = _finding_lines(n, f, explain)
    measures = getattr(f, "measures", ())
    if len(measures) > 1:
        lines.insert(2, "     measures: " + ", ".join(m.words() for m in measures))
    lines += [f"     chain: {text}" for text in getattr(f, "chain_texts", list)()]
    return lines


def checked_lines(checked: list[Checked], explain: bool, reading: str = "") -> list[str]:
    """What was checked, prong by prong (negative evidence, `verdicts.checked`), for a verdict with no finding
    (under `reading`, when a contested verdict also shows other readings' findings)."""
    under = f" under reading {reading}" if reading else ""
    lines = [f"checked{under} (no rule fired; each prong in force on this date and what was looked at):"]
    for c in checked:
        lines.append(f"  [{c.outcome}] {c.rule}: {c.prong} — {c.detail}")
        lines += [f"     path: {p}" for p in c.paths]
        if explain:
            lines.append(f"     citation: {c.citation}")
    return lines if checked else ["checked: no FEOC rule is in force on this date"]


def _upstream_lines(heading: str, upstream: list[Finding], limit: int = 50, shown: str = "") -> list[str]:
    """Why the subjects named in a verdict's findings (holders, operators, licensors) are what they are (a
    contested verdict's other readings named)."""
    lines = [heading]
    for i, f in enumerate(upstream[:limit], 1):
        under = f" (under reading {f.interpretation})" if shown and f.interpretation != shown else ""
        lines.append(f"  {i}. {f.subject}{under}: [{f.rule_id}] {f.explanation}")
        measures = getattr(f, "measures", ())  # a §45X finding merged over its measures (verdicts.pfe_reasons)
        if len(measures) > 1:
            lines.append("     measures: " + ", ".join(m.words() for m in measures))
        lines.append(f"     citation: {f.citation}")
        for p in f.paths[:3]:
            lines.append(f"     path: {p}")
    return lines


_SUBJECT_HEAD = {  # (kind, status) → the verdict's first words
    ("entity", "feoc"): "IS a foreign entity of concern",
    ("entity", "not_feoc"): "is NOT a foreign entity of concern",
    ("facility", "feoc"): "has activities performed by a foreign entity of concern",
    ("facility", "not_feoc"): "has no activity performed by a foreign entity of concern",
}


def _subject_head(v: SubjectVerdict) -> str:
    if (v.kind, v.status) in _SUBJECT_HEAD:
        return _SUBJECT_HEAD[(v.kind, v.status)]
    whether = "it is a FEOC" if v.kind == "entity" else "its activities are performed by a FEOC"
    what = {"cannot_be_determined": f"CANNOT BE DETERMINED (a fact is missing): whether {whether}",
            "contested": f"is CONTESTED: the readings of the law disagree whether {whether}",
            "not_in_force": "NOT IN FORCE: no foreign-entity-of-concern test"}
    return what.get(v.status, v.status.upper())


def _readings_lines(v: Any, shown: str) -> list[str]:
    """Which reading the details are under, and each reading's answer when they disagree (one line each)."""
    lines = [f"interpretation: {shown}" + (" (details below are this reading's)" if len(v.readings) > 1 else "")]
    if disagree(v):
        lines.append("readings:")
        lines += [f"  {name}: {answer}" for name, answer in reading_answers(v)]
    return lines


def _missing_lines(v: Any) -> list[str]:
    """Each missing fact, whose, and what would decide it."""
    return [f"missing: {m.subject}: {m.fact} — to decide: {m.decide}" for m in v.missing]


def reliance_lines(relies_on: list[dict[str, Any]], not_relied_on: list[dict[str, Any]]) -> list[str]:
    """The text lines: each attestation relied on (document, signer, date) and each refused with why."""
    def head(a: dict[str, Any]) -> str:
        subject = ", ".join(f"{k} {v}" for k, v in a["about"].items())
        until = f", until {a['until']}" if a.get("until") else ""
        return f"attestation {a['attestation']} ({a['document']}, signed by {a['by']} on {a['signed']}{until}) " \
               f"about {subject}"
    def parts(a: dict[str, Any]) -> str:
        return f"; it decides {', '.join(a['parts'])}" if a.get("parts") else ""
    return ([f"relies on: {head(a)}: {a['claim']} (26 CFR 1.30D-6(b)){parts(a)}" for a in relies_on]
            + [f"not relied on: {head(a)}: {a['why']}" for a in not_relied_on])


def render_verdict(v: SubjectVerdict, explain: bool = False) -> str:
    lines = [f"{v.subject} ({v.name}) {_subject_head(v)} as of {v.on.isoformat()}",
             *_readings_lines(v, v.interpretation), *_missing_lines(v), *reliance_lines(v.relies_on, v.not_relied_on)]
    for note in v.notes:
        lines.append(f"note: {note}")
    if v.kind == "facility":
        for activity, feoc in sorted(v.activities.items()):
            lines.append(f"  activity {activity}: {'performed by a FEOC' if feoc else 'not performed by a FEOC'}")
    if v.findings:
        lines.append("findings:")
        for i, f in enumerate(v.findings, 1):
            lines.extend(_finding_lines(i, f, explain, v.interpretation))
    if not any(f.interpretation == v.interpretation for f in v.findings):
        lines += checked_lines(v.checked, explain, v.interpretation if v.findings else "")
    if explain and v.upstream:
        lines += _upstream_lines("why the holders, operators and licensors named above are FEOCs:", v.upstream,
                                 shown=v.interpretation)
    return _joined(lines)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2%}"


def _vehicle_head(v: VehicleVerdict) -> str:
    if v.eligible:
        return f"ELIGIBLE for {v.credit_usd:,.0f} USD"
    if v.contested:
        return f"CONTESTED: {credit_range(v)} depending on the reading of the law"
    if v.status in ("cannot_be_determined", "not_in_force"):
        return words(v.status).upper()
    return "NOT eligible" + (f" ({words(v.status)})" if v.status == "terminated" else "")


def _vehicle_reason(v: VehicleVerdict) -> str:
    """The reason line: the shown reading's reason, named as that reading's when the verdict is *cannot be
    determined* for another reading (4 takes precedence), so "CANNOT BE DETERMINED" is never followed by a bare
    "reason: eligible for 7,500 USD"."""
    shown = v.readings.get(v.interpretation)
    if v.status == "cannot_be_determined" and shown is not None and shown[0] != "cannot_be_determined":
        return f"reason under {v.interpretation} (another reading cannot be determined; see missing): {v.reason}"
    return f"reason: {v.reason}"


def render_vehicle(v: VehicleVerdict, explain: bool = False) -> str:
    """The credit verdict first, then checks, the two halves, the excluded parts and their FEOC chains."""
    lines = [f"{v.subject} ({v.name}) {_vehicle_head(v)} — placed in service {v.on.isoformat()}, "
             f"acquired {v.acquired.isoformat()}", _vehicle_reason(v), *_readings_lines(v, v.interpretation),
             *_missing_lines(v), *reliance_lines(v.relies_on, v.not_relied_on)]
    lines.append("checks:")
    for c in v.checks:
        lines.append(f"  [{c.outcome}] {c.name}: {c.detail}")
        if explain:
            lines.append(f"     citation: {c.citation}")
    lines.append("sourcing halves:")
    for name, h in v.halves.items():
        label = name.replace("_", " ")
        if not h.in_force:
            lines.append(f"  {label}: requirement not in force on this date")
            continue
        outcome = "met" if h.meets else "cannot be determined" if h.missing else "not met"
        lines.append(f"  {label}: {_pct(h.share)} qualifying ({h.qualifying_value_usd:,.0f} of {h.total_value_usd:,.0f} USD) "
                     f"vs {_pct(h.threshold)} required — {outcome}, {h.amount_usd:,.0f} USD")
    shown = [f for f in v.findings if f.conclusion != "qualifying_half" or explain]
    if shown:
        lines.append("findings:")
        for i, f in enumerate(shown, 1):
            lines.extend(_finding_lines(i, f, explain, v.interpretation))
    if v.upstream:
        lines += _upstream_lines("why those plants are FEOC-operated:", v.upstream, 50 if explain else 6,
                                 v.interpretation)
    if explain:
        lines.append("components:")
        for r in v.components:
            lines.append(f"  {r['component']} {r['step']} at {r['facility']} ({r['country']}, {r['operator']}): "
                         f"{'FEOC' if r['feoc'] else 'not FEOC'}, {r['value_usd']:,.0f} USD"
                         f"{' (assumed)' if r['assumed'] else ''}")
        lines.append("critical minerals:")
        for r in v.minerals:
            lines.append(f"  {r['mineral']} {r['step']} at {r['facility']} ({r['country']}, {r['operator']}): "
                         f"{'FEOC' if r['feoc'] else 'not FEOC'}, {r['value_usd']:,.0f} USD"
                         f"{', impracticable to trace' if r['impracticable_to_trace'] else ''}"
                         f"{' (assumed)' if r['assumed'] else ''}")
    for note in v.notes:
        lines.append(f"note: {note}")
    return _joined(lines)


def render_facility_45x(v: Facility45XVerdict, explain: bool = False) -> str:
    """The §45X verdict first, then the operator's prohibited-foreign-entity findings and each product's MACR."""
    lines = [f"{v.subject} ({v.name}) §45X: {v.status.replace('_', ' ').upper()} as of {v.on.isoformat()}",
             f"reason: {v.reason}", *_missing_lines(v)]
    if v.operator_status is not None:  # None: not judged (rules not in force, the record misses the date, abroad)
        open_ = any(f.conclusion == "undetermined" for f in v.operator_findings)
        lines.append(f"operator (taxpayer): {v.operator} — " + (
            f"a prohibited foreign entity ({v.operator_status})" if v.operator_pfe
            else "cannot be determined on the data given" if open_
            else "not a prohibited foreign entity on the data given"))
    if v.operator_findings:
        lines.append("operator findings:")
        for i, f in enumerate(v.operator_findings, 1):
            lines.extend(_pfe_lines(i, f, explain))
    elif v.checked:
        lines += ["operator " + line if i == 0 else line for i, line in enumerate(checked_lines(v.checked, explain))]
    if v.products:
        lines.append("products (material assistance cost ratio"
                     + ("; not needed: the operator is a prohibited foreign entity):" if v.operator_pfe else "):"))
        for p in v.products:
            lines.append(f"  {p.product}: {p.status.replace('_', ' ')} — {p.detail}")
    if v.findings:
        lines.append("material assistance findings:")
        for i, f in enumerate(v.findings, 1):
            lines.extend(_finding_lines(i, f, explain))
    if explain and v.upstream:
        lines += _upstream_lines("why the holders named above are specified foreign entities:", v.upstream)
    for note in v.notes:
        lines.append(f"note: {note}")
    return _joined(lines)


# a checked verdict's kind (feoc.verdicts.status.Verdict.kind) → its text
_BY_KIND: dict[str, Callable[[Any, bool], str]] = {
    "entity": render_verdict, "facility": render_verdict, "vehicle": render_vehicle,
    "facility45x": render_facility_45x}


def check(view: CheckView) -> str:
    """`feoc check` as text: the verdict first, then why; `--explain` adds facts, parameters and upstream findings."""
    return _BY_KIND[view.verdict.kind](view.verdict, view.explain) + "\n"


def validate(view: ValidateView) -> str:
    """`feoc validate` as text: the entries not read, then every problem and their count (the CLI writes them
    on stderr, exit 2), or the warnings and `DIR: valid — counts` (stdout, exit 0)."""
    lines = [f"skipped: {line}" for line in view.skipped]
    if view.problems:
        lines += [str(p) for p in view.problems]
        # validate only reads: "nothing was written" (the importers' and convert's line) would mislead here
        lines.append(f"{len(view.problems)} problem(s) found: fix each where it says, then run `feoc validate` again.")
        return _joined(lines) + "\n"
    lines += [f"warning: {w if w.file else w.message}" for w in view.warnings]
    counts = ", ".join(f"{n} {kind}" for kind, n in view.counts.items())
    note = f"; {len(view.skipped)} path(s) not read (listed above)" if view.skipped else ""
    note += f"; {len(view.warnings)} warning(s) (listed above)" if view.warnings else ""
    lines.append(f"{view.data}: valid — {counts}{note}")
    return _joined(lines) + "\n"
