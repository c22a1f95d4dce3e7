"""A supplier master file (CSV, one row per supplier) into our dataset contract.

Columns (header row required; only `name` is mandatory, unknown columns are an error):
`id, name, type, country, incorporated_in, headquartered_in, parent, equity, voting, board_seats, from, until, source`.
A row is an entity; `parent` (the id, or the exact name of exactly one other row) with a share makes a
holding of the parent in it (`"25%"` or `0.25`). `type` defaults to company; countries are ISO 3166-1
alpha-2 codes (`cn` is read as `CN`).

The `country` column is mapped as the FtM importer maps an entity's `country` (`load/ftm.py`): for a
business (`type` company or fund, FtM's Company/Organization/LegalEntity) it is the principal place of
business, `headquartered_in`, unless that column is filled (then a different `country` is kept as written,
and the import summary says that no rule reads it); for a person, government, agency or party it stays `country`, the nation
it belongs to. The jurisdiction rules read `incorporated_in` and `headquartered_in` of a business, never
its `country`: a Chinese supplier written `country: CN` is therefore judged as headquartered in China.

Cells are trimmed of surrounding spaces; blank lines are ignored.
Every record cites the file and row (`source`, when given, is quoted too), and a problem of any record
(a share over 100 %, an unknown country) is reported at its row of the CSV file. The result goes through
the same validation as any dataset before anything is written.

Nothing is changed silently (issue 15, class 6), so each of these is an error naming its row or columns:
a duplicated or blank header column; a row with more cells than the header; a share or date not written
strictly (`"2_5"`, `" 1e1"`, `"٢٥"`: Python's own float() and int() accept digit separators and other
scripts' digits); a NUL character; a cell over 1 MiB; a parent named by a name two rows share; two
rows with one id. Rows are split by the csv module on the raw file (`newline=""`), so U+0085 or
U+2028 inside a cell never splits a row; a line break inside a quoted cell is kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.data.values import iso_countries
from feoc.load.draft import Draft, slugify
from feoc.load.stdin import STDIN_NAME, is_stdin, read_bounded, read_stdin

COLUMNS = ("id", "name", "type", "country", "incorporated_in", "headquartered_in", "parent", "equity", "voting",
           "board_seats", "from", "until", "source")
SHARES = ("equity", "voting", "board_seats")
COUNTRIES = ("country", "incorporated_in", "headquartered_in")
# the entity types of a business: FtM's organisation schemas, whose `country` is the principal place of business
BUSINESS_TYPES = ("company", "fund")
MAX_CELL_CHARS = 1 << 20  # a cell over 1 MiB is refused (csv.field_size_limit) rather than read into memory
_SHARE = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?: ?%)?")  # ASCII digits only, no `_`, no exponent
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CODE = re.compile(r"[A-Za-z]{2}")

Row = tuple[int, dict[str, str]]


def read_master_csv(path: Path) -> Draft:
    """The supplier master CSV at `path` (`-`: standard input, whole and bounded, named `<stdin>`) as a Draft."""
    if is_stdin(path):
        path = Path(STDIN_NAME)
        text = _decode(read_stdin("a CSV file"), str(path))
    else:
        text = _text(path)
    name = str(path)
    rows = _rows(text, name)
    keys = _keys(rows, name)
    draft, problems = Draft(), []
    for number, row in rows:
        problems.extend(_row(draft, path, number, row, keys))
    if problems:
        raise InputError(problems)
    return draft


def _text(path: Path) -> str:
    """The file as text: a regular file of bounded size (`load.stdin.read_bounded`), UTF-8 (a byte order mark is
    dropped)."""
    return _decode(read_bounded(path, "give a CSV file", "split the CSV into several imports"), str(path))


def _decode(data: bytes, name: str) -> str:
    """UTF-8 text (a byte order mark dropped), or InputError naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem(name, line, f"not UTF-8 text (byte {data[exc.start]:#04x})",
                                  "save the CSV as UTF-8")]) from None


