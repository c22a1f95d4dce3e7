"""The screening table in any of its formats (csv, json, md), by name: for callers outside the CLI."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from feoc.render.base import ScreenView, renderer

if TYPE_CHECKING:
    from feoc.verdicts.screen import Screen


def render(table: Screen, fmt: str, day: dt.date, interpretation: str) -> str:
    """The table as `fmt` (a format of `feoc screen`), judged on `day` under `interpretation`."""
    text: str = renderer("screen", fmt)(ScreenView(table, day, interpretation))
    return text
