"""A supplier master file (CSV, one row per supplier) into our dataset contract.

Columns (header row required; only `name` is mandatory, unknown columns are an error):
`id, name, type, country, incorporated_in, headquartered_in, parent, equity, voting, board_seats, from, until, source`.
A row is an entity; `parent` (the id or exact name of another row) with a share makes a holding of the
parent in it (`"25%"` or `0.25`). `type` defaults to company; countries are ISO 3166-1 alpha-2 codes. Every
record cites the file and row (`source`, when given, is quoted too). The result goes through the same
validation as any dataset before anything is written.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.load.draft import Draft, slugify

COLUMNS = ("id", "name", "type", "country", "incorporated_in", "headquartered_in", "parent", "equity", "voting",
           "board_seats", "from", "until", "source")
SHARES = ("equity", "voting", "board_seats")


def read_master_csv(path: Path) -> Draft:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError([Problem(str(path), 0, f"cannot read the file ({exc.strerror})", "check the path")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(str(path), 0, "not UTF-8 text", "save the CSV as UTF-8")]) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in COLUMNS]
    if not header or "name" not in header or unknown:
        raise InputError([Problem(str(path), 1, f"header {header or 'missing'}: "
                                  + (f"unknown column(s) {', '.join(unknown)}" if unknown else "no `name` column"),
                                  f"use columns from: {', '.join(COLUMNS)}")])
    rows = [(number, {k.strip(): (v or "").strip() for k, v in row.items() if k}) for number, row in enumerate(reader, 2)]
    draft = Draft()
    taken: dict[str, str] = {}
    by_key: dict[str, str] = {}
    problems: list[Problem] = []
    for number, row in rows:
        if not row.get("name"):
            problems.append(Problem(str(path), number, "row without a name", "give every supplier a name"))
            continue
        slug = slugify(row.get("id") or row["name"], taken)
        by_key[row.get("id") or row["name"]] = slug
        by_key.setdefault(row["name"], slug)
    if problems:
        raise InputError(problems)
    for number, row in rows:
        slug = by_key[row.get("id") or row["name"]]
        quote = f"{path.name} row {number}: {row['name']}" + (f" — {row['source']}" if row.get("source") else "")
        sources = [{"doc": path.name, "quote": quote}]
        entity: dict[str, Any] = {"id": slug, "name": row["name"], "type": row.get("type") or "company"}
        for field in ("country", "incorporated_in", "headquartered_in"):
            if row.get(field):
                entity[field] = row[field].upper()
        entity["sources"] = sources
        draft.add("entities", entity)
        shares = {f: row[f] for f in SHARES if row.get(f)}
        if row.get("parent"):
            if row["parent"] not in by_key:
                problems.append(Problem(str(path), number, f"parent `{row['parent']}` is not a row of this file",
                                        "name the parent by its id or exact name, or add a row for it"))
                continue
            if not shares:
                draft.skip(f"{path.name}:{number}", "parent given without equity, voting or board_seats: no holding made")
                continue
            holding: dict[str, Any] = {"holder": by_key[row["parent"]], "entity": slug, **shares}
            for field in ("from", "until"):
                if row.get(field):
                    holding[field] = row[field]
            holding["sources"] = sources
            draft.add("holdings", holding)
        elif shares:
            draft.skip(f"{path.name}:{number}", "shares given without a parent: no holding made")
    if problems:
        raise InputError(problems)
    return draft
