"""What a report set judges: every reported subject on every report date (42 U.S.C. 18741, IRC §30D, IRC
§45X), with the foreign entities of concern of each date under the default reading and the covered-nation
government bodies the reports mark. The CLI hands this to a renderer, which judges nothing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.law.law import Law
    from feoc.verdicts.timeline import SubjectTimeline


class ReportSet(NamedTuple):
    """The verdicts of a report set: one timeline per reported subject, the FEOC ids of each date under the
    default reading, and the ids of the government bodies of the nations covered on any report date."""

    timelines: list[SubjectTimeline]
    feoc_on: dict[dt.date, set[str]]
    governments: set[str]


def report_set(dataset: Dataset, dates: list[dt.date], law: Law, evaluator: str = "durable-rules") -> ReportSet:
    """Every reported subject judged on every date, the FEOCs of each date under the law's default reading
    and the government bodies of the covered nations (89 FR 37079)."""
    from feoc.determine.facts import government_bodies
    from feoc.verdicts.timeline import build_timelines

    timelines, per_date = build_timelines(dataset, dates, law, evaluator)
    default = law.interpretation().name  # the canonical name, as the determinations are keyed
    nations = set().union(*(set(law.param("covered_nations", d) or []) for d in dates))
    bodies = government_bodies(dataset, nations, law.vocabulary.government_types) if nations else {}
    governments: set[str] = set().union(*bodies.values())
    return ReportSet(timelines=timelines, feoc_on={d: per_date[d][default].feoc for d in dates},
                     governments=governments)
