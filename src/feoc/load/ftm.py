"""FollowTheMoney (FtM) entity JSON lines — the format of OpenSanctions and other public data — into our
dataset contract.

Mapping (each decision is also stated in the import summary):
- `Company`, `Organization`, `LegalEntity` → entities of type company; `PublicBody` → agency; `Person` → person
  (every `nationality` and `citizenship` value → `citizenship`; `country` → the first of them, else FtM's
  `country`; `us_person` is left unrecorded: FtM does not say whether a person is a U.S. citizen, national or
  lawful permanent resident, which §45X asks of a covered nation's citizen). Country codes are upper-cased; codes that are not ISO
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

Nothing is changed silently (issue 15, class 6): a date that is not a real calendar date (`2021-02-30`), or
whose period ends after the last representable day (`9999-12-31`), never makes a stake current: the stake
is left out and reported. A property or `datasets`/`topics` given as one string is read as a one-item
list and reported; a value of another type (a number, an object) is left out and reported; when a
property other than `name` holds several values, the first is imported and the others are reported.
Readers are bounded: a line over 1 MiB is refused before it is decoded, JSON nested deeper than
`MAX_DEPTH`, numbers of more than `MAX_DIGITS` digits and `NaN`/`Infinity` are refused with their line,
a FIFO or device (`/dev/zero`) is refused without being read, and reading stops after `MAX_PROBLEMS`
malformed lines.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.data.values import iso_countries, parse_share
from feoc.load.draft import Draft, slugify
from feoc.load.stdin import STDIN_NAME, is_stdin, read_stdin

ENTITY_SCHEMAS = {"Company": "company", "Organization": "company", "LegalEntity": "company",
                  "PublicBody": "agency", "Person": "person"}
DATASET_LISTS = {"us_ofac_sdn": "ofac-sdn", "us_dod_chinese_milcorps": "dod-1260h", "us_dhs_uflpa": "uflpa"}
MAX_LINE_BYTES = 1 << 20  # 1 MiB: an FtM entity is a few kB; a longer line is refused before it is decoded
MAX_DEPTH = 32  # FtM entities nest a few levels (entity → properties → values, nested entities)
MAX_DIGITS = 40
MAX_PROBLEMS = 100
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?(?:T[0-9:.]*(?:Z|[+-][0-9:]+)?)?")
_PERCENT = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+) ?%?")  # ASCII digits only: no `2_5`, no exponent, no `inf`


def _values(value: Any, what: str, where: str, draft: Draft) -> list[str]:
    """A property's values as a list of strings; a single string is read as one item; anything else is
    reported (never dropped silently)."""
    if value is None:
        return []
    if isinstance(value, str):
        draft.skip(where, f"{what} is a single string, not a list: read as a one-item list")
        return [value]
    if not isinstance(value, list):
        draft.skip(where, f"{what} is a {type(value).__name__}, not a list of strings: left out")
        return []
    if not all(isinstance(v, str) for v in value):
        draft.skip(where, f"{what} holds values that are not strings: only the strings are read")
    return [v for v in value if isinstance(v, str)]


def _first(props: dict[str, Any], where: str, draft: Draft, *names: str) -> str | None:
    """The first value of the first of `names` the entity has; other values are reported (not for `name`:
    other names are aliases, which the dataset does not hold)."""
    for name in names:
        values = _values(props.get(name), f"property `{name}`", where, draft)
        if values:
            if len(set(values)) > 1 and name != "name":
                draft.skip(where, f"property `{name}` has {len(set(values))} values: `{values[0]}` imported, "
                                  f"{', '.join(sorted(set(values) - {values[0]}))} left out")
            return values[0]
    return None


def _country(value: str | None, where: str, draft: Draft) -> str | None:
    if not value:
        return None
    code = value.upper()
    if code in iso_countries():
        return code
    draft.skip(where, f"country `{value}` is not an ISO 3166-1 alpha-2 code: left out")
    return None


def partial_date(value: str | None, end: bool) -> dt.date | None:
    """`2019`, `2019-03`, `2019-03-29` (or a datetime) → a day; an end date becomes the day after its period.
    None for no value; ValueError for a value that is not a real date (never read as "no date")."""
    if not value:
        return None
    found = _DATE.fullmatch(value.strip())
    if not found:
        raise ValueError(f"`{value}` is not an ISO date")
    year, month, day = (int(part) if part else None for part in found.groups())
    try:
        first = dt.date(year or 0, month or 1, day or 1)
        if not end:
            return first
        if day:
            return first + dt.timedelta(days=1)
        if month:
            return dt.date(first.year + (month == 12), month % 12 + 1, 1)
        return dt.date(first.year + 1, 1, 1)
    except (ValueError, OverflowError):
        raise ValueError(f"`{value}` is not a real calendar date, or its period ends after the last day a date "
                         "can hold") from None


def _percentage(value: str | None) -> float | None:
    """A percentage as a share, read as the dataset reads shares (`parse_share`): None when it is not one, has
    more digits than a share can keep exactly, or lies outside 0-100 (the caller reports the skip)."""
    if value is None or not _PERCENT.fullmatch(value.strip()):
        return None
    try:
        share = parse_share(value.strip().rstrip("%").strip() + "%")
    except ValueError:
        return None
    return share if 0 <= share <= 1 else None


def read_ftm(path: Path) -> Draft:
    """Read an FtM JSON-lines file into a Draft; malformed lines are InputErrors naming the line. `-` reads
    standard input, whole and bounded (load/stdin.py), and names it `<stdin>`."""
    source = None
    if is_stdin(path):
        source, path = io.BytesIO(read_stdin("FtM JSON lines")), Path(STDIN_NAME)
    rows = _read_rows(path, source)
    out = _Import(path)
    for number, obj in rows:  # entities first, so ownerships can refer to any of them
        if obj["schema"] in ENTITY_SCHEMAS:
            out.entity(number, obj)
    for number, obj in rows:
        if obj["schema"] == "Ownership":
            out.ownership(number, obj)
        elif obj["schema"] not in ENTITY_SCHEMAS:
            out.draft.skip(f"{path.name}:{number}", f"schema `{obj['schema']}` is not imported")
    return out.draft


def _open(path: Path) -> Any:
    """The file opened for reading, if it is a regular file (a FIFO or `/dev/zero` is never read)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise InputError([Problem(str(path), 0, "not a regular file (a device, FIFO or folder)",
                                      "give an FtM JSON-lines file")])
        return path.open("rb")
    except OSError as exc:
        raise InputError([Problem(str(path), 0, f"cannot read the file ({exc.strerror})", "check the path")]) from None


