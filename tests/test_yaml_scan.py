"""Issue 17, time: the YAML scan (`feoc.load.yaml_scan`) reads a file in the plain layout straight into columns; it
must never accept what the YAML parser and the models refuse, and must hold exactly the values they give. These
tests load the same folder with the scan on and off (`FEOC_YAML_SCAN=0`: the parser, `yaml_columns` and the models)
and compare the outcome: every kind's rows field by field (value and Python type, a float by its bits), the records'
origins, or the very same problems (file, line, words, fix). Where the scan must have read a file, it is asserted,
so a comparison cannot pass with the scan never used.

- generated data: bench/gen_world.py's worlds, and records drawn by hypothesis in the plain layout;
- hostile files (tests/test_yaml_scan_hostile.py): a valid small file changed in one place each, a user story each.
"""

from __future__ import annotations

import datetime as dt
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from feoc.data.dataset import Dataset
from feoc.data.model import KINDS
from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import may_hold_tags, parse_yaml
from feoc.law.law import Law
from feoc.load import yaml_scan
from feoc.load.folder import load_dataset
from test_yaml_columns import exact

LAW = Law.load()
ROOT = Path(__file__).resolve().parents[1]


# ---- the two loads and their comparison -------------------------------------------------------------------------

def load(folder: Path, monkeypatch: pytest.MonkeyPatch, scan: str, workers: int = 1) -> Dataset | list[Problem]:
    """`feoc screen`'s load of `folder` with the scan on ("1") or off ("0"): the dataset, or its problems."""
    monkeypatch.setenv(yaml_scan.SWITCH, scan)
    try:
        return load_dataset(folder, LAW, compact=True, workers=workers)
    except InputError as exc:
        return exc.problems


def deep(value: Any) -> Any:
    """A field's value as compared here: `exact` (type; a float by its bits), through tuples and nested records."""
    if isinstance(value, (tuple, list)):
        return type(value), tuple(map(deep, value))
    if isinstance(value, BaseModel):
        return type(value), tuple(deep(getattr(value, name)) for name in type(value).model_fields)
    return exact(value)


def rows(dataset: Dataset, kind: str) -> list[Any]:
    return [(type(row), *(deep(getattr(row, name)) for name in KINDS[kind].model_fields))
            for row in getattr(dataset, kind)]


def assert_same_outcome(slow: Dataset | list[Problem], fast: Dataset | list[Problem]) -> None:
    if isinstance(slow, list) or isinstance(fast, list):
        assert fast == slow  # the same problems, word for word, in the same order
        return
    for kind in KINDS:
        assert rows(fast, kind) == rows(slow, kind), kind
    assert dict(fast.origins) == dict(slow.origins)


def assert_loads_alike(folder: Path, monkeypatch: pytest.MonkeyPatch, workers: int = 1) -> Dataset | list[Problem]:
    slow = load(folder, monkeypatch, "0", workers)
    fast = load(folder, monkeypatch, "1", workers)
    assert_same_outcome(slow, fast)
    return fast


def only_scanned_kinds(path: Path) -> bool:
    """Whether the file holds nothing but the scanned kinds' lists (the files the scan must read when plain)."""
    raw = parse_yaml(path.read_text(encoding="utf-8"), str(path), dates=False)
    return isinstance(raw, dict) and bool(raw) and set(raw) <= set(yaml_scan.SCANNED)


# ---- generated worlds -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=[(300, 1, 1), (3000, 2, 2)], ids=lambda p: f"{p[0]}-entities-seed-{p[1]}")
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    entities, seed, files = request.param
    out = tmp_path_factory.mktemp("world") / "w"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", str(entities), "--seed",
                    str(seed), "--files", str(files), "--out", str(out)], check=True, capture_output=True, timeout=300)
    return out


def test_user_story_a_generated_world_loads_alike_with_the_scan_on_and_off(world, monkeypatch):
    """bench/gen_world.py's world (percent texts, whole shares, dated stakes, aliases, sources, persons): every
    file of entities and holdings is read by the scan, and the dataset equals the parser's, row for row."""
    plain = [path for path in sorted(world.glob("*.yaml")) if only_scanned_kinds(path)]
    assert plain and all(yaml_scan.read(path) is not None for path in plain)
    dataset = assert_loads_alike(world, monkeypatch)
    assert isinstance(dataset, Dataset) and dataset.entities and dataset.holdings


def test_user_story_a_world_read_by_two_workers_loads_alike(world, monkeypatch):
    """The same in worker processes (a worker's columns sent and kept as the parent keeps them)."""
    assert isinstance(assert_loads_alike(world, monkeypatch, workers=2), Dataset)


# ---- records drawn in the plain layout --------------------------------------------------------------------------

LETTERS = string.ascii_letters
NAME_CHARS = LETTERS + string.digits + " -_./(),&'+"


def plain_text(chars: str) -> st.SearchStrategy[str]:
    """A plain text the scan reads: a letter first, no trailing space, not a word the parser reads otherwise."""
    return st.builds(lambda first, rest: (first + rest).rstrip(), st.sampled_from(LETTERS),
                     st.text(st.sampled_from(chars), max_size=10)).filter(lambda t: t.lower() not in yaml_scan._specials())


QUOTABLE = "".join(chr(c) for c in range(32, 127) if chr(c) not in "\\\"'")
NAMES = st.one_of(plain_text(NAME_CHARS), st.text(st.sampled_from(QUOTABLE), min_size=1, max_size=10).filter(
    str.strip).flatmap(lambda t: st.sampled_from([f'"{t}"', f"'{t}'"])))
