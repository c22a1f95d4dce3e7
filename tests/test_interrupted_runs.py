"""A `feoc report` killed (SIGKILL) at random points leaves no partial report file.

The set-up: a complete report folder is generated from a copy of the seeds (the "old" bytes); the seeds
are then changed (one entity renamed, so the dataset hash in every footer changes and every file would be
rewritten) and a fresh, complete generation into another folder gives the "new" bytes. Each trial copies
the old folder, starts `python -m feoc.cli report` on the changed seeds as a real process and kills it
with SIGKILL after a seeded random delay: either anywhere in a typical run (measured first), or aimed at
the writing phase (the process is watched until it starts writing, then killed within the measured
length of that phase). Afterwards every report file must hold either its old bytes or its complete new
bytes, and no file may be missing.

Temporary files: `write_atomically` writes `.NAME.XXXX.tmp` next to the target and renames it; SIGKILL
between the two leaves the temporary file behind. That was a finding of these tests; now `--check` lists
such files as stale and the next complete run removes them (asserted below). The trials print how many
they saw (`pytest -s tests/test_interrupted_runs.py`).

The rules are a private copy, so an edit to rules/ during the run cannot change the expected bytes.
About 30 s; FEOC_KILL_TRIALS=N changes the number of trials of each kind (default 8).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from feoc.law.data import default_rules_dir

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TRIALS = int(os.environ.get("FEOC_KILL_TRIALS", "8"))
TMP_NAME = re.compile(r"^\..+\.tmp$")  # what write_atomically's mkstemp creates: .NAME.XXXXXXXX.tmp
WATCHED = ("", "entities", "vehicles")  # the report folder and its generated subfolders

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def report_command(data: Path, out: Path, rules: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "feoc.cli", "report", "--data", str(data), "--out", str(out), "--rules", str(rules), *extra]


def run_report(data: Path, out: Path, rules: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(report_command(data, out, rules, *extra), capture_output=True, text=True, timeout=120,
                          cwd=out.parent)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Relative path → bytes of every file (temporary ones included)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def is_tmp(name: str) -> bool:
    return bool(TMP_NAME.match(name.rsplit("/", 1)[-1]))


def rename_one_entity(data: Path) -> str:
    """Append ` (renamed)` to the first `name:` in the dataset copy; returns the line changed."""
    for path in sorted(data.glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if re.match(r"^\s+name: \S", line) and not line.rstrip().endswith(("'", '"')):
                lines[i] = line.rstrip() + " (renamed)"
                path.write_text("\n".join(lines), encoding="utf-8")
                return f"{path.name}:{i + 1}: {lines[i].strip()}"
    raise AssertionError("no `name:` line found in the seeds copy")


def _mtimes(out: Path) -> dict[str, int]:
    found = {}
    for sub in WATCHED:
        try:
            with os.scandir(out / sub) as entries:
                for entry in entries:
                    if entry.is_file():
                        found[f"{sub}/{entry.name}"] = entry.stat().st_mtime_ns
        except FileNotFoundError:
            pass
    return found


def wait_for_writing(proc: subprocess.Popen, out: Path, before: dict[str, int], limit: float) -> float | None:
    """Poll until the run creates or changes a file in `out`; the time it took, or None if it ended first."""
    started = time.perf_counter()
    while proc.poll() is None and time.perf_counter() - started < limit:
        if _mtimes(out) != before:
            return time.perf_counter() - started
        time.sleep(0.0005)
    return None


@dataclass
class World:
    base: Path
    rules: Path
    new_data: Path
    old: dict[str, bytes]  # the complete old report folder
    new: dict[str, bytes]  # a complete generation from the changed seeds
    run_time: float  # a typical complete run, in seconds
    write_phase: float  # from the first report file replaced to the last, in seconds
    renamed: str


@dataclass
class Trial:
    name: str
    aimed: bool
    delay: float
    killed: bool  # False when the run ended before the kill
    old_files: list[str] = field(default_factory=list)
    new_files: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)  # neither old nor new bytes
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    tmp_left: list[str] = field(default_factory=list)
    out: Path | None = None


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    base = tmp_path_factory.mktemp("interrupted")
    rules = base / "rules"
    shutil.copytree(default_rules_dir(), rules)
    old_data, new_data = base / "old" / "seeds", base / "new" / "seeds"  # same folder name: same label
    shutil.copytree(SEEDS, old_data)
    shutil.copytree(SEEDS, new_data)
    renamed = rename_one_entity(new_data)

    old_out = base / "old-out"
    proc = run_report(old_data, old_out, rules)
    assert proc.returncode == 0, proc.stderr
    times = []
    for i in range(2):
        started = time.perf_counter()
        proc = run_report(new_data, base / f"new-out-{i}", rules)
        times.append(time.perf_counter() - started)
        assert proc.returncode == 0, proc.stderr
    old, new = snapshot(old_out), snapshot(base / "new-out-0")
    assert new == snapshot(base / "new-out-1"), "two complete runs differ: reports are not deterministic"
    assert set(old) == set(new) and not any(map(is_tmp, old))
    changed = [n for n in new if new[n] != old[n]]
    assert len(changed) >= len(new) // 2, f"the rename changed only {changed}"

    # the writing phase: watch an old copy being rewritten, from the first file replaced to the last
    out = base / "measure"
    shutil.copytree(old_out, out)
    before = _mtimes(out)
    started = time.perf_counter()
    watched = subprocess.Popen(report_command(new_data, out, rules), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=base)
    first = wait_for_writing(watched, out, before, 60)
    assert first is not None, "could not see the run write"
    last = first
    while watched.poll() is None:
        now = _mtimes(out)
        last = time.perf_counter() - started
        if all(now.get(k) != v for k, v in before.items()):
            break
        time.sleep(0.0005)
    watched.wait(timeout=120)
    total = time.perf_counter() - started
    return World(base, rules, new_data, old, new, statistics.median(times + [total]), max(last - first, 0.002), renamed)


def run_trial(world: World, name: str, rng: random.Random, aimed: bool) -> Trial:
    out = world.base / name
    shutil.copytree(world.base / "old-out", out)
    before = _mtimes(out)
    proc = subprocess.Popen(report_command(world.new_data, out, world.rules), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=world.base)
    if aimed:
        delay = rng.uniform(0, world.write_phase)
        wait_for_writing(proc, out, before, 3 * world.run_time + 5)
    else:
        delay = rng.uniform(0, world.run_time)
    time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    if not killed:
        assert proc.returncode == 0, proc.stderr.read().decode()
    proc.stderr.close()

    trial = Trial(name, aimed, delay, killed, out=out)
    after = snapshot(out)
    for rel, content in after.items():
        if is_tmp(rel):
            trial.tmp_left.append(rel)
        elif rel not in world.new:
            trial.unexpected.append(rel)
        elif content == world.new[rel]:
            trial.new_files.append(rel)
        elif content == world.old[rel]:
            trial.old_files.append(rel)
        else:
            trial.partial.append(rel)
    trial.missing = sorted(set(world.new) - set(after))
    return trial


@pytest.fixture(scope="module")
def trials(world) -> list[Trial]:
    rng = random.Random(20240601)
    done = [run_trial(world, f"uniform-{i}", rng, aimed=False) for i in range(TRIALS)]
    done += [run_trial(world, f"aimed-{i}", rng, aimed=True) for i in range(TRIALS)]
    print(f"\ntypical run {world.run_time:.2f} s, writing phase {world.write_phase * 1000:.0f} ms, "
          f"{len(world.new)} report files; renamed {world.renamed}")
    for t in done:
        print(f"  {t.name:10} kill after {t.delay * 1000:6.0f} ms{'' if t.killed else ' (had finished)':16} "
              f"old {len(t.old_files):2}  new {len(t.new_files):2}  partial {len(t.partial)}  "
              f"missing {len(t.missing)}  temporary files left {len(t.tmp_left)}")
    return done


def test_every_report_file_is_old_or_complete_new_after_a_kill(world, trials):
    for t in trials:
        assert not t.partial, f"{t.name}: partial report files {t.partial}"
        assert not t.missing, f"{t.name}: report files missing {t.missing}"
        assert not t.unexpected, f"{t.name}: unexpected files {t.unexpected}"


def test_the_kills_landed_in_every_phase(trials):
    """The trials are worth something only if some kills hit the writing itself (a folder half old, half new)
    and some came before any file was written."""
    assert any(t.killed and t.old_files and t.new_files for t in trials), "no kill landed while files were written"
    assert any(t.killed and not t.new_files for t in trials), "no kill landed before the writing"


def test_check_after_a_kill_lists_exactly_the_files_still_old(world, trials):
    mixed = next((t for t in trials if t.old_files and t.new_files), None)
    if mixed is None:
        pytest.skip("no trial ended half written")
    proc = run_report(world.new_data, mixed.out, world.rules, "--check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    stale = sorted(Path(line.removeprefix("stale: ")).relative_to(mixed.out).as_posix()
                   for line in proc.stdout.splitlines() if line.startswith("stale: "))
    assert stale == sorted(list(mixed.old_files) + list(mixed.tmp_left))  # leftover temporaries are stale too


def test_a_complete_run_after_a_kill_repairs_the_report_files(world, trials):
    last = trials[-1]
    proc = run_report(world.new_data, last.out, world.rules)
    assert proc.returncode == 0, proc.stderr
    after = {k: v for k, v in snapshot(last.out).items() if not is_tmp(k)}
    assert after == world.new


class TemporaryFileLeft(AssertionError):
    """A `.NAME.XXXX.tmp` file of write_atomically is still in the report folder."""


def test_no_temporary_file_survives_a_kill_and_a_rerun(world, trials):
    """After the kills, a complete re-run should leave no temporary file in the folder. A leftover exactly as
    write_atomically names it is also planted, so the outcome does not depend on where the kills landed."""
    left = {t.name: t.tmp_left for t in trials if t.tmp_left}
    print(f"\ntemporary files left by the kills: {sum(map(len, left.values()))} in {len(left)} of {len(trials)} trials")
    out = trials[-1].out
    (out / "entities").mkdir(exist_ok=True)
    (out / "entities" / ".aesc.md.k3j9x0q1.tmp").write_text("half a rep", encoding="utf-8")
    proc = run_report(world.new_data, out, world.rules)
    assert proc.returncode == 0, proc.stderr
    remaining = sorted(k for k in snapshot(out) if is_tmp(k))
    if remaining:
        raise TemporaryFileLeft(f"temporary files remain after a complete run: {remaining}")


def test_screen_killed_midway_leaves_the_old_or_the_new_file(world):
    """`feoc screen --out FILE` killed at random points: FILE holds the old bytes or the complete new bytes,
    never a partial file, and no temporary file survives the next complete run."""
    import time

    out = world.base / "screen" / "screen.csv"
    out.parent.mkdir(exist_ok=True)

    def screen(data: Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "feoc.cli", "screen", "--data", str(data), "--on", "2024-06-01",
                                 "--rules", str(world.rules), "--out", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "CI": "1"})

    assert screen(world.base / "old" / "seeds").wait() == 0
    old = out.read_bytes()
    start = time.perf_counter()
    assert screen(world.new_data).wait() == 0
    typical = time.perf_counter() - start
    new = out.read_bytes()
    assert old != new
    rng = random.Random(7)
    for _ in range(6):
        out.write_bytes(old)
        proc = screen(world.new_data)
        time.sleep(rng.uniform(0, typical))
        proc.kill()
        proc.wait()
        assert out.read_bytes() in (old, new)
    assert screen(world.new_data).wait() == 0
    assert out.read_bytes() == new
    assert not list(out.parent.glob(".*.tmp"))


def test_screen_killed_while_its_workers_parse_leaves_no_worker_behind(tmp_path):
    """`feoc screen` reads files in worker processes; killed (SIGKILL) while they parse, it must not leave
    orphans running (each worker is asked to die with its parent, PR_SET_PDEATHSIG; a worker that missed it
    still ends when it finds its parent's pipe closed)."""
    import time

    data = tmp_path / f"world-{os.getpid()}"
    subprocess.run([sys.executable, str(Path(__file__).resolve().parents[1] / "bench" / "gen_world.py"),
                    "--entities", "60000", "--out", str(data)], check=True, stdout=subprocess.DEVNULL)
    proc = subprocess.Popen([sys.executable, "-m", "feoc.cli", "screen", "--data", str(data), "--on", "2024-06-01",
                             "--out", str(tmp_path / "s.csv")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "CI": "1"})

    def workers() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != proc.pid:
                try:
                    if str(data).encode() in (entry / "cmdline").read_bytes():
                        found.append(int(entry.name))
                except OSError:
                    pass
        return found

    deadline = time.monotonic() + 60
    while not workers() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)  # the workers are forks of the command: same command line
    assert workers(), "no worker process seen (the screen should read files in parallel)"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while workers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not workers(), "worker processes outlived the killed command"
    assert not (tmp_path / "s.csv").exists()
