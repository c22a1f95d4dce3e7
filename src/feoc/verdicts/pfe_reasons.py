"""Why a §45X taxpayer is (or may be) a prohibited foreign entity, read from the findings the determination
already holds — nothing is judged again here: one finding per rule and subject, the measures that fired
listed inside it (equity and voting of one test are one reason, not two), and, when the holders it names are
prohibited foreign entities themselves, the chain of their own findings down to the root reason
(IRC 7701(a)(51)(B)-(D) as applied to §45X by P.L. 119-21 §70514)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from feoc.determine.determination import Determination
from feoc.determine.findings import MEASURE_LABEL, Finding
from feoc.verdicts.status import Missing

# who may stand behind each holder group of determine/regime45x.py: only foreign-controlled entities count
# for the more-than-50 % test of 7701(a)(51)(C); any specified foreign entity (a foreign-controlled entity is
# one, 7701(a)(51)(B)) for the foreign-influence tests of 7701(a)(51)(D)
HOLDER_CONCLUSIONS = {"fce": ("foreign_controlled",), "sfe": ("foreign_controlled", "sfe")}
_PER_MEASURE = ("measure", "share", "max_single")  # the facts in which one test's measures differ
_MAX_CHAINS = 8  # chains shown per finding (a holder held by many PFEs branches)
_MAX_LINKS = 20  # links shown per chain from its start (the upstream findings name the rest)
_TAIL_LINKS = 3  # links shown at the root end of a longer chain, after "… N more links …"


@dataclass(frozen=True)
class Measure:
    """One measure of a merged finding: its figure as the rule compares it, and its ownership paths."""

    measure: str
    figure: float | None
    paths: tuple[str, ...]
    explanation: str

    def words(self) -> str:
        label = MEASURE_LABEL.get(self.measure, self.measure)
        return label if self.figure is None else f"{label} {self.figure:.2%}"

    def as_dict(self) -> dict[str, Any]:
        return {"measure": self.measure, "figure": self.figure, "paths": list(self.paths),
                "explanation": self.explanation}


@dataclass(frozen=True)
class Link:
    """One step of a chain: `subject` is a prohibited foreign entity under `rule` (its `prong`) because of
    `reason` (the holders and figures of that finding, or its explanation at the root)."""

    subject: str
    rule: str
    prong: str
    reason: str

    def text(self) -> str:
        return f"{self.subject} is a {self.prong}: {self.reason}" if self.subject else self.reason

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "rule": self.rule, "prong": self.prong, "reason": self.reason}


@dataclass(frozen=True)
class PfeFinding(Finding):
    """A finding of one rule about one subject with every measure that fired (`parts`, one finding each, as
    the rule fired) and the chains from its holders to the root reason. It reads as the first part's finding,
    with the paths of every part."""

    parts: tuple[Finding, ...] = ()
    measures: tuple[Measure, ...] = ()
    chains: tuple[tuple[Link, ...], ...] = ()

    def chain_texts(self) -> list[str]:
        return [" → ".join(link.text() for link in chain) for chain in self.chains]

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "measures": [m.as_dict() for m in self.measures],
                "chains": [[link.as_dict() for link in chain] for chain in self.chains],
                "chain_texts": self.chain_texts()}


def _figure(f: Finding) -> float | None:
    """The figure the rule compares (a single holder's largest interest, or the group's together): the one its
    explanation quotes."""
    name = "max_single" if "{max_single" in f.template else "share"
    value = f.fact(name)
    return float(value) if isinstance(value, int | float) else None


def _key(f: Finding) -> tuple[Any, ...]:
    return (f.rule_id, f.subject, f.conclusion, tuple((k, v) for k, v in f.facts if k not in _PER_MEASURE))


def merged(findings: list[Finding]) -> list[PfeFinding]:
    """One finding per rule, subject and holders: the same test firing on equity and on voting (or reached
    again on a later round of the fixed point) is one reason, its measures listed inside, first seen first."""
    groups: dict[tuple[Any, ...], list[Finding]] = {}
    for f in findings:
        group = groups.setdefault(_key(f), [])
        if not any((g.fact("measure"), g.explanation, g.paths) == (f.fact("measure"), f.explanation, f.paths)
                   for g in group):
            group.append(f)
    out = []
    for parts in groups.values():
        first = parts[0]
        measures = tuple(Measure(p.fact("measure"), _figure(p), p.paths, p.explanation)
                         for p in parts if p.fact("measure") is not None)
        fields = {fl.name: getattr(first, fl.name) for fl in dataclasses.fields(Finding)}
        fields.update(paths=tuple(dict.fromkeys(x for p in parts for x in p.paths)),
                      path_sources=tuple(dict.fromkeys(x for p in parts for x in p.path_sources)),
                      path_steps=tuple(dict.fromkeys(x for p in parts for x in p.path_steps)))
        out.append(PfeFinding(**fields, parts=tuple(parts), measures=measures))
    return out


def _sources(f: Finding) -> list[str]:
    """The holders a finding names: the sources of its ownership paths, or the holder of an officer right."""
    return list(f.path_sources) or ([f.fact("holder")] if f.fact("holder") else [])


def _reason(f: PfeFinding) -> str:
    """Why this one link holds: who holds what (each measure's figure), or, at the root, the explanation."""
    sources = _sources(f)
    if sources and f.measures:
        verb = "holds" if len(sources) == 1 else "together hold"
        return f"{', '.join(sources)} {verb} " + ", ".join(m.words() for m in f.measures)
    return f.explanation


def with_chains(det: Determination, findings: list[PfeFinding], conclusions: tuple[str, ...]) -> list[PfeFinding]:
    """Each PFE finding with the chains from the holders it names to their root reasons (the holders' own
    findings in `det`, the ones that make them holders of that kind: `HOLDER_CONCLUSIONS`)."""
    out = []
    for f in findings:
        chains = [c for c in _chains(det, f, conclusions) if len(c) > 1]  # only where a holder stands behind it
        out.append(dataclasses.replace(f, chains=tuple(chains)) if f.conclusion in conclusions else f)
    return out


def _chains(det: Determination, f: PfeFinding, conclusions: tuple[str, ...]) -> list[tuple[Link, ...]]:
    """The chains from `f` up through its holders' chosen findings, depth first, at most `_MAX_CHAINS` of at
    most `_MAX_LINKS` links (a longer one ends with a link saying it goes on; a cycle of holdings stops where it
    began). Walked with a stack, not recursion: a chain may be a thousand entities long."""
    chosen: dict[tuple[str, tuple[str, ...]], PfeFinding | None] = {}

    def best(source: str, wanted: tuple[str, ...]) -> PfeFinding | None:
        if (source, wanted) not in chosen:  # a root reason first: the shortest chain
            mine = merged([g for g in det.about(source) if g.conclusion in wanted])
            chosen[(source, wanted)] = min(mine, key=lambda g: (bool(_sources(g)), g.rule_id)) if mine else None
        return chosen[(source, wanted)]

    out: list[tuple[Link, ...]] = []
    stack: list[tuple[tuple[Link, ...], PfeFinding, frozenset[str]]] = [
        ((Link(f.subject, f.rule_id, f.prong, _reason(f)),), f, frozenset({f.subject}))]
    while stack and len(out) < _MAX_CHAINS:
        links, g, seen = stack.pop()
        if len(links) >= _MAX_LINKS:  # the root end still shown: the reason the whole chain rests on
            rest = _onward(g, seen, lambda gg, sn: _next_links(gg, sn, best, conclusions))
            skipped = len(rest) - _TAIL_LINKS
            out.append((*links, Link("", "", "", f"… {skipped} more links …"), *rest[-_TAIL_LINKS:]) if skipped > 0
                       else (*links, *rest))
            continue
        nexts = _next_links(g, seen, best, conclusions)
        stack += [((*links, Link(h.subject, h.rule_id, h.prong, _reason(h))), h, seen | {source})
                  for h, source in reversed(nexts)]
        if not nexts:
            out.append(links)
    return out


def _next_links(g: PfeFinding, seen: frozenset[str], best: Any,
                conclusions: tuple[str, ...]) -> list[tuple[PfeFinding, str]]:
    """The holders' chosen findings one link up from `g` (none already on the chain)."""
    wanted = HOLDER_CONCLUSIONS.get(g.fact("holders") or "sfe", conclusions)
    return [(h, source) for source in _sources(g) if source not in seen
            for h in [best(source, wanted)] if h is not None]


def _onward(g: PfeFinding, seen: frozenset[str], step: Any) -> list[Link]:
    """The links from `g` up its first holders to a root reason: the rest of a chain too long to show whole."""
    rest: list[Link] = []
    visited = set(seen)
    while True:
        nexts = [(h, source) for h, source in step(g, frozenset(visited)) if source not in visited]
        if not nexts:
            return rest
        g, source = nexts[0]
        visited.add(source)
        rest.append(Link(g.subject, g.rule_id, g.prong, _reason(g)))


def _person_fields(f: Finding) -> list[str]:
    """The dataset fields a person's `citizenship` fact says are not recorded (determine/regime45x.py
    `_citizenship_facts`: `recorded` false when `citizenship:` is empty, `us_person` "unknown" when `us_person:`
    is absent) — only those, so a person whose citizenship is recorded is asked only for `us_person:`."""
    fields = ["citizenship"] if f.fact("recorded") is False else []
    return fields + (["us_person"] if f.fact("us_person") == "unknown" else [])


def open_facts(det: Determination, findings: list[Finding], law: Any) -> list[Missing]:
    """What would decide a taxpayer the data leaves undetermined (issue 14: subject, fact, decide): each person
    on its chains whose citizenship or U.S. status is not recorded, named with exactly the fields missing, in
    place of the taxpayer's "holders that may be ..." findings they explain; every other open finding with its
    rule's remedy (`verdicts.readings.missing_from`)."""
    from feoc.determine.regime45x import POSSIBLE, SFE_POSSIBLE
    from feoc.verdicts.readings import missing_from
    from feoc.verdicts.subject import _upstream

    own = [f for f in findings if f.conclusion == "undetermined"]
    behind = own + _upstream(det, own, conclusions=("undetermined",))
    people: dict[str, Missing] = {}
    for f in behind:
        fields = _person_fields(f) if f.fact("recorded") is not None else []
        if fields and f.subject not in people:
            people[f.subject] = Missing(f.subject, " and ".join(fields), "recording " + " and ".join(
                f"`{name}:`" for name in fields) + f" for `{f.subject}`")
    rest = [f for f in behind if f.fact("recorded") is None
            and not (people and f.fact("holders") in (POSSIBLE, SFE_POSSIBLE))]
    return list(people.values()) + [m for m in missing_from(rest, law) if m not in people.values()]
