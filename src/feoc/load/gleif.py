"""GLEIF's public golden-copy CSV files into our dataset contract (issue 20, item 3).

The formats: GLEIF, "LEI-CDF" golden copy (https://www.gleif.org/en/about-lei/common-data-file-format/lei-cdf-format)
and Level 2 "Relationship Record CDF" golden copy (.../relationship-record-cdf-format), CSV as published at
https://www.gleif.org/en/lei-data/gleif-golden-copy/download-the-golden-copy: one header row of dotted column
names (`LEI`, `Entity.LegalName`, `Entity.LegalJurisdiction`, `Relationship.StartNode.NodeID`, ...). Only the
columns below are read; the others are left alone.

Mapping (each decision in README "Importing"):
- LEI records → entities with id the LEI in lower case. `Entity.LegalJurisdiction` (the jurisdiction of legal
  formation: an ISO 3166-1 code, or ISO 3166-2 such as `US-DE`, read as its country) → `incorporated_in`;
  without one, `Entity.LegalAddress.Country` (the registered address) with a note. `Entity.HeadquartersAddress
  .Country` → `headquartered_in` (GLEIF's headquarters address is the principal place of business).
  `Entity.EntityCategory` `FUND` → fund; `RESIDENT_GOVERNMENT_ENTITY` → agency of its jurisdiction's nation (a
  government body counts as that government: DOE 89 FR 37079); others → company. A record whose
  `Registration.RegistrationStatus` is `ANNULLED` (issued in error) is left out and listed.
- Relationship records (`--rr`): `IS_DIRECTLY_CONSOLIDATED_BY` and `IS_ULTIMATELY_CONSOLIDATED_BY` (the start
  node is consolidated by the end node) → a holding of the parent in the child with `voting: {min: 0.5}`.
  The reading (UNCONFIRMED, documented): accounting consolidation rests on control of the child, and control
  is read as more than half of the votes; the range leaves the true share open above 50 %, so a test at 50 %
  exactly or a board or equity test stays *cannot be determined* unless other data decide it. An ultimate
  relationship whose parent the direct relationships of the file already reach from the child is implied
  (feoc traces the chain itself) and listed as such; an ultimate parent reached by no direct chain in the file
  is imported as a holding of its own. The dates are those of the `RELATIONSHIP_PERIOD` (`Relationship.Period.
  N.periodType`; accounting and filing periods are not the relationship's): its start → `from`, its end (the
  last day, as GLEIF's period ends are) → `until` the next day. An `INACTIVE` relationship without an end date
  is left out (when it ended is unknown); other relationship types, nodes that are not LEIs, `ANNULLED`
  records and relationships naming an LEI absent from `--lei` are listed. Rows naming no LEI of the `--lei`
  file at all are counted in one line (the golden copy holds millions).
Refused with file and row (exit 2): a file that is not UTF-8 or is empty, a missing column, a row with more
cells than the header, a NUL, an LEI that is not 20 characters with ISO 17442 check digits, an LEI twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.data.values import iso_countries
from feoc.load.csv_master import MAX_CELL_CHARS, _text
from feoc.load.draft import Draft

LEI_COLUMNS = ("LEI", "Entity.LegalName")
RR_COLUMNS = ("Relationship.StartNode.NodeID", "Relationship.EndNode.NodeID", "Relationship.RelationshipType")
CONSOLIDATION = ("IS_DIRECTLY_CONSOLIDATED_BY", "IS_ULTIMATELY_CONSOLIDATED_BY")
TYPES = {"FUND": "fund", "RESIDENT_GOVERNMENT_ENTITY": "agency"}
_LEI = re.compile(r"[A-Z0-9]{18}[0-9]{2}")
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T[0-9:.]*(?:Z|[+-][0-9:]+)?)?")
Row = tuple[int, dict[str, str]]


def valid_lei(text: str) -> bool:
    """ISO 17442: 18 alphanumerics and two check digits, the whole (letters as 10-35) ≡ 1 mod 97 (ISO 7064)."""
    return bool(_LEI.fullmatch(text)) and int("".join(str(int(c, 36)) for c in text)) % 97 == 1


def table(path: Path, needed: tuple[str, ...]) -> Iterator[Row]:
    """(line, cells by column) of a golden-copy CSV; InputError naming the file and row for what cannot be read."""
    name, text = str(path), _text(path)
    if not text.strip():
        raise InputError([Problem(name, 0, "the file is empty", "give a GLEIF golden-copy CSV with its header row")])
    old = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = [h.strip() for h in next(reader)]
        missing = [c for c in needed if c not in header]
        if missing:
            raise InputError([Problem(name, 1, f"no column {', '.join(missing)}: not a GLEIF golden-copy CSV of this "
                                               "kind", "give the LEI-CDF file to --lei and the RR-CDF file to --rr")])
        for start, cells in _cells(reader, name):
            if "\x00" in "".join(cells) or len(cells) > len(header):
                what = "holds a NUL character" if "\x00" in "".join(cells) else \
                    f"has {len(cells)} cells, the header {len(header)} columns"
                raise InputError([Problem(name, start, f"row {what}", "export the golden copy again")])
            if any(c.strip() for c in cells):
                yield start, {h: c.strip() for h, c in zip(header, cells, strict=False)}
    finally:
        csv.field_size_limit(old)


def _cells(reader: Any, name: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each row after the header."""
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise InputError([Problem(name, start, f"cannot read the CSV row: {exc}",
                                      "check the quoting of this row; keep cells under 1 MiB")]) from None
        if cells is None:
            return
        yield start, cells


