"""One status vocabulary, one exit-code table and one verdict protocol for every verdict feoc gives.

An entity or facility is a foreign entity of concern or not (42 U.S.C. 18741(a)(5)); a vehicle keeps the
IRC §30D credit in whole, in part or not at all; a facility keeps the IRC §45X credit (P.L. 119-21 §70514)
or loses it. Every verdict class satisfies `Verdict`, so the CLI and the renderers can take any of them.

Where the law is unsettled feoc judges every reading of it (rules/interpretations.yaml); `agreed` turns the
readings' statuses into the verdict's, the same way for every kind of verdict, and `exit_code` is the one
table from a status to the process's exit code. Precedence: a reading that cannot be decided (a missing fact,
exit 4) wins over readings that disagree (contested, exit 5): the missing fact is asked for first, and once it
is supplied the readings may still disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class Status(StrEnum):
    """Every status a verdict can have. A `StrEnum` is a `str` whose `str()`, `format()` and JSON form are
    its value, so reports and JSON written from a status read exactly as the plain strings did."""

    # an entity or facility (42 U.S.C. 18741(a)(5))
    feoc = "feoc"
    not_feoc = "not_feoc"
    # a credit (IRC §30D for a vehicle, IRC §45X for a facility)
    eligible = "eligible"
    partial = "partial"  # §30D: one of the two halves
    partly_eligible = "partly_eligible"  # §45X: some products keep the credit
    not_eligible = "not_eligible"
    no_credit = "no_credit"
    terminated = "terminated"  # §30D: acquired after the credit ended
    not_applicable = "not_applicable"  # §45X: the facility makes nothing the credit covers
    # any kind
    cannot_be_determined = "cannot_be_determined"  # a fact the decision needs is not in the data
    contested = "contested"  # the readings of the law disagree
    not_in_force = "not_in_force"  # no test exists on the date (feoc-law.md §7.4)


# The exit code of `feoc check` for each status, written once: 0 a clear "no" (not a FEOC), a credit kept in
# whole or in part, or no test in force; 1 a clear "yes" (a FEOC) or no credit; 4 cannot be determined;
# 5 contested. (2 input error, 3 engine disagreement and 70 crash are the CLI's, feoc.cli.)
EXIT_CODES: dict[Status, int] = {
    Status.not_feoc: 0, Status.eligible: 0, Status.partial: 0, Status.partly_eligible: 0, Status.not_in_force: 0,
    Status.feoc: 1, Status.not_eligible: 1, Status.no_credit: 1, Status.terminated: 1, Status.not_applicable: 1,
    Status.cannot_be_determined: 4,
    Status.contested: 5,
}


def exit_code(status: Status) -> int:
    """The exit code of a verdict with `status` (`EXIT_CODES`)."""
    return EXIT_CODES[status]


def agreed(statuses: Iterable[Status]) -> Status:
    """The verdict's status from its readings' statuses: the one they all share; `cannot_be_determined` if
    any reading cannot be decided (exit 4 before 5: a missing fact is asked for first); otherwise
    `contested`. No readings at all cannot be decided either (never a pass by default)."""
    seen = set(statuses)
    if len(seen) == 1:
        return next(iter(seen))
    if not seen or Status.cannot_be_determined in seen:
        return Status.cannot_be_determined
    return Status.contested


@dataclass(frozen=True)
class Missing:
    """A fact the data does not give, which a verdict needs: whose (`subject`), which (`fact`: the rule's
    prong or the check's name) and what would decide it (`decide`: the rule's remedy, or what it says)."""

    subject: str
    fact: str
    decide: str

    def as_dict(self) -> dict[str, str]:
        return {"subject": self.subject, "fact": self.fact, "decide": self.decide}


@runtime_checkable
class Verdict(Protocol):
    """What every verdict offers: who or what was judged, as of when, the status, the CLI exit code and
    the JSON body (`as_dict`, which carries `status` and `missing`)."""

    @property
    def kind(self) -> str: ...  # entity | facility | vehicle | facility45x

    @property
    def subject(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def on(self) -> dt.date: ...

    @property
    def status(self) -> Status: ...

    def exit_code(self) -> int: ...

    def as_dict(self) -> dict[str, Any]: ...
