"""The HTML pages of `feoc serve` for people: `/` (every entity, plant and vehicle, a search box), one page per
subject and date (`/entities/ID?on=DATE`, `/facilities/ID?on=DATE[&credit=45x]`, `/vehicles/ID?on=DATE
[&acquired=DATE]`, each with `&interpretation=NAME` to judge under one reading) and the bundled static files
(`/static/mermaid.min.js`, the page starter, the style sheet).

The verdict on a page is the one `feoc check` and `/v1/...` give for the same query (`verdicts.single`); the
renderers (`render/html*.py`) judge nothing. Decisions:

- **The date.** `on` is the date judged; a subject page without it redirects (303) to the same page on the
  report's last key date (`verdicts.timeline.key_dates`: the date the Markdown report's verdict is "as of"),
  so every page's address names its date; the index's links use that date too, or the one the form chose.
- **The timeline** is the same query on each key date (a vehicle placed in service and acquired on that day,
  as the report's timeline reads), each date a link to its page.
- **Safety.** Ids are looked up in the dataset, never used as paths; only the files named in `STATIC` are
  served. Every page carries a Content-Security-Policy that lets scripts come from this server only (Mermaid
  and its starter: no inline script) and no form post elsewhere; the dataset's strings are escaped by
  `render.sanitize.html`. Errors are HTML pages with the fix (404 unknown id with the close ids, 400 a bad
  date or reading), never a stack trace.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from feoc.data.problems import EngineError
from feoc.render import html as html_page
from feoc.render.html_index import IndexPage, index
from feoc.render.sanitize import html

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.law.law import Law
    from feoc.verdicts.status import Verdict

CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# Mermaid writes its drawing's style into the SVG it makes: inline styles are allowed, inline scripts are not
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC = {"mermaid.min.js": "text/javascript; charset=utf-8", "feoc-pages.js": "text/javascript; charset=utf-8",
          "feoc.css": "text/css; charset=utf-8", "mermaid.LICENSE": "text/plain; charset=utf-8"}
VERDICTS_KEPT = 2048  # verdicts a server keeps for its pages (a page judges its date and each key date)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_KINDS = {"entity": "entities", "facility": "facilities", "vehicle": "vehicles"}


class Snapshot(Protocol):
    """What a page reads of the state served (`feoc.serve.state.Snapshot`)."""

    @property
    def law(self) -> Law: ...

    @property
    def dataset(self) -> Dataset: ...

    @property
    def generation(self) -> int: ...

    def has(self, kind: str, ident: str) -> bool: ...


class State(Protocol):
    """The server's state (`feoc.serve.state.ServeState`): the snapshot to answer from, the lock to judge under."""

    judge_lock: threading.Lock

    def current(self) -> Snapshot: ...


