"""BODS 0.4 `Interest.share` and dates into feoc's shares and days.

The standard (openownership/data-standard, schema/relationship-record.json, `Interest.share`): "Provide the
`exact` percentage if known. Otherwise, `minimum` (or `exclusiveMinimum`) and `maximum` (or
`exclusiveMaximum`) can be used to record the range into which the proportion falls. (The `minimum` and
`maximum` values are inclusive.)" Shares are percentages (0-100); feoc's are fractions (0-1).

Decision (documented in README "Importing"): an exclusive bound is kept as the closed bound of the same
value. The true share lies strictly inside, so the range read is never narrower than the one published: a
verdict can only move from *yes*/*no* to *cannot be determined* at the very bound (e.g. `exclusiveMinimum:
50` against a "more than 50 %" test), never to a wrong answer. Where both an inclusive and an exclusive
bound are given on one side, the tighter is kept.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from typing import Any

from feoc.data.values import SHARE_DIGITS, parse_share

BOUNDS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")
_DAY = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def _percent(value: Any, key: str) -> tuple[float, float]:
    """A BODS percentage as feoc shares (low, high): equal when the number is a share feoc keeps exactly; a number
    with more than `SHARE_DIGITS` significant digits (a publisher's 33.333333333333336, a computed third) is
    widened outward to the nearest such shares on either side, so no rounding ever moves it across a threshold
    (a 24.999999999999996 stays open against 25 %, never read as 25 %). ValueError saying what is wrong."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"share `{key}` is {json_repr(value)}, not a number")
    if isinstance(value, (float, Decimal)) and not math.isfinite(float(value)):  # 1e400 is no number a float holds
        raise ValueError(f"share `{key}` is not a finite number")
    if not 0 <= value <= 100:
        raise ValueError(f"share `{key}` {value} lies outside 0-100 (BODS shares are percentages)")
    # the number as written (`load.bods_read` reads JSON fractions as decimals), -0.0 as 0
    number = Decimal(0) if not value else value if isinstance(value, Decimal) else Decimal(repr(value))
    low, high = (Context(prec=SHARE_DIGITS, rounding=way).plus(number) for way in (ROUND_FLOOR, ROUND_CEILING))
    return parse_share(format(low, "f") + "%"), parse_share(format(high, "f") + "%")


def json_repr(value: Any, limit: int = 40) -> str:
    """A foreign value quoted for a message, cut to `limit` characters (the terminal sanitiser escapes the rest)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def share(raw: Any) -> float | dict[str, float] | None:
    """The share an interest records: exact (a float), a range `{min, max}` (either bound optional), or None
    when it records none. ValueError for a share that is not one (not an object, not a number, outside
    0-100, minimum above maximum)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError(f"`share` is {json_repr(raw)}, not an object with `exact`, `minimum` or `maximum`")
    unknown = sorted(k for k in raw if k not in ("exact", *BOUNDS))
    if unknown:
        raise ValueError(f"`share` has `{unknown[0]}`, which BODS 0.4 does not define (exact, minimum, maximum, "
                         "exclusiveMinimum, exclusiveMaximum)")
    bounds = {key: _percent(raw[key], key) for key in BOUNDS if raw.get(key) is not None}
    if raw.get("exact") is not None:
        exact = _percent(raw["exact"], "exact")
        if any(not _holds(key, bound, exact) for key, bound in bounds.items()):
            raise ValueError("`share.exact` lies outside the share's own bounds")
        return exact[0] if exact[0] == exact[1] else {"min": exact[0], "max": exact[1]}
    # the tightest bound on each side: the larger minimum, the smaller maximum (an exclusive one wins a tie)
    lows = [(bounds[k][0], k) for k in ("minimum", "exclusiveMinimum") if k in bounds]
    highs = [(bounds[k][1], k) for k in ("maximum", "exclusiveMaximum") if k in bounds]
    low = max(lows, key=lambda b: (b[0], b[1].startswith("exclusive")), default=None)
    high = min(highs, key=lambda b: (b[0], not b[1].startswith("exclusive")), default=None)
    if low is not None and high is not None and low[0] > high[0]:
        raise ValueError(f"the share's minimum ({low[0]:.2%}) is above its maximum ({high[0]:.2%})")
    if low is not None and high is not None and low[0] == high[0] and "exclusive" in low[1] + high[1]:
        raise ValueError(f"no share satisfies both bounds: `{low[1]}` {low[0]:.2%} and `{high[1]}` {high[0]:.2%} "
                         "(an exclusive bound excludes the only value the other allows)")
    if low is not None and high is not None and low[0] == high[0]:
        return low[0]
    found = {name: bound[0] for name, bound in (("min", low), ("max", high)) if bound is not None}
    return found or None


def _holds(key: str, bound: tuple[float, float], exact: tuple[float, float]) -> bool:
    """Whether an exact share can satisfy a bound: on the bound itself only when it is inclusive."""
    if key.endswith("inimum"):
        return exact[1] > bound[0] or (exact[1] == bound[0] and not key.startswith("exclusive"))
    return exact[0] < bound[1] or (exact[0] == bound[1] and not key.startswith("exclusive"))


def day(value: Any) -> dt.date | None:
    """A BODS date (`YYYY-MM-DD`; the standard rounds an unknown month or day to the first, and a year or
    year-month is read the same way) as a day; None if absent; ValueError if it is not a real date."""
    if value is None or value == "":
        return None
    found = _DAY.fullmatch(value.strip()) if isinstance(value, str) else None
    if not found:
        raise ValueError(f"date {json_repr(value)} is not YYYY-MM-DD")
    year, month, day_ = (int(part) if part else 1 for part in found.groups())
    try:
        return dt.date(year, month, day_)
    except ValueError:
        raise ValueError(f"date `{value}` is not a real calendar date") from None
