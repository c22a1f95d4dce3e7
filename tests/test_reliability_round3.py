"""Attacks found after the first fixes of issue 15, each kept here as the test that it stays fixed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.law.data import default_rules_dir

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATASET = """entities:
  - {id: gov-cn, name: China Gov, type: government, country: CN}
  - {id: x, name: X Corp, type: company, incorporated_in: US, headquartered_in: US}
holdings:
  - {holder: gov-cn, entity: x, equity: "30%", from: 2020-01-01}
"""


def _data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.yaml").write_text(DATASET, encoding="utf-8")
    return folder


def _screen(data: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["screen", "--on", "2024-06-01", "--data", str(data), "--out", str(out)])
    return result.exit_code, result.output


def test_screen_out_never_replaces_a_fifo_or_a_link(tmp_path):
    """`screen --out /dev/null` as root replaced the system's /dev/null with a regular file; a FIFO or a link
    was replaced the same way (the link, not what it pointed to)."""
    data = _data(tmp_path)
    fifo, target, link = tmp_path / "fifo", tmp_path / "real.csv", tmp_path / "link.csv"
    os.mkfifo(fifo)
    target.write_text("mine\n", encoding="utf-8")
    link.symlink_to(target)
    for out in (fifo, link):
        code, output = _screen(data, out)
        assert code == 2 and "not a regular file" in output, output
    assert fifo.is_fifo() and link.is_symlink() and target.read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("where", ["dataset file", "inside dataset", "inside rules"])
def test_screen_out_never_writes_into_its_inputs(where, tmp_path):
    """`screen --data d --out d/a.yaml` turned the dataset file into CSV."""
    data = _data(tmp_path)
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    out = {"dataset file": data / "a.yaml", "inside dataset": data / "screen.csv",
           "inside rules": rules / "screen.csv"}[where]
    before = (data / "a.yaml").read_bytes()
    result = CliRunner().invoke(app, ["screen", "--on", "2024-06-01", "--data", str(data), "--rules", str(rules),
                                      "--out", str(out)])
    assert result.exit_code == 2 and "inside the input" in result.output, result.output
    assert (data / "a.yaml").read_bytes() == before and (where == "dataset file" or not out.exists())


def test_screen_into_a_pipe_that_closes_is_141_even_unbuffered(tmp_path):
    """`feoc screen | head -c 10` ended 0 with its output silently cut short under PYTHONUNBUFFERED=1: CPython's
    unbuffered stdout drops what a pipe did not take in one write."""
    world = tmp_path / "world"
    world.mkdir()
    rows = "\n".join(f"  - {{id: e{i}, name: Entity number {i}, type: company, incorporated_in: US}}" for i in range(3000))
    (world / "a.yaml").write_text("entities:\n" + rows + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(f"'{sys.executable}' -m feoc screen --on 2024-06-01 --data '{world}' | head -c 10 >/dev/null;"
                          " echo ${PIPESTATUS[0]}", shell=True, executable="/bin/bash", capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.stdout.strip() == "141", proc.stderr


@pytest.mark.parametrize("value", ["1e400", ".nan", "[0.25, .nan]"])
def test_a_rule_comparing_with_a_non_finite_number_is_refused_at_load(value, tmp_path):
    """`value: 1e400` or `.nan` gave exit 3, "the engine disagreed", at run time."""
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    rule = rules / "feoc" / "ownership.yaml"
    text = rule.read_text(encoding="utf-8")
    old = "{field: share, op: gte, value: {param: control_threshold}}"
    assert old in text
    new = old.replace("op: gte, value: {param: control_threshold}",
                      "op: in, value: " + value if value.startswith("[") else "op: gte, value: " + value)
    rule.write_text(text.replace(old, new), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "entity", "aesc", "--on", "2024-06-01", "--data", str(SEEDS),
                                      "--rules", str(rules)])
    assert result.exit_code == 2 and "ownership.yaml:" in result.output and "finite" in result.output, result.output


def test_an_effective_date_from_a_parameter_that_is_not_a_flag_is_refused(tmp_path):
    """`effective: {from: {param: control_threshold}}` (a share) silently started the rule on the share's first date."""
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    rule = rules / "45x" / "sfe-listed.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("{param: pfe_rules_in_force}", "{param: control_threshold}"),
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["rules", "list", "--rules", str(rules)])
    assert result.exit_code == 2 and "sfe-listed.yaml:" in result.output and "true/false" in result.output


@pytest.mark.parametrize("name", ["sanctions.yaml ", "sanctions.yaml.bak", ".sanctions.yaml"])
def test_a_file_check_does_not_read_is_said_on_stderr(name, tmp_path):
    """A listing in `sanctions.yaml ` (trailing space) was ignored by check, screen and report without a word."""
    data = _data(tmp_path)
    (data / name).write_text("listings:\n  - {entity: x, list: ofac-sdn}\n", encoding="utf-8")
    for args in (["check", "entity", "x", "--on", "2024-06-01"], ["screen", "--on", "2024-06-01"]):
        proc = subprocess.run([sys.executable, "-m", "feoc", *args, "--data", str(data)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=120)
        assert "skipped:" in proc.stderr and name.strip() in proc.stderr, proc.stderr


@pytest.mark.parametrize("day", ["20240601", "2024W011", "2024-06-01T00:00"])
def test_on_accepts_only_yyyy_mm_dd(day):
    result = CliRunner().invoke(app, ["check", "entity", "aesc", "--on", day, "--data", str(SEEDS)])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
