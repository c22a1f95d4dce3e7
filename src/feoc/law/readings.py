"""The readings of unsettled law (`rules/interpretations.yaml`): the open questions of the §30D ownership
test (42 U.S.C. 18741(a)(5)(C) as interpreted by DOE, 89 FR 37079 §III.E), their answers and sources, and
the named readings, each answering every question; old names stay as aliases.

The questions and the answers feoc can evaluate are fixed here, because each answer is code: which
holder groups are traced (`determine.regime30d._Chaining.groups`, `determine.bulk`) and how
(`ownership.graph`). The YAML names them, gives their sources and may not add one the code cannot
evaluate. Reference: feoc-law.md §3.4-3.5 and §7.1-7.2.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import LineFinder, load_yaml_file

# question -> the answers feoc can evaluate
ANSWERS: dict[str, tuple[str, ...]] = {
    "holders": ("government", "feoc"),  # whose stake counts
    "tracing": ("multiply", "lookthrough", "control"),  # R1, R2, the >50 % controlled intermediate
    "nations": ("each", "all"),  # whether different covered nations' government stakes add up
}
# The combinations feoc evaluates, and the graph tracing each one uses (`ownership.graph`). R2 ("an
# intermediate that is itself a FEOC passes its stake on in full", feoc-law.md §3.5) is evaluated by tracing
# every FEOC as a holder whose stake counts in full and multiplying through the intermediates that are not
# FEOCs: R2 and "any FEOC's stake counts" are one reading, so `lookthrough` goes with holders `feoc` and
# only with it. A FEOC's stake counts whatever its nation, so holders `feoc` adds nations up (`all`).
_TRACED: dict[tuple[str, str, str], str] = {
    ("government", "multiply", "each"): "multiply",
    ("government", "multiply", "all"): "multiply",
    ("government", "control", "each"): "control",
    ("government", "control", "all"): "control",
    ("feoc", "lookthrough", "all"): "multiply",
}
_WHY_NOT = ("R2 (tracing lookthrough) is the reading in which any FEOC's stake counts: it goes with holders feoc, "
            "which counts a FEOC's stake whatever its nation (nations all)")


@dataclass(frozen=True)
class Source:
    """A source for one answer to a question (its label, C-secondary or UNCONFIRMED, is in its text)."""

    supports: str  # the answer it supports
    source: str


@dataclass(frozen=True)
class Question:
    """An open question of law: its answers (answer -> what it means) and the sources for each."""

    name: str
    question: str
    answers: Mapping[str, str] = field(compare=False, hash=False)
    sources: tuple[Source, ...]
    unconfirmed: str


@dataclass(frozen=True)
class Interpretation:
    """A named reading of the unsettled points (see rules/interpretations.yaml): its answer to each question,
    and how it is evaluated: `holders` (`government`: the covered nations' government bodies; `feoc`: those
    and every FEOC), `tracing` (the graph tracing, `multiply` or `control`) and `nations` (`each`: one holder
    group per covered nation; `all`: one group of every nation's government bodies)."""

    name: str
    title: str
    holders: str
    tracing: str
    nations: str
    explain: str
    answers: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)  # question -> answer


@dataclass(frozen=True)
class Readings:
    """Everything of rules/interpretations.yaml: the default reading, the readings by canonical name, the
    aliases (old name -> canonical name) and the questions."""

    default: str
    interpretations: Mapping[str, Interpretation]
    aliases: Mapping[str, str]
    questions: Mapping[str, Question]


@functools.lru_cache(maxsize=8)
def load_readings(rules_dir: Path) -> Readings:
    """The readings of `rules_dir/interpretations.yaml`, validated: every question feoc evaluates is named
    with answers it can evaluate, every reading answers every question with one of them, every alias names a
    reading and the default is a reading. Every problem is raised together (`file:line: what — fix`)."""
    path = rules_dir / "interpretations.yaml"
    raw, finder = load_yaml_file(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("interpretations"), dict) or not raw["interpretations"]:
        raise InputError([Problem(str(path), 1, "expected `default:`, `questions:`, `aliases:` and a mapping "
                                  "`interpretations:` of named readings",
                                  "restore rules/interpretations.yaml from the rules shipped with feoc")])
    problems: list[Problem] = []
    where = _Where(str(path), finder, problems)
    questions = _questions(raw.get("questions"), where)
    interps = {}
    for name, body in raw["interpretations"].items():
        interp = _interpretation(str(name), body, questions, where)
        if interp is not None:
            interps[interp.name] = interp
    aliases = _aliases(raw.get("aliases"), raw["interpretations"], where)
    default = raw.get("default")
    if not isinstance(default, str) or default not in raw["interpretations"]:
        where.add(("default",), f"default interpretation `{default}` is not defined",
                  f"name one of the interpretations: {', '.join(map(str, raw['interpretations']))}")
    if problems:
        raise InputError(problems)
    return Readings(str(default), interps, aliases, questions)