class BadQuery(Exception):
    """A query a page cannot answer: its HTTP status, a title and one line saying what to fix."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def parse_day(value: str, name: str = "on") -> dt.date:
    """A date of the query as `YYYY-MM-DD`, or a 400 saying how to write it (the rule `feoc check` applies)."""
    try:
        if not _ISO_DAY.fullmatch(value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadQuery(400, "Not a date", f"{name}={value}: not a valid date — write it as YYYY-MM-DD, e.g. "
                                          "2024-06-01") from None
    if not 1900 <= day.year <= 2100:
        raise BadQuery(400, "Not a date", f"{name}={value}: the year is outside 1900-2100 — check the date")
    return day


def governments(snap: Snapshot, day: dt.date) -> frozenset[str]:
    """The government bodies of the nations covered on `day` (89 FR 37079), marked in the diagram."""
    from feoc.determine.facts import government_bodies

    nations = snap.law.param("covered_nations", day) or []
    bodies = government_bodies(snap.dataset, nations, snap.law.vocabulary.government_types)
    return frozenset().union(*bodies.values()) if bodies else frozenset()


class Verdicts:
    """The verdicts the pages show, judged as `feoc check` judges them and kept (least recently used out) per
    snapshot generation: a page judges its date and each key date, and the next page of the same subject
    reuses them. Judging holds the state's lock (the rule engine is not made for threads)."""

    def __init__(self, state: State, size: int = VERDICTS_KEPT) -> None:
        self.state = state
        self.size = size
        self._kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        return None

    def _put(self, key: tuple[Any, ...], value: Any) -> Any:
        with self._lock:
            self._kept[key] = value
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

    def key_dates(self, snap: Snapshot) -> list[dt.date]:
        """The report's key dates for this law and dataset (`verdicts.timeline.key_dates`), once per snapshot."""
        from feoc.verdicts.timeline import key_dates

        key = (snap.generation, "dates")
        found = self._get(key)
        if found is None:
            with self.state.judge_lock:  # a fiscal-year §45X operator's days are read from its status timing
                found = self._put(key, tuple(key_dates(snap.law, snap.dataset)))
        return list(found)

    def default_day(self, snap: Snapshot) -> dt.date:
        """The date a page opens on when none is asked: the last key date, as the Markdown report's verdict."""
        return self.key_dates(snap)[-1]

    def verdict(self, snap: Snapshot, kind: str, ident: str, day: dt.date, reading: str | None, credit: str,
                acquired: dt.date | None) -> Verdict:
        """The verdict on `ident` as `verdicts.single.verdict_on` gives it, on the subject's cut of the dataset."""
        from feoc.verdicts.single import subject_cut, verdict_on

        key = (snap.generation, kind, ident, day, reading, credit, acquired)
        found = self._get(key)
        if found is not None:
            return found
        cut_key = (snap.generation, "cut", kind, ident, credit)
        with self.state.judge_lock:
            cut = self._get(cut_key) or self._put(cut_key, subject_cut(snap.dataset, snap.law, kind, ident, credit))
            return self._put(key, verdict_on(cut, snap.law, kind, ident, day, reading, credit=credit, acquired=acquired))


def _reading(snap: Snapshot, name: str | None) -> str | None:
    """The reading asked for, as named (an old name is an alias), or a 400 listing the readings."""
    if not name:
        return None
    try:
        snap.law.reading_name(name)
    except KeyError:
        readings = ", ".join(snap.law.reading_names())
        raise BadQuery(400, "Unknown reading", f"interpretation={name}: unknown — use one of: {readings} "
                                               f"(default {snap.law.default_interpretation})") from None
    return name


def _unknown(snap: Snapshot, kind: str, ident: str) -> HTMLResponse:
    """404 for an id the dataset does not have as a `kind`: the page of the kind it has, else the close ids."""
    from feoc.cli.app import closest_ids

    ids = {k: [r.id for r in getattr(snap.dataset, route)] for k, route in _KINDS.items()}
    owner = next((k for k, known in ids.items() if k != kind and ident in known), None)
    if owner:
        hints = [(owner, ident)]
    else:
        close = closest_ids(ident, [i for known in ids.values() for i in known])
        hints = [(next(k for k, known in ids.items() if c in known), c) for c in close]
    links = "".join(f'<li><a href="{html(html_page.href(_KINDS[k], c))}">{html(c)}</a> ({k})</li>' for k, c in hints)
    detail = f"no {kind} with id {ident} in the dataset" + (" — did you mean:" if hints else " — search the index")
    body = [f"<h1>404: unknown {kind}</h1>", f"<p>{html(detail)}</p>"] + ([f"<ul>{links}</ul>"] if links else [])
    return page(html_page.frame(f"Unknown {kind}", body + ['<p><a href="/">Back to the index</a></p>']), 404)


def _subject_response(verdicts: Verdicts, kind: str, ident: str, on: str | None, reading: str | None,
                      credit: str = "30d", acquired: str | None = None) -> Response:
    """The page of one subject: its verdict on `on`, its timeline on the key dates, the readings to switch to."""
    snap = verdicts.state.current()
    if not snap.has(kind, ident):
        return _unknown(snap, kind, ident)
    reading = _reading(snap, reading)
    if credit not in ("30d", "45x"):
        raise BadQuery(400, "Unknown credit", f"credit={credit}: use 30d (the default) or 45x")
    query = tuple((k, v) for k, v in (("credit", credit if credit != "30d" else None), ("acquired", acquired)) if v)
    if on is None:
        last = verdicts.default_day(snap).isoformat()
        target = html_page.href(_KINDS[kind], ident, on=last, interpretation=reading, **dict(query))
        return RedirectResponse(target, status_code=303, headers=HEADERS)
    day = parse_day(on)
    bought = parse_day(acquired, "acquired") if acquired else None
    if bought and bought > day:
        raise BadQuery(400, "Acquired after placed in service",
                       f"acquired={bought} is after on={day}: a vehicle is placed in service on or after it is acquired")
    verdict = verdicts.verdict(snap, kind, ident, day, reading, credit, bought)
    timeline = [(d, verdicts.verdict(snap, kind, ident, d, reading, credit, None)) for d in verdicts.key_dates(snap)]
    readings = () if credit == "45x" else tuple(dict.fromkeys([snap.law.default_interpretation, *snap.law.reading_names()]))
    return page(html_page.subject(html_page.SubjectPage(
        kind, verdict, snap.dataset, timeline, readings, reading, governments(snap, day), query, _text(verdict))))


