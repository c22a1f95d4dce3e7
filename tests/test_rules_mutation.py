"""The rule cases can fail: changing the law's data must break the cases that encode it."""

from __future__ import annotations

import shutil
from pathlib import Path

from feoc.law.data import default_rules_dir
from feoc.law.law import Law
from feoc.rulecases import run_all


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


def test_raising_the_threshold_breaks_the_25_percent_case(tmp_path):
    rules = _copy_rules(tmp_path)
    params = rules / "parameters.yaml"
    params.write_text(params.read_text().replace("2021-11-15: 0.25", "2021-11-15: 0.26"))
    failed = {r.name for r in run_all(Law.load(rules), "reference") if not r.passed}
    assert any("E-3" in name for name in failed)


def test_dropping_russia_from_covered_nations_breaks_its_case(tmp_path):
    rules = _copy_rules(tmp_path)
    params = rules / "parameters.yaml"
    params.write_text(params.read_text().replace("[KP, CN, RU, IR]", "[KP, CN, IR]"))
    failed = {(r.rule_id, r.name) for r in run_all(Law.load(rules), "reference") if not r.passed}
    assert ("feoc-jurisdiction-incorporation", "Russia is a covered nation too") in failed
