"""Wall time of one `feoc check` from process start to exit, as a user at a shell sees it.

    python bench/bench_check.py                       # 5 runs of `feoc check entity aesc --on 2024-06-01`
    python bench/bench_check.py --runs 9 -- check entity aesc --on 2024-06-01 --explain

Every run is a fresh process started the way a shell starts it (`feoc` found on PATH, so a pyenv shim is
included), in the repository root. The rows:
- `feoc`: the command (load the seeds, judge through durable-rules under every reading, render);
- `feoc, bytecode kept`: the same with compiled bytecode kept between runs (PYTHONDONTWRITEBYTECODE
  unset, PYTHONPYCACHEPREFIX a temporary folder), as on most machines from the second run on;
- `script, bytecode kept`: the same, started as the console script beside the interpreter (no pyenv
  shim), as from a virtual environment; this is the row to hold against the bare typer app;
- `no CLI, bytecode kept` (a `check entity|facility ID --on DAY` only): the same work through feoc's own
  functions with neither typer nor `feoc.cli` imported (the garbage collector handled as the command handles
  it), its output checked byte-identical to the command's: what the command line itself costs is the
  difference from the row above;
- `bare typer app`: a two-option typer app that parses a command line and does nothing, started by the
  interpreter directly: the floor that any typer CLI pays here (it includes importing pydantic: typer
  0.29 builds a pydantic adapter per option, and feoc's models need pydantic anyway);
- `python -c pass`: the interpreter alone.
Each row gives wall time and CPU time (user + system of the child process, `RUSAGE_CHILDREN`): on a shared
machine CPU time moves far less than wall time, so compare CPU time between checkouts and runs.
Then `python -X importtime` of the command, its heaviest imports first.

Wall times on a shared 2-core machine vary by tens of percent between minutes (and double under a load
average of 4-6); compare rows measured in the same invocation (runs are interleaved for that reason), read
best and median, not one run, and quote the load average printed with them.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["check", "entity", "aesc", "--on", "2024-06-01"]


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, bytes, int]:
    """Wall seconds, CPU seconds (user + system of the child), stdout and exit code of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout, proc.returncode


# the work of `feoc check entity|facility ID --on DAY` (feoc/cli/check.py) through feoc's own functions, with
# neither typer nor feoc.cli imported, its start-up treated as the command treats it (feoc.cli.app.starting:
# the cyclic GC paused, then its objects frozen): its output must equal the command's, byte for byte
_NO_CLI = """
import gc
gc.disable()
import datetime as dt, sys
from pathlib import Path
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.load.checks import country_warnings, material_warnings, region_nations
from feoc.load.scan import scan_folder
from feoc.render.base import CheckView, renderer
from feoc.verdicts.subject import entity_verdict, facility_verdict
kind, ident, day = sys.argv[1], sys.argv[2], dt.date.fromisoformat(sys.argv[3])
law = Law.load(None, keep=True)  # as load_law: the copy of the law kept between runs (law/cache.py)
scan_folder(Path("seeds"))
dataset = load_dataset(Path("seeds"), law)
country_warnings(dataset, law.vocabulary, region_nations(law)); material_warnings(dataset, law)
gc.freeze(); gc.enable()
verdict = (entity_verdict if kind == "entity" else facility_verdict)(dataset, ident, day, law, None)
sys.stdout.write(renderer("check", "text")(CheckView(verdict, False)))
sys.exit(verdict.exit_code())
"""


def _no_cli_args(args: list[str]) -> list[str] | None:
    """`kind ident day` when `args` is a plain `check entity|facility ID --on DAY`, else None (no such row)."""
    if len(args) == 5 and args[:2] in (["check", "entity"], ["check", "facility"]) and args[3] == "--on":
        return [args[1], args[2], args[4]]
    return None


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

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="feoc-bench-pycache-") as pycache:
        rows, reference, code = _measure(feoc, args, opts.runs, pycache)
    print(f"feoc {' '.join(args)}  (exit {code}, {len(reference)} bytes; {opts.runs} runs each, "
          f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; Python {sys.version.split()[0]})")
    print(f"{'':24} {'wall best':>9} {'median':>7} {'CPU best':>9} {'median':>7}")
    for name, (walls, cpus) in rows.items():
        print(f"{name:24} {min(walls):9.3f} {statistics.median(walls):7.3f} {min(cpus):9.3f} "
              f"{statistics.median(cpus):7.3f}")

    print(f"\nimports of the command (python -X importtime), top {opts.top} by cumulative ms:")
    for own, cumulative, name in _importtime(args, dict(os.environ), opts.top):
        print(f"{cumulative / 1000:8.1f} {own / 1000:8.1f}  {name}")


def _measure(feoc: str, args: list[str], runs: int,
             pycache: str) -> tuple[dict[str, tuple[list[float], list[float]]], bytes, int]:
    """Wall and CPU seconds of every row, interleaved; and the command's output and exit code."""
    _, _, reference, code = _run([feoc, *args], dict(os.environ))  # warm-up (file cache)
    # the same command with bytecode kept (in a folder of its own, not the source tree), as on a machine
    # that does not set PYTHONDONTWRITEBYTECODE (from the second run on) or after a wheel install
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = pycache
    assert _run([feoc, *args], cached)[2:] == (reference, code)  # warm-up: writes the bytecode
    bare = ("import typer\napp = typer.Typer()\n@app.command()\ndef main(on: str = typer.Option(...), "
            "explain: bool = False) -> None:\n    pass\napp()")
    script = str(Path(sys.executable).with_name("feoc"))  # the console script itself: no pyenv shim, as in a venv
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        "feoc": ([feoc, *args], dict(os.environ)),
        "feoc, bytecode kept": ([feoc, *args], cached),
        "script, bytecode kept": ([script, *args], cached),
    }
    direct = _no_cli_args(args)
    if direct is not None:
        commands["no CLI, bytecode kept"] = ([sys.executable, "-c", _NO_CLI, *direct], cached)
        assert _run(*commands["no CLI, bytecode kept"])[2:] == (reference, code), "the no-CLI row differs"
    commands["bare typer app"] = ([sys.executable, "-c", bare, "--on", "x"], dict(os.environ))
    commands["python -c pass"] = (["python", "-c", "pass"], dict(os.environ))
    rows: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in commands}
    for _ in range(runs):  # interleaved, so a burst of other work on the machine hits every row
        for name, (cmd, env) in commands.items():
            wall, cpu, out, rc = _run(cmd, env)
            if name == "feoc":
                assert (out, rc) == (reference, code), "two runs of the same check differ"
            rows[name][0].append(wall)
            rows[name][1].append(cpu)
    return rows, reference, code


if __name__ == "__main__":
    main()
