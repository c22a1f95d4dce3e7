"""Reading one value of a dataset as the contract defines it: shares, ids (slugs), ISO country codes and ISO
dates. Each reader returns the value or raises ValueError saying what to write instead; the record models
(`data/model.py`) apply them, and the importers read shares the very same way (`parse_share`)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import math
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?\Z")  # \Z: no trailing newline
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=1)
def iso_countries() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes of pycountry's database, read from its JSON file: importing pycountry
    reads package metadata, a tenth of a `feoc check`'s start-up. Its API if the file is not found."""
    spec = importlib.util.find_spec("pycountry")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "databases" / "iso3166-1.json"
        if path.is_file():
            return frozenset(c["alpha_2"] for c in json.loads(path.read_text(encoding="utf-8"))["3166-1"])
    import pycountry  # pragma: no cover - a pycountry that keeps its data elsewhere

    return frozenset(c.alpha_2 for c in pycountry.countries)  # pragma: no cover


_SHARE_TEXT = re.compile(r"((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))[ ]?(%?)")  # ASCII digits: no `2_5`, no `٢٥`, no 1e-5
SHARE_DIGITS = 15  # significant digits a share may be written with: every such decimal survives as a float


@lru_cache(maxsize=4096)  # a share text is parsed in Decimal; a dataset repeats a few ("25%") (issue 17: YAML load)
def parse_share(text: str) -> float:
    """A share written as text, strictly: `0.25`, `25%` or `25 %` in ASCII digits, with at most 15 significant
    digits, so the float feoc computes with is the very number written. Python's float() would read `2_5` as 25
    and round `24.9999999999999999999%` up to exactly 25 % (the threshold); both are refused instead.
    Raises ValueError saying what to write."""
    match = _SHARE_TEXT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"`{text}` is not a share; write 0.25 or \"25%\" (ASCII digits)")
    number = Decimal(match.group(1)).scaleb(-2 if match.group(2) else 0)
    if len(number.normalize().as_tuple().digits) > SHARE_DIGITS:
        raise ValueError(f"`{text}` has more than {SHARE_DIGITS} significant digits, more than feoc can keep "
                         "exactly; write it with fewer digits (e.g. 24.99999%)")
    return float(number)


def to_share(value: Any) -> float:
    """Accept 0.25, 1, "25%", "25 %", "0.25"; refuse bools, NaN, infinities and values outside [0, 1].

    A percentage is divided by 100 in decimal, so "33.3%" and 0.333 give the very same float.
    """
    if type(value) is float and 0.0 <= value <= 1.0:  # the common case, NaN fails the comparison
        return value + 0.0  # -0.0 becomes 0.0
    if isinstance(value, bool):
        raise ValueError(f"`{str(value).lower()}` is not a share; write a number in [0, 1] or a percentage like \"25%\"")
    if isinstance(value, str):
        _refuse_range_text(value)
        number = parse_share(value)
    elif isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
    elif value is None:
        raise ValueError("the share is empty (YAML `null`, `~` or nothing after the colon); write 0.25 or \"25%\", "
                         "or leave the field out when nothing is known")
    else:
        raise ValueError(f"a share must be a number or a percentage string, not a {type(value).__name__}; "
                         "write 0.25 or \"25%\"")
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"`{value}` is not a finite share; write 0.25 or \"25%\"")
    if number < 0 or number > 1:
        hint = f" (did you mean \"{number:g}%\"?)" if 1 < number <= 100 else ""
        raise ValueError(f"share {value} lies outside [0, 1]{hint}; write a number in [0, 1] or a percentage like \"25%\"")
    return number + 0.0


_RANGE_TEXT = re.compile(r"(.+?)\s*(?:-|–|—|\.\.|to)\s*(.+)")


def _refuse_range_text(text: str) -> None:
    """A band written as one string (`20%-30%`, `20% to 30%`) is not a share: say how a range is written."""
    match = _RANGE_TEXT.fullmatch(text.strip())
    if match and all(_SHARE_TEXT.fullmatch(part) for part in match.groups()):
        low, high = match.groups()
        raise ValueError(f"`{text}` is not a share but a band written as text; write it as a share range "
                         f"`{{min: {low}, max: {high}}}`")


