"""`feoc serve`'s JSON API (issue 19) through FastAPI's test client, on the seed data.

User story: a procurement system asks "is this supplier / plant / vehicle compliant on this date?" all day over
HTTP, and must get exactly what `feoc check … --format json` prints — the same bytes, the same exit code (in a
header) — and every error as problem details (RFC 9457), never a stack trace.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from feoc.cli import app as cli_app
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.serve.app import create_app
from feoc.serve.limits import Limits
from feoc.serve.state import ServeState
from feoc.verdicts.timeline import key_dates

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
PROBLEM = "application/problem+json"
_LAW = Law.load()
_DATASET = load_dataset(SEEDS, _LAW)
DATES = [d.isoformat() for d in key_dates(_LAW, _DATASET)]  # the dates `feoc report` judges on
SUBJECTS = ([("entity", e.id, None) for e in _DATASET.entities] + [("facility", f.id, None) for f in _DATASET.facilities]
            + [("facility", f.id, "45x") for f in _DATASET.facilities] + [("vehicle", v.id, None) for v in _DATASET.vehicles])
ROUTE = {"entity": "entities", "facility": "facilities", "vehicle": "vehicles"}
runner = CliRunner()


@pytest.fixture(scope="module")
def state() -> ServeState:
    return ServeState(SEEDS)


@pytest.fixture(scope="module")
def client(state: ServeState) -> TestClient:
    return TestClient(create_app(state))


def _cli(kind: str, ident: str, on: str, credit: str | None = None, *extra: str) -> tuple[bytes, int]:
    args = ["check", kind, ident, "--data", str(SEEDS), "--on", on, "--format", "json", *extra]
    result = runner.invoke(cli_app, args + (["--credit", credit] if credit else []))
    return result.stdout_bytes, result.exit_code


def _url(kind: str, ident: str, on: str, credit: str | None = None) -> str:
    return f"/v1/{ROUTE[kind]}/{ident}?on={on}" + (f"&credit={credit}" if credit else "")


@pytest.mark.parametrize(("kind", "ident", "credit"), SUBJECTS, ids=lambda v: str(v))
def test_the_json_is_the_bytes_feoc_check_prints_on_every_seed_subject_and_report_date(client, kind, ident, credit):
    """Issue 19: 'the same JSON as `feoc check … --format json`, byte for byte', on every seed subject (facilities
    with and without credit=45x) and every key date the report uses; the exit code in Feoc-Exit-Code."""
    for on in DATES:
        expected, code = _cli(kind, ident, on, credit)
        got = client.get(_url(kind, ident, on, credit))
        assert got.status_code == 200, got.text
        assert got.content == expected, f"{kind} {ident} {on} {credit}: HTTP body differs from feoc check's stdout"
        assert int(got.headers["Feoc-Exit-Code"]) == code
        assert got.headers["Feoc-Status"] == json.loads(expected)["status"]


@pytest.mark.parametrize("reading", ["government", "feoc-lookthrough", "feoc-holders"])
def test_a_reading_named_in_the_query_is_the_cli_interpretation(client, reading):
    """`?interpretation=NAME` is `--interpretation NAME` (an old name too): the same bytes and exit code."""
    expected, code = _cli("entity", "aesc", "2024-06-01", None, "--interpretation", reading)
    got = client.get(f"/v1/entities/aesc?on=2024-06-01&interpretation={reading}")
    assert (got.content, int(got.headers["Feoc-Exit-Code"])) == (expected, code)


def test_a_vehicle_acquired_before_it_is_placed_in_service(client):
    """`?acquired=DATE` is `--acquired DATE`."""
    expected, code = _cli("vehicle", "nissan-leaf-2024", "2024-06-01", None, "--acquired", "2024-03-01")
    got = client.get("/v1/vehicles/nissan-leaf-2024?on=2024-06-01&acquired=2024-03-01")
    assert (got.content, int(got.headers["Feoc-Exit-Code"])) == (expected, code)


def test_the_console_script_prints_the_same_bytes(client):
    """The real `feoc` process (not the in-process runner): its stdout is the HTTP body."""
    proc = subprocess.run([sys.executable, "-m", "feoc", "check", "facility", "aesc-smyrna", "--data", str(SEEDS),
                           "--on", "2025-01-01", "--format", "json"], capture_output=True, cwd=ROOT, timeout=120,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    got = client.get("/v1/facilities/aesc-smyrna?on=2025-01-01")
    assert got.content == proc.stdout and int(got.headers["Feoc-Exit-Code"]) == proc.returncode


def _problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"].endswith(kind) and body["status"] == status and body["title"] and body["instance"]
    assert "\n" not in body["detail"] and "Traceback" not in body["detail"]
    return body


def test_an_unknown_id_is_404_with_the_ids_it_may_have_meant(client):
    """Issue 18's 'did you mean' over HTTP: `aesk` is close to `aesc`."""
    body = _problem(client.get("/v1/entities/aesk?on=2024-06-01"), 404, "unknown-id")
    assert "did you mean `aesc`" in body["detail"] and body["instance"] == "/v1/entities/aesk"


