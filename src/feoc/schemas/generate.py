"""From a pydantic model to a published JSON Schema (draft 2020-12): the `$schema` and `$id` every schema of
feoc carries, the model's docstring as its description, no titles made up from field names."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import GenerateJsonSchema

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_URI = "https://feoc.invalid/schemas/"  # where the schemas say they live: a name, never fetched


class Out(BaseModel):
    """The base of every output model: a key `as_dict()` does not write is refused (additionalProperties false)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FeocSchema(GenerateJsonSchema):
    """Pydantic's generator with the titles of fields left out: a field's title would only repeat its name;
    the models' titles (the command that prints them) and descriptions (docstrings, `Field` descriptions) stay."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def generate(self, schema: Any, mode: Any = "validation") -> dict[str, Any]:
        return _one_line(super().generate(schema, mode))


def _one_line(node: Any) -> Any:
    """Descriptions on one line (a docstring's line breaks are the source's layout, not the reader's)."""
    if isinstance(node, dict):
        return {k: " ".join(v.split()) if k == "description" and isinstance(v, str) else _one_line(v)
                for k, v in node.items()}
    return [_one_line(v) for v in node] if isinstance(node, list) else node


def document(model: type[BaseModel], name: str, generator: type[GenerateJsonSchema] = FeocSchema) -> dict[str, Any]:
    """The schema `name` of `model`: self-contained (nested models under `$defs`), with `$schema` and `$id`."""
    body = model.model_json_schema(schema_generator=generator)
    return {"$schema": DIALECT, "$id": f"{BASE_URI}{name}.schema.json", **body}
