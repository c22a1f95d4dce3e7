"""What a command imports (issue 17, "Faster single checks: import only what a command needs").

User story: an analyst runs `feoc check entity aesc --on 2024-06-01` many times a day; each run should pay for
the check only, not for the report, screen, Markdown or bulk machinery, and `feoc --help` / `feoc check --help`
should not load the dataset, the engine or the verdicts at all. These tests are structural (which modules end up
in `sys.modules` of a fresh `feoc` process), never timed: bench/bench_check.py measures the time.

Also: the console script tells pydantic not to scan for plugins (PYDANTIC_DISABLE_PLUGINS, documented at
https://docs.pydantic.dev/latest/concepts/plugins/#disabling-plugins) unless the user set the variable, and the
verdict is byte-identical either way; and a command's start-up runs with the cyclic garbage collector
paused, its objects frozen after it (`feoc.cli.app.starting`), the collector always running again after it.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from feoc.cli import _without_pydantic_plugins, run
from feoc.cli.app import starting

ROOT = Path(__file__).resolve().parents[1]

# run `feoc ARGS` through the console script's entry point and report, on the last line of stderr, the modules
# loaded and the plugin variable pydantic saw (atexit: main() ends with sys.exit)
_PROBE = """
import atexit, json, os, sys
atexit.register(lambda: print("\\n" + json.dumps({"modules": sorted(sys.modules),
    "plugins_var": os.environ.get("PYDANTIC_DISABLE_PLUGINS")}), file=sys.stderr))
sys.argv = ["feoc", *sys.argv[1:]]
from feoc.cli import main
main()
"""

# never needed to judge one subject and print it as text
NOT_FOR_A_CHECK = ("numpy", "scipy", "yaml", "rich", "feoc.render.markdown", "feoc.render.markdown_report",
                   "feoc.render.csvfast", "feoc.render.csv", "feoc.render.reports", "feoc.verdicts.screen",
                   "feoc.verdicts.report_set", "feoc.determine.bulk", "feoc.verdicts.vehicle",
                   "feoc.verdicts.facility45x", "feoc.determine.regime45x")
# never needed to print help: no dataset, rules, engine or verdict
NOT_FOR_HELP = ("feoc.load", "feoc.law", "feoc.engine", "feoc.determine", "feoc.verdicts", "feoc.ownership",
                "feoc.render.text", "feoc.render.markdown", "durable", "yaml_rs", "numpy", "scipy")


def _probe(*args: str, env_extra: dict[str, str] | None = None,
           drop: tuple[str, ...] = ()) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return proc, report


def _loaded(modules: object, prefixes: tuple[str, ...]) -> list[str]:
    assert isinstance(modules, list)
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_a_single_entity_check_imports_neither_the_report_screen_nor_bulk_machinery() -> None:
    """`feoc check entity aesc --on 2024-06-01` (the seeds' contested AESC, exit 5) loads the check's modules only."""
    proc, report = _probe("check", "entity", "aesc", "--on", "2024-06-01")
    assert proc.returncode == 5, proc.stderr
    assert "is CONTESTED" in proc.stdout
    assert _loaded(report["modules"], NOT_FOR_A_CHECK) == []
    assert "feoc.verdicts.subject" in report["modules"]  # the probe does see what the check imports


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["check", "entity", "--help"]])
def test_help_loads_no_dataset_rules_engine_or_verdict(args: list[str]) -> None:
    """`feoc --help` and `feoc check --help` list every command without loading what the commands do. A check
    command's own help reads the rules (feoc.law, yaml_rs) for the readings --interpretation takes (issue 18),
    and nothing else a check does: no dataset, engine, ownership or verdict."""
    proc, report = _probe(*args)
    assert proc.returncode == 0, proc.stderr
    readings = ("feoc.law", "yaml_rs") if args == ["check", "entity", "--help"] else ()
    assert _loaded(report["modules"], tuple(p for p in NOT_FOR_HELP if p not in readings)) == []
    assert bool(readings) == ("One of: " in proc.stdout)
    if args == ["--help"]:
        for name in ("validate", "report", "screen", "check", "rules", "import"):
            assert name in proc.stdout
    if args == ["check", "--help"]:
        for name in ("entity", "facility", "vehicle"):
            assert name in proc.stdout


def test_the_console_script_disables_pydantic_plugins_unless_the_user_chose() -> None:
    """Unset: feoc sets PYDANTIC_DISABLE_PLUGINS=__all__ (no entry-point scan); a value the user set, even an
    empty one (which keeps every plugin), is left as it is."""
    _, report = _probe("--help", drop=("PYDANTIC_DISABLE_PLUGINS",))
    assert report["plugins_var"] == "__all__"
    _, report = _probe("--help", env_extra={"PYDANTIC_DISABLE_PLUGINS": ""})
    assert report["plugins_var"] == ""
    environ = {"PYDANTIC_DISABLE_PLUGINS": "some-plugin"}
    _without_pydantic_plugins(environ)
    assert environ == {"PYDANTIC_DISABLE_PLUGINS": "some-plugin"}


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_verdict_is_the_same_with_pydantic_plugins_disabled(fmt: str, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The console script (plugins disabled) prints the very bytes `run` prints in a process that scans for them."""
    args = ["check", "entity", "aesc", "--on", "2024-06-01", "--format", fmt]
    proc, _ = _probe(*args, drop=("PYDANTIC_DISABLE_PLUGINS",))
    monkeypatch.chdir(ROOT)
    code = run(args)
    assert (proc.returncode, proc.stdout) == (code, capsys.readouterr().out)


def test_the_collector_runs_again_after_a_check_and_start_up_objects_are_frozen(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`feoc check entity aesc`: the start-up (imports, law, dataset) is frozen out of later collections, and the
    collector is on again when the verdict is judged (judging makes cyclic garbage) and after the command."""
    monkeypatch.chdir(ROOT)
    seen: list[bool] = []
    from feoc.verdicts import subject

    real = subject.entity_verdict

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(subject, "entity_verdict", spy)
    frozen = gc.get_freeze_count()
    try:
        assert run(["check", "entity", "aesc", "--on", "2024-06-01"]) == 5
        assert "is CONTESTED" in capsys.readouterr().out
        assert seen == [True] and gc.isenabled()
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()  # this test process lives on: let its collections see those objects again


def test_start_up_leaves_a_collector_paused_by_the_caller_paused() -> None:
    """A caller that paused the collector itself (as the loader does) resumes it; `starting` does not."""
    gc.disable()
    try:
        with starting():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with starting():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.unfreeze()
