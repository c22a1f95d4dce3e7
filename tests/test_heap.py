"""The bulk run's heap policy (`data.heap`, issue 17): by default a large block is mapped on its own and given back
when freed (the 1 GiB peak at 1M entities); FEOC_HEAP=reuse keeps it in the heap for the next array (a 10M screen
228 → 166 s, its peak 6.6 → 7.1 GiB: bench/README.md, "Issue 17: session 27"); left to feoc, a world of millions of
entities is analysed with the heap reused where the memory available is ample (session 28), a smaller one with the
heap reused but kept tidy, its freed pages given back at the end of each step of the analysis (session 29)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLIBC = pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")

# the end of a script: where an 8 MiB block lands, once a 16 MiB one was freed: "heap" or "own mapping"
_LANDS = """
import ctypes
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
        print("heap" if rest.rstrip().endswith("[heap]") else "own mapping")  # the script's last answer
"""

# where an 8 MiB block lands after `lean_heap`, once a 16 MiB one was freed (glibc's own threshold then rises past
# 16 MiB, so without `lean_heap` it would be carved from the heap): inside the process's [heap] (brk) or a mapping
# of its own
_WHERE = """
import sys
from feoc.data import heap
heap.lean_heap()
if len(sys.argv) > 1:  # then the analysis of a world of argv[1] entities, argv[2] bytes available, argv[3] held
    heap.available_memory = lambda: int(sys.argv[2])
    heap.resident_memory = lambda: int(sys.argv[3])
    print(heap.heap_for(int(sys.argv[1])))  # the script's first answer (the policy chosen), read by _where
if len(sys.argv) > 4:  # then the end of the command ("done") or the next command's load in the same process
    heap.command_done() if sys.argv[4] == "done" else heap.lean_heap()
""" + _LANDS


def _answers(script: str, *args: object, heap: str | None = None) -> str:
    """What `script` prints, run by a fresh interpreter on this checkout with FEOC_HEAP set to `heap` (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k != "FEOC_HEAP"}
    env["PYTHONPATH"] = str(ROOT / "src")
    if heap is not None:
        env["FEOC_HEAP"] = heap
    return subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=120, check=True, cwd=ROOT).stdout


def _where(heap: str | None, *analysis: int | str) -> str:
    """Where the block lands (and first, given an analysis's entities and memory, what `heap_for` chose)."""
    return " ".join(_answers(_WHERE, *analysis, heap=heap).split())


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
@pytest.mark.parametrize("heap", [None, "auto", " Auto "])
def test_a_world_of_millions_is_analysed_with_the_heap_reused_where_memory_is_ample(heap):
    """The user story: a 10M screen on a machine with memory to spare is faster without asking (181–195 → 153–172 s
    here), as FEOC_HEAP=reuse would make it; the load before it stays lean."""
    assert _where(heap, 10_000_000, 20 * GIB, 5 * GIB) == "reuse heap"


@GLIBC
def test_a_tight_machine_keeps_the_lean_heap_for_a_world_of_millions():
    """The user story: a 10M screen with less memory available than it already holds stays as lean as before (its
    peak, not its time, decides whether it finishes: docs/scale.md)."""
    assert _where(None, 10_000_000, 4 * GIB, 5 * GIB) == "lean own mapping"


@GLIBC
@pytest.mark.parametrize("available", [32 * GIB, 1 * GIB])
def test_a_world_of_a_million_is_analysed_with_the_heap_reused_and_kept_tidy(available):
    """The user story: a 1M screen within 1 GiB, with a third less system time than with the lean heap (session 29:
    a freed array's pages serve the next one), and what a step of the analysis freed goes back to the system when it
    ends (`step_done`), whatever the memory free."""
    assert _where(None, 1_000_000, available, 1 * GIB) == "tidy heap"


@GLIBC
@pytest.mark.parametrize(("entities", "policy"), [(1_000_000, "tidy"), (10_000_000, "reuse")])
@pytest.mark.parametrize("then", ["done", "load"])
def test_the_heap_is_lean_again_after_the_command_and_at_the_next_load(entities, policy, then):
    """A process that screens one world after another (a test run, a script calling feoc's functions) ends each
    command, and loads the next world, with the lean heap, whatever the analysis before chose."""
    assert _where(None, entities, 20 * GIB, 1 * GIB, then) == f"{policy} own mapping"


