"""placeholder"""
from __future__ import annotations

from typing import Any


def read_columns(kind: str, table: Any) -> list[tuple] | None:
    return None
