"""Issue 17, time: `feoc screen` runs a dataset's cross-record checks in a forked process while it screens the
dataset (`data/pending.py`, `cli/screen._checks_ahead`). A user must see exactly what they saw when the checks ran
first: the same table, the same problems and exit code for a dataset the checks refuse, the same warnings, and no
file written from a dataset that is not valid — whether the child answers, is lost, or the screen trips on the bad
data before the checks' answer is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.pending import PendingChecks
from feoc.data.problems import InputError, Problem
from feoc.determine import forked
from test_screen_forked import _spy  # records each fork made; pytest puts tests/ on sys.path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "bad_inputs"
BAD = sorted(p for p in CORPUS.iterdir() if p.is_dir())
# the datasets whose every file reads but which the cross-record checks refuse: the screen runs on them speculatively
CHECKED_LATER = ("cycle-100", "dangling-references", "duplicate-id-one-file", "duplicate-id-two-files",
                 "shares-over-100", "shares-over-100-on-some-date", "unknown-entity-type", "unknown-vocabulary")
runner = CliRunner()


def _screen(data: Path, out: Path, monkeypatch, fork: str, on: str = "2024-06-01"):
    monkeypatch.setenv(forked.FORK_ENV, fork)
    result = runner.invoke(app, ["screen", "--data", str(data), "--on", on, "--out", str(out)])
    written = out.read_bytes() if out.exists() else None
    if out.exists():
        out.unlink()
    return result.exit_code, result.output, written


@pytest.mark.parametrize("data", BAD, ids=lambda p: p.name)
def test_a_hostile_dataset_reads_the_same_when_checked_beside_the_screen(data, tmp_path, monkeypatch):
    """A journalist's broken dataset: the same exit code and words, and no table written, whether the checks ran
    before the screen or in a child beside it."""
    first = _screen(data, tmp_path / "t.csv", monkeypatch, "0")
    made = _spy(monkeypatch)
    beside = _screen(data, tmp_path / "t.csv", monkeypatch, "1")
    assert beside == first
    if first[0] == 2:
        assert beside[2] is None
    if data.name in CHECKED_LATER:
        assert first[0] == 2 and made, "the checks of a dataset that reads ran in a child"


def test_the_seeds_table_is_the_same_bytes_with_the_checks_in_a_child(tmp_path, monkeypatch):
    """A compliance analyst's screen of the seeds: one table, whichever process ran the checks (and the seeds'
    warnings, if any, said the same)."""
    first = _screen(ROOT / "seeds", tmp_path / "t.csv", monkeypatch, "0")
    made = _spy(monkeypatch)
    beside = _screen(ROOT / "seeds", tmp_path / "t.csv", monkeypatch, "1")
    assert first[0] == 0 and first[2]
    assert beside == first and made


def test_a_lost_child_leaves_the_checks_to_this_process(tmp_path, monkeypatch):
    """The checks' child killed (out of memory): the checks run here, and a broken dataset is still refused."""
    def lost(self):
        raise forked.Lost("killed")
    monkeypatch.setattr(forked.Forked, "result", lost)
    expected = _screen(CORPUS / "dangling-references", tmp_path / "t.csv", monkeypatch, "0")
    assert _screen(CORPUS / "dangling-references", tmp_path / "t.csv", monkeypatch, "1") == expected
    assert expected[0] == 2


def test_the_checks_words_win_over_what_bad_data_did_to_the_screen(tmp_path, monkeypatch):
    """Bad data that makes the screen itself fail: the user reads the dataset's problems (exit 2), not a crash."""
    import feoc.cli.screen as cli_screen

    def tripped(*args, **kwargs):
        raise KeyError("no-such-entity")
    monkeypatch.setattr(cli_screen, "screened", tripped)
    data = CORPUS / "dangling-references"
    code, output, written = _screen(data, tmp_path / "t.csv", monkeypatch, "1")
    assert code == 2 and "no-such-entity" not in output and written is None
    assert code == _screen(data, tmp_path / "t.csv", monkeypatch, "0")[0]


