"""The compliance analyst's report path: `feoc report` writes reports that stand on their own, render on
GitHub, are byte-identical for the same inputs, never half-written, and safe against hostile data."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt
from referencing import Registry, Resource
from typer.testing import CliRunner

from feoc import schemas
from feoc.cli import app
from feoc.cli.report import report_files
from feoc.render import markdown_report
from feoc.render import reports as build_module

ROOT = Path(__file__).resolve().parents[1]
SEEDS, REPORTS = ROOT / "seeds", ROOT / "reports"
runner = CliRunner()
MERMAID_LINE = re.compile(r'^(flowchart TD|  n\d+\["[^"\n]*"\]|  n\d+ -->\|"[^"\n]*"\| n\d+'
                          r'|  classDef \w+ [^\n]+|  class [n\d,]+ \w+)$')


def registry() -> Registry:
    resources = [(f"https://feoc.invalid/schemas/{n}.schema.json", Resource.from_contents(schemas.load(n)))
                 for n in schemas.NAMES]
    return Registry().with_resources(resources)


def validate(instance: dict, name: str) -> None:
    jsonschema.Draft202012Validator(schemas.load(name), registry=registry(),
                                    format_checker=jsonschema.FormatChecker()).validate(instance)


def test_committed_reports_are_current():
    """CI runs the same check: committed reports never go stale."""
    result = runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(REPORTS), "--check"])
    assert result.exit_code == 0, result.output


def test_generating_twice_gives_identical_bytes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(out)]).exit_code == 0
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)
    assert len(files_a) > 50


def test_every_report_renders_with_tables_and_well_formed_mermaid():
    md = MarkdownIt("commonmark").enable("table")
    reports = sorted(REPORTS.rglob("*.md"))
    assert reports
    mermaid_blocks = 0
    for path in reports:
        text = path.read_text(encoding="utf-8")
        html = md.render(text.split("\n---\n", 1)[1] if text.startswith("---\n") else text)
        assert "<table>" in html, path
        assert "<script" not in html
        for block in re.findall(r"```mermaid\n(.*?)```", text, re.S):
            mermaid_blocks += 1
            for line in block.strip("\n").split("\n"):
                assert MERMAID_LINE.match(line), f"{path}: {line!r}"
        for target in re.findall(r"\]\(((?:\.\./)?[a-z/.-]+\.md)\)", text):
            assert (path.parent / target).resolve().is_file(), f"{path}: broken link {target}"
    assert mermaid_blocks > 10


def test_the_leaf_report_tells_the_aesc_story():
    text = (REPORTS / "vehicles" / "nissan-leaf-2024.md").read_text(encoding="utf-8")
    assert "| 2023-04-18 | eligible, 3,750 USD |" in text  # its Chinese-made cathode fails the minerals half
    # issue 14: under the government-only default the Smyrna components pass ($3,750, as the public record has
    # it); under feoc-lookthrough AESC's cells are FEOC-made: contested, and the report shows both sides
    assert "| 2024-01-01 | contested, $0–$3,750 | $0–$3,750 |" in text
    assert "feoc-lookthrough: not eligible, $0; government: partial, $3,750" in text
    assert "(`vehicle-excluded-component`)" in text and "`feoc-lookthrough`" in text
    assert "| 2025-10-01 | terminated |" in text
    # issue 18: the whole chain drawn once, each holding one edge with its measures
    assert '-->|"80.00% equity, 80.00% voting rights"|' in text and "- `envision-group → aesc`: 80.00% equity" in text
    assert "#### What would change this verdict" in text and "[^1]:" in text
    assert "sha256" in text.split("\n---\n")[-1]


def test_a_failure_midway_leaves_the_previous_reports_intact(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    assert runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(out)]).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    calls = {"n": 0}
    original = markdown_report.render_subject

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("injected failure while rendering")
        return original(*args, **kwargs)

    monkeypatch.setattr(markdown_report, "render_subject", failing)
    with pytest.raises(RuntimeError):
        from feoc.law.law import Law
        from feoc.load.folder import load_dataset
        from feoc.verdicts.timeline import key_dates
        law = Law.load()
        files = report_files(load_dataset(SEEDS, law), SEEDS, key_dates(law), law)
        build_module.write_reports(out, files)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not list(out.rglob("*.tmp"))


def test_check_lists_stale_and_extra_files(tmp_path):
    out = tmp_path / "reports"
    runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(out)])
    (out / "vehicles" / "nissan-leaf-2024.md").write_text("edited by hand\n")
    # an extra file an earlier run wrote (its manifest lists it: a subject since dropped from the data) ...
    gone = (out / "entities" / "aesc.md").read_text()
    (out / "entities" / "gone.md").write_text(gone)
    with (out / ".feoc-report.sha256").open("a") as manifest:
        manifest.write(f"{hashlib.sha256(gone.encode()).hexdigest()}  entities/gone.md\n")
    # ... and one it never wrote, which is neither stale nor removed (issue 15, class 1)
    (out / "entities" / "notes.md").write_text("my own notes\n")
    result = runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(out), "--check"])
    assert result.exit_code == 1
    assert "vehicles/nissan-leaf-2024.md" in result.output and "entities/gone.md" in result.output
    assert "notes.md" not in result.output
    rerun = runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(out)])
    assert "1 written, 1 removed" in rerun.output and not (out / "entities" / "gone.md").exists()
    assert (out / "entities" / "notes.md").read_text() == "my own notes\n"


def test_hostile_names_cannot_break_or_inject(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    evil = 'Evil | *Corp* <script>alert(1)</script> [click](http://x) `tick` "q"\n# not a heading'
    (data / "d.yaml").write_text(
        "entities:\n"
        f"  - {{id: evil-co, name: {json.dumps(evil)}, type: company, incorporated_in: CN}}\n"
        "  - {id: sub-co, name: 'Sub | Co', type: company, incorporated_in: US}\n"
        "holdings:\n  - {holder: evil-co, entity: sub-co, equity: 1.0}\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "--data", str(data), "--out", str(out), "--on", "2024-06-01"])
    assert result.exit_code == 0, result.output
    html = MarkdownIt("commonmark").enable("table").render((out / "entities" / "sub-co.md").read_text())
    assert "<script>" not in html and 'href="http://x"' not in html
    index_html = MarkdownIt("commonmark").enable("table").render((out / "index.md").read_text().split("\n---\n", 1)[1])
    row = next(r for r in index_html.split("<tr>") if "evil-co" in r)
    # the name's pipe is escaped: still one subject cell, one date cell and the §45X status cell (issue 18)
    assert row.count("<td>") == 3
    assert "<h1>not a heading" not in html


def test_ids_that_try_path_traversal_are_refused_before_any_file_is_written(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "d.yaml").write_text("entities:\n  - {id: ../../etc/passwd, name: X, type: company}\n")
    result = runner.invoke(app, ["report", "--data", str(data), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    with pytest.raises(ValueError):
        build_module._safe_target(tmp_path, "../escape.md")


def test_json_outputs_match_the_shipped_schemas(tmp_path):
    entity = runner.invoke(app, ["check", "entity", "aesc", "--data", str(SEEDS), "--on", "2024-06-01", "--format", "json"])
    validate(json.loads(entity.output), "check-subject")
    facility = runner.invoke(app, ["check", "facility", "aesc-smyrna", "--data", str(SEEDS), "--on", "2024-06-01",
                                   "--format", "json"])
    validate(json.loads(facility.output), "check-subject")
    vehicle = runner.invoke(app, ["check", "vehicle", "nissan-leaf-2024", "--data", str(SEEDS), "--on", "2024-06-01",
                                  "--format", "json"])
    validate(json.loads(vehicle.output), "check-vehicle")
    out = tmp_path / "json"
    assert runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(out), "--format", "json"]).exit_code == 0
    body = json.loads((out / "report.json").read_text())
    validate(body, "report")
    with pytest.raises(jsonschema.ValidationError):
        validate({**json.loads(vehicle.output), "credit_usd": -1}, "check-vehicle")
