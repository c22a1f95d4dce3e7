"""The names the rest of feoc imports from `feoc.determine.core`: the §30D determination and its parts.

The determination is built by `determine.regime30d` (its stages) through `determine.driver` (the one
fixed-point driver); findings are in `determine.findings`, the record-to-fact mapping in
`determine.facts`, and the vehicle facts in `determine.vehicle_facts`.
"""

from __future__ import annotations

from feoc.determine.determination import Determination
from feoc.determine.driver import MAX_ROUNDS
from feoc.determine.facts import government_bodies
from feoc.determine.findings import MEASURE_LABEL, Finding
from feoc.determine.regime30d import STAGES, determine
from feoc.determine.vehicle_facts import sourcing_values

__all__ = ["MAX_ROUNDS", "MEASURE_LABEL", "STAGES", "Determination", "Finding", "determine", "government_bodies",
           "sourcing_values"]
