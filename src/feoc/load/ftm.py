"""FollowTheMoney (FtM) entity JSON lines — the format of OpenSanctions and other public data — into our
dataset contract.

Mapping (each decision is also stated in the import summary):
- `Company`, `Organization`, `LegalEntity` → entities of type company; `PublicBody` → agency; `Person` → person
  (`nationality`/`citizenship`/`country` → country). Country codes are upper-cased; codes that are not ISO
  3166-1 alpha-2 (FtM uses e.g. `suhh`, `zz`) are dropped and reported.
- `jurisdiction` → incorporated_in; `mainCountry` (else `country`) → headquartered_in for organisations.
- `Ownership` (owner, asset, percentage, startDate, endDate) → a holding of equity. A missing or unreadable
  percentage cannot be tested against the 25 % threshold: the stake is skipped and reported (never guessed).
  Partial dates: a start `2019-03` means from 2019-03-01; an end `2019-03` means until 2019-04-01 (exclusive).
- OpenSanctions dataset names on an entity (`datasets`) map to our designation lists where the mapping is
  sound: us_ofac_sdn → ofac-sdn, us_dod_chinese_milcorps → dod-1260h, us_dhs_uflpa → uflpa. Topics such as
  `sanction` alone do not say which list, so they are reported, not mapped.
- Every record carries `sources: [{doc: <file name>, quote: "FtM <schema> <id>: <name>"}]`.
"""

from __future__ import annotations

import datetime as dt
import json
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
    draft = Draft()
    problems: list[Problem] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError([Problem(str(path), 0, f"cannot read the file ({exc.strerror})", "check the path")]) from None
    with handle:
        for number, raw in enumerate(handle, 1):
            if len(raw) > MAX_LINE_BYTES:
                problems.append(Problem(str(path), number, "line longer than 1 MB", "one FtM entity per line"))
                continue
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                problems.append(Problem(str(path), number, f"not a JSON object: {exc}", "one FtM entity (JSON) per line"))
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not isinstance(obj.get("schema"), str):
                problems.append(Problem(str(path), number, "an FtM entity needs string `id` and `schema`",
                                        "export entities as FtM JSON lines"))
                continue
            if not isinstance(obj.get("properties", {}), dict):
                problems.append(Problem(str(path), number, "`properties` must be an object", "export FtM JSON lines"))
                continue
            rows.append((number, obj))
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError([Problem(str(path), 0, "no FtM entity in the file", "give a FtM JSON-lines file")])
    taken: dict[str, str] = {}
    ids: dict[str, str] = {}
    name_of: dict[str, str] = {}
    for number, obj in rows:  # entities first, so ownerships can refer to any of them
        schema, props = obj["schema"], obj.get("properties") or {}
        where = f"{path.name}:{number}"
        if schema not in ENTITY_SCHEMAS:
            continue
        name = str(_first(props, "name") or obj["id"])
        slug = slugify(obj["id"], taken)
        ids[obj["id"]], name_of[obj["id"]] = slug, name
        record: dict[str, Any] = {"id": slug, "name": name, "type": ENTITY_SCHEMAS[schema]}
        if schema == "Person":
            country = _country(_first(props, "nationality", "citizenship", "country"), where, draft)
            if country:
                record["country"] = country
        else:
            inc = _country(_first(props, "jurisdiction"), where, draft)
            hq = _country(_first(props, "mainCountry", "country"), where, draft)
            if schema == "PublicBody":
                if hq or inc:
                    record["country"] = hq or inc
                else:
                    record["type"] = "company"
                    draft.skip(where, f"public body `{name}` has no country: imported as a company")
            if inc:
                record["incorporated_in"] = inc
            if hq:
                record["headquartered_in"] = hq
        record["sources"] = [{"doc": path.name, "quote": f"FtM {schema} {obj['id']}: {name}"}]
        draft.add("entities", record)
        for ds_name in sorted(obj.get("datasets") or []):
            if ds_name in DATASET_LISTS:
                draft.add("listings", {"entity": slug, "list": DATASET_LISTS[ds_name],
                                       "sources": [{"doc": path.name, "quote": f"FtM {obj['id']} in dataset {ds_name}"}]})
        topics = sorted(set(props.get("topics") or []))
        if topics and not set(obj.get("datasets") or []) & set(DATASET_LISTS):
            draft.skip(where, f"topics {', '.join(topics)} name no specific list: no designation imported")
    for number, obj in rows:
        schema, props = obj["schema"], obj.get("properties") or {}
        where = f"{path.name}:{number}"
        if schema in ENTITY_SCHEMAS:
            continue
        if schema != "Ownership":
            draft.skip(where, f"schema `{schema}` is not imported")
            continue
        owner, asset = _first(props, "owner"), _first(props, "asset")
        if owner not in ids or asset not in ids:
            draft.skip(where, f"ownership {obj['id']} names an owner or asset not in the file ({owner} → {asset})")
            continue
        if owner == asset:
            draft.skip(where, f"ownership {obj['id']}: an entity cannot own itself")
            continue
        share = _percentage(_first(props, "percentage"))
        if share is None:
            draft.skip(where, f"ownership {obj['id']} ({name_of[owner]} → {name_of[asset]}) has no readable percentage: "
                              "a stake of unknown size cannot be tested against 25 %, so it is left out")
            continue
        holding: dict[str, Any] = {"holder": ids[owner], "entity": ids[asset], "equity": share}
        start, end = partial_date(_first(props, "startDate"), False), partial_date(_first(props, "endDate"), True)
        if start:
            holding["from"] = start
        if end:
            holding["until"] = end
        if start and end and not start < end:
            draft.skip(where, f"ownership {obj['id']}: end before start")
            continue
        holding["sources"] = [{"doc": path.name, "quote": f"FtM Ownership {obj['id']}: {name_of[owner]} owns "
                                                          f"{_first(props, 'percentage')}% of {name_of[asset]}"}]
        draft.add("holdings", holding)
    return draft
