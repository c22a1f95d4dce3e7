"""The bulk run's heap policy (`data.columns.lean_heap`, issue 17): by default a large block is mapped on its own and
given back when freed (the 1 GiB peak at 1M entities); FEOC_HEAP=reuse keeps it in the heap for the next array
(a 10M screen 228 → 166 s, its peak 6.6 → 7.1 GiB: bench/README.md, "Issue 17: session 27")."""

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
import ctypes
from feoc.data.columns import lean_heap
lean_heap()
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


def _where(heap: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "FEOC_HEAP"}
    env["PYTHONPATH"] = str(ROOT / "src")
    if heap is not None:
        env["FEOC_HEAP"] = heap
    return subprocess.run([sys.executable, "-c", _WHERE], capture_output=True, text=True, env=env, timeout=60,
                          check=True).stdout.strip()


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
