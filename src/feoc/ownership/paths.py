"""The ownership paths behind an interest: which chains of stakes carry a source's interest down to a
subject, for the explanation of an ownership finding (DOE 89 FR 37079 §III.E, "directly or indirectly").

Under ``control`` tracing a path ends at an intermediate the sources control (above the law's
look-through threshold, passed in by the caller): it counts as the source itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from feoc.ownership.graph import InEdges, interests, lookthrough_of


@dataclass(frozen=True)
class Path:
    """A chain of stakes from a source down to the subject: [(holder, share, counted_in_full)], top first."""

    steps: tuple[tuple[str, float, bool], ...]
    subject: str
    contribution: float

    def render(self, names: Mapping[str, str] | None = None, measure: str = "equity") -> str:
        """`gov-cn → 30.00 % equity → holdco → 100.00 % equity → subject`."""
        label = measure.replace("_", " ")
        parts = []
        for holder, share, full in self.steps:
            parts.append(holder)
            if full:
                parts[-1] = f"{holder} (controlled by the source: counted as its own)"
            high = getattr(share, "max", None)  # a share recorded as a range (data.values.ShareRange): both bounds
            parts.append(f"{share:.2%}–{high:.2%} {label}" if high is not None else f"{share:.2%} {label}")
        parts.append(self.subject)
        return " → ".join(parts)


def paths(edges: InEdges, sources: Iterable[str], subject: str, tracing: str = "multiply",
          lookthrough: float | None = None, values: Mapping[str, float] | None = None,
          limit: int = 20, floor: float = 1e-6, budget: int = 20_000) -> list[Path]:
    """The simple paths by which `sources` hold an interest in `subject`, largest contribution first.

    For an acyclic graph the contributions of all paths add up to the interest; with cross-holdings the
    fixed point also counts the loops, which simple paths leave out.
    """
    in_full = lookthrough_of(tracing, lookthrough)  # an intermediate above it counts as the source
    source_set = sources if isinstance(sources, (set, frozenset)) else set(sources)
    vals = values if values is not None else interests(edges, source_set, tracing, lookthrough)
    found: list[Path] = []
    # depth-first, upward from the subject; `chain` lists (holder, share, full) from the subject upward
    stack: list[tuple[str, list[tuple[str, float, bool]], float, frozenset[str]]] = [(subject, [], 1.0, frozenset([subject]))]
    while stack and len(found) < 10_000 and budget > 0:
        budget -= 1  # bounded work: a dense graph has exponentially many paths; the largest come first anyway
        node, chain, product, visited = stack.pop()
        for holder, share in edges.get(node, ()):
            if holder in visited:
                continue
            if holder in source_set:
                steps = tuple(reversed(chain + [(holder, share, False)]))
                found.append(Path(steps, subject, product * share))
                continue
            if vals.get(holder, 0.0) > in_full:
                # a controlled intermediate counts as the source itself: the path ends there
                steps = tuple(reversed(chain + [(holder, share, True)]))
                found.append(Path(steps, subject, product * share))
                continue
            if vals.get(holder, 0.0) <= 0 or product * share < floor:
                continue
            stack.append((holder, chain + [(holder, share, False)], product * share, visited | {holder}))
    found.sort(key=lambda p: (-p.contribution, p.render()))
    return found[:limit]
