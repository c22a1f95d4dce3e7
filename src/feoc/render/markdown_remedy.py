""""What would change this verdict" in a Markdown report: each finding's rule says it in its `remedy:`
template (rules/), filled in here from the finding's facts and extras as its `explain` is, and from the
law's parameters on the date; the rest (sourcing shares, termination, contested readings) from the verdict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from feoc.render.sanitize import code, md
from feoc.render.status_words import reading_answers
from feoc.verdicts.readings import PlainRemedy

if TYPE_CHECKING:
    from feoc.determine.findings import Finding
    from feoc.law.law import Law
    from feoc.verdicts.subject import SubjectVerdict
    from feoc.verdicts.vehicle import VehicleVerdict


class _Markup(str):
    """Text already in Markdown form (a code span): not escaped again."""


class _RemedyFormatter(PlainRemedy):
    """str.format for a Markdown report: every value is escaped as inline text, `!c` makes a code span and
    `!w` writes a snake_case word with spaces; names not among the facts and extras are parameters on the day."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "c":
            return _Markup(code(value))
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> str:
        return str(value) if isinstance(value, _Markup) else md(format(value, format_spec))


def remedy(f: Finding, template: str, law: Law) -> str:
    """The rule's remedy for this finding (the template's own whitespace folded, as `explain`'s is)."""
    values = {**dict(f.facts), **dict(f.extras)}
    try:
        return _RemedyFormatter(values, law, f.on).format(" ".join(template.split()))
    except (KeyError, ValueError, IndexError, AttributeError, TypeError) as exc:  # a value missing on the date
        return f"{md(f.title)} (remedy template error: {md(exc)})"


def _unique(out: list[str]) -> list[str]:
    return sorted(set(out), key=out.index)


def entity_changes(v: SubjectVerdict, remedies: Mapping[str, str], law: Law) -> list[str]:
    """What would change an entity's verdict: each finding's remedy, then guidance on a contested reading."""
    out = [remedy(f, remedies[f.rule_id], law) for f in v.findings if f.rule_id in remedies]
    said = {(f.subject, f.prong) for f in v.findings if f.rule_id in remedies}  # a remedy above says it already
    out += [f"{md(m.subject)}: {md(m.decide)}" for m in v.missing if (m.subject, m.fact) not in said]
    if v.contested:
        out.append("guidance settling the contested reading (rules/interpretations.yaml): "
                   + ", ".join(f"{md(k)}: {answer}" for k, answer in reading_answers(v)))
    return _unique(out)


def vehicle_changes(v: VehicleVerdict, remedies: Mapping[str, str], law: Law) -> list[str]:
    """What would change a vehicle's credit: each finding's remedy, the sourcing halves short of their
    percentage, and guidance on a contested reading; nothing once the credit has ended."""
    out = [remedy(f, remedies[f.rule_id], law) for f in v.findings if f.rule_id in remedies]
    for name, h in v.halves.items():
        if h.in_force and not h.meets and h.threshold is not None:
            now = "no value recorded" if h.share is None else f"{h.share:.2%}"
            out.append(f"raising the {name.replace('_', ' ')} qualifying share to {h.threshold:.0%} (now {now})")
    ended = [s.remedy for s in law.credit_order.steps_30d if s.remedy and s.decides_as == v.deciding_rule]
    out += [f"{md(m.fact)}: {md(m.decide)}" for m in v.missing]  # each fact the order could not decide
    if ended:  # a step that ends the credit outright (the acquisition deadline): its remedy replaces the rest
        out = ended
    if v.contested:
        out.append("guidance settling the contested reading: "
                   + ", ".join(f"{md(k)}: {md(answer)}" for k, answer in reading_answers(v)))
    return _unique(out)
