"""Beneficial Ownership Data Standard (BODS) 0.4 statements into our dataset contract (issue 20).

The standard: Open Ownership, BODS 0.4 (openownership/data-standard: schema/entity-record.json,
person-record.json, relationship-record.json, components.json, codelists/*.csv). Every statement has a
`recordId`, a `recordType` (entity, person, relationship), a `recordStatus` (new, updated, closed) and
`recordDetails`. BODS 0.3 statements (`statementType`) are refused with a clear line (`bods_read`): their
object references and `replacesStatements` would need a second reader, and 0.4 is the current version.

Mapping (each decision in README "Importing"):
- Records: statements of one `recordId` are read in file order; the last one is the record, each earlier
  one is listed as replaced. A `closed` entity or person is still imported (past holdings may name it); a
  `closed` relationship ends: its interests without an `endDate` end on the closing statement's
  `statementDate`.
- Entities (`entityType.type`): `registeredEntity`, `legalEntity`, `arrangement` → company; `state` →
  government, `stateBody` → government when `entityType.subtype` is `governmentDepartment`, else agency
  (both count as the government of their nation: DOE 89 FR 37079, rules/vocabulary.yaml
  `government_types`), with `country` the nation of their `jurisdiction` ("the state's jurisdiction (for
  states and state bodies)"); `anonymousEntity` and `unknownEntity` are not imported (no one to judge).
  `jurisdiction.code` (ISO 3166-1, or an ISO 3166-2 subdivision, read as its country) → `incorporated_in`
  ("the jurisdiction in which this entity was registered or created"); without one, the country of a
  `registered` address ("an official address ... which must be provided to company registers"). A
  `business` address is "a place where the entity conducts its business": when all of an entity's business
  addresses lie in one country, that country is its principal place of business → `headquartered_in`;
  business addresses in several countries say nothing about which is principal, and are listed.
- Persons: `knownPerson` → person; its legal name (else the first); every `nationalities` code →
  `citizenship`, the first → `country` (as `feoc import ftm` reads nationality); `anonymousPerson` and
  `unknownPerson` are not imported.
- Relationships → holdings of the interested party in the subject: interest `shareholding` → `equity`,
  `votingRights` → `voting`, `appointmentOfBoard` ("the absolute right to appoint members of the board")
  → `board_seats` with its share, or, without a share, `appoints_officers: true` (the direct authority to
  appoint a director, IRC 7701(a)(51)(D)); `share` → an exact share or a range (`bods_share`); interests
  of one relationship with the same `startDate`/`endDate` make one holding. No stake is read as smaller than
  the file allows (`bods_holdings`, each with a note): a shareholding or votingRights interest without a share
  is the range 0-100 %; two interests of one type for the same dates are read from the larger to their sum; a
  `directOrIndirect: unknown` interest is a direct share from 0 to its maximum. Not imported, each listed with
  its reason: other interest types; `directOrIndirect: indirect` interests (feoc traces chains itself: an
  indirect interest read as direct would be counted twice); a subject or interested party that is
  unspecified (an inline reason), anonymous, unknown or not imported.
- A relationship naming a `recordId` that no statement of the file describes is an input error (exit 2,
  nothing written): a stake whose holder is missing would be judged without its holder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.data.values import iso_countries
from feoc.load.bods_holdings import holdings
from feoc.load.bods_read import label, read_statements
from feoc.load.bods_share import day, json_repr
from feoc.load.draft import Draft, slugify

COMPANY_TYPES = ("registeredEntity", "legalEntity", "arrangement")
GOVERNMENT_TYPES = ("state", "stateBody")
Statement = tuple[int, dict[str, Any]]


def read_bods(path: Path) -> Draft:
    """Read a BODS 0.4 file (JSON array or JSON lines) into a Draft; every skip listed with its reason."""
    out = _Import(Path(label(path)))  # `-` (standard input) is named `<stdin>`
    records = out.records(read_statements(path))
    for record_id, (line, statement) in records.items():
        if statement["recordType"] in ("entity", "person"):
            out.party(record_id, line, statement)
        elif statement["recordType"] != "relationship":
            out.draft.skip(out.where(line), f"recordType `{statement['recordType']}` is not one BODS 0.4 defines")
    for _record_id, (line, statement) in records.items():
        if statement["recordType"] == "relationship":
            out.relationship(line, statement)
    if out.problems:
        raise InputError(out.problems[:100])
    return out.draft


def _country(code: Any) -> str | None:
    """The ISO 3166-1 country of a jurisdiction or country code (`CN`, or a subdivision `CN-GD`), or None."""
    if not isinstance(code, str) or not (len(code) == 2 or (len(code) > 3 and code[2] == "-")):
        return None
    country = code[:2].upper()
    return country if country in iso_countries() else None


@dataclass
class _Import:
    path: Path
    draft: Draft = field(default_factory=Draft)
    problems: list[Problem] = field(default_factory=list)
    taken: dict[str, str] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)  # recordId -> slug of the imported entity
    names: dict[str, str] = field(default_factory=dict)  # recordId -> name
    left_out: dict[str, str] = field(default_factory=dict)  # recordId -> why it was not imported
    kinds: dict[str, str] = field(default_factory=dict)  # recordId -> recordType
    closing: dict[str, dt.date | None] = field(default_factory=dict)  # closed relationship -> statementDate
    earlier: dict[str, dict[str, Any]] = field(default_factory=dict)  # closed relationship -> statement before

    def where(self, line: int) -> str:
        return f"{self.path.name}:{line}"

    def records(self, rows: list[Statement]) -> dict[str, Statement]:
        """The last statement of each record, in order of first appearance; earlier ones listed as replaced."""
        last: dict[str, Statement] = {}
        ids: dict[str, int] = {}
        for line, statement in rows:
            record_id, kind = statement["recordId"], statement["recordType"]
            if statement["statementId"] in ids:
                self.problems.append(Problem(str(self.path), line, f"statementId `{statement['statementId']}` is "
                                             f"also the statement at line {ids[statement['statementId']]}",
                                             "give each statement its own statementId"))
            ids.setdefault(statement["statementId"], line)
            if record_id in last:
                before_line, before = last[record_id]
                if before["recordType"] != kind:
                    self.problems.append(Problem(str(self.path), line, f"record `{record_id}` is a {kind} here and "
                                                 f"a {before['recordType']} at line {before_line}",
                                                 "give each record one recordType"))
                self.draft.skip(self.where(before_line), f"statement {before['statementId']} of record {record_id} "
                                                         f"is replaced by the later statement at line {line}")
                if str(statement.get("statementDate", "")) < str(before.get("statementDate", "")):
                    self.draft.note(self.where(line), f"statement {statement['statementId']} is dated before the "
                                                      f"statement of record {record_id} it follows: file order is kept")
                self.earlier[record_id] = before
            last[record_id] = (line, statement)
            self.kinds[record_id] = kind
        return last

    def party(self, record_id: str, line: int, statement: dict[str, Any]) -> None:
        """An entity or person record as an entity, or the reason it is left out."""
        details = statement["recordDetails"]
        record = self._entity(details, line) if statement["recordType"] == "entity" else self._person(details, line)
        if isinstance(record, str):
            self.left_out[record_id] = record
            self.draft.skip(self.where(line), f"{statement['recordType']} {record_id}: {record}")
            return
        record["id"] = slugify(record_id, self.taken)
        record = {"id": record.pop("id"), **record}
        record["sources"] = [{"doc": self.path.name, "quote": f"BODS {statement['recordType']} {record_id} "
                                                            f"(statement {statement['statementId']}): {record['name']}"}]
        if statement.get("recordStatus") == "closed":
            self.draft.note(self.where(line), f"{statement['recordType']} {record_id} is closed: imported, as "
                                              "past holdings may name it")
        self.slugs[record_id], self.names[record_id] = record["id"], record["name"]
        self.draft.add("entities", record, (str(self.path), line))

    def _entity(self, details: dict[str, Any], line: int) -> dict[str, Any] | str:
        kind_obj = details.get("entityType")
        kind = kind_obj.get("type") if isinstance(kind_obj, dict) else None
        name = details.get("name")
        if kind in ("anonymousEntity", "unknownEntity"):
            return f"an {kind}: no entity to judge; relationships naming it are left out"
        if kind not in (*COMPANY_TYPES, *GOVERNMENT_TYPES):
            return f"entityType {json_repr(kind)} is not one BODS 0.4 defines: left out"
        if not isinstance(name, str) or not name.strip():
            return "no `name`: left out"
        jurisdiction = details.get("jurisdiction")
        country = _country(jurisdiction.get("code")) if isinstance(jurisdiction, dict) else None
        record: dict[str, Any] = {"id": "", "name": name, "type": "company"}
        if kind in GOVERNMENT_TYPES:
            subtype = kind_obj.get("subtype") if isinstance(kind_obj, dict) else None
            if country:
                record["type"] = "agency" if kind == "stateBody" and subtype != "governmentDepartment" else "government"
                record["country"] = country
                return record
            # imported (as a company), so a note of what was done, not a skip (issue 20 polish)
            self.draft.note(self.where(line), f"{kind} `{name}` has no jurisdiction with an ISO country code: "
                                              "imported as a company (a government body only of a known nation)")
        self._places(record, details, country, line)
        return record

    def _places(self, record: dict[str, Any], details: dict[str, Any], country: str | None, line: int) -> None:
        """`incorporated_in` from the jurisdiction (else a registered address), `headquartered_in` from the
        business addresses when they all lie in one country."""
        addresses = [a for a in details.get("addresses") or [] if isinstance(a, dict)] if isinstance(
            details.get("addresses"), list) else []

        def countries(kind: str) -> set[str]:
            found = {_country(a["country"].get("code")) if isinstance(a.get("country"), dict) else None
                     for a in addresses if a.get("type") == kind}
            return {c for c in found if c}

        registered, business = countries("registered"), countries("business")
        if country is None and len(registered) == 1:
            country = next(iter(registered))
            self.draft.note(self.where(line), f"no jurisdiction code: the registered address's country {country} "
                                              "read as where it was registered")
        if country:
            record["incorporated_in"] = country
        if len(business) == 1:
            record["headquartered_in"] = next(iter(business))
        elif business:
            self.draft.skip(self.where(line), f"business addresses in {', '.join(sorted(business))}: which is the "
                                              "principal place of business is not said, so none is recorded")

    def _person(self, details: dict[str, Any], line: int) -> dict[str, Any] | str:
        kind = details.get("personType")
        if kind != "knownPerson":
            return f"personType {json_repr(kind)}: no known person to judge; relationships naming it are left out"
        names = [n for n in details.get("names") or [] if isinstance(n, dict)] if isinstance(
            details.get("names"), list) else []
        names.sort(key=lambda n: n.get("type") != "legal")
        full = [n.get("fullName") or " ".join(str(n[k]) for k in ("givenName", "familyName") if n.get(k))
                for n in names]
        name = next((n for n in full if isinstance(n, str) and n.strip()), None)
        if name is None:
            return "no name: left out"
        record: dict[str, Any] = {"id": "", "name": name, "type": "person"}
        raw_list = details.get("nationalities")
        nationalities: list[Any] = raw_list if isinstance(raw_list, list) else []
        codes = [_country(n.get("code")) if isinstance(n, dict) else None for n in nationalities]
        for raw, code in zip(nationalities, codes, strict=True):
            if code is None:
                self.draft.skip(self.where(line), f"nationality {json_repr(raw)} has no ISO 3166-1 code: left out")
        kept = list(dict.fromkeys(c for c in codes if c))
        if kept:
            record["country"], record["citizenship"] = kept[0], sorted(kept)
        return record

    def relationship(self, line: int, statement: dict[str, Any]) -> None:
        """A relationship record as holdings, or skip lines saying why not."""
        details, record_id = statement["recordDetails"], statement["recordId"]
        ends: dt.date | None = None
        if statement.get("recordStatus") == "closed":
            try:
                ends = day(statement.get("statementDate"))
            except ValueError as exc:
                self.draft.skip(self.where(line), f"closed relationship {record_id}: statementDate {exc}: left out")
                return
            if ends is None:
                self.draft.skip(self.where(line), f"closed relationship {record_id} has no statementDate: when it "
                                                  "ended is unknown, so it is left out")
                return
            if "interests" not in details and record_id in self.earlier:
                details = {**details, "interests": self.earlier[record_id]["recordDetails"].get("interests")}
        parties = [self._party(details.get(key), key, record_id, line) for key in ("subject", "interestedParty")]
        if None in parties:
            return
        subject, holder = parties[0] or "", parties[1] or ""
        subject_id, holder_id = details["subject"], details["interestedParty"]
        if self.kinds.get(subject_id) != "entity":
            self.draft.skip(self.where(line), f"relationship {record_id}: its subject is a person (BODS: the subject "
                                              "MUST be an entity): left out")
            return
        if holder == subject:
            self.draft.skip(self.where(line), f"relationship {record_id}: an entity cannot hold itself: left out")
            return
        quote = (f"BODS relationship {record_id} (statement {statement['statementId']}): {self.names[holder_id]} "
                 f"in {self.names[subject_id]}")
        for holding in holdings(self.draft, self.problems, str(self.path), line,
                                {**statement, "recordDetails": details}, ends):
            self.draft.add("holdings", {"holder": holder, "entity": subject, **holding,
                                        "sources": [{"doc": self.path.name, "quote": quote}]}, (str(self.path), line))

    def _party(self, value: Any, key: str, record_id: str, line: int) -> str | None:
        """The slug of the subject or interested party, or None (a skip listed, or a problem recorded)."""
        if isinstance(value, dict):
            reason = json_repr(value.get("reason"), 80)
            self.draft.skip(self.where(line), f"relationship {record_id}: the {key} is unspecified (reason {reason}): "
                                              "left out")
            return None
        if not isinstance(value, str) or value not in self.kinds:
            self.problems.append(Problem(str(self.path), line, f"relationship {record_id}: the {key} "
                                         f"{json_repr(value)} is not a record of this file",
                                         "add the entity or person statement it names, or remove the relationship"))
            return None
        if value not in self.slugs:
            why = self.left_out.get(value, f"a {self.kinds[value]}, not an entity or person")
            self.draft.skip(self.where(line), f"relationship {record_id}: the {key} {value} was not imported ({why})")
            return None
        return self.slugs[value]
