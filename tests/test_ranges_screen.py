"""Issue 20, item 1 on the bulk path: `feoc screen` takes share ranges `{min: …, max: …}`.

The bulk path judges the ranges' minima (the real pass) and their maxima (the upper pass, `determine.bulk_ranges`):
an entity in between is *cannot be determined* by the rule feoc-undetermined-share-range, exactly as `feoc check`
decides it (the differential tests below hold the two equal on generated worlds with ranges, every reading), and
the table gains `gov_*_max` columns (the covered governments' interest on the maxima) only when a range is recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import pytest

from feoc.data.dataset import Dataset
from feoc.data.values import ShareRange
from feoc.determine.regime30d import determine
from feoc.law.law import Law
from feoc.verdicts.screen import COLUMNS, MAX_COLUMNS, bulk_screen, screen
from feoc.verdicts.subject import entity_verdict
from test_ranges_cli import ON, run, state_body_world  # pytest puts tests/ on sys.path (rootdir-relative import)

RULES = Law.load()
DAY = dt.date(2025, 1, 1)
READINGS = ["government", "feoc-lookthrough", "government-all-nations", "government-control"]
RULE = "feoc-undetermined-share-range"


def _rows(output: str) -> dict[str, dict[str, str]]:
    return {r["entity"]: r for r in csv.DictReader(io.StringIO(output))}


@pytest.mark.parametrize(("band", "status", "rule"), [
    ({"min": "20%", "max": "30%"}, "cannot_be_determined", RULE),  # on both sides of 25 %
    ({"min": "25%", "max": "30%"}, "feoc", ""),  # the minimum reaches 25 %: a FEOC whatever the true share
    ({"min": "10%", "max": "24.99%"}, "not_feoc", ""),  # the maximum stays below 25 %: clear on this prong
])
def test_screen_judges_a_psc_band_held_by_a_state_body_as_check_does(tmp_path, band, status, rule):
    """Story: a register's band ("more than 20 % but not more than 30 %") held by a Chinese state body in a Korean
    maker: `feoc screen` (exit 0) gives the maker, and the U.S. plant it wholly owns, the status `feoc check`
    gives (exit 4 / 1 / 0), the deciding rule, and the interest on the minima and on the maxima."""
    result = run(tmp_path, state_body_world(band), "screen", "--on", ON)
    assert result.exit_code == 0, result.output
    rows = _rows(result.output)
    assert list(rows["kr-maker"]) == COLUMNS + MAX_COLUMNS
    check = run(tmp_path, state_body_world(band), "check", "entity", "kr-maker", "--on", ON)
    assert check.exit_code == {"cannot_be_determined": 4, "feoc": 1, "not_feoc": 0}[status], check.output
    assert rows["kr-maker"]["status"] == status
    if rule:
        assert rule in rows["kr-maker"]["rules"].split(";")
        assert rows["us-plant"]["status"] == rows["kr-maker"]["status"]  # the doubt passed down the chain
    low, high = (float(band[k].rstrip("%")) / 100 for k in ("min", "max"))
    assert float(rows["kr-maker"]["gov_equity"]) == pytest.approx(low)
    assert float(rows["kr-maker"]["gov_equity_max"]) == pytest.approx(high)


@pytest.mark.parametrize("fmt", ["json", "md"])
def test_screen_shows_the_interval_in_every_format(tmp_path, fmt):
    """Story: the same band screened as JSON or Markdown: exit 0, the maker's row cannot be determined by the
    range rule; JSON carries the interest on the maxima next to the one on the minima."""
    result = run(tmp_path, state_body_world({"min": "20%", "max": "30%"}), "screen", "--on", ON, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert RULE in result.output
    if fmt == "json":
        import json

        row = next(r for r in json.loads(result.output)["entities"] if r["entity"] == "kr-maker")
        assert (row["gov_equity"], row["gov_equity_max"], row["status"]) == (0.2, 0.3, "cannot_be_determined")
    else:  # the Markdown table shows the interval, never the minimum alone
        row = next(line for line in result.output.splitlines() if line.startswith("| `kr-maker`"))
        assert "| 20.00%–30.00% |" in row, row


def test_the_screen_of_exact_shares_keeps_its_columns(tmp_path):
    """Story: a dataset without any range screens as before: no `*_max` column (the CSV of exact data unchanged)."""
    result = run(tmp_path, state_body_world(0.3), "screen", "--on", ON)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == ",".join(COLUMNS)


def ranged_world(n: int, seed: int) -> Dataset:
    """test_differential's world with about one share in three recorded as a band around it (a register's
    band: the true share within, the minimum possibly 0, the maximum possibly past 25 %)."""
    from test_differential import synthetic_world

    world = synthetic_world(n, seed)
    rng = random.Random(seed)
    holdings = []
    for h in world.holdings:
        bands = {}
        for m in ("equity", "voting", "board_seats"):
            share = getattr(h, m)
            if share is not None and share < 1.0 and rng.random() < 0.35:
                low, high = max(0.0, share - rng.choice([0.0, 0.05, 0.1])), min(1.0, share + rng.choice([0.01, 0.1, 0.3]))
                bands[m] = ShareRange(low, high) if low < high else share
        holdings.append(h.model_copy(update=bands) if bands else h)
    return Dataset(entities=world.entities, holdings=tuple(holdings), listings=world.listings,
                   agreements=world.agreements, facilities=world.facilities)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_screen_status_equals_check_on_every_entity_of_a_world_with_ranges(seed):
    """Differential (issue 20): on a generated world with share ranges, the screen's status per entity (agreed
    across every reading, and under each reading alone) is `feoc check entity`'s, entity by entity."""
    world = ranged_world(400, seed)
    dets = {name: determine(world, DAY, RULES, name, "durable-rules", "entities") for name in READINGS}
    table = bulk_screen(world, DAY, RULES)
    ids = table.columns["entity"]
    verdicts = [entity_verdict(world, eid, DAY, RULES, determinations=dets) for eid in ids]
    assert list(table.columns["status"]) == [v.status for v in verdicts]
    for name in READINGS:
        alone = bulk_screen(world, DAY, RULES, name)
        assert list(alone.columns["status"]) == [v.readings[name] for v in verdicts], name
    ranged = [r for r in table.columns["rules"] if RULE in r.split(";")]
    assert ranged  # not an empty comparison: some entity is open for a range alone


@pytest.mark.parametrize("reading", READINGS)
def test_the_bulk_table_of_a_world_with_ranges_equals_the_durable_rules_one(reading):
    """The whole table (status, rules, interests on the minima and the maxima) by the bulk path equals the one
    built from the durable-rules determination, under each reading."""
    world = ranged_world(400, 4)
    fast = bulk_screen(world, DAY, RULES, reading)
    assert set(MAX_COLUMNS) <= set(fast.columns)
    assert fast == screen(world, DAY, RULES, reading, "durable-rules")