def test_an_id_of_another_kind_names_the_right_route(client):
    """A facility's id asked of /v1/entities: 404 naming /v1/facilities/ID."""
    body = _problem(client.get("/v1/entities/aesc-smyrna?on=2024-06-01"), 404, "unknown-id")
    assert "it is a facility: use `GET /v1/facilities/aesc-smyrna`" in body["detail"]
    body = _problem(client.get("/v1/vehicles/aesc?on=2024-06-01"), 404, "unknown-id")
    assert "GET /v1/entities/aesc" in body["detail"]


def test_an_id_is_never_used_as_a_path(client):
    """`../` or an encoded slash in an id is an unknown id (or no route), never a file read."""
    for url in ("/v1/entities/..%2F..%2Fetc%2Fpasswd?on=2024-06-01", "/v1/entities/%2e%2e?on=2024-06-01"):
        got = client.get(url)
        assert got.status_code == 404 and got.headers["content-type"].startswith(PROBLEM), got.text


@pytest.mark.parametrize(("query", "status", "kind"), [
    ("on=2024-13-01", 400, "invalid-date"), ("on=20240601", 400, "invalid-date"), ("on=1800-01-01", 400, "invalid-date"),
    ("on=2024-06-01&interpretation=nonsense", 400, "unknown-reading"), ("on=2024-06-01&date=x", 400, "unknown-parameter"),
    ("on=2024-06-01&on=2024-06-02", 400, "repeated-parameter"), ("", 422, "invalid-parameter"),
    ("on=2024-06-01&credit=45x", 400, "unknown-parameter")])
def test_a_malformed_query_is_a_problem_naming_the_fix(client, query, status, kind):
    """A malformed date, an unknown reading or parameter: 400 (a missing `on`: 422), each with its fix."""
    _problem(client.get(f"/v1/entities/aesc?{query}"), status, kind)


_RAW = [b"\x1b", "\u202e".encode(), "\u2028".encode(), "\u2029".encode()]  # ESC, RLO, line/paragraph separators


@pytest.mark.parametrize(("url", "kind", "quoted", "escaped"), [
    ("/v1/entities/%1b%5b31m%e2%80%ae?on=2025-01-01", "unknown-id", "\x1b[31m\u202e", b"\\u001b[31m\\u202e"),
    ("/v1/nope%e2%80%ae%e2%80%a8%e2%80%a9", "no-route", "/v1/nope\u202e", b"\\u202e\\u2028\\u2029"),
    ("/v1/entities/aesc?on=2025-01-01&x%1b%e2%80%ae%e2%80%a8=1", "unknown-parameter", "x\x1b\u202e", b"\\u202e"),
    ("/v1/entities/aesc?on=2025-01-01&interpretation=%e2%80%a9g%e2%80%ae", "unknown-reading", "g\u202e", b"\\u202e")])
def test_a_problem_quoting_hostile_request_text_writes_it_as_json_escapes(client, url, kind, quoted, escaped):
    """Story: a caller puts terminal escapes, a bidi override or line separators in the path or query; the problem
    that quotes them back (detail, instance) holds no raw one — they are `\\u` escapes (README: JSON keeps the exact
    text, those characters written as `\\u` escapes) — and decodes to the text asked (the path exactly)."""
    got = client.get(url)
    body = _problem(got, 404 if kind in ("unknown-id", "no-route") else 400, kind)
    assert not [raw for raw in _RAW if raw in got.content], got.content
    assert escaped in got.content and quoted in body["detail"]
    assert body["instance"] == unquote(url.split("?")[0])


def test_a_vehicle_acquired_after_it_is_placed_in_service_is_refused(client):
    _problem(client.get("/v1/vehicles/nissan-leaf-2024?on=2024-06-01&acquired=2024-07-01"), 400, "invalid-date")


def test_no_route_and_a_wrong_method_are_problems(client):
    _problem(client.get("/v1/companies/aesc"), 404, "no-route")
    _problem(client.delete("/v1/entities/aesc?on=2024-06-01"), 405, "method-not-allowed")


def test_an_unexpected_exception_is_a_500_in_one_line(state, monkeypatch):
    """A bug in judging: 500 with one line naming its kind, never the traceback or the message."""
    import feoc.verdicts.single as single

    def broken(*args, **kwargs):
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(single, "judge_subject", broken)
    client = TestClient(create_app(state), raise_server_exceptions=False)
    body = _problem(client.get("/v1/entities/aesc?on=1999-01-01"), 500, "internal-error")
    assert "ZeroDivisionError" in body["detail"] and "secret" not in body["detail"]


