"""Rule evaluation behind one small interface (`Evaluator`), the evaluators by name: durable-rules (the engine
of record, `engine/durable.py`), the plain-Python reference (`engine/reference.py`) that proves the others, and
the columnar one for bulk work (`engine/columnar.py`). The heavy ones are imported only when asked for.

durable-rules 2.0.28 builds from source and not at all on Python 3.13, where pyproject.toml leaves it out by
an environment marker (issue 18): there the reference evaluator, which every durable-rules batch is checked
against anyway, judges in its place and one line on stderr says so, once per process. The verdicts are the
same (the differential tests hold the two equal); only the cross-check of a second engine is missing.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, Protocol

from feoc.engine.reference import Firing, ReferenceEvaluator
from feoc.law.compile import CompiledRuleset

EVALUATORS = ("vectorised", "durable-rules", "reference")  # by name; durable-rules is the engine of record
FALLBACK_NOTE = ("note: durable-rules (the engine of record) is not installed on Python {version}: the reference "
                 "evaluator judges instead, the same rules in plain Python; install feoc on Python 3.11 or 3.12 "
                 "for durable-rules")
_NOTES = {"quiet": False, "said": False}  # the fallback note: silenced by `feoc --quiet`, said once per process


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
        if not durable_installed():
            _say_fallback()
            return ReferenceEvaluator()
        from feoc.engine.durable import DurableEvaluator  # a C extension with a start-up cost

        return DurableEvaluator()
    raise ValueError(f"unknown evaluator {name!r}")


def durable_installed() -> bool:
    """Whether durable-rules imports here (not on Python 3.13, where it is not installed: see the docstring)."""
    try:
        import durable.engine  # noqa: F401  (the C extension; imported once, cached by Python after)
    except ImportError:
        return False
    return True


def quiet_notes(quiet: bool = True) -> None:
    """Say no notes on stderr (`feoc --quiet`); the verdicts are unchanged."""
    _NOTES["quiet"] = quiet


def _say_fallback() -> None:
    if not (_NOTES["said"] or _NOTES["quiet"]):
        _NOTES["said"] = True
        version = ".".join(map(str, sys.version_info[:2]))
        print(FALLBACK_NOTE.format(version=version), file=sys.stderr, flush=True)