class ShareRange(float):
    """A share known only within bounds, written `{min: …, max: …}` (issue 20: registers publish bands such as
    "more than 25 % but not more than 50 %"). As a float it is its lower bound, so every reading of a share
    that does not ask for the range (the real pass of the ownership analysis, the 100 % totals check) reads
    the minimum; `max` is the upper bound, which the worst-case pass reads (`upper`)."""

    __slots__ = ("max",)
    max: float

    def __new__(cls, low: float, high: float) -> ShareRange:
        self = super().__new__(cls, low)
        self.max = high
        return self

    def __reduce__(self) -> tuple[Any, tuple[float, float]]:  # the load's worker processes pickle records
        return (ShareRange, (float(self), self.max))

    def bounds_text(self) -> str:
        """`between 20% and 30%`, as a finding or a verdict shows the range."""
        return f"between {float(self):.2%} and {self.max:.2%}"


_RANGE_KEYS = ("min", "max")


def to_share_or_range(value: Any) -> float:
    """A share (`to_share`) or a range `{min: …, max: …}`: either bound optional (`min` 0, `max` 100 %), each
    written as a share; `min` above `max` is refused. Equal bounds are the exact share they name (a plain
    float). Raises ValueError as `what; fix`."""
    if not isinstance(value, dict):
        return to_share(value)
    unknown = [str(k) for k in value if k not in _RANGE_KEYS]
    if unknown or not value:
        said = f"`{unknown[0]}` is not a bound of a share range" if unknown else "an empty share range says nothing"
        raise ValueError(f"{said}; write `{{min: 20%, max: 30%}}` (either bound may be left out: min is then 0, "
                         "max 100 %), or leave the field out when nothing is known")
    bounds = []
    for key, default in zip(_RANGE_KEYS, (0.0, 1.0)):
        if key in value and value[key] is None:
            raise ValueError(f"`{key}` of the share range is empty (YAML `null`); write a share such as 20% there, "
                             f"or leave `{key}` out (it is then {'0' if key == 'min' else '100 %'})")
        try:
            bounds.append(to_share(value.get(key, default)))
        except ValueError as exc:
            what, _, fix = str(exc).partition("; ")
            raise ValueError(f"`{key}` of the share range: {what}; {fix}") from None
    low, high = bounds
    if low > high:
        raise ValueError(f"the share range's `min` ({low:.2%}) is above its `max` ({high:.2%}); swap the bounds "
                         "or correct one of them (min ≤ max)")
    return low if low == high else ShareRange(low, high)


def upper(share: float | None) -> float | None:
    """The upper bound of a share: a range's `max`, else the share itself (None: not recorded)."""
    return share.max if isinstance(share, ShareRange) else share


def to_slug(value: Any) -> str:
    if type(value) is str and SLUG.match(value):
        return value
    if not isinstance(value, str) and SLUG.match(str(value)):
        raise ValueError(f"`{value}` is read as a {type(value).__name__}, not an id; quote it: \"{value}\"")
    suggestion = re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")
    hint = f": e.g. `{suggestion}`" if SLUG.match(suggestion) and suggestion != value else ", e.g. `envision-group`"
    raise ValueError(f"`{value}` is not an id; use lowercase letters, digits and dashes (a slug){hint}")


def to_country(value: Any) -> str:
    if type(value) is str and value in iso_countries():
        return value
    if isinstance(value, str) and value.strip().upper() in iso_countries():
        raise ValueError(f"`{value}` is not an ISO 3166-1 alpha-2 country code; "
                         f"write it in upper case: `{value.strip().upper()}`")
    if isinstance(value, bool):  # `NO` read by a YAML 1.1 tool and written back as false
        raise ValueError(f"`{str(value).lower()}` is not a country; write the two-letter code (Norway is NO)")
    raise ValueError(f"`{value}` is not an ISO 3166-1 alpha-2 country code; use a two-letter upper-case code "
                     "such as CN, JP, US or NO")


def to_date(value: Any) -> dt.date:
    day = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"`{value}` is not a real calendar date; check the day and month (YYYY-MM-DD)") from None
    if day is not None:
        if not 1900 <= day.year <= 2100:
            raise ValueError(f"`{value}` is an implausible date for this law; check the year (1900-2100)")
        return day
    raise ValueError(f"`{value}` is not a valid ISO date; write YYYY-MM-DD (e.g. 2024-01-01)")
