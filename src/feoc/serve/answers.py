"""A check asked over HTTP → the verdict `feoc check` gives and the very bytes of `feoc check … --format json`.

The verdict comes from `feoc.verdicts.single.judge_subject` (what `feoc check` and `feoc test` call) and its
body from the `check` JSON renderer (`render/json.py`, through `render/base.py`): one renderer, so the HTTP
body and the command's stdout are the same bytes (tests/test_serve_api.py compares them on every seed
subject and date). Answers are kept in a bounded LRU cache per (question, snapshot generation): a reload
starts a new generation, so nothing judged on old files is served once the new ones are loaded.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from feoc.serve.problems import ProblemError

if TYPE_CHECKING:
    from feoc.serve.state import ServeState, Snapshot
    from feoc.verdicts.status import Verdict

ROUTES = {"entity": "entities", "facility": "facilities", "vehicle": "vehicles"}  # kind -> /v1/<route>/ID
T = TypeVar("T")


@dataclass(frozen=True)
class CheckQuery:
    """One check: `feoc check KIND IDENT --on ON [--interpretation READING] [--credit 45x] [--acquired DAY]`."""

    kind: str
    ident: str
    on: dt.date
    reading: str | None = None
    credit: str = "30d"
    acquired: dt.date | None = None


@dataclass(frozen=True)
class Answer:
    """A verdict, its JSON body (bytes of `feoc check --format json`), its status and exit code."""

    verdict: Verdict
    body: bytes
    status: str
    exit_code: int
    generation: int

    def headers(self) -> dict[str, str]:
        return {"Feoc-Status": self.status, "Feoc-Exit-Code": str(self.exit_code),
                "Feoc-Generation": str(self.generation)}


class LRU(Generic[T]):
    """A bounded least-recently-used cache, safe across threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> T | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: T) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def day_param(value: str, name: str) -> dt.date:
    """A query's date, as `feoc check` reads `--on` (YYYY-MM-DD, years 1900-2100), or a 400 problem."""
    from feoc.cli.app import read_day

    try:
        return read_day(value, name)
    except ValueError as exc:
        raise ProblemError(400, "invalid-date", str(exc)) from None


def route_of(kind: str, ident: str) -> str:
    """How to ask about `ident` as a `kind` over HTTP: the hint of an unknown id names this route."""
    return f"GET /v1/{ROUTES[kind]}/{ident}"


def check_query(snapshot: Snapshot, kind: str, ident: str, on: str, reading: str | None = None,
                credit: str | None = None, acquired: str | None = None) -> CheckQuery:
    """The query's values checked as `feoc check` checks its options, else a problem: a malformed date or an
    unknown reading (400), an unknown id (404, with the 'did you mean' of the command line and the right route
    for an id of another kind). The id is only looked up among the dataset's ids, never used as a path."""
    from feoc.cli.app import unknown_id_line

    day = day_param(on, "on")
    bought = day_param(acquired, "acquired") if acquired is not None else None
    if bought is not None and bought > day:
        raise ProblemError(400, "invalid-date", f"acquired {bought} is after on {day}: a vehicle is placed in "
                                                "service on or after it is acquired")
    if credit not in (None, "30d", "45x") or (credit == "45x" and kind != "facility"):
        raise ProblemError(400, "invalid-parameter", f"credit {credit!r}: use credit=45x (a facility's §45X "
                                                     "credit) or leave it out (30d, its FEOC status)")
    if reading is not None:
        law = snapshot.law
        try:
            law.reading_name(reading)
        except KeyError:
            raise ProblemError(400, "unknown-reading", f"interpretation {reading}: unknown — use one of: "
                               f"{', '.join(law.reading_names())} (default {law.default_interpretation})") from None
    if not snapshot.has(kind, ident):
        detail = unknown_id_line(kind, ident, snapshot.ids, Path("dataset"), lambda k, i: f"`{route_of(k, i)}`")
        raise ProblemError(404, "unknown-id", detail)
    return CheckQuery(kind, ident, day, reading, credit or "30d", bought)


def judge(snapshot: Snapshot, query: CheckQuery) -> Answer:
    """The answer `feoc check` gives to `query` on `snapshot` (not cached; the caller holds the judge lock)."""
    from feoc.data.problems import EngineError, InputError
    from feoc.render.base import CheckView, renderer
    from feoc.verdicts.single import judge_subject

    try:
        verdict = judge_subject(snapshot.dataset, snapshot.law, query.kind, query.ident, query.on, query.reading,
                                credit=query.credit, acquired=query.acquired)
    except EngineError as exc:  # `feoc check` exit 3: no verdict is given
        raise ProblemError(500, "engine-disagreement", f"rule engine error: {exc} — no verdict is given",
                           title="The rule engine disagreed with the reference", extra={"exit_code": 3},
                           headers={"Feoc-Exit-Code": "3"}) from None
    except InputError as exc:  # `feoc check` exit 2
        problems = [str(p) for p in exc.problems]
        raise ProblemError(422, "input", problems[0] if problems else "input error", extra={"problems": problems,
                           "exit_code": 2}, headers={"Feoc-Exit-Code": "2"}) from None
    body = renderer("check", "json")(CheckView(verdict)).encode("utf-8")
    return Answer(verdict, body, str(verdict.status), verdict.exit_code(), snapshot.generation)


def cached(state: ServeState, cache: LRU[T], key: Hashable, snapshot: Snapshot, work: Callable[[], T]) -> T:
    """`work()`'s result for `key` on this snapshot's generation, judged under the state's lock once."""
    full = (key, snapshot.generation)
    hit = cache.get(full)
    if hit is not None:
        return hit
    with state.judge_lock:
        hit = cache.get(full)  # judged by another request while this one waited
        if hit is None:
            hit = work()
            cache.put(full, hit)
    return hit


def answer(state: ServeState, cache: LRU[Answer], kind: str, ident: str, on: str, **options: Any) -> Answer:
    """The answer to a check asked over HTTP, from the current snapshot (reloaded first if files changed)."""
    snapshot = state.current()
    query = check_query(snapshot, kind, ident, on, **options)
    return cached(state, cache, query, snapshot, lambda: judge(snapshot, query))


def ready(state: ServeState, cache: LRU[Answer], kind: str, ident: str, on: str, **options: Any) -> Answer | None:
    """The cached answer to a check, when there is one and no file changed (cheap enough for the event loop:
    a fingerprint, a dictionary look-up); None sends the question to `answer` in a worker thread. A bad query
    raises its problem here as there."""
    if not state.unchanged():
        return None
    snapshot = state.snapshot
    if not snapshot.has(kind, ident):  # the hint of an unknown id compares it with every id: not in the loop
        return None
    return cache.get((check_query(snapshot, kind, ident, on, **options), snapshot.generation))