def _text(verdict: Verdict) -> str:
    """The verdict as `feoc check --explain` prints it (render.text), shown folded under the page."""
    from feoc.render.base import CheckView
    from feoc.render.text import check

    return check(CheckView(verdict, True))


def _index_response(verdicts: Verdicts, q: str, on: str | None) -> Response:
    snap = verdicts.state.current()
    day = parse_day(on) if on else verdicts.default_day(snap)
    return page(index(IndexPage(snap.dataset, day, verdicts.key_dates(snap), q[:200])))


def _guarded(request: Request, allowed: tuple[str, ...], answer: Any) -> Response:
    """The page, or the HTML page of what went wrong: a parameter the page does not take (400, as the API: a
    misspelt `interpretaton` must not silently show another verdict), a bad query (400/404) or an engine
    disagreement (500)."""
    try:
        unknown = sorted(set(request.query_params) - set(allowed))
        if unknown:
            raise BadQuery(400, "Unknown parameter", f"{', '.join(unknown)}: not a parameter of this page — it takes "
                                                     f"{', '.join(allowed)}")
        return answer()
    except BadQuery as exc:
        return page(html_page.problem(exc.status, exc.title, exc.detail), exc.status)
    except EngineError as exc:
        said = " ".join(str(exc).split())[:300]
        detail = f"the rule engine disagreed with the reference evaluator: no verdict is given ({said})"
        return page(html_page.problem(500, "Engine disagreement", detail), 500)


def static_file(name: str) -> Response:
    """One of the files named in `STATIC`, from the package (so the diagrams draw offline); 404 for any other name."""
    if name not in STATIC:
        return page(html_page.problem(404, "Not found", f"no static file {name}"), 404)
    return Response((STATIC_DIR / name).read_bytes(), media_type=STATIC[name],
                    headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})


def router(state: State) -> APIRouter:
    """The pages' routes on the server's state (add with `app.include_router(router(state))`)."""
    verdicts = Verdicts(state)
    r = APIRouter(include_in_schema=False)

    @r.get("/", response_class=HTMLResponse)
    def index_page(request: Request, q: str = "", on: str | None = None) -> Response:
        return _guarded(request, ("q", "on"), lambda: _index_response(verdicts, q, on))

    @r.get("/entities/{ident}", response_class=HTMLResponse)
    def entity_page(request: Request, ident: str, on: str | None = None, interpretation: str | None = None) -> Response:
        return _guarded(request, ("on", "interpretation"),
                        lambda: _subject_response(verdicts, "entity", ident, on, interpretation))

    @r.get("/facilities/{ident}", response_class=HTMLResponse)
    def facility_page(request: Request, ident: str, on: str | None = None, interpretation: str | None = None,
                      credit: str = "30d") -> Response:
        return _guarded(request, ("on", "interpretation", "credit"),
                        lambda: _subject_response(verdicts, "facility", ident, on, interpretation, credit))

    @r.get("/vehicles/{ident}", response_class=HTMLResponse)
    def vehicle_page(request: Request, ident: str, on: str | None = None, interpretation: str | None = None,
                     acquired: str | None = None) -> Response:
        return _guarded(request, ("on", "interpretation", "acquired"),
                        lambda: _subject_response(verdicts, "vehicle", ident, on, interpretation, acquired=acquired))

    @r.get("/static/{name}")
    def static(name: str) -> Response:
        return static_file(name)

    return r
