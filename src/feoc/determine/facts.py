"""From records to the facts the rules see: the one mapping used by the per-fact path (fact dictionaries)
and the bulk path (columns of facts), so a field a rule tests is read from the same record attribute on
both. The fact kinds and their fields are declared in `law.rules.FACT_FIELDS`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable
from typing import Any

from feoc.data.dataset import Dataset
from feoc.data.problems import InputError, Problem

# entity fact field -> Entity attribute (a missing attribute reads as "", as the rules compare text)
ENTITY_FACT: dict[str, str] = {"subject": "id", "name": "name", "etype": "type", "country": "country",
                               "incorporated_in": "incorporated_in", "headquartered_in": "headquartered_in",
                               "political_figure_of": "political_figure_of"}
SHARE_DIGITS = 9  # interests are rounded so that every evaluator sees the same number at a threshold's edge


def entity_fact(e: Any) -> dict[str, Any]:
    """The `entity` fact of one entity record (the direct prongs, 42 U.S.C. 18741(a)(5)(C))."""
    return {"kind": "entity", **{fact: getattr(e, attr) or "" for fact, attr in ENTITY_FACT.items()}}


def listing_facts(dataset: Dataset, day: dt.date) -> list[dict[str, Any]]:
    """The `listing` facts of the listings in force on `day` (42 U.S.C. 18741(a)(5)(A),(B),(D),(E))."""
    return [{"kind": "listing", "subject": x.entity, "list": x.list} for x in dataset.listings_on(day)]


def holders_nation(group: str) -> str:
    """The covered nation of a holder group `gov-XX` (the government reading), else ""."""
    return group[4:] if group.startswith("gov-") else ""


def government_bodies(dataset: Dataset, nations: Iterable[str],
                      government_types: Collection[str]) -> dict[str, set[str]]:
    """Per covered nation, the entities that are its "government" (89 FR 37079): entities of the
    vocabulary's `government_types` (national and sub-national governments, agencies and
    instrumentalities, the ruling party) of that `country`, and its senior foreign political figures."""
    wanted = set(nations)
    out: dict[str, set[str]] = {n: set() for n in sorted(wanted)}
    for e in dataset.entities:
        if e.type in government_types and e.country is not None and e.country in wanted:
            out[e.country].add(e.id)
        elif e.type == "person" and e.political_figure_of is not None and e.political_figure_of in wanted:
            out[e.political_figure_of].add(e.id)
    return out


def in_prior_year(start: dt.date | None, end: dt.date | None, day: dt.date) -> bool:
    """Whether a dated record (`from` inclusive, `until` exclusive) was in force at some time in the
    calendar year before `day`'s: the previous taxable year of IRC 7701(a)(51)(D)(ii), with the taxable
    year read as the calendar year (the 45x rules say so in their `unconfirmed`)."""
    first, after = dt.date(day.year - 1, 1, 1), dt.date(day.year, 1, 1)
    return (start is None or start < after) and (end is None or end > first)


def finite_total(total: float, what: str, records: str) -> float:
    """A sum of dollar values, refused when it overflows: each value is finite (the loader checks), but
    several near 1.8e308 add up to infinity, and a ratio of infinities is NaN, which no rule can test."""
    if not math.isfinite(total):
        raise InputError([Problem(f"({records})", 0, f"the values of {what} add up beyond the largest number "
                                  "that can be computed with (about 1.8e308)",
                                  "check the values: no real figure comes near this size")])
    return total
