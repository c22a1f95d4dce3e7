"""The heap of a bulk run (Linux, glibc): memory or time, chosen by the size of the run and the memory free.

Lean (the load; a large world where memory is short; `feoc serve`): every block of 4 MiB or more (a column of numbers,
a round's interests) is mapped on its own and given back to the system when freed. glibc's default threshold grows
to 32 MiB after the first large free, so the arrays of a million-entity screen (8 MiB each) stayed in the heap once
freed, and the resident set kept the largest of them ever held (issue 17, memory: ~0.3 GB of a 1M screen; the
1 GiB target at 1M entities).

Reuse: no block is mapped on its own, so a freed array's pages serve the next one. The lean heap's price is time:
each new block's pages are new to the process and the system zeroes every one of them (`clear_page` was 32 % of a
10M screen's CPU, bench/README.md, "Issue 17: session 27"). Reused, a 10M screen took 228 → 166 s at a peak of
6.6 → 7.1 GiB (the whole run), or 181–195 → 153–172 s at 6.27–6.30 → 6.59–6.72 GiB switched after the
load (session 28).

Tidy (`feoc screen`'s analysis of a world below `REUSE_FROM` entities): reused, and what each step of the analysis
freed (a reading judged, a set of stake graphs built: `step_done`) given back to the system when the step ends, so the
resident set is what the step holds, not the most any step held: a 1M screen's system time ~6.3 → ~4.2 s, its wall
time −1.06 s in the median of six interleaved pairs (−3.0 to +0.7 s), at about the lean heap's peak (935–981 MiB
against 960–972 MiB; bench/README.md, "Issue 17: session 29"; measured at 1M only). The command ends it
(`command_done`).

`FEOC_HEAP=lean` or `reuse` chooses for the whole run. Unset (or `auto`), the load is lean and `feoc screen`'s
analysis (`heap_for`) keeps the heap tidy for a world below `REUSE_FROM` entities, and switches to reuse for a larger
one when the memory available (the system's, and the cgroup's limit: a container's) is at least what the process
holds after its load (`_ROOM`), staying lean where it is not: a large screen is faster where the machine has the
memory, and as lean as before where it has not (docs/scale.md: where a machine runs out). `feoc serve` never switches:
its heap would stay so for every later request. The analysis's settings hold until the command is done
(`command_done`) or the next load (`lean_heap`), and forked workers inherit them (the checks' child is forked before
the switch: lean). Arrow's memory pool is its own allocator and is not governed by this."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HEAP_VARIABLE = "FEOC_HEAP"
REUSE_FROM = 2_000_000  # entities: below, the heap is kept tidy (a 1M screen's peak: the 1 GiB target)
# the memory available (the system's and the cgroup's) must be at least this many times what the process holds after
# its load: a 10M screen grew from ~4.75 GiB after the load to a peak of 6.6-6.7 GiB with the heap reused (x1.4),
# and its forked readings' child writes pages of its own, so the rest of the growth is covered about twice
_ROOM = 1.0
_chosen: str | None = None  # `tidy` or `reuse` once `heap_for` switched the analysis's heap; None: the load's heap
_M_TRIM_THRESHOLD = -1  # mallopt's option numbers (glibc malloc.h)
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_MMAP_MAX_DEFAULT, _TRIM_DEFAULT = 65536, 128 * 1024  # glibc's DEFAULT_MMAP_MAX and DEFAULT_TRIM_THRESHOLD
_MMAP_FROM = 4 * 1024 * 1024  # bytes: larger blocks (a column of 500k numbers) are mapped on their own, given back when freed


def setting() -> str:
    """`lean`, `reuse` or `auto` (FEOC_HEAP unset or `auto`); any other value is `lean`, as it always was."""
    chosen = os.environ.get(HEAP_VARIABLE, "").strip().lower() or "auto"
    return chosen if chosen in ("auto", "reuse") else "lean"


def lean_heap() -> None:
    """At the start of a bulk load: the heap lean, or reused where FEOC_HEAP=reuse (module docstring); a heap that an
    earlier command of this process left reused or tidy (a test run's screens, one after another) is lean again."""
    global _chosen
    _chosen = None
    if setting() == "reuse":
        _reuse()
    else:
        _lean()


def heap_for(entities: int) -> str:
    """Before the bulk analysis of `entities` by `feoc screen` (not a long-lived `feoc serve`, whose heap it would
    set for good), where FEOC_HEAP leaves it to feoc: a world of `REUSE_FROM` entities or more reused where the memory
    available is ample, and lean where it is not; a smaller world reused but kept tidy (`step_done`). The heap's
    policy from here on: `lean`, `reuse` or `tidy` (module docstring)."""
    global _chosen
    chosen = setting()
    if chosen != "auto":
        return chosen
    if entities >= REUSE_FROM:
        available, resident = available_memory(), resident_memory()
        if available is None or resident is None or available < _ROOM * resident:
            return "lean"
    if not _reuse():
        return "lean"
    _chosen = "tidy" if entities < REUSE_FROM else "reuse"
    return _chosen


def command_done() -> None:
    """At the end of the command that called `heap_for` (its output made): where it switched the heap, the heap lean
    again and its free pages given back, so that a process running one command after another (a test run, a script)
    has each choose afresh, and nothing after it is trimmed by `step_done` (`feoc serve`'s requests)."""
    if _chosen is not None:
        lean_heap()
        trim_heap()


def step_done() -> None:
    """At the end of a step of the bulk analysis (a reading judged, a set of stake graphs built): where the heap is
    kept tidy, its free pages given back, so that the next step's arrays are laid in the pages this one freed while
    the resident set stays what it holds (a 1M screen: a third less system time at about the lean heap's peak)."""
    if _chosen == "tidy":
        trim_heap()


def available_memory(root: Path = Path("/")) -> int | None:
    """Bytes this process can be given without swapping or its cgroup's limit: the least of the system's
    `MemAvailable` and, for each memory cgroup it is in and their parents, the limit less the usage (v2 and v1);
    None where unknown. `root`: the file system read (a test's)."""
    rooms = [room for room in (_meminfo(root / "proc/meminfo", "MemAvailable"), *_cgroup_rooms(root))
             if room is not None]
    return min(rooms) if rooms else None


def resident_memory(root: Path = Path("/")) -> int | None:
    """Bytes this process holds in memory (`VmRSS`), None where unknown."""
    return _meminfo(root / "proc/self/status", "VmRSS")


def _meminfo(path: Path, key: str) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in path.read_text(encoding="ascii").splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024  # kB
    return None


def _cgroup_rooms(root: Path) -> Iterator[int | None]:
    """What each memory cgroup of this process, and each parent, leaves below its limit."""
    try:
        lines = (root / "proc/self/cgroup").read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):  # not Linux, or no cgroups
        return
    for line in lines:
        _, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if controllers == "":  # cgroup v2
            base, names = root / "sys/fs/cgroup", ("memory.max", "memory.current")
        elif "memory" in controllers.split(","):  # v1: "unlimited" is a huge number, never the least
            base, names = root / "sys/fs/cgroup/memory", ("memory.limit_in_bytes", "memory.usage_in_bytes")
        else:
            continue
        here = base / path.strip("/")
        while True:
            yield _room(here, names)
            if here == base or base not in here.parents:
                break
            here = here.parent


