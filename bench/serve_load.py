"""A bounded load test of `feoc serve` on loopback (issue 19): C clients × N requests of cached checks.

    python bench/serve_load.py                       # 8 clients × 50 requests, seeds, 127.0.0.1, a free port
    python bench/serve_load.py --clients 2 --requests 10 --data /tmp/world --on 2025-01-01

Starts `python -m feoc serve` as its own process (uvicorn, the limits of `feoc serve`), waits for /healthz,
asks every question once to fill the cache, then runs the clients: each a thread with its own keep-alive
connection (`http.client`), asking checks in turn (entities, facilities with and without credit=45x,
vehicles). Every answer must be HTTP 200 with a Feoc-Exit-Code header; any other answer or a connection error
is an error. Prints the figures (median, p95, max latency in ms, requests per second) and the errors; exits 1
if there was any error, 0 otherwise. Latency is measured at the client, from sending the request to reading
the whole body. tests/test_serve_fast.py runs a small version (2 × 10) for errors only, never for time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(data: Path, port: int, extra: list[str] | None = None) -> subprocess.Popen[bytes]:
    """`feoc serve` on 127.0.0.1:`port`, running once /healthz answers (or RuntimeError with its stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "feoc", "serve", "--data", str(data), "--port", str(port),
                             *(extra or [])], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"feoc serve ended with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    stop(proc)
    raise RuntimeError("feoc serve did not answer /healthz within 120 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def questions(port: int, on: str, limit: int = 40) -> list[str]:
    """Up to `limit` check URLs over the dataset's subjects (from /healthz's counts and /v1/screen's ids)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", f"/v1/screen?on={on}&format=json")
    entities = [row["entity"] for row in json.loads(conn.getresponse().read())["entities"]]
    urls = [f"/v1/entities/{e}?on={on}" for e in entities[:limit // 2]]
    for kind, route in (("facility", "facilities"), ("vehicle", "vehicles")):
        ident = _first_id(conn, kind)
        if ident:
            urls.append(f"/v1/{route}/{ident}?on={on}")
            if kind == "facility":
                urls.append(f"/v1/{route}/{ident}?on={on}&credit=45x")
    return urls


def _first_id(conn: http.client.HTTPConnection, kind: str) -> str | None:
    """An id of `kind`, from the hint a 404 for a made-up id gives (`its … ids include `x``)."""
    route = {"facility": "facilities", "vehicle": "vehicles"}[kind]
    conn.request("GET", f"/v1/{route}/zzzzzzzzzzzzzzzzzzzz-no-such-id?on=2024-01-01")
    detail = json.loads(conn.getresponse().read()).get("detail", "")
    return detail.split("`")[3] if "ids include `" in detail else None


def client(port: int, urls: list[str], n: int, offset: int, times: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for i in range(n):
        url = urls[(offset + i) % len(urls)]
        start = time.perf_counter()
        try:
            conn.request("GET", url)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200 or response.getheader("Feoc-Exit-Code") is None:
                errors.append(f"{url}: HTTP {response.status}")
            times.append(elapsed)
        except OSError as exc:
            errors.append(f"{url}: {type(exc).__name__}: {exc}")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def load_test(port: int, clients: int, requests: int, on: str) -> dict[str, object]:
    """Fill the cache, then `clients` threads × `requests` each; the figures and the errors."""
    urls = questions(port, on)
    warm: list[str] = []
    client(port, urls, len(urls), 0, [], warm)
    times: list[float] = []
    errors: list[str] = list(warm)
    threads = [threading.Thread(target=client, args=(port, urls, requests, k * 7, times, errors)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = sorted(1000 * t for t in times)
    return {"clients": clients, "requests": clients * requests, "distinct_questions": len(urls),
            "median_ms": round(statistics.median(ms), 2) if ms else None,
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2) if ms else None, "max_ms": round(ms[-1], 2) if ms else None,
            "requests_per_s": round(len(ms) / wall, 1) if wall else None, "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "seeds")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--on", default="2025-01-01")
    args = parser.parse_args()
    port = free_port()
    proc = start(args.data, port)
    try:
        figures = load_test(port, args.clients, args.requests, args.on)
    finally:
        stop(proc)
    print(json.dumps({"data": str(args.data), "load_average": os.getloadavg(), **figures}, indent=2))
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
