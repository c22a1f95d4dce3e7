"""Issue 18, "Reports": the Markdown reports of the seeds read as a compliance analyst needs them — every
date's verdict in one table first, rules and parameters in words, no raw HTML, notes as paragraphs, no line
said twice, one diagram per subject drawing the whole chain, and the index with plants and §45X. Each test
reads the Markdown `feoc report` writes for the seeds (through the CLI, as a user runs it)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.law.law import Law

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
runner = CliRunner()
FENCE = re.compile(r"```mermaid\n.*?```", re.S)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    result = runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _reports(out: Path) -> list[Path]:
    return sorted(out.rglob("*.md"))


def _body(path: Path) -> str:
    """The Markdown after the front matter."""
    text = path.read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1] if text.startswith("---\n") else text


def _summary_rows(text: str) -> list[str]:
    table = text[text.index("## Verdict on each date"):].split("\n\n")[1]
    return table.splitlines()[2:]


def test_the_leaf_headline_summarises_every_date_before_the_detail(out):
    """User story: an analyst opens the 2024 Leaf's report and sees, before any detail, every date's verdict in
    words, its credit, the contested date with each reading's answer and range — not only the last date."""
    text = (out / "vehicles" / "nissan-leaf-2024.md").read_text(encoding="utf-8")
    assert text.index("## Verdict on each date") < text.index("## Details by date")
    rows = _summary_rows(text)
    assert [r.split(" | ")[0].lstrip("| ") for r in rows] == [
        "2022-08-17", "2023-01-01", "2023-04-18", "2024-01-01", "2025-01-01", "2025-10-01", "2026-01-01"]
    assert rows[2].startswith("| 2023-04-18 | eligible, 3,750 USD | 3,750 | battery-components sourcing half")
    contested = rows[3]
    assert contested.startswith("| 2024-01-01 | contested, $0–$3,750 | $0–$3,750 |")
    for answer in ("feoc-lookthrough: not eligible, $0", "government: partial, $3,750"):
        assert answer in contested
    assert rows[-1].startswith("| 2026-01-01 | terminated | 0 | last acquisition date")


def test_a_vehicle_that_cannot_be_determined_names_the_missing_fact(out):
    """User story: the Canton EV's MSRP is not announced; its headline says which fact is missing, and whose."""
    rows = _summary_rows((out / "vehicles" / "nissan-canton-ev-1.md").read_text(encoding="utf-8"))
    undetermined = [r for r in rows if "| cannot be determined |" in r]
    assert undetermined
    for row in undetermined:
        assert "| cannot be determined | unknown |" in row  # no amount claimed
        assert "MSRP cap" in row and "missing: " in row and "(`nissan-canton-ev-1`)" not in row.split("missing: ")[0]
        assert "`nissan-canton-ev-1`" in row.split("missing: ")[1]


def test_vehicle_detail_shows_only_what_changed_and_keeps_every_fact_reachable(out):
    """The Leaf's battery components never change: the table is shown once, and every later date names the date
    it is shown for (no 670 lines repeating four tables per date)."""
    text = (out / "vehicles" / "nissan-leaf-2024.md").read_text(encoding="utf-8")
    details = text[text.index("## Details by date"):text.index("## Sources")]
    assert details.count("#### Battery components") == 1
    dates = re.findall(r"^### As of (\d{4}-\d{2}-\d{2}):", details, re.M)
    assert len(dates) == 7
    shown: dict[str, str] = {}
    for section in re.split(r"^### As of ", details, flags=re.M)[1:]:
        day = section[:10]
        for part in re.findall(r"^#### (.+)$", section, re.M):
            shown.setdefault(part.lower(), day)
        for when in re.findall(r"\(shown for (\d{4}-\d{2}-\d{2})\)", section):
            assert when < day and when in dates  # an unchanged part points back to a date that shows it
    assert shown["battery components"] == "2022-08-17"
    assert len(text.splitlines()) < 400


def test_rules_and_parameters_are_named_in_words_everywhere(out):
    """No internal id as a label: the index names what decided each verdict in words only (`credit_phase` was
    the index's label before), and in a report every rule id follows its label in code font."""
    law = Law.load()
    ids = {src.rule.id for src in law.rules} | set(law.parameters) | {"final_assembly"}
    index = _body(out / "index.md")
    for name in ids:
        assert not re.search(rf"(?<![\w/-]){re.escape(name)}(?![\w-])", index), name
    assert "IRA credit phase" in index and "headquartered in a covered nation" in index
    rule_ids = sorted(src.rule.id for src in law.rules)
    for path in _reports(out):
        text = FENCE.sub("", _body(path))
        for name in rule_ids:
            for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
                before = text[:m.start()]
                # after its label, in code font or not (a check's detail); or named by the law's own text
                assert re.search(r"[\w)] \(`?$", before) or before.endswith("rule "), (path, name, before[-60:])


def test_no_raw_html_outside_mermaid(out):
    """No `<br>` (literal text where HTML is off) anywhere in any report or the index; inside a Mermaid fence
    `<br/>` would be Mermaid's own syntax."""
    for path in _reports(out):
        text = FENCE.sub("", path.read_text(encoding="utf-8"))
        assert "<br" not in text.lower(), path
        assert not re.search(r"</?(div|span|p|table|tr|td|b|i)\b", text), path


def test_notes_are_separate_paragraphs(out):
    """The 96 `> Note:` lines ran together into single paragraphs: each note is now its own block."""
    notes = 0
    for path in _reports(out):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines[:-1]):
            if line.startswith("> "):
                notes += line.startswith("> Note:")
                assert not lines[i + 1].startswith(">"), f"{path}:{i + 2}: a quote block runs into the next"
    assert notes > 20


