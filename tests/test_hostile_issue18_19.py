"""A hostile new user tries issues 18 (everyday use) and 19 (`feoc serve`): each test is one defect found by
following the README literally or by attacking the server, named for the user story it breaks.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from feoc.serve.app import create_app
from feoc.serve.state import ServeState

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(ServeState(SEEDS)))


@pytest.mark.parametrize("url", ["/healthz", "/v1/entities/aesc?on=2024-06-01", "/v1/rules", "/",
                                 "/entities/aesc?on=2024-06-01"])
def test_an_uptime_monitor_probing_with_head_gets_the_get_answer_without_a_body(client, url):
    """An uptime monitor or load balancer asks `HEAD /healthz`: RFC 9110 §9.3.2 — a server answers HEAD as GET,
    without the body; it was 405 Method Not Allowed on every route, so the monitor reported the service down."""
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == got.status_code, head.text
    assert head.content == b""
    assert head.headers.get("content-type") == got.headers.get("content-type")
    assert head.headers.get("content-length") == got.headers.get("content-length")


def test_a_typo_in_a_parameter_of_a_route_that_takes_none_says_so(client):
    """`GET /v1/rules?regime=30d`: the problem said "this route takes" and stopped — it takes no parameter."""
    answer = client.get("/v1/rules?regime=30d")
    assert answer.status_code == 400 and answer.headers["content-type"] == PROBLEM
    assert answer.json()["detail"].endswith("this route takes no query parameter"), answer.json()["detail"]


def _serve(port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "feoc", "serve", "--data", str(SEEDS), "--port", str(port), *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_port_already_in_use_is_one_clear_line_and_exit_2_not_the_engine_code():
    """A second `feoc serve` on a busy port: uvicorn's log lines and its exit 3 — which feoc's contract reads as
    "the rule engine disagreed" — after a line claiming the server was up. Now: one line naming the address and
    the fix, exit 2 (a usage problem), and no claim that it is serving."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = _serve(port)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "--port" in lines[0] and "in use" in lines[0]
    assert "Traceback" not in proc.stderr and "INFO" not in proc.stderr


def test_a_host_that_does_not_resolve_is_one_clear_line_and_exit_2():
    """`feoc serve --host no-such-host.invalid`: uvicorn's "Name or service not known" and exit 3 (read as an
    engine disagreement). Now one line naming the host and the fix, exit 2."""
    proc = _serve(0, "--host", "no-such-host.invalid")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no-such-host.invalid" in lines[0] and "--host" in lines[0], proc.stderr


