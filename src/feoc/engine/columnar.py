"""The compiled rules evaluated over columns of facts at once (numpy), for bulk screening.

Same semantics as the reference evaluator (`engine.reference.rule_matches`), by construction:
- a text, boolean or other discrete column is dictionary-encoded, and each condition is decided by the
  reference `holds` once per distinct value, then looked up for every row;
- a number column decides `lt`/`lte`/`gt`/`gte` against a numeric threshold with numpy comparisons
  (the reference compares the same two floats); every other operator on numbers goes through the
  distinct values like a text column;
- a field a fact does not have fails every condition on it, as in the reference.

durable-rules stays the engine of record: the differential tests run every rule case through this
evaluator, durable-rules and the reference, and require the same firings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from feoc.data.columns import Codes
from feoc.engine.reference import Firing, holds
from feoc.law.compile import CompiledCondition, CompiledRule, CompiledRuleset

ORDERING = ("lt", "lte", "gt", "gte")


class _Missing:
    """Stands for a field a fact does not have: no condition holds on it."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()


@dataclass(frozen=True)
class Coded:
    """A discrete column: row i holds `values[codes[i]]`."""

    codes: np.ndarray
    values: Sequence[Any]  # a tuple; the bulk path's entity ids as their list (issue 17, memory: no copy of 1M)


@dataclass(frozen=True)
class Numbers:
    """A column of floats (no booleans)."""

    values: np.ndarray


Column = Coded | Numbers


def encode(values: Sequence[Any]) -> Coded:
    """Dictionary-encode a column. Keys carry the type when types are mixed, so True, 1 and 1.0 stay
    three distinct values (the reference treats them differently in `lt`/`gt`)."""
    # the common case, all text: one dictionary lookup per row, in C
    keys: Sequence[Any] = values if set(map(type, values)) <= {str} else [(type(v), v) for v in values]
    lookup = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    codes = np.fromiter(map(lookup.__getitem__, keys), dtype=np.int64, count=len(keys))
    return Coded(codes, tuple(lookup) if keys is values else tuple(v for _, v in lookup))


def encode_text(values: Sequence[Any]) -> Coded:
    """`encode` of a text field with a missing value as "" (the bulk path's entity columns): a column a compact
    load holds as codes (`data.columns.Codes`) is read by its codes, its few values mapped, not row by row."""
    if isinstance(values, Codes):
        return Coded(values.codes, tuple(v or "" for v in values.values))
    return encode([v or "" for v in values])


def constant(value: Any, n: int) -> Coded:
    # codes all 0 as a read-only view of one zero: no 8 bytes a row for a column that says one thing (issue 17)
    return Coded(np.broadcast_to(np.zeros(1, dtype=np.int64), (n,)), (value,))


def column_from(values: Sequence[Any]) -> Column:
    """Numbers when every value is an int or float (not a bool), else dictionary-encoded."""
    if values and all(type(v) is float or type(v) is int for v in values):
        return Numbers(np.asarray(values, dtype=np.float64))
    return encode(values)


def _condition(cond: CompiledCondition, column: Column | None, n: int) -> np.ndarray:
    if column is None:
        return np.zeros(n, dtype=bool)
    if isinstance(column, Numbers):
        ref = cond.value
        if cond.op in ORDERING:
            if isinstance(ref, bool) or not isinstance(ref, (int, float)):
                return np.zeros(n, dtype=bool)
            v = column.values
            return {"lt": v < ref, "lte": v <= ref, "gt": v > ref, "gte": v >= ref}[cond.op]
        distinct, inverse = np.unique(column.values, return_inverse=True)
        column = Coded(inverse.reshape(-1), tuple(float(x) for x in distinct))
    table = np.fromiter((v is not MISSING and holds(cond, {cond.field: v}) for v in column.values),
                        dtype=bool, count=len(column.values))
    return table[column.codes] if len(column.values) else np.zeros(n, dtype=bool)


def rule_mask(rule: CompiledRule, columns: Mapping[str, Column] | Callable[[str], Column | None], n: int) -> np.ndarray:
    """Rows of one fact kind on which `rule` holds (the caller passes only facts of `rule.fact`)."""
    get = columns if callable(columns) else columns.get
    mask = np.ones(n, dtype=bool)
    for cond in rule.all:
        mask &= _condition(cond, get(cond.field), n)
    if rule.any:
        either = np.zeros(n, dtype=bool)
        for cond in rule.any:
            either |= _condition(cond, get(cond.field), n)
        mask &= either
    return mask


class ColumnarEvaluator:
    """The vectorised evaluator behind the Evaluator interface: facts grouped by kind into columns."""

    name = "vectorised"

    def evaluate(self, ruleset: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        by_kind: dict[str, list[int]] = {}
        for i, fact in enumerate(facts):
            by_kind.setdefault(str(fact.get("kind")), []).append(i)
        firings: list[Firing] = []
        for kind, indexes in by_kind.items():
            rules = [r for r in ruleset.rules if r.fact == kind]
            if not rules:
                continue
            rows = [facts[i] for i in indexes]
            cache: dict[str, Column | None] = {}

            def column(field: str, rows: list[dict[str, Any]] = rows, cache: dict = cache) -> Column | None:
                if field not in cache:  # built once per field, only for fields some rule tests
                    cache[field] = column_from([r.get(field, MISSING) for r in rows])
                return cache[field]

            n = len(rows)
            for rule in rules:
                for row in np.flatnonzero(rule_mask(rule, column, n)).tolist():
                    firings.append((rule.id, indexes[row]))
        return sorted(firings)
