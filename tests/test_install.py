"""Issue 18, "install anywhere": the wheel carries the seed data and runs outside the repository; durable-rules
may be missing (Python 3.13, where pyproject.toml leaves it out) and the reference evaluator then judges, saying
so in one line; `feoc --version` and `feoc --quiet`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.engine import evaluators

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click 8.1: stderr apart from stdout
    except TypeError:
        return CliRunner()  # click 8.2 keeps them apart always


@pytest.fixture
def notes_reset(monkeypatch):
    """The fallback note is said once per process and --quiet sets a process flag: each test starts afresh."""
    monkeypatch.setitem(evaluators._NOTES, "said", False)
    monkeypatch.setitem(evaluators._NOTES, "quiet", False)
    monkeypatch.setitem(sys.modules["feoc.cli.app"]._QUIET, "on", False)  # the module; `feoc.cli.app` is the Typer


@pytest.fixture
def without_durable(monkeypatch, notes_reset):
    """durable-rules as on Python 3.13: not installed, so `import durable.engine` raises ImportError."""
    monkeypatch.setitem(sys.modules, "durable", None)
    monkeypatch.setitem(sys.modules, "durable.engine", None)


def _check_aesc(*options: str):
    return _runner().invoke(app, [*options, "check", "entity", "aesc", "--on", "2024-06-01",
                                  "--data", str(ROOT / "seeds")])


def test_pyproject_leaves_durable_rules_out_on_python_313_only():
    """User story: `pip install` on Python 3.13 works (durable-rules does not build there); on 3.11 and 3.12
    durable-rules stays a dependency, the engine of record."""
    project = PYPROJECT["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    durable = [d for d in project["dependencies"] if d.startswith("durable-rules")]
    assert durable == ["durable-rules==2.0.28; python_version < '3.13'"]


def test_pytest_filters_the_durable_rules_deprecation_warning():
    """Issue 18: on 3.12 durable-rules' `datetime.utcfromtimestamp` warned 465,976 times and buried the summary."""
    filters = PYPROJECT["tool"]["pytest"]["ini_options"]["filterwarnings"]
    assert filters[0] == "ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning:durable"