def _lf(cell: str) -> str:
    return cell.replace("\r\n", "\n").replace("\r", "\n") if "\r" in cell else cell


def _rows(text: str, name: str) -> list[Row]:
    """(row number, cells by column) for every non-blank row; every structural problem is an error."""
    old_limit = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = _header(next(reader, []), name)
        rows: list[Row] = []
        problems: list[Problem] = []
        start = reader.line_num + 1
        while True:
            try:
                cells = next(reader, None)
            except csv.Error as exc:
                detail = "a cell over 1 MiB" if "field limit" in str(exc) else str(exc)
                raise InputError(problems + [Problem(name, start, f"cannot read the CSV row: {detail}",
                                                     "check the quoting of this row; keep cells under 1 MiB")]) from None
            if cells is None:
                break
            if any(c.strip() for c in cells):
                problems.extend(_shape(cells, header, name, start))
                # a line break inside a quoted cell is text; spreadsheets write it as CRLF, the dataset as LF
                rows.append((start, {h: _lf(c.strip()) for h, c in zip(header, cells)}))
            start = reader.line_num + 1
    finally:
        csv.field_size_limit(old_limit)
    if problems:
        raise InputError(problems)
    return rows


def _header(cells: list[str], name: str) -> list[str]:
    header = [h.strip() for h in cells]
    problems = []
    seen: dict[str, int] = {}
    for i, h in enumerate(header, 1):
        if h in seen:
            problems.append(Problem(name, 1, f"columns {seen[h]} and {i} are both `{h}`", "keep one column of each name"))
        seen.setdefault(h, i)
    blank = [str(i) for i, h in enumerate(header, 1) if not h]
    unknown = [h for h in header if h and h not in COLUMNS]
    if not header or "name" not in header:
        problems.append(Problem(name, 1, "the header row has no `name` column", f"use columns from: {', '.join(COLUMNS)}"))
    if blank:
        problems.append(Problem(name, 1, f"header column(s) {', '.join(blank)} have no name", "name every column"))
    if unknown:
        problems.append(Problem(name, 1, f"unknown column(s) {', '.join(unknown)}", f"use columns from: {', '.join(COLUMNS)}"))
    if problems:
        raise InputError(problems)
    return header


def _shape(cells: list[str], header: list[str], name: str, number: int) -> list[Problem]:
    problems = []
    if len(cells) > len(header):
        problems.append(Problem(name, number, f"row {number} has {len(cells)} cells, the header {len(header)} columns",
                                "remove the extra cells or quote a cell that holds a comma"))
    if any("\x00" in c for c in cells):
        problems.append(Problem(name, number, f"row {number} holds a NUL character", "remove it (is this a text file?)"))
    return problems


@dataclass(frozen=True)
class _Keys:
    """Each row's slug (by row number), and the rows a `parent` value can name: by id, or by name."""

    slug: dict[int, str]
    named: dict[str, list[tuple[int, str]]]  # value -> [(row number, "id" or "name")], one entry per row

    def parent(self, value: str, name: str, number: int) -> tuple[str | None, list[Problem]]:
        """The slug of the one row `value` names, else the problem: it names none, or several (each named)."""
        rows = self.named.get(value, [])
        if len(rows) == 1:
            return self.slug[rows[0][0]], []
        if not rows:
            return None, [Problem(name, number, f"parent `{value}` is not the id, or the name of exactly one row, "
                                  "of this file", "name the parent by its id, or add a row for it")]
        which = " and ".join(f"row {n} (its {how})" for n, how in rows)
        return None, [Problem(name, number, f"parent `{value}` is ambiguous: it names {which}",
                              "name the parent by an `id` that no other row has as its id or name")]


