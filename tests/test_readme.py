"""The README's promises hold: its commands are the ones CI and users run, and they work."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", README)


def test_readme_has_exactly_the_two_setup_commands_and_ci_runs_the_test_one():
    """Issue 18: a venv step first, and the main job installs feoc without the test tools."""
    venv, main_job, tests = _commands()
    assert venv == "python3 -m venv .venv && . .venv/bin/activate"
    assert main_job.startswith("pip install . && ")
    assert tests == "pip install -e '.[test]' && ruff check src tests bench && mypy && pytest"
    assert tests in (ROOT / ".ci" / "run").read_text()


def test_readme_main_job_runs_as_written_after_install(tmp_path):
    main_job = _commands()[1].split(" && ", 1)[1]  # the package is installed already in the test environment
    feoc = str(Path(sys.executable).with_name("feoc"))
    # run in a copy, so the test never refreshes the committed reports/ that CI checks afterwards
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    result = subprocess.run(main_job.replace("feoc ", f"{feoc} "), shell=True, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "seeds: valid" in result.stdout
    assert "reports: " in result.stdout and "report file(s)" in result.stdout
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [".feoc-report.sha256", "entities", "index.md", "vehicles"]


def _examples() -> list[tuple[str, list[str]]]:
    """Each ```text example of a `feoc` command: its arguments and its shown lines (`...` marks a cut)."""
    out = []
    for block in re.findall(r"```text\n(.+?)\n```", README, re.S):
        first, *lines = block.splitlines()
        if first.startswith("$ feoc "):
            out.append((first[len("$ feoc "):], lines))
    return out


def test_readme_examples_show_what_the_command_prints():
    """Every `$ feoc …` example of the README prints its lines in that order (each `...` stands for text left
    out), with the seeds as data: an example cannot promise a line the command no longer prints."""
    examples = _examples()
    assert len(examples) >= 2
    for command, lines in examples:
        result = subprocess.run([sys.executable, "-m", "feoc", *command.split(), "--data", str(ROOT / "seeds")],
                                capture_output=True, text=True, cwd=ROOT)
        out, at = result.stdout, 0
        for line in lines:
            for piece in (p.strip() for p in line.split("...")):
                if piece:
                    found = out.find(piece, at)
                    assert found >= 0, f"`feoc {command}` does not print {piece!r} (after position {at})"
                    at = found + len(piece)
