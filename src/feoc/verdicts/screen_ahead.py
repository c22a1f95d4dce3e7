"""Some readings of `feoc screen` judged in a forked process while this one judges the table's reading and the
rest (issue 17, time: `determine/forked.py` says when a fork is made and why it is safe).

The answer never depends on it: a child judges a reading by the very code this process would run, on the very
state it would run it on (inherited, not rebuilt), and sends back only that reading's statuses (a byte a row)
and the attestations it judged. A reading the child could not decide on arrays (`NotBulk`), or a child lost
without a result, is judged here afterwards, as without a fork; an error the child raised is raised here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feoc.verdicts.screen_columns import Coded
from feoc.verdicts.status import Status

if TYPE_CHECKING:
    from feoc.determine.bulk import BulkReadings
    from feoc.determine.forked import Forked

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
    """The readings a forked child judges (`names`), taken one by one as the table folds them in."""

    def __init__(self, child: Forked, names: list[str]):
        self.child, self.names = child, names
        self._results: dict[str, Any] | None = None

    def take(self, name: str) -> tuple[Coded, Any] | None:
        """The reading's statuses and attestations judged, or None when this process must judge it itself."""
        if name not in self.names:
            return None
        if self._results is None:
            from feoc.determine.forked import Lost

            try:
                self._results = self.child.result()
            except Lost:
                self._results = {}
        return (self._results or {}).get(name)

    def cancel(self) -> None:
        self.child.cancel()


def judged_ahead(bulk: BulkReadings, others: list[str], interpretation: str | None) -> Ahead | None:
    """A child judging the second half of `others` (the readings besides the table's) while this process judges
    the table's reading and the first half, when `forked.can_fork` allows; None otherwise."""
    from feoc.determine.forked import Forked, can_fork

    if not can_fork(len(bulk.dataset.entities)):
        return None
    bulk.prepare(interpretation)  # the work every reading shares, done once, before the fork
    theirs = others[len(others) // 2:]

    def work() -> dict[str, tuple[Coded, Any] | None]:
        return {name: _judged(bulk, name) for name in theirs}
    try:
        return Ahead(Forked(work), theirs)
    except OSError:  # no fork (out of processes or memory): every reading judged here
        return None


def _judged(bulk: BulkReadings, name: str) -> tuple[Coded, Any] | None:
    from feoc.ownership.arrays import NotBulk

    try:
        res = bulk.determine(name)
    except NotBulk:  # judged by the parent, falling back to durable-rules as without a fork
        return None
    return bulk_statuses(res, True), res.reliance
