"""The JSON routes of `feoc serve` (issue 19): the checks, the screen, the rules, health and reload.

A check answers with the body of `feoc check KIND ID --on DATE --format json`, byte for byte, and HTTP 200 for
every verdict; its exit code and status are headers (`Feoc-Exit-Code`, `Feoc-Status`), so a client reads the
same contract as a shell script (README, "Statuses and exit codes of `feoc check`"). An engine disagreement
(`feoc check`'s exit 3) is a 500 problem: no verdict is given. Judging runs in a worker thread under a time
limit (`limits.py`); a question asked before answers from the cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from feoc.serve.answers import LRU, Answer, answer, cached, day_param, ready
from feoc.serve.limits import Limits
from feoc.serve.problems import MEDIA_TYPE, ProblemError, SafeJSON

if TYPE_CHECKING:
    from feoc.serve.state import ServeState, Snapshot

T = TypeVar("T")
router = APIRouter(prefix="/v1")
health_router = APIRouter()
CHUNK = 64 * 1024  # a screen's body is sent in pieces of this many bytes
SCREEN_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@dataclass
class Served:
    """What the routes share: the state (snapshot, reload, judge lock), the caches and the limits."""

    state: ServeState
    limits: Limits = field(default_factory=Limits)
    answers: LRU[Answer] = field(default_factory=lambda: LRU(1024))
    screens: LRU[bytes] = field(default_factory=lambda: LRU(4))  # a 100k screen is ~10 MB


def served(request: Request) -> Served:
    found: Served = request.app.state.feoc
    return found


def only(request: Request, *names: str) -> None:
    """A 400 problem for a query parameter the route does not take, or one given twice: a typo (`date=`,
    `interpetation=`) must not be ignored and answered as if it had not been asked."""
    params = request.query_params
    unknown = sorted({k for k in params if k not in names})
    if unknown:
        takes = ", ".join(names) or "no query parameter"
        raise ProblemError(400, "unknown-parameter", f"unknown query parameter {', '.join(unknown)} — this route "
                                                     f"takes {takes}")
    twice = sorted({k for k in params if len(params.getlist(k)) > 1})
    if twice:
        raise ProblemError(400, "repeated-parameter", f"query parameter {', '.join(twice)} given more than once "
                                                      "— give it once")


async def in_thread(request: Request, work: Callable[[], T]) -> T:
    """`work()` in a worker thread, or a 503 problem once it has taken longer than the limit."""
    limit = served(request).limits.timeout_s
    try:
        with anyio.fail_after(limit):
            return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    except TimeoutError:
        raise ProblemError(503, "timeout", f"the answer took longer than {limit:g} s — ask again later: it is "
                                           "being judged and will be answered from the cache",
                           headers={"Retry-After": "5"}) from None


async def _check(request: Request, kind: str, ident: str, on: str, **options: Any) -> Response:
    s = served(request)
    found = ready(s.state, s.answers, kind, ident, on, **options)
    if found is None:
        found = await in_thread(request, lambda: answer(s.state, s.answers, kind, ident, on, **options))
    return Response(found.body, media_type="application/json", headers=found.headers())


ON = Query(..., description="the date to judge as of (YYYY-MM-DD), as `feoc check --on`")
READING = Query(None, description="judge under this reading only (rules/interpretations.yaml), as --interpretation")
CHECK_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "a malformed date, an unknown reading or query parameter", "content": {MEDIA_TYPE: {}}},
    404: {"description": "no subject of this kind with this id (with the ids it may have meant)",
          "content": {MEDIA_TYPE: {}}},
    500: {"description": "the rule engine disagreed with the reference: no verdict (exit 3)", "content": {MEDIA_TYPE: {}}}}


def _verdict_schema(*names: str) -> dict[int | str, dict[str, Any]]:
    refs = [{"$ref": f"#/components/schemas/{name}"} for name in names]
    schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
    about = "the verdict: the body of `feoc check … --format json`; its exit code in Feoc-Exit-Code, its status in Feoc-Status"
    return {200: {"description": about, "content": {"application/json": {"schema": schema}}}, **CHECK_RESPONSES}


@router.get("/entities/{ident}", responses=_verdict_schema("check-subject"), summary="feoc check entity")
async def check_entity(request: Request, ident: str, on: str = ON, interpretation: str | None = READING) -> Response:
    """Is entity `ident` a foreign entity of concern on `on` (42 U.S.C. 18741(a)(5))?"""
    only(request, "on", "interpretation")
    return await _check(request, "entity", ident, on, reading=interpretation)


@router.get("/facilities/{ident}", responses=_verdict_schema("check-subject", "check-facility-45x"),
            summary="feoc check facility")
async def check_facility(request: Request, ident: str, on: str = ON, interpretation: str | None = READING,
                         credit: str | None = Query(None, description="45x: the §45X credit (P.L. 119-21 §70514); "
                                                                      "left out: the §30D FEOC status")) -> Response:
    """Are facility `ident`'s activities performed by a FEOC on `on`, or (credit=45x) does it keep the §45X credit?"""
    only(request, "on", "interpretation", "credit")
    return await _check(request, "facility", ident, on, reading=interpretation, credit=credit)


