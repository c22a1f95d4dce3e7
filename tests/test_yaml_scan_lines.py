"""Issue 17, time: the lines of the YAML scan (`feoc.load.yaml_lines`) against the YAML parser. A value the scan
classes as certain (a text, a number, a date, a boolean) must be what the parser reads, value and type: a text its
very string, a decimal the float `float(text)` gives, a whole number its int, a date its text (`dates=False`); and
Arrow's cast of a decimal text to float64, by which the scan reads shares, must be Python's `float`."""

from __future__ import annotations

import string
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feoc.data.problems import InputError
from feoc.data.yamlio import parse_yaml
from feoc.load import yaml_lines as yl
from feoc.load import yaml_scan

CERTAIN = {yl.STR, yl.DQ, yl.SQ, yl.FLOAT, yl.INT, yl.DATE, yl.TRUE, yl.FALSE, yl.TEXTS}


def classed(value: str) -> tuple[int, str]:
    """The class `yaml_lines.cut` gives the value of the line `k: <value>`, and the value's text it would read."""
    words, _ = yaml_scan._vocabulary()
    specials = yaml_scan._specials()
    assert specials is not None
    b = np.frombuffer(f"k: {value}\n".encode(), dtype=np.uint8)
    row = yl.cut(b, *yl.words_array(words), *yl.words_array(specials))[0]
    return int(row[3]), bytes(b[row[4]:row[5]]).decode()


def scan_reading(cls: int, text: str) -> Any:
    """The value the scan makes of a value of class `cls` and text `text`."""
    if cls in (yl.TRUE, yl.FALSE):
        return cls == yl.TRUE
    if cls == yl.TEXTS:  # the items as `yaml_lines.items` cuts them
        b = np.frombuffer(f"k: {text}\n".encode(), dtype=np.uint8)
        rows = np.array([[0, 0, 0, cls, 3, 3 + len(text), 0, 0, 0]], dtype=np.int32)
        starts, ends, _ = yl.items(b, rows, np.arange(1))
        return [bytes(b[s:e]).decode() for s, e in zip(starts, ends)]
    return float(text) if cls == yl.FLOAT else int(text) if cls == yl.INT else text


def parsed(value: str) -> Any:
    """What the parser reads the value of `k: <value>` as, or an InputError."""
    try:
        return parse_yaml(f"k: {value}\n", "<test>", dates=False)
    except InputError as exc:
        return exc


def exactly(value: Any) -> Any:
    if isinstance(value, list):
        return [exactly(v) for v in value]
    return type(value), value.hex() if isinstance(value, float) else value


def assert_scan_reads_as_the_parser(value: str) -> int:
    cls, text = classed(value)
    if cls in CERTAIN:
        got = parsed(value)
        assert isinstance(got, dict) and list(got) == ["k"], value
        assert exactly(got["k"]) == exactly(scan_reading(cls, text)), value
    return cls


TABLE = [  # (the value as written, the class the scan must give it)
    ("Acme Co", yl.STR), ("O'Brien & Sons (HK) Ltd.", yl.STR), ("a-b_c/d+e,f", yl.STR), ("CN", yl.STR),
    ('"Acme # Co"', yl.DQ), ('"48%"', yl.DQ), ('""', yl.DQ), ("'Acme: Co'", yl.SQ), ("'25%'", yl.SQ),
    ("0.44", yl.FLOAT), ("1.0", yl.FLOAT), ("0.0", yl.FLOAT), ("0.12345678901234", yl.FLOAT), ("0", yl.INT),
    ("1", yl.INT), ("42", yl.INT), ("20010516", yl.INT), ("2001-05-16", yl.DATE), ("2001-02-30", yl.DATE), ("true", yl.TRUE),
    ("false", yl.FALSE), ("", yl.EMPTY), ("[Acme, ACME Ltd]", yl.TEXTS), ("[Acme]", yl.TEXTS),
    ("[O'Brien & Co, a-b_c/d+e]", yl.TEXTS), ("[]", yl.FLOW), ("[Acme,ACME]", yl.FLOW), ("[Acme , ACME]", yl.FLOW),
    ("[Acme,  ACME]", yl.FLOW), ("[Acme, ]", yl.FLOW), ("[Acme,]", yl.FLOW), ("[ Acme]", yl.FLOW),
    ("[Acme, null]", yl.FLOW), ("[Acme, 42]", yl.FLOW), ("[Acme, 'B']", yl.FLOW), ("[Acme: Co]", yl.FLOW),
    ("[Acme # x]", yl.FLOW), ("[Acme, [B]]", yl.FLOW), ("[Acme] # x", yl.FLOW), ("[Acme]x", yl.FLOW),
    ("[Acme, True]", yl.FLOW), ("[Acmé]", yl.FLOW), ("[Acme -, ACME Ltd]", yl.FLOW), ("[Acme, ACME -]", yl.FLOW),
    ("[Acme-, B]", yl.FLOW),
    # what the parser reads otherwise, or where a reading is not certain from the line alone
    *((word, yl.OTHER) for word in ("null", "Null", "NULL", "~", "True", "TRUE", "False", "FALSE", ".inf", ".nan",
                                    "-.inf", "1e3", "1E3", "0x10", "0o7", "007", "00.5", ".5", "0.", "+1", "-0.0",
                                    "-1", "1_000", "0.4_4", "0.1234567890123456", "1234567890123456", "2001-5-1",
                                    "2001-05-16T00:00:00", "0.123456789012345", "48%", "Acme # x", "Acme#x", "Acme Co ",
                                    "Acme: Co", "&a Acme", "*a", "!!str Acme", "|", ">-", "{min: 0.1}", "'It''s'",
                                    '"a\\tb"', '"a" # x', "'a' ", "- a", "? a", "@a", "`a`", "%a", "Acmé", "é",
                                    "Acme\tCo", '"Acme\tCo"', "Acme\rCo", "-", "---", "...")),
]


