"""Issue 17, memory and time: a YAML file's holdings name their holder and entity by the very string objects the
file's entities are defined with (one object per id per file), whether a column has many distinct ids (read
without a table of them) or few (codes); the values are those the models give."""

from __future__ import annotations

from feoc.data.columns import Codes
from feoc.load import yaml_columns


def _entities(n: int) -> list[dict]:
    return [{"id": f"maker-{i}", "name": f"Maker {i}", "type": "company", "incorporated_in": "CN"} for i in range(n)]


def _objects(column) -> list:
    return [column.values[c] for c in column.codes] if isinstance(column, Codes) else list(column)


def test_many_holders_are_the_files_own_id_objects():
    """A supplier file of 300 makers each held by the next: every reference is the id object its entity was read
    with, not a second copy of the text."""
    shared: dict[str, str] = {}
    entities = yaml_columns.read_columns("entities", _entities(300), shared)
    assert entities is not None
    ids = {v: v for v in entities[0]} if isinstance(entities[0], list) else None
    holdings = [{"holder": "".join(["maker-", str(i + 1)]), "entity": "".join(["maker-", str(i)]), "equity": 0.8}
                for i in range(299)]  # texts made afresh: equal to the ids, other objects
    columns = yaml_columns.read_columns("holdings", holdings, shared)
    assert columns is not None
    fields = list(yaml_columns.KINDS["holdings"].model_fields)
    for name in ("holder", "entity"):
        values = _objects(columns[fields.index(name)])
        assert values == [h[name] for h in holdings]
        assert all(v is shared[v] for v in values)
        if ids is not None:
            assert all(v is ids.get(v, v) for v in values)


def test_few_holders_read_as_codes_name_the_same_objects():
    """A fund holding 300 makers: one holder named 300 times, kept as codes, its value the fund's own id object."""
    shared: dict[str, str] = {}
    yaml_columns.read_columns("entities", [*_entities(300), {"id": "fund", "name": "Fund", "type": "fund"}], shared)
    holdings = [{"holder": "".join(["fu", "nd"]), "entity": f"maker-{i}", "equity": 0.5} for i in range(300)]
    columns = yaml_columns.read_columns("holdings", holdings, shared)
    assert columns is not None
    holder = columns[list(yaml_columns.KINDS["holdings"].model_fields).index("holder")]
    assert set(_objects(holder)) == {"fund"} and all(v is shared["fund"] for v in _objects(holder))