def test_pending_checks_answer_once():
    """`data.pending`: the checks run once, their problems raised at every confirmation; a child's answer is taken
    when there is one, the checks run here when it is lost."""
    calls: list[int] = []
    problem = Problem("f.yaml", 3, "dangling reference", "name an entity")

    def run() -> list[Problem]:
        calls.append(1)
        return [problem]
    pending = PendingChecks(run)
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            pending.confirm()
        assert caught.value.problems == [problem]
    assert calls == [1]
    elsewhere = PendingChecks(run)
    elsewhere.elsewhere(lambda: [])
    elsewhere.confirm()
    assert calls == [1]
    lost = PendingChecks(run)
    lost.elsewhere(lambda: None)
    with pytest.raises(InputError):
        lost.confirm()
    assert calls == [1, 1]


def test_the_terminal_status_line_leaves_the_command_free_to_fork(monkeypatch):
    """An analyst at a terminal: the status line drawn while the dataset loads and is analysed runs no thread, so
    the checks and the other readings still go to a second core (`forked.can_fork` refuses a process with two)."""
    import io
    import threading

    import rich.console

    import feoc.cli.screen as cli_screen

    real = rich.console.Console
    monkeypatch.setattr(rich.console, "Console", lambda **kw: real(file=io.StringIO(), force_terminal=True))
    status = cli_screen._status_display()
    for text in ("loading the dataset…", "analysing 1,000,000 entities…"):
        with status(text):
            assert threading.active_count() == 1
        assert threading.active_count() == 1


@pytest.mark.parametrize("evaluator", ["durable-rules", "reference"])
def test_the_slow_evaluators_judge_a_checked_dataset_only(evaluator, tmp_path, monkeypatch):
    """A tax adviser asking for the engine of record on a broken dataset: the checks run first, in this process
    (no fork), and the dataset's problems are the answer."""
    made = _spy(monkeypatch)
    monkeypatch.setenv(forked.FORK_ENV, "1")
    out = tmp_path / "t.csv"
    result = runner.invoke(app, ["screen", "--data", str(CORPUS / "shares-over-100"), "--on", "2024-06-01",
                                 "--evaluator", evaluator, "--out", str(out)])
    assert result.exit_code == 2 and not out.exists() and made == []


def test_a_fault_of_the_checks_is_raised_at_every_confirmation():
    """A bug in the checks (not a problem of the data) is the same error however often it is asked for, and a
    child's answer is taken once: a second ask never reads its closed pipe again."""
    asked: list[int] = []

    def faulty() -> list[Problem]:
        raise ValueError("a fault of the checks")

    def child() -> None:
        asked.append(1)
        return None
    pending = PendingChecks(faulty)
    pending.elsewhere(child)
    for _ in range(2):
        with pytest.raises(ValueError, match="a fault of the checks"):
            pending.confirm()
    assert asked == [1]


def test_a_child_that_fails_leaves_the_checks_to_this_process(tmp_path, monkeypatch):
    """The checks' child out of memory (any error of its own): the checks run here, the answer as without a fork."""
    import os

    parent, real = os.getpid(), PendingChecks.run

    def run(self):
        if os.getpid() != parent:
            raise MemoryError("the child ran out of memory")
        return real(self)
    monkeypatch.setattr(PendingChecks, "run", run)
    for data in (CORPUS / "dangling-references", CORPUS / "valid-partial-cross-holding"):
        expected = _screen(data, tmp_path / "t.csv", monkeypatch, "0")
        assert _screen(data, tmp_path / "t.csv", monkeypatch, "1") == expected


def test_a_forked_result_is_taken_once():
    """`Forked.result` asked twice: the second time the child is `Lost`, never a read of a closed descriptor."""
    child = forked.Forked(lambda: 42)
    assert child.result() == 42
    with pytest.raises(forked.Lost):
        child.result()


def test_the_commands_freeze_survives_a_fork():
    """The records frozen after the load stay frozen once a child is forked (later collections do not walk them)."""
    import gc

    gc.freeze()
    try:
        before = gc.get_freeze_count()
        forked.Forked(lambda: None).result()
        assert gc.get_freeze_count() >= before > 0
    finally:
        gc.unfreeze()
