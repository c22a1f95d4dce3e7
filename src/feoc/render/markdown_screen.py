"""Markdown output of `feoc screen` (`--format md`): the screening table, dataset strings escaped."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from feoc.data.model import MEASURES
from feoc.render.sanitize import md, md_column
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
    if not len(view.table):
        return "\n".join(lines) + "\n"
    return _rows(view.table.columns, attested, ("\n".join(lines) + "\n", "\n"))


def _rows(columns: dict[str, Any], attested: bool, around: tuple[str, str]) -> str:
    """One table row per entity, each distinct value of a column written once and the rows laid out as the CSV's
    (`csvfast.rows_text`; issue 17: a Python call per cell made a million rows take seconds):
    `| `id` | name | type | status | FEOC | rules | equity | voting | board seats | nation |`."""
    from feoc.render.csvfast import coded, rows_text

    def each(name: str, text: Callable[[Any], str]) -> tuple[Any, list[str]]:
        codes, values = coded(columns[name])
        return codes, list(map(text, values))

    ids, names = coded(columns["entity"]), coded(columns["name"])
    texts = [(ids[0], _strings(ids[1])), (names[0], md_column(names[1])), each("type", format),
             each("status", words), each("feoc", lambda v: "**yes**" if v else "no"),
             each("rules", lambda v: md(v) or "—"), *(_shares(columns, m) for m in MEASURES),
             each("gov_nation", lambda v: format(v or "—"))]
    if attested:
        texts += [each("relies_on", _ids), each("not_relied_on", _ids)]
    return rows_text(texts, ["| `", "` | ", *[" | "] * (len(texts) - 2), " |"], "\n", around=around)


def _strings(values: list[Any]) -> list[str]:
    """The values as an f-string writes them: strings (ids) as they are."""
    return values if set(map(type, values)) <= {str} else list(map(format, values))


def _shares(columns: dict[str, Any], measure: str) -> tuple[Any, list[str]]:
    """A share column's texts (`_share`), each distinct pair of minimum and maximum written once."""
    import numpy as np

    from feoc.render.csvfast import coded

    low = coded(columns[f"gov_{measure}"])
    if f"gov_{measure}_max" not in columns:
        return low[0], [_share({f"gov_{measure}": v}, measure) for v in low[1]]
    high = coded(columns[f"gov_{measure}_max"])
    rows = [np.arange(len(c[1])) if c[0] is None else np.asarray(c[0], dtype=np.int64) for c in (low, high)]
    pairs, codes = np.unique(rows[0] * len(high[1]) + rows[1], return_inverse=True)
    return codes.reshape(-1), [_share({f"gov_{measure}": low[1][p // len(high[1])],
                                       f"gov_{measure}_max": high[1][p % len(high[1])]}, measure)
                               for p in pairs.tolist()]


def _ids(joined: str) -> str:
    """Attestation ids (`;`-joined slugs, so nothing to escape) as code, or a dash."""
    return ", ".join(f"`{i}`" for i in joined.split(";")) if joined else "—"


def _share(row: dict, measure: str) -> str:
    """The interest on the minima, or `20.00%–30.00%` where a share range leaves it higher on the maxima (the
    `gov_*_max` columns, present only when the dataset records a range: issue 20): never the minimum alone."""
    low, high = row[f"gov_{measure}"], row.get(f"gov_{measure}_max")
    return f"{low:.2%}–{high:.2%}" if high is not None and high > low else f"{low:.2%}"
