"""Issue 20, item 1: share ranges `{min: …, max: …}` through the real CLI.

Each test names the user story it encodes: a register publishes a band ("more than 25 % but not more than
50 %", the UK PSC form; BODS `minimum`/`maximum`), the user records it as a range, and feoc answers FEOC when the
lower bound reaches 25 %, clear when the upper bound stays below, and otherwise *cannot be determined* (exit 4)
with the interval in words and the holdings whose range must be narrowed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from feoc.cli import app

RUNNER = CliRunner()
ON = "2025-01-01"


def state_body_world(equity: Any, *, voting: Any = 0, board_seats: Any = 0, extra: list[dict] | None = None) -> dict:
    """A Chinese state-assets agency (a state body: the government of CN) holding a Korean maker, which wholly
    owns a U.S. plant company."""
    return {
        "entities": [
            {"id": "sasac", "name": "State-owned Assets Supervision and Administration Commission", "type": "agency",
             "country": "CN"},
            {"id": "kr-maker", "name": "KR Maker", "type": "company", "incorporated_in": "KR", "headquartered_in": "KR"},
            {"id": "us-plant", "name": "US Plant Co", "type": "company", "incorporated_in": "US",
             "headquartered_in": "US"},
        ],
        "holdings": [
            {"holder": "sasac", "entity": "kr-maker", "equity": equity, "voting": voting, "board_seats": board_seats},
            {"holder": "kr-maker", "entity": "us-plant", "equity": 1.0, "voting": 1.0, "board_seats": 1.0},
            *(extra or []),
        ],
    }


def run(tmp_path: Path, data: dict, *args: str) -> Any:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    (folder / "world.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return RUNNER.invoke(app, [*args[:3], "--data", str(folder), *args[3:]])


@pytest.mark.parametrize("reading", ["government", "feoc-lookthrough", "government-all-nations", "government-control"])
def test_a_psc_band_held_by_a_state_body_cannot_be_determined_under_every_reading(tmp_path, reading):
    """Story: a register says a state body holds "more than 20 % but not more than 30 %" of a Korean maker; under
    every reading the maker is *cannot be determined* (exit 4), the interval shown in words, the holding named."""
    result = run(tmp_path, state_body_world({"min": "20%", "max": "30%"}),
                 "check", "entity", "kr-maker", "--on", ON, "--interpretation", reading)
    assert result.exit_code == 4, result.output
    assert "CANNOT BE DETERMINED" in result.output
    assert "between 20.00% and 30.00%" in result.output
    assert "sasac -> kr-maker (equity between 20.00% and 30.00%)" in result.output
    assert "feoc-undetermined-share-range" in result.output


def test_the_minimum_reaching_25_percent_is_a_feoc(tmp_path):
    """Story: the band is "25 % or more" ({min: 25%}): whatever the true share, the state body holds 25 %: FEOC,
    exit 1, on every reading."""
    result = run(tmp_path, state_body_world({"min": "25%"}), "check", "entity", "kr-maker", "--on", ON)
    assert result.exit_code == 1, result.output
    assert "feoc-ownership" in result.output
    assert "feoc-undetermined-share-range" not in result.output


def test_the_maximum_below_25_percent_is_clear(tmp_path):
    """Story: the band is "at most 24 %" ({max: 24%}): below 25 % whatever the true share: not a FEOC, exit 0."""
    result = run(tmp_path, state_body_world({"max": "24%"}), "check", "entity", "kr-maker", "--on", ON)
    assert result.exit_code == 0, result.output
    assert "is NOT a foreign entity of concern" in result.output
    # the clear answer rests on the maximum, and the negative evidence says so
    assert "at most 24.00% on their maxima" in result.output


def test_a_subsidiary_of_a_range_undecided_maker_is_cannot_be_determined(tmp_path):
    """Story: the U.S. plant company, wholly owned by the maker whose state stake is a 20-30 % band, cannot be
    decided either (the interval passes down the chain), and its verdict names the band above it."""
    result = run(tmp_path, state_body_world({"min": "20%", "max": "30%"}), "check", "entity", "us-plant", "--on", ON,
                 "--interpretation", "government")
    assert result.exit_code == 4, result.output
    assert "between 20.00% and 30.00%" in result.output
    assert "sasac → 20.00%–30.00% equity → kr-maker → 100.00% equity → us-plant" in result.output


def test_a_licensee_of_a_range_undecided_maker_is_cannot_be_determined_through_upstream_doubt(tmp_path):
    """Story: a company licensed by the range-undecided maker with a control right: the licensor may be a FEOC, so
    the licensee is *cannot be determined* as the upstream-doubt rule says (issue 14), naming the maker."""
    data = state_body_world({"min": "20%", "max": "30%"})
    data["entities"].append({"id": "licensee", "name": "Licensee Co", "type": "company", "incorporated_in": "US",
                             "headquartered_in": "US"})
    data["agreements"] = [{"id": "lic", "kind": "license", "licensor": "kr-maker", "licensee": "licensee",
                           "rights": ["production_quantity_or_timing"]}]
    result = run(tmp_path, data, "check", "entity", "licensee", "--on", ON, "--interpretation", "government")
    assert result.exit_code == 4, result.output
    assert "feoc-undetermined-upstream" in result.output
    assert "kr-maker" in result.output


def test_json_shows_the_interval_and_keeps_exact_data_unchanged(tmp_path):
    """Story: a script reads `check --format json`: the range finding's facts carry `low` and `high`, the missing
    fact says what would decide it, and the ownership check names the interval; exact shares keep their keys."""
    result = run(tmp_path, state_body_world({"min": "20%", "max": "30%"}), "check", "entity", "kr-maker", "--on", ON,
                 "--interpretation", "government", "--format", "json")
    assert result.exit_code == 4, result.output
    body = json.loads(result.output)
    assert body["status"] == "cannot_be_determined"
    facts = next(f["facts"] for f in body["findings"] if f["rule"] == "feoc-undetermined-share-range")
    assert (facts["low"], facts["high"], facts["measure"]) == (0.2, 0.3, "equity")
    assert "between 20.00% and 30.00%" in body["missing"][0]["decide"]
    ownership = [c["detail"] for c in body["checked"] if c["rule"] == "feoc-ownership" and c["detail"].startswith("equity")]
    assert "at most 30.00% on their maxima" in ownership[0]
    exact = run(tmp_path, state_body_world("30%"), "check", "entity", "kr-maker", "--on", ON,
                "--interpretation", "government", "--format", "json")
    facts = next(f["facts"] for f in json.loads(exact.output)["findings"] if f["rule"] == "feoc-ownership")
    assert set(facts) == {"subject", "measure", "holders", "nation", "share"}


@pytest.mark.parametrize("bad, words", [
    ({"min": "30%", "max": "20%"}, "is above its `max`"),
    ({"minimum": "20%"}, "`minimum` is not a bound of a share range"),
    ({}, "an empty share range says nothing"),
    ({"max": "120%"}, "`max` of the share range"),
])
def test_a_bad_range_is_refused_at_its_line_with_the_fix(tmp_path, bad, words):
    """Story: a typo in a band (min above max, BODS's own key names, an empty mapping, a bound above 100 %) is
    refused with exit 2 at the file and line of the field, saying what to write."""
    result = run(tmp_path, state_body_world(bad), "check", "entity", "kr-maker", "--on", ON)
    assert result.exit_code == 2, result.output
    assert "world.yaml:" in result.output and "equity" in result.output and words in result.output
    assert " — " in result.output  # what — fix


def test_minima_over_100_percent_are_refused_maxima_may_exceed(tmp_path):
    """Story: two bands whose minima add up to 110 % cannot both hold (exit 2, naming the `min` to lower); two bands
    whose maxima add up to 160 % can (each says little about the other holder's)."""
    other = {"id": "kr-other", "name": "KR Other", "type": "company", "incorporated_in": "KR"}
    data = state_body_world({"min": "60%", "max": "80%"}, extra=[{"holder": "kr-other", "entity": "kr-maker",
                                                                   "equity": {"min": "50%"}}])
    data["entities"].append(other)
    result = run(tmp_path, data, "check", "entity", "kr-maker", "--on", ON)
    assert result.exit_code == 2, result.output
    assert "adds up to at least 110.00%" in result.output and "lower the `min`" in result.output
    data["holdings"][-1]["equity"] = {"min": "10%", "max": "80%"}
    result = run(tmp_path, data, "check", "entity", "kr-maker", "--on", ON)
    assert result.exit_code == 1, result.output  # the state body's 60 % minimum: a FEOC


def test_screen_takes_a_dataset_with_ranges(tmp_path):
    """Story: `feoc screen` (the bulk path) takes ranges (it refused them before the bulk path judged them): exit 0,
    the maker's row *cannot be determined* by the range rule (tests/test_ranges_screen.py has the rest)."""
    result = run(tmp_path, state_body_world({"min": "20%", "max": "30%"}), "screen", "--on", ON)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("kr-maker,"))
    assert ",cannot_be_determined,False,feoc-undetermined-share-range," in row


def test_convert_keeps_ranges_in_yaml_and_in_parquet(tmp_path):
    """Story: `feoc convert --to yaml` writes a band back as `{min, max}` (the same verdict after the round trip);
    `--to parquet` writes it in the companion columns `equity_min`/`equity_max` (issue 20; it refused ranges before),
    never as its lower bound, and the Parquet copy gives the same verdict."""
    run(tmp_path, state_body_world({"min": "20%", "max": "30%"}), "check", "entity", "kr-maker", "--on", ON)
    data = tmp_path / "data"
    result = RUNNER.invoke(app, ["convert", str(data), "--to", "yaml", "--out", str(tmp_path / "yaml")])
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((tmp_path / "yaml" / "holdings.yaml").read_text())
    assert written["holdings"][0]["equity"] == {"min": 0.2, "max": 0.3}
    again = RUNNER.invoke(app, ["check", "entity", "kr-maker", "--data", str(tmp_path / "yaml"), "--on", ON])
    assert again.exit_code == 4 and "between 20.00% and 30.00%" in again.output
    result = RUNNER.invoke(app, ["convert", str(data), "--to", "parquet", "--out", str(tmp_path / "pq")])
    assert result.exit_code == 0, result.output
    again = RUNNER.invoke(app, ["check", "entity", "kr-maker", "--data", str(tmp_path / "pq"), "--on", ON])
    assert again.exit_code == 4 and "between 20.00% and 30.00%" in again.output


def test_a_range_in_a_parquet_holdings_table_is_refused_clearly(tmp_path):
    """Story: a Parquet holdings table with `equity` as a struct {min, max}: refused with exit 2 naming the column
    and its type (a Parquet share column is a number; a range goes in `equity_min`/`equity_max`), never read as
    something else."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    folder = tmp_path / "pq"
    folder.mkdir()
    world = state_body_world(0)
    (folder / "entities.yaml").write_text(yaml.safe_dump({"entities": world["entities"]}), encoding="utf-8")
    pq.write_table(pa.table({"holder": ["sasac"], "entity": ["kr-maker"],
                             "equity": pa.array([{"min": 0.2, "max": 0.3}]), "voting": [0.0], "board_seats": [0.0]}),
                   folder / "holdings.parquet")
    result = RUNNER.invoke(app, ["check", "entity", "kr-maker", "--data", str(folder), "--on", ON])
    assert result.exit_code == 2, result.output
    assert "holdings.parquet" in result.output and "column equity" in result.output and "struct" in result.output
    assert "equity_min" in result.output  # the fix names the companion columns
