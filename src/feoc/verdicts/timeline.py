"""Verdicts for every reported subject on every report date, sharing one determination per date and reading."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from feoc.data.dataset import Dataset
from feoc.determine.determination import Determination
from feoc.determine.regime30d import determine
from feoc.determine.regime45x import Determination45X, determine45x
from feoc.determine.taxable_year import status_timing
from feoc.law.law import Law
from feoc.verdicts.checked import checked_operator_45x
from feoc.verdicts.facility45x import (
    Facility45XVerdict,
    facility_45x_verdict,
    facility_products,
    pfe_findings,
    pfe_status,
)
from feoc.verdicts.subject import SubjectVerdict, entity_verdict
from feoc.verdicts.vehicle import VehicleVerdict, vehicle_verdict

# What a report timeline holds for a date: a company's FEOC verdict or a vehicle's §30D verdict.
TimelineVerdict = SubjectVerdict | VehicleVerdict

REPORTED_ENTITY_TYPES = ("company", "fund")


@dataclass
class SubjectTimeline:
    kind: str  # entity | vehicle
    subject: str
    name: str
    points: list[tuple[dt.date, TimelineVerdict]]
    # §45X, for the dates the prohibited-foreign-entity rules apply: the entity's PFE findings, and the
    # verdicts of the facilities it operates
    pfe: list[tuple[dt.date, list[Any]]] = field(default_factory=list)
    facilities45x: list[tuple[dt.date, list[Facility45XVerdict]]] = field(default_factory=list)
    pfe_labels: dict[dt.date, str] = field(default_factory=dict)  # date -> `pfe_status` of that date's findings
    # date -> the prohibited-foreign-entity prongs looked at where none fired (a clear "no" shows its work)
    pfe_checked: dict[dt.date, list[Any]] = field(default_factory=dict)


def key_dates(law: Law, dataset: Dataset | None = None) -> list[dt.date]:
    """The law's timeline, read from rules/: when the 30D credit phases, the sourcing requirements and the
    excluded-entity tests start, and the day after the last acquisition date; with a dataset, also the days a
    §45X plant's fiscal-year operator's status can change (`fiscal_45x_dates`)."""
    params = law.parameters
    days = set(params["credit_phase"].changes())
    days |= {d for d, v in params["sourcing_requirements_in_force"].values if v}
    days |= {src.rule.effective.start for src in law.rules
             if src.rule.then.conclusion in ("excluded_component", "excluded_mineral")}
    days |= {v + dt.timedelta(days=1) for _, v in params["last_acquisition_date"].values}
    days |= {d for d, v in params["pfe_rules_in_force"].values if v}  # the first §45X taxable year
    return sorted(days | set(fiscal_45x_dates(dataset, law) if dataset is not None else ()))


def fiscal_45x_dates(dataset: Dataset, law: Law) -> list[dt.date]:
    """For each operator of a §45X plant whose taxable year does not begin on 01-01 (`tax_year_start`): its
    first day under the prohibited-foreign-entity rules (the first taxable year beginning after the enactment,
    P.L. 119-21 §70514: 2025-10-01 for 10-01), that year's last day and the next year's first day — the status
    is tested once for each taxable year (first year on its first day, later ones on their last), so these are
    the days a report's timeline can show it change."""
    out: set[dt.date] = set()
    calendar = law.parameters["pfe_rules_in_force"].first_true()  # a calendar-year taxpayer's first day
    after = law.parameters["pfe_taxable_years_after"].values[0][1]
    for operator in sorted({f.operator for f in dataset.facilities if facility_products(f)}):
        first = status_timing(dataset, operator, after, law).rules_from
        if first == calendar:
            continue
        ends = status_timing(dataset, operator, first, law).ends
        out |= {first, ends, ends + dt.timedelta(days=1)}
    return sorted(out)


def _pfe_days(dataset: Dataset, dates: list[dt.date], law: Law) -> list[dt.date]:
    """The dates on which some taxpayer's prohibited-foreign-entity rules apply: on or after the earliest first
    day under the rules of any entity (a fiscal year can begin before a calendar year's 2026-01-01)."""
    after = law.parameters["pfe_taxable_years_after"].values[0][1]
    firsts = [status_timing(dataset, e.id, after, law).rules_from for e in dataset.entities]
    first = min(firsts, default=None)
    return [d for d in dates if law.parameters["pfe_rules_in_force"].on(d) or (first is not None and d >= first)]


def build_timelines(dataset: Dataset, dates: list[dt.date], law: Law, evaluator: str = "durable-rules"
                    ) -> tuple[list[SubjectTimeline], dict[dt.date, dict[str, Determination]]]:
    """Every company/fund entity and every vehicle, judged on every date (vehicles acquired that day)."""
    per_date: dict[dt.date, dict[str, Determination]] = {
        day: {name: determine(dataset, day, law, name, evaluator) for name in law.reading_names()} for day in dates}
    pfe_days = _pfe_days(dataset, dates, law)
    tested: dict[tuple[dt.date, dt.date], Determination45X] = {}  # (status test day, day sold) -> determination

    def det45(day: dt.date, taxpayer: str) -> Determination45X:
        """The §45X determination for `taxpayer` on `day`: its status tested for its own taxable year (P.L. 119-21
        §70514), shared by every taxpayer whose status is tested on the same day."""
        timing = status_timing(dataset, taxpayer, day, law)
        key = (timing.tested_on or day, day)
        if key not in tested:
            tested[key] = determine45x(dataset, day, law, evaluator, taxpayer=taxpayer)
        return tested[key]
    operated: dict[str, list[str]] = {}
    for f in sorted(dataset.facilities, key=lambda f: f.id):
        operated.setdefault(f.operator, []).append(f.id)
    out: list[SubjectTimeline] = []
    for e in sorted(dataset.entities, key=lambda e: e.id):
        if e.type in REPORTED_ENTITY_TYPES:
            points: list[tuple[dt.date, TimelineVerdict]] = [
                (day, entity_verdict(dataset, e.id, day, law, None, evaluator, per_date[day])) for day in dates]
            t = SubjectTimeline("entity", e.id, e.name, points)
            own = [d for d in pfe_days if status_timing(dataset, e.id, d, law).in_force]  # its own taxable years
            t.pfe = [(d, pfe_findings(det45(d, e.id), e.id)) for d in own]
            t.pfe_labels = {d: pfe_status(findings, law) for d, findings in t.pfe}
            t.pfe_checked = {d: checked_operator_45x(det45(d, e.id), dataset, e.id, law) for d, found in t.pfe
                             if not found}
            t.facilities45x = [(d, [facility_45x_verdict(dataset, fid, d, law, evaluator,
                                                         det45(d, e.id) if d in own else None)
                                    for fid in operated.get(e.id, [])]) for d in pfe_days]
            out.append(t)
    for v in sorted(dataset.vehicles, key=lambda v: v.id):
        judged: list[tuple[dt.date, TimelineVerdict]] = [
            (day, vehicle_verdict(dataset, v.id, day, day, law, None, evaluator, per_date[day])) for day in dates]
        out.append(SubjectTimeline("vehicle", v.id, v.name, judged))
    return out, per_date
