"""The `unrecorded_measure` facts of `determine/unrecorded.py` on arrays, for the bulk path (`determine/bulk.py`).

The same facts, in the same order, as `unrecorded.unrecorded_facts` builds one dictionary at a time: per
holding in force that records some measures but not all, whose entity is not a FEOC, one fact per holder
group that reaches its holder (`reach`: 1 for one of the group's sources, else the group's largest interest
in the holder in any measure), with `stake` its largest recorded share, both rounded like every share fact.
A synthetic world of 100k entities has ~90k such holdings, so the loop over dictionaries took seconds per
reading; here the numbers are arrays and the text fields are built only if a rule tests them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from feoc.data.columns import Shares
from feoc.data.model import MEASURES
from feoc.data.values import ShareRange
from feoc.determine.facts import SHARE_DIGITS, holders_nation
from feoc.determine.unrecorded import PartStake, holding_texts
from feoc.engine.columnar import Coded, Column, Numbers, column_from, constant
from feoc.ownership.arrays import py_round

_TEXTS = ("holding", "measures", "fields", "recorded")


@dataclass(frozen=True)
class PartStakes:
    """Holdings in force with some measures recorded and some not: holder and entity (entity indexes), the
    stake (the largest recorded share, a range read at its maximum as the per-fact path's `stake` reads it:
    `unrecorded.unrecorded_facts`; rounded like every share fact), and `record(row)`, the holding as recorded.
    Issue 17, memory: one float a holding, not its shares (the stake is all the facts read of them)."""

    holder: np.ndarray
    entity: np.ndarray
    stake: np.ndarray
    record: Callable[[int], PartStake]

    @staticmethod
    def of(holder: np.ndarray, target: np.ndarray, shares: np.ndarray, columns: Sequence[Sequence[Any]],
           positions: np.ndarray | None = None) -> PartStakes:
        """From the holdings in force (`shares`: one column per measure, NaN where unrecorded; `columns`: the
        holder, entity and measure values as recorded, in the same row order, or of every holding when
        `positions` gives the holdings in force among them)."""
        recorded = (~np.isnan(shares)).sum(axis=1)
        rows = np.flatnonzero((recorded > 0) & (recorded < len(MEASURES)))
        where = (rows if positions is None else positions[rows]).astype(np.int32)

        def record(i: int) -> PartStake:
            at = int(where[i])
            return PartStake(*(c[at] for c in columns))
        stake = py_round(np.nanmax(_maxima(shares[rows], columns[2:], where), axis=1), SHARE_DIGITS)
        return PartStakes(holder[rows], target[rows], stake, record)


def _maxima(shares: np.ndarray, recorded: Sequence[Sequence[Any]], where: np.ndarray) -> np.ndarray:
    """`shares` with each share recorded as a range (`ShareRange`, a float that is its minimum) read at its
    maximum: a column of floats (`Shares`) holds none, a list may (issue 20)."""
    for mi, column in enumerate(recorded):
        if isinstance(column, Shares) or not any(isinstance(v, ShareRange) for v in column):
            continue
        for r, at in enumerate(where.tolist()):
            if isinstance(v := column[at], ShareRange):
                shares[r, mi] = v.max
    return shares


@dataclass(frozen=True)
class Facts:
    """Facts of one kind as a column function: `n` rows about the entity indexes `subjects`."""

    n: int
    subjects: np.ndarray
    column: Callable[[str], Column | None]


def unrecorded_columns(part: PartStakes, groups: dict[str, np.ndarray], traced: Callable[[str], Iterable[np.ndarray]],
                       feoc: np.ndarray, ids: Sequence[str]) -> list[Callable[[], Facts]]:
    """The `unrecorded_measure` facts for the holder `groups` (group -> its sources, a mask, after the chaining
    rounds); `traced(group)` gives the group's last shares per measure traced (arrays over entities). Issue 17,
    memory: made in parts of `_PART` holdings each, a part on call (the facts of 2.6M rows a reading at 1M were
    never needed together: the rule reads a fact's own row only); the parts, in turn, are the facts in the per-fact
    path's order. What they read is fixed now (the FEOC status: `feoc` is read here, not when a part is made)."""
    live = np.flatnonzero(~feoc[part.entity]).astype(np.int32)  # int32 indexes (issue 17, memory)
    holder = part.holder[live]
    names = sorted(groups)
    at, reaches = [], []
    for name in names:
        reach = np.zeros(len(live))
        for shares in traced(name):  # the largest over the measures, one measure's shares at a time
            np.maximum(reach, shares[holder], out=reach)
        reach[groups[name][holder]] = 1.0
        keep = np.flatnonzero(reach > 0).astype(np.int32)
        at.append(keep)
        reaches.append(py_round(reach[keep], SHARE_DIGITS))  # each on its own: rounded before they are ordered
    del holder
    if not sum(map(len, at)):
        return []
    return [functools.partial(_part, part, live, names, at, reaches, ids, a, a + _PART)
            for a in range(0, len(live), _PART)]


_PART = 1 << 18  # holdings a part of the facts covers


def _part(part: PartStakes, live: np.ndarray, names: list[str], at: list[np.ndarray], reaches: list[np.ndarray],
          ids: Sequence[str], lo: int, hi: int) -> Facts:
    """The facts about the holdings `live[lo:hi]`: per holding, one per group reaching its holder (in group order)."""
    cuts = [(int(np.searchsorted(keep, lo)), int(np.searchsorted(keep, hi))) for keep in at]
    where = np.concatenate([keep[a:b] for keep, (a, b) in zip(at, cuts)])
    group = np.concatenate([np.full(b - a, g, dtype=np.int32) for g, (a, b) in enumerate(cuts)])
    order = np.lexsort((group, where))  # by holding, then group: the per-fact path's order
    rows, group = live[where[order]], group[order]
    reach = np.concatenate([r[a:b] for r, (a, b) in zip(reaches, cuts)])[order]
    del where, order
    k, subject = len(rows), part.entity[rows]
    built: dict[str, Column | None] = {
        "kind": constant("unrecorded_measure", k), "subject": Coded(subject, ids),
        "holders": Coded(group, tuple(names)), "nation": Coded(group, tuple(map(holders_nation, names))),
        "holder": Coded(part.holder[rows], ids), "stake": Numbers(part.stake[rows]), "reach": Numbers(reach)}

    def column(name: str) -> Column | None:
        if name in _TEXTS and name not in built:  # only if a rule tests it: one text per fact
            texts = {i: holding_texts(part.record(i)) for i in dict.fromkeys(rows.tolist())}
            built.update({t: column_from([texts[i][t] for i in rows.tolist()]) for t in _TEXTS})
        return built.get(name)
    return Facts(k, subject, column)