_SCREEN_THEN = """
import sys
from typer.testing import CliRunner
from feoc.cli import app
from feoc.data import heap
chosen = []
choose = heap.heap_for
heap.heap_for = lambda entities: chosen.append(choose(entities)) or chosen[-1]
result = CliRunner().invoke(app, ["screen", "--data", sys.argv[1], "--on", "2024-06-01"])
assert result.exit_code == 0, result.output
print(chosen)  # the script's first answer (the policies chosen), read by the test below
""" + _LANDS


@GLIBC
def test_a_screen_run_in_process_leaves_the_heap_lean_for_what_comes_after():
    """The user story: a script (or a test run) that calls `feoc screen` and then does other work, `feoc serve`'s
    requests included, finds the heap as a load leaves it: the analysis's tidy heap ended with the command."""
    out = _answers(_SCREEN_THEN, ROOT / "seeds")
    assert out.split() == ["['tidy']", "own", "mapping"], out


@GLIBC
@pytest.mark.parametrize("heap", ["lean", "off", "anything else"])
def test_feoc_heap_lean_or_any_other_value_keeps_the_lean_heap_for_any_world(heap):
    """A user who asks for the lean heap (or wrote any value but `auto` and `reuse`, as before) gets it, however
    large or small the world and however much memory is free."""
    assert _where(heap, 10_000_000, 64 * GIB, 1 * GIB) == "lean own mapping"
    assert _where(heap, 1_000_000, 64 * GIB, 1 * GIB) == "lean own mapping"


# a 64 MiB block laid in the heap, written and freed, then the end of a step: the resident set before and after (MiB)
_STEP = """
import ctypes, sys
from feoc.data import heap
heap.available_memory = lambda: 64 << 30
heap.resident_memory = lambda: 1 << 30
heap.lean_heap()
heap.heap_for(int(sys.argv[1]))
if len(sys.argv) > 2:  # the next command's load in the same process, its heap reused throughout (FEOC_HEAP=reuse)
    heap.setting = lambda: "reuse"
    heap.lean_heap()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
keep = libc.malloc(1 << 20)
block = libc.malloc(64 << 20)
above = libc.malloc(1 << 20)  # above the freed block: the heap's top cannot simply shrink past it
assert keep and block and above, "malloc failed"
ctypes.memset(block, 1, 64 << 20)
libc.free(block)
def resident():  # smaps_rollup's Rss is exact (VmRSS is a per-CPU estimate on Linux 6.2 and later)
    return next(int(line.split()[1]) // 1024 for line in open("/proc/self/smaps_rollup") if line.startswith("Rss:"))
before = resident()
heap.step_done()
print(before - resident())  # the script's answer: MiB given back by the end of the step
"""


@GLIBC
@pytest.mark.parametrize(("entities", "given_back", "then"), [(1_000_000, True, ()), (10_000_000, False, ()),
                                                              (1_000_000, False, ("next load",))])
def test_the_end_of_a_step_gives_the_freed_pages_back_only_where_the_heap_is_kept_tidy(entities, given_back, then):
    """What a step freed leaves the resident set at its end where the heap is kept tidy (a 1M world: the 1 GiB
    target), and stays for the next step where it is reused on ample memory (a 10M world: time) or where the next
    command's load chose a heap of its own (the tidy one ends with its analysis)."""
    freed = int(_answers(_STEP, entities, *then))
    assert (freed >= 60) is given_back, freed


def test_the_bulk_analysis_ends_each_reading_and_each_graph_build_as_a_step(monkeypatch):
    """Each reading judged (the real case and its worst case) and each set of stake graphs built ends a step
    (`data.heap.step_done`), where a tidy heap gives back what it freed."""
    import datetime as dt

    from feoc.determine import bulk
    from feoc.law.law import Law
    from feoc.load.folder import load_dataset

    law = Law.load()
    dataset = load_dataset(ROOT / "seeds", law, compact=True)
    steps: list[str] = []
    monkeypatch.setattr(bulk, "step_done", lambda: steps.append("step"))
    graphs = bulk._Bulk.build_graphs

    def build_graphs(self: bulk._Bulk) -> None:
        steps.append("graphs")
        graphs(self)
    monkeypatch.setattr(bulk._Bulk, "build_graphs", build_graphs)
    readings = bulk.BulkReadings(dataset, dt.date(2024, 6, 1), law)
    determine = readings.determine
    monkeypatch.setattr(readings, "determine", lambda *a, **k: steps.append("reading") or determine(*a, **k))
    readings.determine("government")
    assert steps[:2] == ["reading", "graphs"] and steps[2] == "step", steps
    assert steps[-1] == "step" and steps.count("step") >= steps.count("graphs") + 1, steps


