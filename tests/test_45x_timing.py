"""When the §45X taxpayer's prohibited-foreign-entity status is tested (IRC 7701(a)(51) as amended by P.L. 119-21
§70514; feoc-law.md §5.2, §7.6): the first taxable year beginning after 2025-07-04 on its first day, later years on
their last day, so the status is fixed for the whole taxable year; `tax_year_start` gives a fiscal year."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from feoc.cli import app

runner = CliRunner()


def _dataset(tmp_path: Path, tax_year_start: str | None = None, owner_from: str = "2026-07-01") -> str:
    maker = {"id": "maker", "name": "Maker", "type": "company", "incorporated_in": "US"}
    if tax_year_start:
        maker["tax_year_start"] = tax_year_start
    data = {
        "entities": [maker, {"id": "cn-parent", "name": "CN Parent", "type": "company", "incorporated_in": "CN"},
                     {"id": "kr-sup", "name": "KR Supplier", "type": "company", "incorporated_in": "KR"}],
        "holdings": [{"holder": "cn-parent", "entity": "maker", "equity": 0.6, "voting": 0.6, "board_seats": 0.6,
                      "from": owner_from}],
        "facilities": [{"id": "plant", "name": "Plant", "operator": "maker", "country": "US",
                        "activities": ["battery_cell_manufacturing"]}],
        "material_inputs": [{"facility": "plant", "product": "battery_cell", "input": "cathode material",
                             "supplier": "kr-sup", "cost_usd": 100}],
    }
    (tmp_path / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return str(tmp_path)


def _check(data: str, on: str):
    result = runner.invoke(app, ["check", "facility", "plant", "--data", data, "--on", on, "--credit", "45x",
                                 "--format", "json"])
    return result.exit_code, (json.loads(result.output) if result.output.strip().startswith("{") else result.output)


def test_issue16_status_fixed_for_the_first_year_tested_on_its_first_day(tmp_path):
    """Issue 16: a Chinese parent takes 60 % on 2026-07-01. The first taxable year (2026) is tested on 2026-01-01
    (feoc-law.md §5.2), so the answer is the same on 2026-03-01 and on 2026-09-01 (before issue 16: eligible, then
    no credit). Read on that day the plant is eligible; but the enacted text fixes only the listed SFEs on a first
    year's first day, and from 2026-07-01 a single SFE owns 25 % or more during the year: contested (exit 5), both
    answers named, the span in `during_year` (IRC 7701(a)(51)(A)(ii), (D))."""
    data = _dataset(tmp_path)
    for on in ("2026-03-01", "2026-09-01"):
        code, body = _check(data, on)
        assert code == 5 and body["status"] == "contested", (on, body)
        assert any("status tested on 2026-01-01" in n and "first day" in n for n in body["notes"]), body["notes"]
        assert "read on the day the status is tested (2026-01-01), eligible" in body["reason"], body["reason"]
        assert [(d["from"], d["until"], d["outcome"]) for d in body["during_year"]] == \
            [("2026-07-01", "2026-12-31", "fie")]


def test_issue16_later_years_tested_on_their_last_day(tmp_path):
    """2027 is tested on 2027-12-31: the parent's 60 % (from 2026-07-01) makes the operator foreign-controlled
    for the whole of 2027, even on 2027-03-01; a stake taken on 2027-12-31 counts for 2027 too."""
    code, body = _check(_dataset(tmp_path), "2027-03-01")
    assert code == 1 and body["status"] == "no_credit", body
    assert any("status tested on 2027-12-31" in n and "last day" in n for n in body["notes"]), body["notes"]
    late = tmp_path / "late"
    late.mkdir()
    assert _check(_dataset(late, owner_from="2027-12-31"), "2027-01-02")[0] == 1
    later = tmp_path / "later"
    later.mkdir()
    assert _check(_dataset(later, owner_from="2028-01-01"), "2027-12-31")[0] == 0


def test_fiscal_year_starting_2025_10_01_is_the_first_taxable_year(tmp_path):
    """A fiscal year beginning 2025-10-01 begins after 2025-07-04: the rules apply from 2025-10-01 for that
    taxpayer, tested on 2025-10-01; a calendar-year taxpayer is not yet under them on the same day."""
    code, body = _check(_dataset(tmp_path, "10-01", owner_from="2025-10-02"), "2025-11-01")
    assert code == 5 and body["status"] == "contested", body  # eligible on 2025-10-01; the stake from 2025-10-02
    assert any("status tested on 2025-10-01" in n for n in body["notes"]), body["notes"]
    assert "read on the day the status is tested (2025-10-01), eligible" in body["reason"], body["reason"]
    cal = tmp_path / "cal"
    cal.mkdir()
    code, body = _check(_dataset(cal, owner_from="2025-10-02"), "2025-11-01")
    assert body["status"] == "not_in_force" and body["operator_pfe"] is None, body
    # its second year (2026-10-01 to 2027-09-30) is tested on its last day: the stake now counts
    fy = tmp_path / "fy"
    fy.mkdir()
    code, body = _check(_dataset(fy, "10-01", owner_from="2025-10-02"), "2026-11-01")
    assert code == 1 and any("status tested on 2027-09-30" in n for n in body["notes"]), body


def test_both_sides_of_2025_07_04(tmp_path):
    """A taxable year beginning 2025-07-04 is not 'after' 2025-07-04; one beginning 2025-07-05 is."""
    code, body = _check(_dataset(tmp_path, "07-04", owner_from="2025-01-01"), "2025-08-01")
    assert body["status"] == "not_in_force", body
    assert "2026-07-04" in body["reason"], body["reason"]
    after = tmp_path / "after"
    after.mkdir()
    code, body = _check(_dataset(after, "07-05", owner_from="2025-01-01"), "2025-08-01")
    assert code == 1 and body["status"] == "no_credit", body
    assert any("status tested on 2025-07-05" in n for n in body["notes"]), body["notes"]


def test_a_tax_year_start_that_is_not_a_day_of_every_year_is_refused_at_its_line(tmp_path):
    for bad in ("02-30", "13-01", "2-1", "02-29"):
        code, out = _check(_dataset(tmp_path, bad), "2026-03-01")
        assert code == 2, out
        assert "data.yaml:" in out and "tax_year_start" in out and "MM-DD" in out, out


def test_a_fiscal_year_taxpayers_not_in_force_reason_names_its_own_first_day(tmp_path):
    """A taxpayer whose year starts 10-01 is under the rules from 2025-10-01: the reason on 2025-09-30 says so for
    this taxpayer, never that 2025-10-01 is a calendar-year taxpayer's first day (that is 2026-01-01)."""
    data = tmp_path / "fy"
    data.mkdir()
    (data / "d.yaml").write_text(
        "entities:\n  - {id: opco, name: OpCo, type: company, incorporated_in: US, headquartered_in: US,"
        " tax_year_start: \"10-01\"}\nfacilities:\n  - {id: plant, name: Plant, operator: opco, country: US,"
        " activities: [battery_cell_manufacturing]}\n")
    from typer.testing import CliRunner

    from feoc.cli import app
    result = CliRunner().invoke(app, ["check", "facility", "plant", "--data", str(data), "--on", "2025-09-30",
                                      "--credit", "45x"])
    assert result.exit_code == 0, result.output
    assert "for this taxpayer from 2025-10-01" in result.output
    assert "calendar-year taxpayer" not in result.output.split("\n")[1]
