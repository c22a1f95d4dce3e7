"""Issue 17, the screen's text: `feoc screen` writes each distinct value of a column once and lays the rows out with
numpy (`render/csvfast.rows_text`), and the sanitisers scan a whole column before touching a cell. An analyst who
diffs a screen written this way against one written cell by cell (csv.writer, `json.dumps`, the old Markdown loop)
must see no difference, whatever the names hold; and no fast path may let a formula, a control character or a
Markdown link through where the plain one would not."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.columns import Codes, Texts
from feoc.data.model import MEASURES
from feoc.render import csvfast
from feoc.render.base import ScreenView
from feoc.render.csv import screen as csv_screen
from feoc.render.json import dumps
from feoc.render.json import screen as json_screen
from feoc.render.markdown_screen import _ids, _share
from feoc.render.markdown_screen import screen as md_screen
from feoc.render.sanitize import UNSHOWN, csv_cell, csv_column, md, md_column
from feoc.render.status_words import words
from feoc.verdicts.screen import COLUMNS, Screen
from feoc.verdicts.screen_columns import Bools, Coded, Floats, Picked

runner = CliRunner()


def _maybe_coded(coded: bool, values: list[str]) -> Any:
    """`values` as a list, or as a loaded column of few values (`data.columns.Codes`, as a compact load keeps an
    entity's type): the screen's `type` column picks either (issue 17: the coded one is written from its few values)."""
    if not coded:
        return values
    distinct = sorted(set(values))
    return Codes(np.array([distinct.index(v) for v in values], dtype=np.uint8), distinct)

# the characters each sanitiser acts on, and plain ones: formula starts (ASCII and full-width), controls, bidi
# overrides, a noncharacter, NBSP, Markdown and HTML metacharacters, the pieces of autolinks, quotes and separators
HOSTILE = list("ab Z09-.=+@\t\r\n\x00\x1b\x7f\x85\u00a0\u202e\u2028\ufdd0\uff1d\uff0b\U0010fffe\U0001f600é—"
               "\\`*_[]|~&<>:/@,\";'%#") + ["www.", "://", "mailto:", "XMPP:", "\ud800"]
TEXT = st.lists(st.sampled_from(HOSTILE), max_size=6).map("".join)
PLAIN = st.text(alphabet="abcdefgh XYZ012-.,", max_size=12)  # the common case: the column-wide scan finds nothing
NAME = st.one_of(TEXT, PLAIN)


def test_every_character_no_sink_writes_raw_is_unprintable_to_python() -> None:
    """The column-wide scans (`md_column`, the JSON writer) take `str.isprintable()` of a column as proof that no
    cell holds an UNSHOWN character: that holds for every one of them."""
    for lo, hi in UNSHOWN:
        assert not any(chr(c).isprintable() for c in range(lo, hi + 1)), (hex(lo), hex(hi))


@settings(max_examples=300, deadline=None)
@given(st.lists(NAME, max_size=8))
def test_a_column_of_names_is_neutralised_as_cell_by_cell(names: list[str]) -> None:
    """User story: a supplier list with `=HYPERLINK(...)`, `\\r`, U+202E or nothing odd at all; the CSV writer
    scans the whole column (given its join) and must write what `csv_cell` writes of each name."""
    expected = [csv_cell(n) for n in names]
    assert csv_column(names, "\n".join(names)) == expected
    assert csv_column(names) == expected
    mixed = [*names, None, 0.5, True]
    assert csv_column(mixed) == [*expected, None, 0.5, True]
    assert list(csv_column(Texts.of(names))) == expected  # loaded names: their bytes scanned, not a joined string


@settings(max_examples=300, deadline=None)
@given(st.lists(NAME, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_loaded_names_are_written_from_their_bytes_as_csv_writer_writes_them(names: list[str], rnd: Any) -> None:
    """User story: a compact load keeps the names as one buffer (`Texts`); the screen's CSV scans its bytes for
    formula starts, hidden characters, quotes, commas and line breaks, and writes what `csv.writer` writes of
    `csv_cell` of each name, in the id order."""
    order = np.array(rnd.sample(range(len(names)), len(names)))
    ids = [f"e{i}" for i in range(len(names))]
    text = csvfast.csv_text(["entity", "name"], [Picked(order, ids), Picked(order, Texts.of(names))], csv_column)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["entity", "name"],
                                                    *[(ids[i], csv_cell(names[i])) for i in order]])
    assert text == buf.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(NAME, max_size=8))
def test_a_column_of_names_is_markdown_escaped_as_cell_by_cell(names: list[str]) -> None:
    """The Markdown screen: no link, HTML, table break or control character from a name, as `md` of each."""
    assert md_column(names) == [md(n) for n in names]


CELLS = st.lists(st.sampled_from(HOSTILE + ["a" * 300]), max_size=3).map("".join)


@st.composite
def laid_out(draw: st.DrawFn) -> tuple[list[tuple[Any, list[str]]], list[str], str]:
    rows = draw(st.integers(1, 40))
    columns = []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            columns.append((None, draw(st.lists(CELLS, min_size=rows, max_size=rows))))
        else:
            texts = draw(st.lists(CELLS, min_size=1, max_size=6))
            codes = draw(st.lists(st.integers(0, len(texts) - 1), min_size=rows, max_size=rows))
            columns.append((np.array(codes, dtype=draw(st.sampled_from([np.int32, np.int64, np.uint8]))), texts))
    pieces = draw(st.lists(st.sampled_from(["", ",", " | ", "\n  ", '"k": ', "é", "\x00"]), min_size=len(columns) + 1,
                           max_size=len(columns) + 1))
    return columns, pieces, draw(st.sampled_from(["\n", ",\n", ""]))


@settings(max_examples=300, deadline=None)
@given(laid_out())
def test_rows_laid_out_by_numpy_are_the_rows_formatted_in_python(case: tuple[list, list[str], str]) -> None:
    """Both paths of `rows_text`: numpy's byte layout (shared codes, few pairs merged into one gather) and the
    Python one it gives way to (a NUL or a line break in a text, a text far wider than the rest)."""
    columns, pieces, between = case
    expected = between.join("".join(p + (t[r] if c is None else t[c[r]]) for p, (c, t) in zip(pieces, columns))
                            + pieces[-1] for r in range(csvfast._rows(columns[0])))
    assert csvfast.rows_text(columns, pieces, between) == expected
    assert csvfast._rows_by_python(columns, pieces, between) == expected
    around = ("head,é\n", "\n]")  # joined with the rows' blocks (no copy of the whole to add a line)
    assert csvfast.rows_text(columns, pieces, between, around=around) == around[0] + expected + around[1]


def test_ids_names_and_types_sharing_the_id_order_are_laid_out_as_one_gather() -> None:
    order = np.array([2, 0, 1])
    ids, names = (order, ["a", "b", "c"]), (order, ["Ann", "Bo", "Cy"])
    layout: list[Any] = [b""]
    tables = [csvfast._table("\n".join(t), t) for _, t in (ids, names)]
    for (codes, _), made, piece in zip((ids, names), tables, [b",", b"\n"]):
        csvfast._add(layout, codes, made[0], piece)
    assert len(layout) == 3 and layout[1][0] is order  # one column of `a,Ann`-shaped rows
    assert csvfast.rows_text([ids, names], ["", ",", ""], "\n") == "c,Cy\na,Ann\nb,Bo"


FLOAT = st.sampled_from([0.0, -0.0, 0.25, 1.0, 1e-7, 0.1 + 0.2, 0.005034, math.nan, math.inf, -math.inf])


@st.composite
def tables(draw: st.DrawFn) -> Screen:
    """A screen table as the bulk path holds it: ids, names and types picked from the loaded lists by the id
    order, status and rules coded, FEOC as booleans, shares as float arrays (and, sometimes, their maxima)."""
    rows = draw(st.integers(1, 30))
    order = np.array(draw(st.permutations(range(rows))), dtype=np.int64)
    names = draw(st.lists(NAME, min_size=rows, max_size=rows))
    rules = draw(st.lists(TEXT, min_size=1, max_size=4))
    nations = ["", "CN", "CN;RU"]
    columns: dict[str, Any] = {
        "entity": Picked(order, [f"e-{i}" for i in range(rows)]), "name": Picked(order, names),
        "type": Picked(order, _maybe_coded(draw(st.booleans()), draw(st.lists(
            st.sampled_from(["company", "government_body", "=cmd", "a,b", "x\ny"]), min_size=rows, max_size=rows)))),
        "status": Coded(np.array(draw(st.lists(st.integers(0, 2), min_size=rows, max_size=rows)), dtype=np.int32),
                        ["feoc", "not_feoc", "cannot_be_determined"]),
        "feoc": Bools(np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)))),
        "rules": Coded(np.array(draw(st.lists(st.integers(0, len(rules) - 1), min_size=rows, max_size=rows)),
                                dtype=np.int32), rules),
        "gov_nation": Coded(np.array(draw(st.lists(st.integers(0, 2), min_size=rows, max_size=rows)),
                                     dtype=np.int32), nations)}
    ranged = draw(st.booleans())
    for m in MEASURES:
        low = draw(st.lists(FLOAT, min_size=rows, max_size=rows))
        columns[f"gov_{m}"] = Floats(np.array(low))
        if ranged:
            columns[f"gov_{m}_max"] = Floats(np.array([v + draw(FLOAT.filter(math.isfinite)) for v in low]))
    return Screen(columns)


def _plain(table: Screen) -> Screen:
    """The same table as lists (the durable-rules path's, and what the writers read cell by cell before)."""
    return Screen({name: list(column) for name, column in table.columns.items()})


def _csv_by_module(table: Screen) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.names)
    writer.writerows([csv_cell(v) if isinstance(v, str) else v for v in row] for row in
                     zip(*(list(table.columns[c]) for c in table.names)))
    return buf.getvalue()


def _md_by_rows(view: ScreenView) -> str:
    """The Markdown rows as `render/markdown_screen.py` wrote them before issue 17's pass, one f-string a row."""
    lines = []
    for r in view.table.rows():
        lines.append(f"| `{r['entity']}` | {md(r['name'])} | {r['type']} | {words(r['status'])} | "
                     f"{'**yes**' if r['feoc'] else 'no'} | {md(r['rules']) or '—'} | {_share(r, 'equity')} | "
                     f"{_share(r, 'voting')} | {_share(r, 'board_seats')} | {r['gov_nation'] or '—'} |"
                     + (f" {_ids(r['relies_on'])} | {_ids(r['not_relied_on'])} |" if "relies_on" in r else ""))
    return "\n".join(lines) + "\n"


DAY = dt.date(2025, 1, 1)


@settings(max_examples=150, deadline=None)
@given(tables())
def test_the_screen_in_each_format_is_the_text_written_cell_by_cell(table: Screen) -> None:
    """The screen's CSV is csv.writer's of the neutralised cells, its JSON is `json.dumps` of the rows, its Markdown
    the old row-by-row table: from the bulk path's columns and from lists alike."""
    for each in (table, _plain(table)):
        view = ScreenView(each, DAY, "treasury", ("treasury", "doe"))
        assert csv_screen(view) == _csv_by_module(table)
        assert json_screen(view) == dumps({"on": DAY.isoformat(), "interpretation": "treasury",
                                           "readings": ["treasury", "doe"], "entities": _plain(table).rows()})
        head = md_screen(ScreenView(Screen({c: [] for c in table.names}), DAY, "treasury"))
        assert md_screen(view) == head + _md_by_rows(view)


def test_an_empty_screen_is_a_header_alone() -> None:
    view = ScreenView(Screen({c: [] for c in COLUMNS}), DAY, "treasury")
    assert csv_screen(view) == ",".join(COLUMNS) + "\n"
    assert json.loads(json_screen(view))["entities"] == []
    assert md_screen(view).endswith("| --- |\n")


def test_one_very_long_name_is_written_whole_and_the_rest_unchanged() -> None:
    """A 60,000-character name among short ones (the padded layout would be 60,000 bytes a row: Python lays it
    out instead), and a name with a NUL-free line break, neutralised."""
    names = ["x" * 60000, "=1+2", "Line\nbreak", *[f"n{i}" for i in range(50)]]
    order = np.arange(len(names))
    ids = [f"e{i}" for i in order]
    text = csvfast.csv_text(["entity", "name"], [Picked(order, ids), Picked(order, names)], cell=csv_column)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["entity", "name"], *zip(ids, map(csv_cell, names))])
    assert text == buf.getvalue()
    assert text.splitlines()[2] == "e1,'=1+2" and text.splitlines()[3] == "e2,Line\\x0abreak"


