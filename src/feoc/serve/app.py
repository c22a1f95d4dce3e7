"""`create_app`: the ASGI application of `feoc serve` (FastAPI), over one `ServeState`.

The JSON routes are `feoc.serve.api`; the HTML pages for people are a router added beside them
(`feoc.serve.pages`, when present). `/openapi.json` describes every route, with the verdicts' response
schemas taken from `feoc.schemas.load(name)` — the schemas `feoc check --format json` is published under.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from feoc.serve import problems
from feoc.serve.api import Served, health_router, router
from feoc.serve.limits import Limits, LimitsMiddleware
from feoc.serve.state import ServeState

SCHEMAS = ("finding", "check-subject", "check-vehicle", "check-facility-45x")  # feoc.schemas names in the API


def create_app(state: ServeState | None = None, *, data: Path | None = None, rules: Path | None = None,
               limits: Limits | None = None) -> FastAPI:
    """The app serving `state` (or a state loaded from `data` and `rules`; InputError on bad input)."""
    from feoc import __version__

    if state is None:
        if data is None:
            raise ValueError("create_app needs a ServeState or a data folder")
        state = ServeState(data, rules)
    app = FastAPI(title="feoc", version=__version__, docs_url=None, redoc_url=None,
                  description="FEOC and clean vehicle credit checks, explained: the verdicts of `feoc check` over "
                              "HTTP (README, \"feoc serve\"). Read-only.")
    app.state.feoc = Served(state, limits or Limits())
    problems.install(app)
    app.include_router(router)
    app.include_router(health_router)
    _pages(app)
    app.add_middleware(LimitsMiddleware)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _pages(app: FastAPI) -> None:
    """The HTML pages' router (`feoc.serve.pages.router`), where that module exists."""
    try:
        pages = importlib.import_module("feoc.serve.pages")
    except ModuleNotFoundError as exc:
        if exc.name != "feoc.serve.pages":
            raise
        return
    app.include_router(pages.router)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's description of the routes, with feoc's JSON Schemas as components."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = spec.setdefault("components", {}).setdefault("schemas", {})
        for name in SCHEMAS:
            components[name] = component(name)
        app.openapi_schema = spec
    return app.openapi_schema


def component(name: str) -> dict[str, Any]:
    """Schema `name` of `feoc.schemas.load` as an OpenAPI 3.1 component: its references to the other schema
    files (`finding.schema.json`) and to its own definitions (`#/$defs/…`) pointed into the components."""
    from feoc.schemas import load

    def point(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: point(v) for k, v in node.items() if k not in ("$schema", "$id")}
            ref = node.get("$ref")
            if isinstance(ref, str):
                out["$ref"] = _pointed(name, ref)
            return out
        if isinstance(node, list):
            return [point(v) for v in node]
        return node

    pointed: dict[str, Any] = point(load(name))
    return pointed


def _pointed(name: str, ref: str) -> str:
    file, _, fragment = ref.partition("#")
    target = file.removesuffix(".schema.json") if file else name
    return f"#/components/schemas/{target}{fragment}" if fragment else f"#/components/schemas/{target}"
