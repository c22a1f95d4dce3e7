"""The seed verdicts follow the public record of the §30D eligibility list (reference industry-data.md §12)
under the default reading (only covered-nation government stakes count, feoc-law.md §7.1).

Each test pins one public-record date, on both sides where the record has a change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.law.law import Law

SEEDS = str(Path(__file__).resolve().parents[1] / "seeds")
READING = "government"  # the government-only reading (R1), the §30D default (feoc-law.md §7.1)


def credit(vehicle: str, day: str, reading: str | None = READING) -> tuple[float, str]:
    args = ["check", "vehicle", vehicle, "--data", SEEDS, "--on", day, "--format", "json"]
    if reading:
        args += ["--interpretation", reading]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1, 4, 5), result.output
    body = json.loads(result.output)
    return body["credit_usd"], body["status"]


@pytest.mark.parametrize(("day", "usd"), [("2023-04-17", 7500), ("2023-04-18", 0)])
def test_the_leaf_loses_the_credit_on_2023_04_18_under_the_percentages(day: str, usd: float) -> None:
    """2023-04-18: "The Nissan Leaf (Smyrna-built) lost the credit under the new mineral and component
    percentage rules" (Automotive News, industry-data.md §12)."""
    assert credit("nissan-leaf-2023", day)[0] == usd


@pytest.mark.parametrize("day", ["2024-01-01", "2024-03-06", "2024-12-31"])
def test_the_2024_leaf_earns_3750_in_2024(day: str) -> None:
    """2024-03-06: "The 2024 Leaf regained $3,750 (the battery-component half)" (Green Car Reports)."""
    usd, status = credit("nissan-leaf-2024", day)
    assert (usd, status) == (3750, "partial")


@pytest.mark.parametrize("vehicle", ["nissan-leaf-2024", "nissan-leaf-2025"])
def test_the_leaf_is_out_from_2025_01_01(vehicle: str) -> None:
    """2025-01-01: the list dropped Nissan when the FEOC critical-mineral rule began (Fast Company)."""
    assert credit(vehicle, "2024-12-31")[0] == 3750
    usd, status = credit(vehicle, "2025-01-01")
    assert (usd, status) == (0, "not_eligible")


def test_the_2023_leaf_never_regains_the_credit_in_2024() -> None:
    """Only "Leafs built in 2024" were recertified: the 2023 Leaf fails both percentages in 2024 too."""
    assert credit("nissan-leaf-2023", "2024-06-01")[0] == 0


def test_the_2024_leaf_is_contested_in_2024_under_the_any_feoc_holder_reading() -> None:
    """Under the any-FEOC-holder reading AESC (80 % Envision) is a FEOC and its components exclude the
    Leaf: the readings disagree, so the seeds show the doubt instead of hiding it."""
    assert credit("nissan-leaf-2024", "2024-06-01", "feoc-holders")[0] == 0


def test_the_public_record_is_read_under_the_default_reading() -> None:
    """The dates above are pinned under the reading feoc applies when none is named."""
    assert Law.load().default_interpretation == READING


def test_without_a_reading_the_2024_leaf_is_contested_and_shows_both_amounts() -> None:
    """Issue 14: a contested credit is a range with each reading's amount (exit 5)."""
    result = CliRunner().invoke(app, ["check", "vehicle", "nissan-leaf-2024", "--data", SEEDS, "--on", "2024-06-01",
                                      "--format", "json"])
    assert result.exit_code == 5, result.output
    body = json.loads(result.output)
    assert body["status"] == "contested" and body["credit_range_usd"] == [0, 3750]


@pytest.mark.parametrize("vehicle", [f"nissan-canton-ev-{n}" for n in range(1, 5)])
def test_the_2028_canton_evs_without_an_msrp_cannot_be_determined(vehicle: str) -> None:
    """Issue 14: the Canton EVs have no announced MSRP, so before the credit ends their credit cannot be
    determined (exit 4, naming the MSRP), never "eligible"; acquired after 2025-09-30 there is no credit."""
    result = CliRunner().invoke(app, ["check", "vehicle", vehicle, "--data", SEEDS, "--on", "2025-06-01",
                                      "--format", "json"])
    assert result.exit_code == 4, result.output
    body = json.loads(result.output)
    assert body["status"] == "cannot_be_determined" and body["credit_usd"] == 0
    assert any("MSRP" in m["fact"] or "msrp" in m["decide"].lower() for m in body["missing"])
    assert credit(vehicle, "2028-06-01")[1] == "terminated"
