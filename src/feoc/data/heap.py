"""The heap of a bulk run (Linux, glibc): memory or time, chosen by the size of the run and the memory free.

Lean (the load, and a run of fewer than `REUSE_FROM` entities): every block of 4 MiB or more (a column of numbers,
a round's interests) is mapped on its own and given back to the system when freed. glibc's default threshold grows
to 32 MiB after the first large free, so the arrays of a million-entity screen (8 MiB each) stayed in the heap once
freed, and the resident set kept the largest of them ever held (issue 17, memory: ~0.3 GB of a 1M screen; the
1 GiB target at 1M entities).

Reuse: no block is mapped on its own, so a freed array's pages serve the next one. The lean heap's price is time:
each new block's pages are new to the process and the system zeroes every one of them (`clear_page` was 32 % of a
10M screen's CPU, bench/README.md, "Issue 17: session 27"). Reused, a 10M screen took 228 → 166 s at a peak of
6.6 → 7.1 GiB (the whole run), or 181–195 → 153–172 s at 6.3–6.4 → 6.6–6.7 GiB switched after the load
(session 28).

`FEOC_HEAP=lean` or `reuse` chooses for the whole run. Unset (or any other value), the load is lean and the analysis
switches to reuse (`heap_for`) for a world of `REUSE_FROM` entities or more when the memory available is at least
`_ROOM` times its estimated peak: a large screen is faster where the machine has the memory, and as lean as before
where it has not (docs/scale.md: where a machine runs out). glibc's settings hold for the rest of the process, and
forked workers inherit them. Arrow's memory pool is its own allocator and is not governed by this."""

from __future__ import annotations

import contextlib
import ctypes
import os

HEAP_VARIABLE = "FEOC_HEAP"
REUSE_FROM = 2_000_000  # entities: below, a screen takes seconds and reusing saves under a second (1M: 0.6-1.5 s)
_PEAK_PER_ENTITY = 1024  # bytes: a screen's peak with the heap reused, rounded up (7.1 GiB at 10M entities, 1.5
# holdings each: 0.73 KiB an entity)
_ROOM = 1.5  # the memory available must be this many times that estimate (the forked children, the rest of the
# system: twice the peak measured)
_M_TRIM_THRESHOLD = -1  # mallopt's option numbers (glibc malloc.h)
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_MMAP_FROM = 4 * 1024 * 1024  # bytes: larger blocks (a column of 500k numbers) are mapped on their own, given back when freed


def setting() -> str:
    """`lean`, `reuse` or `auto` (FEOC_HEAP unset, or any other value)."""
    chosen = os.environ.get(HEAP_VARIABLE, "").strip().lower()
    return chosen if chosen in ("lean", "reuse") else "auto"


def lean_heap() -> None:
    """At the start of a bulk load: the heap lean, or reused where FEOC_HEAP=reuse (module docstring)."""
    if setting() == "reuse":
        _reuse()
    else:
        _lean()


def heap_for(entities: int) -> bool:
    """Before a bulk analysis of `entities`: the heap reused from here on where FEOC_HEAP leaves it to feoc and the
    world is large enough and the memory available ample (module docstring). Whether it is reused now."""
    if setting() != "auto" or entities < REUSE_FROM:
        return setting() == "reuse"
    available = available_memory()
    if available is None or available < _ROOM * _PEAK_PER_ENTITY * entities:
        return False
    return _reuse()


def available_memory() -> int | None:
    """Bytes the system can give without swapping (`MemAvailable` of /proc/meminfo), None where unknown."""
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


def trim_heap() -> None:
    """Give the heap's free pages back to the system (glibc `malloc_trim`), after a step that freed much."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _lean() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, _MMAP_FROM)


def _reuse() -> bool:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_MAX, 0)
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)  # the heap's free top kept, but for `trim_heap`'s explicit trims
        return True
    return False
