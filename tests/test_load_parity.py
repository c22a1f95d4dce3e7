"""Parser parity: yaml-rs, as feoc uses it, and PyYAML's safe loader read our datasets alike.

feoc parses dataset files with yaml-rs (YAML 1.2, core schema) called with `parse_datetime=False`: every
date stays the text written and the model parses it (so a quoted date in a text field stays text).
PyYAML implements YAML 1.1. On the seed dataset and on the samples below the two give identical Python
data, with one normalisation only: PyYAML's `datetime.date` for an unquoted day is compared as its ISO
text, which is what feoc's model receives and parses to the same date.

Where they differ, **the product uses yaml-rs**. The known differences are tested one by one below
(`KNOWN_DIFFERENCES`), not hidden:

| written            | PyYAML (YAML 1.1)       | feoc (yaml-rs, YAML 1.2)                  |
| ------------------ | ----------------------- | ----------------------------------------- |
| `NO` `no` `off`    | False                   | the string (so `country: NO` is Norway)   |
| `yes` `On`         | True                    | the string                                |
| `010`              | 8 (octal)               | 10                                        |
| `0o10`             | the string "0o10"       | 8                                         |
| `1:30` `12:30:45`  | 90, 45045 (base 60)     | the string                                |
| `1e3`              | the string "1e3"        | 1000.0                                    |
| `2024-01-01`       | datetime.date           | the string; the model makes it a date     |
| `2024-01-01T10:00:00Z` | datetime.datetime   | the string; a date field refuses it       |
| `<<: *base`        | merges the mapping      | a key named `<<` (the loader: unknown field) |
| a repeated key     | the last value wins     | an error naming the key and its line      |
| `!!python/...` tag | ConstructorError        | yaml-rs ignores tags; feoc refuses them   |
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
import yaml_rs
from pydantic import TypeAdapter

import feoc.load.folder
from feoc.data.model import KINDS, Holding
from feoc.data.problems import InputError
from feoc.data.yamlio import LineFinder, parse_yaml, read_text
from feoc.law.law import Law
from feoc.load.folder import load_dataset

LAW = Law.load()

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.yaml")) if SEEDS.is_dir() else []


def feoc_parse(text: str) -> Any:
    """What the dataset loader gets from a file's text."""
    return parse_yaml(text, "sample.yaml", dates=False)


def pyyaml_parse(text: str) -> Any:
    return yaml.load(text, Loader=yaml.CSafeLoader)


def differences(ours: Any, theirs: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any, Any]]:
    """Every place where feoc's data and PyYAML's differ; a PyYAML date equals its ISO text."""
    if isinstance(theirs, dt.date) and not isinstance(theirs, dt.datetime) and ours == theirs.isoformat():
        return
    if type(ours) is not type(theirs):
        yield path, ours, theirs
    elif isinstance(ours, dict):
        if list(ours) != list(theirs):
            yield path, list(ours), list(theirs)
        else:
            for key in ours:
                yield from differences(ours[key], theirs[key], path + (key,))
    elif isinstance(ours, list):
        if len(ours) != len(theirs):
            yield path, len(ours), len(theirs)
        for i, (a, b) in enumerate(zip(ours, theirs)):
            yield from differences(a, b, path + (i,))
    elif isinstance(ours, float) and math.isnan(ours) and math.isnan(theirs):
        return
    elif ours != theirs:
        yield path, ours, theirs


# ---- identical data --------------------------------------------------------------------------------------

@pytest.mark.skipif(not SEED_FILES, reason="no seed dataset in seeds/ yet")
@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_file_parses_identically(path):
    text = read_text(path)
    assert list(differences(feoc_parse(text), pyyaml_parse(text))) == []


@pytest.mark.skipif(not SEED_FILES, reason="no seed dataset in seeds/ yet")
def test_seed_dataset_validates_to_the_same_records_with_either_parser(monkeypatch):
    ours = load_dataset(SEEDS, LAW)

    def read_with_pyyaml(path: Path, *, dates: bool = True) -> tuple[Any, LineFinder]:
        text = read_text(path)
        return pyyaml_parse(text), LineFinder(text)

    monkeypatch.setattr(feoc.load.folder, "load_yaml_file", read_with_pyyaml)
    theirs = load_dataset(SEEDS, LAW)
    assert ours == theirs  # every record of every kind, field by field
    assert ours.counts() == theirs.counts()


SAMPLE = """\
# comments, block and flow style, anchors, every scalar kind a dataset uses
entities:
  - id: equinor
    name: "Equinor ASA"
    type: company
    incorporated_in: "NO"          # quoted: Norway for both parsers
    headquartered_in: 'NO'
    aliases: [Statoil, "Den norske stats oljeselskap", 'Equinor Energy']
    note: |
      A literal block,
        keeping its indentation.
  - {id: byd, name: BYD Company, type: company, incorporated_in: CN, aliases: []}
  - id: person-1
    name: Zhang Wéi 张伟
    type: person
    note: >-
      A folded block
      on two lines.
holdings:
  - holder: byd
    entity: equinor
    equity: "25%"                  # percent string
    voting: 25 %                   # unquoted percent string
    board_seats: 0.25              # number
    from: 2024-01-01               # unquoted date
    until: '2030-12-31'            # quoted date
  - holder: equinor
    entity: byd
    equity: '0.1'                  # quoted number
    voting: 1                      # integer
    board_seats: 0
    sources: &src
      - doc: annual-report-2024.pdf
        quote: "Equinor holds 10 %: see note 12"
      - doc: https://example.org/filing?id=1&lang=en
        quote: 'It''s a single-quoted quote with ''quotes'''
  - holder: equinor
    entity: person-1
    equity: 1.0
    sources: *src
    note: ~
    assumption: null
nested:
  - [1, 2, [3, 4, [5]]]
  - {a: [x, {b: [y, z]}], c: {}}
  - - deep
    - - deeper
      - - deepest
numbers: [0, -1, +2, 3.5, -0.25, .5, 1.0e+3, 0x1F, .inf, -.inf, .nan, "12", '3.0']
strings: [plain text, "double \\"quoted\\"", 'single', "tab\\tand\\nnewline", "é ü 中文", "#not a comment", "a: b"]
booleans: [true, false, True, FALSE]
"""


