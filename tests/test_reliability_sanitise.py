"""Issue 15, class 4 (injection): one sanitising policy per sink (src/feoc/render/sanitize.py), property-tested
over arbitrary Unicode, and the attacks run through the real CLI.

The attacks: ANSI / OSC 52 escapes, `\\r`, U+202E and newlines in a name rewrite the terminal or print a fake
"is NOT a foreign entity of concern" line; `validate` echoes escapes in its problem lines; a `%%{init: …}%%`
directive in a name takes effect in a Mermaid diagram and a 60,000-character label makes the diagram vanish;
names starting `=`, `+`, `-`, `@`, tab are spreadsheet formulas and a bare `\\r` splits CSV rows; NUL bytes in
`.md` files, DEL/C1/U+FFFE breaking the YAML front matter, bare URLs becoming live links.

Examples are derandomized (the same in every run and in CI), as in tests/test_ownership_properties.py.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from pydantic import TypeAdapter, ValidationError
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.model import REFUSED_IN_TEXT, Text
from feoc.render import sanitize
from feoc.render.csvfast import csv_text
from feoc.render.json import dumps
from feoc.render.sanitize import (
    MERMAID_LABEL_LIMIT,
    UNSHOWN,
    clip,
    code,
    csv_cell,
    csv_column,
    md,
    mermaid_label,
    one_line,
    terminal,
    visible,
    yaml_str,
)

EXAMPLES = int(os.environ.get("FEOC_HYPOTHESIS_EXAMPLES", "300"))
PROPERTY = settings(derandomize=True, max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
runner = CliRunner()

# every Unicode category, surrogates included, mixed with the fragments the attacks are made of
FRAGMENTS = ["\x1b[2J", "\x1b]52;c;aGk=\x07", "\r", "\n", "\t", "\u202e", "\u2066", "\x00", "\x7f", "\x85", "\x9b",
             "\u2028", "\ufffe", "\U0010ffff", "\ud800", "%%{init: {'theme':'dark'}}%%", "%", "=", "+", "-", "@",
             "www.", "http://", "https://x.y", "a@b.co", "mailto:", "<script>", "`", "|", "#", "&amp;", "*", "_",
             "[x](y)", "\\", '"', "'", " ", "\uff1d"]
ANY_TEXT = st.lists(st.one_of(st.characters(exclude_categories=()), st.sampled_from(FRAGMENTS)),
                    max_size=40).map("".join)
_UNSHOWN_RE = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in UNSHOWN) + "]")
_FORMULA_START = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def _shows_nothing_hidden(out: str) -> bool:
    return not _UNSHOWN_RE.search(out) and len(out.splitlines()) <= 1


# --- terminal ---------------------------------------------------------------------------------------------

@PROPERTY
@given(ANY_TEXT)
def test_terminal_line_holds_no_escape_no_bidi_override_and_no_second_line(text):
    """ANSI/OSC 52 escapes, `\\r`, U+202E and newlines never reach the terminal raw."""
    out = terminal(text)
    assert _shows_nothing_hidden(out)
    if not _UNSHOWN_RE.search(text):
        assert out == text  # ordinary text is unchanged


def test_terminal_shows_each_hidden_character_as_escape_text():
    assert terminal("a\x1b[2Jb\r\u202ec\n") == "a\\x1b[2Jb\\x0d\\u202ec\\x0a"
    assert terminal("\U0010ffff\ud800") == "\\U0010ffff\\ud800"


def test_every_noncharacter_and_only_those_astral_characters_are_escaped():
    """The astral members of UNSHOWN are found by one range and their low bits (the fast path of every sink)."""
    for plane in range(0x10000, 0x110000, 0x10000):
        for n in (plane + 0xFFFE, plane + 0xFFFF):
            assert terminal(f"a{chr(n)}b") == f"a\\U{n:08x}b"
            assert csv_column([f"x{chr(n)}"]) == [f"x\\U{n:08x}"]
            assert json.loads(dumps(chr(n))) == chr(n) and chr(n) not in dumps(chr(n))
    emoji = "\U0001f600 \U0001fffd \U00020000"
    assert terminal(emoji) == emoji and csv_column([emoji]) == [emoji] and emoji in dumps(emoji)


# --- Markdown ---------------------------------------------------------------------------------------------

def _inline_html(markdown: str) -> str:
    rendered = MarkdownIt("commonmark").render(f"x {markdown} y").strip()
    assert rendered.startswith("<p>x ") and rendered.endswith(" y</p>"), rendered
    return rendered[len("<p>x "):-len(" y</p>")]


@PROPERTY
@given(ANY_TEXT)
def test_markdown_text_is_one_line_of_plain_text_without_links_or_html(text):
    """Markdown text: no control character, no raw HTML, no emphasis or link, no bare URL the GFM autolinker
    would make live (`www.`, `http(s)://`, e-mail); it renders back to the text as shown."""
    out = md(text)
    assert _shows_nothing_hidden(out)
    inner = _inline_html(out)
    assert "<" not in inner  # no tag at all: no <a>, <em>, <img>, <script>
    assert not re.search(r"(?i)www\.|(?:https?|ftp)://|@|mailto:", out)  # GFM extended autolinks
    assert html.unescape(inner) == one_line(text)


def test_a_source_doc_stays_a_link_everything_else_does_not():
    assert md("https://example.com/a", links=True) == "https://example.com/a"
    assert md("see https://evil.example or www.evil.example or a@b.co") == \
        "see https&#58;//evil.example or www&#46;evil.example or a&#64;b.co"


@PROPERTY
@given(ANY_TEXT)
def test_markdown_code_span_is_one_code_span(text):
    out = code(text)
    assert _shows_nothing_hidden(out) and out.count("`") == 2
    inner = _inline_html(out)
    assert inner.startswith("<code>") and inner.endswith("</code>")
    assert html.unescape(inner[len("<code>"):-len("</code>")]) == (one_line(text).replace("`", "'") or " ")


# --- Mermaid ----------------------------------------------------------------------------------------------

_MERMAID_CODES = {"amp": "&", "quot": '"', "lt": "<", "gt": ">", "124": "|", "96": "`", "35": "#", "37": "%"}


@PROPERTY
@given(ANY_TEXT, st.integers(min_value=2, max_value=2 * MERMAID_LABEL_LIMIT))
def test_mermaid_label_has_no_directive_no_markup_and_a_bounded_length(text, limit):
    """No `%%` (a comment or `%%{init: …}%%` directive), no quote ending the label, no markup, bounded."""
    out = mermaid_label(text, limit)
    assert _shows_nothing_hidden(out) and out.startswith('"') and out.endswith('"')
    body = out[1:-1]
    assert "%%" not in body and not re.search(r'["<>|`]', body)
    decoded = re.sub(r"#(\w+);", lambda m: _MERMAID_CODES[m.group(1)], body)
    assert decoded == clip(text, limit) and len(decoded) <= limit


def test_a_60000_character_name_is_cut_with_an_ellipsis():
    label = clip("A" * 60_000)
    assert len(label) == MERMAID_LABEL_LIMIT and label.endswith("…")


# --- CSV --------------------------------------------------------------------------------------------------

@PROPERTY
@given(ANY_TEXT)
def test_csv_cell_never_starts_a_formula_and_is_one_line(text):
    """OWASP CSV injection: a leading `'` on a cell that starts `=`, `+`, `-`, `@`, tab or `\\r`, the rest kept."""
    out = csv_cell(text)
    assert _shows_nothing_hidden(out) and not out.startswith(_FORMULA_START)
    assert out in (visible(text), "'" + visible(text))


@PROPERTY
@given(st.lists(st.one_of(ANY_TEXT, st.none(), st.floats(allow_nan=False)), min_size=1, max_size=12))
def test_csv_rows_read_back_one_per_record_with_neutralised_cells(values):
    """A bare `\\r` or a newline in a name does not split a row; the one-scan column check equals the cell rule."""
    column = csv_column(values)
    assert column == [csv_cell(v) if isinstance(v, str) else v for v in values]
    text = csv_text(["name", "n"], [column, list(range(len(values)))])
    assert len(text.split("\n")) == len(values) + 2  # one line per record, the header and the final newline
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert [r[0] for r in rows] == ["" if v is None else repr(v) if isinstance(v, float) else v for v in column]
    assert not any(r[0].startswith(_FORMULA_START) for r, v in zip(rows, values) if isinstance(v, str))


# --- YAML front matter and JSON ---------------------------------------------------------------------------

@PROPERTY
@given(ANY_TEXT)
def test_front_matter_value_parses_as_yaml_and_round_trips_the_shown_text(text):
    """DEL, C1, U+FFFE, U+2028 made front matter invalid YAML; the scalar now parses back to what is shown."""
    out = yaml_str(text)
    assert _shows_nothing_hidden(out)
    assert yaml.safe_load(f"---\nname: {out}\nkind: entity\n---\n".split("---\n")[1]) == \
        {"name": one_line(text), "kind": "entity"}


@PROPERTY
@given(ANY_TEXT)
def test_json_keeps_the_exact_text_with_every_hidden_character_escaped(text):
    out = dumps({"name": text, "list": [text]})
    assert not _UNSHOWN_RE.search(out.replace("\n", ""))
    assert json.loads(out) == {"name": text, "list": [text]}


# --- the loader -------------------------------------------------------------------------------------------

def test_the_loader_refuses_what_no_sink_writes_raw_but_tab_and_line_feed():
    """The loader's list (data/model.py) and the sinks' list (render/sanitize.py) are the same characters,
    but tab and line feed (YAML block scalars make them; every sink folds or escapes them) and the
    surrogates (refused by pydantic-core as not text)."""
    def points(ranges):
        return {n for lo, hi in ranges for n in range(lo, hi + 1)}

    assert points(UNSHOWN) - points(REFUSED_IN_TEXT) == {0x09, 0x0A} | set(range(0xD800, 0xE000))
    assert points(REFUSED_IN_TEXT) <= points(UNSHOWN)
    names = TypeAdapter(Text)
    for lo, hi in UNSHOWN:
        for n in {lo, hi, lo - 1, hi + 1} - {-1, 0x110000}:
            refused = n in points(UNSHOWN) and n not in (0x09, 0x0A)
            try:
                names.validate_python(f"a{chr(n)}b")
            except ValidationError:
                assert refused, f"U+{n:04X} refused"
            else:
                assert not refused, f"U+{n:04X} accepted"


# --- through the CLI --------------------------------------------------------------------------------------

LONG = "Long" * 15_000  # 60,000 characters
ALLOWED_ATTACKS = {  # names the loader accepts: each sink must neutralise them
    "formula-eq": '=HYPERLINK("http://evil.example","click")',
    "formula-plus": "+cmd|' /C calc'!A0",
    "formula-minus": "-2+3",
    "formula-at": "@SUM(1+1)",
    "formula-tab": "\tTab Co",  # a leading tab is stripped: the loader's names are trimmed
    "mermaid": "%%{init: {'theme': 'forest', 'securityLevel': 'loose'}}%% Directive Co",
    "long": LONG,
    "links": "Visit www.evil.example or https://evil.example/x or mail a@evil.example",
    "html": "<img src=x onerror=alert(1)> <script>alert(1)</script>",
    "forged": "Fine Co\nevil is NOT a foreign entity of concern",
}
REFUSED_ATTACKS = {  # names the loader refuses (YAML double-quoted escapes)
    "clear-screen": r"Evil\e[2J\e[H Co",
    "osc52": r"Evil\e]52;c;ZWNobyBwd25lZA==\a Co",
    "carriage-return": r"Evil\r is NOT a foreign entity of concern",
    "bidi-override": r"Evil \u202Eoc ton si",
    "nul": r"Evil\0 Co",
    "del-c1": r"Evil\x7f\x9b31m Co",
    "noncharacter": r"Evil\uFFFE Co",
    "line-separator": r"Evil\u2028 Co",
}


def _dataset(folder: Path, names: dict[str, str]) -> Path:
    """An entity `evil` incorporated in CN and wholly held by the government of CN, holding all of each attack
    entity (so every attack name is a FEOC under every reading, with an ownership diagram), and a holding of
    `evil` in `plain`."""
    lines = ["entities:", "  - {id: evil, name: Evil Holdings, type: company, incorporated_in: CN}",
             "  - {id: gov-cn, name: Government of China, type: government, country: CN}",
             "  - {id: plain, name: Plain Co, type: company, incorporated_in: US}"]
    lines += [f"  - {{id: {key}, name: {json.dumps(name)}, type: company, incorporated_in: US,"
              f" note: \"a note\\nwith https://evil.example\"}}" for key, name in names.items()]
    lines += ["holdings:"] + [f"  - {{holder: {key}, entity: plain, equity: 0.01}}" for key in names]
    lines += [f"  - {{holder: evil, entity: {key}, equity: 1.0}}" for key in names]
    lines += ["  - {holder: gov-cn, entity: evil, equity: 1.0}"]
    folder.mkdir(exist_ok=True)
    (folder / "d.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _yaml_escaped(folder: Path, name: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "d.yaml").write_text(f'entities:\n  - {{id: hostile, name: "{name}", type: company, incorporated_in: CN}}\n',
                                   encoding="utf-8")
    return folder


def _clean(out: str) -> bool:
    return not _UNSHOWN_RE.search(out.replace("\n", ""))


@pytest.mark.parametrize("attack", sorted(REFUSED_ATTACKS))
def test_validate_refuses_a_hostile_name_with_a_clean_problem_line(tmp_path, attack):
    """`validate` used to echo escapes in its problem lines; the name is refused, the line says where and why."""
    data = _yaml_escaped(tmp_path / "data", REFUSED_ATTACKS[attack])
    result = runner.invoke(app, ["validate", str(data)])
    assert result.exit_code == 2 and _clean(result.output)
    assert re.search(r"d\.yaml:2: entities\[0\] name: `name` holds U\+[0-9A-F]{4,6} at character \d+", result.output)


@pytest.mark.parametrize("attack", ["clear-screen", "osc52", "bidi-override"])
def test_a_hostile_id_is_echoed_visibly(tmp_path, attack):
    """The slug problem quotes the bad id: its escapes show as text (`\\x1b`), never raw."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "d.yaml").write_text(f'entities:\n  - {{id: "x{REFUSED_ATTACKS[attack]}", name: X, type: company}}\n',
                                 encoding="utf-8")
    result = runner.invoke(app, ["validate", str(data)])
    assert result.exit_code == 2 and _clean(result.output) and "is not an id" in result.output
    assert "\\x1b" in result.output or "\\u202e" in result.output


