"""Findings: each rule firing, with everything a reader needs to check it by hand, and the recorder that
turns an evaluator's firings into findings and keeps the status each conclusion reached.

The conclusions and their subjects are the rules' (`rules/`); a `feoc` conclusion reached through a
licence that names the activities it covers makes the licensee a FEOC for those activities only
(26 CFR 1.30D-6; DOE 89 FR 37079, effective control through licences).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from feoc.determine.facts import ALL_NATIONS_GROUP, FEOC_GROUP, holders_nation
from feoc.engine.evaluators import Evaluator
from feoc.law.compile import CompiledRuleset

MEASURE_LABEL = {"equity": "equity", "voting": "voting rights", "board_seats": "board seats"}
# the fact fields that tell two findings of one rule and subject apart
FINDING_KEY = ("measure", "holders", "activity", "agreement", "right", "list", "component", "mineral", "step",
               "battery", "holding")


@dataclass(frozen=True)
class Finding:
    """One rule firing, with everything a reader needs to check it by hand."""

    rule_id: str
    title: str
    citation: str
    conclusion: str
    prong: str
    subject: str
    subject_name: str
    on: dt.date
    interpretation: str
    facts: tuple[tuple[str, Any], ...]
    template: str  # the rule's `explain`, filled in from the facts and `extras` when first read
    extras: tuple[tuple[str, Any], ...] = ()
    paths: tuple[str, ...] = ()
    path_sources: tuple[str, ...] = ()
    path_steps: tuple[tuple[tuple[str, float, bool], ...], ...] = ()  # per path: (holder, share, controlled), top first
    unconfirmed: str | None = None
    params: tuple[tuple[str, Any], ...] = ()
    round: int = 0

    def fact(self, name: str) -> Any:
        return dict(self.facts).get(name)

    @functools.cached_property
    def explanation(self) -> str:
        """The rule's explanation for this firing (built on demand: a bulk run builds findings by the 100,000)."""
        try:
            return " ".join(self.template.format(**{**dict(self.facts), **dict(self.extras)}).split())
        except (KeyError, ValueError, IndexError, TypeError) as exc:  # a value missing on the date (law/templates.py)
            return f"{self.title} (explain template error: {exc})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id, "title": self.title, "citation": self.citation, "conclusion": self.conclusion,
            "prong": self.prong, "subject": self.subject, "subject_name": self.subject_name, "on": self.on.isoformat(),
            "interpretation": self.interpretation, "facts": dict(self.facts), "explanation": self.explanation,
            "paths": list(self.paths), "unconfirmed": self.unconfirmed,
            "parameters": {k: list(v) if isinstance(v, tuple) else v for k, v in self.params},
        }


class Recorder:
    """Evaluates batches of facts and records each firing as a finding (the last firing of the same rule,
    subject and distinguishing fields wins); `status` maps each conclusion to the subjects reaching it."""

    def __init__(self, ruleset: CompiledRuleset, ev: Evaluator, day: dt.date, interpretation: str,
                 names: dict[str, str], threshold: Any, scope: dict[str, Sequence[str]]):
        self.ruleset, self.ev, self.day, self.interpretation = ruleset, ev, day, interpretation
        self.names, self.threshold, self._scope = names, threshold, scope
        self.findings: dict[tuple, Finding] = {}
        self.status: dict[str, set[str]] = {}  # conclusion -> subjects it was reached for
        self.feoc: set[str] = set()
        self.scoped: dict[str, set[str]] = {}  # licensee -> activities a licensor effectively controls
        self.never: frozenset[str] = frozenset()  # never FEOCs: attested in the worst case (determine.attestations)

    def fire(self, facts: list[dict[str, Any]], round: int) -> None:
        for rule_id, index in self.ev.evaluate(self.ruleset, facts):
            self._record(self.ruleset.rule(rule_id), facts[index], round)

    def reached(self, conclusion: str) -> set[str]:
        return self.status.get(conclusion, set())

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings.values(), key=lambda f: (f.subject, f.rule_id, f.facts))

    def _record(self, rule: Any, fact: dict[str, Any], round: int) -> None:
        src = rule.source.rule
        subject = fact["subject"]
        shown = {k: v for k, v in fact.items() if k != "kind"}
        extras = (("subject_name", self.names.get(subject, subject)), ("threshold", self.threshold),
                  ("measure_label", MEASURE_LABEL.get(fact.get("measure", ""), fact.get("measure", ""))),
                  ("holders_label", holders_label(fact.get("holders", ""))),
                  ("judged_on", self.day.isoformat()))  # the day the records were read (a §45X status test day)
        key = (rule.id, subject, *(fact.get(k) for k in FINDING_KEY))
        # ownership paths are added when a finding is read (Determination.about)
        self.findings[key] = Finding(rule.id, src.title, src.citation, rule.conclusion, src.then.prong, subject,
                                     self.names.get(subject, subject), self.day, self.interpretation,
                                     tuple(shown.items()), src.explain, extras, (), (),
                                     unconfirmed=src.unconfirmed, params=rule.params, round=round)
        self.status.setdefault(rule.conclusion, set()).add(subject)
        if rule.conclusion == "feoc":
            # a licence that names the activities it covers makes the licensee a FEOC for those only
            scope = self._scope.get(fact["agreement"], ()) if fact["kind"] == "agreement_right" else ()
            if scope:
                self.scoped.setdefault(subject, set()).update(scope)
            elif subject not in self.never:
                self.feoc.add(subject)


def holders_label(group: str) -> str:
    """How an explanation names a holder group (`facts.holder_groups`)."""
    if group == FEOC_GROUP:
        return "covered-nation governments and foreign entities of concern"
    if group == ALL_NATIONS_GROUP:
        return "the governments of the covered nations taken together"
    nation = holders_nation(group)
    return f"the government of {nation}" if nation else group
