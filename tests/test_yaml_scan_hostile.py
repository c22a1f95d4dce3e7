"""Issue 17, time: hostile files for the YAML scan (`feoc.load.yaml_scan`). A valid small file in the plain layout
is changed in one place, each change a user story: where the YAML parser's reading differs from a naive reading of
the line, or where the models must word a problem. With the scan on and off the load gives exactly the same
outcome: the same rows (value and type), or the same problems (file, line, words, fix)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from feoc.load import yaml_scan
from test_yaml_scan import assert_loads_alike

BASE = """\
# a small supply chain, in the plain layout
entities:
  - id: acme
    name: Acme Co
    type: company
    country: CN
    aliases: [Acme, ACME Ltd]
  - id: beta
    name: Beta Works
    type: company
    incorporated_in: NO
    aliases:
      - Beta
      - Beta AS
    sources:
      - doc: filing.pdf
        quote: owns 48%
  - id: gov
    name: CN Government
    type: government
    country: CN
holdings:
  - holder: gov
    entity: acme
    equity: 0.44
    voting: "48%"
    from: 2001-05-16
  - holder: acme
    entity: beta
    equity: 1
    until: 2030-01-01
"""
LISTING = "listings:\n  - entity: acme\n    list: dod-1260h\n    from: 2025-01-07\n"


def swap(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return change


def both(*changes: Callable[[str], str]) -> Callable[[str], str]:
    def change(text: str) -> str:
        for one in changes:
            text = one(text)
        return text
    return change


def name(value: str) -> Callable[[str], str]:
    return swap("name: Acme Co", f"name: {value}")


def share(value: str) -> Callable[[str], str]:
    return swap("equity: 0.44", f"equity: {value}")


def day(value: str) -> Callable[[str], str]:
    return swap("from: 2001-05-16", f"from: {value}")


def lines(change: Callable[[str], str]) -> Callable[[str], str]:
    """`change` applied to every line (its line end left out)."""
    return lambda text: "".join(change(line) + "\n" for line in text.splitlines())


def alias_bomb(text: str) -> str:
    """A person whose aliases and citizenship each use 60 anchors 100 times: under the parser's limit of expanded
    aliases in each list, over it in the whole file."""
    person = ["  - id: bomb", "    name: Bomb", "    type: person"]
    for key, value in (("aliases", "A"), ("citizenship", "CN")):
        person += [f"    {key}:", *(f"      - &{key[0]}{i} {value}" for i in range(60)),
                   *(f"      - *{key[0]}{i}" for i in range(60) for _ in range(100))]
    return text.replace("  - id: gov", "\n".join(person) + "\n  - id: gov")


CASES: dict[str, Callable[[str], str]] = {
    "the file as written": lambda text: text,
    # nulls, and words the parser reads otherwise
    **{f"a name written {w}": name(w) for w in ("null", "Null", "NULL", "~", "", "True", "true", "yes", "No", "on",
                                               "off", "y", ".inf", ".nan", "inf", "nan", "1e3", "0x10", "007", "42")},
    "a name with nothing after the colon": swap("name: Acme Co", "name:"),
    **{f"a country written {w}": swap("country: CN", f"country: {w}") for w in ("null", "~", "", "no", "'NO'")},
    "officers appointed: yes": swap("until: 2030-01-01", "appoints_officers: yes"),
    "officers appointed: True": swap("until: 2030-01-01", "appoints_officers: True"),
    "officers appointed: true": swap("until: 2030-01-01", "appoints_officers: true"),
    "assumed without a reason": swap("type: company", "type: company\n    assumed: true"),
    "assumed with a reason": swap("type: company", "type: company\n    assumed: true\n    assumption: a guess"),
    # numbers
    **{f"a share written {w}": share(w) for w in (
        ".inf", ".nan", "1e3", "4.4e-1", "0x10", "007", "00.44", ".44", "0.", "+0.44", "-0.0", "0.0", "1.0", "1.5",
        "2", "0", "-1", "0.4400000000000000001", "0.4_4", "0.440000000000001", "0.4400000000000001", "48%",
        '"48 %"', "'48%'", '"150%"', '"-5%"', '"4_8%"', "null", "", "true", "[0.44]", "{min: 0.1, max: 0.2}",
        "{min: 0.3, max: 0.2}", "{min: 0.1}", "\n      min: 0.1\n      max: 0.2", "0.44 # about", "0.44   ")},
    # a share YAML would round, where the parser's read looks for it: in the text, a comment included (session 24)
    "a comment with a share of 17 digits": swap("holdings:\n", "holdings:\n  # equity: 0.24999999999999999\n"),
    "a comment with a share written with _": swap("holdings:\n", "holdings:\n  # voting: 0.4_4\n"),
    "a name with a digit and _ (no share)": swap("name: Acme Co", "name: Acme0_ Co"),
    "a comment with an accent": swap("holdings:\n", "holdings:\n  # Société\n"),
    # review of session 24: what the parser refuses and a line alone does not show
    "an alias ending in ' -' in a flow list": both(  # every list of aliases a flow list: read by the scan itself
        swap("aliases: [Acme, ACME Ltd]", "aliases: [Acme -, ACME Ltd]"),
        swap("aliases:\n      - Beta\n      - Beta AS", "aliases: [Beta, Beta AS]")),
    "a comment with `: !x` (the tag check's fall-back)": swap("holdings:\n", "holdings:\n# see: !x\n"),
    "a quoted name with ': !'": name('"Wow: !"'),
    "a flow list PyYAML cannot read and a `!` in a quote": both(
        swap("aliases: [Acme, ACME Ltd]", "aliases: [Acme,\n      :x]"), name('"Wow: !"')),
    "a comment with a C1 control": swap("holdings:\n", "holdings:\n  # a\u0085b\u0090c\n"),
    "a comment with a byte that is not UTF-8": lambda text: text.replace("holdings:\n", "holdings:\n  # \udcff\n"),
    # dates
    **{f"a date written {w}": day(w) for w in ("2001-02-30", "2001-02-29", "2000-02-29", "2001-5-1", "2001-05-16T00:00:00",
                                               '"2001-05-16"', "'2001-05-16'", "1850-01-01", "2101-01-01", "0000-00-00",
                                               "2031-01-01", "20010516", "2001-05-16 # signed", "null")},
    # spaces, tabs, line ends, encodings
    "a name with trailing spaces": name("Acme Co   "),
    "a top-level key with a trailing space": swap("entities:", "entities: "),
    "an item line with trailing spaces": swap("- id: acme", "- id: acme  "),
    "a tab after the colon": name("\tAcme Co"),
    "a tab inside a name": name("Acme\tCo"),
    "a tab indent": swap("    name: Acme Co", "\tname: Acme Co"),
    "CRLF line ends": lines(lambda line: line + "\r"),
    "a carriage return in one line": name("Acme\rCo"),
    "a byte order mark": lambda text: "\ufeff" + text,
    "a form feed": name("Acme\x0cCo"),
    "a name with an accent": name("Acmé Co"),
    "a name with a line separator": name("Acme\u2028Co"),
    "a name with a next-line character": name("Acme\x85Co"),
    "an alias with an accent": swap("- Beta AS", "- Bêta AS"),
    "an alias with a line separator": swap("- Beta AS", "- Beta\u2028AS"),
    "an alias with a line separator and a key": swap("- Beta AS", "- Beta\u2028    name: Other"),
    "a quote with an accent": swap("quote: owns 48%", "quote: détient 48%"),
    # comments
    "a comment at the end of a name": name("Acme # x"),
    "a hash inside a name": name("Acme#x"),
    "a comment after the top-level key": swap("entities:", "entities:  # the companies"),
    "a comment after an alias": swap("- Beta AS", "- Beta AS  # its Norwegian arm"),
    **{f"a comment line at indent {n}": swap("  - id: beta", " " * n + "# a comment\n  - id: beta") for n in range(9)},
    "a comment line inside a record": swap("    type: company\n    country", "    # its type\n    type: company\n    country"),
    "a comment line inside a block list": swap("      - Beta\n", "      - Beta\n      # an old name\n"),
    "blank lines between records": swap("  - id: beta", "\n\n  - id: beta"),
    "blank lines after a block list": swap("      - Beta AS\n", "      - Beta AS\n\n"),
    # texts over several lines, block scalars
    "a name continued on the next line": swap("Acme Co\n", "Acme\n      Co\n"),
    "a name continued at the fields' indent": swap("Acme Co\n", "Acme\n    Co\n"),
    "a name continued after a blank line": swap("Acme Co\n", "Acme\n\n      Co\n"),
    "a name continued after a comment line": swap("Acme Co\n", "Acme\n    # x\n      Co\n"),
    "a quoted name over two lines": swap("Acme Co\n", '"Acme\n      Co"\n'),
    "a name as a literal block": swap("Acme Co\n", "|\n      Acme Co\n"),
    "a name as a folded block": swap("Acme Co\n", ">-\n      Acme\n      Co\n"),
    "a name on the line below its key": swap("Acme Co\n", "\n      Acme Co\n"),
    "an alias as a literal block": swap("- Beta AS\n", "- |\n        Beta AS\n"),
    "an alias block ending in a hash line": swap("- Beta AS\n", "- |\n        Beta AS\n        # Norway\n"),
    "an alias block ending in a hash line, more indented": swap("- Beta AS\n", "- |\n        Beta\n          # AS\n"),
    "an alias block with a hash line inside": swap("- Beta AS\n", "- |\n        Beta\n        # AS\n        Norway\n"),
    "a quote kept with its last blank lines": swap("quote: owns 48%", "quote: |+\n          owns 48%\n"),
    "a quote kept with blank lines at the end of the file": lambda text: text + "    sources:\n      - doc: a.pdf\n"
                                                                                "        quote: |+\n          owns\n\n\n",
    "a kept quote without a newline at the end": lambda text: text + "    sources:\n      - doc: a.pdf\n"
                                                                     "        quote: |+\n          owns",
    "an alias block followed by a blank line": swap("- Beta AS\n", "- |\n        Beta AS\n\n"),
    "a quote ending in a hash line": swap("quote: owns 48%", "quote: >\n          owns\n          # 48%"),
    "a flow list over two lines": swap("aliases: [Acme, ACME Ltd]", "aliases: [Acme,\n      ACME Ltd]"),
    "a flow list with a comment line inside": swap("aliases: [Acme, ACME Ltd]", "aliases: [Acme,\n      # x\n      ACME Ltd]"),
    "a flow list ending on a hash line": swap("aliases: [Acme, ACME Ltd]", "aliases: [Acme,\n      # x ]"),
    "a quoted alias ending on a hash line": swap("- Beta AS\n", '- "Beta\n        # AS"\n'),
    # anchors, aliases, tags, documents
    "an anchored name": name("&n Acme Co"),
    "an anchor in a flow list used in a block list": both(swap("[Acme,", "[&a Acme,"), swap("- Beta AS", "- *a")),
    "an anchor used in the same list": swap("- Beta AS", "- &b Beta AS\n      - *b"),
    "an anchor used in another list": both(swap("- Beta AS", "- &b Beta AS"), swap("quote: owns 48%", "quote: *b")),
    "an alias bomb split over two lists": alias_bomb,
    "a holder written as an alias": both(swap("holder: gov", "holder: &g gov"), swap("holder: acme", "holder: *g")),
    "a tagged name": name("!!str Acme Co"),
    "a tagged alias": swap("- Beta AS", "- !!str Beta AS"),
    "a tagged share": share("!!float 0.44"),
    "a document start": lambda text: "---\n" + text,
    "a document start with a comment": lambda text: "--- # feoc\n" + text,
    "a document end": lambda text: text + "...\n",
    "two documents": lambda text: text + "---\n" + text,
    "a YAML directive": lambda text: "%YAML 1.2\n---\n" + text,
    # keys and kinds
    "a key twice in a record": swap("name: Acme Co", "name: Acme Co\n    name: Acme Again"),
    "a share twice in a holding": share("0.44\n    equity: 0.45"),
    "a top-level key twice": swap("  - holder: acme", "holdings:\n  - holder: acme"),
    "a typo in a key": swap("name: Acme Co", "nmae: Acme Co"),
    "a key in capitals": swap("name: Acme Co", "Name: Acme Co"),
    "a space before the colon": swap("name: Acme Co", "name : Acme Co"),
    "no space after the colon": swap("name: Acme Co", "name:Acme Co"),
    "a quoted key": swap("name: Acme Co", '"name": Acme Co'),
    "a field of the other kind": swap("name: Acme Co", "name: Acme Co\n    equity: 0.2"),
    "an unknown top-level kind": swap("entities:", "entitys:"),
    "another kind unknown to feoc": lambda text: text + "supplies:\n  - entity: acme\n",
    "another kind in the same file": lambda text: text + LISTING,
    "another kind first": lambda text: LISTING + text,
    # layouts
    "items at indent 0": lines(lambda line: line[2:] if line.startswith("  ") else line),
    "items at indent 4": lines(lambda line: "  " + line if line.startswith(" ") else line),
    "fields four columns deeper": lines(lambda line: "  -   " + line[4:] if line.startswith("  - ") else
                                        "  " + line if line.startswith("    ") else line),
    "extra spaces after one dash": swap("- id: acme", "-   id: acme"),
    "a field one column deeper": swap("    name: Acme Co", "     name: Acme Co"),
    "a dash alone on its line": swap("  - id: acme", "  -\n    id: acme"),
    "a record as a flow mapping": swap("  - id: gov\n    name: CN Government\n    type: government\n    country: CN",
                                       "  - {id: gov, name: CN Government, type: government, country: CN}"),
    "holdings as a flow list": lambda text: text.split("holdings:")[0] + "holdings: [{holder: gov, entity: acme, "
                                                                         "equity: 0.44}]\n",
    "an empty list of another kind": swap("holdings:", "listings: []\nholdings:"),
    "a top-level key with nothing": lambda text: text + "listings:\n",
    "a block list of aliases at the key's indent": swap("      - Beta\n      - Beta AS", "    - Beta\n    - Beta AS"),
    "a list field first in its record": swap("  - id: beta\n    name: Beta Works\n    type: company\n"
                                             "    incorporated_in: NO\n    aliases:\n      - Beta\n      - Beta AS",
                                             "  - aliases:\n      - Beta\n      - Beta AS\n    id: beta\n"
                                             "    name: Beta Works\n    type: company\n    incorporated_in: NO"),
    # lists
    **{f"aliases written {w!r}": swap("aliases: [Acme, ACME Ltd]", f"aliases: {w}") for w in (
        "[]", "", "[ ]", "[Acme, ]", "[Acme, null]", "Acme", "[[Acme]]", "[Acme, Acme]", "[Acme, 42]", "[' ']",
        "[Acme, {a: b}]", "['Acme', \"ACME Ltd\"]")},
    "a source with an unknown key": swap("quote: owns 48%", "quote: owns 48%\n        page: 3"),
    "a source with a null quote": swap("quote: owns 48%", "quote:"),
    "a source with a ~ quote": swap("quote: owns 48%", "quote: ~"),
    "a source without a quote": swap("\n        quote: owns 48%", ""),
    "a source as a flow mapping": swap("- doc: filing.pdf\n        quote: owns 48%", "- {doc: filing.pdf, quote: x}"),
    "a source that is a text": swap("- doc: filing.pdf\n        quote: owns 48%", "- filing.pdf"),
    "a source with a numeric doc": swap("doc: filing.pdf", "doc: 42"),
    # records and the dataset
    "a missing type": swap("    type: company\n    country: CN\n", "    country: CN\n"),
    "a missing holder": swap("  - holder: acme\n    entity: beta", "  - entity: beta"),
    "an unknown type": swap("type: company", "type: compnay"),
    "an id that is not a slug": swap("id: acme", "id: Acme"),
    "an id written as a number": swap("id: beta", "id: 42"),
    "an entity referenced but absent": swap("holder: acme", "holder: ghost"),
    "an entity holding itself": swap("entity: beta", "entity: acme"),
    "an id twice": swap("id: beta", "id: acme"),
    "an empty name in quotes": name('""'),
    "a blank name in quotes": name("'   '"),
    "a name with an escape": name('"Acme\\tCo"'),
    "a name with a doubled quote": name("'Acme''s'"),
    "a share above the whole": swap("voting: \"48%\"", "voting: 1.5"),
    "shares adding up to more than the whole": both(share("0.8"), lambda text: text + "  - holder: beta\n"
                                                    "    entity: acme\n    equity: 0.3\n"),
    "a person's citizenship": swap("type: company\n    country: CN", "type: person\n    citizenship: [CN]"),
    "us_person on a company": swap("type: company\n    country: CN", "type: company\n    us_person: false"),
    "a holding with dates out of order": swap("until: 2030-01-01", "from: 2031-01-01\n    until: 2030-01-01"),
    "no newline at the end": lambda text: text.rstrip("\n"),
    "no newline after a block list": lambda text: text + "    sources:\n      - doc: a.pdf\n        quote: owns",
    "no newline after a literal block": lambda text: text + "  - holder: beta\n    entity: gov\n    equity: 0.1\n"
                                                            "    sources:\n      - doc: a.pdf\n        quote: |\n"
                                                            "          owns",
    "an empty file": lambda text: "",
    "a file of comments only": lambda text: "# nothing yet\n",
    "a file of blank lines only": lambda text: "\n\n\n",
    "only the top-level key": lambda text: "entities:\n",
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_a_changed_file_loads_alike_with_the_scan_on_and_off(case, tmp_path, monkeypatch):
    """Each change to the valid file: the same rows, or the same problems, with the scan on and off."""
    data = tmp_path / "d"
    data.mkdir()
    (data / "a.yaml").write_bytes(CASES[case](BASE).encode("utf-8", "surrogateescape"))
    assert_loads_alike(data, monkeypatch)


SCANNED = ["the file as written", "a name written No", "a name written yes", "a name written on",
           "a name written inf", "a share written 0", "a share written 1.0", "a share written '48%'",
           "a comment line at indent 0", "a comment line at indent 5", "a comment line inside a block list",
           "blank lines between records", "items at indent 0", "items at indent 4", "a flow list over two lines",
           "no newline at the end", "a list field first in its record", "blank lines after a block list",
           "a comment line inside a record", "an alias with an accent", "a quote with an accent",
           "a source as a flow mapping", "an alias as a literal block", "a kept quote without a newline at the end",
           "a name with a digit and _ (no share)"]


@pytest.mark.parametrize("case", SCANNED)
def test_user_story_plain_changes_are_read_by_the_scan(case, tmp_path):
    """The changes a plain file may well hold are read by the scan itself (so the comparison above tests it)."""
    path = tmp_path / "a.yaml"
    path.write_bytes(CASES[case](BASE).encode("utf-8"))
    assert yaml_scan.read(path) is not None
