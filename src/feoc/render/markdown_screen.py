"""Markdown output of `feoc screen` (`--format md`): the screening table, dataset strings escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feoc.render.sanitize import md
from feoc.render.status_words import words

if TYPE_CHECKING:
    from feoc.render.base import ScreenView


def screen(view: ScreenView) -> str:
    """A heading with the date and the reading, then one table row per entity."""
    lines = [f"# FEOC screening as of {view.day.isoformat()} (interpretation `{view.interpretation}`)", "",
             "`status` is agreed across the readings judged (*contested* when they disagree); the other columns are "
             "this reading's.", "",
             "| entity | name | type | status | FEOC | rules | gov. equity | gov. voting | gov. board seats | nation |",
             "| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | --- |"]
    for r in view.table.rows():
        lines.append(f"| `{r['entity']}` | {md(r['name'])} | {r['type']} | {words(r['status'])} | "
                     f"{'**yes**' if r['feoc'] else 'no'} | "
                     f"{md(r['rules']) or '—'} | {r['gov_equity']:.2%} | {r['gov_voting']:.2%} | "
                     f"{r['gov_board_seats']:.2%} | {r['gov_nation'] or '—'} |")
    return "\n".join(lines) + "\n"
