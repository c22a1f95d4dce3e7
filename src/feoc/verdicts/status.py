"""One status vocabulary and one verdict protocol for every verdict feoc gives.

An entity or facility is a foreign entity of concern or not (42 U.S.C. 18741(a)(5)); a vehicle keeps the
IRC §30D credit in whole, in part or not at all; a facility keeps the IRC §45X credit (P.L. 119-21 §70512)
or loses it. Every verdict class satisfies `Verdict`, so the CLI and the renderers can take any of them.
"""

from __future__ import annotations

import datetime as dt
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
    cannot_be_determined = "cannot_be_determined"
    contested = "contested"
    not_in_force = "not_in_force"


@runtime_checkable
class Verdict(Protocol):
    """What every verdict offers: who or what was judged, as of when, the status, the CLI exit code and
    the JSON body (`as_dict`)."""

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
