"""Shell completion (issue 18, "CLI habits: shell completion switched off").

User story: an analyst types `feoc ch<TAB>` and `feoc check entity aesc --f<TAB>`; she installs completion once
with `feoc --install-completion` or puts the script `feoc --show-completion bash` prints in her shell's start-up
files (README, "Shell completion"). The tests run the console script's entry point in a fresh process (as the
shell does), never typer's test runner, whose program name is not `feoc`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the console script `feoc` as a shell starts it: argv[0] is `feoc`
_SCRIPT = "import sys; sys.argv = ['feoc', *sys.argv[1:]]; from feoc.cli import main; main()"


def _feoc(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("_FEOC_COMPLETE", "COMP_"))}
    environ["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + environ.get("PYTHONPATH", "")
    environ.update(env)
    return subprocess.run([sys.executable, "-c", _SCRIPT, *args], capture_output=True, text=True, env=environ,
                          cwd=ROOT, timeout=120)


def test_show_completion_bash_prints_a_script_for_feoc():
    """`feoc --show-completion bash`: the script a user adds to ~/.bashrc, completing the command `feoc`."""
    proc = _feoc("--show-completion", "bash", _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert proc.returncode == 0, proc.stderr
    assert "complete -o default -F _feoc_completion feoc" in proc.stdout
    assert "_FEOC_COMPLETE=complete_bash" in proc.stdout


def test_show_completion_zsh_and_fish_name_feoc():
    for shell, marker in (("zsh", "#compdef feoc"), ("fish", "complete --command feoc")):
        proc = _feoc("--show-completion", shell, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
        assert proc.returncode == 0, proc.stderr
        assert marker in proc.stdout, proc.stdout


def test_the_help_offers_install_and_show_completion():
    proc = _feoc("--help")
    assert proc.returncode == 0
    assert "--install-completion" in proc.stdout and "--show-completion" in proc.stdout


def test_the_shell_gets_command_names_when_it_asks():
    """What the installed script does on `feoc ch<TAB>`: the entry point answers `check` and exits 0, judging
    nothing (feoc.cli._invoke answers before parsing)."""
    proc = _feoc(_FEOC_COMPLETE="complete_bash", COMP_WORDS="feoc ch", COMP_CWORD="1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["check"]


def test_the_shell_gets_a_commands_options_when_it_asks():
    """`feoc check entity aesc --for<TAB>` → `--format`."""
    proc = _feoc(_FEOC_COMPLETE="complete_bash", COMP_WORDS="feoc check entity aesc --for", COMP_CWORD="4")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["--format"]


def test_without_the_variable_feoc_runs_as_usual():
    """The completion hook is inert unless the shell sets _FEOC_COMPLETE: `feoc --version` still answers."""
    proc = _feoc("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("feoc")


def test_a_named_shells_script_without_detection():
    """README: `_FEOC_COMPLETE=source_zsh feoc` prints zsh's script from any shell."""
    proc = _feoc(_FEOC_COMPLETE="source_zsh")
    assert proc.returncode == 0, proc.stderr
    assert "#compdef feoc" in proc.stdout
