"""Every class of bad input is refused with the file, the line and a fix; nothing crashes.

The datasets are the folders of tests/bad_inputs/ (one class of mistake each; `valid-*` folders are traps
that must load), plus files written here when they are binary, wrongly encoded or large.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import feoc.data.yamlio
from feoc.cli import app
from feoc.data.problems import InputError, Problem
from feoc.law.law import Law
from feoc.load.folder import load_dataset

LAW = Law.load()

CORPUS = Path(__file__).parent / "bad_inputs"
BAD_CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("valid-"))
VALID_CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and p.name.startswith("valid-"))
PROBLEM_LINE = re.compile(r"^\S+\.ya?ml(:\d+)?: .+ — .+$")


def problems(folder: Path | str) -> list[Problem]:
    """The problems load_dataset raises for `folder` (a corpus case name or a path); fails if it loads."""
    path = CORPUS / folder if isinstance(folder, str) else folder
    with pytest.raises(InputError) as info:
        load_dataset(path, LAW)
    found = info.value.problems
    for p in found:  # every problem says what is wrong and how to fix it
        assert p.message and p.fix, p
        assert " — " in str(p), p
    return found


def where(found: list[Problem]) -> list[tuple[str, int]]:
    """(file name, line) of each problem, in the loader's order (sorted by file, then line)."""
    return [(Path(p.file).name, p.line) for p in found]


def one(folder: Path | str) -> Problem:
    found = problems(folder)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def write(folder: Path, **files: str | bytes) -> Path:
    """Write a dataset folder: keyword `entities_yaml="..."` becomes the file entities.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name.replace("_yaml", ".yaml")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


ENTITIES = """\
entities:
  - id: catl
    name: Contemporary Amperex Technology
    type: company
    incorporated_in: CN
  - id: nissan
    name: Nissan Motor
    type: company
"""


# ---- the file as a whole ------------------------------------------------------------------------------

def test_yaml_syntax_error_points_at_the_line_and_where_the_bracket_opened():
    p = one("yaml-syntax-error")
    assert where([p]) == [("entities.yaml", 4)]
    assert "YAML error" in p.message and "line 3" in p.message
    assert "`]`" in p.fix and "line 3" in p.fix


def test_tab_indentation():
    p = one("tab-indentation")
    assert where([p]) == [("entities.yaml", 4)]
    assert "tab" in p.message and "spaces" in p.fix


def test_tab_inside_a_block_scalar_is_text_not_indentation(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES + "    note: |\n      first line\n      \tindented with a tab\n")
    assert load_dataset(folder, LAW).entity("nissan").note == "first line\n\tindented with a tab\n"


def test_non_utf8_bytes_name_the_line(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES.encode().replace(b"Nissan Motor", b"Nissan M\xf6tor"))
    p = one(folder)
    assert where([p]) == [("entities.yaml", 7)]
    assert "UTF-8" in p.message and "0xf6" in p.message and "UTF-8" in p.fix


def test_utf16_file_is_named_as_such(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES.encode("utf-16"))
    p = one(folder)
    assert "UTF-16" in p.message and "UTF-8" in p.fix


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    folder = write(tmp_path, entities_yaml=b"\xef\xbb\xbf" + ENTITIES.encode())
    assert len(load_dataset(folder, LAW).entities) == 2


def test_binary_garbage_with_nul_bytes(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES.encode() + b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8")
    p = one(folder)
    assert where([p]) == [("entities.yaml", 11)]  # the line of the first NUL byte (after "\x89PNG\r\n\x1a\n")
    assert "binary" in p.message


def test_empty_file():
    assert where([one("empty-file")]) == [("empty.yaml", 1)]
    assert "empty" in one("empty-file").message


def test_file_with_only_comments_counts_as_empty():
    p = one("comment-only-file")
    assert where([p]) == [("notes.yaml", 1)] and "empty" in p.message


def test_file_that_is_a_scalar():
    p = one("scalar-file")
    assert where([p]) == [("entities.yaml", 1)]
    assert "not a mapping" in p.message and "entities" in p.fix


def test_file_that_is_a_list():
    p = one("list-file")
    assert where([p]) == [("entities.yaml", 1)]
    assert "a list" in p.message and "top-level key" in p.fix


def test_file_with_several_documents(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES + "---\nholdings: []\n")
    p = one(folder)
    assert where([p]) == [("entities.yaml", 9)] and "several YAML documents" in p.message


def test_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(feoc.data.yamlio, "MAX_FILE_BYTES", 100)
    folder = write(tmp_path, entities_yaml=ENTITIES)
    p = one(folder)
    assert where([p]) == [("entities.yaml", 0)]  # the whole file
    assert "100 byte limit" in p.message and "split" in p.fix


# ---- dangerous YAML ----------------------------------------------------------------------------------

def test_python_object_tag_is_refused_and_never_run():
    marker = Path("/tmp/feoc-pwned")
    marker.unlink(missing_ok=True)
    p = one("python-object-tag")
    assert where([p]) == [("entities.yaml", 3)]
    assert "!!python/object/apply:os.system" in p.message and "remove the tag" in p.fix
    assert not marker.exists()


def test_custom_tag_is_refused():
    p = one("custom-tag")
    assert where([p]) == [("entities.yaml", 4)] and "`!company`" in p.message


@pytest.mark.parametrize("tagged", ["!!str 2024-01-01", "!!binary aGVsbG8=", "!!set {a, b}", "! plain", "!<tag:x.org,1:y> z"])
def test_every_tag_is_refused_even_the_core_ones(tmp_path, tagged):
    folder = write(tmp_path, entities_yaml=ENTITIES + f"    note: {tagged}\n")
    p = one(folder)
    assert where([p]) == [("entities.yaml", 9)] and "tag" in p.message and "plain" in p.fix


def test_an_exclamation_mark_in_text_is_not_a_tag(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES.replace("Nissan Motor", "Yahoo! Japan ! really"))
    assert load_dataset(folder, LAW).entity("nissan").name == "Yahoo! Japan ! really"


def test_alias_bomb_is_refused_at_once():
    start = time.perf_counter()
    p = one("alias-bomb")
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5, f"alias bomb took {elapsed:.2f} s to refuse"
    assert where([p]) == [("entities.yaml", 2)]  # the anchor whose aliases multiply
    assert "alias" in p.message


def test_small_aliases_are_still_allowed(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES, listings_yaml="""\
listings:
  - entity: catl
    list: uflpa
    sources: &src
      - doc: uflpa-entity-list.pdf
        quote: Contemporary Amperex Technology
  - entity: nissan
    list: ofac-sdn
    sources: *src
