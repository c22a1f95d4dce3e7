"""durable-rules, the engine of record, used per the measured recipe of ../shared/design.md.

A Host that starts no background threads (everything runs synchronously in the caller's thread), a
catch-all rule per fact kind, one session per batch of at most 1,000 facts deleted right after in a
`finally`, a batch split in two when a 32-bit hash clash raises MessageObservedException, actions that only
record and re-raise their own errors after the call, and no fact field named `id` or `sid`. Every batch is
checked against the reference evaluator; numbers travel as integer billionths (see `durable_number`).
The durable-rules boundary is typed loosely (`Any`): the C extension has no type information.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from feoc.data.problems import EngineError
from feoc.engine.reference import Firing, ReferenceEvaluator
from feoc.law.compile import CompiledCondition, CompiledRuleset
from feoc.law.schema import FACT_FIELDS

BATCH = 1000  # facts per session (design.md recipe); sessions are deleted after each batch
# the firings of a small list of facts already judged in this process are replayed (`DurableEvaluator.evaluate`):
# at most _KEPT lists of at most _KEPT_FACTS facts each, the least recently used dropped first
_KEPT, _KEPT_FACTS = 256, 64
_DURABLE_OP = {"neq": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def durable_definition(ruleset: CompiledRuleset) -> dict[str, Any]:
    """The ruleset as durable-rules JSON: one rule per legal rule plus a catch-all per fact kind
    (so no batch raises MessageNotHandledException; see ../shared/design.md)."""
    body: dict[str, Any] = {}
    for r in ruleset.rules:
        terms: list[Any] = [{"kind": r.fact}]
        terms.extend(_durable_term(c, r.id) for c in r.all)
        if r.any:
            terms.append({"$or": [_durable_term(c, r.id) for c in r.any]} if len(r.any) > 1 else _durable_term(r.any[0], r.id))
        body[f"r_{r.id}"] = {"all": [{"m": {"$and": terms}}], "run": f"r_{r.id}"}
    for kind in sorted(FACT_FIELDS):
        # every fact must match some rule, or the batch raises MessageNotHandledException
        body[f"catchall_{kind}"] = {"all": [{"m": {"kind": kind}}], "run": "catchall"}
    return body


NUMBER_SCALE = 10**9  # numbers go to durable-rules as integers in billionths (see durable_number)
# durable-rules reads an integer with C's atol (a 64-bit long, saturating beyond 2**63 - 1): billionths are
# kept within +-10**18, i.e. numbers up to 10**9 in magnitude travel exactly (see durable_number)
DURABLE_BOUND = 10**18


def durable_number(value: Any) -> Any:
    """A number as durable-rules must receive it: an integer count of billionths, within +-DURABLE_BOUND.

    Measured: durable-rules' C JSON parser mis-reads a float in exponent notation whose mantissa has no
    decimal point (Python's json writes 5e-05; 1.25e-05 is read correctly): the facts after it in a batch
    are silently lost (154 of 170 firings in one 1,000-fact batch), and small batches segfault.
    Integers never use exponent notation. Shares are rounded to 9 decimals before they become facts, so
    the scaling is exact; booleans and strings pass unchanged.

    A number beyond the bound (valid data: a `value_usd` or `cost_usd` of 1e300 once crashed `check
    vehicle`, §45X and `report` with an OverflowError here) is sent as the bound itself. Clamping is
    monotone and leaves every number inside the bound unchanged, so a comparison with a rule's constant —
    each checked to lie strictly inside the bound (`durable_definition`) — comes out exactly as on the real
    number: v >= t iff clamp(v) >= t, and v == t iff clamp(v) == t, for any |t| < bound. The reference
    evaluator compares the real numbers, and every batch is still checked against it.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if value != value:  # NaN: no encoding compares as the reference does (every comparison false)
        raise EngineError("a fact carries a number that is not a number (NaN); the verdict is withheld")
    scaled = value * NUMBER_SCALE
    if scaled >= DURABLE_BOUND:
        return DURABLE_BOUND
    if scaled <= -DURABLE_BOUND:
        return -DURABLE_BOUND
    return round(scaled)


def _rule_constant(value: Any, rule: str) -> Any:
    """A rule's constant as durable-rules receives it; one at or beyond the bound could not be told apart
    from the clamped facts (see durable_number), so the ruleset is refused rather than judged inexactly."""
    number = durable_number(value)
    if isinstance(number, int) and not isinstance(number, bool) and abs(number) >= DURABLE_BOUND:
        raise EngineError(f"rule {rule} compares with {value!r}, beyond the {DURABLE_BOUND // NUMBER_SCALE:,} "
                          f"durable-rules can compare exactly; the verdict is withheld")
    return number


def _durable_term(cond: CompiledCondition, rule: str) -> Any:
    value = [_rule_constant(v, rule) for v in cond.value] if isinstance(cond.value, list) else _rule_constant(cond.value, rule)
    cond = CompiledCondition(cond.field, cond.op, value)
    if cond.op == "eq":
        return {cond.field: cond.value}
    if cond.op == "in":
        options = [{cond.field: v} for v in cond.value] or [{cond.field: "\u0000never"}]
        return {"$or": options} if len(options) > 1 else options[0]
    if cond.op == "not_in":
        options = [{"$neq": {cond.field: v}} for v in cond.value]
        return {"$and": options} if len(options) > 1 else (options[0] if options else {"$neq": {cond.field: "\u0000never"}})
    return {_DURABLE_OP[cond.op]: {cond.field: cond.value}}


class DurableEvaluator:
    """durable-rules, used synchronously and in bounded sessions (see the module docstring)."""

    name = "durable-rules"
    _lock = threading.Lock()  # the C engine is not thread-safe; one caller at a time
    _host: ClassVar[Any] = None  # one Host per process: rulesets can never be removed from it
    _registered: ClassVar[set[str]] = set()
    _judged: ClassVar[OrderedDict[tuple[str, str], list[Firing]]] = OrderedDict()

    def __init__(self) -> None:
        from durable import engine as durable_engine  # imported lazily: a C extension with a start-up cost

        self._engine = durable_engine
        if DurableEvaluator._host is None:
            DurableEvaluator._host = _make_host(durable_engine)

    def evaluate(self, ruleset: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        """The firings of `facts` under `ruleset`. The same facts under the same ruleset (its name is a hash of its
        content) always fire the same rules, so a small list judged before in this process — durable-rules and
        the reference agreed on it then — is answered from `_judged`: a `feoc check` judges each reading and
        its worst case, and 7 of its 10 lists of facts repeat one judged already (issue 17, ~0.5 ms each)."""
        # repr, not JSON: it tells 1 from 1.0 and True, and a tuple from a list, as the reference evaluator does
        key = (ruleset.name, repr([sorted(f.items()) for f in facts])) if len(facts) <= _KEPT_FACTS else None
        with DurableEvaluator._lock:
            if key is not None and key in DurableEvaluator._judged:
                DurableEvaluator._judged.move_to_end(key)
                return list(DurableEvaluator._judged[key])
            firings = self._evaluate(ruleset, facts)
            if key is not None:
                DurableEvaluator._judged[key] = list(firings)
                if len(DurableEvaluator._judged) > _KEPT:
                    DurableEvaluator._judged.popitem(last=False)
        return firings

    def _evaluate(self, ruleset: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        host = DurableEvaluator._host
        if ruleset.name not in DurableEvaluator._registered:
            # rulesets can never be deleted or replaced in durable-rules: the name is a content hash
            host.register_rulesets({ruleset.name: durable_definition(ruleset)})
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
            if isinstance(errors[0], KeyboardInterrupt):  # Ctrl-C inside an action: an interruption, not a defect
                raise errors[0]
            raise EngineError(f"a rule action failed: {errors[0]!r}")
        got = sorted(set(recorder.take()))
        # Guard: every batch is checked against the reference semantics of the same compiled rules, so a
        # durable-rules defect can never become a silently different verdict. (It caught one: floats in
        # exponent notation made durable-rules drop the facts after them; see durable_number.)
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