def _country(code: str) -> str | None:
    country = code[:2].upper() if len(code) == 2 or (len(code) > 3 and code[2] == "-") else ""
    return country if country in iso_countries() else None


def read_gleif(lei_path: Path, rr_path: Path | None) -> Draft:
    """The LEI records (and, with `rr_path`, the consolidation relationships) as a Draft; skips listed."""
    draft, names = Draft(), dict[str, str]()
    for line, row in table(lei_path, LEI_COLUMNS):
        record = _entity(draft, lei_path, line, row, names)
        if record:
            draft.add("entities", record, (str(lei_path), line))
    if rr_path is not None:
        from feoc.load.gleif_rr import relationships

        relationships(draft, rr_path, names, table(rr_path, RR_COLUMNS))
    return draft


def _entity(draft: Draft, path: Path, line: int, row: dict[str, str], names: dict[str, str]) -> dict[str, Any] | None:
    lei, where = row["LEI"].upper(), f"{path.name}:{line}"
    if not valid_lei(lei):
        raise InputError([Problem(str(path), line, f"`{row['LEI'][:40]}` is not an LEI (20 characters, ISO 17442 check "
                                                   "digits)", "correct the LEI")])
    if lei in names:
        raise InputError([Problem(str(path), line, f"LEI {lei} appears twice", "keep one record per LEI")])
    if row.get("Registration.RegistrationStatus") == "ANNULLED":
        draft.skip(where, f"LEI {lei} is ANNULLED (issued in error): left out")
        return None
    names[lei] = row["Entity.LegalName"] or lei
    record: dict[str, Any] = {"id": lei.lower(), "name": names[lei],
                              "type": TYPES.get(row.get("Entity.EntityCategory", ""), "company")}
    jurisdiction = row.get("Entity.LegalJurisdiction", "")
    incorporated = _country(jurisdiction)
    if jurisdiction and not incorporated:
        draft.skip(where, f"LegalJurisdiction `{jurisdiction}` is not an ISO 3166 code: not read")
    if not incorporated and _country(row.get("Entity.LegalAddress.Country", "")):
        incorporated = _country(row["Entity.LegalAddress.Country"])
        draft.note(where, f"no LegalJurisdiction: the legal address's country {incorporated} read as where it was formed")
    headquarters = _country(row.get("Entity.HeadquartersAddress.Country", ""))
    if record["type"] == "agency":
        if incorporated or headquarters:
            record["country"] = incorporated or headquarters
        else:
            record["type"] = "company"
            draft.skip(where, f"government entity {lei} has no country: imported as a company")
    if incorporated:
        record["incorporated_in"] = incorporated
    if headquarters:
        record["headquartered_in"] = headquarters
    record["sources"] = [{"doc": path.name, "quote": f"GLEIF LEI {lei}: {names[lei]}"}]
    return record


def day(text: str, end: bool) -> dt.date | None:
    """A GLEIF date or date-time (its own calendar date is kept); an end date → the day after it. ValueError
    if it is not a real date."""
    if not text:
        return None
    found = _DAY.fullmatch(text)
    if not found:
        raise ValueError(f"`{text[:40]}` is not an ISO date")
    try:
        first = dt.date(*(int(part) for part in found.groups()))
        return first + dt.timedelta(days=1) if end else first
    except (ValueError, OverflowError):
        raise ValueError(f"`{text[:40]}` is not a real calendar date") from None
