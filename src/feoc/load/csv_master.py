"""A supplier master file (CSV, one row per supplier) into our dataset contract.

Columns (header row required; only `name` is mandatory, unknown columns are an error):
`id, name, type, country, incorporated_in, headquartered_in, parent, equity, voting, board_seats, from, until, source`.
A row is an entity; `parent` (the id, or the exact name of exactly one other row) with a share makes a
holding of the parent in it (`"25%"` or `0.25`). `type` defaults to company; countries are ISO 3166-1
alpha-2 codes (`cn` is read as `CN`). Cells are trimmed of surrounding spaces; blank lines are ignored.
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
import stat
from collections import defaultdict
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import MAX_FILE_BYTES
from feoc.load.draft import Draft, slugify

COLUMNS = ("id", "name", "type", "country", "incorporated_in", "headquartered_in", "parent", "equity", "voting",
           "board_seats", "from", "until", "source")
SHARES = ("equity", "voting", "board_seats")
COUNTRIES = ("country", "incorporated_in", "headquartered_in")
MAX_CELL_CHARS = 1 << 20  # a cell over 1 MiB is refused (csv.field_size_limit) rather than read into memory
_SHARE = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?: ?%)?")  # ASCII digits only, no `_`, no exponent
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CODE = re.compile(r"[A-Za-z]{2}")

Row = tuple[int, dict[str, str]]


def read_master_csv(path: Path) -> Draft:
    name = str(path)
    rows = _rows(_text(path), name)
    keys = _keys(rows, name)
    draft, problems = Draft(), []
    for number, row in rows:
        problems.extend(_row(draft, path, number, row, keys))
    if problems:
        raise InputError(problems)
    return draft


def _text(path: Path) -> str:
    """The file as text: a regular file of bounded size, UTF-8 (a byte order mark is dropped)."""
    name = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError([Problem(name, 0, "not a regular file (a device, FIFO or folder)", "give a CSV file")])
        if info.st_size > MAX_FILE_BYTES:
            raise InputError([Problem(name, 0, f"file is {info.st_size} bytes, over the {MAX_FILE_BYTES} byte limit",
                                      "split the CSV into several imports")])
        data = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise InputError([Problem(name, 0, f"cannot read the file ({exc.strerror})", "check the path")]) from None
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


def _keys(rows: list[Row], name: str) -> dict[str, str]:
    """Slug per row key (its id, else its name) and per unique name; repeated keys, ambiguous names are errors."""
    problems: list[Problem] = []
    taken: dict[str, str] = {}
    keys: dict[str, str] = {}
    first: dict[str, int] = {}
    names: dict[str, list[int]] = defaultdict(list)
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
        keys[key] = slugify(key, taken)
        names[row["name"]].append(number)
    if problems:
        raise InputError(problems)
    for _number, row in rows:
        if row["name"] not in keys and len(names[row["name"]]) == 1:
            keys[row["name"]] = keys[row.get("id") or row["name"]]
    return keys


def _row(draft: Draft, path: Path, number: int, row: dict[str, str], keys: dict[str, str]) -> list[Problem]:
    """The entity of one row and its parent's holding, or the problems of the row."""
    name = str(path)
    problems = _values(row, name, number)
    quote = f"{path.name} row {number}: {row['name']}" + (f" — {row['source']}" if row.get("source") else "")
    sources = [{"doc": path.name, "quote": quote}]
    slug = keys[row.get("id") or row["name"]]
    entity: dict[str, Any] = {"id": slug, "name": row["name"], "type": row.get("type") or "company"}
    for field in COUNTRIES:
        if row.get(field):
            entity[field] = row[field].upper() if _CODE.fullmatch(row[field]) else row[field]
    draft.add("entities", {**entity, "sources": sources}, (name, number))
    shares = {f: row[f] for f in SHARES if row.get(f)}
    if row.get("parent") and row["parent"] not in keys:
        problems.append(Problem(name, number, f"parent `{row['parent']}` is not the id, or the name of exactly one row, "
                                "of this file", "name the parent by its id, or add a row for it"))
    elif row.get("parent") and not shares:
        draft.skip(f"{path.name}:{number}", "parent given without equity, voting or board_seats: no holding made")
    elif row.get("parent") and not problems:
        holding: dict[str, Any] = {"holder": keys[row["parent"]], "entity": slug, **shares}
        holding.update({f: row[f] for f in ("from", "until") if row.get(f)})
        draft.add("holdings", {**holding, "sources": sources}, (name, number))
    elif (shares or row.get("from") or row.get("until")) and not row.get("parent"):
        draft.skip(f"{path.name}:{number}", "shares or dates given without a parent: no holding made")
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
