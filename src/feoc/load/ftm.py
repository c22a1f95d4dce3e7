"""FollowTheMoney (FtM) entity JSON lines — the format of OpenSanctions and other public data — into our
dataset contract.

Mapping (each decision is also stated in the import summary):
- `Company`, `Organization`, `LegalEntity` → entities of type company; `PublicBody` → agency; `Person` → person
  (`nationality`/`citizenship`/`country` → country). Country codes are upper-cased; codes that are not ISO
  3166-1 alpha-2 (FtM uses e.g. `suhh`, `zz`) are dropped and reported.
- `jurisdiction` → incorporated_in; `mainCountry` (else `country`) → headquartered_in for organisations.
- `Ownership` (owner, asset, percentage, startDate, endDate) → a holding of equity. A missing or unreadable
  percentage cannot be tested against the ownership thresholds (rules/parameters.yaml): the stake is skipped
  and reported (never guessed).
  Partial dates: a start `2019-03` means from 2019-03-01; an end `2019-03` means until 2019-04-01 (exclusive).
- OpenSanctions dataset names on an entity (`datasets`) map to our designation lists where the mapping is
  sound: us_ofac_sdn → ofac-sdn, us_dod_chinese_milcorps → dod-1260h, us_dhs_uflpa → uflpa. Topics such as
  `sanction` alone do not say which list, so they are reported, not mapped.
- Every record carries `sources: [{doc: <file name>, quote: "FtM <schema> <id>: <name>"}]`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feoc.data.model import iso_countries
from feoc.data.problems import InputError, Problem
from feoc.load.draft import Draft, slugify

ENTITY_SCHEMAS = {"Company": "company", "Organization": "company", "LegalEntity": "company",
                  "PublicBody": "agency", "Person": "person"}
DATASET_LISTS = {"us_ofac_sdn": "ofac-sdn", "us_dod_chinese_milcorps": "dod-1260h", "us_dhs_uflpa": "uflpa"}
MAX_LINE_BYTES = 1_000_000


def _first(props: dict[str, Any], *names: str) -> Any:
    for name in names:
        values = props.get(name) or []
        if isinstance(values, list) and values:
            return values[0]
    return None


def _country(value: Any, where: str, draft: Draft) -> str | None:
    if not value:
        return None
    code = str(value).upper()
    if code in iso_countries():
        return code
    draft.skip(where, f"country `{value}` is not an ISO 3166-1 alpha-2 code: left out")
    return None


def partial_date(value: Any, end: bool) -> dt.date | None:
    """`2019`, `2019-03`, `2019-03-29` (or a datetime) → a day; an end date becomes the day after its period."""
    text = str(value or "")[:10]
    parts = text.split("-")
    try:
        if len(parts) == 1:
            year = int(parts[0])
            return dt.date(year + 1, 1, 1) if end else dt.date(year, 1, 1)
        if len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            if not end:
                return dt.date(year, month, 1)
            return dt.date(year + (month == 12), month % 12 + 1, 1)
        day = dt.date.fromisoformat(text)
        return day + dt.timedelta(days=1) if end else day
    except ValueError:
        return None


def _percentage(value: Any) -> float | None:
    try:
        number = float(str(value).strip().rstrip("%"))
    except (TypeError, ValueError):
        return None
    return number / 100 if 0 <= number <= 100 else None


def read_ftm(path: Path) -> Draft:
    """Read an FtM JSON-lines file into a Draft; malformed lines are InputErrors naming the line."""
    rows = _read_rows(path)
    out = _Import(path)
    for number, obj in rows:  # entities first, so ownerships can refer to any of them
        if obj["schema"] in ENTITY_SCHEMAS:
            out.entity(f"{path.name}:{number}", obj)
    for number, obj in rows:
        where = f"{path.name}:{number}"
        if obj["schema"] == "Ownership":
            out.ownership(where, obj)
        elif obj["schema"] not in ENTITY_SCHEMAS:
            out.draft.skip(where, f"schema `{obj['schema']}` is not imported")
    return out.draft


def _read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The FtM entities of the file with their line numbers; every malformed line is reported at once."""
    problems: list[Problem] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError([Problem(str(path), 0, f"cannot read the file ({exc.strerror})", "check the path")]) from None
    with handle:
        for number, raw in enumerate(handle, 1):
            if raw.strip() or len(raw) > MAX_LINE_BYTES:
                obj = _parse_line(raw, str(path), number, problems)
                if obj is not None:
                    rows.append((number, obj))
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError([Problem(str(path), 0, "no FtM entity in the file", "give a FtM JSON-lines file")])
    return rows


