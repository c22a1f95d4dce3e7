"""The one fixed-point driver: runs a regime's stages, round by round, firing each round's facts.

A regime (the §30D FEOC regime, the §45X prohibited-foreign-entity regime, the bulk screen on arrays) is
a list of `Stage`s. A plain stage asserts its facts once. A chaining stage is run round after round,
because status depends on other entities' status (a subsidiary of a FEOC is a FEOC, 42 U.S.C.
18741(a)(5)(C); a company more than 50 % controlled by foreign-controlled entities is foreign-controlled,
IRC 7701(a)(51)(C)): each round asserts the facts that changed since the last, and the rounds stop at a
fixed point — a round with nothing new to assert, or one after which the status the rounds feed did not
grow (the next round would assert the same facts again) — or at the round limit.

What a batch of facts is (a list of fact dictionaries, or columns of facts on arrays) is the regime's
business: the driver only asks whether a batch is empty and hands it to `fire`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sized
from dataclasses import dataclass
from typing import Any

MAX_ROUNDS = 1000  # chaining rounds of one stage: a safeguard, a fixed point comes long before


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
    and each round's facts go to `fire(batch, round)`."""

    def __init__(self, fire: Callable[[Any, int], None], limit: int = MAX_ROUNDS):
        self.fire = fire
        self.limit = limit
        self.rounds = 0  # rounds run so far, which is also the number of the next round

    def run(self, stage: Stage) -> int:
        """Run one stage (a chaining stage to its fixed point); returns the rounds it took."""
        if stage.feeds is None:
            self._round(stage.facts())
            return 1
        taken = 0
        while taken < self.limit:
            taken += 1
            batch = stage.facts()
            if not len(batch):
                self.rounds += 1  # a round that found nothing new still counts
                break
            before = stage.feeds()
            self._round(batch)
            if stage.feeds() == before:
                break
        return taken

    def run_all(self, stages: list[Stage]) -> None:
        for stage in stages:
            self.run(stage)

    def _round(self, batch: Sized) -> None:
        number = self.rounds
        self.rounds += 1
        if len(batch):
            self.fire(batch, number)
