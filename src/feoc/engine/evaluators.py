"""Rule evaluation behind one small interface: durable-rules (the engine of record) and a plain-Python
reference evaluator of the same compiled rules, which the differential tests use to prove the first.

durable-rules is used per the measured recipe of ../shared/design.md: a Host that starts no background
threads (everything runs synchronously in the caller's thread), a catch-all rule per fact kind, one
session per batch of at most 1,000 facts deleted right after in a `finally`, a batch split in two when
a 32-bit hash clash raises MessageObservedException, actions that only record and re-raise their own
errors after the call, and no fact field named `id` or `sid`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

from feoc.data.problems import EngineError  # defined there (and named here) so the CLI catches it without importing us
from feoc.law.rules import CompiledCondition, CompiledRule, CompiledRuleset, durable_number

EVALUATORS = ("vectorised", "durable-rules", "reference")  # by name; durable-rules is the engine of record
BATCH = 1000  # facts per session (design.md recipe); sessions are deleted after each batch
Firing = tuple[str, int]  # (rule id, index of the fact in the asserted list)


class Evaluator(Protocol):
    name: str

    def evaluate(self, ruleset: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        """Every (rule, fact) pair where the rule's conditions hold, sorted."""


def _holds(cond: CompiledCondition, fact: dict[str, Any]) -> bool:
    if cond.field not in fact:
        return False
    v = fact[cond.field]
    op, ref = cond.op, cond.value
    if op == "eq":
        return v == ref
    if op == "neq":
        return v != ref
    if op == "in":
        return v in ref
    if op == "not_in":
        return v not in ref
    if isinstance(v, bool) or isinstance(ref, bool) or not isinstance(v, (int, float)):
        return False
    return {"lt": v < ref, "lte": v <= ref, "gt": v > ref, "gte": v >= ref}[op]


def rule_matches(rule: CompiledRule, fact: dict[str, Any]) -> bool:
    """The reference semantics of a compiled rule on one fact."""
    if fact.get("kind") != rule.fact:
        return False
    if not all(_holds(c, fact) for c in rule.all):
        return False
    return not rule.any or any(_holds(c, fact) for c in rule.any)


