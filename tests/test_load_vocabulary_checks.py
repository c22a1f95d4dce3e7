"""The vocabulary checks that read the law's word lists (`government_types`, `vehicle_classes` in
rules/vocabulary.yaml) rather than Python literals: a government body needs its nation, a vehicle class
is a word of the list. Reported by the loader's cross-record checks at the field's line, for dataset
folders and for the inline datasets of rule cases alike."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from feoc.data.problems import InputError
from feoc.law.cases import inline_dataset
from feoc.law.law import Law
from feoc.load.folder import load_dataset

ENTITIES = """entities:
  - id: acme
    name: Acme
    type: company
  - id: gov-x
    name: Some government
    type: government
  - id: party-x
    name: A party
    country: CN
    type: party
"""


def _problems(folder: Path, law: Law | None = None) -> list[str]:
    with pytest.raises(InputError) as info:
        load_dataset(folder, law)
    return [f"{Path(p.file).name}:{p.line}: {p.message} — {p.fix}" for p in info.value.problems]


def test_a_government_without_country_is_refused_at_its_type_line(tmp_path):
    (tmp_path / "entities.yaml").write_text(ENTITIES)
    assert _problems(tmp_path) == ["entities.yaml:7: entities[1] type: a government needs `country:` — "
                                   "add the nation it belongs to, e.g. `country: CN`"]


def test_the_government_types_are_read_from_the_vocabulary(tmp_path):
    (tmp_path / "entities.yaml").write_text(ENTITIES)
    law = Law.load()
    vocab = dataclasses.replace(law.vocabulary, government_types=frozenset({"party"}))
    assert load_dataset(tmp_path, dataclasses.replace(law, vocabulary=vocab)).entity("gov-x").country is None


def test_an_unknown_vehicle_class_is_refused_at_its_line(tmp_path):
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    for path in seeds.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if path.name == "nissan-vehicles.yaml":
            text = text.replace("vehicle_class: suv", "vehicle_class: truck")
            line = text.splitlines().index("    vehicle_class: truck") + 1
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    assert _problems(tmp_path) == [f"nissan-vehicles.yaml:{line}: unknown vehicle class `truck` — "
                                   "use one of: car, pickup, suv, van"]


def test_a_rule_case_dataset_gets_the_same_checks():
    raw = {"entities": [{"id": "gov-x", "name": "A party", "type": "party"}]}
    with pytest.raises(InputError) as info:
        inline_dataset(raw, "case", Law.load())
    assert [p.message for p in info.value.problems] == ["entities[0] type: a party needs `country:`"]
