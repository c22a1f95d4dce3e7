"""Shares known only within a range (`{min: …, max: …}`, issue 20): the interval an interest lies in, and the
`share_range` facts of the per-subject path.

Why two passes are enough. The 25 % test of 42 U.S.C. 18741(a)(5)(C) (DOE, 89 FR 37079 §III.E) is monotone
non-decreasing in every share under every reading of rules/interpretations.yaml:

- `multiply` tracing (`ownership.graph.interest_rule`): an interest is a sum of products of non-negative
  shares along the chains (a cycle's solution the limit of such sums), capped at 100 %: raising a share
  raises no term's sign and lowers no sum;
- `control` tracing: as multiply, except that an intermediate whose interest exceeds the look-through counts
  in full (weight 1 ≥ its interest); a larger share can only push an intermediate over the look-through,
  which replaces its weight by 1, never lowers it;
- `lookthrough` (holders `feoc`): a FEOC's stake counts in full. A larger share can only add FEOCs (each prong
  is monotone: the ownership prong by the above, a licence from a FEOC by its licensor's status), and an added
  source raises every interest below it (weight 1 instead of its interest);
- nations `each` / `all`: the holder groups do not depend on shares.

So every interest (and every FEOC status) computed on the minima is a lower bound and on the maxima an upper
bound of the true one, whatever the true shares within their ranges. The real pass reads the minima (a range
is, as a float, its lower bound: `data.values.ShareRange`); `maxima` is the dataset of the upper pass, which
the worst case of `determine.doubt` starts from. An entity whose interest reaches the threshold on the minima
is a FEOC (the ownership rule fires in the real pass); one that stays below it on the maxima is clear on this
prong; in between, `share_range` facts make it *cannot be determined* (rule feoc-undetermined-share-range),
naming the interval and the holdings whose ranges must be narrowed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from feoc.data.columns import Repeat, Shares
from feoc.data.dataset import Dataset
from feoc.data.values import ShareRange
from feoc.determine.facts import holders_nation

SHARES = ("equity", "voting", "board_seats", "debt")
NAMED = 3  # the ranged holdings a fact names ("and others" beyond)
LOOKED = 64  # entities looked at above a subject to name them


def has_ranges(dataset: Dataset) -> bool:
    """Whether any holding records a share as a range (read from the columns of a compact load too). A column
    of a compact load says so by its type: a float64 array (`Shares`) holds no range and a `Repeat` one value,
    so only a list column is looked through (issue 17: 6.2M values read one by one at 1M entities)."""
    return any(_ranged(dataset.column("holdings", m)) for m in SHARES)


def _ranged(column: Sequence[Any]) -> bool:
    if isinstance(column, Shares):
        return False
    if isinstance(column, Repeat):
        return isinstance(column.value, ShareRange)
    return any(isinstance(v, ShareRange) for v in column)


def at_max(h: Any) -> Any:
    """The holding with each range read as its upper bound (an exact share stays)."""
    top = {m: v.max for m in SHARES if isinstance(v := getattr(h, m), ShareRange)}
    if not top:
        return h
    return h.model_copy(update=top) if hasattr(h, "model_copy") else h._replace(**top)


def maxima(dataset: Dataset) -> Dataset:
    """The dataset of the upper pass: every range at its maximum (the dataset itself when it has none; the
    holdings' columns of a compact load dropped, as they describe the minima)."""
    if not has_ranges(dataset):
        return dataset
    columns = {kind: kept for kind, kept in dataset.columns.items() if kind != "holdings"}
    return dataclasses.replace(dataset, holdings=tuple(at_max(h) for h in dataset.holdings), columns=columns)


def ranged_text(h: Any, measure: str) -> str:
    """`gov -> target (equity between 20.00% and 30.00%)`."""
    share = getattr(h, measure)
    return f"{h.holder} -> {h.entity} ({measure.replace('_', ' ')} {share.bounds_text()})"


def above_ranges(holdings: Iterable[Any]) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, str, str]]]]:
    """Entity -> its holders, and entity -> (measure, text, holder) of its holdings' ranged shares."""
    above: dict[str, set[str]] = {}
    ranged: dict[str, list[tuple[str, str, str]]] = {}
    for h in holdings:
        above.setdefault(h.entity, set()).add(h.holder)
        for m in SHARES:
            if isinstance(getattr(h, m), ShareRange):
                ranged.setdefault(h.entity, []).append((m, ranged_text(h, m), h.holder))
    return {e: sorted(hs) for e, hs in above.items()}, ranged


def ranges_above(subject: str, measure: str, above: Mapping[str, list[str]],
                 ranged: Mapping[str, list[tuple[str, str, str]]],
                 carries: Callable[[str], bool] | None = None) -> str:
    """The ranged holdings at or above `subject` in `measure`, nearest first (breadth first, at most LOOKED
    entities); where there are none, those of the other measures (under the look-through reading a range of
    another measure may decide an intermediate's status). With `carries` (holder -> whether the holder group's
    interest can run through that holder), a range in `measure` whose holder carries none of it is left out: it
    cannot move the interval, and naming it would send the user to narrow a band that decides nothing."""
    found = list(ranged.get(subject, ()))
    seen, queue = {subject}, [subject]
    while queue and len(seen) < LOOKED:
        for nxt in above.get(queue.pop(0), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
                found += ranged.get(nxt, ())
    texts = [t for m, t, holder in found if m == measure and (carries is None or carries(holder))] or \
        [t for m, t, _ in found if m != measure]
    if not texts:
        return "none found above it"
    more = "; and others" if len(texts) > NAMED or queue else ""
    return "; ".join(texts[:NAMED]) + more


def range_facts(holdings: list[Any], low: Mapping[tuple[str, str, str], float],
                high: Mapping[tuple[str, str, str], float], feoc: Iterable[str],
                sources: Mapping[str, Collection[str]] | None = None) -> list[dict[str, Any]]:
    """The `share_range` facts: per (entity, measure, holder group) whose interest on the maxima (`high`) is
    above the one on the minima (`low`, the real pass), the interval and the ranged holdings above the entity
    that can carry the group's interest (`sources`: each group's members, in either pass; a holder is a member or
    holds some of the group's interest on the maxima). An entity already a FEOC gets none (the minima decide it)."""
    done = set(feoc)
    above, ranged = above_ranges(holdings)
    facts = []
    for (entity, measure, group), top in sorted(high.items()):
        bottom = low.get((entity, measure, group), 0.0)
        if entity in done or top <= bottom:
            continue

        def carries(holder: str, measure: str = measure, group: str = group) -> bool:
            return holder in (sources or {}).get(group, ()) or high.get((holder, measure, group), 0.0) > 0.0

        facts.append({"kind": "share_range", "subject": entity, "measure": measure, "holders": group,
                      "nation": holders_nation(group), "low": bottom, "high": top,
                      "ranges": ranges_above(entity, measure, above, ranged, carries if sources is not None else None)})
    return facts