@pytest.mark.parametrize("field", ["type", "incorporated_in"])
def test_a_hostile_vocabulary_word_or_country_is_echoed_visibly(tmp_path, field):
    """Problems found after the record checks (an unknown type, a bad country) quote the value: still no escape."""
    data = tmp_path / "data"
    data.mkdir()
    record = {"id": "x", "name": "X", "type": "company", "incorporated_in": "CN", field: "cn\x1b[31m\u202e"}
    (data / "d.yaml").write_text(f"entities:\n  - {json.dumps(record)}\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(data)])
    assert result.exit_code == 2 and _clean(result.output) and "\\x1b[31m\\u202e" in result.output


@pytest.mark.parametrize("attack", sorted(REFUSED_ATTACKS))
@pytest.mark.parametrize("command", [["check", "entity", "hostile", "--on", "2025-01-01"],
                                     ["screen", "--on", "2025-01-01"], ["report", "--on", "2025-01-01"]])
def test_commands_refuse_a_dataset_with_an_escape_in_a_name_and_write_nothing(tmp_path, command, attack):
    data = _yaml_escaped(tmp_path / "data", REFUSED_ATTACKS[attack])
    out = tmp_path / "out"
    extra = ["--out", str(out)] if command[0] in ("report", "screen") else []
    result = runner.invoke(app, [*command, "--data", str(data), *extra])
    assert result.exit_code == 2 and _clean(result.output) and not out.exists()


def test_check_text_prints_no_forged_line(tmp_path):
    """A name with a line break cannot print a fake "is NOT a foreign entity of concern" line under a FEOC."""
    data = _dataset(tmp_path / "data", {"forged": ALLOWED_ATTACKS["forged"]})
    result = runner.invoke(app, ["check", "entity", "forged", "--data", str(data), "--on", "2025-01-01", "--explain",
                                 "--interpretation", "feoc-holders"])
    assert result.exit_code == 1 and _clean(result.output)
    lines = result.output.splitlines()
    assert lines[0].startswith("forged (Fine Co\\x0aevil is NOT") and lines[0].endswith(
        "IS a foreign entity of concern as of 2025-01-01")
    assert not any(line.startswith("evil is NOT") for line in lines)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return _dataset(tmp_path_factory.mktemp("hostile") / "data", ALLOWED_ATTACKS)


def test_screen_csv_has_one_row_per_entity_and_no_formula(hostile, tmp_path):
    result = runner.invoke(app, ["screen", "--data", str(hostile), "--on", "2025-01-01"])
    assert result.exit_code == 0 and _clean(result.output)
    rows = list(csv.reader(io.StringIO(result.output)))
    assert len(rows) == len(ALLOWED_ATTACKS) + 4 and len(result.output.splitlines()) == len(rows)  # header, evil, gov-cn, plain
    assert not any(cell.startswith(_FORMULA_START) for row in rows for cell in row)
    names = {row[0]: row[1] for row in rows[1:]}
    assert names["formula-eq"] == "'" + ALLOWED_ATTACKS["formula-eq"] and names["formula-minus"] == "'-2+3"
    assert names["forged"] == "Fine Co\\x0aevil is NOT a foreign entity of concern"


def test_screen_md_is_a_table_of_plain_text(hostile):
    result = runner.invoke(app, ["screen", "--data", str(hostile), "--on", "2025-01-01", "--format", "md"])
    assert result.exit_code == 0 and _clean(result.output)
    rendered = MarkdownIt("commonmark").enable("table").render(result.output)
    assert "<a " not in rendered and "<img" not in rendered and "<script" not in rendered
    assert rendered.count("<tr>") == len(ALLOWED_ATTACKS) + 4  # header, evil, gov-cn, plain
    assert not re.search(r"(?i)www\.evil|https?://evil|a@evil", result.output)


def test_report_front_matter_parses_no_nul_no_live_directive_and_bounded_labels(hostile, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "--data", str(hostile), "--out", str(out), "--on", "2025-01-01"])
    assert result.exit_code == 0, result.output
    files = sorted(out.rglob("*.md"))
    assert len(files) == len(ALLOWED_ATTACKS) + 3
    for path in files:
        raw = path.read_bytes()
        assert b"\x00" not in raw and _clean(raw.decode("utf-8")), path
        text = raw.decode("utf-8")
        front = yaml.safe_load(text.split("---\n")[1])
        if path.parent.name == "entities":
            subject = path.stem
            expected = ALLOWED_ATTACKS.get(subject, {"evil": "Evil Holdings", "plain": "Plain Co"}.get(subject))
            assert front["subject"] == subject and front["name"] == one_line(expected)
        for block in re.findall(r"```mermaid\n(.*?)```", text, re.S):
            assert "%%" not in block
            for label in re.findall(r'"([^"]*)"', block):
                assert len(label) <= 6 * 2 * MERMAID_LABEL_LIMIT
        body = re.sub(r"```mermaid\n.*?```", "", text.split("\n---\n", 1)[1], flags=re.S)  # Mermaid links nothing
        rendered = MarkdownIt("commonmark").enable("table").render(body)
        assert "<img" not in rendered and "<script" not in rendered
        assert not re.search(r"(?i)www\.evil|https?://evil|a@evil", body)
    diagram = re.findall(r"```mermaid\n(.*?)```", (out / "entities" / "long.md").read_text(encoding="utf-8"), re.S)
    assert diagram and f'["{clip(LONG)} (long) — FEOC"]' in diagram[0]  # the 60,000-character name, cut


def test_report_json_keeps_the_names_exactly(hostile, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "--data", str(hostile), "--out", str(out), "--on", "2025-01-01",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads((out / "report.json").read_text(encoding="utf-8"))
    names = {s["subject"]: s["name"] for s in body["subjects"]}
    assert names["forged"] == ALLOWED_ATTACKS["forged"] and names["mermaid"] == ALLOWED_ATTACKS["mermaid"]


def test_sanitize_is_the_one_module_renderers_escape_with():
    """No renderer carries its own escaping: they import the policies from render/sanitize.py."""
    render = Path(sanitize.__file__).parent
    assert not (render / "escape.py").exists()
    for path in render.glob("*.py"):
        if path.name != "sanitize.py":
            assert not re.search(r"def (md|code|mermaid_label|yaml_str)\(", path.read_text(encoding="utf-8")), path