class ReferenceEvaluator:
    """Plain Python, obviously correct, used to check the durable-rules evaluator."""

    name = "reference"

    def evaluate(self, ruleset: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        by_kind: dict[str, list[CompiledRule]] = {}
        for rule in ruleset.rules:
            by_kind.setdefault(rule.fact, []).append(rule)
        return sorted((rule.id, i) for i, fact in enumerate(facts) for rule in by_kind.get(str(fact.get("kind")), ())
                      if rule_matches(rule, fact))


class DurableEvaluator:
    """durable-rules, used synchronously and in bounded sessions (see the module docstring)."""

    name = "durable-rules"
    _lock = threading.Lock()  # the C engine is not thread-safe; one caller at a time
    _host: ClassVar[Any] = None  # one Host per process: rulesets can never be removed from it
    _registered: ClassVar[set[str]] = set()

    def __init__(self) -> None:
        from durable import engine as durable_engine  # imported lazily: a C extension with a start-up cost

        self._engine = durable_engine
        if DurableEvaluator._host is None:
            DurableEvaluator._host = _make_host(durable_engine)

    def evaluate(self, ruleset: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        host = DurableEvaluator._host
        with DurableEvaluator._lock:
            if ruleset.name not in DurableEvaluator._registered:
                # rulesets can never be deleted or replaced in durable-rules: the name is a content hash
                host.register_rulesets({ruleset.name: ruleset.durable_definition()})
                DurableEvaluator._registered.add(ruleset.name)
            firings: list[Firing] = []
            self._ruleset = ruleset
            for start in range(0, len(facts), BATCH):
                indexes = list(range(start, min(start + BATCH, len(facts))))
                self._run_batch(ruleset.name, facts, indexes, firings)
        return sorted(set(firings))

    def _run_batch(self, name: str, facts: Sequence[dict[str, Any]], indexes: list[int], firings: list[Firing]) -> None:
        host = DurableEvaluator._host
        sid = "batch"  # one reused session id: fresh ids leak slots in the C state index (measured)
        batch = [{**{k: durable_number(v) for k, v in _clean(facts[i]).items()}, "fk": i, "sid": sid} for i in indexes]
        recorder = host.recorder
        recorder.begin()
        try:
            host.assert_facts(name, batch)
        except self._engine.MessageObservedException:
            recorder.discard()
            if len(indexes) == 1:
                raise EngineError(f"durable-rules rejected fact {indexes[0]} as a duplicate") from None
            host.delete_state(name, sid)
            half = len(indexes) // 2
            self._run_batch(name, facts, indexes[:half], firings)
            self._run_batch(name, facts, indexes[half:], firings)
            return
        finally:
            with contextlib.suppress(Exception):  # the session may already be gone after a split; nothing else to free
                host.delete_state(name, sid)
        errors = recorder.errors
        if errors:
            raise EngineError(f"a rule action failed: {errors[0]!r}")
        got = sorted(set(recorder.take()))
        # Guard: every batch is checked against the reference semantics of the same compiled rules, so a
        # durable-rules defect can never become a silently different verdict. (It caught one: floats in
        # exponent notation made durable-rules drop the facts after them; see rules.durable_number.)
        expected = sorted((rule_id, indexes[i]) for rule_id, i in
                          ReferenceEvaluator().evaluate(self._ruleset, [facts[j] for j in indexes]))
        if got != expected:
            missing = sorted(set(expected) - set(got))
            extra = sorted(set(got) - set(expected))
            raise EngineError(f"durable-rules disagreed with the reference evaluator on a batch of {len(indexes)} "
                              f"facts: {len(missing)} firing(s) missing, {len(extra)} unexpected "
                              f"(first: {(missing or extra)[0]}); the verdict is withheld")
        firings.extend(got)


def _clean(fact: dict[str, Any]) -> dict[str, Any]:
    """Facts must not carry `id` or `sid` (reserved by durable-rules; a join missed matches with `id`)."""
    if "id" in fact or "sid" in fact:
        raise EngineError("facts must not have fields named `id` or `sid`")
    return fact


class _Recorder:
    """Collects firings from actions; an action never raises into the C engine (errors are kept)."""

    def __init__(self) -> None:
        self._firings: list[Firing] = []
        self.errors: list[BaseException] = []

    def begin(self) -> None:
        self._firings, self.errors = [], []

    def discard(self) -> None:
        self._firings = []

    def take(self) -> list[Firing]:
        out, self._firings = self._firings, []
        return out

    def action(self, name: str) -> Callable[[Any], None]:
        rule_id = name[2:] if name.startswith("r_") else None

        def act(c: Any) -> None:
            try:
                if rule_id is not None:
                    self._firings.append((rule_id, int(c.m.fk)))
            except BaseException as exc:  # recorded, re-raised by the caller after the engine returns
                self.errors.append(exc)

        return act


def _make_host(durable_engine: Any) -> Any:
    class SynchronousHost(durable_engine.Host):
        """A Host whose actions run in the caller's thread: no dispatch or timer threads are started."""

        def __init__(self) -> None:
            self.recorder = _Recorder()
            super().__init__()

        def _run(self) -> None:  # the stock Host starts background Timer threads here
            return None

        def get_action(self, action_name: str) -> Callable[[Any], None]:
            return self.recorder.action(action_name)

    return SynchronousHost()


def evaluator(name: str = "durable-rules") -> Evaluator:
    """The evaluator by name: `durable-rules` (default, the engine of record), `reference` or `vectorised`."""
    if name == "reference":
        return ReferenceEvaluator()
    if name == "vectorised":
        from feoc.engine.columnar import ColumnarEvaluator  # numpy: imported only when asked for

        return ColumnarEvaluator()
    if name == "durable-rules":
        return DurableEvaluator()
    raise ValueError(f"unknown evaluator {name!r}")
