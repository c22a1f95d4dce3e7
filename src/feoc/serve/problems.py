"""Errors of `feoc serve` as problem details (RFC 9457, `application/problem+json`): `type`, `title`,
`status`, `detail` (one line: what is wrong and the fix, as the command line says it) and `instance` (the
request's path), plus extension members where they help (`problems`: each `file:line: what — fix`).

Every error the app can meet ends here: a problem a route raises (`ProblemError`), a route or method that
does not exist, a parameter FastAPI rejects, and any other exception — a 500 with one line naming the kind of
failure, never a stack trace (the server's log keeps the traceback for whoever runs it).

A problem quotes the request (its path as `instance`, an unknown id or parameter in `detail`), which anyone can
fill with terminal escapes, bidi overrides or line separators: every JSON body of the server is `SafeJSON`,
written by feoc's one JSON writer (`render/json.py`): those characters as `\\u` escapes, never raw.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from feoc.render.json import dumps

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:feoc:problem:"  # RFC 9457 §3.1.1: a URI that identifies the kind; it need not resolve
_LOG = logging.getLogger("feoc.serve")
_TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 413: "Content too large",
           414: "URI too long", 422: "Unprocessable content", 500: "Internal server error",
           503: "Service unavailable"}


class SafeJSON(JSONResponse):
    """A JSON body as feoc writes JSON (`render.json.dumps`): every character `render.sanitize.UNSHOWN` names as a
    `\\u` escape, so the text decodes exactly and no client, log or terminal showing it meets a raw control or bidi."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode()


class ProblemError(Exception):
    """A problem a route reports: its HTTP status, a short kind (`unknown-id`), one line of detail."""

    def __init__(self, status: int, kind: str, detail: str, *, title: str | None = None,
                 extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.extra = extra or {}
        self.headers = headers or {}


def one_line(text: object, limit: int = 500) -> str:
    """Text on one line, bounded: a detail never carries a newline or a page of text."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def problem_body(status: int, kind: str, detail: str, instance: str, title: str | None = None,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"type": TYPE_BASE + kind, "title": title or _TITLES.get(status, "Error"), "status": status,
            "detail": one_line(detail), "instance": instance}
    body.update(extra or {})
    return body


def problem_response(status: int, kind: str, detail: str, instance: str, *, title: str | None = None,
                     extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return SafeJSON(problem_body(status, kind, detail, instance, title, extra), status_code=status,
                        media_type=MEDIA_TYPE, headers=headers)


def _instance(request: Request) -> str:
    return request.url.path


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.status, exc.kind, exc.detail, _instance(request), title=exc.title, extra=exc.extra,
                            headers=exc.headers)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    """A route that does not exist (404) or a method a route does not take (405)."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        detail = (f"no route {request.url.path} — the routes are listed at /openapi.json (/v1/entities/ID, "
                  "/v1/facilities/ID, /v1/vehicles/ID, /v1/screen, /v1/rules, /healthz)")
        return problem_response(404, "no-route", detail, _instance(request))
    if exc.status_code == 405:
        detail = f"{request.method} is not taken here — this API is read-only: use GET (POST only for /v1/reload)"
        return problem_response(405, "method-not-allowed", detail, _instance(request),
                                headers=dict(exc.headers or {}))
    return problem_response(exc.status_code, "http", one_line(exc.detail), _instance(request),
                            headers=dict(exc.headers or {}))


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    """A parameter FastAPI rejects (a required one missing): 422, naming each one."""
    assert isinstance(exc, RequestValidationError)
    wrong = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
        wrong.append(f"{where}: {error.get('msg', 'invalid')}")
    detail = "; ".join(wrong) + " — e.g. ?on=2024-06-01 (YYYY-MM-DD)"
    return problem_response(422, "invalid-parameter", detail, _instance(request))


async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
    """Anything else: a bug. One line to the client; the traceback to the server's log only."""
    _LOG.error("internal error on %s", request.url.path, exc_info=exc)
    detail = f"internal error ({type(exc).__name__}) — please report it; the server's log has the details"
    return problem_response(500, "internal-error", detail, _instance(request))


def install(app: FastAPI) -> None:
    """Every error of `app` as problem details."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(Exception, _on_crash)