def test_an_engine_disagreement_is_a_500_problem_with_exit_code_3(state, monkeypatch):
    """`feoc check`'s exit 3 (the engine disagreed with the reference): no verdict, a 500 problem."""
    import feoc.verdicts.single as single
    from feoc.data.problems import EngineError

    def disagree(*args, **kwargs):
        raise EngineError("durable-rules and the reference disagree on aesc")

    monkeypatch.setattr(single, "judge_subject", disagree)
    client = TestClient(create_app(state))
    got = client.get("/v1/entities/aesc?on=1998-01-01")
    body = _problem(got, 500, "engine-disagreement")
    assert body["exit_code"] == 3 and got.headers["Feoc-Exit-Code"] == "3"


def test_answers_are_cached_per_question_and_generation(state):
    """A question asked twice is judged once; the cache is bounded (LRU)."""
    app = create_app(state)
    served = app.state.feoc
    served.answers.size = 2
    client = TestClient(app)
    for on in ("2024-06-01", "2024-06-01", "2025-01-01", "2026-01-01"):
        assert client.get(f"/v1/entities/aesc?on={on}").status_code == 200
    assert len(served.answers) == 2


def test_screen_is_the_bytes_of_feoc_screen(client):
    """/v1/screen streams the bytes of `feoc screen --format csv` (and json with format=json)."""
    for fmt in ("csv", "json"):
        expected = runner.invoke(cli_app, ["screen", "--data", str(SEEDS), "--on", "2024-06-01", "--format", fmt])
        got = client.get(f"/v1/screen?on=2024-06-01&format={fmt}")
        assert got.status_code == 200 and got.content == expected.stdout_bytes
    expected = runner.invoke(cli_app, ["screen", "--data", str(SEEDS), "--on", "2025-01-01", "--interpretation",
                                       "government"])
    assert client.get("/v1/screen?on=2025-01-01&interpretation=government").content == expected.stdout_bytes
    _problem(client.get("/v1/screen?on=2024-06-01&format=xml"), 400, "invalid-parameter")


def test_rules_lists_what_feoc_rules_list_knows(client):
    body = client.get("/v1/rules").json()
    assert [r["id"] for r in body["rules"]] == [src.rule.id for src in _LAW.rules]
    first = body["rules"][0]
    assert {"id", "title", "citation", "regime", "effective", "unconfirmed"} <= set(first)


def test_healthz_says_ok_the_generation_and_the_hashes(client):
    from feoc.load.hashes import dataset_hash

    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["generation"] >= 1 and body["last_reload"]["problems"] == []
    assert body["data_sha256"] == dataset_hash(SEEDS) and len(body["rules_sha256"]) == 64


