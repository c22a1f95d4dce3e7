"""A determination: all findings for a dataset on one date under one interpretation, with the ownership
graphs to explain the interest findings (42 U.S.C. 18741(a)(5) as interpreted by DOE, 89 FR 37079).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from feoc.determine.findings import Finding
from feoc.law.compile import CompiledRuleset
from feoc.law.readings import Interpretation
from feoc.ownership.graph import Graph
from feoc.ownership.paths import Path, paths


@dataclass
class Determination:
    """All findings for a dataset on one date under one interpretation."""

    on: dt.date
    interpretation: Interpretation
    findings: list[Finding]
    feoc: set[str]
    scoped: dict[str, set[str]]  # licensee -> activities a licensor effectively controls
    interests: dict[tuple[str, str, str], float]  # (entity, measure, holders group) -> share
    names: dict[str, str]
    ruleset: CompiledRuleset
    evaluator: str
    edges: dict[str, Any] = field(default_factory=dict, repr=False)
    graphs: dict[str, Graph] = field(default_factory=dict, repr=False)
    sources_by_group: dict[str, set[str]] = field(default_factory=dict, repr=False)
    lookthrough: float | None = None  # the law's control look-through threshold (none before the FEOC law)
    group_tracing: dict[str, str] = field(default_factory=dict, repr=False)  # holder group -> its tracing, if not the reading's
    # (entity, measure, holders group) -> share on the share ranges' maxima, where ranges are recorded (determine/ranges.py)
    upper: dict[tuple[str, str, str], float] = field(default_factory=dict, repr=False)
    # "relied_on" | "not_relied_on" -> entity -> the attestations about it (determine.attestations)
    reliance: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        by_subject: dict[str, list[int]] = {}
        for i, f in enumerate(self.findings):
            by_subject.setdefault(f.subject, []).append(i)
        self._by_subject = by_subject
        self._values: dict[tuple[str, str], dict[str, float]] = {}

    def about(self, subject: str) -> list[Finding]:
        """The subject's findings, ownership paths attached (traced on demand: only what is shown is traced)."""
        out = []
        for i in self._by_subject.get(subject, ()):
            f = self.findings[i]
            if f.fact("holders") is not None and f.fact("measure") in self.graphs and not f.paths:
                f = self.findings[i] = self._with_paths(f)
            out.append(f)
        return out

    def _with_paths(self, f: Finding) -> Finding:
        """Attach the paths behind an interest finding, traced from the final sources of its holder group."""
        measure = f.fact("measure")
        found = self._paths(f.subject, measure, f.fact("holders"), 8)
        rendered = tuple(p.render(None, measure) for p in found)
        whole = self._values.get((measure, f.fact("holders")), {}).get(f.subject, 0.0)
        shown = sum(p.contribution for p in found)
        multiplied = self.group_tracing.get(f.fact("holders"), self.interpretation.tracing) == "multiply"
        if found and multiplied and whole - shown > 1e-6:  # a reader adding up the paths must find the whole figure
            rendered += (f"(these paths carry {shown:.2%} of the {whole:.2%} these holders hold together; the rest "
                         "runs round cross-holdings, which a fixed point counts and simple paths leave out, or "
                         "through further paths)",)
        return dataclasses.replace(f, paths=rendered,
                                   path_sources=tuple(sorted({p.steps[0][0] for p in found})),
                                   path_steps=tuple(p.steps for p in found))

    def _paths(self, subject: str, measure: str, group: str, limit: int) -> list[Path]:
        sources = self.sources_by_group.get(group, set())
        tracing, lookthrough = self.group_tracing.get(group, self.interpretation.tracing), self.lookthrough
        if (measure, group) not in self._values:
            self._values[(measure, group)] = self.graphs[measure].interests(sources, tracing, lookthrough)
        return paths(self.edges[measure], sources, subject, tracing, lookthrough,
                     values=self._values[(measure, group)], limit=limit)

    def interest_paths(self, subject: str, measure: str, group: str, limit: int = 3) -> tuple[str, ...]:
        """The largest paths by which a holder group holds its interest in `subject` (also one below the
        threshold: the negative evidence of `verdicts.checked`)."""
        if measure not in self.graphs:
            return ()
        return tuple(p.render(None, measure) for p in self._paths(subject, measure, group, limit))

    def is_feoc(self, entity: str) -> bool:
        return entity in self.feoc

    def activity_findings(self, facility: str, activity: str | None = None) -> list[Finding]:
        return [f for f in self.findings if f.subject == facility and f.conclusion == "feoc_activity"
                and (activity is None or f.fact("activity") == activity)]