ALIASES = plain_text(NAME_CHARS.replace(",", ""))  # written in a flow list too
COUNTRIES = st.sampled_from(["CN", "US", "NO", "KR", "DE", '"NO"', "'CN'"])
SHARES = st.one_of(
    st.text(st.sampled_from(string.digits), min_size=1, max_size=8).map(lambda d: "0." + d),
    st.sampled_from(["0", "1", "1.0", "0.0", "1.000", '"100%"', '"0%"', "'25%'", '"25 %"', '"0.25"']),
    st.builds(lambda n, d: f'"{n}{d}%"', st.integers(0, 99), st.sampled_from(["", ".5", ".25", ".125"])))
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@st.composite
def entity(draw: st.DrawFn, i: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["company", "fund", "person", "government"]))
    record: dict[str, Any] = {"id": f"e{i}-{draw(st.sampled_from(['acme', 'x', 'cn-gov']))}",
                              "name": draw(NAMES), "type": kind}
    for key in ("country", "incorporated_in", "headquartered_in"):
        if draw(st.booleans()) or (key == "country" and kind == "government"):
            record[key] = draw(COUNTRIES)
    if draw(st.booleans()):
        record["aliases"] = (draw(st.sampled_from(["flow", "block", "compact"])),
                             draw(st.lists(ALIASES, min_size=1, max_size=3)))
    if draw(st.booleans()):
        record["sources"] = [(draw(st.sampled_from(["report.pdf", "https://x.example/a"])),
                              draw(st.sampled_from(["owns 48%", '"holds: 25%"', "a plain quote"])))]
    if kind == "person" and draw(st.booleans()):
        record["us_person"] = draw(st.sampled_from(["true", "false"]))
    if kind != "person" and draw(st.booleans()):
        record["tax_year_start"] = draw(st.sampled_from(['"10-01"', "'07-01'"]))
    if draw(st.booleans()):
        record.update(assumed="true", assumption=draw(NAMES))
    return record


@st.composite
def holding(draw: st.DrawFn, ids: list[str]) -> dict[str, Any]:
    holder, entity_id = draw(st.permutations(ids))[:2]
    record: dict[str, Any] = {"holder": holder, "entity": entity_id, "equity": draw(SHARES)}
    for key in ("voting", "board_seats", "debt"):
        if draw(st.booleans()):
            record[key] = draw(SHARES)
    start, end = sorted(draw(st.lists(DATES, min_size=2, max_size=2, unique=True)))
    record.update({k: v.isoformat() for k, v in (("from", start), ("until", end)) if draw(st.booleans())})
    if draw(st.booleans()):
        record["appoints_officers"] = draw(st.sampled_from(["true", "false"]))
    return record


def field_lines(key: str, value: Any, at: int) -> list[str]:
    """One field's lines, the key at column `at` (its first line without the indent: the caller places it)."""
    pad = " " * at
    if key == "aliases":
        shape, items = value
        if shape == "flow":
            return [f"aliases: [{', '.join(items)}]"]
        return ["aliases:", *(f"{pad}{'' if shape == 'compact' else '  '}- {item}" for item in items)]
    if key == "sources":
        return ["sources:", *(line for doc, quote in value for line in (f"{pad}  - doc: {doc}",
                                                                      f"{pad}    quote: {quote}"))]
    return [f"{key}: {value}"]


def records_text(kind: str, records: list[dict[str, Any]], indent: int, orders: list[list[int]]) -> list[str]:
    lines = [f"{kind}:"]
    for record, order in zip(records, orders):
        keys = [list(record)[i] for i in order if i < len(record)]
        for n, key in enumerate(keys):
            first, *rest = field_lines(key, record[key], indent + 2)
            lines.append(" " * indent + ("- " if n == 0 else "  ") + first)
            lines.extend(rest)
        if record is records[0]:
            lines.append(" " * (indent + 2) + "# a comment on its own line")
    return lines


@st.composite
def plain_file(draw: st.DrawFn) -> str:
    entities = [draw(entity(i)) for i in range(draw(st.integers(2, 8)))]
    # an id no entity has, or a near miss of one; never twice (a holding of an entity in itself is the models' to word)
    ids = list(dict.fromkeys([e["id"] for e in entities] + draw(st.lists(st.sampled_from(["ghost", "e0-x"]),
                                                                         max_size=1))))
    holdings = draw(st.lists(holding(ids), min_size=1, max_size=8))
    indent = draw(st.sampled_from([0, 2, 4]))
    order = st.permutations(range(16))
    lines = records_text("entities", entities, indent, [draw(order) for _ in entities])
    lines += records_text("holdings", holdings, indent, [draw(order) for _ in holdings])
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n# the end\n"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=plain_file())
def test_property_records_in_the_plain_layout_load_alike_with_the_scan_on_and_off(text, tmp_path, monkeypatch):
    """Entities and holdings as feoc writes them, drawn: ids, names in plain text or quoted, types, countries
    (`NO` among them), shares as decimals, whole numbers and quoted percents, ISO dates, aliases as flow, block
    and compact block lists, sources as block lists of mappings, booleans, fields in any order, items at indent
    0, 2 or 4, a comment line, a missing last newline; a holding may name an entity nobody defined. The scan reads
    the file (unless a quoted text holds a `!` where the parser's read would look for a tag: left to that read, on
    purpose), and the load equals the parser's: the same rows, or the same problems."""
    path = tmp_path / "d" / "a.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    assert yaml_scan.read(path) is not None or may_hold_tags(text), text
    assert_loads_alike(path.parent, monkeypatch)
