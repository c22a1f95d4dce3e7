"""The one fixed-point driver (determine.driver): its stop rules and its round count."""

from __future__ import annotations

import pytest

from feoc.data.problems import EngineError
from feoc.determine.driver import Driver, Stage


def _chain(rounds_with_facts: int, grows_until: int) -> tuple[Driver, Stage, list[tuple[list[int], int]]]:
    fired: list[tuple[list[int], int]] = []
    status: set[int] = set()
    driver = Driver(lambda batch, number: (fired.append((batch, number)),
                                           status.add(number) if number <= grows_until else None), 1000)

    def facts() -> list[int]:
        return [len(fired)] if len(fired) < rounds_with_facts else []

    return driver, Stage("chain", facts, feeds=lambda: len(status)), fired


def test_a_round_with_nothing_new_ends_the_chain():
    driver, stage, fired = _chain(rounds_with_facts=2, grows_until=99)
    assert driver.run(stage) == 3  # two rounds fired, the third found nothing to assert
    assert [n for _, n in fired] == [0, 1]


def test_a_round_after_which_the_status_did_not_grow_ends_the_chain():
    driver, stage, fired = _chain(rounds_with_facts=10, grows_until=1)
    assert driver.run(stage) == 3  # rounds 0 and 1 grew the status; round 2 did not: the next would repeat it
    assert len(fired) == 3


def test_the_round_limit_fails_loudly_on_a_chain_that_never_settles():
    """Issue 15 class 2: a chain cut off at the limit used to return its unfinished status silently."""
    driver, stage, _ = _chain(rounds_with_facts=10_000, grows_until=10_000)
    driver.limit = 5
    with pytest.raises(EngineError, match="fixed point within 5 rounds"):
        driver.run(stage)


def test_a_chain_settling_on_the_last_allowed_round_is_not_an_error():
    driver, stage, _ = _chain(rounds_with_facts=10, grows_until=3)
    driver.limit = 5
    assert driver.run(stage) == 5


def test_rounds_are_numbered_across_stages_from_round_0():
    seen: list[int] = []
    driver = Driver(lambda batch, number: seen.append(number), 1000)
    driver.run_all([Stage("direct", lambda: [1]), Stage("next", lambda: [2])])
    assert seen == [0, 1] and driver.rounds == 2
