"""Issue 15, reliability round 2: what `report --out`, `screen --out` and stdout do to the user's files.

Each test names the attack it encodes (class 1 data loss, class 5 tracebacks of odd output targets and of a
closed or full stdout, class 7 file modes). The rules are render/outdir.py's docstring; the README's
"Output folders" note says the same for users.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.render import outdir

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
REPORTS = ROOT / "reports"
MANIFEST = ".feoc-report.sha256"
ON = "2024-06-01"
runner = CliRunner()

TINY = """\
entities:
  - {id: alpha, name: Alpha Corp, type: company, incorporated_in: US}
  - {id: beta, name: Beta Corp, type: company, incorporated_in: US}
holdings:
  - {holder: alpha, entity: beta, equity: 0.5}
"""


def tiny(tmp_path: Path, text: str = TINY, name: str = "data") -> Path:
    data = tmp_path / name
    data.mkdir(exist_ok=True)
    (data / "d.yaml").write_text(text, encoding="utf-8")
    return data


def report(data: Path, out: Path, *extra: str) -> object:
    return runner.invoke(app, ["report", "--data", str(data), "--out", str(out), "--on", ON, *extra])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def one_line_exit_2(result: object, *words: str) -> str:
    """Exit 2, no traceback, and (at least) one line that names what it must name."""
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 2, output  # type: ignore[attr-defined]
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)  # type: ignore[attr-defined]
    lines = [line for line in output.splitlines() if all(w in line for w in words)]
    assert lines, f"no line names {words}:\n{output}"
    return lines[0]


# ---- class 1: a run deletes and replaces only what it wrote ---------------------------------------------------

def test_attack_foreign_files_in_the_generated_subfolders_and_temporaries_survive(tmp_path):
    """`report --out DIR` deleted every entities/*.md and vehicles/*.md and every `.*.tmp` below DIR."""
    data, out = tiny(tmp_path), tmp_path / "out"
    assert report(data, out).exit_code == 0
    planted = {"entities/notes.md": b"my notes\n", "vehicles/mine.md": b"mine\n", ".scratch.tmp": b"x",
               "entities/.draft.md.abcdefgh.tmp": b"a temporary of a file feoc does not own",
               "entities/.alpha.md.backup.tmp": b"not mkstemp's shape", "sub/.deep.tmp": b"deep"}
    for name, content in planted.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(content)
    (out / "entities" / ".beta.md.k3j9x0q1.tmp").write_text("half a report")  # feoc's own leftover
    tiny(tmp_path, TINY.replace("  - {id: beta, name: Beta Corp, type: company, incorporated_in: US}\n", "")
         .split("holdings:")[0])
    result = report(data, out)
    assert result.exit_code == 0, result.output
    after = snapshot(out)
    assert all(after[name] == content for name, content in planted.items())
    assert "entities/beta.md" not in after and "entities/.beta.md.k3j9x0q1.tmp" not in after
    assert "entities/alpha.md" in after and "index.md" in after


def test_attack_a_report_edited_by_hand_and_no_longer_produced_is_kept(tmp_path):
    data, out = tiny(tmp_path), tmp_path / "out"
    assert report(data, out).exit_code == 0
    (out / "entities" / "beta.md").write_text("my annotated copy\n")
    tiny(tmp_path, TINY.split("  - {id: beta")[0])
    result = report(data, out)
    assert result.exit_code == 0, result.output
    assert (out / "entities" / "beta.md").read_text() == "my annotated copy\n"
    assert "beta.md: kept" in result.output


def test_attack_a_forged_manifest_cannot_delete_outside_the_folder(tmp_path):
    data, out = tiny(tmp_path), tmp_path / "out"
    assert report(data, out).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    digest = hashlib.sha256(b"precious").hexdigest()
    with (out / MANIFEST).open("a") as handle:
        handle.write(f"{digest}  ../victim.txt\n")
    one_line_exit_2(report(data, out), MANIFEST, "manifest")
    assert victim.read_text() == "precious"
    # a manifest line through a link to another folder: listed, matching, and still not removed
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.md").write_text("precious")
    (out / "linked").symlink_to(tmp_path / "elsewhere")
    lines = (out / MANIFEST).read_text().splitlines()[:-1] + [f"{digest}  linked/x.md"]
    (out / MANIFEST).write_text("\n".join(lines) + "\n")
    assert report(data, out).exit_code == 0
    assert (tmp_path / "elsewhere" / "x.md").read_text() == "precious"


def test_attack_out_at_the_root_or_the_home_folder_is_refused_and_check_walks_nothing(tmp_path, monkeypatch):
    """`--out /` was taken, and with `--check` walked the whole file system."""
    data = tiny(tmp_path)
    for extra in ((), ("--check",)):
        started = time.monotonic()
        one_line_exit_2(report(data, Path("/"), *extra), "--out /", "file-system root")
        assert time.monotonic() - started < 10
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.md").write_text("years of work")
    monkeypatch.setenv("HOME", str(home))
    for extra in ((), ("--check",), ("--force",)):
        one_line_exit_2(report(data, home, *extra), str(home), "home folder")
    assert snapshot(home) == {"thesis.md": b"years of work"}


def test_attack_a_non_empty_foreign_folder_is_refused_unless_force(tmp_path):
    data, out = tiny(tmp_path), tmp_path / "docs"
    out.mkdir()
    (out / "index.md").write_text("# my own index\n")
    (out / "notes.txt").write_text("notes\n")
    before = snapshot(out)
    line = one_line_exit_2(report(data, out), str(out), "--force")
    assert "did not write" in line
    assert snapshot(out) == before
    result = report(data, out, "--force")
    assert result.exit_code == 0, result.output
    after = snapshot(out)
    assert after["notes.txt"] == b"notes\n" and "entities/alpha.md" in after
    assert b"Generated by feoc" in after["index.md"]  # --force replaces a foreign file at feoc's own name


def test_attack_a_foreign_file_at_a_report_name_in_a_feoc_folder_is_not_replaced_without_force(tmp_path):
    data, out = tiny(tmp_path), tmp_path / "out"
    assert report(data, out).exit_code == 0
    manifest = (out / MANIFEST).read_text()
    (out / MANIFEST).write_text("".join(line + "\n" for line in manifest.splitlines()
                                        if not line.endswith("entities/alpha.md")))
    (out / "entities" / "alpha.md").write_text("a file of mine that happens to have this name\n")
    one_line_exit_2(report(data, out), "alpha.md", "not written by feoc")
    assert (out / "entities" / "alpha.md").read_text().startswith("a file of mine")


def test_markdown_and_json_runs_share_a_folder_and_keep_each_others_files(tmp_path):
    """Before the manifest each format claimed only its own names; the manifest keeps it so."""
    data, out = tiny(tmp_path), tmp_path / "out"
    assert report(data, out).exit_code == 0
    assert report(data, out, "--format", "json").exit_code == 0
    files = snapshot(out)
    assert "report.json" in files and "entities/alpha.md" in files
    assert report(data, out, "--check").exit_code == 0
    assert report(data, out, "--check", "--format", "json").exit_code == 0
    assert report(data, out).exit_code == 0 and snapshot(out) == files


def test_attack_the_committed_reports_are_adopted_and_check_passes(tmp_path):
    """The committed reports/ has no manifest: it is adopted (every file is what this run writes, or carries
    feoc's footer); `--check` passes on it and a run writes nothing but the manifest."""
    check = runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(REPORTS), "--check"])
    assert check.exit_code == 0, check.output
    copy = tmp_path / "reports"
    shutil.copytree(REPORTS, copy, ignore=shutil.ignore_patterns(MANIFEST))  # as committed: git ignores it
    (copy / "entities" / "dropped-long-ago.md").write_bytes((copy / "entities" / "aesc.md").read_bytes())
    assert runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(copy), "--check"]).exit_code == 1
    result = runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(copy)])
    assert result.exit_code == 0, result.output
    assert "0 written, 1 removed" in result.output  # the old feoc file, recognised by its footer
    committed = {name: content for name, content in snapshot(REPORTS).items() if name != MANIFEST}
    assert snapshot(copy) == {**committed, MANIFEST: (copy / MANIFEST).read_bytes()}
    assert runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(copy), "--check"]).exit_code == 0
    sums = subprocess.run(["sha256sum", "--check", "--quiet", MANIFEST], cwd=copy, capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr  # the manifest is sha256sum's format


# ---- class 5: two runs at once ----------------------------------------------------------------------------------

def _report_process(data: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "feoc.cli", "report", "--data", str(data), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=out.parent)


def test_attack_two_report_runs_into_one_folder_at_once(tmp_path):
    """Two runs into one folder removed each other's temporary files (a traceback): they are serialised."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    expected = tmp_path / "expected"
    assert _report_process(seeds, expected).wait(timeout=120) == 0
    for trial in range(3):
        out = tmp_path / f"out-{trial}"
        procs = [_report_process(seeds, out) for _ in range(2)]
        for proc in procs:
            _stdout, stderr = proc.communicate(timeout=240)
            assert proc.returncode == 0, stderr
            assert "Traceback" not in stderr
        assert snapshot(out) == snapshot(expected)


@contextlib.contextmanager
def held_lock(folder: Path) -> Iterator[None]:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def test_attack_a_second_run_waits_for_the_first_then_writes(tmp_path):
    data, out = tiny(tmp_path), tmp_path / "out"
    out.mkdir()
    with held_lock(out):
        proc = _report_process(data, out)
        time.sleep(1.5)
        assert proc.poll() is None and snapshot(out) == {}, "the second run did not wait for the lock"
    _stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "waiting for it to end" in stderr  # said once, so the waiting run does not look hung
    assert "entities/alpha.md" in snapshot(out)


def test_attack_a_run_that_cannot_get_the_lock_refuses_cleanly(tmp_path, monkeypatch):
    data, out = tiny(tmp_path), tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(outdir, "LOCK_WAIT_SECONDS", 0.3)
    with held_lock(out):
        one_line_exit_2(report(data, out), str(out), "another feoc run")
    assert snapshot(out) == {}


# ---- class 5: odd targets -----------------------------------------------------------------------------------------

@contextlib.contextmanager
def small_disk(tmp_path: Path, size: str) -> Iterator[Path | None]:
    """A tmpfs of `size` mounted for the test, or None where mounting is not allowed."""
    point = tmp_path / f"disk-{size}"
    point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                             capture_output=True).returncode == 0 if shutil.which("mount") else False
    try:
        yield point if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _assert_old_or_new(out: Path, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    after = snapshot(out)
    assert not [n for n in after if n.endswith(".tmp")], "a temporary file was left"
    assert set(after) == set(old)
    assert all(after[n] in (old[n], new.get(n)) for n in after), "a report file is neither old nor new"
    assert after[MANIFEST] == old[MANIFEST]


def _old_and_new(tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    fresh = tmp_path / "fresh"
    assert runner.invoke(app, ["report", "--data", str(seeds), "--out", str(fresh), "--on", "2025-01-01"]).exit_code == 0
    new = snapshot(fresh)
    assert runner.invoke(app, ["report", "--data", str(seeds), "--out", str(fresh), "--on", ON]).exit_code == 0
    return seeds, snapshot(fresh), new


def test_attack_full_disk(tmp_path):
    """A full disk (a real one: a small tmpfs, where the test may mount one) ended in a traceback: now exit 2
    naming the file and the fix, and the old reports are all still there, whole."""
    seeds, old, _ = _old_and_new(tmp_path)
    with small_disk(tmp_path, "1m") as disk:
        if disk is None:
            pytest.skip("cannot mount a tmpfs here (test_attack_disk_full_midway covers the code path)")
        out = disk / "reports"
        shutil.copytree(tmp_path / "fresh", out)
        with contextlib.suppress(OSError), (disk / "filler").open("wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        result = runner.invoke(app, ["report", "--data", str(seeds), "--out", str(out), "--on", "2025-01-01"])
        one_line_exit_2(result, str(out), "free some space")
        assert snapshot(out) == old


def test_attack_disk_full_midway(tmp_path, monkeypatch):
    """The disk fills up after a few files (simulated: the fourth fsync fails with ENOSPC): exit 2 saying how
    far it got; every report file is old or new, whole, no temporary file is left and the manifest is the old
    one (the next run knows every file)."""
    seeds, old, new = _old_and_new(tmp_path)
    out = tmp_path / "reports"
    shutil.copytree(tmp_path / "fresh", out)
    calls = {"n": 0}
    real = os.fsync

    def full(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(os, "fsync", full)
    result = runner.invoke(app, ["report", "--data", str(seeds), "--out", str(out), "--on", "2025-01-01"])
    line = one_line_exit_2(result, str(out), "free some space")
    assert "3 report file(s) were replaced before it, each whole" in line
    _assert_old_or_new(out, old, new)
    monkeypatch.setattr(os, "fsync", real)
    assert runner.invoke(app, ["report", "--data", str(seeds), "--out", str(out), "--on", "2025-01-01"]).exit_code == 0
    assert snapshot(out) == new


def test_attack_read_only_folder(tmp_path, monkeypatch):
    seeds, old, _new = _old_and_new(tmp_path)
    with small_disk(tmp_path, "4m") as disk:
        out = (disk or tmp_path) / "reports"
        shutil.copytree(tmp_path / "fresh", out)
        if disk is not None and subprocess.run(["mount", "-o", "remount,ro", str(disk)]).returncode == 0:
            pass  # a real read-only file system (EROFS), even for root
        elif os.geteuid() != 0:
            for folder in (out, out / "entities", out / "vehicles"):
                folder.chmod(0o555)
        else:
            def refuse(*args: object, **kwargs: object) -> None:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

            monkeypatch.setattr("tempfile.mkstemp", refuse)
        result = runner.invoke(app, ["report", "--data", str(seeds), "--out", str(out), "--on", "2025-01-01"])
        for folder in (out, out / "entities", out / "vehicles"):
            with contextlib.suppress(OSError):
                folder.chmod(0o755)
        line = one_line_exit_2(result, str(out))
        assert "writable" in line or "read-only" in line
        assert snapshot(out) == old


def test_attack_symlinks_pointing_outside_the_folder(tmp_path):
    data = tiny(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "alpha.md").write_text("outside the report folder")
    (outside / "passwd").write_text("root:x:0:0")
    out = tmp_path / "out"
    out.mkdir()
    (out / "entities").symlink_to(outside)
    line = one_line_exit_2(report(data, out, "--force"), str(out / "entities"), "link")
    assert "remove it" in line
    (out / "entities").unlink()
    (out / "index.md").symlink_to(outside / "passwd")
    one_line_exit_2(report(data, out, "--force"), str(out / "index.md"), "link")
    assert snapshot(outside) == {"alpha.md": b"outside the report folder", "passwd": b"root:x:0:0"}
    assert not (out / "entities").exists()
    assert runner.invoke(app, ["report", "--data", str(data), "--out", str(out), "--on", ON, "--check"]).exit_code == 1


def test_attack_index_md_is_a_folder_or_not_utf8_or_a_fifo(tmp_path):
    data, out = tiny(tmp_path), tmp_path / "out"
    assert report(data, out).exit_code == 0
    (out / "index.md").unlink()
    (out / "index.md").mkdir()
    (out / "index.md" / "keep.txt").write_text("keep")
    check = report(data, out, "--check")
    assert check.exit_code == 1 and "Traceback" not in check.output
    one_line_exit_2(report(data, out), str(out / "index.md"), "a folder")
    assert (out / "index.md" / "keep.txt").read_text() == "keep"
    shutil.rmtree(out / "index.md")
    (out / "index.md").write_bytes(b"\xff\xfe not utf-8 \x80")
    check = report(data, out, "--check")
    assert check.exit_code == 1 and "index.md" in check.output
    assert report(data, out).exit_code == 0  # the manifest lists index.md: feoc's own, replaced
    assert (out / "index.md").read_text(encoding="utf-8").startswith("---")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "index.md").write_bytes(b"\xff\xfe not utf-8 \x80")
    one_line_exit_2(report(data, foreign), str(foreign), "--force")
    assert (foreign / "index.md").read_bytes() == b"\xff\xfe not utf-8 \x80"
    (out / "index.md").unlink()
    os.mkfifo(out / "index.md")  # reading it would block forever
    assert report(data, out, "--check").exit_code == 1
    one_line_exit_2(report(data, out), str(out / "index.md"), "special file")


def test_attack_out_names_a_file(tmp_path):
    data = tiny(tmp_path)
    (tmp_path / "afile").write_text("mine")
    for extra in ((), ("--check",)):
        one_line_exit_2(report(data, tmp_path / "afile", *extra), "afile", "not a folder")
    assert (tmp_path / "afile").read_text() == "mine"


def test_attack_screen_out_names_a_folder(tmp_path):
    data = tiny(tmp_path)
    folder = tmp_path / "results"
    folder.mkdir()
    result = runner.invoke(app, ["screen", "--data", str(data), "--on", ON, "--out", str(folder)])
    one_line_exit_2(result, str(folder), "a folder", "name a file")
    assert list(folder.iterdir()) == []


def test_attack_screen_out_on_a_full_disk(tmp_path, monkeypatch):
    data = tiny(tmp_path)
    target = tmp_path / "screen.csv"
    target.write_text("old\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    result = runner.invoke(app, ["screen", "--data", str(data), "--on", ON, "--out", str(target)])
    one_line_exit_2(result, str(target), "free some space")
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# ---- class 5: stdout closed, broken or full -------------------------------------------------------------------------

COMMANDS = {
    "check": ["check", "entity", "catl", "--data", str(SEEDS), "--on", ON, "--explain"],
    "screen": ["screen", "--data", str(SEEDS), "--on", ON],
    "report-check": ["report", "--data", str(SEEDS), "--out", str(REPORTS), "--check"],
}


def _run_with_stdout(args: list[str], **how: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feoc.cli", *args], stderr=subprocess.PIPE, text=True,
                          timeout=120, env={**os.environ, "CI": "1"}, **how)  # type: ignore[call-overload]


@pytest.mark.parametrize("command", COMMANDS)
def test_attack_stdout_is_a_broken_pipe(command):
    """`feoc check … | head -c 10`: the reader has gone. Exit 141 (128 + SIGPIPE), quietly (no traceback)."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte: the write fails for certain
    try:
        proc = _run_with_stdout(COMMANDS[command], stdout=write)
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_attack_stdout_is_closed(command):
    """`feoc check … >&-`: exit 2 and one line on stderr."""
    proc = subprocess.run(["bash", "-c", 'exec "$@" >&-', "_", sys.executable, "-m", "feoc.cli", *COMMANDS[command]],
                          stderr=subprocess.PIPE, text=True, timeout=120, env={**os.environ, "CI": "1"})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "stdout is closed" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", COMMANDS)
def test_attack_stdout_is_full(command):
    with open("/dev/full", "w") as full:
        proc = _run_with_stdout(COMMANDS[command], stdout=full)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "No space left" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# ---- class 7: file modes follow the umask ---------------------------------------------------------------------------

@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_attack_written_files_follow_the_umask(tmp_path, umask, mode):
    """mkstemp made every written file 0600 whatever the umask."""
    data = tiny(tmp_path)
    out, screen_out = tmp_path / "out", tmp_path / "screen.csv"

    def run(*args: str) -> None:
        proc = subprocess.run([sys.executable, "-m", "feoc.cli", *args], capture_output=True, text=True, timeout=120,
                              preexec_fn=lambda: os.umask(umask), env={**os.environ, "CI": "1"})
        assert proc.returncode == 0, proc.stderr

    run("report", "--data", str(data), "--out", str(out), "--on", ON)
    run("screen", "--data", str(data), "--on", ON, "--out", str(screen_out))
    written = [p for p in out.rglob("*") if p.is_file()] + [screen_out]
    assert len(written) >= 4
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {mode}
