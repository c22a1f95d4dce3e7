"""Doubt passed down the chain: an entity that a holder, licensor or share the data leaves open could make a
FEOC is not a clear "no" (issue 14: "a gap in the data is never a pass").

The direct gaps are decided by their own rules (`undetermined` findings: an unrecorded jurisdiction, a FEOC's
licence with unknown terms, a stake whose voting rights or board seats are not recorded). Their effect lower
down the chain is found by judging the worst case the data allows, once per reading:

- every entity whose status cannot be determined is taken to be a FEOC (its stakes count as a FEOC's under
  the look-through reading; its licences and the plants it runs are a FEOC's);
- every unrecorded measure of a holding whose recorded stake reaches `unrecorded_measure_floor` is taken to
  be 100 % (the line below which a stake is read as recorded, rules/parameters.yaml);
- every share recorded as a range `{min, max}` is taken at its maximum (the real pass reads its minimum;
  `determine.ranges` shows why these bound the analysis, and gives the entities a range alone leaves open
  their own `share_range` facts, rule feoc-undetermined-share-range).

An entity that is a FEOC (or undecided) in the worst case but not in the real one gets an `upstream_doubt`
fact; the rule `feoc-undetermined-upstream` makes it *cannot be determined*, naming the undecided entities and
the holdings upstream of it. One worst-case pass suffices: in it every undecided entity already counts as a
FEOC, so the chaining rounds carry the doubt as far down as it goes. The per-fact path (`regime30d`) builds these
facts here; the bulk path finds the same subjects on arrays (`bulk_doubt`: no rule tests the texts).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from itertools import islice
from typing import Any

from feoc.data.dataset import Dataset
from feoc.data.model import MEASURES
from feoc.determine.ranges import maxima

FLOOR = "unrecorded_measure_floor"


def worst_case_holdings(holdings: Iterable[Any], floor: float) -> tuple[tuple[Any, ...], list[Any]]:
    """The holdings with each unrecorded measure taken as 100 % where the largest recorded one reaches
    `floor`, and the holdings so filled."""
    out, filled = [], []
    for h in holdings:
        recorded = [s for s in (h.share(m) for m in MEASURES) if s is not None]
        missing = [m for m in MEASURES if h.share(m) is None]
        if recorded and missing and max(recorded) >= floor:
            worst = dict.fromkeys(missing, 1.0)  # a model, or a light row of a compact load (a named tuple)
            h = h.model_copy(update=worst) if hasattr(h, "model_copy") else h._replace(**worst)
            filled.append(h)
        out.append(h)
    return tuple(out), filled


def more_scoped(worst: dict[str, set[str]], real: dict[str, set[str]]) -> set[str]:
    """Licensees a FEOC controls in more activities in the worst case than in the real one (a licence scoped
    to some activities from an undecided licensor): their status is open as a whole, as a licence from a FEOC
    with unknown terms makes it (feoc-undetermined-licence), so the plants they run are open too."""
    return {e for e, activities in worst.items() if not activities <= real.get(e, set())}


def worst_case(dataset: Dataset, floor: float) -> tuple[Dataset, list[Any]]:
    """The dataset of the worst case: every share range at its maximum (`determine.ranges`: the analysis is
    monotone in each share, so the maxima bound it from above), then the unrecorded measures filled (the
    holdings' columns of a compact load dropped: they describe the recorded holdings)."""
    dataset = maxima(dataset)
    holdings, filled = worst_case_holdings(dataset.holdings, floor)
    if not filled:
        return dataset, []
    columns = {kind: kept for kind, kept in dataset.columns.items() if kind != "holdings"}
    return dataclasses.replace(dataset, holdings=holdings, columns=columns), filled


NAMED = 3  # the undecided entities and holdings a fact names, nearest first ("and others" beyond)
LOOKED = 64  # entities looked at above a subject to name them: the names explain, the worst case decides


def _above(dataset: Dataset, day: dt.date) -> dict[str, list[str]]:
    """Entity -> its holders and licensors on `day`, sorted."""
    above: dict[str, set[str]] = {}
    for up, down in dataset.edges_on(day):
        above.setdefault(down, set()).add(up)
    return {entity: sorted(holders) for entity, holders in above.items()}


def _named(subject: str, above: dict[str, list[str]], undecided: frozenset[str],
           gaps_of: dict[str, list[str]]) -> tuple[str, str]:
    """The undecided entities and the filled holdings nearest above `subject` (breadth first, not past an
    undecided entity, at most LOOKED entities), as the fact's text."""
    found: list[str] = []
    gaps: list[str] = list(gaps_of.get(subject, ()))
    seen, queue = {subject}, [subject]
    while queue and len(seen) < LOOKED:
        for nxt in above.get(queue.pop(0), ()):
            if nxt in seen:
                continue
            seen.add(nxt)
            gaps += gaps_of.get(nxt, ())
            if nxt in undecided:
                found.append(nxt)  # its own verdict explains it: no need to look above it
            else:
                queue.append(nxt)
    cut = bool(queue)  # stopped at LOOKED: what is further up was not looked at
    return _listed(found, ", ", cut), _listed(gaps, "; ", cut)


def _up(node: str, above: dict[str, list[str]]) -> Iterator[str]:
    """`node`, then its holders and licensors, breadth first, each once."""
    seen, queue = {node}, deque([node])
    while queue:
        current = queue.popleft()
        yield current
        fresh = [n for n in above.get(current, ()) if n not in seen]
        seen.update(fresh)
        queue.extend(fresh)


def _below(holder: str, above: dict[str, list[str]], tainted: set[str]) -> bool:
    """Whether `holder` is, or is held or licensed by, one of `tainted` (looking at most at LOOKED entities;
    beyond them it is taken to be, so a gap is never left unnamed for want of looking)."""
    looked = list(islice(_up(holder, above), LOOKED + 1))
    return len(looked) > LOOKED or not tainted.isdisjoint(looked)


def _listed(items: list[str], sep: str, cut: bool = False) -> str:
    if not items:
        return f"none within the {LOOKED} entities nearest above it (further up not named)" if cut else "none"
    more = f"{sep}and others" if len(items) > NAMED else ""
    return sep.join(items[:NAMED]) + (more or (f"{sep}possibly others further up" if cut else ""))


def doubt_facts(dataset: Dataset, day: dt.date, case: tuple[Dataset, list[Any]], feoc: Collection[str],
                undecided: Collection[str], worst: Callable[[Dataset, frozenset[str]], set[str]]) -> list[dict[str, Any]]:
    """The `upstream_doubt` facts: `case` is `worst_case(dataset, floor)`; `worst(data, assumed)` is the set
    of entities a FEOC or undecided on it when the entities `assumed` are FEOCs; `feoc` and `undecided` are
    the real run's. The bulk path finds the same subjects on arrays, without the texts (`bulk_doubt.possible`)."""
    worst_data, filled = case
    if not undecided and not filled:
        return []
    assumed = frozenset(undecided)
    possible = worst(worst_data, assumed) - set(feoc) - assumed
    if not possible:
        return []
    above = _above(dataset, day)
    gaps_of: dict[str, list[str]] = {}
    tainted = set(feoc) | assumed | possible  # a gap can decide only below a FEOC or a possible one
    for h in filled:
        if h.in_force(day) and _below(h.holder, above, tainted):
            gaps_of.setdefault(h.entity, []).append(f"{h.holder} -> {h.entity}")
    facts = []
    for subject in sorted(possible):
        named, gaps = _named(subject, above, assumed, gaps_of)
        facts.append({"kind": "upstream_doubt", "subject": subject, "possible": True, "undecided": named,
                      "gaps": gaps})
    return facts