@pytest.fixture(scope="module")
def index_md(tmp_path_factory) -> str:
    from typer.testing import CliRunner

    from feoc.cli import app

    folder = tmp_path_factory.mktemp("reports")
    result = CliRunner().invoke(app, ["report", "--data", str(SEEDS), "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return (folder / "index.md").read_text(encoding="utf-8")


def test_a_tax_adviser_reads_the_plants_products_in_words_said_once(index_md):
    """A tax adviser reads the index's §45X plants: "cannot be determined: battery\\_cell cannot be determined" —
    an internal id (with a Markdown escape) where rules/vocabulary.yaml has the word "battery cell", and the
    status said twice. Now each product by its label, its status named only where it differs from the plant's."""
    plants = index_md[index_md.index("## Plants"):]
    assert "battery\\_cell" not in plants and "anode\\_electrode" not in plants
    assert "cannot be determined: battery cell |" in plants, plants
    assert not any(re.search(r"cannot be determined: .*cannot be determined", row) for row in plants.splitlines())


def test_pressing_tab_outside_the_repository_prints_nothing_over_the_prompt(tmp_path):
    """A user of the installed feoc presses Tab after `feoc check entity ae` in a folder without seeds/: the
    completion printed "note: no --data and no ./seeds: …" three times over the prompt (the --data default ran
    while the shell only asked for completions). The README: feoc answers "without reading data"."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "_FEOC_COMPLETE": "complete_bash", "COMP_WORDS": "feoc check entity ae", "COMP_CWORD": "3"}
    script = "import sys; sys.argv = ['feoc']; from feoc.cli import main; main()"  # as the console script
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr


def test_an_attacker_sending_megabytes_of_headers_is_refused_before_the_app():
    """`feoc serve` promises sane request-size limits, but uvicorn's default parser (httptools) took an 8 MB
    header and answered 200: 64 such connections hold half a gigabyte. Now the head of a request is bounded
    (`serve.limits.MAX_HEAD`): a larger one is refused with 400 before any route runs; a normal one is served."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("serve_load", ROOT / "bench" / "serve_load.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    port = bench.free_port()
    proc = bench.start(SEEDS, port)
    try:
        def ask(extra: bytes) -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
                try:
                    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + extra + b"\r\n")
                    return conn.recv(64)
                except (ConnectionResetError, BrokenPipeError):  # refused and closed while we still sent
                    return b"closed"

        refused = ask(b"X-Big: " + b"a" * 8_000_000 + b"\r\n")
        assert refused.startswith(b"HTTP/1.1 400") or refused == b"closed", refused
        assert ask(b"X-Small: " + b"a" * 2_000 + b"\r\n").startswith(b"HTTP/1.1 200")
    finally:
        bench.stop(proc)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    from feoc.cli import app

    folder = tmp_path_factory.mktemp("reports-all")
    result = CliRunner().invoke(app, ["report", "--data", str(SEEDS), "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_a_tax_adviser_reads_battery_components_and_plant_products_as_words(report_dir):
    """The 2024 Leaf's "Battery components" table listed `cathode\\_electrode`, `battery\\_cell` — ids where
    rules/vocabulary.yaml has "cathode electrode", "battery cell" (the diagram above already used the words);
    SK Battery America's plants table listed its products the same way. Now the words."""
    leaf = (report_dir / "vehicles" / "nissan-leaf-2024.md").read_text(encoding="utf-8")
    table = leaf[leaf.index("#### Battery components"):].split("\n\n")[1]
    assert "| battery cell[^" in table and "\\_" not in table, table
    skba = (report_dir / "entities" / "sk-battery-america.md").read_text(encoding="utf-8")
    plants = skba[skba.index("### Plants it operates"):].split("\n\n")[1]
    assert "battery cell: cannot be determined" in plants, plants
    assert not re.search(r"\| [^|]*battery\\_cell: ", plants), plants


def test_a_tax_adviser_is_not_told_both_halves_failed_on_a_full_credit_date(report_dir):
    """The 2024 Leaf on 2022-08-17: "eligible, 7,500 USD", yet its sourcing halves table said each half
    "not in force | no | 0" — read as two failed halves worth nothing beside a full credit. A half not in force
    is neither met nor failed and earns no half-amount: its cells say so."""
    leaf = (report_dir / "vehicles" / "nissan-leaf-2024.md").read_text(encoding="utf-8")
    first = leaf[leaf.index("### As of 2022-08-17"):leaf.index("### As of 2023-01-01")]
    halves = first[first.index("#### Sourcing halves"):].split("\n\n")[1].splitlines()[2:]
    assert halves and all("not in force" in row for row in halves), halves
    assert not any(row.endswith("| no | 0 |") for row in halves), halves


def test_a_tax_adviser_learns_what_each_reading_named_in_a_contested_verdict_means(report_dir):
    """AESC's report and the index say "contested: feoc-lookthrough: FEOC; government: not a FEOC;
    government-control: …" — reading ids, whose meaning (rules/interpretations.yaml `title`) appeared nowhere in
    the reports. Now the index and every contested report say what each reading is, in its title's words."""
    from feoc.law.law import Law

    law = Law.load()
    titles = {name: law.interpretations[name].title for name in law.reading_names()}
    index = (report_dir / "index.md").read_text(encoding="utf-8")
    aesc = (report_dir / "entities" / "aesc.md").read_text(encoding="utf-8")
    for text in (index, aesc):
        for name, title in titles.items():
            assert f"`{name}`" in text and title.split(";")[0] in text, (name, title)
