"""From records to the facts the rules see: the one mapping used by the per-fact path (fact dictionaries)
and the bulk path (columns of facts), so a field a rule tests is read from the same record attribute on
both. The fact kinds and their fields are declared in `law.rules.FACT_FIELDS`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from fractions import Fraction
from typing import Any

from feoc.data.dataset import Dataset
from feoc.data.problems import InputError, Problem
from feoc.law.compile import CompiledRuleset
from feoc.law.law import Law
from feoc.law.readings import Interpretation

# entity fact field -> Entity attribute (a missing attribute reads as "", as the rules compare text)
ENTITY_FACT: dict[str, str] = {"subject": "id", "name": "name", "etype": "type", "country": "country",
                               "incorporated_in": "incorporated_in", "headquartered_in": "headquartered_in",
                               "political_figure_of": "political_figure_of"}
UNRECORDED_RIGHTS = "rights_unrecorded"  # the `right` of an agreement that lists none (rules/feoc/undetermined-licence)
SHARE_DIGITS = 9  # interests are rounded so that every evaluator sees the same number at a threshold's edge
NEAR = 1e-9  # a figure this close to a threshold is decided exactly (fact_number)


# derived entity fact field -> the place field it reads through `Regions.nation` (the bulk path derives the same)
NATION_FACT: dict[str, str] = {"incorporated_nation": "incorporated_in", "headquartered_nation": "headquartered_in"}


class Regions:
    """The regions treated as part of a covered nation on a date, for the jurisdiction prongs (parameter
    `covered_nation_regions`: Hong Kong and Macau as China, reference feoc-law.md §7.3). A rule tests a
    place's nation; the finding shows the place as written, with what the region is and why it counts."""

    def __init__(self, regions: Mapping[str, Mapping[str, str]] | None = None):
        self.regions: Mapping[str, Mapping[str, str]] = regions or {}

    @classmethod
    def on(cls, law: Law, day: dt.date) -> Regions:
        """The regions in force on `day` (none before the parameter's first date)."""
        return cls(law.param("covered_nation_regions", day))

    def nation(self, code: str | None) -> str:
        """The nation `code` counts as: the region's nation, else the code itself ("" when absent)."""
        region = self.regions.get(code or "")
        return region["nation"] if region else code or ""

    def where(self, code: str | None) -> str:
        """The place as a finding names it: `HK, a special administrative region of …, treated as CN (source)`."""
        region = self.regions.get(code or "")
        return f"{code}, {region['what']}, treated as {region['nation']} ({region['source']})" if region else code or ""


def entity_fact(e: Any, regions: Regions | None = None) -> dict[str, Any]:
    """The `entity` fact of one entity record (the direct prongs, 42 U.S.C. 18741(a)(5)(C)), with the nation
    each place of incorporation and headquarters counts as (`Regions`)."""
    fact = {"kind": "entity", **{fact: getattr(e, attr) or "" for fact, attr in ENTITY_FACT.items()}}
    regions = regions or Regions()
    for derived, place in NATION_FACT.items():
        fact[derived] = regions.nation(fact[place])
        # as a finding names the place; a place not recorded says so (never a blank: "business in , at least one")
        fact[derived.replace("_nation", "_where")] = regions.where(fact[place]) or "(not recorded)"
    return fact


def listing_facts(dataset: Dataset, day: dt.date) -> list[dict[str, Any]]:
    """The `listing` facts of the listings in force on `day` (42 U.S.C. 18741(a)(5)(A),(B),(D),(E))."""
    return [{"kind": "listing", "subject": x.entity, "list": x.list} for x in dataset.listings_on(day)]


def agreement_rights(agreements: Iterable[Any], control: Collection[str] = ()) -> list[tuple[Any, str]]:
    """(agreement, right) for every right of every agreement; an agreement that lists no rights gives one
    pair with UNRECORDED_RIGHTS, so a licence from a FEOC whose terms are unknown is never read as one that
    gives no control (issue 14; feoc-law.md §7.5). An agreement that lists a `control` right (parameter
    `effective_control_rights`) is decided by it: only its control rights are given, so retained IP beside
    a control right is not also "needs review"."""
    out: list[tuple[Any, str]] = []
    for a in agreements:
        rights = a.rights or (UNRECORDED_RIGHTS,)
        decisive = [r for r in rights if r in control]
        out.extend((a, right) for right in (decisive or rights))
    return out


FEOC_GROUP = "feoc"  # holders `feoc`: every covered nation's government bodies and every FEOC
ALL_NATIONS_GROUP = "gov-all"  # nations `all`: every covered nation's government bodies together
_NATION_GROUP = "gov-"  # nations `each`: `gov-XX`, the government bodies of covered nation XX