def test_sample_parses_identically():
    assert list(differences(feoc_parse(SAMPLE), pyyaml_parse(SAMPLE))) == []


def test_sample_values_are_what_a_reader_expects():
    data = feoc_parse(SAMPLE)
    equinor = data["entities"][0]
    assert equinor["incorporated_in"] == equinor["headquartered_in"] == "NO"
    assert data["entities"][0]["note"] == "A literal block,\n  keeping its indentation.\n"
    assert data["holdings"][0]["from"] == "2024-01-01" and data["holdings"][0]["until"] == "2030-12-31"
    assert data["holdings"][1]["sources"] is not None and data["holdings"][2]["sources"] == data["holdings"][1]["sources"]
    assert data["nested"][2] == ["deep", ["deeper", ["deepest"]]]


def test_sample_records_validate_alike_from_either_parser():
    """The records of the sample: the same models, shares and dates whichever parser read the text."""
    ours, theirs = feoc_parse(SAMPLE), pyyaml_parse(SAMPLE)
    for kind in ("entities", "holdings"):
        adapter = TypeAdapter(list[KINDS[kind]])
        assert adapter.validate_python(ours[kind]) == adapter.validate_python(theirs[kind])
    first, second, third = TypeAdapter(list[Holding]).validate_python(ours["holdings"])
    assert first.equity == first.voting == first.board_seats == 0.25
    assert (first.start, first.end) == (dt.date(2024, 1, 1), dt.date(2030, 12, 31))
    assert (second.equity, second.voting, second.board_seats) == (0.1, 1.0, 0.0)
    assert third.equity == 1.0


# ---- the known differences -----------------------------------------------------------------------------

KNOWN_DIFFERENCES = [  # (text, PyYAML's value of `a`, feoc's value of `a`)
    ("a: NO", False, "NO"),
    ("a: no", False, "no"),
    ("a: off", False, "off"),
    ("a: yes", True, "yes"),
    ("a: On", True, "On"),
    ("a: 010", 8, 10),
    ("a: 0o10", "0o10", 8),
    ("a: 1:30", 90, "1:30"),
    ("a: 12:30:45", 45045, "12:30:45"),
    ("a: 1e3", "1e3", 1000.0),
    ("a: 2024-01-01", dt.date(2024, 1, 1), "2024-01-01"),
    ("a: 2024-01-01T10:00:00Z", dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC), "2024-01-01T10:00:00Z"),
    ("b: &base {k: 1}\na:\n  <<: *base\n  j: 2", {"k": 1, "j": 2}, {"<<": {"k": 1}, "j": 2}),
]


@pytest.mark.parametrize("text, pyyaml_value, feoc_value", KNOWN_DIFFERENCES, ids=[t for t, _, _ in KNOWN_DIFFERENCES])
def test_known_difference(text, pyyaml_value, feoc_value):
    assert pyyaml_parse(text)["a"] == pyyaml_value
    assert feoc_parse(text)["a"] == feoc_value
    assert type(feoc_parse(text)["a"]) is type(feoc_value)


def test_repeated_key_last_wins_in_pyyaml_and_is_an_error_in_feoc():
    text = "equity: 0.05\nequity: 0.30\n"
    assert pyyaml_parse(text) == {"equity": 0.30}  # the 5 % stake would silently vanish
    with pytest.raises(InputError) as info:
        feoc_parse(text)
    assert info.value.problems[0].line == 2 and "`equity` appears twice" in info.value.problems[0].message


def test_python_tag_pyyaml_safe_refuses_yaml_rs_ignores_feoc_refuses():
    text = "a: !!python/object/apply:os.system ['true']\n"
    with pytest.raises(yaml.constructor.ConstructorError):
        pyyaml_parse(text)
    assert yaml_rs.loads(text) == {"a": ["true"]}  # the tag is dropped silently: why feoc checks for tags itself
    with pytest.raises(InputError) as info:
        feoc_parse(text)
    assert "not allowed" in info.value.problems[0].message


def test_yaml_rs_turns_quoted_dates_into_dates_unless_told_not_to():
    """A yaml-rs quirk (YAML says a quoted scalar is a string): the reason feoc passes parse_datetime=False."""
    text = "a: '2024-01-01'\n"
    assert isinstance(yaml_rs.loads(text)["a"], dt.date)
    assert pyyaml_parse(text)["a"] == "2024-01-01" == feoc_parse(text)["a"]


def test_why_it_matters_norway(tmp_path):
    """Read by PyYAML, `country: NO` is False and the dataset is refused; feoc reads Norway."""
    text = "entities:\n  - id: norway\n    name: Kingdom of Norway\n    type: government\n    country: NO\n"
    assert pyyaml_parse(text)["entities"][0]["country"] is False
    (tmp_path / "norway.yaml").write_text(text)
    assert load_dataset(tmp_path, LAW).entity("norway").country == "NO"
