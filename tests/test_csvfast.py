"""`feoc screen --format csv` writes its table column by column (csvfast); an analyst who diffs the file
against one written by Python's own csv module must see no difference, whatever the names hold."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.render.csvfast import csv_text


def _by_csv_writer(header: list[str], columns: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns))
    return buf.getvalue()


# names with the characters that need quoting, and the ones that do not
TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\'\r\n\t;|é—\\')), max_size=8)
FLOAT = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 0.25, 1.0, 1e-7, 0.1 + 0.2])
CELL = st.one_of(TEXT, FLOAT, st.booleans(), st.none(), st.integers(-5, 5))


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list]]:
    width = draw(st.integers(1, 5))
    rows = draw(st.integers(0, 12))
    header = draw(st.lists(TEXT, min_size=width, max_size=width))
    columns = []
    for _ in range(width):  # a column of one kind (as the screen writes them), or of mixed kinds
        kind = draw(st.sampled_from([TEXT, FLOAT, st.booleans(), CELL]))
        columns.append(draw(st.lists(kind, min_size=rows, max_size=rows)))
    return header, columns


@settings(max_examples=400, deadline=None)
@given(tables())
def test_csv_text_is_byte_identical_to_the_csv_module(table: tuple[list[str], list[list]]) -> None:
    header, columns = table
    assert csv_text(header, columns) == _by_csv_writer(header, columns)


def test_a_screen_shaped_table_with_quotes_and_repeated_figures() -> None:
    header = ["entity", "name", "feoc", "gov_equity"]
    columns = [["a", "b", "c"], ['Envision "AESC", Ltd.', "Line\nbreak", "plain"], [True, False, True],
               [0.8, 0.0, 0.8]]
    text = csv_text(header, columns)
    assert text == _by_csv_writer(header, columns)
    assert text.splitlines()[1] == 'a,"Envision ""AESC"", Ltd.",True,0.8'


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        csv_text(["a", "b"], [[1, 2], [1]])
