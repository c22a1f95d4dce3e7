"""Issue 17, session 22: the loader's check that stakes in one entity add up to at most 100 % on any date is swept
for many entities at once on arrays (`load/totals_sweep.py`); that sweep only clears entities, and it clears
exactly those the record sweep (`totals._over_100`) finds nothing in, whatever the dates, shares and ranges."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.data.columns import Codes, Repeat, Shares
from feoc.data.problems import InputError
from feoc.data.values import ShareRange
from feoc.law.law import Law
from feoc.load import totals
from feoc.load.checks import _positions_of
from feoc.load.columns import kind_columns, kind_schema
from feoc.load.folder import load_dataset
from feoc.load.totals import _held_at, _over_100
from feoc.load.totals_sweep import swept_clear

DAYS = [None, dt.date(2020, 1, 1), dt.date(2021, 6, 1), dt.date(2022, 1, 1), dt.date(2023, 1, 1)]
SHARES = [0.1, 0.25, 0.3, 1 / 3, 0.5, 0.6, 0.7, 1.0, 0.2 + 0.1, 0.999999999, 1e-12]


@st.composite
def holdings(draw: st.DrawFn) -> tuple[list, list, list, dict[str, list[int]]]:
    n = draw(st.integers(1, 40))
    starts, ends, shares = [], [], []
    for _ in range(n):
        a, b = sorted(draw(st.lists(st.sampled_from(range(len(DAYS))), min_size=2, max_size=2)))
        start, end = DAYS[a], DAYS[b] if b > a and draw(st.booleans()) else None  # from before until, as the model wants
        starts.append(start if draw(st.booleans()) else None)
        ends.append(end)
        shares.append(draw(st.sampled_from(SHARES)))
    stakes: dict[str, list[int]] = {}
    for p in range(n):
        stakes.setdefault(f"e{draw(st.integers(0, 5))}", []).append(p)
    return starts, ends, shares, stakes


def _record_sweep_clears(starts, ends, shares, stakes) -> set[str]:
    return {e for e, ps in stakes.items() if _over_100(starts, ends, shares, ps) is None}


@settings(max_examples=300, deadline=None)
@given(holdings())
def test_the_array_sweep_clears_exactly_what_the_record_sweep_clears(world) -> None:
    """Stakes handed over on a date, ending and starting the same day, without dates, shares whose float sum
    drifts (0.2 + 0.1), a 1e-12 stake on top of 100 %: the same entities cleared, as lists and as columns."""
    starts, ends, shares, stakes = world
    want = _record_sweep_clears(starts, ends, shares, stakes)
    assert swept_clear(starts, ends, shares, stakes) == want
    coded = [Codes(np.array([DAYS.index(d) for d in c], dtype=np.uint8), DAYS) for c in (starts, ends)]
    assert swept_clear(*coded, Shares(np.array(shares)), stakes) == want


def test_ranges_count_at_their_minimum() -> None:
    """Issue 20: a range counts at its lower bound, as the record sweep adds it."""
    starts, ends = [None, None], [None, None]
    stakes = {"a": [0, 1]}
    for low, clear in ((0.5, {"a"}), (0.6, set())):
        shares = [ShareRange(low, 0.9), 0.5]
        assert swept_clear(starts, ends, shares, stakes) == clear == _record_sweep_clears(starts, ends, shares, stakes)


def test_an_entity_with_many_stakes_is_left_to_the_record_sweep() -> None:
    stakes = {"big": list(range(300)), "small": [0, 1]}
    shares, days = [0.001] * 300, [None] * 300
    assert swept_clear(days, days, shares, stakes) == {"small"}


@pytest.mark.parametrize("column", [Shares(np.array([0.0, np.nan, 0.3, -0.0, 1.0])), Repeat(None, 3), Repeat(0.2, 2),
                                    [None, 0.0, ShareRange(0.0, 0.5), 0.1]])
def test_the_debts_recorded_are_found_as_the_record_loop_finds_them(column) -> None:
    """debt_totals reads the positions of recorded, nonzero debts: on the array, the one value, or the list."""
    assert _held_at(column) == [pos for pos, debt in enumerate(column) if debt]


def test_government_types_are_found_on_the_codes() -> None:
    types = ["company", "government", "person", "agency", "government"]
    coded = Codes(np.array([0, 1, 2, 3, 1], dtype=np.uint8), ["company", "government", "person", "agency"])
    for words in ({"government", "agency"}, {"party"}, set()):
        assert _positions_of(coded, words) == _positions_of(types, words) == [p for p, t in enumerate(types) if t in words]


def _world(folder: Path, entities: list[dict], facilities: list[dict] | None = None) -> Path:
    folder.mkdir()
    names = [n for n in kind_columns("entities") if any(n in r for r in entities)]
    pq.write_table(pa.Table.from_pylist(entities, schema=pa.schema([kind_schema("entities").field(n) for n in names])),
                   folder / "entities.parquet")
    holdings = [{"holder": entities[0]["id"], "entity": entities[1]["id"], "equity": 0.5}]
    names = [n for n in kind_columns("holdings") if any(n in r for r in holdings)]
    pq.write_table(pa.Table.from_pylist(holdings, schema=pa.schema([kind_schema("holdings").field(n) for n in names])),
                   folder / "holdings.parquet")
    if facilities:
        (folder / "facilities.yaml").write_text(yaml.safe_dump({"facilities": facilities}))
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(InputError) as err:
        load_dataset(folder, Law.load(), compact=True)
    return [p.message for p in err.value.problems]


def test_hostile_an_id_shared_by_an_entity_and_a_facility_is_still_a_duplicate(tmp_path: Path) -> None:
    """One id namespace: an entity's id given again to a facility (the entities' set reused for the check)."""
    entities = [{"id": f"e{i}", "name": f"E {i}", "type": "company"} for i in range(30)]
    facility = {"id": "e7", "name": "Plant", "operator": "e1", "country": "US", "activities": ["battery_cell_manufacturing"]}
    assert any("duplicate id `e7`" in m for m in _problems(_world(tmp_path / "d", entities, [facility])))


def test_hostile_two_entities_with_one_id_in_a_table(tmp_path: Path) -> None:
    entities = [{"id": f"e{i % 29}", "name": f"E {i}", "type": "company"} for i in range(30)]
    assert any("duplicate id `e0`" in m for m in _problems(_world(tmp_path / "d", entities)))


def test_hostile_governments_without_a_country_are_named_from_coded_types(tmp_path: Path) -> None:
    """DOE 89 FR 37079: a government body needs its nation; many entities, so `type` is read as codes."""
    entities = [{"id": f"e{i}", "name": f"E {i}", "type": ("company", "government")[i % 2],
                 "country": None if i == 5 else "CN"} for i in range(40)]
    assert [m for m in _problems(_world(tmp_path / "d", entities)) if "needs `country:`" in m] == \
        ["row 6, column type: a government needs `country:`"]


def test_hostile_one_entity_over_100_among_many_handed_over_is_reported_as_before(tmp_path: Path, monkeypatch) -> None:
    """100 entities whose stakes were handed over on a date (lifetime totals past 100 %, never on one day) and one
    whose two stakes overlap: the same problem, with the array sweep and without it."""
    entities = [{"id": f"e{i}", "name": f"E {i}", "type": "company"} for i in range(203)]
    holdings = []
    for i in range(101):
        holdings.append({"holder": f"e{101 + i}", "entity": f"e{i}", "equity": 0.6, "until": dt.date(2022, 1, 1)})
        holdings.append({"holder": f"e{102 + i}", "entity": f"e{i}", "equity": 0.6,
                         "from": dt.date(2021, 6, 1) if i == 40 else dt.date(2022, 1, 1)})
    folder = tmp_path / "d"
    folder.mkdir()
    for kind, rows in (("entities", entities), ("holdings", holdings)):
        names = [n for n in kind_columns(kind) if any(n in r for r in rows)]
        pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema([kind_schema(kind).field(n) for n in names])),
                       folder / f"{kind}.parquet")
    swept = _problems(folder)
    monkeypatch.setattr(totals, "SWEEP_ARRAYS_FROM", 10**9)
    assert swept == _problems(folder) and len(swept) == 1 and "equity held in `e40` adds up to 120.00% on 2021-06-01" \
        in swept[0]
