"""Markdown output of `feoc screen` (`--format md`): the screening table, dataset strings escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feoc.render.sanitize import md
from feoc.render.status_words import words

if TYPE_CHECKING:
    from feoc.render.base import ScreenView


def screen(view: ScreenView) -> str:
    """A heading with the date and the reading, then one table row per entity (and, where the dataset records
    attestations, the ones each row relies on and does not: issue 20)."""
    attested = "relies_on" in view.table.columns
    lines = [f"# FEOC screening as of {view.day.isoformat()} (interpretation `{view.interpretation}`)", "",
             "`status` is agreed across the readings judged (*contested* when they disagree); the other columns are "
             "this reading's.", "",
             "| entity | name | type | status | FEOC | rules | gov. equity | gov. voting | gov. board seats | nation |"
             + (" relies on | not relied on |" if attested else ""),
             "| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | --- |" + (" --- | --- |" if attested else "")]
    for r in view.table.rows():
        lines.append(f"| `{r['entity']}` | {md(r['name'])} | {r['type']} | {words(r['status'])} | "
                     f"{'**yes**' if r['feoc'] else 'no'} | "
                     f"{md(r['rules']) or '—'} | {_share(r, 'equity')} | {_share(r, 'voting')} | "
                     f"{_share(r, 'board_seats')} | {r['gov_nation'] or '—'} |"
                     + (f" {_ids(r['relies_on'])} | {_ids(r['not_relied_on'])} |" if attested else ""))
    return "\n".join(lines) + "\n"


def _ids(joined: str) -> str:
    """Attestation ids (`;`-joined slugs, so nothing to escape) as code, or a dash."""
    return ", ".join(f"`{i}`" for i in joined.split(";")) if joined else "—"


def _share(row: dict, measure: str) -> str:
    """The interest on the minima, or `20.00%–30.00%` where a share range leaves it higher on the maxima (the
    `gov_*_max` columns, present only when the dataset records a range: issue 20): never the minimum alone."""
    low, high = row[f"gov_{measure}"], row.get(f"gov_{measure}_max")
    return f"{low:.2%}–{high:.2%}" if high is not None and high > low else f"{low:.2%}"