def test_openapi_describes_every_route_with_feoc_schemas(client):
    """/openapi.json: each route, and the verdicts' schemas from `feoc.schemas.load` as components."""
    from feoc.schemas import load

    spec = client.get("/openapi.json").json()
    assert {"/v1/entities/{ident}", "/v1/facilities/{ident}", "/v1/vehicles/{ident}", "/v1/screen", "/v1/rules",
            "/healthz", "/v1/reload"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    for name in ("check-subject", "check-vehicle", "check-facility-45x"):  # generated: anyOf or properties
        published = load(name)
        assert schemas[name].keys() == published.keys() - {"$schema", "$id"}, name
        assert schemas[name]["$defs"].keys() == published["$defs"].keys(), name
    ok = spec["paths"]["/v1/vehicles/{ident}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/check-vehicle"}
    text = json.dumps(spec)
    assert ".schema.json" not in text  # every reference points into the components


def test_limits_are_read_from_the_limits_object(state):
    """The time limit: a check that takes longer answers 503 with Retry-After (the work finishes later)."""
    import time

    import feoc.serve.answers as answers

    slow = TestClient(create_app(state, limits=Limits(timeout_s=0.05)))
    real = answers.judge

    def sleepy(snapshot, query):
        time.sleep(0.5)
        return real(snapshot, query)

    answers.judge = sleepy
    try:
        got = slow.get("/v1/entities/aesc?on=1997-01-01")
    finally:
        time.sleep(0.6)
        answers.judge = real
    body = _problem(got, 503, "timeout")
    assert got.headers["Retry-After"] and "0.05 s" in body["detail"]


def test_a_request_body_is_refused(client):
    """Read-only: no route takes a body; POST /v1/reload takes none either (413 before any route runs)."""
    _problem(client.post("/v1/reload", content=b"{}"), 413, "body-refused")
    _problem(client.request("GET", "/v1/entities/aesc?on=2024-06-01", content=b"x" * 10), 413, "body-refused")


def test_a_long_path_or_query_is_refused(client):
    _problem(client.get("/v1/entities/" + "a" * 600 + "?on=2024-06-01"), 414, "uri-too-long")
    _problem(client.get("/v1/entities/aesc?on=2024-06-01&interpretation=" + "g" * 600), 414, "uri-too-long")


def test_the_server_limits_concurrency_and_idle_connections(state):
    """uvicorn's limit_concurrency (503 past it) and keep-alive timeout come from the Limits; no Server header."""
    from feoc.serve.limits import uvicorn_config

    config = uvicorn_config(create_app(state), "127.0.0.1", 0, Limits(concurrency=7, keep_alive_s=3))
    assert (config.limit_concurrency, config.timeout_keep_alive, config.server_header) == (7, 3, False)
    assert config.host == "127.0.0.1"


def _bench():
    import importlib.util

    spec = importlib.util.spec_from_file_location("serve_load", ROOT / "bench" / "serve_load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_feoc_serve_answers_a_small_load_on_loopback_without_error():
    """The real command (`python -m feoc serve`, uvicorn on 127.0.0.1) under bench/serve_load.py's load, 2 clients
    × 10 requests of cached checks: every answer 200 with its exit code. Errors only: never a timing."""
    bench = _bench()
    port = bench.free_port()
    proc = bench.start(SEEDS, port)
    try:
        figures = bench.load_test(port, 2, 10, "2025-01-01")
    finally:
        bench.stop(proc)
    assert figures["errors"] == [] and figures["requests"] == 20


def test_feoc_serve_refuses_to_start_on_bad_data(tmp_path):
    """Bad input at start: exit 2 with `file:line: what — fix`, no server."""
    (tmp_path / "bad.yaml").write_text("entities:\n  - id: x\n    type: compnay\n", encoding="utf-8")
    result = runner.invoke(cli_app, ["serve", "--data", str(tmp_path), "--port", "1"])
    assert result.exit_code == 2 and "bad.yaml:" in result.output


def test_feoc_check_does_not_import_the_server():
    """`feoc check` stays fast (issue 17): FastAPI, uvicorn and feoc.serve load only for `feoc serve`."""
    probe = ("import sys; sys.argv = ['feoc', 'check', 'entity', 'aesc', '--on', '2024-06-01'];"
             "from feoc.cli import run; run(sys.argv[1:]);"
             "print([m for m in sys.modules if m.split('.')[0] in ('fastapi', 'uvicorn', 'starlette') "
             "or m.startswith('feoc.serve')])")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr


def test_past_the_concurrency_limit_the_server_answers_503():
    """`feoc serve --concurrency 2`: one client holding a keep-alive connection and one asking leave no room for a
    third connection (uvicorn's limit_concurrency counts connections and tasks): 503, then 200 once one closes."""
    import http.client
    import time

    bench = _bench()
    port = bench.free_port()
    proc = bench.start(SEEDS, port, ["--concurrency", "2"])
    try:
        held = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        held.request("GET", "/healthz")
        assert held.getresponse().read()
        extra = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        extra.request("GET", "/healthz")
        assert extra.getresponse().status == 503
        held.close()
        extra.close()
        time.sleep(0.3)
        again = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        again.request("GET", "/healthz")
        assert again.getresponse().status == 200
        again.close()
    finally:
        bench.stop(proc)


def test_a_reading_named_for_a_45x_check_is_noted_as_on_the_command_line(client):
    """§45X has one reading: `--interpretation` changes nothing but a note, over HTTP too."""
    expected, code = _cli("facility", "aesc-smyrna", "2026-06-01", "45x", "--interpretation", "government")
    got = client.get("/v1/facilities/aesc-smyrna?on=2026-06-01&credit=45x&interpretation=government")
    assert (got.content, int(got.headers["Feoc-Exit-Code"])) == (expected, code)
    assert b"changes nothing here" in got.content


def test_each_verdict_validates_against_its_schema_inside_openapi(client):
    """The components of /openapi.json are usable schemas: a check's body validates against its component, the
    references between schema files resolved inside the document."""
    from jsonschema import Draft202012Validator

    spec = client.get("/openapi.json").json()
    for url, name in (("/v1/entities/aesc?on=2024-06-01", "check-subject"),
                      ("/v1/facilities/aesc-smyrna?on=2026-06-01&credit=45x", "check-facility-45x"),
                      ("/v1/vehicles/nissan-leaf-2024?on=2024-06-01", "check-vehicle")):
        schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
        Draft202012Validator(schema).validate(client.get(url).json())
