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
    # the chaining rounds' traces of each nation's (or all nations') government bodies, when kept for the
    # screen's table (`BulkReadings.determine`'s `keep_traces`; `bulk_interests.traced_interests` reads them)
    traces: dict[tuple[str, str], Any] | None = None

    def rules_of(self) -> list[str]:
        """Per entity, the deciding rules joined with `;` (sorted): the `feoc` rules that fired for it, else
        the `undetermined` ones (what keeps its status from being decided)."""
        out = self._joined(self.fired)
        if self.undetermined_rules:
            for i, rules in enumerate(self._joined(self.undetermined_rules)):
                out[i] = out[i] or rules
        return out

    def rules_coded(self) -> tuple[np.ndarray, list[str]]:
        """`rules_of` as a code per entity (int32) into its distinct texts (`""` first, the entities no rule
        decided): each rule a bit of the rows it fired for, the rows with any packed and grouped by numpy, each
        group's text joined once (issue 17, time: not a string per entity, ~0.5 s at 1M)."""
        feoc = [(r, self.fired[r]) for r in sorted(self.fired)]
        open_ = [(r, m) for r, m in sorted((self.undetermined_rules or {}).items())]
        any_feoc = np.zeros(len(self.ids), dtype=bool)
        for _, mask in feoc:
            any_feoc |= mask
        touched = any_feoc.copy()
        for _, mask in open_:
            touched |= mask
        rows = np.flatnonzero(touched)
        codes = np.zeros(len(self.ids), dtype=np.int32)
        if not len(rows):
            return codes, [""]
        # the `undetermined` rules count only where no `feoc` rule fired (`rules_of`)
        bits = np.array([m[rows] for _, m in feoc] + [m[rows] & ~any_feoc[rows] for _, m in open_], dtype=bool)
        packed = np.ascontiguousarray(np.packbits(bits, axis=0).T)
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        rules = [r for r, _ in feoc] + [r for r, _ in open_]
        labels = [";".join(r for r, b in zip(rules, bits[:, int(j)].tolist()) if b) for j in first.tolist()]
        # a text once, should one rule id be among both kinds (a rule has one conclusion: not in the law's rules)
        first_of: dict[str, int] = {}
        remap = np.array([first_of.setdefault(t, len(first_of)) for t in ["", *labels]], dtype=np.int32)
        codes[rows] = remap[inverse.reshape(-1) + 1]
        return codes, list(first_of)

    def _joined(self, fired: dict[str, np.ndarray]) -> list[str]:
        out = [""] * len(self.ids)
        for rule_id in sorted(fired, reverse=True):  # sorted on joining: add in reverse, prepend
            for i in np.flatnonzero(fired[rule_id]).tolist():
                out[i] = rule_id + (";" + out[i] if out[i] else "")
        return out


__all__ = ["BulkResult"]
