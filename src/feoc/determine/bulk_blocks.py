"""The bulk path's facts as blocks of columns (`determine/bulk.py`): one fact kind's rows, and a chaining round's
blocks made one at a time (issue 17, memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Block:
    """Facts of one kind as columns: `n` rows whose subjects are entity indexes; for licence rows,
    `scope_of(row)` names the activities the licence covers (none: all)."""

    kind: str
    columns: Any  # field -> Column, or a function of the field name
    n: int
    subjects: np.ndarray
    scope_of: Callable[[int], Sequence[str]] | None = None


class Blocks:
    """A round's blocks, each made on iteration (`_Bulk.chain_facts`); empty ones are skipped. Its length is the
    number of blocks to make: a round with none is a round with no facts, as for a list of blocks."""

    def __init__(self, makers: list[Callable[[], Block]]):
        self.makers = makers

    def __len__(self) -> int:
        return len(self.makers)

    def __iter__(self) -> Iterator[Block]:
        for make in self.makers:
            block = make()
            if block.n:
                yield block

    def clear(self) -> None:
        self.makers = []
