"""`feoc serve`: the verdicts over HTTP (feoc.serve), on uvicorn; FastAPI is imported only when it runs."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import typer

from feoc.cli.app import DATA_OPTION, RULES_OPTION, app, fail_input, note, say, say_skipped
from feoc.data.problems import InputError


@app.command()
def serve(data: Path = DATA_OPTION, rules: Path | None = RULES_OPTION,
          host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (default: this machine only)"),
          port: int = typer.Option(8000, "--port", min=0, max=65535, help="port to listen on"),
          check_every: float = typer.Option(0.0, "--check-every", min=0.0,
                                            help="look for changed files under --data and --rules at most every "
                                                 "this many seconds (0: before every request)"),
          timeout: float = typer.Option(30.0, "--timeout", min=0.1, help="seconds one check or screen may take "
                                        "before the answer is 503 (it finishes in the background)"),
          concurrency: int = typer.Option(64, "--concurrency", min=1, help="connections at once; more are "
                                          "answered 503")) -> None:
    """Answer checks over HTTP: the JSON of `feoc check` at /v1/entities|facilities|vehicles/ID?on=DATE,
    /v1/screen, /v1/rules, /healthz, /openapi.json (README, "feoc serve"). Loads the law and the dataset once;
    a change to their files is seen by the next request. Read-only. Exit 2 if they cannot be loaded."""
    try:
        import uvicorn

        from feoc.serve.app import create_app
        from feoc.serve.limits import Limits, uvicorn_config
        from feoc.serve.state import ServeState
    except ImportError as exc:
        typer.echo(f"feoc serve needs {exc.name}: pip install 'fastapi' 'uvicorn' (feoc's dependencies)", err=True)
        raise typer.Exit(2) from None
    say_skipped(data)
    try:
        state = ServeState(data, rules, check_every_s=check_every)
    except InputError as exc:
        fail_input(exc)
        return
    limits = Limits(timeout_s=timeout, concurrency=concurrency)
    sock = listening(host, port)
    port = sock.getsockname()[1]  # --port 0: the port the system chose
    if host not in ("127.0.0.1", "localhost", "::1"):
        note(f"note: listening on {host}: anyone who can reach it can ask (feoc serve has no authentication)")
    note(f"feoc serve: generation 1 of {data} loaded; http://{host}:{port}/healthz")
    uvicorn.Server(uvicorn_config(create_app(state, limits=limits), host, port, limits)).run(sockets=[sock])


def listening(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port`, or one line naming the address and the fix, exit 2. Bound here, before
    uvicorn starts: uvicorn reports a busy port or an unknown host in its own log lines and exits 3, which
    feoc's exit-code contract reads as "the rule engine disagreed"."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: a restart reuses a closing port
        try:
            sock.bind(address)
        except OSError:
            sock.close()
            raise
    except OSError as exc:
        why = exc.strerror or str(exc)
        fix = ("stop the server using it or choose another --port" if exc.errno == errno.EADDRINUSE
               else "check --host (an address of this machine) and --port")
        say(f"feoc serve: cannot listen on {host}:{port}: {why.lower()} — {fix}")
        raise typer.Exit(2) from None
    sock.set_inheritable(True)
    return sock