def holder_groups(interp: Interpretation, nations: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """A reading's holder groups (rules/interpretations.yaml): group -> the covered nations whose government
    bodies are in it, given the nations that have any. Under holders `feoc` one group, `feoc`, also holds
    every FEOC (R2: a FEOC's stake counts in full, whatever its nation); under holders `government`, one
    group per nation (`gov-XX`, nations `each`: 42 U.S.C. 18741(a)(5)(C)'s "a government of a foreign
    country that is a covered nation") or one for all of them (`gov-all`, nations `all`)."""
    present = tuple(sorted(set(nations)))
    if interp.holders == "feoc":
        return {FEOC_GROUP: present}
    if interp.nations == "all":
        return {ALL_NATIONS_GROUP: present} if present else {}
    return {_NATION_GROUP + n: (n,) for n in present}


def holders_nation(group: str) -> str:
    """The covered nation of a holder group `gov-XX` (nations `each`), else "" (`gov-all`, `feoc`)."""
    return group[len(_NATION_GROUP):] if group.startswith(_NATION_GROUP) and group != ALL_NATIONS_GROUP else ""


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


def thresholds(ruleset: CompiledRuleset, kind: str, field: str) -> tuple[float, ...]:
    """The numbers the rules of a fact kind compare one field with (its thresholds), ascending."""
    found = {c.value for r in ruleset.rules if r.fact == kind for c in r.all + r.any
             if c.field == field and type(c.value) in (int, float)}
    return tuple(sorted(float(v) for v in found))


def fact_number(x: float, limits: tuple[float, ...], exact: Callable[[], Fraction | None]) -> float:
    """A computed share or ratio as it becomes a fact: rounded to SHARE_DIGITS decimals (so that every
    evaluator sees the same number, durable-rules in billionths, and float noise such as 0.24999999999999997
    for an exact 25 % is absorbed), except that rounding never moves it across a threshold of the rules.

    Within NEAR of a threshold the float cannot tell float noise from a real difference (is 0.2499999996 a
    25 % holding? It was judged one: issue 15, "24.99999996%"), so `exact()` decides: the value computed in
    fractions from the decimals as written. Exactly on the threshold: the threshold; below it: at most the
    9-decimal number just below; above: at least the one just above. The rules' thresholds are taken to
    have at most 9 decimals and to lie more than 2e-9 apart (every parameter in rules/ does). When the
    exact value cannot be computed (too large, `ownership.exact`), the float decides, with 1e-12 of noise
    read as equality. Both the per-fact and the bulk path go through here, so they assert the same facts."""
    share = round(x, SHARE_DIGITS)
    asked: list[Fraction | None] = []
    for t in limits:
        if abs(x - t) > NEAR:
            continue
        if not asked:
            asked.append(exact())  # at most once: an exact interest can be costly
        value = asked[0]
        side = (x > t) - (x < t) if abs(x - t) > 1e-12 else 0
        if value is not None:
            from feoc.ownership.exact import decimal  # only near a threshold

            target = decimal(t)
            side = (value > target) - (value < target)
        step = 10.0 ** -SHARE_DIGITS
        if side == 0:
            share = t
        elif side < 0:
            share = min(share, round(t - step, SHARE_DIGITS))
        else:
            share = max(share, round(t + step, SHARE_DIGITS))
    return share


def exact_ratio(parts: Iterable[float], wholes: Iterable[float]) -> Callable[[], Fraction | None]:
    """`exact()` for a ratio of sums of dollar values (or shares), for `fact_number`."""
    parts, wholes = list(parts), list(wholes)

    def exact() -> Fraction | None:
        from feoc.ownership.exact import decimal  # only near a threshold

        whole = sum((decimal(v) for v in wholes), Fraction(0))
        return sum((decimal(v) for v in parts), Fraction(0)) / whole if whole else None
    return exact


def near(x: float, limits: tuple[float, ...]) -> bool:
    """Whether `fact_number` would ask for the exact value of `x` (the bulk path applies the same test
    to arrays: `abs(x - t) <= NEAR`)."""
    return any(abs(x - t) <= NEAR for t in limits)


class ExactBatch:
    """The exact values of a batch of entities, computed together on the first request (`ownership.exact`
    visits what is above them once) and handed out one `exact()` at a time for `fact_number`. The per-fact
    and bulk paths batch the same entities: those near a threshold whose float interest changed."""

    def __init__(self, compute: Callable[[], dict[Any, Fraction] | None]):
        self._compute = compute
        self._values: list[dict[Any, Fraction] | None] = []

    def of(self, key: Any) -> Callable[[], Fraction | None]:
        def exact() -> Fraction | None:
            if not self._values:
                self._values.append(self._compute())
            values = self._values[0]
            return None if values is None else values.get(key)
        return exact
