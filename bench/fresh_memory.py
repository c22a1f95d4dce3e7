"""What a MiB of memory costs to take and touch here, as a function of how long ago memory was last freed.

    python bench/fresh_memory.py                   # 256 MiB a step, pauses 0, 0.5, 1, 2, 3, 5 and 10 s, 3 rounds

Issue 17 (bench/README.md, session 30): on this machine (a virtual machine with `virtio_balloon`), memory that a
process frees goes back to the guest kernel, which after about two seconds reports it to the host as free; the
host then unbacks it, and the next process (or the same one) to touch it pays the host's page faults. Each step
here frees an array, waits PAUSE seconds, then takes and touches a new one of the same size: with no pause it
reuses pages the host still backs, after a long one it does not. A `feoc screen` at 1M entities takes and gives
back a few GiB of pages, so its wall time depends on how long the machine was idle before it; the benchmarks
that compare runs (`bench_parquet.py --settle`) start every run from the same state for that reason.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

PAUSES = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
BALLOON = Path("/sys/bus/virtio/drivers/virtio_balloon")


def touch(mib: int) -> float:
    """Seconds to take `mib` MiB and write every page of it (numpy asks for huge pages at this size)."""
    start = time.perf_counter()
    block = np.ones(mib << 17)  # 8-byte floats: 2^17 a MiB
    took = time.perf_counter() - start
    del block
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times: dict[float, list[float]] = {pause: [] for pause in PAUSES}
    touch(args.mib)  # the first step's pages may be cold whatever the pause: not counted
    for _ in range(args.rounds):
        for pause in PAUSES:  # each round goes through every pause, so a slow minute hits them all
            touch(args.mib)  # freed just now: what the pause below lets the system take back
            time.sleep(pause)
            times[pause].append(touch(args.mib))
    print(f"# {args.mib} MiB a step, {args.rounds} rounds; virtio_balloon driver present: {BALLOON.exists()}")
    print("| pause before the step s | best ms/MiB | median ms/MiB |")
    print("| ---: | ---: | ---: |")
    for pause, took in times.items():
        print(f"| {pause:g} | {min(took) * 1000 / args.mib:.2f} | {statistics.median(took) * 1000 / args.mib:.2f} |")


if __name__ == "__main__":
    main()
