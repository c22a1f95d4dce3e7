"""The `interest` facts of a bulk chaining round (`determine/bulk.py`): each share rounded as a fact is, those next to
a threshold of the rules decided exactly (`facts.fact_number`), and what a round keeps of them for the next.

Issue 17, time: the worst case of the doubt passed down (`bulk_doubt`) judges the same reading on the same entities,
so its first round traces each covered nation's government bodies again, with the very same sources, on every stake
graph it shares with the real case (a measure whose columns it did not fill: `bulk_graphs.stake_graphs`). Those
interests, their shares and the shares decided exactly are the real case's, which `Traced` hands it (`known`): the
worst case reads them instead of computing them again (at 1M entities four of twelve traces of its first round, with
their exact decisions near a threshold)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from feoc.data.model import MEASURES
from feoc.determine.facts import FEOC_GROUP, SHARE_DIGITS, ExactBatch, fact_number
from feoc.determine.tracing import lookthrough_for
from feoc.ownership.arrays import IndexSet, StakeGraph
from feoc.ownership.exact import exact_interests
from feoc.ownership.rounding import Packed, Sparse, looked_up, packed_at, py_round, round_packed, unpack

if TYPE_CHECKING:
    from feoc.determine.bulk import _Bulk

Kept = tuple[Packed, tuple[np.ndarray, np.ndarray]]  # a round's interests, and the entities decided exactly (shares)


@dataclass(frozen=True)
class Traced:
    """One group's interests in one measure as a run traced them: on `graph`, from `sources`, under `tracing`."""

    graph: StakeGraph
    sources: np.ndarray
    tracing: str
    kept: Kept


def share_of(kept: Kept, where: np.ndarray | None = None) -> np.ndarray:
    """A round's shares from what `_Bulk._shares` keeps: its interests rounded, the ones decided exactly put back;
    of the entities `where` only, when given (the rest are not rounded)."""
    x, (at, exact) = kept
    if where is not None:
        return looked_up(at, exact, where, py_round(packed_at(x, where), SHARE_DIGITS))
    share = round_packed(x, SHARE_DIGITS)
    share[at] = exact
    return share


def near_thresholds(run: _Bulk, swept: Sparse, limits: tuple[float, ...], measure: str, sources: np.ndarray,
                    before: Kept | None) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The shares of the interests `swept` (its non-zero ones, in its order), those next to a threshold of the
    rules (`swept.close`) decided exactly, as on the per-fact path (`facts.fact_number`, one entity at a time, so
    both paths assert the very same numbers). Like the per-fact path (`Tracer.new_shares`), an interest whose
    float did not change since the last round (`before`, as `_shares` keeps it) keeps its share. Also returns
    the entities decided so and their shares: every other share is the rounded interest."""
    share, close = swept.rounded, swept.close
    at = swept.at[close]
    if not len(close):
        return share, (at, share[close])
    if before is not None:
        same = packed_at(before[0], at) == swept.values[close]
        share[close[same]] = share_of(before, at[same])
        close = close[~same]
    source_set = IndexSet(sources)
    control = run.interp.tracing == "control"
    limit = lookthrough_for(run.law, run.day, run.interp.tracing) if control else None
    batch = swept.at[close].tolist()
    edges = run.graphs[measure].in_edges()
    exact = ExactBatch(lambda: exact_interests(edges.memo(), source_set, batch, control, limit or 0.0))
    for j, i in zip(close.tolist(), batch):
        share[j] = fact_number(float(swept.values[j]), limits, exact.of(i))
    return share, (at, share[swept.close])


def traced(run: _Bulk) -> dict[tuple[str, str], Traced]:
    """What `run`'s chaining rounds traced of each nation's (or all nations') government bodies, for its worst case
    (`known`). A FEOC group's sources are the FEOC status, which the worst case changes: not kept."""
    return {key: Traced(run.graphs[key[0]], last[0], run.interp.tracing, run._shares[key])
            for key, last in run._last.items() if key[1] != FEOC_GROUP and key in run._shares}


def known_shares(run: _Bulk, measure: str, group: str, sources: np.ndarray) -> tuple[np.ndarray, Any] | None:
    """The shares of `group` in `measure` (every entity's, and what a round keeps) if another run traced them on
    this very graph from the very same sources under the same tracing (`run.known`); None otherwise. Only a
    first trace asks: the interests of a later one depend on the round before's."""
    seen = run.known.get((measure, group))
    if seen is None or seen.graph is not run.graphs[measure] or seen.tracing != run.interp.tracing or \
            not np.array_equal(seen.sources, sources):
        return None
    return share_of(seen.kept), seen.kept


def traced_interests(traces: dict[tuple[str, str], Traced] | None, graph: StakeGraph, sources: np.ndarray,
                     tracing: str) -> np.ndarray | None:
    """The interests of `sources` in every entity on `graph` under `tracing` if a run's chaining rounds traced them
    (`traces`, as `traced` keeps them: a government group's sources never change, so its one trace, a full one);
    None otherwise. The screen's table reads them instead of tracing each nation's bodies again (issue 17, time:
    twelve traces at 1M entities). `unpack` gives the very array the trace gave."""
    for seen in (traces or {}).values():
        if seen.graph is graph and seen.tracing == tracing and np.array_equal(seen.sources, sources):
            return unpack(seen.kept[0])
    return None


class Together:
    """A chaining round's first traces of its groups (each covered nation's government bodies: four at 1M entities),
    made in one pass over a measure's stakes when the first of them is asked for (`StakeGraph.interests_many`, the
    very arrays of one pass each; issue 17, time), each handed out once. A measure's traces are made when its first
    block is (the blocks come a measure at a time), so no more than one measure's are kept waiting."""

    def __init__(self, run: _Bulk, groups: dict[str, np.ndarray]):
        self._waiting: dict[str, list[tuple[str, np.ndarray]]] = {}  # measure -> its groups' first traces to make
        for measure in MEASURES if run.graphs else ():
            firsts = [(group, sources) for group, sources in sorted(groups.items())
                      if sources.any() and (measure, group) not in run._last and
                      known_shares(run, measure, group, sources) is None]
            if len(firsts) > 1:
                self._waiting[measure] = firsts
        self._made: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}  # (measure, group) -> sources, interests

    def take(self, run: _Bulk, measure: str, group: str, sources: np.ndarray) -> np.ndarray | None:
        """The interests of `group` in `measure` from `sources` if made together with others, else None."""
        if (measure, group) not in self._made and measure in self._waiting:
            firsts = self._waiting.pop(measure)
            tracing = run.interp.tracing
            made = run.graphs[measure].interests_many([s for _, s in firsts], tracing == "control",
                                                      lookthrough_for(run.law, run.day, tracing))
            self._made.update({(measure, g): (s, x) for (g, s), x in zip(firsts, made)})
        sources_then, x = self._made.pop((measure, group), (None, None))
        return x if sources_then is sources else None
