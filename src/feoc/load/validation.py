"""Pydantic's validation errors as Problems (file, line, what, fix), and the records that did validate.

A list of records is validated in one pydantic call; only when it fails are its errors explained one by
one and the valid records kept for the cross-record checks (so one bad record hides nothing else).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from feoc.data.model import KINDS, FieldError, explain
from feoc.data.problems import Problem
from feoc.data.yamlio import LineFinder

ADAPTERS = {kind: TypeAdapter(list[model]) for kind, model in KINDS.items()}  # type: ignore[valid-type]
_FIX = {  # the fix for pydantic's own error types (our validators write theirs after a `; `)
    "extra_forbidden": "remove the field or correct its spelling (see the dataset format in README.md)",
    "missing": "add the field",
    "model_type": "write the record as a mapping of `field: value` lines",
    "dict_type": "write a mapping of `field: value` lines",
    "string_type": "write text here (quote it if it looks like a number, a date or true/false)",
    "string_too_short": "write a non-blank value",
    "tuple_type": "write a list: `[a, b]` or one `- item` per line",
    "too_short": "give at least one item",
    "literal_error": "use one of the values listed",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "int_from_float": "write a whole number",
    "float_parsing": "write a number",
    "float_type": "write a number",
    "finite_number": "write a finite number",
    "greater_than_equal": "write a number at least as large as the bound",
    "less_than_equal": "write a number at most as large as the bound",
    "invalid_key": "write the key as text (the field names are lowercase words)",
}


def valid_items(key: str, items: list[Any], exc: ValidationError, broken_ids: set[str]) -> tuple[list[Any], list[int]]:
    """After a failed batch: the records that are valid (with their indexes), for the cross-checks.

    The ids of the invalid ones go to `broken_ids`: a reference to them is not also reported as dangling."""
    bad = {err["loc"][0] for err in exc.errors() if err["loc"] and isinstance(err["loc"][0], int)}
    for i in bad:
        item = items[i]
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            broken_ids.add(item["id"])
    good = [i for i in range(len(items)) if i not in bad]
    try:
        return ADAPTERS[key].validate_python([items[i] for i in good]), good
    except ValidationError:  # pragma: no cover - items are validated independently; kept as a safety net
        model = KINDS[key]
        out, kept = [], []
        for i in good:
            try:
                out.append(model.model_validate(items[i]))
                kept.append(i)
            except ValidationError:
                pass
        return out, kept


def validation_problems(exc: ValidationError, name: str, key: str, finder: LineFinder) -> list[Problem]:
    """One Problem per error of `exc` (the records under top-level `key` of file `name`), at its line."""
    return [_problem(err, name, key, finder) for err in exc.errors()]


def _problem(err: Any, name: str, key: str, finder: LineFinder) -> Problem:
    path, field, message, fix = explain_error(err, key)
    return Problem(name, finder.line(path), record_message(key, err["loc"][0] if err["loc"] else "?", field, message), fix)


def explain_error(err: Any, key: str) -> tuple[tuple, str, str, str]:
    """One pydantic error of the records under `key`: (path in the file, field, what, fix); the YAML loader puts
    the path's line before it, the Parquet loader its row and column (`feoc.load.parquet`)."""
    loc = tuple(err["loc"])
    path = (key,) + tuple(_alias(step) for step in loc)
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldError) and cause.field:
        path += (cause.field,)  # a check across fields that blames one of them: point at its line
    field = ".".join(str(_alias(s)) for s in path[2:]) or "record"
    friendly = explain(err)  # our wording for a value pydantic-core refused on a slug or country field
    message, fix = friendly or err["msg"].removeprefix("Value error, "), ""
    if (friendly or err["type"] == "value_error") and "; " in message:
        message, fix = message.split("; ", 1)  # our validators write `what; fix`
    elif err["type"] == "extra_forbidden":
        message = f"unknown field `{loc[-1]}`"
    elif err["type"] == "missing":
        message = f"missing required field `{_alias(loc[-1])}`"
    elif err["type"] == "invalid_key":
        message = f"the key `{err['input']}` is not text"
    fix = fix or _FIX.get(err["type"], "") or "correct the value"
    if err["type"] == "literal_error" and len(message) > 200:  # never print a list of 249 codes
        message = message[:200] + "…"
    return path, field, message, fix


def record_message(key: str, index: int | str, field: str, message: str) -> str:
    """`entities[3] type: ...`: the form of a problem found in one record (index in its file's list)."""
    return f"{key}[{index}] {field}: {message}"


def _alias(step: Any) -> Any:
    return {"start": "from", "end": "until"}.get(step, step) if isinstance(step, str) else step