def _room(folder: Path, names: tuple[str, str]) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        limit, usage = ((folder / name).read_text(encoding="ascii").strip() for name in names)
        return None if limit == "max" else max(0, int(limit) - int(usage))
    return None


def trim_heap() -> None:
    """Give the heap's free pages back to the system (glibc `malloc_trim`), after a step that freed much."""
    trim = _glibc("malloc_trim")
    if trim is not None:
        trim(0)


def _lean() -> None:
    mallopt = _glibc("mallopt")
    if mallopt is not None:
        mallopt(_M_MMAP_MAX, _MMAP_MAX_DEFAULT)  # glibc's own values again, where `_reuse` changed them
        mallopt(_M_TRIM_THRESHOLD, _TRIM_DEFAULT)
        mallopt(_M_MMAP_THRESHOLD, _MMAP_FROM)


def _reuse() -> bool:
    """glibc set to reuse freed blocks; whether it took the settings (mallopt returns 1 on success)."""
    mallopt = _glibc("mallopt")
    # the heap's free top kept, but for `trim_heap`'s explicit trims
    return mallopt is not None and mallopt(_M_MMAP_MAX, 0) == 1 and mallopt(_M_TRIM_THRESHOLD, 1 << 30) == 1


def _glibc(name: str) -> Any:
    """glibc's function `name`, or None where there is none (not Linux, or a C library without it): nothing is
    given back or set that way."""
    libc = _libc()
    return None if libc is None else getattr(libc, name, None)


@functools.cache
def _libc() -> Any:
    """glibc, opened once for the process; None where there is none to open (not Linux)."""
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None
