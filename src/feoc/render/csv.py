"""CSV output of `feoc screen` (`--format csv`, the default): one row per entity, the columns of
`verdicts.screen.COLUMNS`, written column by column with the bytes `csv.writer` writes (`csvfast`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feoc.render.csvfast import csv_text
from feoc.render.sanitize import csv_column

if TYPE_CHECKING:
    from feoc.render.base import ScreenView


def screen(view: ScreenView) -> str:
    """The screening table as CSV with a header row."""
    names = view.table.names  # COLUMNS, and the ranges' maxima where any share is a range (issue 20)
    # cells neutralised (no formula, one line) before the byte-exact writer, each distinct value once: one policy
    # for every CSV
    return csv_text(names, [view.table.columns[c] for c in names], cell=csv_column)
