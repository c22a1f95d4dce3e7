"""Markdown output of `feoc screen` (`--format md`): the screening table, dataset strings escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feoc.render.sanitize import md

if TYPE_CHECKING:
    from feoc.render.base import ScreenView


def screen(view: ScreenView) -> str:
    """A heading with the date and the reading, then one table row per entity."""
    lines = [f"# FEOC screening as of {view.day.isoformat()} (interpretation `{view.interpretation}`)", "",
             "| entity | name | type | FEOC | rules | gov. equity | gov. voting | gov. board seats | nation |",
             "| --- | --- | --- | --- | --- | ---: | ---: | ---: | --- |"]
    for r in view.table.rows():
        lines.append(f"| `{r['entity']}` | {md(r['name'])} | {r['type']} | {'**yes**' if r['feoc'] else 'no'} | "
                     f"{md(r['rules']) or '—'} | {r['gov_equity']:.2%} | {r['gov_voting']:.2%} | "
                     f"{r['gov_board_seats']:.2%} | {r['gov_nation'] or '—'} |")
    return "\n".join(lines) + "\n"