@router.get("/vehicles/{ident}", responses=_verdict_schema("check-vehicle"), summary="feoc check vehicle")
async def check_vehicle(request: Request, ident: str, on: str = ON, interpretation: str | None = READING,
                        acquired: str | None = Query(None, description="acquisition date (default: on)")) -> Response:
    """The IRC 30D credit for vehicle `ident` placed in service on `on`."""
    only(request, "on", "interpretation", "acquired")
    return await _check(request, "vehicle", ident, on, reading=interpretation, acquired=acquired)


def _screen_bytes(snapshot: Snapshot, on: str, reading: str | None, fmt: str) -> bytes:
    """The bytes of `feoc screen --on ON [--interpretation R] --format FMT` on the snapshot's dataset."""
    from feoc.cli.screen import screened
    from feoc.render.base import ScreenView, renderer

    rows, shown, judged = screened(snapshot.dataset, day_param(on, "on"), snapshot.law, reading)
    text: str = renderer("screen", fmt)(ScreenView(rows, day_param(on, "on"), shown, judged))
    return text.encode("utf-8")


def _chunks(body: bytes) -> Iterator[bytes]:
    for at in range(0, len(body), CHUNK):
        yield body[at:at + CHUNK]


@router.get("/screen", summary="feoc screen", responses={200: {"content": {"text/csv": {}, "application/json": {}},
                                                               "description": "the bytes of `feoc screen`"}})
async def screen(request: Request, on: str = ON, interpretation: str | None = READING,
                 format: str = Query("csv", description="csv (default) or json, as `feoc screen --format`")) -> Response:
    """Every entity's FEOC status on `on`: the body of `feoc screen --on ON --format csv|json`, streamed."""
    only(request, "on", "interpretation", "format")
    if format not in SCREEN_TYPES:
        raise ProblemError(400, "invalid-parameter", f"format {format!r}: use csv or json")
    s = served(request)

    def work() -> bytes:
        snapshot = s.state.current()
        day_param(on, "on")
        reading = _reading(snapshot, interpretation)
        return cached(s.state, s.screens, ("screen", on, reading, format), snapshot,
                      lambda: _screen_bytes(snapshot, on, reading, format))

    body = await in_thread(request, work)
    return StreamingResponse(_chunks(body), media_type=SCREEN_TYPES[format])


def _reading(snapshot: Snapshot, name: str | None) -> str | None:
    """A reading's canonical name (None: every reading), or a 400 problem listing them."""
    if name is None:
        return None
    try:
        return snapshot.law.reading_name(name)
    except KeyError:
        law = snapshot.law
        raise ProblemError(400, "unknown-reading", f"interpretation {name}: unknown — use one of: "
                           f"{', '.join(law.reading_names())} (default {law.default_interpretation})") from None


@router.get("/rules", summary="feoc rules list")
async def rules(request: Request) -> JSONResponse:
    """Every rule `feoc rules list` shows: id, title, citation, regime, effective dates, UNCONFIRMED points."""
    only(request)
    snapshot = await in_thread(request, served(request).state.current)
    body = [{"id": r.id, "title": r.title, "citation": r.citation, "regime": r.regime, "applies_to": r.applies_to,
             "effective": {"from": str(r.effective.start), "until": str(r.effective.end) if r.effective.end else None},
             "unconfirmed": r.unconfirmed} for r in (src.rule for src in snapshot.law.rules)]
    return SafeJSON({"generation": snapshot.generation, "rules": body})


@health_router.get("/healthz", summary="health")
async def healthz(request: Request) -> JSONResponse:
    """ok, or degraded (the last reload found problems: the last good data is served); the generation loaded,
    the hashes of the data and rules, the last reload's problems (`file:line: what — fix`)."""
    only(request)
    state = served(request).state
    await in_thread(request, state.current)
    return SafeJSON(state.health())


@router.post("/reload", summary="reload now")
async def reload(request: Request) -> JSONResponse:
    """Load the law and the dataset again now. 200 with /healthz's body, or a 422 problem listing what is wrong
    (the last good data is still served)."""
    only(request)
    state = served(request).state
    outcome = await in_thread(request, state.reload)
    if outcome.problems:
        raise ProblemError(422, "reload-failed", f"{len(outcome.problems)} problem(s) found; still serving "
                           f"generation {state.snapshot.generation}: {outcome.problems[0]}",
                           extra={"problems": outcome.problems, "generation": state.snapshot.generation})
    return SafeJSON(state.health())