def test_floats_are_coded_by_their_bits() -> None:
    """`-0.0` and `0.0` stay two texts, every NaN is `nan`, 0.0 is the first value (most shares are 0)."""
    column = Floats(np.array([0.0, -0.0, math.nan, 0.25, 0.0, math.inf, 0.25]))
    codes, values = column.distinct()
    assert [repr(values[c]) for c in codes] == ["0.0", "-0.0", "nan", "0.25", "0.0", "inf", "0.25"]
    assert values[0] == 0.0 and len(values) == 5


@pytest.mark.parametrize("fmt", ["csv", "json", "md"])
def test_feoc_screen_of_a_2000_entity_world_writes_the_cell_by_cell_text(parquet_world_2000: Path, fmt: str,
                                                                           tmp_path: Path) -> None:
    """User story: a Parquet world screened from the command line (the bulk path's columns); the file holds the
    text the cell-by-cell writers give for the same table."""
    from feoc.law.law import Law
    from feoc.load.folder import load_dataset
    from feoc.verdicts.screen import screen

    out = tmp_path / f"screen.{fmt}"
    result = runner.invoke(app, ["screen", "--data", str(parquet_world_2000), "--on", "2024-06-01", "--format", fmt,
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    law = Law.load(None)
    table = _plain(screen(load_dataset(parquet_world_2000, law), dt.date(2024, 6, 1), law))
    view = ScreenView(table, dt.date(2024, 6, 1), law.interpretation().name, tuple(law.reading_names()))
    text = out.read_text(encoding="utf-8")
    if fmt == "csv":
        assert text == _csv_by_module(table)
    elif fmt == "json":
        assert text == dumps({"on": "2024-06-01", "interpretation": view.interpretation,
                              "readings": list(view.readings), "entities": table.rows()})
    else:
        assert text == md_screen(ScreenView(Screen({c: [] for c in table.names}), view.day, view.interpretation)) \
            + _md_by_rows(view)
    assert len(table) == 2000