def test_no_line_is_repeated_within_a_section(out):
    """The 34 duplicated chain lines and lithium listed twice: within a section (between headings) no line is
    said twice; a mineral's value is counted once however many steps it goes through."""
    skip = re.compile(r"^(\| ---|```|  classDef|$)")
    for path in _reports(out):
        section: list[str] = []
        for line in _body(path).splitlines() + ["# end"]:
            if line.startswith("#"):
                repeated = {x for x in section if section.count(x) > 1}
                assert not repeated, (path, repeated)
                section = []
            elif not skip.match(line):
                section.append(line)
    text = (out / "vehicles" / "nissan-leaf-2024.md").read_text(encoding="utf-8")
    minerals = text[text.index("#### Critical minerals"):].split("\n\n")[1]
    lithium = [row for row in minerals.splitlines() if "lithium" in row.split(" | ")[0]]
    assert len(lithium) == 2 and "450 (assumed)" in lithium[0] and "450" not in lithium[1]
    assert "↳ the same lithium, next step" in lithium[1]


def _diagrams(text: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", text, re.S)


def _edges(diagram: str) -> set[tuple[str, str]]:
    ids = dict(re.findall(r'^  (n\d+)\["[^"]*\((\S+?)\)(?: — [^"]*)?"\]$', diagram, re.M))
    return {(ids[a], ids[b]) for a, b in re.findall(r"^  (n\d+) -->\|\"[^\"]*\"\| (n\d+)$", diagram, re.M)}


def test_the_leafs_one_diagram_draws_the_whole_chain(out):
    """The chain Envision → AESC → AESC US → AESC Smyrna plant → Leaf is drawn whole, in one diagram (each
    diagram drew one hop before), with every hop; Envision marked a FEOC."""
    text = (out / "vehicles" / "nissan-leaf-2024.md").read_text(encoding="utf-8")
    diagrams = _diagrams(text)
    assert len(diagrams) == 1
    edges = _edges(diagrams[0])
    chain = ["envision-group", "aesc", "aesc-us", "aesc-smyrna", "nissan-leaf-2024"]
    for hop in itertools.pairwise(chain):
        assert hop in edges, hop
    assert ("umicore-jiangmen", "nissan-leaf-2024") in edges and ("tianqi-lithium", "talison-lithium") in edges
    assert "Envision Group (envision-group) — FEOC" in diagrams[0]
    assert "- Envision Group (`envision-group`) — FEOC → Automotive Energy Supply Corporation" in text


def test_every_report_has_one_diagram_and_a_plant_operators_reaches_its_plants(out):
    """One diagram per subject, every report date in it: a holding that changed shows each share with its dates
    (Volkswagen China's stake in Gotion), and AESC US's runs from Envision down to the three plants it operates."""
    for path in _reports(out):
        text = path.read_text(encoding="utf-8")
        if path.name != "index.md" and "No holding in it or by it, and no plant it operates, is recorded." not in text:
            assert len(_diagrams(text)) == 1, path
    gotion = _diagrams((out / "entities" / "gotion-high-tech.md").read_text(encoding="utf-8"))[0]
    assert ('26.47% equity (on the report dates 2022-08-17 to 2024-01-01); 24.68% equity (on the report dates '
            '2025-01-01 to 2026-01-01)') in gotion
    edges = _edges(_diagrams((out / "entities" / "aesc-us.md").read_text(encoding="utf-8"))[0])
    assert {("envision-group", "aesc"), ("aesc", "aesc-us"), ("aesc-us", "aesc-smyrna"),
            ("aesc-us", "aesc-florence"), ("aesc-us", "aesc-bowling-green")} <= edges


def test_the_index_has_plants_with_their_45x_status_and_each_companys(out):
    """The index lists each plant by name with its §45X verdict on every report date the §45X rules apply, says
    which dates are left out, and gives each company's §45X status beside its FEOC statuses."""
    index = _body(out / "index.md")
    plants = index[index.index("## Plants"):]
    assert "do not apply yet on 2022-08-17, 2023-01-01, 2023-04-18, 2024-01-01, 2025-01-01, 2025-10-01" in plants
    assert "| plant | operator | 2026-01-01 |" in plants
    smyrna = next(line for line in plants.splitlines() if "(`aesc-smyrna`)" in line)
    assert smyrna.startswith("| AESC Smyrna battery plant") and "no credit: operator specified foreign entity" in smyrna
    head = next(line for line in index.splitlines() if line.startswith("| company |"))
    assert head.endswith("| §45X status (2026-01-01) |")
    aesc_us = next(line for line in index.splitlines() if "(`aesc-us`)" in line and line.startswith("| [AESC US"))
    assert aesc_us.endswith("| specified foreign entity and foreign-influenced |")


def test_every_rule_has_a_short_label_in_rules():
    """The labels the reports use live with the law (rules/): every rule has one, a few words, and no two rules
    of a regime share one (a reader could not tell them apart)."""
    law = Law.load()
    seen: dict[tuple[str, str], str] = {}
    for src in law.rules:
        label = src.rule.label
        assert label and len(label) <= 80 and label != src.rule.id, src.file
        assert (src.rule.regime, label) not in seen, (src.file, seen.get((src.rule.regime, label)))
        seen[src.rule.regime, label] = src.file
    for name in ("credit_phase", "sourcing_requirements_in_force", "last_acquisition_date", "msrp_cap_usd"):
        assert law.parameters[name].label, name  # the parameters a §30D verdict can be decided by
