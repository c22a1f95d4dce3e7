"""End-to-end screening benchmark: synthetic worlds of 10k, 100k and 1M entities (bench/gen_world.py),
each measured in a fresh process: load, ownership analysis, rule engine (durable-rules, the engine of
record, and the plain-Python reference), screen output, peak RSS; and, on the same graph and sources, a
straightforward networkx implementation of the indirect-interest computation as the baseline (both timed
best of 3 up to 100k entities, once at 1M).

    python bench/bench_screen.py                       # 10k and 100k
    python bench/bench_screen.py --sizes 10000 100000 1000000 --evaluators durable-rules reference
    PYTHONPATH=CHECKOUT/src python bench/bench_screen.py --sizes 100000 1000000 --evaluators vectorised --no-baseline

It prints one table (seconds; MiB). Targets are in ../README.md and bench/README.md; this script states
the figures, it does not assert them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def world(n: int, seed: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"feoc-bench-world-{n}-s{seed}"
    done = path / ".complete"  # written after the generator succeeded (the loader reads .yaml files only)
    if not done.exists():
        subprocess.run([sys.executable, str(HERE / "gen_world.py"), "--entities", str(n), "--out", str(path),
                        "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
        done.write_text("")
    return path


def networkx_interests(edges: dict, sources: set) -> dict:
    """The baseline: the same cumulative interest, written the obvious way with networkx (condensation for
    the cycles, topological order, fixed-point sweeps inside each strongly connected component)."""
    import networkx as nx

    g = nx.MultiDiGraph()  # two stakes between the same pair stay two edges
    for entity, holders in edges.items():
        for holder, share in holders:
            g.add_edge(holder, entity, share=share)
    cond = nx.condensation(g)
    value: dict = {}
    for comp in nx.topological_sort(cond):
        members = cond.nodes[comp]["members"]
        for _ in range(100_000):
            change = 0.0
            for node in members:
                total = sum(d["share"] * (1.0 if h in sources else value.get(h, 0.0)) for h, _, d in g.in_edges(node, data=True))
                new = min(total, 1.0)
                change = max(change, abs(new - value.get(node, 0.0)))
                value[node] = new
            if change < 1e-12 or len(members) == 1:
                break
    return {k: v for k, v in value.items() if v > 0}


def best_of(repeats: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest of `repeats` timed runs of `work`, and its result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        s = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - s)
    return best, result


def measure(n: int, seed: int, evaluator: str, baseline: bool = True) -> dict:
    """Runs in a child process: one size, one evaluator (`vectorised` is the bulk path of `feoc screen`)."""
    import datetime as dt

    from feoc.data.model import MEASURES
    from feoc.determine import bulk as bulk
    from feoc.determine.facts import government_bodies
    from feoc.determine.regime30d import determine
    from feoc.engine import columnar as columnar
    from feoc.engine.evaluators import evaluator as make_evaluator
    from feoc.law.law import Law
    from feoc.load.folder import load_dataset
    from feoc.ownership.graph import Graph, Stake, in_edges
    from feoc.render.base import ScreenView, renderer
    from feoc.verdicts.screen import bulk_screen, screen

    day = dt.date(2024, 6, 1)
    law = Law.load()
    path = world(n, seed)
    t0 = time.perf_counter()
    if evaluator == "vectorised":  # as `feoc screen` loads: light rows, files read by worker processes
        dataset = load_dataset(path, law, compact=True, workers=os.cpu_count() or 1, sort_ids=True)
        import gc

        gc.freeze()
    else:
        dataset = load_dataset(path, law)
    t1 = time.perf_counter()
    spent = [0.0]
    if evaluator == "vectorised":
        plain = columnar.rule_mask

        def timed_mask(*args):
            s = time.perf_counter()
            try:
                return plain(*args)
            finally:
                spent[0] += time.perf_counter() - s

        bulk.rule_mask = timed_mask
        rows = bulk_screen(dataset, day, law)
        t2 = time.perf_counter()
        text = renderer("screen", "csv")(ScreenView(rows, day, law.default_interpretation))
        t3 = time.perf_counter()
        interpretation = law.default_interpretation
    else:
        inner = make_evaluator(evaluator)

        class Timed:
            name = inner.name

            def evaluate(self, ruleset, facts):
                s = time.perf_counter()
                try:
                    return inner.evaluate(ruleset, facts)
                finally:
                    spent[0] += time.perf_counter() - s

        det = determine(dataset, day, law, None, Timed())
        t2 = time.perf_counter()
        rows = screen(dataset, day, law, det=det)
        text = renderer("screen", "csv")(ScreenView(rows, day, det.interpretation.name))
        t3 = time.perf_counter()
        interpretation = det.interpretation.name
    # the analysis step against networkx: the covered governments' interest in every entity, all three
    # measures, each side building its own graph from the same stakes
    nations = law.param("covered_nations", day)
    sources = set().union(*government_bodies(dataset, nations, law.vocabulary.government_types).values())
    held = dataset.holdings_on(day)
    edges = {m: in_edges(Stake(h.holder, h.entity, h.share(m)) for h in held if h.share(m) is not None) for m in MEASURES}
    repeats = 3 if n <= 100_000 else 1  # best of 3 where a run is short enough to be noisy (networkx at 1M: ~100 s)
    if evaluator == "vectorised":
        import numpy as np

        ids = sorted(e.id for e in dataset.entities)
        index = {e: i for i, e in enumerate(ids)}
        mask = np.zeros(len(ids), dtype=bool)
        mask[[index[x] for x in sources]] = True
        arrays = {}
        for m in MEASURES:  # the stakes as arrays, as the bulk path reads them from the holdings
            stakes = [(index[h], index[e], v) for e, lst in edges[m].items() for h, v in lst]
            arrays[m] = (np.array([a for a, _, _ in stakes], dtype=np.int64), np.array([b for _, b, _ in stakes], dtype=np.int64),
                         np.array([c for _, _, c in stakes]))
        ours_t, values = best_of(repeats, lambda: {m: bulk.StakeGraph(len(ids), *arrays[m]).interests(mask, False, 0.5)
                                                   for m in MEASURES})
        ours = {m: {ids[i]: float(v[i]) for i in np.flatnonzero(v > 0)} for m, v in values.items()}
    else:
        ours_t, ours = best_of(repeats, lambda: {m: Graph(edges[m]).interests(sources) for m in MEASURES})
    base_t, base = best_of(repeats, lambda: {m: networkx_interests(edges[m], sources) for m in MEASURES}) \
        if baseline else (float("nan"), ours)
    worst = max((abs(ours[m].get(k, 0) - base[m].get(k, 0)) for m in MEASURES for k in set(ours[m]) | set(base[m])), default=0)
    return {"entities": len(dataset.entities), "holdings": len(dataset.holdings), "evaluator": evaluator,
            "load_s": t1 - t0, "analysis_s": (t2 - t1) - spent[0], "engine_s": spent[0], "report_s": t3 - t2,
            "total_s": t3 - t0, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "interest_ours_s": ours_t, "interest_networkx_s": base_t, "max_difference": worst,
            "feoc": rows.feoc_count(), "csv_bytes": len(text), "interpretation": interpretation}


def calibration() -> float:
    """Seconds for a fixed pure-Python loop: how fast this machine is right now (it varies by tens of
    percent on a shared VM), so that runs on different days can be compared."""
    best = float("inf")
    for _ in range(3):
        s = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - s)
    return best


def cli(n: int, seed: int) -> dict:
    """`feoc screen --out FILE` on the world, process start to exit, in a child process of its own: the feoc this
    interpreter imports (`python -m feoc`, so PYTHONPATH picks the checkout measured; before issue 17 the `feoc`
    on PATH)."""
    out = Path(tempfile.gettempdir()) / f"feoc-bench-screen-{n}-{os.getpid()}.csv"
    s = time.perf_counter()
    subprocess.run([sys.executable, "-m", "feoc", "screen", "--data", str(world(n, seed)), "--on", "2024-06-01",
                    "--out", str(out)], check=True, capture_output=True)
    wall = time.perf_counter() - s
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    out.unlink()
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024,
            "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--evaluators", nargs="+", default=["vectorised", "durable-rules", "reference"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cli-runs", type=int, default=3, help="runs of the `feoc screen` command per size")
    parser.add_argument("--no-baseline", action="store_true", help="skip the networkx baseline (~100 s at 1M)")
    parser.add_argument("--measure", nargs=3, metavar=("N", "SEED", "EVALUATOR"), help=argparse.SUPPRESS)
    parser.add_argument("--cli", nargs=2, metavar=("N", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(int(args.measure[0]), int(args.measure[1]), args.measure[2], not args.no_baseline)))
        return
    if args.cli:
        print(json.dumps(cli(int(args.cli[0]), int(args.cli[1]))))
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f}; calibration (a 10^7-step Python loop, best of 3): {calibration():.2f} s")
    head = ("entities", "evaluator", "load_s", "analysis_s", "engine_s", "report_s", "total_s", "peak_rss_mib",
            "interest_ours_s", "interest_networkx_s", "nx_ratio")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for n in args.sizes:
        world(n, args.seed)
        for ev in args.evaluators:
            out = subprocess.run([sys.executable, __file__, "--measure", str(n), str(args.seed), ev,
                                  *(["--no-baseline"] if args.no_baseline else [])], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            r["nx_ratio"] = r["interest_networkx_s"] / max(r["interest_ours_s"], 1e-9)
            print("| " + " | ".join(f"{r[k]:,.2f}" if isinstance(r[k], float) else f"{r[k]:,}" if isinstance(r[k], int)
                                    else str(r[k]) for k in head) + " |", flush=True)
            assert r["max_difference"] < 1e-9, f"networkx baseline disagrees by {r['max_difference']}"
    print()
    print("`feoc screen --out FILE` (default: the vectorised path), process start to exit:")
    print("| entities | best wall s | median wall s | best CPU s | peak RSS MiB | load average |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        runs = []
        for _ in range(args.cli_runs):
            out = subprocess.run([sys.executable, __file__, "--cli", str(n), str(args.seed)],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        walls = sorted(r["wall_s"] for r in runs)
        loads = sorted(r["load"] for r in runs)
        print(f"| {n:,} | {walls[0]:.2f} | {walls[len(walls) // 2]:.2f} | {min(r['cpu_s'] for r in runs):.2f} | "
              f"{max(r['peak_rss_mib'] for r in runs):,.0f} | {loads[0]:.1f}–{loads[-1]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
