"""JSON output of `check`, `report` and `screen` (`--format json`), through the one JSON writer of feoc.

The shapes are published as JSON Schemas in `feoc/schemas/` (check-subject, check-vehicle,
check-facility-45x, report); keys are sorted and indented, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feoc.render.base import CheckView, ReportView, ScreenView
    from feoc.verdicts.timeline import SubjectTimeline


def dumps(obj: Any, *, ascii_only: bool = False) -> str:
    """The one JSON writer: sorted keys, two-space indent, dates and other values by `str`, a final newline.
    `ascii_only` escapes non-ASCII characters, as `check --format json` always has."""
    from feoc.render.sanitize import json_text

    return json_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=ascii_only, default=str)) + "\n"


def check(view: CheckView) -> str:
    """One verdict (schemas check-subject, check-vehicle, check-facility-45x)."""
    return dumps(view.verdict.as_dict(), ascii_only=True)


def screen(view: ScreenView) -> str:
    """The screening table: the date, the reading, the readings `status` is agreed across, one object per entity.

    The bytes of `dumps` of the whole (tests/test_csv_fast_text.py), the entities laid out as the CSV's rows are
    (`csvfast.rows_text`: each distinct value of a column written once): at 10^6 entities `json.dumps` with an
    indent is a Python call per value (issue 17)."""
    from feoc.render.csvfast import coded, rows_text

    table = view.table
    body = {"on": view.day.isoformat(), "interpretation": view.interpretation,
            "readings": list(view.readings or (view.interpretation,)), "entities": []}
    head = dumps(body)
    empty = '{\n  "entities": [],\n'  # `entities` sorts first: the text after it is the rest of the object
    if not len(table) or not head.startswith(empty):
        return dumps({**body, "entities": table.rows()})
    names = sorted(table.names)
    columns = [(codes, _values_text(values)) for codes, values in (coded(table.columns[c]) for c in names)]
    keys = [json.dumps(name, ensure_ascii=False) + ": " for name in names]
    pieces = ["    {\n      " + keys[0]] + [",\n      " + key for key in keys[1:]] + ["\n    }"]
    return rows_text(columns, pieces, ",\n", around=('{\n  "entities": [\n', "\n  ],\n" + head[len(empty):]))


def _values_text(values: list[Any]) -> list[str]:
    """Each value as `dumps` writes it inside the table; a column of strings none of which JSON or `json_text`
    escapes (no quote, backslash, control, bidi or other unprintable character) is quoted as it is."""
    from feoc.render.sanitize import json_text

    if set(map(type, values)) <= {str}:
        joined = "".join(values)
        if joined.isprintable() and '"' not in joined and "\\" not in joined:
            return ['"' + v + '"' for v in values]
    return [json_text(json.dumps(v, ensure_ascii=False, default=str)) for v in values]


def _subject(t: SubjectTimeline) -> dict[str, Any]:
    """A subject's verdict per date; for an entity also its §45X prohibited-foreign-entity findings and the
    §45X verdicts of the plants it operates, per date the P.L. 119-21 rules apply (as the Markdown shows)."""
    body: dict[str, Any] = {"kind": t.kind, "subject": t.subject, "name": t.name,
                            "points": [v.as_dict() for _, v in t.points]}
    if t.kind == "entity":
        body["pfe"] = [{"on": day.isoformat(), "status": t.pfe_labels.get(day), "findings": [f.as_dict() for f in findings],
                        "checked": [c.as_dict() for c in t.pfe_checked.get(day, [])]} for day, findings in t.pfe]
        body["facilities45x"] = [{"on": day.isoformat(), "verdicts": [v.as_dict() for v in verdicts]}
                                 for day, verdicts in t.facilities45x]
    return body


def report(view: ReportView) -> dict[str, str]:
    """`report.json`: provenance, the dates and every subject (schema report)."""
    from feoc import __version__

    body = {"feoc_version": __version__, "dataset": view.label, "dataset_sha256": view.data_hash,
            "rules_sha256": view.rules_hash, "interpretation": view.law.default_interpretation,
            "dates": [d.isoformat() for d in view.dates], "subjects": [_subject(t) for t in view.timelines]}
    return {"report.json": dumps(body)}