""")
    dataset = load_dataset(folder, LAW)
    assert dataset.listings[0].sources == dataset.listings[1].sources


def test_duplicate_mapping_key_is_an_error_not_last_one_wins():
    p = one("duplicate-key")
    assert where([p]) == [("holdings.yaml", 5)]  # the second `equity:`
    assert "`equity` appears twice" in p.message


def test_duplicate_top_level_key():
    p = one("duplicate-top-level-key")
    assert where([p]) == [("entities.yaml", 18)] and "`entities`" in p.message


def test_deep_nesting_is_refused_without_a_crash(tmp_path):
    folder = write(tmp_path, entities_yaml="entities: " + "[" * 5000 + "]" * 5000 + "\n")
    assert where([one(folder)]) == [("entities.yaml", 1)]


# ---- records -------------------------------------------------------------------------------------------

def test_duplicate_id_in_one_file():
    p = one("duplicate-id-one-file")
    assert where([p]) == [("entities.yaml", 14)]
    assert "duplicate id `catl`" in p.message and "entities.yaml:2" in p.message


def test_duplicate_id_across_two_files():
    p = one("duplicate-id-two-files")
    assert where([p]) == [("facilities.yaml", 2)]
    assert "duplicate id `catl`" in p.message and "entities.yaml:2" in p.message


def test_dangling_references_of_every_kind():
    found = problems("dangling-references")
    got = {(Path(p.file).name, p.line, re.match(r"`(\w+): ([\w-]+)`", p.message).groups()) for p in found}
    assert got == {
        ("entities.yaml", 22, ("operator", "ghost-operator")),
        ("links.yaml", 2, ("holder", "ghost-holder")),
        ("links.yaml", 6, ("entity", "ghost-entity")),
        ("links.yaml", 9, ("entity", "ghost-listed")),
        ("links.yaml", 14, ("licensor", "ghost-licensor")),
        ("links.yaml", 19, ("licensee", "ghost-licensee")),
        ("links.yaml", 24, ("manufactured_at", "ghost-cell-plant")),
        ("links.yaml", 27, ("assembled_at", "ghost-module-plant")),
        ("links.yaml", 31, ("extracted_at", "ghost-mine")),
        ("links.yaml", 32, ("processed_at", "ghost-refinery")),
        ("links.yaml", 33, ("recycled_at", "ghost-recycler")),
        ("links.yaml", 39, ("manufacturer", "ghost-maker")),
        ("links.yaml", 40, ("battery", "ghost-pack")),
        ("links.yaml", 41, ("assembled_at", "ghost-assembly-plant")),
    }
    assert all("names no" in p.message and "define" in p.fix for p in found)


def test_reference_to_a_record_that_failed_validation_is_not_reported_twice(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES + "  - id: byd\n    name: BYD\n    type: company\n    country: XX\n",
                   holdings_yaml="holdings:\n  - holder: byd\n    entity: catl\n    equity: 0.1\n")
    assert where(problems(folder)) == [("entities.yaml", 12)]


def test_bad_shares():
    found = problems("bad-shares")
    assert where(found) == [("holdings.yaml", n) for n in (4, 7, 10, 13, 16, 19)]
    negative, over, nan, inf, text, boolean = (p.message for p in found)
    assert "-0.1" in negative and "outside [0, 1]" in negative
    assert "1.5" in over and "outside [0, 1]" in over
    assert "nan" in nan and "finite" in nan
    assert "inf" in inf and "finite" in inf
    assert "`a quarter` is not a share" in text
    assert "`true` is not a share" in boolean
    assert all('"25%"' in p.fix for p in found)


def test_share_as_huge_integer_is_refused_not_a_crash(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES,
                   holdings_yaml=f"holdings:\n  - holder: catl\n    entity: nissan\n    equity: 1{'0' * 400}\n")
    p = one(folder)
    assert where([p]) == [("holdings.yaml", 4)] and "finite" in p.message


def test_percentage_over_100_suggests_nothing_silly(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES,
                   holdings_yaml='holdings:\n  - holder: catl\n    entity: nissan\n    equity: 25\n')
    p = one(folder)
    assert '"25%"' in p.message  # 25 was meant as a percentage


def test_shares_over_100_percent():
    p = one("shares-over-100")
    assert where([p]) == [("holdings.yaml", 7)]
    assert "adds up to 110.00%" in p.message and "cn-government 60.00%" in p.message and "nissan 50.00%" in p.message


def test_shares_over_100_percent_only_on_some_dates():
    p = one("shares-over-100-on-some-date")
    assert where([p]) == [("holdings.yaml", 9)]
    assert "on 2021-06-01" in p.message


def test_shares_over_100_percent_over_the_years_but_never_at_once_are_fine():
    dataset = load_dataset(CORPUS / "valid-shares-disjoint-in-time", LAW)
    assert len(dataset.holdings) == 3


def test_self_holding():
    p = one("self-holding")
    assert where([p]) == [("holdings.yaml", 3)] and "cannot hold itself" in p.message


def test_from_after_until_and_from_equal_until():
    found = problems("from-not-before-until")
    assert where(found) == [("holdings.yaml", 6), ("holdings.yaml", 11)]  # the `until:` lines
    assert all("must be before `until`" in p.message for p in found)


def test_impossible_dates():
    feb30, far_future = problems("impossible-dates")
    assert where([feb30, far_future]) == [("holdings.yaml", 5), ("holdings.yaml", 9)]
    assert "2024-02-30" in feb30.message and "calendar" in feb30.message
    assert "3024-01-01" in far_future.message and "year" in far_future.fix


def test_datetime_where_a_day_is_expected(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES,
                   holdings_yaml="holdings:\n  - holder: catl\n    entity: nissan\n    equity: 0.1\n"
                                 "    from: 2024-01-01T10:00:00\n")
    p = one(folder)
    assert where([p]) == [("holdings.yaml", 5)] and "YYYY-MM-DD" in p.fix


def test_unknown_country():
    xx, lower = problems("unknown-country")
    assert where([xx, lower]) == [("entities.yaml", 5), ("entities.yaml", 9)]
    assert "`XX`" in xx.message and "ISO 3166-1" in xx.message
    assert "`cn`" in lower.message and "`CN`" in lower.fix


def test_country_read_as_false_by_a_yaml_1_1_tool(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES + "    incorporated_in: false\n")
    p = one(folder)
    assert where([p]) == [("entities.yaml", 9)] and "NO" in p.fix


def test_unknown_entity_type():
    p = one("unknown-entity-type")
    assert where([p]) == [("entities.yaml", 4)]
    assert "`corporation`" in p.message and "company" in p.fix


def test_unknown_field():
    p = one("unknown-field")
    assert where([p]) == [("holdings.yaml", 4)]
    assert "unknown field `equtiy`" in p.message and "spelling" in p.fix


def test_unknown_top_level_key():
    p = one("unknown-top-level-key")
    assert where([p]) == [("entities.yaml", 14)]
    assert "`owners`" in p.message and "holdings" in p.fix


def test_unknown_list_activity_component_and_mineral():
    found = problems("unknown-vocabulary")
    assert where(found) == [("supply.yaml", n) for n in (3, 9, 18, 25, 28)]
    listed, activity, component, mineral, capitalised = (p.message for p in found)
    assert "unknown list `naughty-list`" in listed
    assert "unknown activity `cell_painting`" in activity
    assert "unknown battery component `flux_capacitor`" in component
    assert "`unobtainium` is not an applicable critical mineral" in mineral
    assert "`Lithium`" in capitalised and "lowercase" in found[-1].fix


def test_ids_that_are_not_slugs():
    found = problems("ids-not-slugs")
    assert where(found) == [("entities.yaml", 2), ("entities.yaml", 5), ("entities.yaml", 8)]
    upper, dots, slash = found
    assert "`AESC` is not an id" in upper.message and "`aesc`" in upper.fix
    assert "`../etc` is not an id" in dots.message
    assert "`a/b` is not an id" in slash.message


@pytest.mark.parametrize("bad", ['"catl\\n"', "12", '" catl"', "catl-", "-catl", "ca_tl", '""'])
def test_more_ids_that_are_not_slugs(tmp_path, bad):
    folder = write(tmp_path, entities_yaml=f"entities:\n  - id: {bad}\n    name: X\n    type: company\n")
    p = one(folder)
    assert where([p]) == [("entities.yaml", 2)] and "not an id" in p.message


def test_record_that_is_not_a_mapping(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES + "  - just-an-id\n")
    p = one(folder)
    assert where([p]) == [("entities.yaml", 9)] and "mapping" in p.fix


def test_top_level_value_that_is_not_a_list(tmp_path):
    folder = write(tmp_path, entities_yaml="entities:\n  id: catl\n  name: CATL\n  type: company\n")
    p = one(folder)
    assert where([p]) == [("entities.yaml", 1)] and "must be a list" in p.message


def test_key_that_is_not_text(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES + "    2024: founded\n")
    p = one(folder)
    assert where([p]) == [("entities.yaml", 9)] and "not text" in p.message


def test_blank_name_and_missing_field(tmp_path):
    folder = write(tmp_path, entities_yaml="entities:\n  - id: catl\n    name: '   '\n    type: company\n"
                                           "  - id: byd\n    type: company\n")
    blank, missing = problems(folder)
    assert where([blank, missing]) == [("entities.yaml", 3), ("entities.yaml", 5)]
    assert "missing required field `name`" in missing.message


def test_assumed_figure_needs_its_reason(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES,
                   holdings_yaml="holdings:\n  - holder: catl\n    entity: nissan\n    equity: 0.1\n    assumed: true\n")
    p = one(folder)
    assert where([p]) == [("holdings.yaml", 5)] and "assumption" in p.message


# ---- traps that must load ----------------------------------------------------------------------------

def test_norway_is_the_string_NO():
    dataset = load_dataset(CORPUS / "valid-norway-trap", LAW)
    assert dataset.entity("norway").country == "NO"
    assert dataset.entity("equinor").incorporated_in == "NO" and dataset.entity("equinor").headquartered_in == "NO"


def test_percent_string_and_fraction_give_the_same_share():
    first, second, third, fourth = load_dataset(CORPUS / "valid-percent-and-fraction", LAW).holdings
    assert first.equity == second.equity == 0.25
    assert third.equity == fourth.equity == 0.333  # "33.3 %" divided in decimal, not 33.3 / 100 in binary


def test_quoted_date_in_a_text_field_stays_text(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES.replace("Nissan Motor", '"2024-01-01"'))
    assert load_dataset(folder, LAW).entity("nissan").name == "2024-01-01"


def test_impossible_cycle_of_100_percent_is_refused():
    p = one("cycle-100")
    assert where([p]) == [("holdings.yaml", 7)]
    assert "cycle of 100 % equity" in p.message and "catl → nissan → catl" in p.message


def test_cycle_of_100_percent_stakes_never_in_force_together_is_fine(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES, holdings_yaml="""\
holdings:
  - holder: catl
    entity: nissan
    equity: 1
    until: 2020-01-01
  - holder: nissan
    entity: catl
    equity: 1
    from: 2020-01-01
