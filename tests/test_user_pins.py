"""`feoc test FILE` (issue 18): a compliance team pins its own expected verdicts and runs them in CI.

User story: "we keep the answers we rely on — AESC's Smyrna plant has no §45X credit in mid-2026, the 2025 Leaf
got half the §30D credit in 2023 — in a YAML file, and CI fails when a data or rules change moves one of them".
Every test runs the real CLI (feoc.cli.run) on the seeds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from feoc.cli import run

PASSING = """\
tests:
  - check: facility
    id: aesc-smyrna
    on: 2026-06-01
    credit: 45x
    expect: {status: no_credit, eligible: false}
  - check: vehicle
    id: nissan-leaf-2025
    on: 2023-06-01
    expect: {status: partial, eligible: true, credit_usd: 3750}
  - name: AESC is contested under the readings in 2026
    check: entity
    id: aesc
    on: "2026-06-01"
    expect: {status: contested}
"""


def _run(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    pins = tmp_path / "pins.yaml"
    pins.write_text(text, encoding="utf-8")
    code = run(["test", str(pins), "--data", "seeds", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_passing_suite_on_the_seeds_exits_0(tmp_path, capsys):
    """Smyrna 45x on 2026-06-01 has no credit; the 2025 Leaf in 2023 keeps $3,750 (one half): all pins hold."""
    code, out, _ = _run(tmp_path, PASSING, capsys)
    assert code == 0, out
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["PASS"] * 3
    assert "pins.yaml:2: check facility aesc-smyrna --on 2026-06-01 --credit 45x — status no_credit" in lines[0]
    assert "credit_usd 3,750.00" in lines[1]
    assert "AESC is contested" in lines[2]
    assert lines[-1].startswith("3 passed, 0 failed, 3 pinned")


def test_a_pin_agrees_with_feoc_check(tmp_path, capsys):
    """The same verdict as `feoc check facility aesc-smyrna --credit 45x` (its exit 1: no credit)."""
    assert run(["check", "facility", "aesc-smyrna", "--on", "2026-06-01", "--credit", "45x", "--data", "seeds"]) == 1
    out = capsys.readouterr().out
    assert "NO CREDIT" in out


def test_a_moved_verdict_fails_naming_expected_and_got(tmp_path, capsys):
    """A team that pinned `eligible` for Smyrna sees exactly what changed: exit 1, expected vs got."""
    text = PASSING.replace("status: no_credit, eligible: false", "status: eligible").replace("credit_usd: 3750",
                                                                                           "credit_usd: 7500")
    code, out, _ = _run(tmp_path, text, capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAIL ") and "status: expected eligible, got no_credit" in lines[0]
    assert lines[1].startswith("FAIL ") and "credit_usd: expected 7,500.00, got 3,750.00" in lines[1]
    assert lines[2].startswith("PASS ")
    assert lines[-1].startswith("1 passed, 2 failed")


@pytest.mark.parametrize(("text", "line", "words"), [
    ("tests:\n  - check: plant\n    id: aesc\n    on: 2026-06-01\n    expect: {status: feoc}\n", 2, "check"),
    ("tests:\n  - check: entity\n    id: aesc-smyrna\n    on: 2026-06-01\n    expect: {status: feoc}\n", 3,
     "that id is a facility"),
    ("tests:\n  - check: entity\n    id: aesc-x\n    on: 2026-06-01\n    expect: {status: feoc}\n", 3, "did you mean"),
    ("tests:\n  - check: entity\n    id: aesc\n    on: 2026-13-01\n    expect: {status: feoc}\n", 4, "YYYY-MM-DD"),
    ("tests:\n  - check: entity\n    id: aesc\n    on: 20260601\n    expect: {status: feoc}\n", 4, "YYYY-MM-DD"),
    ("tests:\n  - check: entity\n    id: aesc\n    on: 2026-06-01\n    expect: {status: FEOC}\n", 5,
     "unknown status `FEOC`"),
    ("tests:\n  - check: entity\n    id: aesc\n    on: 2026-06-01\n    expect: {status: feoc}\n    colour: red\n", 6,
     "unknown field `colour`"),
    ("tests:\n  - check: entity\n    id: aesc\n    on: 2026-06-01\n    interpretation: strict\n"
     "    expect: {status: feoc}\n", 5, "unknown reading `strict`"),
    ("tests:\n  - check: entity\n    id: aesc\n    on: 2026-06-01\n    expect: {eligible: true}\n", 2,
     "expect.eligible is about a credit"),
    ("tests:\n  - check: entity\n    id: aesc\n    on: 2026-06-01\n    expect: {}\n", 5, "expects nothing"),
    ("pins:\n  - check: entity\n", 1, "no `tests:` list"),
    ("tests: [\n", 0, "pins.yaml"),
])
def test_bad_input_exits_2_naming_the_file_line_and_fix(tmp_path, capsys, text, line, words):
    """A pin file a user got wrong is an input error (exit 2) at its line, never a pass or a failed pin."""
    code, out, err = _run(tmp_path, text, capsys)
    assert code == 2, (out, err)
    assert out == ""
    assert words in err
    if line:
        assert f"pins.yaml:{line}: " in err
    assert "Traceback" not in err


def test_junit_is_well_formed_one_testcase_per_pin_and_the_same_bytes_twice(tmp_path, capsys):
    """CI reads JUnit XML: one testsuite, one testcase per pin, a failure naming expected and got."""
    text = PASSING.replace("status: contested", "status: feoc").replace("AESC is", "AESC <&\"> is")
    code, first, _ = _run(tmp_path, text, capsys, "--format", "junit")
    assert code == 1
    _, second, _ = _run(tmp_path, text, capsys, "--format", "junit")
    assert first == second  # byte-identical: no timestamps or durations
    root = ET.fromstring(first.encode("utf-8"))
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 3 and suite.get("tests") == "3" and suite.get("failures") == "1"
    assert [c.find("failure") is None for c in cases] == [True, True, False]
    failure = cases[2].find("failure")
    assert failure is not None
    assert failure.get("message") == "status: expected feoc, got contested"
    assert cases[2].get("name") == 'AESC <&"> is contested under the readings in 2026'
    assert cases[0].get("classname") == "feoc.check.facility.45x"


def test_junit_texts_are_sanitised_for_terminals(tmp_path, capsys):
    """A name holding an escape sequence is written as visible text, never the raw control character."""
    text = PASSING.replace("AESC is", "AESC \\x1b[2J is").replace("- name: AESC", '- name: "AESC').replace(
        "in 2026\n", 'in 2026"\n')
    code, out, _ = _run(tmp_path, text, capsys, "--format", "junit")
    assert code == 0, out
    assert "\x1b" not in out and "\\x1b[2J" in out
    ET.fromstring(out.encode("utf-8"))


def test_pins_from_stdin(monkeypatch, capsys):
    """`-` reads the pins from standard input, as other commands read files."""
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSING))
    assert run(["test", "-", "--data", "seeds"]) == 0
    assert "<stdin>:2:" in capsys.readouterr().out


def test_the_readme_example_file_passes_on_the_seeds(capsys):
    """docs/pins-example.yaml, the README's example, holds on the seeds (exit 0)."""
    root = Path(__file__).resolve().parents[1]
    assert run(["test", str(root / "docs" / "pins-example.yaml"), "--data", str(root / "seeds")]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("3 passed, 0 failed")
