"""Effective control through a licence that names its activities (89 FR 37079 §III.E, E-7): the licensee's
plant is FEOC-run for the licensed activity only, and the licensee is not a FEOC as a whole."""

from __future__ import annotations

import datetime as dt

from feoc.law.law import Law
from feoc.rulecases import inline_dataset
from feoc.verdicts.subject import entity_verdict, facility_verdict

RULES = Law.load()
DAY = dt.date(2024, 6, 1)


def world():
    return inline_dataset({
        "entities": [
            {"id": "cn-licensor", "name": "CN Licensor", "type": "company", "incorporated_in": "CN"},
            {"id": "us-maker", "name": "US Maker", "type": "company", "incorporated_in": "US"},
        ],
        "agreements": [{"id": "lic", "kind": "license", "licensor": "cn-licensor", "licensee": "us-maker",
                        "rights": ["production_quantity_or_timing"], "activities": ["battery_cell_manufacturing"]}],
        "facilities": [{"id": "plant", "name": "Plant", "operator": "us-maker", "country": "US",
                        "activities": ["battery_cell_manufacturing", "battery_module_assembly"]}],
    }, "test", RULES)


def test_licensee_is_not_a_feoc_as_a_whole_but_the_note_says_why():
    v = entity_verdict(world(), "us-maker", DAY, RULES)
    assert v.feoc is False
    assert any("battery_cell_manufacturing" in n for n in v.notes)
    assert [f.rule_id for f in v.findings] == ["feoc-effective-control"]


def test_only_the_licensed_activity_is_feoc_performed():
    v = facility_verdict(world(), "plant", DAY, RULES)
    assert v.activities == {"battery_cell_manufacturing": True, "battery_module_assembly": False}
