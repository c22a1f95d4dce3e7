"""Rule evaluation behind one small interface (`Evaluator`), the evaluators by name: durable-rules (the engine
of record, `engine/durable.py`), the plain-Python reference (`engine/reference.py`) that proves the others, and
the columnar one for bulk work (`engine/columnar.py`). The heavy ones are imported only when asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from feoc.engine.reference import Firing, ReferenceEvaluator
from feoc.law.compile import CompiledRuleset

EVALUATORS = ("vectorised", "durable-rules", "reference")  # by name; durable-rules is the engine of record


class Evaluator(Protocol):
    name: str

    def evaluate(self, ruleset: CompiledRuleset, facts: Sequence[dict[str, Any]]) -> list[Firing]:
        """Every (rule, fact) pair where the rule's conditions hold, sorted."""


def evaluator(name: str = "durable-rules") -> Evaluator:
    """The evaluator by name: `durable-rules` (default, the engine of record), `reference` or `vectorised`."""
    if name == "reference":
        return ReferenceEvaluator()
    if name == "vectorised":
        from feoc.engine.columnar import ColumnarEvaluator  # numpy: imported only when asked for

        return ColumnarEvaluator()
    if name == "durable-rules":
        from feoc.engine.durable import DurableEvaluator  # a C extension with a start-up cost

        return DurableEvaluator()
    raise ValueError(f"unknown evaluator {name!r}")
