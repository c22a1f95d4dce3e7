"""The interests of one BODS 0.4 relationship as holdings (the mapping is stated in `feoc.load.bods`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from feoc.data.problems import Problem
from feoc.load.bods_share import day, json_repr, share
from feoc.load.draft import Draft

MEASURES = {"shareholding": "equity", "votingRights": "voting", "appointmentOfBoard": "board_seats"}


def holdings(draft: Draft, problems: list[Problem], file: str, line: int, statement: dict[str, Any],
             ends: dt.date | None) -> list[dict[str, Any]]:
    """One holding per (startDate, endDate) of the relationship's interests; `ends` (a closed relationship's
    statementDate) ends the interests that give no endDate. Skips are listed; a share that is not one is a
    problem (the file is refused)."""
    record_id, details = statement["recordId"], statement["recordDetails"]
    where = f"{file.rsplit('/', 1)[-1]}:{line}"
    interests = details.get("interests")
    if not isinstance(interests, list) or not interests:
        draft.skip(where, f"relationship {record_id} has no interests: nothing to import")
        return []
    found: dict[tuple[dt.date | None, dt.date | None], dict[str, Any]] = {}
    for number, interest in enumerate(interests, 1):
        label = f"relationship {record_id}, interest {number}"
        if not isinstance(interest, dict):
            draft.skip(where, f"{label} is not an object: left out")
            continue
        kind = interest.get("type")
        if kind not in MEASURES:
            draft.skip(where, f"{label}: interest type {json_repr(kind)} is not one feoc's rules read (shareholding, "
                              "votingRights, appointmentOfBoard): left out")
            continue
        if interest.get("directOrIndirect") == "indirect":
            draft.skip(where, f"{label} ({kind}) is indirect: feoc traces chains from the direct holdings, and an "
                              "indirect interest read as direct would be counted twice: left out")
            continue
        try:
            value = share(interest.get("share"))
            if interest.get("directOrIndirect") == "unknown" and value is not None:
                value = _up_to(value)
                draft.note(where, f"{label} ({kind}) may be direct or indirect (`unknown`): read as a direct share "
                                  f"between 0 and its {_high_text(value)} (an indirect one the chain carries), so a test it "
                                  "decides stays open until you say which")
            period = (day(interest.get("startDate")), day(interest.get("endDate")) or ends)
        except ValueError as exc:
            if "date" in str(exc):
                draft.skip(where, f"{label} ({kind}): {exc}: a stake whose dates cannot be read is left out")
            else:
                problems.append(Problem(file, line, f"{label} ({kind}): {exc}",
                                        "correct the share: percentages 0-100, minimum ≤ maximum"))
            continue
        _put(draft, where, label, kind, value, period, found)
    return [_dated(draft, where, record_id, period, holding) for period, holding in found.items()
            if _ordered(draft, where, record_id, period)]


def _put(draft: Draft, where: str, label: str, kind: str, value: Any,
         period: tuple[dt.date | None, dt.date | None], found: dict[Any, dict[str, Any]]) -> None:
    measure = MEASURES[kind]
    if value is None and measure != "board_seats":
        value = {"max": 1.0}
        draft.note(where, f"{label} ({kind}) gives no share: imported as a range of 0-100 % (a stake of unknown "
                          "size is no stake of 0 %), so a test it decides stays open until the share is known")
    holding = found.setdefault(period, {})
    field, value = (measure, value) if value is not None else ("appoints_officers", True)
    if field in holding:
        if field != "appoints_officers":
            holding[field] = _together(holding[field], value)
            draft.note(where, f"{label}: a further {kind} interest for the same dates (another class of shares, "
                              f"or the same stake told twice): read as {_range_text(holding[field])}, from the "
                              "largest alone to their sum")
        return
    holding[field] = value


def _low(value: float | dict[str, float]) -> float:
    return value.get("min", 0.0) if isinstance(value, dict) else value


def _high(value: float | dict[str, float]) -> float:
    return value.get("max", 1.0) if isinstance(value, dict) else value


def _up_to(value: float | dict[str, float]) -> dict[str, float]:
    """The direct share of an interest that may be direct or indirect: 0 (indirect: counted through the chain) up
    to its own maximum."""
    return {"max": _high(value)}


def _together(first: float | dict[str, float], second: float | dict[str, float]) -> float | dict[str, float]:
    """Two interests of one kind, holder and subject for the same dates: two classes of shares add up, the same
    stake told twice does not; which it is the file does not say, so the share lies between the larger minimum
    and the sum of the maxima (at most 100 %)."""
    low, high = max(_low(first), _low(second)), min(1.0, _high(first) + _high(second))
    return low if low == high else ({"min": low, "max": high} if low else {"max": high})


def _high_text(value: float | dict[str, float]) -> str:
    return f"maximum {_high(value):.2%}"


def _range_text(value: float | dict[str, float]) -> str:
    return f"{value:.2%}" if not isinstance(value, dict) else f"{_low(value):.2%}-{_high(value):.2%}"


def _ordered(draft: Draft, where: str, record_id: str, period: tuple[dt.date | None, dt.date | None]) -> bool:
    start, end = period
    if start and end and not start < end:
        draft.skip(where, f"relationship {record_id}: interests from {start} ending {end}: the end is not after the "
                          "start, so they are left out")
        return False
    return True


def _dated(draft: Draft, where: str, record_id: str, period: tuple[dt.date | None, dt.date | None],
           holding: dict[str, Any]) -> dict[str, Any]:
    start, end = period
    dated = dict(holding)
    if start:
        dated["from"] = start
    if end:
        dated["until"] = end  # BODS endDate is "the date from which this interest ceased": our exclusive `until`
    return dated