""")
    assert len(load_dataset(folder, LAW).holdings) == 2


def test_partial_cross_holding_is_accepted():
    dataset = load_dataset(CORPUS / "valid-partial-cross-holding", LAW)
    assert {(h.holder, h.entity, h.equity) for h in dataset.holdings} == {("catl", "nissan", 0.3), ("nissan", "catl", 0.2)}


# ---- all together, and through the command line ---------------------------------------------------------

def test_all_problems_of_a_folder_are_reported_together():
    found = problems("three-errors-two-files")
    assert where(found) == [("entities.yaml", 5), ("holdings.yaml", 4), ("holdings.yaml", 5)]
    assert "`XX`" in found[0].message and "`equtiy`" in found[1].message and "`holder: ghost`" in found[2].message


def test_problems_in_one_file_do_not_hide_another_files_parse_error(tmp_path):
    folder = write(tmp_path, a_yaml="entities: [\n", b_yaml=ENTITIES + "    incorporated_in: XX\n", c_yaml="")
    assert [name for name, _ in where(problems(folder))] == ["a.yaml", "b.yaml", "c.yaml"]


@pytest.mark.parametrize("case", BAD_CASES)
def test_cli_exits_2_with_one_line_per_problem_and_no_traceback(case):
    result = CliRunner().invoke(app, ["validate", str(CORPUS / case)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].endswith("problem(s) found: fix each where it says, then run `feoc validate` again.")
    for line in lines[:-1]:
        assert PROBLEM_LINE.match(line), line


@pytest.mark.parametrize("case", VALID_CASES)
def test_cli_accepts_the_valid_traps(case):
    result = CliRunner().invoke(app, ["validate", str(CORPUS / case)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_cli_in_a_real_process(tmp_path):
    folder = write(tmp_path, entities_yaml=b"entities:\n  - id: x\n\x00\x01\x02")
    proc = subprocess.run([sys.executable, "-m", "feoc.cli", "validate", str(folder)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert f"{folder / 'entities.yaml'}:3: file holds binary data" in proc.stderr


# ---- whatever the mangling, an InputError and never a crash ------------------------------------------------

SEED_TEXT = (CORPUS / "dangling-references" / "links.yaml").read_text()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, len(SEED_TEXT)), st.integers(0, 3),
                                st.sampled_from([":", "-", " ", "\t", "\n", "[", "]", "{", "}", "&a", "*a", "!",
                                                 "'", '"', "%", "#", "---", "~", "1", "x", "é", "\x00", "? "])),
                      min_size=1, max_size=4))
def test_mangled_input_raises_input_error_or_loads(tmp_path, edits):
    text = SEED_TEXT
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut:]
    folder = tmp_path / "mangled"
    write(folder, entities_yaml=(CORPUS / "dangling-references" / "entities.yaml").read_text(), links_yaml=text)
    try:
        load_dataset(folder, LAW)
    except InputError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.message and p.fix, p


def test_every_record_knows_its_file_and_place():
    dataset = load_dataset(CORPUS / "valid-shares-disjoint-in-time", LAW)
    assert len(dataset.origins) == sum(dataset.counts().values())
    origin = dataset.origins[("holdings", 2)]
    assert (Path(origin.file).name, origin.kind, origin.index) == ("holdings.yaml", "holdings", 2)
    assert dataset.origins.get(("holdings", 3)) is None
    assert Path(dataset.origins[("entities", 0)].file).name == "entities.yaml"


def test_tag_after_an_anchor_is_refused(tmp_path):
    folder = write(tmp_path, entities_yaml=ENTITIES + "    note: &n !!python/name:os.system x\n")
    p = one(folder)
    assert where([p]) == [("entities.yaml", 9)] and "tag" in p.message


@pytest.mark.parametrize("content, limit, expected", [
    (ENTITIES.encode().replace(b"Nissan", b"Nis\xe9an"), None, "entities.yaml:7: not valid UTF-8"),
    (ENTITIES.encode("utf-16"), None, "entities.yaml:1: the file is UTF-16"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", None, "entities.yaml:1: file holds binary data"),
    (ENTITIES.encode(), 64, "entities.yaml: file is"),
], ids=["non-utf8", "utf16", "nul", "oversized"])
def test_cli_on_files_written_here(tmp_path, monkeypatch, content, limit, expected):
    if limit:
        monkeypatch.setattr(feoc.data.yamlio, "MAX_FILE_BYTES", limit)
    folder = write(tmp_path, entities_yaml=content)
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert expected in result.output


def test_country_codes_are_pycountrys_iso_3166_1_list():
    """The codes a `country:` may take are read from pycountry's data file (without importing it, for
    start-up time): the very set its API gives, Norway's NO and Kosovo's absence (not ISO) included."""
    import pycountry

    from feoc.data.values import iso_countries

    assert iso_countries() == {c.alpha_2 for c in pycountry.countries}
    assert {"CN", "NO", "US"} <= iso_countries() and "XK" not in iso_countries()
