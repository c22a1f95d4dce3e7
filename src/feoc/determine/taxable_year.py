"""When a §45X taxpayer's prohibited-foreign-entity status is tested: its taxable year (`tax_year_start`,
default 01-01) containing a day, the first taxable year beginning after 2025-07-04 tested on its first day and
later years on their last day (P.L. 119-21 §70514; IRC 7701(a)(51); feoc-law.md §5.2, §7.6)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from feoc.data.dataset import Dataset
from feoc.data.model import year_start
from feoc.law.law import Law


@dataclasses.dataclass(frozen=True)
class StatusTiming:
    """The taxable year of a taxpayer containing a day, whether the PFE rules apply to it, and the day its
    status is tested on (P.L. 119-21 §70514; IRC 7701(a)(51); feoc-law.md §5.2, §7.6)."""

    taxpayer: str
    begins: dt.date
    ends: dt.date
    in_force: bool
    tested_on: dt.date | None
    note: str
    rules_from: dt.date  # the first day of its first taxable year beginning after the enactment


def taxable_year(start: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the taxable year beginning each year on `start` ("MM-DD") that holds `day`."""
    month, dom = year_start(start) or (1, 1)
    begins = dt.date(day.year, month, dom)
    if begins > day:
        begins = dt.date(day.year - 1, month, dom)
    return begins, dt.date(begins.year + 1, month, dom) - dt.timedelta(days=1)


def status_timing(dataset: Dataset, taxpayer: str, day: dt.date, law: Law) -> StatusTiming:
    """When `taxpayer`'s prohibited-foreign-entity status is tested for its taxable year containing `day`: the
    first taxable year beginning after the enactment on its first day, later years on their last day."""
    entity = next((e for e in dataset.entities if e.id == taxpayer), None)
    start = entity.tax_year_start if entity is not None else "01-01"
    begins, ends = taxable_year(start, day)
    after = law.parameters["pfe_taxable_years_after"].values[0][1]  # the day the law fixed, whatever the date judged
    rules_from = taxable_year(start, after)[1] + dt.timedelta(days=1)
    year = f"{taxpayer}'s taxable year {begins} to {ends} (`tax_year_start` {start})"
    if begins <= after:
        return StatusTiming(taxpayer, begins, ends, False, None,
                            f"{year} does not begin after {after}: the prohibited-foreign-entity rules do not apply "
                            "to it (P.L. 119-21 §70514)", rules_from)
    first = taxable_year(start, begins - dt.timedelta(days=1))[0] <= after
    tested = begins if first else ends
    why = (f"the first taxable year beginning after {after} is tested on its first day" if first
           else f"a taxable year after the first one beginning after {after} is tested on its last day")
    return StatusTiming(taxpayer, begins, ends, True, tested,
                        f"prohibited-foreign-entity status tested on {tested} for {year}: {why} (IRC 7701(a)(51) as "
                        "amended by P.L. 119-21 §70514), so on that reading it holds for the whole year; the records in force on "
                        f"{tested} decide it", rules_from)


def rules_day_45x(law: Law, day: dt.date) -> dt.date:
    """The day whose §45X rules and MACR thresholds judge a sale on `day`: that day, or for a fiscal year under
    the rules that began before a calendar-year taxpayer's first one, that first day (`pfe_rules_in_force`;
    UNCONFIRMED: the thresholds are given by calendar year from 2026)."""
    first = law.parameters["pfe_rules_in_force"].first_true()
    return max(day, first) if first else day
