"""The file of `feoc test` (issue 18): pinned verdicts, a pydantic model with extra fields forbidden.

Kept apart from cli/pins.py so that `feoc --help` imports neither pydantic's models nor the status vocabulary
(tests/test_cli_imports.py): only a `feoc test` run reads this module.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from feoc.verdicts.status import Status

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STATUSES = ", ".join(s.value for s in Status)


def _day(value: Any) -> dt.date:
    """Only YYYY-MM-DD, as `--on` (cli/app.py parse_day): a number or `20260601` is not read as a date."""
    if isinstance(value, dt.date) or not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError("not a date; write it as YYYY-MM-DD (quoted or not), e.g. 2026-06-01")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a day of the calendar; write a real date as YYYY-MM-DD") from None


class Expect(BaseModel):
    """What the pin expects: any of the status word, whether a credit is kept, the §30D credit in dollars."""

    model_config = ConfigDict(extra="forbid")
    status: Status | None = None
    eligible: bool | None = Field(None, strict=True)
    credit_usd: float | None = Field(None, ge=0)

    @field_validator("status", mode="before")
    @classmethod
    def _known(cls, value: Any) -> Any:
        if value is not None and value not in {s.value for s in Status}:
            raise ValueError(f"unknown status `{value}`; use one of {_STATUSES}")
        return value

    @model_validator(mode="after")
    def _something(self) -> Expect:
        if self.status is None and self.eligible is None and self.credit_usd is None:
            raise ValueError("expects nothing; give at least one of status, eligible, credit_usd")
        return self


class Pin(BaseModel):
    """One pinned verdict: the `feoc check` it stands for and what it must answer."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str | None = None  # the testcase's name; default: the check written out
    check: Literal["entity", "facility", "vehicle"]
    id: str = Field(min_length=1)
    on: dt.date
    interpretation: str | None = None
    acquired: dt.date | None = None
    credit: Literal["45x"] | None = None
    expect: Expect

    @field_validator("on", "acquired", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> dt.date | None:
        return None if value is None else _day(value)

    @model_validator(mode="after")
    def _fits(self) -> Pin:
        if self.credit and self.check != "facility":
            raise ValueError("credit: 45x is a facility's credit; remove it or use check: facility")
        if self.acquired and self.check != "vehicle":
            raise ValueError("acquired is a vehicle's date; remove it or use check: vehicle")
        if self.acquired and self.acquired > self.on:
            raise ValueError(f"acquired {self.acquired} is after on {self.on}; a vehicle is placed in service on or "
                             "after it is acquired")
        credit = self.check == "vehicle" or self.credit == "45x"
        if self.expect.eligible is not None and not credit:
            raise ValueError("expect.eligible is about a credit; pin status (feoc, not_feoc, …) or add credit: 45x")
        if self.expect.credit_usd is not None and self.check != "vehicle":
            raise ValueError("expect.credit_usd is the §30D credit of a vehicle; pin status or eligible instead")
        return self

    def label(self) -> str:
        """The check written as the command line it stands for."""
        extra = (f" --credit {self.credit}" if self.credit else "") + (
            f" --acquired {self.acquired}" if self.acquired else "") + (
            f" --interpretation {self.interpretation}" if self.interpretation else "")
        return self.name or f"check {self.check} {self.id} --on {self.on}{extra}"


class PinFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tests: list[Pin] = Field(min_length=1)