def _lines(handle: Any) -> Any:
    """(number, bytes) per line, each read with a bound: a longer line yields None (its rest is skipped)."""
    number = 0
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(MAX_LINE_BYTES)
            yield number, None
        else:
            yield number, raw


def _read_rows(path: Path, source: Any = None) -> list[tuple[int, dict[str, Any]]]:
    """The FtM entities of the file (or of `source`, standard input read) with their line numbers; every
    malformed line is reported at once."""
    problems: list[Problem] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    with source if source is not None else _open(path) as handle:
        for number, raw in _lines(handle):
            if raw is None:
                problems.append(Problem(str(path), number, "line longer than 1 MiB", "one FtM entity per line"))
            elif raw.strip():
                obj = _parse_line(raw, str(path), number, problems)
                if obj is not None:
                    rows.append((number, obj))
            if len(problems) >= MAX_PROBLEMS:
                problems.append(Problem(str(path), number, f"{MAX_PROBLEMS} malformed lines: reading stopped here",
                                        "check that this is an FtM JSON-lines file"))
                break
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError([Problem(str(path), 0, "no FtM entity in the file", "give a FtM JSON-lines file")])
    return rows


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"`{name}` is not a JSON number")


def _bounded_int(text: str) -> int:
    if len(text) > MAX_DIGITS:  # before int(): a 5,000-digit number would pass Python's own limit only partly
        raise ValueError(f"a number of {len(text)} digits")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_DIGITS:
        raise ValueError(f"a number of {len(text)} characters")
    return float(text)


