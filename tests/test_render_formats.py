"""The renderers' registry (render/base.py) is the one list of `--format` values: every entry renders, the
CLI offers exactly those and refuses others; report.json carries the §45X sections the Markdown shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.render.base import FORMATS, format_names, renderer

ROOT = Path(__file__).resolve().parents[1]
SEEDS = str(ROOT / "seeds")
runner = CliRunner()
COMMAND_LINES = {"check": ["check", "entity", "aesc", "--data", SEEDS, "--on", "2024-06-01"],
                 "report": ["report", "--data", SEEDS, "--on", "2024-06-01", "--check"],
                 "screen": ["screen", "--data", SEEDS, "--on", "2024-06-01"],
                 "validate": ["validate", SEEDS]}  # issue 18: text, github, sarif


@pytest.mark.parametrize("command, fmt", [(c, f) for c, formats in FORMATS.items() for f in formats])
def test_every_registered_format_has_a_renderer(command, fmt):
    assert callable(renderer(command, fmt))


def test_an_unknown_format_is_refused_by_the_registry():
    with pytest.raises(ValueError, match="use one of text, json"):
        renderer("check", "xml")


@pytest.mark.parametrize("command", sorted(FORMATS))
def test_the_cli_offers_the_registered_formats_and_refuses_others(command):
    result = runner.invoke(app, [*COMMAND_LINES[command], "--format", "xml"])
    assert result.exit_code == 2
    assert all(f"'{name}'" in result.output for name in format_names(command)), result.output


def test_report_json_has_the_45x_sections_of_the_markdown(tmp_path):
    out = tmp_path / "json"
    result = runner.invoke(app, ["report", "--data", SEEDS, "--out", str(out), "--format", "json", "--on", "2026-01-01"])
    assert result.exit_code == 0, result.output
    subjects = {s["subject"]: s for s in json.loads((out / "report.json").read_text())["subjects"]}
    china = subjects["aesc-china"]
    assert [p["on"] for p in china["pfe"]] == ["2026-01-01"] and china["pfe"][0]["findings"]
    plants = {v["subject"]: v for v in china["facilities45x"][0]["verdicts"]}
    assert plants, "aesc-china operates plants"
    fid, verdict = sorted(plants.items())[0]
    check = runner.invoke(app, ["check", "facility", fid, "--data", SEEDS, "--on", "2026-01-01", "--credit", "45x",
                                "--format", "json"])
    assert json.loads(check.output) == verdict
    assert all("pfe" not in s for s in subjects.values() if s["kind"] == "vehicle")
