"""Checks on the holdings as a whole: stakes and debt shares held in one entity may not add up to more
than 100 % on any date (a share range at its minimum, its lower bound), and no cycle of 100 % stakes (A wholly
owns B, B wholly owns A) may be in force.

These are facts of arithmetic, not law: no threshold of the law is read here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from feoc.data.columns import Repeat, Shares
from feoc.data.dataset import Dataset
from feoc.data.model import MEASURES
from feoc.data.problems import Problem
from feoc.data.values import ShareRange
from feoc.load.holding_scan import EPS as _EPS
from feoc.load.holding_scan import HoldingScan, may_close_a_cycle, scan_holdings
from feoc.load.origins import Locator
from feoc.load.totals_sweep import SWEEP_ARRAYS_FROM, swept_clear


def debt_totals(dataset: Dataset, where: Locator) -> list[Problem]:
    """The debt shares held in one entity may not add up to more than 100 % on any date."""
    by_entity: dict[str, list[int]] = defaultdict(list)
    held, debts = dataset.column("holdings", "entity"), dataset.column("holdings", "debt")
    for pos in _held_at(debts):
        by_entity[held[pos]].append(pos)
    problems = []
    several = [(entity, positions) for entity, positions in sorted(by_entity.items()) if len(positions) > 1]
    starts, ends = _dates(dataset) if several else ((), ())
    for entity, positions in several:
        over = _over_100(starts, ends, debts, positions)
        if over:
            pos, day, live = over
            total = sum(dataset.holdings[p].debt or 0.0 for p in live)
            ranged = any(isinstance(dataset.holdings[p].debt, ShareRange) for p in live)
            problems.append(where.problem("holdings", pos, ("debt",), f"debt held in `{entity}` adds up to "
                                          f"{'at least ' if ranged else ''}{total:.2%} "
                                          f"{f'on {day}' if day != dt.date.min else 'from the start'}", "correct the debt "
                                          "shares or the from/until dates so they total at most 100 %"
                                          + (RANGE_FIX if ranged else "")))
    return problems


def _held_at(shares: Sequence[Any]) -> list[int]:
    """The positions of the shares recorded and not zero: of a column kept as an array (`Shares`) or one value
    (`Repeat`) read as such (issue 17: 1.5M debts, nearly all unrecorded, read one by one took 0.1 s)."""
    if isinstance(shares, Repeat):
        return list(range(len(shares))) if shares.value else []
    if isinstance(shares, Shares):
        import numpy as np

        return np.flatnonzero((shares.array != 0) & ~np.isnan(shares.array)).tolist()
    return [pos for pos, share in enumerate(shares) if share]


def share_totals(dataset: Dataset, where: Locator, scan: HoldingScan | None = None) -> list[Problem]:
    """The stakes held in one entity may not add up to more than 100 % per measure on any date.

    One pass adds up every stake ever held in each entity, whatever its dates (`holding_scan`); only an
    entity whose lifetime total exceeds 100 % can be over on some date, and only its stakes are swept in
    date order.
    """
    holdings = dataset.holdings
    stakes = (scan or scan_holdings(dataset)).over
    problems = []
    starts, ends = _dates(dataset) if any(stakes) else ((), ())
    for i, measure in enumerate(MEASURES):
        shares = dataset.column("holdings", measure) if stakes[i] else ()
        clear = swept_clear(starts, ends, shares, stakes[i]) if len(stakes[i]) >= SWEEP_ARRAYS_FROM else set()
        for entity in sorted(stakes[i].keys() - clear):
            found = _over_100(starts, ends, shares, stakes[i][entity])
            if found:
                pos, day, live = found
                total = math.fsum(getattr(holdings[p], measure) for p in live)
                holders = ", ".join(f"{holdings[p].holder} {_least(getattr(holdings[p], measure))}" for p in live)
                on = f"on {day}" if day != dt.date.min else "from the start"
                ranged = any(isinstance(getattr(holdings[p], measure), ShareRange) for p in live)
                problems.append(where.problem("holdings", pos, (measure,), f"{measure} held in `{entity}` adds up to "
                                              f"{'at least ' if ranged else ''}{total:.2%} {on} ({holders})",
                                              "correct the shares or the from/until dates so they total at most 100 %"
                                              + (RANGE_FIX if ranged else "")))
    return problems


# issue 20: a range `{min, max}` is checked at its lower bound (a float, `ShareRange`): minima that add up to more
# than 100 % cannot all hold; maxima may (a band says little about the other holders')
RANGE_FIX = " (a range counts at its `min`: lower the `min` that is too high)"


def _least(share: float) -> str:
    return f"at least {share:.2%}" if isinstance(share, ShareRange) else f"{share:.2%}"


def _dates(dataset: Dataset) -> tuple[Sequence[dt.date | None], Sequence[dt.date | None]]:
    """The holdings' `from` and `until` columns: a sweep reads three fields of a holding, and a compact load
    would otherwise make the whole record for them (issue 17: 260k records made at 1M entities, 2.7 s)."""
    return dataset.column("holdings", "start"), dataset.column("holdings", "end")


def _over_100(starts: Sequence[dt.date | None], ends: Sequence[dt.date | None], shares: Sequence[Any],
              positions: list[int]) -> tuple[int, dt.date, list[int]] | None:
    """Sweep the stakes at `positions` in date order (`until` exclusive: a stake ending on a day and one starting
    that day never overlap); return the stake that first takes the total over 100 %, the day, and the live
    stakes. `starts`, `ends`, `shares`: the holdings' columns of `from`, `until` and the measure swept."""
    events = []
    for p in positions:
        events.append((starts[p] or dt.date.min, 1, p))
        end = ends[p]
        if end is not None:
            events.append((end, 0, p))  # 0 sorts before 1: removals first on the same day
    events.sort()
    live: dict[int, float] = {}
    running = 0.0
    for day, kind, p in events:
        if kind == 0:
            running -= live.pop(p)
            continue
        live[p] = shares[p]
        running += live[p]
        if running > 1 + _EPS / 2 and math.fsum(live.values()) > 1 + _EPS:  # confirm without rounding drift
            return p, day, sorted(live)
    return None


