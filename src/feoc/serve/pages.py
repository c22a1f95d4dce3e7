"""The HTML pages of `feoc serve` for people: `/` (every entity, plant and vehicle, a search box), one page per
subject and date (`/entities/ID?on=DATE`, `/facilities/ID?on=DATE[&credit=45x]`, `/vehicles/ID?on=DATE
[&acquired=DATE]`, each with `&interpretation=NAME` to judge under one reading) and the bundled static files
(`/static/mermaid.min.js`, the page starter, the style sheet).

The verdict on a page is the one `feoc check` and `/v1/...` give for the same query, from the same cache
(`serve.answers`: validated by `check_query`, judged by `judge`, kept per snapshot generation); the renderers
(`render/html*.py`) judge nothing. Decisions:

- **The date.** `on` is the date judged; a subject page without it redirects (303) to the same page on the
  report's last key date (`verdicts.timeline.key_dates`: the date the Markdown report's verdict is "as of"),
  so every page's address names its date; the index's links use that date too, or the one the form chose.
- **The timeline** is the same query on each key date (a vehicle placed in service and acquired on that day,
  as the report's timeline reads), each date a link to its page.
- **Safety.** Ids are looked up in the dataset, never used as paths; only the files named in `STATIC` are
  served. Every page carries a Content-Security-Policy that lets scripts come from this server only (Mermaid
  and its starter: no inline script) and no form post elsewhere; the dataset's strings are escaped by
  `render.sanitize.html`. Errors are HTML pages with the fix (404 unknown id with links to the close ids,
  400 a bad date, reading or parameter, 503 past the time limit), never a stack trace.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from feoc.render import html as html_page
from feoc.render.html_index import IndexPage, index
from feoc.render.sanitize import html
from feoc.serve.answers import ROUTES, Answer, cached, check_query, day_param, judge
from feoc.serve.api import Served, in_thread, only, served
from feoc.serve.problems import ProblemError

if TYPE_CHECKING:
    from feoc.serve.state import Snapshot
    from feoc.verdicts.status import Verdict

CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# Mermaid writes its drawing's style into the SVG it makes: inline styles are allowed, inline scripts are not
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC = {"mermaid.min.js": "text/javascript; charset=utf-8", "feoc-pages.js": "text/javascript; charset=utf-8",
          "feoc.css": "text/css; charset=utf-8", "mermaid.LICENSE": "text/plain; charset=utf-8"}
SEARCH_LIMIT = 200  # characters of a search kept (the URL's length is bounded by serve.limits already)
router = APIRouter(include_in_schema=False)


def page(body: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**HEADERS, **(headers or {})})


def key_dates(s: Served, snapshot: Snapshot) -> list[dt.date]:
    """The report's key dates for this law and dataset (`verdicts.timeline.key_dates`), computed once per
    snapshot (kept on it, as its id sets are) under the judge lock: a fiscal-year §45X operator's days are
    read from its status timing."""
    found = snapshot.__dict__.get("_page_key_dates")
    if found is None:
        from feoc.verdicts.timeline import key_dates as dates

        with s.state.judge_lock:
            found = tuple(dates(snapshot.law, snapshot.dataset))
        object.__setattr__(snapshot, "_page_key_dates", found)
    return list(found)


def governments(snapshot: Snapshot, day: dt.date) -> frozenset[str]:
    """The government bodies of the nations covered on `day` (89 FR 37079), marked in the diagram."""
    from feoc.determine.facts import government_bodies

    nations = snapshot.law.param("covered_nations", day) or []
    bodies = government_bodies(snapshot.dataset, nations, snapshot.law.vocabulary.government_types)
    return frozenset().union(*bodies.values()) if bodies else frozenset()


def _answer(s: Served, snapshot: Snapshot, kind: str, ident: str, on: str, reading: str | None,
            credit: str | None = None, acquired: str | None = None) -> Answer:
    """The answer `/v1/...` gives to the same query on this snapshot, from the same cache."""
    query = check_query(snapshot, kind, ident, on, reading, credit, acquired)
    return cached(s.state, s.answers, query, snapshot, lambda: judge(snapshot, query))


def _unknown(snapshot: Snapshot, kind: str, ident: str) -> HTMLResponse:
    """404 for an id the dataset does not have as a `kind`: a link to the page of the kind it has, else to the
    close ids of every kind (`cli.app.closest_ids`, the command line's search)."""
    from feoc.cli.app import closest_ids

    owner = next((k for k, known in snapshot.ids.items() if k != kind and ident in known), None)
    if owner:
        hints = [(owner, ident)]
    else:
        close = closest_ids(ident, [i for known in snapshot.ids.values() for i in known])
        hints = [(next(k for k, known in snapshot.ids.items() if c in known), c) for c in close]
    links = "".join(f'<li><a href="{html(html_page.href(ROUTES[k], c))}">{html(c)}</a> ({k})</li>' for k, c in hints)
    detail = f"no {kind} with id {ident} in the dataset" + (" — did you mean:" if hints else " — search the index")
    body = [f"<h1>404: unknown {kind}</h1>", f"<p>{html(detail)}</p>"] + ([f"<ul>{links}</ul>"] if links else [])
    return page(html_page.frame(f"Unknown {kind}", body + ['<p><a href="/">Back to the index</a></p>']), 404)


def _subject(s: Served, kind: str, ident: str, on: str | None, reading: str | None, credit: str | None = None,
             acquired: str | None = None) -> Response:
    """The page of one subject: its verdict on `on`, its timeline on the key dates, the readings to switch to."""
    snapshot = s.state.current()
    if not snapshot.has(kind, ident):
        return _unknown(snapshot, kind, ident)
    query = tuple((k, v) for k, v in (("credit", credit), ("acquired", acquired)) if v)
    if on is None:
        last = key_dates(s, snapshot)[-1].isoformat()
        target = html_page.href(ROUTES[kind], ident, on=last, interpretation=reading, **dict(query))
        return RedirectResponse(target, status_code=303, headers=HEADERS)
    verdict = _answer(s, snapshot, kind, ident, on, reading, credit, acquired).verdict
    timeline = [(d, _answer(s, snapshot, kind, ident, d.isoformat(), reading, credit).verdict)
                for d in key_dates(s, snapshot)]
    law = snapshot.law
    readings = () if credit == "45x" else tuple(dict.fromkeys([law.default_interpretation, *law.reading_names()]))
    return page(html_page.subject(html_page.SubjectPage(kind, verdict, snapshot.dataset, timeline, readings, reading,
                                                        governments(snapshot, verdict.on), query, _text(verdict))))


def _text(verdict: Verdict) -> str:
    """The verdict as `feoc check --explain` prints it (render.text), shown folded under the page."""
    from feoc.render.base import CheckView
    from feoc.render.text import check

    return check(CheckView(verdict, True))


def _index(s: Served, q: str, on: str | None) -> Response:
    snapshot = s.state.current()
    dates = key_dates(s, snapshot)
    day = day_param(on, "on") if on else dates[-1]
    return page(index(IndexPage(snapshot.dataset, day, dates, q[:SEARCH_LIMIT])))


async def _respond(request: Request, allowed: tuple[str, ...], build: Callable[[Served], Response]) -> Response:
    """The page, built in a worker thread under the server's time limit, or the HTML page of the problem: a
    parameter the page does not take (400, as the API: a misspelt `interpretaton` must not silently show
    another verdict), a bad date or reading (400), an engine disagreement (500), the time limit (503)."""
    try:
        only(request, *allowed)
        s = served(request)
        return await in_thread(request, lambda: build(s))
    except ProblemError as exc:
        return page(html_page.problem(exc.status, exc.title, exc.detail), exc.status, exc.headers)


@router.get("/", response_class=HTMLResponse)
async def index_page(request: Request, q: str = "", on: str | None = None) -> Response:
    return await _respond(request, ("q", "on"), lambda s: _index(s, q, on))


@router.get("/entities/{ident}", response_class=HTMLResponse)
async def entity_page(request: Request, ident: str, on: str | None = None, interpretation: str | None = None) -> Response:
    return await _respond(request, ("on", "interpretation"), lambda s: _subject(s, "entity", ident, on, interpretation))


@router.get("/facilities/{ident}", response_class=HTMLResponse)
async def facility_page(request: Request, ident: str, on: str | None = None, interpretation: str | None = None,
                        credit: str | None = None) -> Response:
    return await _respond(request, ("on", "interpretation", "credit"),
                          lambda s: _subject(s, "facility", ident, on, interpretation, credit))


@router.get("/vehicles/{ident}", response_class=HTMLResponse)
async def vehicle_page(request: Request, ident: str, on: str | None = None, interpretation: str | None = None,
                       acquired: str | None = None) -> Response:
    return await _respond(request, ("on", "interpretation", "acquired"),
                          lambda s: _subject(s, "vehicle", ident, on, interpretation, acquired=acquired))


@functools.cache
def _static_bytes(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


@router.get("/static/{name}")
async def static_file(name: str) -> Response:
    """One of the files named in `STATIC`, from the package (so the diagrams draw offline); 404 for any other name."""
    if name not in STATIC:
        return page(html_page.problem(404, "Not found", f"no static file {name}"), 404)
    return Response(_static_bytes(name), media_type=STATIC[name],
                    headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})
