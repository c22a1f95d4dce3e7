"""The `Law`: everything in a rules folder, loaded and checked once, then passed by value.

Every command builds one `Law` (from `--rules` or the rules shipped with feoc) and hands it down; no
module below the CLI reads the rules folder itself. The law's content lives in `rules/`:
parameters (dated legal quantities), the vocabulary (closed word lists), the interpretations (readings
of unsettled points, the questions they answer, old names as aliases: `law/readings.py`), the rules
(conditions, conclusions, citations, cases) and the order in which each credit's tests are decided
(`credit_order.yaml`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import load_yaml_file
from feoc.law.cache import kept
from feoc.law.compile import CompiledRuleset, compile_rules
from feoc.law.credit_order import CreditOrder, load_credit_order
from feoc.law.data import Parameter, Vocabulary, default_rules_dir, load_parameters, load_vocabulary
from feoc.law.readings import Interpretation, Question, load_readings
from feoc.law.rules import load_rules
from feoc.law.schema import RuleSource


@dataclass(frozen=True, eq=False)
class Law:
    """Parameters, vocabulary, interpretations and rules of one rules folder."""

    folder: Path
    parameters: Mapping[str, Parameter]
    vocabulary: Vocabulary
    default_interpretation: str
    interpretations: Mapping[str, Interpretation]
    rules: tuple[RuleSource, ...]
    credit_order: CreditOrder  # how each credit is decided: rules/credit_order.yaml
    aliases: Mapping[str, str] = field(default_factory=dict)  # old reading name -> canonical name
    questions: Mapping[str, Question] = field(default_factory=dict)  # the open questions the readings answer
    _rulesets: dict[tuple[dt.date, str], CompiledRuleset] = field(default_factory=dict, repr=False)

    @staticmethod
    def load(folder: Path | None = None, *, keep: bool = False) -> Law:
        """The law of `folder` (default: the rules shipped with feoc); every file is checked, and every
        mistake is raised together as an InputError (`file:line: what — fix`). `keep`: read it from, or keep
        it in, the copy `law.cache` keeps between processes (the CLI: a process loads one law once)."""
        path = Path(folder) if folder is not None else default_rules_dir()
        _refuse_missing(path)
        return _load_kept(path) if keep else _load(path)

    def param(self, name: str, day: dt.date) -> Any:
        """The value of parameter `name` in force on `day` (None before its first date)."""
        return self.parameters[name].on(day)

    def interpretation(self, name: str | None = None) -> Interpretation:
        """The named reading (an old name resolved through `aliases`: its `.name` is the canonical name), or
        the default one; KeyError for a name that is neither a reading nor an alias."""
        return self.interpretations[self.reading_name(name)]

    def reading_name(self, name: str | None = None) -> str:
        """The canonical name of reading `name` (an alias resolved), or the default's; KeyError if unknown."""
        if name is None:
            return self.default_interpretation
        canonical = self.aliases.get(name, name)
        if canonical not in self.interpretations:
            raise KeyError(name)
        return canonical

    def reading_names(self) -> list[str]:
        """The canonical readings, sorted (no aliases): the ones evaluated to tell whether a verdict is contested."""
        return sorted(self.interpretations)

    def ruleset(self, day: dt.date, regime: str = "30d") -> CompiledRuleset:
        """The rules of `regime` in force on `day`, parameters resolved (compiled once per date)."""
        key = (day, regime)
        if key not in self._rulesets:
            self._rulesets[key] = compile_rules(self.rules, self.parameters, day, regime)
        return self._rulesets[key]


def read_again(folder: Path | None = None) -> Law:
    """The law of `folder` read from its files again. Each loader keeps a folder's result for the life of the
    process — right for a command, not for `feoc serve`, whose files may change while it runs (issue 19)."""
    for cached in (_load, _load_kept, load_rules, load_parameters, load_vocabulary, load_readings):
        cached.cache_clear()
    return Law.load(folder)


def _refuse_missing(folder: Path) -> None:
    """InputError naming `folder` itself when it is not a folder: each of its files would be reported missing,
    which points at the wrong mistake (`rules/parameters.yaml: cannot read the file` for a mistyped --rules)."""
    if folder.is_dir():
        return
    what = "not a folder, so not a rules folder" if folder.exists() else "the rules folder does not exist"
    raise InputError([Problem(str(folder), 0, what,
                              "pass --rules PATH to a folder of rules laid out as feoc's own `rules/` "
                              "(parameters.yaml, vocabulary.yaml, …), or leave out --rules for the shipped rules")])


@functools.lru_cache(maxsize=8)
def _load(folder: Path) -> Law:
    parameters, vocabulary = load_parameters(folder), load_vocabulary(folder)
    _check_caps(folder, parameters, vocabulary)
    readings = load_readings(folder)
    rules = load_rules(folder)
    order = load_credit_order(folder, parameters, {src.rule.id: _parameters_named(src) for src in rules})
    return Law(folder, parameters, vocabulary, readings.default, readings.interpretations, rules, order,
               readings.aliases, readings.questions)


@functools.lru_cache(maxsize=8)
def _load_kept(folder: Path) -> Law:
    return kept(folder, _load)


def _parameters_named(src: RuleSource) -> set[str]:
    """The parameters a rule's conditions compare with."""
    return {c.value["param"] for c in (*src.rule.when.all, *src.rule.when.any)
            if isinstance(c.value, dict) and isinstance(c.value.get("param"), str)}


def _check_caps(folder: Path, parameters: Mapping[str, Parameter], vocabulary: Vocabulary) -> None:
    """The MSRP caps (IRC 30D(f)(11)) name exactly the vocabulary's vehicle classes: no cap for a class no
    vehicle can have, and no class a vehicle can have without a cap."""
    classes = vocabulary.vehicle_classes
    wrong = [(day, f"unknown vehicle class {', '.join(sorted(set(v) - classes))}") for day, v in
             parameters["msrp_cap_usd"].values if set(v) - classes]
    wrong += [(day, f"no cap for vehicle class {', '.join(sorted(classes - set(v)))}") for day, v in
              parameters["msrp_cap_usd"].values if classes - set(v)]
    if not wrong:
        return
    path = folder / "parameters.yaml"
    _, finder = load_yaml_file(path)
    raise InputError([Problem(str(path), finder.line(("msrp_cap_usd", "values", day.isoformat())),
                              f"parameter `msrp_cap_usd` on {day}: {what}",
                              f"give one cap per class of rules/vocabulary.yaml: {', '.join(sorted(classes))}")
                      for day, what in wrong])
