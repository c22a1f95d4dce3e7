"""Share ranges in Parquet tables (issue 20): a range `{min, max}` is written in the companion columns
`<field>_min` and `<field>_max` of its share field, the field's own column null on that row (the contract:
`feoc.load.columns.range_columns`; README.md, "Parquet tables").

Reading, record by record: each row's bounds become the `{min, max}` the YAML loader reads, so the model
(`to_share_or_range`) makes the very value YAML gives (an exact share when the bounds are equal, else a
`ShareRange`). What the YAML form cannot say wrongly is checked here, at the companion column that is wrong:
an exact share beside a bound, a bound that is no share, `min` above `max`. Writing: a field with at least one
range gets both companion columns; a field without one gets none, so an exact dataset's table is unchanged.
"""

from __future__ import annotations

from typing import Any

from feoc.data.columns import Repeat, Shares
from feoc.data.problems import Problem
from feoc.data.values import ShareRange, to_share
from feoc.load.columns import RANGE_BOUNDS, range_columns

_PLACEHOLDER = 0.0  # a refused range's stand-in, so the model reports the row's other problems, not a missing share


def fold_ranges(name: str, kind: str, rows: list[dict[str, Any]], where: Any) -> dict[int, list[Problem]]:
    """Fold each row's companion columns into its share field as `{min, max}` (in place); the problems found,
    by row index (0-based). A row with a problem keeps an exact stand-in and is to be refused by the caller."""
    fields: dict[str, list[str]] = {}
    for column, (field, _) in range_columns(kind).items():
        fields.setdefault(field, []).append(column)
    problems: dict[int, list[Problem]] = {}
    if not fields:
        return problems
    for index, row in enumerate(rows):
        for field, columns in fields.items():
            bounds = {column: row.pop(column) for column in columns if column in row}
            if not bounds:
                continue
            found = _range_problems(field, row, bounds)
            if found:
                problems.setdefault(index, []).extend(
                    Problem(name, 0, f"{where(index, column)}: {what}", fix) for column, what, fix in found)
                row.setdefault(field, _PLACEHOLDER)
            else:
                row[field] = {bound: bounds[f"{field}_{bound}"] for bound in RANGE_BOUNDS
                              if f"{field}_{bound}" in bounds}
    return problems


def _range_problems(field: str, row: dict[str, Any], bounds: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(column, what, fix) for the bounds of one share field of one row; [] when they make a range."""
    first = next(iter(bounds))
    if field in row:
        return [(first, f"a bound of a share range beside the exact share {field} = {row[field]!r}",
                 f"give either the exact share in `{field}` or its bounds in `{field}_min`/`{field}_max`, "
                 "and leave the other null")]
    read: dict[str, float] = {}
    out = []
    for column, value in bounds.items():
        try:
            read[column] = to_share(value)
        except ValueError as exc:
            what, _, fix = str(exc).partition("; ")
            out.append((column, f"the share range's bound: {what}", fix or "write a number in [0, 1]"))
    low, high = read.get(f"{field}_min", 0.0), read.get(f"{field}_max", 1.0)
    if not out and low > high:
        out.append((f"{field}_min", f"the share range's minimum ({low:.2%}) is above its maximum "
                                    f"`{field}_max` ({high:.2%})",
                    f"swap the bounds or correct one of them ({field}_min ≤ {field}_max)"))
    return out


def range_arrays(kind: str, columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The columns to write for `kind` (column name → values, in the contract's order): each share field that
    holds a range written as its exact shares (null at a range) followed by `<field>_min` and `<field>_max`."""
    fields = {field for field, _ in range_columns(kind).values()}
    out: dict[str, list[Any]] = {}
    for column, values in columns.items():
        if column not in fields or isinstance(values, (Shares, Repeat)) or \
                not any(isinstance(v, ShareRange) for v in values):  # Shares, Repeat: never a range
            out[column] = values
            continue
        values = list(values)
        out[column] = [None if isinstance(v, ShareRange) else v for v in values]
        out[f"{column}_min"] = [float(v) if isinstance(v, ShareRange) else None for v in values]
        out[f"{column}_max"] = [v.max if isinstance(v, ShareRange) else None for v in values]
    return out


__all__ = ["fold_ranges", "range_arrays"]