@dataclass
class _Where:
    """Where problems of the file go, each with the line of its place."""

    file: str
    finder: LineFinder
    problems: list[Problem]

    def add(self, place: tuple[str | int, ...], message: str, fix: str) -> None:
        self.problems.append(Problem(self.file, self.finder.line(place), message, fix))


def _questions(raw: Any, where: _Where) -> dict[str, Question]:
    """The questions, each with answers feoc evaluates and sources that support one of them."""
    if not isinstance(raw, dict):
        where.add(("questions",), "`questions:` must map each open question to its answers and sources",
                  f"name the questions {', '.join(ANSWERS)} as in the rules shipped with feoc")
        return {}
    out = {}
    for name in raw:
        if name not in ANSWERS:
            where.add(("questions", name), f"question `{name}` is not one feoc evaluates",
                      f"the questions are {', '.join(ANSWERS)}; a new one needs code (law/readings.py)")
    for name, known in ANSWERS.items():
        body = raw.get(name)
        answers = body.get("answers") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(answers, dict) or not answers:
            where.add(("questions", name), f"question `{name}` is missing or has no `answers:`",
                      f"give its answers ({', '.join(known)}), what each means and its sources")
            continue
        for answer in answers:
            if answer not in known:
                where.add(("questions", name, "answers", answer),
                          f"question `{name}`: feoc cannot evaluate the answer `{answer}`",
                          f"the answers are {', '.join(known)}; a new one needs code (law/readings.py)")
        sources = []
        for i, s in enumerate(body.get("sources") or []):
            if not isinstance(s, dict) or s.get("supports") not in answers or not s.get("source"):
                where.add(("questions", name, "sources", i), f"question `{name}`: source {i + 1} needs `supports:` "
                          "naming one of its answers and `source:`", f"write {{supports: {next(iter(answers))}, source: ...}}")
                continue
            sources.append(Source(str(s["supports"]), " ".join(str(s["source"]).split())))
        out[name] = Question(name, " ".join(str(body.get("question", "")).split()),
                             {str(a): " ".join(str(t).split()) for a, t in answers.items()}, tuple(sources),
                             " ".join(str(body.get("unconfirmed", "")).split()))
    return out


def _interpretation(name: str, body: Any, questions: dict[str, Question], where: _Where) -> Interpretation | None:
    """One reading: its answer to every question, one of that question's answers, in a combination feoc
    evaluates."""
    place = ("interpretations", name)
    answers = body.get("answers") if isinstance(body, dict) else None
    if not isinstance(answers, dict):
        where.add(place, f"interpretation `{name}` must give `answers:`, one per question",
                  f"write answers: {{{', '.join(f'{q}: {a[0]}' for q, a in ANSWERS.items())}}}, with title and explain")
        return None
    ok = True
    for question in answers:
        if question not in ANSWERS:
            ok = False
            where.add(place + ("answers", question), f"interpretation `{name}` answers `{question}`, "
                      "which is not a question", f"the questions are {', '.join(ANSWERS)}")
    for question, known in ANSWERS.items():
        given = answers.get(question)
        allowed = tuple(questions[question].answers) if question in questions else known
        if given not in allowed:
            ok = False
            said = "does not answer" if given is None else f"answers `{question}` with `{given}`, not an answer of"
            where.add(place + ("answers", question) if given is not None else place + ("answers",),
                      f"interpretation `{name}` {said} the question `{question}`",
                      f"answer it with one of: {', '.join(allowed)}")
    if not ok:
        return None
    key = (str(answers["holders"]), str(answers["tracing"]), str(answers["nations"]))
    if key not in _TRACED:
        where.add(place + ("answers",), f"interpretation `{name}`: holders {key[0]}, tracing {key[1]} and nations "
                  f"{key[2]} are not a reading feoc evaluates", _WHY_NOT)
        return None
    return Interpretation(name, str(body.get("title", "")), key[0], _TRACED[key], key[2],
                          " ".join(str(body.get("explain", "")).split()),
                          {q: str(answers[q]) for q in ANSWERS})


def _aliases(raw: Any, readings: Mapping[str, Any], where: _Where) -> dict[str, str]:
    """Old reading names, each naming a reading (never another alias, never a reading's own name)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        where.add(("aliases",), "`aliases:` must map old names to readings", "write aliases: {old-name: reading}")
        return {}
    out = {}
    for old, new in raw.items():
        if old in readings:
            where.add(("aliases", old), f"alias `{old}` is also the name of a reading", "remove the alias or rename it")
        elif not isinstance(new, str) or new not in readings:
            where.add(("aliases", old), f"alias `{old}` names `{new}`, which is not a reading",
                      f"name one of the interpretations: {', '.join(map(str, readings))}")
        else:
            out[str(old)] = str(new)
    return out
