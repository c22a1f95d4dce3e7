"""The index page of `feoc serve`: every entity, plant and vehicle of the dataset, a search box (a plain GET
form, filtered on the server, so it works without JavaScript) and a date each link opens its page on."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlencode

from feoc.render.html import frame, href
from feoc.render.sanitize import html

if TYPE_CHECKING:
    from collections.abc import Iterable

    from feoc.data.dataset import Dataset


ROWS_SHOWN = 500  # rows per kind: a million-entity dataset's index stays a page; the search finds the rest


class IndexPage(NamedTuple):
    dataset: Dataset
    day: dt.date  # the date every link opens its page on (default: the last key date, `feoc.serve.pages`)
    dates: list[dt.date]  # the report's key dates, offered as shortcuts
    q: str = ""  # the search: a part of an id, a name or an alias, any case


def matches(q: str, *texts: str) -> bool:
    """Whether every word of the search occurs in one of the texts (case and accents as written, case folded)."""
    hay = " ".join(texts).casefold()
    return all(word in hay for word in q.casefold().split())


def _table(route: str, caption: str, head: list[str], rows: Iterable[tuple[str, str, list[str]]],
           day: dt.date) -> list[str]:
    """One kind of subject: each row's id and name linked to its page on `day`, then its other cells."""
    found = list(rows)
    shown = found[:ROWS_SHOWN]
    out = [f'<section id="{route}"><h2>{caption} ({len(found)})</h2>']
    if not shown:
        return out + ["<p>None matches the search.</p>", "</section>"]
    if len(found) > len(shown):
        out.append(f"<p>The first {len(shown)} are listed: search to find the others.</p>")
    out.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>")
    for ident, name, cells in shown:
        link = html(href(route, ident, on=day.isoformat()))
        out.append(f'<tr><td><a href="{link}">{html(name)}</a></td><td><code>{html(ident)}</code></td>'
                   + "".join(f"<td>{html(c)}</td>" for c in cells) + "</tr>")
    return out + ["</table></section>"]


def _form(p: IndexPage) -> list[str]:
    shortcuts = " · ".join(f'<a href="{html(_index_href(p.q, d))}">{d.isoformat()}</a>' for d in p.dates)
    return ['<form method="get" action="/" role="search">',
            f'<label>Search <input type="search" name="q" value="{html(p.q)}"></label>',
            f'<label>as of <input type="date" name="on" value="{p.day.isoformat()}"></label>',
            '<button type="submit">Show</button></form>',
            f"<p>The report's key dates: {shortcuts}</p>" if shortcuts else ""]


def _index_href(q: str, day: dt.date) -> str:
    return "/?" + urlencode({"q": q, "on": day.isoformat()} if q else {"on": day.isoformat()})


def index(p: IndexPage) -> str:
    """The index: the search form, then the entities, plants and vehicles that match, each linked on `day`."""
    ds, q = p.dataset, p.q
    entities = ((e.id, e.name, [e.type, e.country or e.incorporated_in or ""]) for e in ds.entities
                if matches(q, e.id, e.name, *e.aliases))
    plants = ((f.id, f.name, [f.operator, f.country, ", ".join(f.activities)]) for f in ds.facilities
              if matches(q, f.id, f.name, f.operator))
    vehicles = ((v.id, v.name, [str(v.model_year), v.manufacturer]) for v in ds.vehicles
                if matches(q, v.id, v.name, v.manufacturer))
    body: list[Any] = ["<h1>Verdicts by subject</h1>",
                       f"<p>Each link opens the subject's verdict as of {p.day.isoformat()}.</p>", *_form(p)]
    body += _table("entities", "Entities", ["name", "id", "type", "country (of a government) or incorporation"],
                   entities, p.day)
    body += _table("facilities", "Plants", ["name", "id", "operator", "country", "activities"], plants, p.day)
    body += _table("vehicles", "Vehicles", ["name", "id", "model year", "manufacturer"], vehicles, p.day)
    return frame("Verdicts by subject", body)
