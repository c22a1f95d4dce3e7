"""Doubt passed down the chain: an entity that a holder, licensor or share the data leaves open could make a
FEOC is not a clear "no" (issue 14: "a gap in the data is never a pass").

The direct gaps are decided by their own rules (`undetermined` findings: an unrecorded jurisdiction, a FEOC's
licence with unknown terms, a stake whose voting rights or board seats are not recorded). Their effect lower
down the chain is found by judging the worst case the data allows, once per reading:

- every entity whose status cannot be determined is taken to be a FEOC (its stakes count as a FEOC's under
  the look-through reading; its licences and the plants it runs are a FEOC's);
- every unrecorded measure of a holding whose recorded stake reaches `unrecorded_measure_floor` is taken to
  be 100 % (the line below which a stake is read as recorded, rules/parameters.yaml).

An entity that is a FEOC (or undecided) in the worst case but not in the real one gets an `upstream_doubt`
fact; the rule `feoc-undetermined-upstream` makes it *cannot be determined*, naming the undecided entities and
the holdings upstream of it. One worst-case pass suffices: in it every undecided entity already counts as a
FEOC, so the chaining rounds carry the doubt as far down as it goes. Both the per-fact path (`regime30d`) and
the bulk path (`bulk`) build these facts here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Iterable
from typing import Any

from feoc.data.dataset import Dataset
from feoc.data.model import MEASURES

FLOOR = "unrecorded_measure_floor"


def worst_case_holdings(holdings: Iterable[Any], floor: float) -> tuple[tuple[Any, ...], list[Any]]:
    """The holdings with each unrecorded measure taken as 100 % where the largest recorded one reaches
    `floor`, and the holdings so filled."""
    out, filled = [], []
    for h in holdings:
        recorded = [s for s in (h.share(m) for m in MEASURES) if s is not None]
        missing = [m for m in MEASURES if h.share(m) is None]
        if recorded and missing and max(recorded) >= floor:
            h = h.model_copy(update=dict.fromkeys(missing, 1.0))
            filled.append(h)
        out.append(h)
    return tuple(out), filled


def worst_case(dataset: Dataset, floor: float) -> tuple[Dataset, list[Any]]:
    """The dataset of the worst case (its columns dropped: they describe the recorded holdings)."""
    holdings, filled = worst_case_holdings(dataset.holdings, floor)
    if not filled:
        return dataset, []
    return dataclasses.replace(dataset, holdings=holdings, columns={}), filled


def _upstream(subject: str, dataset: Dataset, day: dt.date) -> set[str]:
    """Every holder and licensor above `subject` on `day`, transitively."""
    above: dict[str, set[str]] = {}
    for h in dataset.holdings_on(day):
        above.setdefault(h.entity, set()).add(h.holder)
    for a in dataset.agreements_on(day):
        above.setdefault(a.licensee, set()).add(a.licensor)
    seen: set[str] = set()
    stack = [subject]
    while stack:
        for nxt in above.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def doubt_facts(dataset: Dataset, day: dt.date, floor: float, feoc: Collection[str], undecided: Collection[str],
                worst: Callable[[Dataset, frozenset[str]], set[str]]) -> list[dict[str, Any]]:
    """The `upstream_doubt` facts: `worst(dataset, assumed)` is the set of entities a FEOC or undecided when
    the entities `assumed` are FEOCs, on the worst-case dataset; `feoc` and `undecided` are the real run's."""
    worst_data, filled = worst_case(dataset, floor)
    if not undecided and not filled:
        return []
    assumed = frozenset(undecided)
    possible = worst(worst_data, assumed) - set(feoc) - assumed
    facts = []
    for subject in sorted(possible):
        upstream = _upstream(subject, dataset, day)
        gaps = sorted(f"{h.holder} -> {h.entity}" for h in filled if h.entity in upstream | {subject}
                      and h.in_force(day))
        facts.append({"kind": "upstream_doubt", "subject": subject, "possible": True,
                      "undecided": ", ".join(sorted(assumed & upstream)) or "none",
                      "gaps": "; ".join(gaps) or "none"})
    return facts