def impossible_cycles(dataset: Dataset, where: Locator, scan: HoldingScan | None = None) -> list[Problem]:
    """A cycle of 100 % stakes (A wholly owns B, B wholly owns A) cannot exist: refuse it.

    Partial cross-holdings are real (keiretsu-style) and are accepted; the ownership analysis converges on them.
    Entities that no cycle can pass through are peeled off first (Kahn's algorithm, O(stakes)); the
    search for the cycle to name runs only on what is left, which is nothing in a valid dataset. Many
    100 % stakes are first asked whether they can close a cycle at all (strong components, on arrays).
    """
    holdings = dataset.holdings
    scan = scan or scan_holdings(dataset)
    problems = []
    for measure, positions in zip(MEASURES, scan.whole):
        if not may_close_a_cycle(scan, positions):
            continue
        edges = [(holdings[p].holder, holdings[p].entity, p) for p in positions]
        indegree: dict[str, int] = defaultdict(int)
        out: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for holder, entity, p in edges:
            indegree[entity] += 1
            out[holder].append((entity, p))
        free = [node for node in out if not indegree.get(node)]
        while free:
            node = free.pop()
            for child, _ in out.get(node, ()):
                indegree[child] -= 1
                if not indegree[child]:
                    free.append(child)
        left = {node for node, n in indegree.items() if n > 0}
        if left:
            full = {node: [(c, p) for c, p in out.get(node, ()) if c in left] for node in left}
            problems.extend(_name_cycles(holdings, full, measure, where))
    return problems


def _name_cycles(holdings: tuple, full: dict[str, list[tuple[str, int]]], measure: str, where: Locator) -> list[Problem]:
    """Depth-first search for the cycles of 100 % stakes in `full` that are in force together on some day."""
    problems = []
    state: dict[str, int] = {}
    for root in sorted(full):
        if state.get(root):
            continue
        stack = [(root, iter(full.get(root, ())))]
        path_nodes = [root]
        path_pos: list[int] = []
        state[root] = 1
        while stack:
            node, children = stack[-1]
            nxt = next(children, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path_nodes.pop()
                if path_pos:
                    path_pos.pop()
                continue
            child, pos = nxt
            if state.get(child) == 1:
                cyc = path_pos[path_nodes.index(child):] + [pos]
                hs = [holdings[p] for p in cyc]
                start = max((h.start or dt.date.min) for h in hs)
                end = min((h.end or dt.date.max) for h in hs)
                if start < end:
                    names = " → ".join(path_nodes[path_nodes.index(child):] + [child])
                    problems.append(where.problem("holdings", pos, (measure,), f"impossible ownership cycle of 100 % "
                                                  f"{measure}: {names}", "an entity cannot wholly own its own owner; "
                                                  "correct one of these holdings"))
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(full.get(child, ()))))
                path_nodes.append(child)
                path_pos.append(pos)
    return problems
