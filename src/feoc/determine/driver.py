"""The one fixed-point driver: runs a regime's stages, round by round, firing each round's facts.

A regime (the §30D FEOC regime, the §45X prohibited-foreign-entity regime, the bulk screen on arrays) is
a list of `Stage`s. A plain stage asserts its facts once. A chaining stage is run round after round,
because status depends on other entities' status (a subsidiary of a FEOC is a FEOC, 42 U.S.C.
18741(a)(5)(C); a company more than 50 % controlled by foreign-controlled entities is foreign-controlled,
IRC 7701(a)(51)(C)): each round asserts the facts that changed since the last, and the rounds stop at a
fixed point — a round with nothing new to assert, or one after which the status the rounds feed did not
grow (the next round would assert the same facts again). The status only grows, and each round that does
not stop grows it, so a stage needs at most as many rounds as its status has room to grow (plus the one
that finds it settled): the caller passes that bound, read off the data (`round_limit`). Hitting it means
the stop rule is broken, and the run fails loudly (`EngineError`, exit 3, no verdict) rather than
returning the status of an unfinished chain (an entity 1,050 levels down a FEOC chain once came out
"not a FEOC" under a fixed cap of 1,000 rounds).

What a batch of facts is (a list of fact dictionaries, or columns of facts on arrays) is the regime's
business: the driver only asks whether a batch is empty and hands it to `fire`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sized
from dataclasses import dataclass
from typing import Any

from feoc.data.problems import EngineError

SETTLING_ROUNDS = 2  # beyond the status's growth: the round that finds it settled, and one to spare


def round_limit(growth: int) -> int:
    """The most rounds a chaining stage can need when its status can grow by at most `growth` steps (for
    instance one per entity that may become a FEOC, and one per licensed activity that may be scoped)."""
    return growth + SETTLING_ROUNDS


def status_room(dataset: Any) -> int:
    """How far the status a chaining stage feeds can grow in a dataset: each entity may become a FEOC (or
    foreign-controlled) once, and each activity a licence names may be scoped to its licensee once."""
    return len(dataset.entities) + sum(len(a.activities) for a in dataset.agreements)


@dataclass(frozen=True)
class Stage:
    """One stage of a regime.

    `facts()` returns the facts of the stage's next round (empty: nothing left to assert). A chaining
    stage names `feeds`: the status its rounds feed (a value that only grows, compared before and after
    each round)."""

    name: str
    facts: Callable[[], Sized]
    feeds: Callable[[], Hashable] | None = None


class Driver:
    """Runs stages in order and counts rounds across them: the first round is round 0 (the direct prongs),
    and each round's facts go to `fire(batch, round)`; `limit` bounds the rounds of one chaining stage
    (`round_limit` of the data)."""

    def __init__(self, fire: Callable[[Any, int], None], limit: int):
        self.fire = fire
        self.limit = limit
        self.rounds = 0  # rounds run so far, which is also the number of the next round

    def run(self, stage: Stage) -> int:
        """Run one stage (a chaining stage to its fixed point); returns the rounds it took. A chaining stage
        still growing after `limit` rounds is an `EngineError`: its status would be unfinished."""
        if stage.feeds is None:
            self._round(stage.facts())
            return 1
        for taken in range(1, self.limit + 1):
            batch = stage.facts()
            if not len(batch):
                self.rounds += 1  # a round that found nothing new still counts
                return taken
            before = stage.feeds()
            self._round(batch)
            if stage.feeds() == before:
                return taken
        raise EngineError(f"the stage '{stage.name}' did not reach a fixed point within {self.limit} rounds, "
                          f"the most its data can need; the verdict is withheld")

    def run_all(self, stages: list[Stage]) -> None:
        for stage in stages:
            self.run(stage)

    def _round(self, batch: Sized) -> None:
        number = self.rounds
        self.rounds += 1
        if len(batch):
            self.fire(batch, number)