def _keys(rows: list[Row], name: str) -> _Keys:
    """Each row's slug (from its id, else its name) and what names each row; a repeated key is an error."""
    problems: list[Problem] = []
    taken: dict[str, str] = {}
    first: dict[str, int] = {}
    slug: dict[int, str] = {}
    named: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for number, row in rows:
        if not row.get("name"):
            problems.append(Problem(name, number, f"row {number} has no name", "give every supplier a name"))
            continue
        key = row.get("id") or row["name"]
        if key in first:
            problems.append(Problem(name, number, f"rows {first[key]} and {number} are both `{key}`",
                                    "give each supplier its own id"))
            continue
        first[key] = number
        slug[number] = slugify(key, taken)
        if row.get("id"):
            named[row["id"]].append((number, "id"))
        if row["name"] != row.get("id"):
            named[row["name"]].append((number, "name"))
    if problems:
        raise InputError(problems)
    return _Keys(slug, dict(named))


def _row(draft: Draft, path: Path, number: int, row: dict[str, str], keys: _Keys) -> list[Problem]:
    """The entity of one row and its parent's holding, or the problems of the row."""
    name = str(path)
    problems = _values(row, name, number)
    quote = f"{path.name} row {number}: {row['name']}" + (f" — {row['source']}" if row.get("source") else "")
    sources = [{"doc": path.name, "quote": quote}]
    slug = keys.slug[number]
    entity: dict[str, Any] = {"id": slug, "name": row["name"], "type": row.get("type") or "company"}
    for field in COUNTRIES:
        if row.get(field):
            entity[field] = row[field].upper() if _CODE.fullmatch(row[field]) else row[field]
    _business_country(draft, entity, f"{path.name}:{number}")
    draft.add("entities", {**entity, "sources": sources}, (name, number))
    shares = {f: row[f] for f in SHARES if row.get(f)}
    if not row.get("parent"):
        if shares or row.get("from") or row.get("until"):
            draft.skip(f"{path.name}:{number}", "shares or dates given without a parent: no holding made")
        return problems
    parent, wrong = keys.parent(row["parent"], name, number)
    problems.extend(wrong)
    if parent and not shares:
        draft.skip(f"{path.name}:{number}", "parent given without equity, voting or board_seats: no holding made")
    elif parent and not problems:
        holding: dict[str, Any] = {"holder": parent, "entity": slug, **shares}
        holding.update({f: row[f] for f in ("from", "until") if row.get(f)})
        draft.add("holdings", {**holding, "sources": sources}, (name, number))
    return problems


def _values(row: dict[str, str], name: str, number: int) -> list[Problem]:
    """Shares and dates written strictly: the model's own parsing is lenient where a CSV must not be."""
    problems = []
    for field in SHARES:
        if row.get(field) and not _SHARE.fullmatch(row[field]):
            problems.append(Problem(name, number, f"{field} `{row[field]}` is not a share",
                                    "write a decimal such as 0.25 or a percentage such as 25%"))
    for field in ("from", "until"):
        if row.get(field) and not _DAY.fullmatch(row[field]):
            problems.append(Problem(name, number, f"{field} `{row[field]}` is not a date", "write YYYY-MM-DD"))
    return problems


def _business_country(draft: Draft, entity: dict[str, Any], where: str) -> None:
    """A business's `country` is its principal place of business (as `load/ftm.py` maps FtM's `country`):
    `headquartered_in`, unless that is given too; a different `country` is then kept and listed."""
    country = entity.get("country")
    if entity["type"] not in BUSINESS_TYPES or country not in iso_countries():
        return  # a value that is no country code is reported by validation, under the column it was written in
    hq = entity.get("headquartered_in")
    if hq and hq != country:  # kept as written, and said: no rule reads a business's `country`
        draft.note(where, f"country `{country}` is kept but not judged: a {entity['type']}'s principal place of "
                          f"business is headquartered_in `{hq}`; if {country} is where it is incorporated, "
                          "fill incorporated_in")
        return
    del entity["country"]
    entity["headquartered_in"] = country
