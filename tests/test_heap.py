"""The bulk run's heap policy (`data.heap`, issue 17): by default a large block is mapped on its own and given back
when freed (the 1 GiB peak at 1M entities); FEOC_HEAP=reuse keeps it in the heap for the next array (a 10M screen
228 → 166 s, its peak 6.6 → 7.1 GiB: bench/README.md, "Issue 17: session 27"); left to feoc, a world of millions of
entities is analysed with the heap reused where the memory available is ample (session 28)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLIBC = pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")

# where an 8 MiB block lands after `lean_heap`, once a 16 MiB one was freed (glibc's own threshold then rises past
# 16 MiB, so without `lean_heap` it would be carved from the heap): inside the process's [heap] (brk) or a mapping
# of its own
_WHERE = """
import ctypes, sys
from feoc.data import heap
heap.lean_heap()
if len(sys.argv) > 1:  # then the analysis of a world of argv[1] entities, with argv[2] bytes available
    heap.available_memory = lambda: int(sys.argv[2])
    print("reused" if heap.heap_for(int(sys.argv[1])) else "lean")
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.free(libc.malloc(16 << 20))
block = libc.malloc(8 << 20)
assert block, "malloc failed"
for line in open("/proc/self/maps"):
    span, rest = line.split(" ", 1)
    lo, hi = (int(x, 16) for x in span.split("-"))
    if lo <= block < hi:
        print("heap" if rest.rstrip().endswith("[heap]") else "own mapping")  # the script's answer, read by _where
"""


def _where(heap: str | None, *analysis: int) -> str:
    """Where the block lands (and first, given an analysis's entities and memory, what `heap_for` chose)."""
    env = {k: v for k, v in os.environ.items() if k != "FEOC_HEAP"}
    env["PYTHONPATH"] = str(ROOT / "src")
    if heap is not None:
        env["FEOC_HEAP"] = heap
    return " ".join(subprocess.run([sys.executable, "-c", _WHERE, *map(str, analysis)], capture_output=True,
                                   text=True, env=env, timeout=60, check=True).stdout.split())


@GLIBC
@pytest.mark.parametrize("heap", [None, "lean", "anything else"])
def test_a_large_block_is_mapped_on_its_own_and_given_back_by_default(heap):
    """The user story: a 1M screen within 1 GiB. A freed column's pages go back to the system at once."""
    assert _where(heap) == "own mapping"


@GLIBC
@pytest.mark.parametrize("heap", ["reuse", " Reuse "])
def test_feoc_heap_reuse_keeps_large_blocks_in_the_heap(heap):
    """The user story: a 10M screen on a machine with memory to spare, a quarter faster: a freed array's pages
    serve the next one instead of new pages the system must zero. (glibc maps a block on its own even so when the
    heap cannot grow: a machine where it cannot is not this test's.)"""
    assert _where(heap) == "heap"


GIB = 1 << 30


@GLIBC
@pytest.mark.parametrize("heap", [None, "auto", "anything else"])
def test_a_world_of_millions_is_analysed_with_the_heap_reused_where_memory_is_ample(heap):
    """The user story: a 10M screen on a machine with memory to spare is faster without asking (181–195 → 153–172 s here),
    as FEOC_HEAP=reuse would make it; the load before it stays lean."""
    assert _where(heap, 10_000_000, 32 * GIB) == "reused heap"


@GLIBC
@pytest.mark.parametrize(("entities", "available"), [(10_000_000, 12 * GIB), (1_000_000, 32 * GIB)])
def test_a_tight_machine_or_a_world_of_a_million_keeps_the_lean_heap(entities, available):
    """The user stories: a 10M screen on a machine with ~12 GiB free stays as lean as before (its peak, not its
    time, decides whether it finishes: docs/scale.md); a 1M screen stays within 1 GiB."""
    assert _where(None, entities, available) == "lean own mapping"


@GLIBC
def test_feoc_heap_lean_keeps_the_lean_heap_for_any_world():
    """A user who asks for the lean heap gets it, however large the world and however much memory is free."""
    assert _where("lean", 10_000_000, 64 * GIB) == "lean own mapping"


def test_the_memory_available_is_read_from_the_system():
    from feoc.data.heap import available_memory

    available = available_memory()
    assert available is None or available > 0
    if sys.platform == "linux":
        assert available is not None


def test_the_bulk_screen_asks_for_the_heap_of_its_worlds_size(monkeypatch):
    """Before its analysis, the bulk screen tells the heap policy how many entities it will judge."""
    import datetime as dt

    from feoc.law.law import Law
    from feoc.load.folder import load_dataset
    from feoc.verdicts.screen import bulk_screen

    law = Law.load()
    dataset = load_dataset(ROOT / "seeds", law, compact=True)
    asked: list[int] = []
    monkeypatch.setattr("feoc.verdicts.screen.heap_for", lambda entities: asked.append(entities) or False)
    bulk_screen(dataset, dt.date(2024, 6, 1), law)
    assert asked == [len(dataset.entities)]
