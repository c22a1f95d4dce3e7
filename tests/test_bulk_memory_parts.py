"""Issue 17, memory, third pass: the bulk path makes the `unrecorded_measure` facts in parts of holdings (a part
made when the stage comes to it, dropped once evaluated) and keeps the screen's table as arrays until the CSV
writer needs text — and every answer is the one the whole block and the lists gave. The figures are in
bench/README.md ("Memory, third pass"); no test here times or weighs anything.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from feoc.determine import bulk_unrecorded
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.render.base import ScreenView, renderer
from feoc.verdicts.screen import screen

ROOT = Path(__file__).resolve().parents[1]
LAW = Law.load()
DAY = dt.date(2024, 6, 1)



def _csv(world: Path, interpretation: str | None) -> str:
    dataset = load_dataset(world, LAW, compact=True)
    rows = screen(dataset, DAY, LAW, interpretation)
    return renderer("screen", "csv")(ScreenView(rows, DAY, LAW.interpretation().name, tuple(LAW.reading_names())))


@pytest.mark.parametrize("interpretation", [None, "feoc-lookthrough"])
def test_user_story_unrecorded_measures_in_parts_give_the_same_screen(parquet_world_2000, monkeypatch, interpretation):
    """Issue 14's "cannot be determined: unrecorded voting rights, board seats or equity" over a world whose
    holdings leave measures unrecorded: the facts made 64 holdings a part (dozens of parts) give the very CSV the
    facts made in one part give, every reading judged and one reading named."""
    whole = _csv(parquet_world_2000, interpretation)
    assert "undetermined-unrecorded-measure" in whole
    monkeypatch.setattr(bulk_unrecorded, "_PART", 64)
    assert _csv(parquet_world_2000, interpretation) == whole


def test_the_parts_are_many_at_64_holdings(parquet_world_2000, monkeypatch):
    """The test above splits the facts indeed: at 64 holdings a part the world's facts make several parts."""
    made: list[int] = []
    real = bulk_unrecorded._part

    def spy(*args):
        facts = real(*args)
        made.append(facts.n)
        return facts
    monkeypatch.setattr(bulk_unrecorded, "_PART", 64)
    monkeypatch.setattr(bulk_unrecorded, "_part", spy)
    _csv(parquet_world_2000, "government")
    assert len(made) > 5 and sum(made) > 64


@pytest.mark.parametrize("fmt", ["csv", "json", "md"])
def test_user_story_the_table_is_arrays_until_the_writer(parquet_world_2000, fmt):
    """An analyst screens a world (every reading judged): the bulk path's table holds no list of rows (ids, names
    and types read through the id order, statuses, rules and nations coded, flags and shares arrays), and each
    format writes the very text the same table held as lists writes."""
    from feoc.verdicts.screen import Screen
    from feoc.verdicts.screen_columns import Column

    dataset = load_dataset(parquet_world_2000, LAW, compact=True)
    table = screen(dataset, DAY, LAW)
    assert all(isinstance(table.columns[c], Column) for c in table.names), table.names
    lists = Screen({c: list(v) for c, v in table.columns.items()})
    assert lists.columns["entity"] == sorted(lists.columns["entity"]) and len(lists) == len(dataset.entities)
    assert table.columns["status"] == lists.columns["status"] and table.feoc_count() == lists.feoc_count() > 0

    def text(t: Screen) -> str:
        return renderer("screen", fmt)(ScreenView(t, DAY, LAW.interpretation().name, tuple(LAW.reading_names())))
    assert text(table) == text(lists)


def test_a_coded_column_is_written_as_its_list():
    """The CSV writer writes a coded column's distinct values once each (statuses, rules, nations): the very bytes
    `csv.writer` writes for the list of its rows, quoting and StrEnum statuses included."""
    import csv
    import io

    import numpy as np

    from feoc.render.csvfast import csv_text
    from feoc.verdicts.screen_columns import Coded
    from feoc.verdicts.status import Status

    values = (Status.feoc, "a,b", 'say "x"', "", 0.1, None, True)
    codes = np.array([0, 1, 2, 3, 4, 5, 6, 0, 2, 6, 1], dtype=np.int32)
    column = Coded(codes, values)
    rows = [values[c] for c in codes.tolist()]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["h", "i"], *zip(rows, range(len(rows)))])
    assert csv_text(["h", "i"], [column, list(range(len(rows)))]) == buf.getvalue()
    assert column == rows and column[-1] == rows[-1] and column[2:5] == rows[2:5]
