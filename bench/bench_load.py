"""Time the dataset loader on a synthetic world, beside PyYAML's C loader parsing the same files.

    python bench/bench_load.py [--entities 100000] [--seed 1] [--repeat 3] [--world DIR] [--regen]

Writes the world with bench/gen_world.py (or reuses it: a `world.json` stamp records what is there),
then runs every measurement in a fresh Python process, `--repeat` times, so that each has its own
peak RSS (`resource.getrusage(RUSAGE_SELF).ru_maxrss`, which never goes down within a process):

- feoc load_dataset: the whole loader (read, yaml-rs parse, pydantic validation, cross-checks), with
  the time spent parsing and cross-checking measured inside the same run;
- yaml-rs parse only: read + `yaml_rs.loads` as the loader calls it;
- PyYAML CSafeLoader parse only: `yaml.load(text, Loader=yaml.CSafeLoader)`, i.e. libyaml, no validation;
- `feoc validate` CLI: the command a user runs, start to exit, imports included.

Prints a Markdown table (best and median wall seconds, peak RSS) for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _files(world: Path) -> list[Path]:
    return sorted(world.glob("*.yaml"))


def measure(kind: str, world: Path) -> dict[str, float]:
    """One measurement in this (fresh) process; returns seconds, peak RSS and, for feoc, the stages."""
    out: dict[str, float] = {}
    import yaml

    import feoc.load.folder as load  # imports are not timed (the CLI row includes them)
    from feoc.law.law import Law

    law = Law.load()  # the rules, loaded by the caller as the CLI does; not timed

    cpu = _cpu()
    if kind == "feoc":

        stages = {"parse": 0.0, "checks": 0.0}
        real_read, real_check = load.load_yaml_file, load.check_dataset

        def timed_read(*args, **kwargs):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return real_read(*args, **kwargs)
            finally:
                stages["parse"] += time.perf_counter() - t

        def timed_check(*args, **kwargs):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return real_check(*args, **kwargs)
            finally:
                stages["checks"] += time.perf_counter() - t

        load.load_yaml_file, load.check_dataset = timed_read, timed_check  # type: ignore[assignment]
        t = time.perf_counter()
        dataset = load.load_dataset(world, law)
        out["seconds"] = time.perf_counter() - t
        out.update(stages)
        out["records"] = sum(dataset.counts().values())
    elif kind == "yaml-rs":
        t = time.perf_counter()
        for path in _files(world):
            load.load_yaml_file(path, dates=False)
        out["seconds"] = time.perf_counter() - t
    elif kind == "pyyaml":
        t = time.perf_counter()
        for path in _files(world):
            yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        out["seconds"] = time.perf_counter() - t
    elif kind == "cli":  # this process only waits: the CLI's own peak RSS is that of its only child
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "feoc.cli", "validate", str(world)], capture_output=True, text=True)
        out["seconds"] = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"feoc validate failed:\n{proc.stderr[-3000:]}")
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        out["cpu"] = child.ru_utime + child.ru_stime
        out["peak_rss_mib"] = child.ru_maxrss / 1024
        return out
    else:
        raise SystemExit(f"unknown measurement {kind}")
    out["cpu"] = _cpu() - cpu
    out["peak_rss_mib"] = _peak_rss_mib()
    return out


def _run_child(kind: str, world: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--measure", kind, "--world", str(world)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"measurement {kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ensure_world(world: Path, entities: int, seed: int, regen: bool) -> dict[str, int]:
    stamp = world / "world.json"
    wanted = {"entities": entities, "seed": seed}
    if not regen and stamp.is_file():
        known = json.loads(stamp.read_text())
        if {k: known.get(k) for k in wanted} == wanted:
            return known
    sys.path.insert(0, str(HERE))
    from gen_world import write_world

    counts = write_world(entities, world, seed)
    info = {**wanted, **counts, "bytes": sum(p.stat().st_size for p in _files(world))}
    stamp.write_text(json.dumps(info))
    return info


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--world", type=Path, default=None, help="dataset folder to write or reuse")
    parser.add_argument("--regen", action="store_true", help="write the world again even if it is there")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one measurement in this process
    args = parser.parse_args(argv)
    world = args.world or Path(tempfile.gettempdir()) / f"feoc-bench-world-{args.entities}-s{args.seed}"

    if args.measure:
        print(json.dumps(measure(args.measure, world)))
        return

    info = ensure_world(world, args.entities, args.seed, args.regen)
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in ("feoc", "yaml-rs", "pyyaml", "cli")}
    load_before = os.getloadavg()[0]
    for _ in range(max(1, args.repeat)):  # interleaved, so a burst of load on the machine hits every row alike
        for kind in runs:
            runs[kind].append(_run_child(kind, world))

    def row(label: str, kind: str, key: str = "seconds") -> str:
        values = [r[key] for r in runs[kind]]
        whole = key == "seconds"
        cpu = f"{min(r['cpu'] for r in runs[kind]):.2f}" if whole else "—"
        rss = f"{max(r['peak_rss_mib'] for r in runs[kind]):.0f}" if whole else "—"
        return f"| {label} | {min(values):.2f} | {statistics.median(values):.2f} | {cpu} | {rss} |"

    print(f"world: {world} — {info.get('entities')} entities, {info.get('holdings')} holdings, "
          f"{info.get('files')} files, {info.get('bytes', 0) / 2**20:.1f} MiB")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.repeat} runs each, every run in a fresh process; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after (other work on the machine inflates wall time, not CPU time)\n")
    print("| measurement | best wall s | median wall s | best CPU s | peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(row("feoc `load_dataset` (parse + validate + cross-checks)", "feoc"))
    print(row("  of which yaml-rs parse (read, decode, parse)", "feoc", "parse"))
    print(row("  of which cross-checks (ids, references, share totals, cycles)", "feoc", "checks"))
    print(row("yaml-rs parse alone", "yaml-rs"))
    print(row("PyYAML `CSafeLoader` parse alone (no validation)", "pyyaml"))
    print(row("`feoc validate` CLI, process start to exit", "cli"))


if __name__ == "__main__":
    main()