def test_the_command_forks_its_workers_before_any_thread():
    """pyproject.toml also filters Python 3.12's "multi-threaded process forks" warning, seen only when a CLI test
    runs a parallel load inside the (multi-threaded) pytest process. The command itself forks its load workers
    before it starts a thread (load/workers.py): run with every warning shown, it shows none (3.12 and later)."""
    result = subprocess.run([sys.executable, "-W", "always::DeprecationWarning", "-m", "feoc", "-q", "screen",
                             "--on", "2024-06-01", "--data", str(ROOT / "seeds")], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr


def test_durable_rules_is_the_engine_where_installed(notes_reset):
    """On 3.11/3.12 (this test environment) durable-rules judges, and no note is said."""
    assert evaluators.durable_installed()
    assert evaluators.evaluator().name == "durable-rules"
    assert not evaluators._NOTES["said"]


def test_without_durable_rules_the_reference_judges_and_says_so_once(without_durable, capsys):
    """User story (Python 3.13): durable-rules is missing; the reference evaluator is the engine and one line on
    stderr says so, however many evaluators a verdict makes."""
    assert not evaluators.durable_installed()
    assert [evaluators.evaluator().name for _ in range(3)] == ["reference"] * 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("note: durable-rules (the engine of record) is not installed on Python ")
    assert "the reference evaluator judges instead" in err


def test_without_durable_rules_check_gives_the_same_verdict(without_durable):
    """AESC on 2024-06-01 (80 % held by China-based Envision): the same verdict and exit code as with
    durable-rules (contested: the readings disagree), the fallback note the only extra line, on stderr."""
    fallback = _check_aesc()
    assert fallback.exit_code == 5, fallback.output
    assert fallback.stdout.startswith("aesc (Automotive Energy Supply Corporation / Envision AESC Group Ltd.) is CONTESTED")
    assert fallback.stderr.count("note: durable-rules (the engine of record) is not installed") == 1
    assert fallback.stderr.count("\n") == 1
    sys.modules.pop("durable", None)  # the monkeypatch restores them after the test; the engine comes back now
    sys.modules.pop("durable.engine", None)
    real = _check_aesc()
    assert (real.exit_code, real.stdout, real.stderr) == (5, fallback.stdout, "")


def test_quiet_silences_the_fallback_note_but_not_the_verdict(without_durable):
    """`feoc --quiet`: no notes on stderr, the verdict unchanged."""
    result = _check_aesc("--quiet")
    assert result.exit_code == 5
    assert result.stdout.startswith("aesc (Automotive Energy Supply Corporation / Envision AESC Group Ltd.) is CONTESTED")
    assert result.stderr == ""


def test_quiet_silences_skipped_and_warning_lines(tmp_path, notes_reset):
    """User story: a CI log wants the verdict only. A dataset folder with a stray file gets a `skipped:` line
    before the verdict; with -q it does not, and the verdict is the same."""
    data = tmp_path / "data"
    data.mkdir()
    for path in (ROOT / "seeds").iterdir():
        (data / path.name).write_bytes(path.read_bytes())
    (data / "notes.txt").write_text("not a dataset file\n")
    args = ["check", "entity", "aesc", "--on", "2024-06-01", "--data", str(data)]
    loud, quiet = _runner().invoke(app, args), _runner().invoke(app, ["-q", *args])
    assert "skipped: " in loud.stderr and "notes.txt" in loud.stderr
    assert quiet.stderr == ""
    assert (quiet.exit_code, quiet.stdout) == (loud.exit_code, loud.stdout) == (5, loud.stdout)


def test_version_prints_the_package_version_in_one_line():
    """`feoc --version`: the installed version (importlib.metadata, from pyproject.toml), one line, exit 0."""
    result = subprocess.run([sys.executable, "-m", "feoc", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"feoc {version('feoc')}\n"
    assert version("feoc") == PYPROJECT["project"]["version"]


def test_in_the_repository_the_default_data_is_seeds(monkeypatch, notes_reset):
    """In the repository `--data` defaults to the relative `seeds`, as before: messages and reports read
    `seeds/…`, and nothing is said about it."""
    monkeypatch.chdir(ROOT)
    result = _runner().invoke(app, ["validate"])
    assert result.exit_code == 0
    assert result.stdout.startswith("seeds: valid — ")
    assert result.stderr == ""


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    """The wheel built from this tree (hatchling, the test extra: no network), installed into a clean folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "-w", str(tmp / "dist"), "--no-deps",
                    "--no-build-isolation", "-q"], check=True, capture_output=True, cwd=tmp)
    (wheel,) = (tmp / "dist").glob("feoc-*.whl")
    target = tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", str(wheel), "--no-deps", "--target", str(target), "-q"],
                   check=True, capture_output=True, cwd=tmp)
    return target


def _outside(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m feoc …` with only the installed wheel for feoc (the dependencies from this environment),
    run from a folder with no `seeds/` and no source tree near it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FEOC_DEBUG")} | {"PYTHONPATH": str(target)}
    return subprocess.run([sys.executable, "-m", "feoc", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_the_wheel_ships_the_rules_and_the_seed_data(installed_wheel):
    """Issue 18: the wheel shipped the rules but not the seeds, so outside the repository validate, report and
    check exited 2. Both are in it now, file for file."""
    for folder, shipped in (("rules", "_rules"), ("seeds", "_seeds")):
        source = sorted(p.relative_to(ROOT / folder) for p in (ROOT / folder).rglob("*.yaml"))
        copied = sorted(p.relative_to(installed_wheel / "feoc" / shipped)
                        for p in (installed_wheel / "feoc" / shipped).rglob("*.yaml"))
        assert copied == source and source


def test_the_installed_wheel_checks_aesc_outside_the_repository(installed_wheel, tmp_path):
    """User story: `pip install feoc` on a fresh machine, then `feoc check entity aesc --on 2024-06-01` in any
    folder: the bundled seed data is the dataset (a note says so), the verdict is the repository's."""
    located = subprocess.run([sys.executable, "-c", "import feoc; print(feoc.__file__)"], capture_output=True,
                             text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(installed_wheel)})
    assert located.stdout.startswith(str(installed_wheel)), located.stdout
    result = _outside(installed_wheel, tmp_path, "check", "entity", "aesc", "--on", "2024-06-01")
    in_repo = subprocess.run([sys.executable, "-m", "feoc", "check", "entity", "aesc", "--on", "2024-06-01"],
                             capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == in_repo.returncode == 5, result.stderr
    assert result.stdout == in_repo.stdout
    assert result.stderr == (f"note: no --data and no ./seeds: using the seed dataset shipped with feoc "
                             f"({installed_wheel / 'feoc' / '_seeds'})\n")
    quiet = _outside(installed_wheel, tmp_path, "--quiet", "check", "entity", "aesc", "--on", "2024-06-01")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (5, in_repo.stdout, "")


def test_the_installed_wheel_validates_and_reports_outside_the_repository(installed_wheel, tmp_path):
    """The README's main job, `feoc validate && feoc report`, from a fresh folder on the bundled data."""
    valid = _outside(installed_wheel, tmp_path, "validate")
    assert valid.returncode == 0, valid.stderr
    assert "_seeds: valid — " in valid.stdout
    written = _outside(installed_wheel, tmp_path, "-q", "report", "--out", str(tmp_path / "reports"))
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "reports" / "index.md").is_file()


def test_the_readme_venv_step_makes_and_activates_a_venv(tmp_path):
    """The README's first step, run as written (bash): afterwards `python` is the new environment's."""
    venv = re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())[0]
    result = subprocess.run(["bash", "-c", f"{venv} && python -c 'import sys; print(sys.prefix)'"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == tmp_path / ".venv"