def _files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="ascii")
    return root


MEMINFO = "MemTotal:       24683584 kB\nMemAvailable:   21483100 kB\n"


def test_the_memory_available_is_the_systems_where_no_cgroup_limits_it(tmp_path):
    from feoc.data.heap import available_memory, resident_memory

    root = _files(tmp_path, {"proc/meminfo": MEMINFO, "proc/self/status": "Name: python\nVmRSS:\t  524288 kB\n",
                             "proc/self/cgroup": "0::/user/feoc\n", "sys/fs/cgroup/user/feoc/memory.max": "max\n",
                             "sys/fs/cgroup/user/feoc/memory.current": "1000\n"})
    assert available_memory(root) == 21483100 * 1024
    assert resident_memory(root) == 512 * 1024 * 1024
    assert available_memory(tmp_path / "nowhere") is None and resident_memory(tmp_path / "nowhere") is None


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_a_containers_memory_limit_bounds_the_memory_available(tmp_path, version):
    """The user story: feoc in a container limited to 8 GiB on a 24 GiB host. /proc/meminfo shows the host's memory;
    the cgroup's limit less its usage (the parent's here, the tighter) is what the screen can have."""
    from feoc.data.heap import available_memory

    if version == "v2":
        files = {"proc/self/cgroup": "0::/pod/feoc\n",
                 "sys/fs/cgroup/pod/memory.max": str(8 * GIB), "sys/fs/cgroup/pod/memory.current": str(3 * GIB),
                 "sys/fs/cgroup/pod/feoc/memory.max": "max", "sys/fs/cgroup/pod/feoc/memory.current": str(2 * GIB)}
    else:
        files = {"proc/self/cgroup": "5:cpu:/pod\n4:memory:/pod/feoc\n",
                 "sys/fs/cgroup/memory/pod/memory.limit_in_bytes": str(8 * GIB),
                 "sys/fs/cgroup/memory/pod/memory.usage_in_bytes": str(3 * GIB),
                 "sys/fs/cgroup/memory/pod/feoc/memory.limit_in_bytes": "9223372036854771712",
                 "sys/fs/cgroup/memory/pod/feoc/memory.usage_in_bytes": str(2 * GIB)}
    root = _files(tmp_path, {"proc/meminfo": MEMINFO, **files})
    assert available_memory(root) == 5 * GIB


def test_the_memory_available_is_read_from_this_system():
    from feoc.data.heap import available_memory, resident_memory

    if sys.platform == "linux":
        available, resident = available_memory(), resident_memory()
        assert available is not None and resident is not None and 0 < resident < 1 << 50


def test_feoc_screen_asks_for_the_heap_of_its_worlds_size_before_its_analysis(monkeypatch):
    """Before its analysis (after the checks' child is forked, which stays lean), `feoc screen` tells the heap
    policy how many entities it will judge; `feoc serve`, which goes straight to `screened`, never does."""
    from typer.testing import CliRunner

    from feoc.cli import app
    from feoc.cli import screen as screen_command
    from feoc.law.law import Law
    from feoc.load.folder import load_dataset

    steps: list[object] = []
    monkeypatch.setattr("feoc.data.heap.heap_for", lambda entities: steps.append(entities) or "lean")
    judged = screen_command.screened

    def screened(*args: object, **kwargs: object) -> object:
        steps.append("analysis")
        return judged(*args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(screen_command, "screened", screened)
    result = CliRunner().invoke(app, ["screen", "--data", str(ROOT / "seeds"), "--on", "2024-06-01"])
    assert result.exit_code == 0, result.output
    assert steps == [len(load_dataset(ROOT / "seeds", Law.load()).entities), "analysis"]
