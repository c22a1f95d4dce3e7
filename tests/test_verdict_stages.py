"""`feoc check entity` judges only the entity rounds, `feoc check facility` also the activity facts; the
vehicle stage is skipped. A user must get the very verdict the full determination (as `feoc report`
computes it) gives: every seed entity and facility, on every key date of the law, under every reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from feoc.determine.regime30d import determine
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.verdicts.subject import entity_verdict, facility_verdict
from feoc.verdicts.timeline import key_dates

ROOT = Path(__file__).resolve().parents[1]
RULES = Law.load(ROOT / "rules")
DATASET = load_dataset(ROOT / "seeds", RULES)
READINGS = RULES.reading_names()


@pytest.mark.parametrize("day", key_dates(RULES), ids=str)
def test_stopping_before_later_stages_gives_the_full_determinations_verdicts(day):
    full = {name: determine(DATASET, day, RULES, name) for name in READINGS}
    entities = {name: determine(DATASET, day, RULES, name, upto="entities") for name in READINGS}
    facilities = {name: determine(DATASET, day, RULES, name, upto="facilities") for name in READINGS}
    for reading in READINGS:
        for e in DATASET.entities:
            assert (entity_verdict(DATASET, e.id, day, RULES, reading, determinations=entities).as_dict()
                    == entity_verdict(DATASET, e.id, day, RULES, reading, determinations=full).as_dict())
        for f in DATASET.facilities:
            assert (facility_verdict(DATASET, f.id, day, RULES, reading, determinations=facilities).as_dict()
                    == facility_verdict(DATASET, f.id, day, RULES, reading, determinations=full).as_dict())


def test_a_check_computes_only_the_stages_it_needs(monkeypatch):
    """AESC (owned 80 % by Envision) on 2024-06-01: the entity check stops after the entity rounds, the
    facility check after the activity facts, and both give the full determination's verdict."""
    import feoc.verdicts.subject

    day = key_dates(RULES)[-1]
    stages = []
    real = feoc.verdicts.subject.determine
    monkeypatch.setattr(feoc.verdicts.subject, "determine", lambda *a, **kw: stages.append(a[-1]) or real(*a, **kw))
    full = {name: determine(DATASET, day, RULES, name) for name in READINGS}
    assert entity_verdict(DATASET, "aesc", day, RULES).as_dict() == \
        entity_verdict(DATASET, "aesc", day, RULES, determinations=full).as_dict()
    facility = DATASET.facilities[0].id
    assert facility_verdict(DATASET, facility, day, RULES).as_dict() == \
        facility_verdict(DATASET, facility, day, RULES, determinations=full).as_dict()
    assert stages == ["entities"] * len(READINGS) + ["facilities"] * len(READINGS)


def test_an_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="use one of entities, facilities, vehicles"):
        determine(DATASET, key_dates(RULES)[0], RULES, upto="batteries")