def _parse_line(raw: bytes, file: str, number: int, problems: list[Problem]) -> dict[str, Any] | None:
    """One line as an FtM entity, or None with the reason appended to `problems`."""
    if len(raw) > MAX_LINE_BYTES:
        problems.append(Problem(file, number, "line longer than 1 MB", "one FtM entity per line"))
        return None
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(file, number, f"not a JSON object: {exc}", "one FtM entity (JSON) per line"))
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not isinstance(obj.get("schema"), str):
        problems.append(Problem(file, number, "an FtM entity needs string `id` and `schema`",
                                "export entities as FtM JSON lines"))
        return None
    if not isinstance(obj.get("properties", {}), dict):
        problems.append(Problem(file, number, "`properties` must be an object", "export FtM JSON lines"))
        return None
    return obj


@dataclass
class _Import:
    """The draft being built from one FtM file, and the FtM ids seen so far (their slugs and names)."""

    path: Path
    draft: Draft = field(default_factory=Draft)
    taken: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # FtM id -> slug
    name_of: dict[str, str] = field(default_factory=dict)  # FtM id -> name

    def entity(self, where: str, obj: dict[str, Any]) -> None:
        """A Company, Organization, LegalEntity, PublicBody or Person, and the designations it carries."""
        schema, props = obj["schema"], obj.get("properties") or {}
        name = str(_first(props, "name") or obj["id"])
        slug = slugify(obj["id"], self.taken)
        self.ids[obj["id"]], self.name_of[obj["id"]] = slug, name
        record: dict[str, Any] = {"id": slug, "name": name, "type": ENTITY_SCHEMAS[schema]}
        if schema == "Person":
            self._person_countries(record, props, where)
        else:
            self._body_countries(record, props, where, schema == "PublicBody")
        record["sources"] = [{"doc": self.path.name, "quote": f"FtM {schema} {obj['id']}: {name}"}]
        self.draft.add("entities", record)
        self._designations(where, obj, slug)

    def _person_countries(self, record: dict[str, Any], props: dict[str, Any], where: str) -> None:
        country = _country(_first(props, "nationality", "citizenship", "country"), where, self.draft)
        if country:
            record["country"] = country

    def _body_countries(self, record: dict[str, Any], props: dict[str, Any], where: str, public: bool) -> None:
        inc = _country(_first(props, "jurisdiction"), where, self.draft)
        hq = _country(_first(props, "mainCountry", "country"), where, self.draft)
        if public:  # a public body is a government body only of a known nation
            if hq or inc:
                record["country"] = hq or inc
            else:
                record["type"] = "company"
                self.draft.skip(where, f"public body `{record['name']}` has no country: imported as a company")
        if inc:
            record["incorporated_in"] = inc
        if hq:
            record["headquartered_in"] = hq

    def _designations(self, where: str, obj: dict[str, Any], slug: str) -> None:
        """Listings for the OpenSanctions datasets that name one of our lists; topics alone name none."""
        datasets = obj.get("datasets") or []
        for ds_name in sorted(datasets):
            if ds_name in DATASET_LISTS:
                self.draft.add("listings", {"entity": slug, "list": DATASET_LISTS[ds_name],
                                            "sources": [{"doc": self.path.name,
                                                         "quote": f"FtM {obj['id']} in dataset {ds_name}"}]})
        topics = sorted(set((obj.get("properties") or {}).get("topics") or []))
        if topics and not set(datasets) & set(DATASET_LISTS):
            self.draft.skip(where, f"topics {', '.join(topics)} name no specific list: no designation imported")

    def ownership(self, where: str, obj: dict[str, Any]) -> None:
        """An Ownership as a holding of equity, or a skip line saying why not."""
        props = obj.get("properties") or {}
        owner, asset = _first(props, "owner"), _first(props, "asset")
        if owner not in self.ids or asset not in self.ids:
            self.draft.skip(where, f"ownership {obj['id']} names an owner or asset not in the file ({owner} → {asset})")
            return
        if owner == asset:
            self.draft.skip(where, f"ownership {obj['id']}: an entity cannot own itself")
            return
        share = _percentage(_first(props, "percentage"))
        if share is None:
            self.draft.skip(where, f"ownership {obj['id']} ({self.name_of[owner]} → {self.name_of[asset]}) has no "
                                   "readable percentage: a stake of unknown size cannot be tested against the ownership "
                                   "thresholds, so it is left out")
            return
        holding: dict[str, Any] = {"holder": self.ids[owner], "entity": self.ids[asset], "equity": share}
        start, end = partial_date(_first(props, "startDate"), False), partial_date(_first(props, "endDate"), True)
        if start:
            holding["from"] = start
        if end:
            holding["until"] = end
        if start and end and not start < end:
            self.draft.skip(where, f"ownership {obj['id']}: end before start")
            return
        holding["sources"] = [{"doc": self.path.name, "quote": f"FtM Ownership {obj['id']}: {self.name_of[owner]} owns "
                                                               f"{_first(props, 'percentage')}% of {self.name_of[asset]}"}]
        self.draft.add("holdings", holding)
