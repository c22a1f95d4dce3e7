"""Issue 17: where the memory of `feoc screen` goes, phase by phase, in one process (what the command does, from a
Parquet or YAML world): the resident set after each phase and the peak within it (Linux: /proc/self/status,
VmHWM reset through /proc/self/clear_refs before each phase), and the wall time of each phase.

    python bench/profile_memory.py /tmp/feoc-bench-parquet-1000000-s1 [--out FILE.csv]

It states the figures, it does not assert them (bench/README.md, "Issue 17: memory")."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))


def _status(field: str) -> float:
    """A VmRSS / VmHWM figure of this process in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


ROWS: list[tuple[str, float, float, float]] = []


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    _reset_peak()
    start = time.perf_counter()
    yield
    ROWS.append((name, time.perf_counter() - start, _status("VmRSS"), _status("VmHWM")))
    print(f"{name:<44} {ROWS[-1][1]:7.2f} s  rss {ROWS[-1][2]:7.0f} MiB  peak {ROWS[-1][3]:7.0f} MiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("world", type=Path)
    parser.add_argument("--on", default="2024-06-01")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--load-only", action="store_true", help="stop after the load")
    parser.add_argument("--sample", type=float, default=0.0,
                        help="also print the resident set every SECONDS (a run too long to wait for still says where it got)")
    args = parser.parse_args()
    if args.sample:
        import threading

        def sample() -> None:
            start = time.perf_counter()
            while True:
                time.sleep(args.sample)
                print(f"  [{time.perf_counter() - start:7.0f} s] rss {_status('VmRSS'):7.0f} MiB, "
                      f"largest since the phase began {_status('VmHWM'):7.0f} MiB", flush=True)

        threading.Thread(target=sample, daemon=True).start()
    with phase("imports and the law"):
        from feoc.law.law import Law
        from feoc.load.folder import load_dataset
        from feoc.ownership.arrays import warm
        from feoc.render.base import ScreenView, renderer
        from feoc.verdicts.screen import screen

        law = Law.load(None)
        warm()
    with phase("load (read, validate, cross-check)"):
        dataset = load_dataset(args.world, law, compact=True, workers=os.cpu_count() or 1, sort_ids=True)
        gc.freeze()
    if args.load_only:
        return
    day = dt.date.fromisoformat(args.on)
    with phase("screen (every reading, the table)"):
        rows = screen(dataset, day, law)
    with phase("CSV text"):
        text = renderer("screen", "csv")(ScreenView(rows, day, law.interpretation().name,
                                                    tuple(law.reading_names())))
    if args.out is not None:
        with phase("write"):
            args.out.write_text(text)
    print(f"peak of the process (ru_maxrss): {__import__('resource').getrusage(0).ru_maxrss / 1024:.0f} MiB; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
