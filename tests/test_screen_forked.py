"""Issue 17, time: `feoc screen` judges some readings in a forked process (`determine/forked.py`,
`verdicts/screen_ahead.py`). A user's table must be the same bytes whether or not a fork happened, whatever
the child does: answer, fail, raise, or find a reading it cannot decide on arrays."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from feoc.data.problems import EngineError
from feoc.determine import forked
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.render.base import ScreenView
from feoc.render.csv import screen as csv_text
from feoc.verdicts import screen_ahead
from feoc.verdicts.readings import feoc_test_in_force
from feoc.verdicts.screen import bulk_screen

ROOT = Path(__file__).resolve().parents[1]
RULES = Law.load()
DAYS = [dt.date(2020, 6, 1), dt.date(2023, 6, 1), dt.date(2024, 6, 1), dt.date(2025, 6, 1), dt.date(2026, 6, 1)]


@pytest.fixture(scope="module")
def seeds():
    return load_dataset(ROOT / "seeds", RULES, compact=True)


def _table(data, day, monkeypatch, fork: str, interpretation: str | None = None):
    monkeypatch.setenv(forked.FORK_ENV, fork)
    return bulk_screen(data, day, RULES, interpretation)


def _spy(monkeypatch) -> list[int]:
    """Records every fork the screen makes (its child's pid)."""
    made: list[int] = []
    real = forked.Forked.__init__

    def init(self, work):
        real(self, work)
        made.append(self.pid)
    monkeypatch.setattr(forked.Forked, "__init__", init)
    return made


@pytest.mark.parametrize("day", DAYS)
def test_the_seeds_screen_the_same_with_a_forked_child_as_without(seeds, day, monkeypatch):
    """A compliance analyst screening the seeds on any date gets the same table whether the other readings were
    judged in a second process or here; the fork happened where the FEOC test is in force."""
    alone = _table(seeds, day, monkeypatch, "0")
    made = _spy(monkeypatch)
    shared = _table(seeds, day, monkeypatch, "1")
    assert shared.columns == alone.columns
    assert len(made) == (1 if feoc_test_in_force(RULES, day) else 0)


def test_a_generated_world_screens_the_same_bytes_forked(parquet_world_2000, monkeypatch):
    """bench/gen_world.py's 2,000-entity world (cross-holdings, unrecorded measures, worst cases): the CSV is the
    same bytes forked or not, under every reading and for each one alone (one reading alone: nothing to fork)."""
    data = load_dataset(parquet_world_2000, RULES, compact=True)
    day = dt.date(2024, 6, 1)
    for interpretation in [None, *RULES.reading_names()]:
        texts = [csv_text(ScreenView(_table(data, day, monkeypatch, fork, interpretation), day, interpretation or ""))
                 for fork in "01"]
        assert texts[0] == texts[1], interpretation


def test_a_lost_child_leaves_the_readings_to_this_process(seeds, monkeypatch):
    """The child killed without a result (out of memory, a signal): the readings are judged here; same table."""
    day = dt.date(2024, 6, 1)
    alone = _table(seeds, day, monkeypatch, "0")
    monkeypatch.setattr(screen_ahead, "_judged", lambda bulk, name: os._exit(9))
    assert _table(seeds, day, monkeypatch, "1").columns == alone.columns


def test_a_reading_the_child_cannot_decide_on_arrays_is_judged_here(seeds, monkeypatch):
    """`NotBulk` in the child: this process judges that reading (falling back as without a fork)."""
    day = dt.date(2024, 6, 1)
    alone = _table(seeds, day, monkeypatch, "0")
    monkeypatch.setattr(screen_ahead, "_judged", lambda bulk, name: None)
    assert _table(seeds, day, monkeypatch, "1").columns == alone.columns


def test_an_error_in_the_child_is_raised_here(seeds, monkeypatch):
    """A broken stop rule in the child (EngineError: exit 3) is the screen's error, not a table without it."""
    def broken(bulk, name):
        raise EngineError("a chaining stage did not settle")
    monkeypatch.setattr(screen_ahead, "_judged", broken)
    with pytest.raises(EngineError, match="did not settle"):
        _table(seeds, dt.date(2024, 6, 1), monkeypatch, "1")


def test_no_fork_with_another_thread_running_or_when_turned_off(monkeypatch):
    """`feoc serve` judges screens in threads: a fork there could copy a lock another thread holds. Nor a fork
    when FEOC_SCREEN_FORK=0, nor for a small table unless asked."""
    monkeypatch.setenv(forked.FORK_ENV, "1")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forked.can_fork(10**6)
    finally:
        stop.set()
        other.join()
    monkeypatch.setenv(forked.FORK_ENV, "0")
    assert not forked.can_fork(10**6)
    monkeypatch.delenv(forked.FORK_ENV)
    assert not forked.can_fork(forked.FORK_FROM - 1)


def test_no_fork_without_memory_for_a_second_process(monkeypatch):
    """Where what is free is less than this process's size again, the readings stay in one process."""
    monkeypatch.setenv(forked.FORK_ENV, "1")
    monkeypatch.setattr(forked, "_room_for_a_child", lambda: False)
    assert not forked.can_fork(10**6)


def test_the_command_line_screen_is_the_same_bytes_forked(tmp_path, parquet_world_2000):
    """Through the real command, two processes: `feoc screen` forked and not forked write the same file."""
    outs = []
    for fork in "01":
        out = tmp_path / f"screen-{fork}.csv"
        env = {**os.environ, forked.FORK_ENV: fork, "PYTHONPATH": str(ROOT / "src")}
        subprocess.run([sys.executable, "-m", "feoc", "screen", "--data", str(parquet_world_2000), "--on",
                        "2024-06-01", "--out", str(out)], check=True, env=env, capture_output=True, timeout=600)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_the_forked_table_with_attestations_is_the_same(seeds, monkeypatch):
    """Attestations judged in the child come back with its statuses: the `relies_on` columns are unchanged."""
    from feoc.data.model import Attestation

    ids = sorted(seeds.column("entities", "id"))
    atts = tuple(Attestation.model_validate({"id": f"att-{i}", "by": e, "about": {"entity": e}, "claim": "no_feoc",
                                             "signed": dt.date(2024, 1, 1), "document": "a.pdf"})
                 for i, e in enumerate(ids))
    data = dataclasses.replace(seeds, attestations=atts)
    day = dt.date(2024, 6, 1)
    assert _table(data, day, monkeypatch, "1").columns == _table(data, day, monkeypatch, "0").columns


@pytest.mark.parametrize("day", [dt.date(2024, 6, 1), dt.date(2026, 6, 1)])
def test_each_reading_the_child_judges_is_that_readings_own_answer(parquet_world_2000, day, monkeypatch):
    """Reading by reading (not only folded into `status`, where two swapped readings would not show): what the
    child sends back for a reading is what this process decides for that reading, statuses and attestations."""
    from feoc.determine.bulk import BulkReadings

    data = load_dataset(parquet_world_2000, RULES, compact=True)
    names = RULES.reading_names()
    monkeypatch.setenv(forked.FORK_ENV, "1")
    ahead = screen_ahead.judged_ahead(BulkReadings(data, day, RULES), names, None)
    assert ahead is not None and len(ahead.names) >= 2
    try:
        for name in ahead.names:
            codes, reliance = ahead.take(name)
            res = BulkReadings(data, day, RULES).determine(name)
            assert list(codes) == list(screen_ahead.bulk_statuses(res, True)), name
            assert reliance == res.reliance, name
    finally:
        ahead.cancel()
    assert len({tuple(BulkReadings(data, day, RULES).determine(n).feoc.tolist()) for n in ahead.names}) > 1


def test_a_failed_fork_leaves_no_pipe_open_and_judges_every_reading_here(seeds, monkeypatch):
    """Out of processes (`os.fork` raises): no child, the pipes' ends closed at once, the same table judged here."""
    from feoc.determine.bulk import BulkReadings

    day = dt.date(2024, 6, 1)
    alone = _table(seeds, day, monkeypatch, "0")
    opened: list[int] = []
    real_pipe = os.pipe

    def pipe():
        ends = real_pipe()
        opened.extend(ends)
        return ends

    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")
    monkeypatch.setattr(forked.os, "pipe", pipe)
    monkeypatch.setattr(forked.os, "fork", no_fork)
    monkeypatch.setenv(forked.FORK_ENV, "1")
    assert screen_ahead.judged_ahead(BulkReadings(seeds, day, RULES), RULES.reading_names()[1:], None) is None
    assert len(opened) == 4  # two pipes: the readings claimed (`forked.Claims`) and the child's result
    for fd in opened:
        with pytest.raises(OSError):
            os.fstat(fd)
    assert _table(seeds, day, monkeypatch, "1").columns == alone.columns


class _OsWith:
    """`os` as `forked` sees it, with some functions replaced (the real module stays untouched for pytest)."""

    def __init__(self, **replaced):
        self.__dict__.update(replaced)

    def __getattr__(self, name):
        return getattr(os, name)


def test_ctrl_c_while_a_child_is_cancelled_still_reaps_it(monkeypatch):
    """A Ctrl-C landing while the screen cancels its child (an error or an earlier Ctrl-C) must not leave the
    child unreaped, a zombie of the run after `feoc` exits: the interrupt goes on once the child is reaped."""
    import time

    child = forked.Forked(lambda: time.sleep(30))
    real_close = os.close
    hit: list[int] = []

    def close(fd):
        real_close(fd)
        if not hit:
            hit.append(fd)
            raise KeyboardInterrupt
    monkeypatch.setattr(forked, "os", _OsWith(close=close))
    with pytest.raises(KeyboardInterrupt):
        child.cancel()
    monkeypatch.undo()
    with pytest.raises(ChildProcessError):  # reaped: not a zombie
        os.waitpid(child.pid, os.WNOHANG)


def test_ctrl_c_while_a_childs_result_is_waited_for_still_reaps_it(monkeypatch):
    """The same at the normal end: the interrupt lands in the wait for the child that sent its result."""
    child = forked.Forked(lambda: 7)
    real_waitpid = os.waitpid
    hit: list[int] = []

    def waitpid(pid, options):
        if not hit:
            hit.append(pid)
            raise KeyboardInterrupt
        return real_waitpid(pid, options)
    monkeypatch.setattr(forked, "os", _OsWith(waitpid=waitpid))
    with pytest.raises(KeyboardInterrupt):
        child.result()
    monkeypatch.undo()
    assert hit == [child.pid]
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)
