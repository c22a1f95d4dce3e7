"""End-to-end CLI: the analyst's path through `feoc check` and `feoc rules` on the seed data set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.law.law import Law
from feoc.verdicts.status import EXIT_CODES, Status

ROOT = Path(__file__).resolve().parents[1]
SEEDS = str(ROOT / "seeds")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_aesc_mid_2024_explains_the_chain_through_envision():
    """Issue story: `feoc check entity aesc --on 2024-06-01 --explain` prints the chain through Envision Group."""
    # issue 14: without --interpretation the readings disagree on AESC, so the verdict is contested (exit 5)
    contested = run("check", "entity", "aesc", "--data", SEEDS, "--on", "2024-06-01")
    assert contested.exit_code == 5 and "CONTESTED" in contested.output, contested.output
    result = run("check", "entity", "aesc", "--data", SEEDS, "--on", "2024-06-01", "--explain",
                 "--interpretation", "feoc-holders")
    assert result.exit_code == 1, result.output
    out = result.output
    assert out.startswith("aesc (")
    assert "IS a foreign entity of concern as of 2024-06-01" in out
    assert "envision-group → 80.00% equity → aesc" in out
    assert "89 FR 37079" in out and "42 U.S.C. 18741(a)(5)(C)" in out
    assert "envision-group: [feoc-jurisdiction-headquarters]" in out


# issue 14: a holding by a private Chinese parent (Envision, Gotion's) makes a FEOC under one reading only, so
# those verdicts are contested (exit 5) unless --interpretation names a reading
@pytest.mark.parametrize(("subject", "day", "status"), [
    ("aesc", "2018-06-01", "not_in_force"),  # Nissan-NEC joint venture era, before the IIJA defined a FEOC
    ("aesc", "2023-12-31", "contested"),
    ("aesc", "2024-01-01", "contested"),
    ("aesc", "2025-01-01", "contested"),
    ("aesc-us", "2024-01-01", "contested"),
    ("aesc-uk", "2025-01-01", "contested"),
    ("envision-group", "2024-01-01", "feoc"),
    ("sk-on", "2023-12-31", "not_feoc"),
    ("sk-on", "2025-01-01", "not_feoc"),
    ("nissan", "2024-01-01", "not_feoc"),
    ("gotion-inc", "2024-06-01", "contested"),
])
def test_seed_entity_verdicts(subject, day, status):
    result = run("check", "entity", subject, "--data", SEEDS, "--on", day, "--format", "json")
    assert result.exit_code == EXIT_CODES[Status(status)], result.output
    body = json.loads(result.output)
    assert body["subject"] == subject and body["on"] == day and body["status"] == status
    assert body["feoc"] is (status == "feoc")
    assert body["interpretation"] == Law.load().interpretation().name
    if status in ("feoc", "contested"):
        assert body["findings"] and all(f["citation"] for f in body["findings"])


def test_aesc_is_not_a_feoc_under_the_government_only_reading():
    """The old name government-multiply still names the government reading (issue 14: an alias)."""
    result = run("check", "entity", "aesc", "--data", SEEDS, "--on", "2024-06-01",
                 "--interpretation", "government-multiply", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    # issue 14: --interpretation judges that reading only (0/1/4), so nothing is contested
    assert body["contested"] is False and list(body["readings"].values()) == ["not_feoc"]


def test_facility_in_china_and_us_plant_of_aesc():
    wuxi = run("check", "facility", "aesc-wuxi", "--data", SEEDS, "--on", "2024-06-01", "--format", "json")
    assert wuxi.exit_code == 1
    assert {f["rule"] for f in json.loads(wuxi.output)["findings"]} >= {"feoc-jurisdiction-activity"}
    smyrna = run("check", "facility", "aesc-smyrna", "--data", SEEDS, "--on", "2024-06-01")
    assert smyrna.exit_code == 5 and "[feoc-operator]" in smyrna.output  # AESC is contested (issue 14)


@pytest.mark.parametrize("args", [
    ("check", "entity", "no-such-id", "--on", "2024-06-01"),
    ("check", "entity", "aesc", "--on", "2024-02-30"),
    ("check", "entity", "aesc", "--on", "yesterday"),
    ("check", "entity", "aesc", "--on", "2024-06-01", "--interpretation", "nonsense"),
    ("check", "facility", "aesc", "--on", "2024-06-01"),
])
def test_bad_command_line_input_exits_2_without_traceback(args):
    result = run(*args[:3], "--data", SEEDS, *args[3:])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_unknown_id_suggests_close_matches():
    result = run("check", "entity", "aesc-usa", "--data", SEEDS, "--on", "2024-06-01")
    assert result.exit_code == 2 and "did you mean" in result.output and "aesc-us" in result.output


def test_rules_test_prints_the_count_line():
    result = run("rules", "test")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].endswith(" passed, 0 failed")


def test_rules_list_shows_citations_and_dates():
    result = run("rules", "list")
    assert result.exit_code == 0
    assert "feoc-ownership" in result.output and "effective: from 2021-11-15" in result.output


def test_bad_rule_file_is_refused_with_file_and_line(tmp_path):
    import shutil

    from feoc.law.data import default_rules_dir

    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    target = rules / "feoc" / "ownership.yaml"
    target.write_text(target.read_text().replace("op: gte", "op: greater_or_equal"))
    result = run("rules", "test", "--rules", str(rules))
    assert result.exit_code == 2
    assert "ownership.yaml:" in result.output and "unknown operator `greater_or_equal`" in result.output
