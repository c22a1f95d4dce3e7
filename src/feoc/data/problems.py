"""Problems found in user input, each naming the file, the line and the fix; and the rule engine's own failure.

The two errors the CLI turns into exit codes live here, in a module with no imports, so the CLI can name them
without importing the engine (and with it pydantic) before it knows which command runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file: where it is, what it is, how to fix it."""

    file: str
    line: int  # 1-based; 0 when the problem concerns the whole file or folder
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        fix = f" — {self.fix}" if self.fix else ""
        return f"{where}: {self.message}{fix}"


class InputError(Exception):
    """Raised when an input (dataset, rules, command-line value) cannot be used; carries every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class EngineError(RuntimeError):
    """durable-rules failed in a way the recipe does not recover from."""
