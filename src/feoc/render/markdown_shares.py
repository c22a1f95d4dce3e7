"""How a report shows a share or an interest: an exact share as `20.00%`, a share recorded as a range
(`data.values.ShareRange`, issue 20: registers publish bands such as "more than 25 % but not more than 50 %")
as its interval `20.00%–30.00%`, never its minimum alone (a lower bound shown as the share would read as a
known figure, a confident wrong answer). Shared by the Markdown reports and the serve page's diagram."""

from __future__ import annotations

from typing import Any


def share_text(share: float) -> str:
    """`20.00%`, or `20.00%–30.00%` for a range (its float value is its lower bound, `max` its upper)."""
    high = getattr(share, "max", None)
    return f"{share:.2%}–{high:.2%}" if high is not None and high != float(share) else f"{share:.2%}"


def interval_text(low: Any, high: Any) -> str:
    """An interest known within bounds, from a finding's `low`/`high` facts: `between 20.00% and 30.00%`."""
    return f"between {float(low):.2%} and {float(high):.2%}"


def range_cell(findings: Any) -> list[str]:
    """For each `share_range` finding left open (rule `feoc-undetermined-share-range` and the §45X range
    rules): the interest's interval and the ranged holdings to narrow, from its facts (`low`, `high`,
    `ranges`), as a report's timeline cell shows them."""
    out = []
    for f in findings or ():
        # §30D facts carry `low`/`high`; the §45X ones `share_low`/`share` (the SFEs' interest together)
        low, high = (f.fact("low"), f.fact("high")) if f.fact("low") is not None else (f.fact("share_low"), f.fact("share"))
        if f.conclusion != "undetermined" or low is None or high is None or not f.fact("ranges"):
            continue
        measure = str(f.fact("measure") or "share").replace("_", " ")
        out.append(f"{measure} {interval_text(low, high)}; narrow: {f.fact('ranges')}")
    return list(dict.fromkeys(out))
