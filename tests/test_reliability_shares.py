"""Shares are read as written, or refused (issue 15, class 7, second round): Python's float() reads `2_5` as 25
and rounds `24.9999999999999999999%` up to exactly 25 %, the threshold — a confident wrong "FEOC"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app

DATASET = """entities:
  - {{id: gov-cn, name: China Gov, type: government, country: CN}}
  - {{id: x, name: X Corp, type: company, incorporated_in: US, headquartered_in: US}}
holdings:
  - {{holder: gov-cn, entity: x, equity: {share}, voting: 0, board_seats: 0, from: 2020-01-01}}
"""


def _check(tmp_path: Path, share: str) -> tuple[int, str]:
    (tmp_path / "d").mkdir(exist_ok=True)
    (tmp_path / "d" / "a.yaml").write_text(DATASET.format(share=share), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "entity", "x", "--on", "2024-06-01", "--data", str(tmp_path / "d")])
    return result.exit_code, result.output


@pytest.mark.parametrize("share", ['"24.9999999999999999999%"', '"25.0000000000000001%"', "0.249999999999999999999",
                                   '"2_5%"', "0.2_5", '"0.2_5"', '"٢٥%"', '"２５%"', '"1e-1"'])
def test_a_share_feoc_cannot_read_exactly_is_refused_at_its_line(share, tmp_path):
    code, output = _check(tmp_path, share)
    assert code == 2, output
    assert "a.yaml:5:" in output and "Traceback" not in output


@pytest.mark.parametrize(("share", "code"), [('"24.99999996%"', 0), ('"25%"', 1), ("0.25", 1), ("0.2499999", 0),
                                             ('"25 %"', 1), ("0.123456789012345", 0)])
def test_shares_within_precision_are_judged_as_written(share, code, tmp_path):
    assert _check(tmp_path, share)[0] == code


def test_ftm_percentage_with_more_digits_than_a_share_keeps_is_skipped_and_said(tmp_path):
    lines = [{"id": "g", "schema": "PublicBody", "properties": {"name": ["China Gov"], "country": ["cn"]}},
             {"id": "c", "schema": "Company", "properties": {"name": ["Co"], "country": ["us"]}},
             {"id": "o", "schema": "Ownership",
              "properties": {"owner": ["g"], "asset": ["c"], "percentage": ["24.9999999999999999999"]}}]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "ftm", str(src), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "skipped:" in result.output and "percentage" in result.output
    holdings = tmp_path / "out" / "holdings.yaml"
    assert not holdings.exists() or "0.25" not in holdings.read_text(encoding="utf-8")
