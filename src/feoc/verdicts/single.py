"""One subject's verdict on a date, as `feoc check`, `feoc test` and `feoc serve` all give it: the dataset cut
down to what the verdict can depend on (`determine.closure.dependencies`, issue 17), then the one verdict
function of the subject's kind — an entity or a facility under 42 U.S.C. 18741(a)(5) (`subject.py`), a
vehicle's IRC 30D credit (`vehicle.py`), a facility's IRC 45X credit under P.L. 119-21 §70514
(`facility45x.py`). Written once, so a `feoc check`, a pin and an HTTP answer can never disagree.

Each verdict module is imported only for its kind: a `feoc check entity` does not load the vehicle or §45X
verdicts (tests/test_cli_imports.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.law.law import Law
    from feoc.verdicts.status import Verdict

SUBJECT_KINDS = ("entity", "facility", "vehicle")
CREDITS = ("30d", "45x")  # a facility's check: its §30D FEOC status (default) or its §45X credit


def judged_kind(kind: str, credit: str = "30d") -> str:
    """The kind `determine.closure` cuts for: a facility's §45X check reads its material inputs too."""
    return "facility-45x" if kind == "facility" and credit == "45x" else kind


def subject_cut(dataset: Dataset, law: Law, kind: str, ident: str, credit: str = "30d") -> Dataset:
    """The records the verdict on `ident` (a `kind` of SUBJECT_KINDS, known in `dataset`) can depend on."""
    from feoc.determine.closure import dependencies

    return dependencies(dataset, judged_kind(kind, credit), ident, law.vocabulary.government_types)


def verdict_on(cut: Dataset, law: Law, kind: str, ident: str, day: dt.date, reading: str | None = None, *,
               credit: str = "30d", acquired: dt.date | None = None) -> Verdict:
    """The verdict on `ident` as of `day` (a vehicle: placed in service on `day`, acquired on `acquired`, default
    `day`), judged on `cut` (`subject_cut`, or the whole dataset: the same verdict). `reading` is a reading's
    name or alias as the user gave it (None: every reading; the caller has checked it is known)."""
    interp = law.reading_name(reading) if reading else None
    if kind == "vehicle":
        from feoc.verdicts.vehicle import vehicle_verdict

        return vehicle_verdict(cut, ident, day, acquired or day, law, interp)
    if kind == "facility" and credit == "45x":
        from feoc.verdicts.facility45x import facility_45x_verdict

        verdict = facility_45x_verdict(cut, ident, day, law)
        if reading:  # §45X has one reading (its tracing is a parameter): a reading's name changes nothing
            verdict.notes.append(f"--interpretation {reading} changes nothing here: the readings are of the §30D "
                                 "ownership test; §45X's tracing is the parameter pfe_tracing")
        return verdict
    from feoc.verdicts.subject import entity_verdict, facility_verdict

    return (entity_verdict if kind == "entity" else facility_verdict)(cut, ident, day, law, interp)


def judge_subject(dataset: Dataset, law: Law, kind: str, ident: str, day: dt.date, reading: str | None = None, *,
                  credit: str = "30d", acquired: dt.date | None = None) -> Verdict:
    """`verdict_on` the cut of `dataset` for `ident`: what `feoc check KIND ID --on DAY` answers."""
    cut = subject_cut(dataset, law, kind, ident, credit)
    return verdict_on(cut, law, kind, ident, day, reading, credit=credit, acquired=acquired)
