"""A dataset's cross-record checks, run after its records were read rather than before they are used.

Issue 17, time: `feoc screen` on a large dataset screens it while a forked process runs the cross-record checks
(unique ids, references, vocabulary, share totals, cycles: ~1.3 s of a 1M Parquet load, ~2 s of a YAML one, on
one core while the second was idle). The answer never depends on it: no verdict, table or file is given from
the dataset before `confirm()` has the checks' outcome, and a dataset they refuse raises the very `InputError`
(the same problems, in the same order) the load would have raised. Whatever must not run on an unchecked
dataset (a slow fallback, an error that bad data may cause) calls `confirm()` first."""

from __future__ import annotations

from collections.abc import Callable

from feoc.data.problems import InputError, Problem


class PendingChecks:
    """The checks `run` (a list of problems, empty when the dataset is valid), to be confirmed once."""

    def __init__(self, run: Callable[[], list[Problem]]):
        self._run: Callable[[], list[Problem]] | None = run
        self._elsewhere: Callable[[], list[Problem] | None] | None = None
        self.problems: list[Problem] | None = None  # once known
        self._failed: Exception | None = None  # what the checks raised, once they did

    def run(self) -> list[Problem]:
        """The problems, found in this process now (what a forked child runs)."""
        if self._run is None:
            return list(self.problems or [])
        return self._run()

    def elsewhere(self, take: Callable[[], list[Problem] | None]) -> None:
        """The checks are being run elsewhere; `take()` waits for their problems (None: lost, run them here)."""
        self._elsewhere = take

    def confirm(self) -> None:
        """Wait for the checks' outcome (or run them now) and raise it as an `InputError` if they found problems. The
        outcome is taken once: an error the checks themselves raised is raised again at every later confirmation."""
        if self._failed is not None:
            raise self._failed
        if self.problems is None:
            take, self._elsewhere = self._elsewhere, None  # asked once: a second ask would find nothing to read
            found = take() if take is not None else None
            try:
                self.problems = found if found is not None else self.run()
            except Exception as exc:  # a fault of the checks, not of the data: the same fault each time asked
                self._failed = exc
                raise
            finally:
                self._run = None  # what the checks read is freed with the closure
        if self.problems:
            raise InputError(self.problems)


__all__ = ["PendingChecks"]
