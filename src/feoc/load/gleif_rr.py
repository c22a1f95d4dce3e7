"""GLEIF Level 2 relationship records (RR-CDF golden copy) as holdings; the reading is stated in `feoc.load.gleif`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from feoc.load.draft import Draft
from feoc.load.gleif import CONSOLIDATION, Row, day, valid_lei

DIRECT, ULTIMATE = CONSOLIDATION
PERIODS = 5  # the golden copy's Relationship.Period.1-5 columns
# what consolidation says of the votes: under the voting-interest model the usual controlling interest is a
# majority of them (ASC 810-10-15-8, IFRS 10.B35). Control without a majority exists (de facto control, variable
# interest entities), so the reading is UNCONFIRMED (README "Importing BODS and GLEIF"); it reads evidence and
# is not a threshold of the law (tests/test_architecture.py NOT_LAW)
CONTROL = {"min": 0.5}


def relationships(draft: Draft, path: Path, names: dict[str, str], rows: Iterable[Row]) -> None:
    """Direct consolidations first; then each ultimate one, unless the direct ones already reach its parent."""
    kept: list[tuple[int, str, str, str, dict[str, Any]]] = []
    outside = 0
    for line, row in rows:
        where = f"{path.name}:{line}"
        child, parent = row["Relationship.StartNode.NodeID"].upper(), row["Relationship.EndNode.NodeID"].upper()
        kind = row["Relationship.RelationshipType"]
        if child not in names and parent not in names:
            outside += 1
            continue
        reason = _unread(row, kind, child, parent, names)
        if reason:
            draft.skip(where, f"{kind or 'relationship'} {child} → {parent}: {reason}")
            continue
        try:
            dates = _dates(row)
        except ValueError as exc:
            draft.skip(where, f"{kind} {child} → {parent}: {exc}: a relationship whose dates cannot be read is left out")
            continue
        if dates is None:
            draft.skip(where, f"{kind} {child} → {parent} is INACTIVE without an end date: when it ended is unknown, "
                              "so it is left out")
            continue
        if "from" not in dates:
            draft.note(where, f"{kind} {child} → {parent} gives no RELATIONSHIP_PERIOD start date: imported as held on "
                              "every date before its end too; a verdict on a date before the consolidation began would "
                              "be wrong, so add `from:` to the holding if you know it")
        kept.append((line, kind, child, parent, dates))
    parents: dict[str, set[str]] = {}
    for _, kind, child, parent, _ in kept:
        if kind == DIRECT:
            parents.setdefault(child, set()).add(parent)
    _say_loops(draft, path, kept, parents)
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, kind, child, parent, dates in kept:
        where = f"{path.name}:{line}"
        key = (kind, child, parent, repr(sorted(dates.items())))
        if key in seen:
            draft.skip(where, f"{kind} {child} → {parent}: the same relationship as row {seen[key]}: read once")
            continue
        seen[key] = line
        if kind == ULTIMATE and _reaches(parents, child, parent):
            draft.skip(where, f"{kind} {child} → {parent}: implied by the direct consolidations in the file (feoc "
                              "traces the chain): not imported twice")
            continue
        holding = {"holder": parent.lower(), "entity": child.lower(), "voting": dict(CONTROL), **dates,
                   "sources": [{"doc": path.name, "quote": f"GLEIF {kind}: {names[child]} ({child}) is consolidated "
                                                          f"by {names[parent]} ({parent})"}]}
        draft.add("holdings", holding, (str(path), line))
    if outside:
        draft.skip(path.name, f"{outside} relationship row(s) name no LEI of the --lei file: not read")


def _unread(row: dict[str, str], kind: str, child: str, parent: str, names: dict[str, str]) -> str | None:
    """Why a relationship row is not imported, or None."""
    if kind not in CONSOLIDATION:
        return "not an accounting consolidation (IS_DIRECTLY_/IS_ULTIMATELY_CONSOLIDATED_BY): left out"
    if any(row.get(f"Relationship.{node}.NodeIDType", "LEI") not in ("LEI", "") for node in ("StartNode", "EndNode")):
        return "a node is not identified by an LEI: left out"
    if row.get("Registration.RegistrationStatus") == "ANNULLED":
        return "the relationship record is ANNULLED (published in error): left out"
    missing = [lei for lei in (child, parent) if lei not in names]
    if missing and not valid_lei(missing[0]):
        return f"`{missing[0]}` is not an LEI (20 characters, ISO 17442 check digits): correct it; left out"
    if missing:
        return f"LEI {missing[0]} is not in the --lei file (or was left out): add its LEI record; left out"
    if child == parent:
        return "an entity cannot consolidate itself: left out"
    return None


def _dates(row: dict[str, str]) -> dict[str, dt.date] | None:
    """`from`/`until` of the RELATIONSHIP_PERIOD; None for an INACTIVE relationship without an end."""
    start = end = None
    for n in range(1, PERIODS + 1):
        if row.get(f"Relationship.Period.{n}.periodType") == "RELATIONSHIP_PERIOD":
            start = day(row.get(f"Relationship.Period.{n}.startDate", ""), False)
            end = day(row.get(f"Relationship.Period.{n}.endDate", ""), True)
            break
    if row.get("Relationship.RelationshipStatus") == "INACTIVE" and end is None:
        return None
    if start and end and not start < end:
        raise ValueError(f"the relationship period ends ({end}) before it starts ({start})")
    return {key: value for key, value in (("from", start), ("until", end)) if value}


def _say_loops(draft: Draft, path: Path, kept: list[tuple[int, str, str, str, dict[str, Any]]],
               parents: dict[str, set[str]]) -> None:
    """One note per loop of direct consolidations (A by B, B by A, or longer): accounts cannot consolidate each
    other, so the file likely has one relationship reversed; the rows are imported as written (the ownership
    analysis converges on a loop), and the user is told once, naming the rows."""
    said: set[frozenset[str]] = set()
    for line, kind, child, parent, _ in kept:
        loop = _path(parents, parent, child) if kind == DIRECT else None
        if loop is None or frozenset(loop) in said:
            continue
        said.add(frozenset(loop))
        rows = sorted(n for n, k, c, p, _ in kept if k == DIRECT and c in loop and p in loop)
        chain = " → ".join([child, *loop])
        draft.note(f"{path.name}:{line}", f"{DIRECT} forms a loop: {chain} (rows {', '.join(map(str, rows))}): each "
                                          "is consolidated by the next, which accounts cannot all be; imported as "
                                          "written (each a majority of the next one's votes) — check those rows, one "
                                          "is likely reversed")


def _path(parents: dict[str, set[str]], start: str, target: str) -> list[str] | None:
    """The consolidation chain from `start` up to `target` (both included), or None when it does not reach it."""
    before: dict[str, str] = {start: start}
    todo = [start]
    while todo:
        node = todo.pop()
        if node == target:
            chain = [node]
            while chain[-1] != start:
                chain.append(before[chain[-1]])
            return chain[::-1]
        for up in sorted(parents.get(node, ())):
            if up not in before:
                before[up] = node
                todo.append(up)
    return None


def _reaches(parents: dict[str, set[str]], child: str, target: str) -> bool:
    """Whether `target` is reached from `child` through direct consolidations (cycles stop the walk)."""
    seen, todo = {child}, [child]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent == target:
                return True
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return False