def _depth(obj: Any) -> int:
    """How deeply `obj` nests (counted without recursion), stopping once past MAX_DEPTH."""
    deepest, stack = 0, [(obj, 1)]
    while stack and deepest <= MAX_DEPTH:
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _parse_line(raw: bytes, file: str, number: int, problems: list[Problem]) -> dict[str, Any] | None:
    """One line as an FtM entity, or None with the reason appended to `problems`."""
    try:
        obj = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant, parse_int=_bounded_int,
                         parse_float=_bounded_float)
    except RecursionError:
        problems.append(Problem(file, number, "JSON nested too deeply", "one flat FtM entity (JSON) per line"))
        return None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        problems.append(Problem(file, number, f"not a JSON object: {exc}", "one FtM entity (JSON) per line"))
        return None
    if _depth(obj) > MAX_DEPTH:
        problems.append(Problem(file, number, f"JSON nested deeper than {MAX_DEPTH} levels",
                                "one FtM entity (JSON) per line"))
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

    def entity(self, number: int, obj: dict[str, Any]) -> None:
        """A Company, Organization, LegalEntity, PublicBody or Person, and the designations it carries."""
        where = f"{self.path.name}:{number}"
        schema, props = obj["schema"], obj.get("properties") or {}
        name = _first(props, where, self.draft, "name") or obj["id"]
        slug = slugify(obj["id"], self.taken)
        self.ids[obj["id"]], self.name_of[obj["id"]] = slug, name
        record: dict[str, Any] = {"id": slug, "name": name, "type": ENTITY_SCHEMAS[schema]}
        if schema == "Person":
            self._person_countries(record, props, where)
        else:
            self._body_countries(record, props, where, schema == "PublicBody")
        record["sources"] = [{"doc": self.path.name, "quote": f"FtM {schema} {obj['id']}: {name}"}]
        self.draft.add("entities", record, (str(self.path), number))
        self._designations(number, obj, slug)

    def _person_countries(self, record: dict[str, Any], props: dict[str, Any], where: str) -> None:
        """Every `nationality` and `citizenship` value → `citizenship` (§45X asks for "a citizen or national",
        not residence: IRC 7701(a)(51)(C)(ii)); `country` → the first of those, else FtM's `country`."""
        codes = [_country(v, where, self.draft) for name in ("nationality", "citizenship")
                 for v in dict.fromkeys(_values(props.get(name), f"property `{name}`", where, self.draft))]
        citizenship = sorted({c for c in codes if c})
        country = next((c for c in codes if c), None) or _country(_first(props, where, self.draft, "country"),
                                                                 where, self.draft)
        if country:
            record["country"] = country
        if citizenship:
            record["citizenship"] = citizenship

    def _body_countries(self, record: dict[str, Any], props: dict[str, Any], where: str, public: bool) -> None:
        inc = _country(_first(props, where, self.draft, "jurisdiction"), where, self.draft)
        hq = _country(_first(props, where, self.draft, "mainCountry", "country"), where, self.draft)
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

    def _designations(self, number: int, obj: dict[str, Any], slug: str) -> None:
        """Listings for the OpenSanctions datasets that name one of our lists; topics alone name none."""
        where = f"{self.path.name}:{number}"
        datasets = sorted(set(_values(obj.get("datasets"), "`datasets`", where, self.draft)))
        for ds_name in datasets:
            if ds_name in DATASET_LISTS:
                self.draft.add("listings", {"entity": slug, "list": DATASET_LISTS[ds_name],
                                            "sources": [{"doc": self.path.name,
                                                         "quote": f"FtM {obj['id']} in dataset {ds_name}"}]},
                               (str(self.path), number))
        topics = sorted(set(_values((obj.get("properties") or {}).get("topics"), "property `topics`", where,
                                    self.draft)))
        if topics and not set(datasets) & set(DATASET_LISTS):
            self.draft.skip(where, f"topics {', '.join(topics)} name no specific list: no designation imported")

    def ownership(self, number: int, obj: dict[str, Any]) -> None:
        """An Ownership as a holding of equity, or a skip line saying why not."""
        where = f"{self.path.name}:{number}"
        props = obj.get("properties") or {}
        owner, asset = _first(props, where, self.draft, "owner"), _first(props, where, self.draft, "asset")
        if owner not in self.ids or asset not in self.ids:
            self.draft.skip(where, f"ownership {obj['id']} names an owner or asset not in the file ({owner} → {asset})")
            return
        if owner == asset:
            self.draft.skip(where, f"ownership {obj['id']}: an entity cannot own itself")
            return
        percentage = _first(props, where, self.draft, "percentage")
        share = _percentage(percentage)
        if share is None:
            self.draft.skip(where, f"ownership {obj['id']} ({self.name_of[owner]} → {self.name_of[asset]}) has no "
                                   "readable percentage: a stake of unknown size cannot be tested against the ownership "
                                   "thresholds, so it is left out")
            return
        holding: dict[str, Any] = {"holder": self.ids[owner], "entity": self.ids[asset], "equity": share}
        if not self._dates(where, obj["id"], props, holding):
            return
        holding["sources"] = [{"doc": self.path.name, "quote": f"FtM Ownership {obj['id']}: {self.name_of[owner]} owns "
                                                               f"{percentage}% of {self.name_of[asset]}"}]
        self.draft.add("holdings", holding, (str(self.path), number))

    def _dates(self, where: str, ident: str, props: dict[str, Any], holding: dict[str, Any]) -> bool:
        """`from`/`until` of a holding; False (the stake left out, reported) if a date cannot be read: an
        unreadable end date must never make a stake look current."""
        try:
            start = partial_date(_first(props, where, self.draft, "startDate"), False)
            end = partial_date(_first(props, where, self.draft, "endDate"), True)
        except ValueError as exc:
            self.draft.skip(where, f"ownership {ident}: {exc}: a stake whose dates cannot be read is left out")
            return False
        if start and end and not start < end:
            self.draft.skip(where, f"ownership {ident}: end before start")
            return False
        if start:
            holding["from"] = start
        if end:
            holding["until"] = end
        return True
