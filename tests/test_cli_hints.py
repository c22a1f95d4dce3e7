"""Issue 18, CLI habits: an unknown id says what to type instead, and `check --help` lists the readings and
every exit code, with flags shown without a `<bool>` type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app

SEEDS = str(Path(__file__).resolve().parents[1] / "seeds")


def check(*args: str):
    return CliRunner().invoke(app, ["check", *args, "--data", SEEDS, "--on", "2025-06-01"])


def test_a_facility_id_given_to_check_entity_names_the_facility_command():
    """User story: `feoc check entity aesc-smyrna` (AESC's Smyrna plant is a facility) is told the command
    that judges it, not sent to `validate`, which lists counts."""
    result = check("entity", "aesc-smyrna")
    assert result.exit_code == 2
    assert result.output.strip() == (f"{SEEDS}: unknown entity id `aesc-smyrna` — it is a facility: use "
                                     "`feoc check facility aesc-smyrna`")


def test_a_typo_of_another_kinds_id_gets_did_you_mean_and_its_command():
    """User story: `aesc-smyrn` (a typo) as an entity: the close id is a facility, so its command is given."""
    result = check("entity", "aesc-smyrn")
    assert result.exit_code == 2
    assert result.output.strip().endswith("unknown entity id `aesc-smyrn` — did you mean `aesc-smyrna`? "
                                          "(a facility: use `feoc check facility aesc-smyrna`)"), result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_typo_of_the_same_kind_gets_only_the_closest_id():
    result = check("facility", "aesc-smyrn")
    assert result.exit_code == 2 and result.output.strip().endswith("did you mean `aesc-smyrna`?"), result.output


def test_a_vehicle_id_given_to_check_facility_names_the_vehicle_command():
    result = check("facility", "nissan-ariya-2024")
    assert result.exit_code == 2
    assert "it is a vehicle: use `feoc check vehicle nissan-ariya-2024`" in result.output


def test_an_entity_id_given_to_check_facility_45x_names_the_entity_command():
    result = check("facility", "aesc-us", "--credit", "45x")
    assert result.exit_code == 2 and "it is an entity: use `feoc check entity aesc-us`" in result.output


def test_an_id_close_to_nothing_shows_ids_to_copy_not_validate():
    result = check("vehicle", "zzzzzz")
    assert result.exit_code == 2 and "validate" not in result.output
    assert "no id is close; its vehicle ids include `nissan-ariya-2024`" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["entity", "facility", "vehicle"])
def test_check_help_lists_the_readings_and_every_exit_code(kind):
    """`feoc check KIND --help`: the --interpretation choices (the shipped rules' readings) and exits 0-5."""
    from feoc.law.law import Law

    out = CliRunner().invoke(app, ["check", kind, "--help"], terminal_width=400).output
    flat = re.sub(r"[\s│]+", " ", out)
    law = Law.load(None)
    assert f"One of: {', '.join(law.reading_names())}" in flat, flat
    for code in ("0", "1", "2", "3", "4", "5", "70"):
        assert re.search(rf"\b{code} ", flat.split("Exit codes:")[1]), (code, flat)
    assert re.search(r"\b3:? the rule engine disagreed", flat.split("Exit codes:")[0])  # the command's own line


def test_flags_are_shown_without_a_bool_type():
    runner = CliRunner()
    for args in (["--help"], ["check", "entity", "--help"], ["validate", "--help"]):
        out = runner.invoke(app, args, terminal_width=200).output
        assert "<bool>" not in out, (args, out)
    assert re.search(r"--explain\s+show the facts", runner.invoke(app, ["check", "entity", "--help"],
                                                                   terminal_width=200).output)


def test_root_help_loads_no_rules():
    """`feoc --help` stays fast: the readings are read only for a check command's help."""
    import subprocess
    import sys

    code = ("import sys; from typer.testing import CliRunner; from feoc.cli import app; "
            "CliRunner().invoke(app, ['--help']); print('feoc.law.law' in sys.modules)")
    src = str(Path(__file__).resolve().parents[1] / "src")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": src, "PATH": ""}).stdout
    assert out.strip() == "False"


def test_check_help_lists_the_readings_of_the_rules_folder_named(tmp_path):
    """A compliance team's own rules folder with one more reading: `--rules DIR check ... --help` lists it."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules", rules)
    text = (rules / "interpretations.yaml").read_text()
    extra = ("  our-reading:\n    title: As government, kept under our own name\n"
             "    answers: {holders: government, tracing: multiply, nations: each}\n    explain: Ours.\n")
    (rules / "interpretations.yaml").write_text(text.rstrip("\n") + "\n" + extra)
    out = CliRunner().invoke(app, ["check", "entity", "--rules", str(rules), "--help"], terminal_width=400).output
    flat = re.sub(r"[\s│]+", " ", out)
    assert "our-reading" in flat and "(rules in /" in flat, flat  # rich may fold the long path
    assert "our-reading" not in CliRunner().invoke(app, ["check", "entity", "--help"], terminal_width=400).output