@pytest.mark.parametrize(("value", "cls"), TABLE, ids=[repr(v) for v, _ in TABLE])
def test_a_value_is_classed_as_the_parser_reads_it(value, cls):
    """Each value: the class the scan gives it, and where certain, the very value the parser reads."""
    assert assert_scan_reads_as_the_parser(value) == cls


@pytest.mark.parametrize("word", yl.MAYBE_SPECIAL)
@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_a_word_yaml_may_read_otherwise_is_text_only_where_the_parser_says_so(word, case):
    """`yes`, `No`, `ON`, `Inf`, `NaN`…: a text where the parser installed reads a text, never otherwise."""
    value = case(word)
    cls = assert_scan_reads_as_the_parser(value)
    assert (cls in (yl.STR, yl.TRUE, yl.FALSE)) is (parsed(value) == {"k": value} or value in ("true", "false"))


YAMLISH = st.lists(st.sampled_from([*"aAzZyYnN09 .-_:#'\"[]{}&*!|>%@`,?~\\/+()e\t\r", "é", "\u2028", "0.", "1",
                                    "true", "null", "2001-05-16", "  "]), max_size=8).map("".join)
DIGITS = st.text(st.sampled_from(string.digits), max_size=17)
NUMBERISH = st.builds(lambda a, sep, b, tail: a + sep + b + tail, DIGITS, st.sampled_from([".", "-", "", "e", "_"]),
                      DIGITS, st.sampled_from(["", "", "-01", " ", "%", ".5", "#", "e3"]))
DATEISH = st.builds(lambda y, m, d, sep: f"{y}{sep}{m}{sep}{d}", *(st.text(st.sampled_from(string.digits), min_size=1,
                                                                         max_size=n) for n in (5, 3, 3)),
                    st.sampled_from(["-", "-", "/"]))
FLOWISH = st.lists(st.one_of(YAMLISH, st.sampled_from(["Acme", "B c", "x-1"])), min_size=1, max_size=4).flatmap(
    lambda items: st.sampled_from([", ", ",", " ,", ",  "]).map(lambda sep: "[" + sep.join(items) + "]"))
YAMLISH = st.one_of(YAMLISH, YAMLISH.map(lambda t: f'"{t}"'), YAMLISH.map(lambda t: f"'{t}'"), NUMBERISH, DATEISH,
                    FLOWISH)


@settings(max_examples=1000, deadline=None)
@given(YAMLISH)
def test_property_a_value_classed_certain_is_what_the_parser_reads(value):
    """Random short values from YAML's own characters: whenever the scan classes one as a text, a number, a date or
    a boolean, the parser reads `k: <value>` as that very value and type."""
    assert_scan_reads_as_the_parser(value)


@settings(max_examples=1000, deadline=None)
@given(st.text(st.sampled_from(string.digits), min_size=1, max_size=15), st.text(st.sampled_from(string.digits),
                                                                                  max_size=14))
def test_property_a_decimal_of_at_most_15_digits_is_read_by_the_parser_as_it_is_written(whole, fraction):
    """A whole number without a leading zero, a point and a fraction (15 digits at most): the scan classes the text
    as FLOAT (INT without a fraction) and the parser reads exactly `float(text)` (`int(text)`)."""
    whole = whole.lstrip("0") or "0"
    fraction = fraction[:15 - len(whole)]
    text = f"{whole}.{fraction}" if fraction else whole
    assert assert_scan_reads_as_the_parser(text) == (yl.FLOAT if fraction else yl.INT)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(st.sampled_from(string.digits), min_size=1, max_size=15), st.integers(0, 15)),
                min_size=1, max_size=50))
def test_property_arrows_cast_of_a_decimal_is_pythons_float(numbers):
    """The scan reads its FLOAT values (at most 15 digits) by Arrow's cast from text to float64: correctly rounded,
    the float Python's `float` gives, bit for bit."""
    texts = [digits[:point] + "." + digits[point:] if 0 < point < len(digits) else digits for digits, point in numbers]
    cast = pa.array(texts).cast(pa.float64()).to_pylist()
    assert [v.hex() for v in cast] == [float(t).hex() for t in texts]


def test_words_are_found_by_their_slot_and_by_comparison():
    """`words_array`'s slot table: every vocabulary word is found as a key, and a near miss is no key."""
    words, _ = yaml_scan._vocabulary()
    specials = yaml_scan._specials()
    assert specials is not None
    for i, word in enumerate(words):
        for line, key in ((f"{word}: 1\n", i), (f"{word}s: 1\n", yl.NO_KEY), (f"x{word}: 1\n", yl.NO_KEY)):
            b = np.frombuffer(line.encode(), dtype=np.uint8)
            assert yl.cut(b, *yl.words_array(words), *yl.words_array(specials))[0, 2] == key, line
