"""The readings of `feoc screen` besides the table's judged in a forked process while this one judges the table's
reading, then shared out between the two as each comes free (issue 17, time: `determine/forked.py` says when a
fork is made and why it is safe).

The answer never depends on it: a child judges a reading by the very code this process would run, on the very
state it would run it on (inherited, not rebuilt), and sends back only that reading's statuses (a byte a row)
and the attestations it judged. A reading the child could not decide on arrays (`NotBulk`), or a child lost
without a result, is judged here afterwards, as without a fork; an error the child raised is raised here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from feoc.verdicts.screen_columns import Coded
from feoc.verdicts.status import Status

if TYPE_CHECKING:
    from feoc.determine.bulk import BulkReadings
    from feoc.determine.forked import Claims, Forked

# the codes of a bulk reading's statuses (`bulk_statuses`), in the order `screen._own_statuses` decides them
STATUSES = (Status.not_in_force, Status.feoc, Status.cannot_be_determined, Status.not_feoc)


def bulk_statuses(res: Any, in_force: bool) -> Coded:
    """`screen._own_statuses` of a bulk reading, in id order, as codes into STATUSES (one byte a row, not a list)."""
    import numpy as np

    if not in_force:
        return Coded(np.zeros(len(res.order), dtype=np.int8), STATUSES)
    codes = np.full(len(res.order), 3, dtype=np.int8)
    if res.undetermined is not None:
        codes[res.undetermined[res.order]] = 2
    codes[res.feoc[res.order]] = 1
    return Coded(codes, STATUSES)


class Ahead:
    """The readings (`names`) a forked child and this process share out as each comes free (`forked.Claims`),
    taken one by one as the table folds them in."""

    def __init__(self, child: Forked, names: list[str], claims: Claims):
        self.child, self.names, self.claims = child, names, claims
        self._results: dict[str, Any] | None = None
        self._mine: dict[str, tuple[Coded, Any]] = {}  # the readings this process claimed and judged

    def take(self, name: str, judge: Callable[[str], tuple[Coded, Any]] | None = None) -> tuple[Coded, Any] | None:
        """The reading's statuses and attestations judged, or None when this process must judge it itself.
        `judge`: how this process judges a reading; given, it first claims and judges every reading the child
        has not taken yet, then waits for the child's (without it, the child judges every reading)."""
        if name not in self.names:
            return None
        if judge is not None:
            while (item := self.claims.next()) is not None:
                self._mine[self.names[item]] = judge(self.names[item])
        if name in self._mine:
            return self._mine[name]
        if self._results is None:
            from feoc.determine.forked import Lost

            try:
                self._results = self.child.result()
            except Lost:
                self._results = {}
            finally:
                self.claims.close()
        return (self._results or {}).get(name)

    def cancel(self) -> None:
        self.child.cancel()
        self.claims.close()


def judged_ahead(bulk: BulkReadings, others: list[str], interpretation: str | None) -> Ahead | None:
    """A child judging the readings besides the table's (`others`), the costliest first (`_costliest_first`),
    while this process judges the table's reading, then claims whichever the child has not begun
    (`Ahead.take`), when `forked.can_fork` allows; None otherwise. The work every reading shares is done before
    the fork, the worst case's stake graphs included, so the child inherits it instead of doing it again."""
    from feoc.determine.bulk_doubt import prepare_worst
    from feoc.determine.forked import Claims, Forked, can_fork

    if not can_fork(len(bulk.dataset.entities)) or len(others) > 255:
        return None
    bulk.prepare(interpretation)  # the work every reading shares, done once, before the fork
    prepare_worst(bulk, interpretation)
    names = _costliest_first(bulk, others)
    try:
        claims = Claims(len(names))
    except OSError:  # no pipe (out of descriptors): every reading judged here
        return None

    def work() -> dict[str, tuple[Coded, Any] | None]:
        done = {}
        while (item := claims.next()) is not None:
            done[names[item]] = _judged(bulk, names[item])
        return done
    try:
        return Ahead(Forked(work), names, claims)
    except OSError:  # no fork (out of processes or memory): every reading judged here
        claims.close()
        return None


def _costliest_first(bulk: BulkReadings, names: list[str]) -> list[str]:
    """The readings in the order they are claimed, by what their chaining rounds cost as measured at 1M entities
    (bench/README.md): a reading whose holders include every FEOC traces them again each round (their sources
    grow), control tracing solves its cycles in Python, a nation's bodies apart trace once per nation. Only the
    share of work between the processes depends on it, never an answer."""
    def cost(name: str) -> tuple[bool, bool, bool]:
        interp = bulk.law.interpretation(name)
        return interp.holders != "feoc", interp.tracing != "control", interp.nations != "each"
    return sorted(names, key=cost)


def _judged(bulk: BulkReadings, name: str) -> tuple[Coded, Any] | None:
    from feoc.ownership.arrays import NotBulk

    try:
        res = bulk.determine(name)
    except NotBulk:  # judged by the parent, falling back to durable-rules as without a fork
        return None
    return bulk_statuses(res, True), res.reliance
