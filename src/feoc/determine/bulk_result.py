"""The outcome of the bulk path (`determine.bulk`) for one reading: per entity, FEOC or not and the rules that
decided it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from feoc.law.readings import Interpretation
from feoc.ownership.arrays import StakeGraph


@dataclass
class BulkResult:
    """Per entity (indexed in dataset order; `order` lists the indexes in id order): FEOC or not, and the
    `feoc` rules that fired for it."""

    ids: list[str]
    names: list[str]
    types: list[str]
    gov: dict[str, np.ndarray]  # covered nation -> its government bodies (facts.government_bodies)
    feoc: np.ndarray
    fired: dict[str, np.ndarray]  # rule id -> entities it fired for (conclusion feoc)
    graphs: dict[str, StakeGraph]
    interpretation: Interpretation
    lookthrough: float | None  # the law's control look-through threshold (none before the FEOC law)
    scoped: dict[str, set[str]]
    rounds: int
    order: np.ndarray
    # entities with an `undetermined` finding (a missing fact, e.g. a FEOC's licence with unrecorded rights):
    # without a `feoc` one their status cannot be determined, never "not a FEOC" (issue 14)
    undetermined: np.ndarray | None = None
    undetermined_rules: dict[str, np.ndarray] | None = None  # rule id -> entities it fired for (undetermined)
    # the entity attestations judged (`determine.attestations`): relied_on / not_relied_on -> entity -> entries
    reliance: dict[str, dict[str, list[dict[str, Any]]]] | None = None

    def rules_of(self) -> list[str]:
        """Per entity, the deciding rules joined with `;` (sorted): the `feoc` rules that fired for it, else
        the `undetermined` ones (what keeps its status from being decided)."""
        out = self._joined(self.fired)
        if self.undetermined_rules:
            for i, rules in enumerate(self._joined(self.undetermined_rules)):
                out[i] = out[i] or rules
        return out

    def _joined(self, fired: dict[str, np.ndarray]) -> list[str]:
        out = [""] * len(self.ids)
        for rule_id in sorted(fired, reverse=True):  # sorted on joining: add in reverse, prepend
            for i in np.flatnonzero(fired[rule_id]).tolist():
                out[i] = rule_id + (";" + out[i] if out[i] else "")
        return out


__all__ = ["BulkResult"]
