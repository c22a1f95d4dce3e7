"""Wall time of one `feoc check` from process start to exit, as a user at a shell sees it.

    python bench/bench_check.py                       # 5 runs of `feoc check entity aesc --on 2024-06-01`
    python bench/bench_check.py --runs 9 -- check entity aesc --on 2024-06-01 --explain

Every run is a fresh process started the way a shell starts it (`feoc` found on PATH, so a pyenv shim is
included), in the repository root. Five rows:
- `feoc`: the command (load the seeds, judge through durable-rules under every reading, render);
- `feoc, bytecode kept`: the same with compiled bytecode kept between runs (PYTHONDONTWRITEBYTECODE
  unset, PYTHONPYCACHEPREFIX a temporary folder), as on most machines from the second run on;
- `script, bytecode kept`: the same, started as the console script beside the interpreter (no pyenv
  shim), as from a virtual environment; this is the row to hold against the bare typer app;
- `bare typer app`: a two-option typer app that parses a command line and does nothing, started by the
  interpreter directly: the floor that any typer CLI pays here;
- `python -c pass`: the interpreter alone.
Then `python -X importtime` of the command, its heaviest imports first.

Wall times on a shared 2-core machine vary by tens of percent between minutes; compare rows measured in
the same invocation (runs are interleaved for that reason), and read best and median, not one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["check", "entity", "aesc", "--on", "2024-06-01"]


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, bytes, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, proc.stdout, proc.returncode


def _importtime(args: list[str], env: dict[str, str], top: int) -> list[tuple[int, int, str]]:
    """(self µs, cumulative µs, module) of every import the command makes, heaviest cumulative first."""
    code = f"import sys; sys.argv = ['feoc', *{args!r}]; from feoc.cli import main; main()"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        rows.append((int(own), int(cumulative), name))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=25, help="import-time rows to show")
    parser.add_argument("args", nargs="*", help="feoc arguments (after --); default: " + " ".join(DEFAULT))
    opts = parser.parse_args()
    args = opts.args or DEFAULT
    feoc = shutil.which("feoc")
    if feoc is None:
        sys.exit("`feoc` is not on PATH: pip install -e . first")

    with tempfile.TemporaryDirectory(prefix="feoc-bench-pycache-") as pycache:
        rows, reference, code = _measure(feoc, args, opts.runs, pycache)
    print(f"feoc {' '.join(args)}  (exit {code}, {len(reference)} bytes; {opts.runs} runs each, "
          f"load average {os.getloadavg()[0]:.2f})")
    print(f"{'':22} {'best s':>7} {'median s':>9}")
    for name, times in rows.items():
        print(f"{name:22} {min(times):7.3f} {statistics.median(times):9.3f}")

    print(f"\nimports of the command (python -X importtime), top {opts.top} by cumulative ms:")
    for own, cumulative, name in _importtime(args, dict(os.environ), opts.top):
        print(f"{cumulative / 1000:8.1f} {own / 1000:8.1f}  {name}")


def _measure(feoc: str, args: list[str], runs: int, pycache: str) -> tuple[dict[str, list[float]], bytes, int]:
    """Wall seconds of every row, interleaved; and the command's output and exit code."""
    _, reference, code = _run([feoc, *args], dict(os.environ))  # warm-up (file cache)
    # the same command with bytecode kept (in a folder of its own, not the source tree), as on a machine
    # that does not set PYTHONDONTWRITEBYTECODE (from the second run on) or after a wheel install
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = pycache
    assert _run([feoc, *args], cached)[1:] == (reference, code)  # warm-up: writes the bytecode
    bare = ("import typer\napp = typer.Typer()\n@app.command()\ndef main(on: str = typer.Option(...), "
            "explain: bool = False) -> None:\n    pass\napp()")
    script = str(Path(sys.executable).with_name("feoc"))  # the console script itself: no pyenv shim, as in a venv
    rows: dict[str, list[float]] = {"feoc": [], "feoc, bytecode kept": [], "script, bytecode kept": [],
                                    "bare typer app": [], "python -c pass": []}
    for _ in range(runs):  # interleaved, so a burst of other work on the machine hits every row
        seconds, out, rc = _run([feoc, *args], dict(os.environ))
        assert (out, rc) == (reference, code), "two runs of the same check differ"
        rows["feoc"].append(seconds)
        rows["feoc, bytecode kept"].append(_run([feoc, *args], cached)[0])
        rows["script, bytecode kept"].append(_run([script, *args], cached)[0])
        rows["bare typer app"].append(_run([sys.executable, "-c", bare, "--on", "x"], dict(os.environ))[0])
        rows["python -c pass"].append(_run(["python", "-c", "pass"], dict(os.environ))[0])
    return rows, reference, code


if __name__ == "__main__":
    main()
