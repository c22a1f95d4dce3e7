"""The JSON Schema of one dataset YAML file as users write it (README "The dataset format"), generated from the
record models of `data/model.py`: a mapping of the top-level keys of `data.model.KINDS` (`entities`, `holdings`,
…), each a list of records. An editor that reads the schema (`# yaml-language-server: $schema=…`) flags an unknown
key, a missing field, a share outside [0, 1], a malformed id, date or country code as the user types.

The loader stays the judge: what the schema cannot say (checks across records and files, such as unknown ids,
duplicate ids or shares adding up past 100 %) is still reported by `feoc validate`. The schema is never stricter
than the loader on what the README documents: a share is a number in [0, 1] or a percentage text ("25%"), a date
is text `YYYY-MM-DD` (YAML 1.2 editors read unquoted dates as text, and the loader reads them as text too).

Words of the law (entity types, lists, rights, activities, components, minerals, vehicle classes, tax forms) are
closed lists of a rules folder (`rules/vocabulary.yaml`), which can differ per folder: without a vocabulary the
schema names each field's list in its description and accepts any text; `vocabulary=` (`feoc schema dataset
--rules DIR`) folds that folder's lists in as enums. Only the words the models themselves fix (a facility's
`status`, an agreement's `kind`, ISO country codes) are enums in every case.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic_core import core_schema

from feoc.data.model import KINDS
from feoc.data.values import _SHARE_TEXT, to_share, to_share_or_range
from feoc.schemas.generate import FeocSchema, document

if TYPE_CHECKING:
    from feoc.law.data import Vocabulary

SHARE = {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1},
                   {"type": "string", "pattern": r"^\s*" + _SHARE_TEXT.pattern + r"\s*$"}],
         "description": "a share: a number in [0, 1] (0.25) or a percentage as text (\"25%\")"}
# a holding's share may be a range (README "Share ranges"): either bound, no other key, min ≤ max left to the loader
SHARE_OR_RANGE = {"anyOf": [dict(SHARE), {"type": "object", "additionalProperties": False, "minProperties": 1,
                                          "properties": {"min": dict(SHARE), "max": dict(SHARE)}}],
                  "description": "a share, or a range {min, max} of shares (either bound may be left out)"}
_RUST_RANGE = re.compile(r"\\x\{([0-9a-f]+)\}(?:-\\x\{([0-9a-f]+)\})?")
# (model, field) -> the vocabulary list whose words the field holds (load/checks.py `vocabulary_words`)
WORDS = {("Entity", "type"): "entity_types", ("Entity", "tax_form"): "tax_forms", ("Listing", "list"): "lists",
         ("Agreement", "rights"): "rights", ("Agreement", "activities"): "activities",
         ("Facility", "activities"): "activities", ("Vehicle", "vehicle_class"): "vehicle_classes",
         ("Component", "component"): "battery_components", ("Mineral", "mineral"): "critical_minerals",
         ("MaterialInput", "product"): "battery_components"}
MINERAL_PRODUCT = "critical_mineral"  # a material input's product besides the components (load/checks.py)


def _ecma(pattern: str) -> str:
    """A pydantic-core (Rust) character class `\\x{..}` written as JSON Schema's (ECMA 262) `\\uXXXX`; a range
    beyond the Basic Multilingual Plane is left out (ECMA needs the `u` flag for it): the loader still refuses
    those noncharacters, the schema lets them through, never the other way round."""
    def one(match: re.Match[str]) -> str:
        lo, hi = int(match.group(1), 16), int(match.group(2) or match.group(1), 16)
        if lo > 0xFFFF:
            return ""
        return f"\\u{lo:04x}" + (f"-\\u{min(hi, 0xFFFF):04x}" if hi != lo else "")
    return _RUST_RANGE.sub(one, pattern)


class DatasetSchema(FeocSchema):
    """The input form of the record models: shares as numbers or percentage texts, text patterns in ECMA 262."""

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> dict[str, Any]:
        if schema["function"].get("function") is to_share:
            return dict(SHARE)
        return super().function_before_schema(schema)

    def function_plain_schema(self, schema: core_schema.PlainValidatorFunctionSchema) -> dict[str, Any]:
        if schema["function"].get("function") is to_share_or_range:
            return dict(SHARE_OR_RANGE)
        return super().function_plain_schema(schema)

    def str_schema(self, schema: core_schema.StringSchema) -> dict[str, Any]:
        out = super().str_schema(schema)
        if "pattern" in out:
            out["pattern"] = _ecma(out["pattern"])
        return out


def _file_model() -> type[BaseModel]:
    fields: dict[str, Any] = {key: (list[model] | None, Field(default=None, description=(  # type: ignore[valid-type]
        f"a list of {key.replace('_', ' ')}, one `- ` item per record"))) for key, model in KINDS.items()}
    model: type[BaseModel] = create_model(
        "DatasetFile", __config__=ConfigDict(extra="forbid", title="feoc dataset file (YAML)"),
        __doc__=("One YAML file of a feoc dataset folder: top-level keys, each a list of records of one kind "
                 "(README \"The dataset format\"); a folder's files are read together."), **fields)
    return model


def _words_field(prop: dict[str, Any], list_name: str, words: list[str] | None) -> None:
    """Name the vocabulary list in the field's description and, with `words`, make its text an enum."""
    each = "each item " if prop.get("type") == "array" else ""
    note = f"{each}a word of the rules folder's vocabulary `{list_name}` (rules/vocabulary.yaml)"
    prop["description"] = f"{prop['description']}; {note}" if prop.get("description") else note
    if words is None:
        return
    for branch in prop.get("anyOf", [prop]):
        target = branch.get("items", branch)
        if target.get("type") == "string":
            target["enum"] = words


def _vocabulary_words(vocab: Vocabulary) -> dict[str, list[str]]:
    return {"entity_types": sorted(vocab.entity_types), "tax_forms": sorted(vocab.tax_forms),
            "lists": sorted(vocab.lists), "rights": sorted(vocab.rights), "activities": sorted(vocab.activities),
            "vehicle_classes": sorted(vocab.vehicle_classes), "critical_minerals": sorted(vocab.critical_minerals),
            "battery_components": sorted(vocab.battery_components)}


def dataset_schema(vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """The schema `dataset`; with a rules folder's `vocabulary`, its words as enums."""
    body = document(_file_model(), "dataset", DatasetSchema)
    lists = _vocabulary_words(vocabulary) if vocabulary is not None else {}
    for (model, name), list_name in WORDS.items():
        words = lists.get(list_name)
        if words is not None and (model, name) == ("MaterialInput", "product"):
            words = sorted([*words, MINERAL_PRODUCT])
        _words_field(body["$defs"][model]["properties"][name], list_name, words if vocabulary is not None else None)
    return body
