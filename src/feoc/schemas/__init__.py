"""JSON Schemas of feoc's JSON output (check entity/facility, check vehicle, report), shipped with the package."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

NAMES = ("finding", "check-subject", "check-vehicle", "check-facility-45x", "report")


def load(name: str) -> dict[str, Any]:
    """The schema `name` (one of NAMES) as a dict."""
    return json.loads(resources.files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8"))
