"""What every verdict shares about the readings of the law and the facts it lacks: which readings a check
judges (all of them, or the one `--interpretation` names), whether any FEOC test is in force on the date
(feoc-law.md §7.4), the note when DOE's 2024 interpretation is applied to an earlier date, and the missing
facts named by `undetermined` findings, each with what would decide it (the rule's `remedy:`)."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from feoc.determine.findings import Finding
from feoc.law.law import Law
from feoc.verdicts.status import Missing

INTERPRETATION_FLAG = "doe_feoc_interpretation_in_force"  # rules/parameters.yaml: 89 FR 37079 in force


def reading(law: Law, name: str | None) -> str:
    """The canonical name of the reading `name` (an alias resolved), or of the default reading."""
    return law.interpretation(name).name


def judged_readings(law: Law, name: str | None) -> list[str]:
    """The readings a check judges: the one `--interpretation` names, or every canonical reading."""
    return [reading(law, name)] if name is not None else list(law.reading_names())


def first_feoc_test(law: Law) -> dt.date | None:
    """The first day a §30D FEOC rule (conclusion `feoc`) is in force (42 U.S.C. 18741(a)(5), IIJA)."""
    days = [src.rule.effective.start for src in law.rules
            if src.rule.regime == "30d" and src.rule.then.conclusion == "feoc"]
    return min(days, default=None)


def feoc_test_in_force(law: Law, day: dt.date) -> bool:
    """Whether the §30D ruleset compiled for `day` has any rule that makes an entity a FEOC."""
    return any(rule.conclusion == "feoc" for rule in law.ruleset(day, "30d").rules)


def not_in_force_reason(law: Law, day: dt.date) -> str:
    """Why a FEOC question about `day` has no answer but "not in force" (feoc-law.md §7.4)."""
    first = first_feoc_test(law)
    since = f"the first test applies from {first}" if first else "the rules define no FEOC test at all"
    return f"not in force: no foreign-entity-of-concern test exists on {day} ({since})"


def interpretation_notes(law: Law, day: dt.date) -> list[str]:
    """A note when the statute applies on `day` but DOE's interpretation (89 FR 37079) came later: feoc applies
    the 2024 interpretation to the earlier date (feoc-law.md §7.4)."""
    if INTERPRETATION_FLAG not in law.parameters or law.param(INTERPRETATION_FLAG, day):
        return []
    since = law.parameters[INTERPRETATION_FLAG].first_true()
    if since is None or not feoc_test_in_force(law, day):
        return []
    return [f"DOE's interpretation (89 FR 37079) takes effect on {since}; feoc applies it to {day}, an earlier "
            "date on which the statutory definition (42 U.S.C. 18741(a)(5)) already applied"]


class PlainRemedy(string.Formatter):
    """str.format for a remedy as plain text: `!c` quotes a value as `code`, `!w` writes snake_case as words;
    a name that is not a fact or an extra is a parameter on the finding's date. The Markdown reports' formatter
    (`render.markdown_remedy`) is this one with Markdown escaping."""

    def __init__(self, values: Mapping[str, Any], law: Law, day: dt.date) -> None:
        self._values, self._law, self._day = values, law, day

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, int):
            raise KeyError(key)
        return self._values[key] if key in self._values else self._law.parameters[key].on(self._day)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "c":
            return f"`{value}`"
        if conversion == "w":
            return str(value).replace("_", " ")
        return super().convert_field(value, conversion)


def decide_text(f: Finding, law: Law) -> str:
    """What would decide an `undetermined` finding: its rule's remedy filled in, else its explanation (which
    says what is missing)."""
    template = next((src.rule.remedy for src in law.rules if src.rule.id == f.rule_id and src.rule.remedy), None)
    if template is None:
        return f.explanation
    try:
        return PlainRemedy({**dict(f.facts), **dict(f.extras)}, law, f.on).format(" ".join(template.split()))
    except (KeyError, ValueError, IndexError, AttributeError, TypeError):  # a value missing on the date
        return f.explanation


def missing_from(findings: Iterable[Finding], law: Law) -> list[Missing]:
    """One `Missing` per distinct `undetermined` finding: whose fact, which (the rule's prong, else its title)
    and what would decide it."""
    out: list[Missing] = []
    for f in findings:
        if f.conclusion not in ("undetermined", "undetermined_product"):
            continue
        item = Missing(f.subject, f.prong or f.title, decide_text(f, law))
        if item not in out:
            out.append(item)
    return out
