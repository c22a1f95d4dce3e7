"""The limits of `feoc serve` (issue 19: read-only, sane limits), each refused as a problem (RFC 9457).

- no request body: every route is a GET but `POST /v1/reload`, which takes none; a request that announces a
  body (`Content-Length` above 0, or `Transfer-Encoding`) is refused with 413 before any route runs;
- a bounded URL: a path over `MAX_PATH` or a query over `MAX_QUERY` characters is refused with 414;
- a bounded request head: uvicorn's h11 parser refuses a request line and headers over `MAX_HEAD` bytes with 400
  before any route runs (its default parser, httptools, takes headers of any size: 8 MB were served);
- a bounded time: a check or screen that takes over `Limits.timeout_s` answers 503 (the work it started
  finishes in the background, one at a time under the judge lock, and fills the cache);
- bounded concurrency: uvicorn's `limit_concurrency` answers 503 past `Limits.concurrency` connections and
  tasks at once, and `timeout_keep_alive` closes idle connections (`uvicorn_config`);
- no secrets: the server reads none and prints none; it binds 127.0.0.1 unless told otherwise.

`HEAD` is answered as `GET` without the body (RFC 9110 §9.3.2: a server supports GET and HEAD), so an uptime
monitor's `HEAD /healthz` sees the status and headers a `GET` would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from feoc.render.json import dumps
from feoc.serve.problems import MEDIA_TYPE, problem_body

MAX_PATH = 512  # an id is a short name; a longer path is no route
MAX_QUERY = 512  # on, interpretation, credit, acquired, format: a few dozen characters
MAX_HEAD = 64 * 1024  # bytes of request line and headers: a browser's cookies and headers fit many times over

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    """What a served request may take. Defaults for one machine answering a procurement system."""

    timeout_s: float = 30.0  # one check or screen, judged (a cached answer takes milliseconds)
    concurrency: int = 64  # connections and tasks at once (uvicorn limit_concurrency), then 503
    keep_alive_s: int = 5  # an idle connection is closed after this (uvicorn timeout_keep_alive)


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((v for k, v in scope.get("headers", ()) if k.lower() == name), None)


def refusal(scope: Scope) -> tuple[int, str, str] | None:
    """Why a request is refused before it reaches a route (status, kind, detail), or None."""
    length = _header(scope, b"content-length")
    if _header(scope, b"transfer-encoding") is not None or (length is not None and length.strip() not in (b"0", b"")):
        return 413, "body-refused", "this API takes no request body — send the question in the URL's query"
    if len(scope.get("raw_path") or scope.get("path", "").encode()) > MAX_PATH:
        return 414, "uri-too-long", f"the path is over {MAX_PATH} characters — no id is that long"
    if len(scope.get("query_string", b"")) > MAX_QUERY:
        return 414, "uri-too-long", (f"the query is over {MAX_QUERY} characters — it takes on, interpretation, "
                                     "credit, acquired or format, once each")
    return None


class LimitsMiddleware:
    """ASGI middleware refusing what `refusal` names, as problem details, before the app sees the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        why = refusal(scope) if scope["type"] == "http" else None
        if why is None and scope["type"] == "http" and scope.get("method") == "HEAD":
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
            return
        if why is None:
            await self.app(scope, receive, send)
            return
        status, kind, detail = why
        body = dumps(problem_body(status, kind, detail, scope.get("path", "")[:MAX_PATH])).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _without_body(send: Send) -> Send:
    """`send` passing the status and headers of a GET's answer (its content-length too) but none of its body."""

    async def sending(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return sending


def uvicorn_config(app: Any, host: str, port: int, limits: Limits) -> Any:
    """The uvicorn server of `feoc serve`: the limits above, no `Server` header, proxy headers not trusted."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, limit_concurrency=limits.concurrency,
                          http="h11", h11_max_incomplete_event_size=MAX_HEAD,
                          timeout_keep_alive=limits.keep_alive_s, server_header=False, proxy_headers=False,
                          log_level="info", access_log=False)
