"""The checks that read the law's word lists rather than Python literals: a government body (vocabulary
`government_types`) needs its nation, a vehicle class is a word of `vehicle_classes`, a mineral's
material is one the parameter `impracticable_to_trace_materials` names (or `other`). Reported by the
loader's cross-record checks at the field's line, for dataset folders and rule-case datasets alike."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from feoc.data.problems import InputError
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.rulecases import inline_dataset

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
        load_dataset(folder, law or Law.load())
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


def _seeds_with(tmp_path: Path, old: str, new: str) -> int:
    """Copy the seed dataset into `tmp_path` with `old` replaced by `new` in nissan-vehicles.yaml; the
    line of the first replacement."""
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    line = 0
    for path in seeds.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if path.name == "nissan-vehicles.yaml":
            line = text[:text.index(old)].count("\n") + 1
            text = text.replace(old, new, 1)
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    return line


def test_an_unknown_vehicle_class_is_refused_at_its_line(tmp_path):
    line = _seeds_with(tmp_path, "vehicle_class: suv", "vehicle_class: truck")
    assert _problems(tmp_path) == [f"nissan-vehicles.yaml:{line}: unknown vehicle class `truck` — "
                                   "use one of: car, pickup, suv, van"]


def test_a_rule_case_dataset_gets_the_same_checks():
    raw = {"entities": [{"id": "gov-x", "name": "A party", "type": "party"}]}
    with pytest.raises(InputError) as info:
        inline_dataset(raw, "case", Law.load())
    assert [p.message for p in info.value.problems] == ["entities[0] type: a party needs `country:`"]


def test_a_material_is_one_the_impracticable_to_trace_parameter_names_or_other(tmp_path):
    line = _seeds_with(tmp_path, "material: anode_graphite", "material: cathode_graphite")
    assert _problems(tmp_path) == [f"nissan-vehicles.yaml:{line}: unknown material `cathode_graphite` — use one of: "
                                   "anode_graphite, electrode_binder, electrolyte_additive, electrolyte_salt, other"]


def test_the_materials_are_read_from_the_law(tmp_path):
    _seeds_with(tmp_path, "material: anode_graphite", "material: cathode_graphite")
    law = Law.load()
    param = law.parameters["impracticable_to_trace_materials"]
    dated = tuple((day, [*words, "cathode_graphite"]) for day, words in param.values)
    parameters = {**law.parameters, param.name: dataclasses.replace(param, values=dated)}
    assert load_dataset(tmp_path, dataclasses.replace(law, parameters=parameters)).vehicles


def test_a_rule_case_dataset_gets_the_material_check():
    raw = {"entities": [{"id": "maker", "name": "Maker", "type": "company"}],
           "facilities": [{"id": "plant", "name": "Plant", "operator": "maker", "country": "US",
                           "activities": ["battery_cell_manufacturing", "critical_mineral_processing"]}],
           "batteries": [{"id": "pack", "components": [{"component": "battery_cell", "manufactured_at": "plant",
                                                        "value_usd": 1}],
                          "critical_minerals": [{"mineral": "graphite", "processed_at": "plant", "value_usd": 1,
                                                 "material": "cathode_graphite"}]}]}
    with pytest.raises(InputError) as info:
        inline_dataset(raw, "case", Law.load())
    assert [p.message for p in info.value.problems] == ["unknown material `cathode_graphite`"]
    raw["batteries"][0]["critical_minerals"][0]["material"] = "other"
    assert inline_dataset(raw, "case", Law.load()).batteries
