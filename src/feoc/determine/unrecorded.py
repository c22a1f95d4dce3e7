"""Holdings that record some measures of a stake and leave others out (issue 14: "a 24 % equity stake with
board and voting shares unrecorded passes without a word").

The 25 % test of 42 U.S.C. 18741(a)(5)(C) as DOE reads it (89 FR 37079 §III.E) looks at board seats, voting
rights and equity, each on its own. A holding that records `equity: 24%` but no `voting:` is read by the
ownership analysis as holding no votes, yet its votes could be 25 % or more (dual-class shares, a voting
agreement). So after the chaining rounds, each holding that records at least one measure but not all
three gives an `unrecorded_measure` fact per holder group that reaches its holder:

- `stake`: the holding's largest recorded share (the rule compares it with `unrecorded_measure_floor`, so a
  small portfolio stake is read as it is recorded: a line of rules/parameters.yaml, not of this code);
- `reach`: how much of the unrecorded measure the group could hold through it at most, as far as the
  data shows: 1 when the holder is one of the group's sources (a covered government body, or under the
  look-through reading a FEOC), else the group's largest interest in the holder in any measure (an upper
  bound under multiply tracing, as a holding passes on at most what its holder has; a heuristic where a
  measure of the holder is itself unrecorded).

The rule `feoc-undetermined-unrecorded-measure` concludes `undetermined` when `stake` reaches the floor and
`reach` the control threshold; a `feoc` finding still decides (the recorded measures already cross 25 %).
Both the per-fact path (`regime30d`) and the bulk path (`bulk`) build these facts here.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from typing import Any, NamedTuple

from feoc.data.model import MEASURES
from feoc.data.values import ShareRange, upper
from feoc.determine.facts import SHARE_DIGITS, holders_nation

MEASURE_WORDS = {"equity": "equity", "voting": "voting rights", "board_seats": "board seats"}


class PartStake(NamedTuple):
    """A holding as the bulk path keeps it in columns (the fields `unrecorded_facts` reads)."""

    holder: str
    entity: str
    equity: float | None
    voting: float | None
    board_seats: float | None

    def share(self, measure: str) -> float | None:
        return getattr(self, measure)


def unrecorded_facts(holdings: Iterable[Any], groups: dict[str, set[str]],
                     reach_of: Callable[[str, str], float], feoc: Container[str]) -> list[dict[str, Any]]:
    """The `unrecorded_measure` facts of `holdings` (in force on the date) for the holder `groups` (group ->
    its sources after the chaining rounds); `reach_of(holder, group)` is the group's largest interest in
    `holder` in any measure. An entity already a FEOC gets none: no missing measure changes that."""
    facts = []
    for h in holdings:
        if h.entity in feoc:
            continue
        shares = [(m, h.share(m)) for m in MEASURES]
        recorded = [(m, s) for m, s in shares if s is not None]
        missing = [m for m, s in shares if s is None]
        if not recorded or not missing:
            continue
        stake = max(upper(s) or 0.0 for _, s in recorded)  # a range: its maximum could cross the floor
        for group, sources in sorted(groups.items()):
            reach = 1.0 if h.holder in sources else reach_of(h.holder, group)
            if reach <= 0:
                continue
            texts = holding_texts(h)
            facts.append({
                "kind": "unrecorded_measure", "subject": h.entity, "holders": group, "nation": holders_nation(group),
                "holding": texts["holding"], "holder": h.holder, "measures": texts["measures"],
                "fields": texts["fields"], "recorded": texts["recorded"],
                "stake": round(float(stake), SHARE_DIGITS), "reach": round(float(reach), SHARE_DIGITS)})
    return facts


def holding_texts(h: Any) -> dict[str, str]:
    """The text fields of a holding's `unrecorded_measure` facts (both paths build them here)."""
    shares = [(m, h.share(m)) for m in MEASURES]
    missing = [m for m, s in shares if s is None]
    return {"holding": f"{h.holder} -> {h.entity}",
            "measures": " and ".join(MEASURE_WORDS[m] for m in missing),
            "fields": " and ".join(f"`{m}:`" for m in missing),
            "recorded": ", ".join(f"{_shown(s)} {MEASURE_WORDS[m]}" for m, s in shares if s is not None)}


def _shown(share: float) -> str:
    """A recorded share as a fact's text: `24.00%`, or a range's `between 20.00% and 30.00%`."""
    return share.bounds_text() if isinstance(share, ShareRange) else f"{share:.2%}"


def largest_in(values: dict[tuple[str, str, str], float]) -> Callable[[str, str], float]:
    """`reach_of` from the per-fact tracer's interests ((entity, measure, group) -> share, as last traced)."""
    def reach_of(entity: str, group: str) -> float:
        return max(values.get((entity, m, group), 0.0) for m in MEASURES)
    return reach_of
