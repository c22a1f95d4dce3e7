"""`feoc serve` reloads (issue 19): the next request after a change to --data or --rules sees it; bad input
keeps the last good state served and is reported at /healthz; `POST /v1/reload` forces a reload.

User story: an analyst fixes a supplier's record in the dataset folder while the server runs; the procurement
system's next question gets the new answer — and a typo in the file never takes the service down or gives an
answer from half-read data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from feoc.serve.app import create_app
from feoc.serve.state import ServeState, fingerprint

ROOT = Path(__file__).resolve().parents[1]
OLD_NAME = "Automotive Energy Supply Corporation / Envision AESC Group Ltd."


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    data, rules = tmp_path / "data", tmp_path / "rules"
    shutil.copytree(ROOT / "seeds", data)
    shutil.copytree(ROOT / "rules", rules)
    return data, rules


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _name(client: TestClient) -> str:
    got = client.get("/v1/entities/aesc?on=2024-06-01")
    assert got.status_code == 200, got.text
    return got.json()["name"]


def test_an_edited_seed_file_is_seen_by_the_next_request(folders):
    """Edit aesc's name in a copy of the seeds: the very next check answers with the new name, generation 2."""
    data, rules = folders
    client = TestClient(create_app(ServeState(data, rules)))
    assert _name(client) == OLD_NAME
    _edit(data / "aesc.yaml", f"name: {OLD_NAME}", "name: AESC renamed")
    got = client.get("/v1/entities/aesc?on=2024-06-01")
    assert got.json()["name"] == "AESC renamed" and got.headers["Feoc-Generation"] == "2"


def test_a_broken_file_keeps_the_old_answers_and_healthz_says_why_then_recovers(folders):
    """Break a seed file: answers still come from the last good data, /healthz is degraded with `file:line: what
    — fix`; fix the file: the next request loads it and /healthz is ok again."""
    data, rules = folders
    client = TestClient(create_app(ServeState(data, rules)))
    good = client.get("/v1/entities/aesc?on=2024-06-01").content
    _edit(data / "aesc.yaml", "    type: company\n    incorporated_in: JP", "    type: compnay\n    incorporated_in: JP")
    assert client.get("/v1/entities/aesc?on=2024-06-01").content == good
    health = client.get("/healthz").json()
    assert health["status"] == "degraded" and health["generation"] == 1
    problem = health["last_reload"]["problems"][0]
    assert "aesc.yaml:" in problem and "compnay" in problem and " — " in problem, problem
    _edit(data / "aesc.yaml", "type: compnay", "type: company")
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["generation"] == 2 and health["last_reload"]["problems"] == []
    assert client.get("/v1/entities/aesc?on=2024-06-01").content == good


def test_a_changed_rules_folder_is_seen_too(folders):
    """A rule's title edited under --rules: /v1/rules shows it on the next request (the law is read again)."""
    data, rules = folders
    client = TestClient(create_app(ServeState(data, rules)))
    first = client.get("/v1/rules").json()["rules"]
    source = next(p for p in sorted((rules / "feoc").glob("*.yaml")) if "title: " in p.read_text(encoding="utf-8"))
    line = next(x for x in source.read_text(encoding="utf-8").splitlines() if x.strip().startswith("title: "))
    _edit(source, line, line + " (edited)")
    after = client.get("/v1/rules").json()
    assert after["generation"] == 2 and [r["title"] for r in after["rules"]] != [r["title"] for r in first]
    assert any(r["title"].endswith("(edited)") for r in after["rules"])


def test_post_reload_forces_a_reload_and_reports_bad_input_as_a_problem(folders):
    """With changes looked for at most hourly, an edit is seen only after POST /v1/reload; a reload that finds
    bad input is a 422 problem listing it, and the last good data is still served."""
    data, rules = folders
    client = TestClient(create_app(ServeState(data, rules, check_every_s=3600)))
    assert _name(client) == OLD_NAME
    _edit(data / "aesc.yaml", f"name: {OLD_NAME}", "name: AESC renamed")
    assert _name(client) == OLD_NAME  # not looked at yet: the staleness bound is --check-every
    assert client.post("/v1/reload").json()["generation"] == 2
    assert _name(client) == "AESC renamed"
    (data / "broken.yaml").write_text("entities:\n  - id: [\n", encoding="utf-8")
    got = client.post("/v1/reload")
    assert got.status_code == 422 and got.headers["content-type"].startswith("application/problem+json")
    assert any("broken.yaml" in p for p in got.json()["problems"]) and got.json()["generation"] == 2
    assert _name(client) == "AESC renamed"


def test_a_dataset_folder_removed_keeps_serving(folders):
    """The folder itself gone: a problem at /healthz, the last good answers still served."""
    data, rules = folders
    client = TestClient(create_app(ServeState(data, rules)))
    good = client.get("/v1/entities/aesc?on=2024-06-01").content
    shutil.rmtree(data)
    assert client.get("/v1/entities/aesc?on=2024-06-01").content == good
    health = client.get("/healthz").json()
    assert health["status"] == "degraded" and health["last_reload"]["problems"]


def test_the_fingerprint_sees_a_new_file_a_removed_one_and_an_edit(tmp_path):
    """The fingerprint changes with a file added, edited (size or mtime) or removed, and never reads a file."""
    (tmp_path / "a.yaml").write_text("x", encoding="utf-8")
    first = fingerprint(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text("y", encoding="utf-8")
    second = fingerprint(tmp_path)
    assert second != first
    (tmp_path / "sub" / "b.yaml").write_text("yy", encoding="utf-8")
    assert fingerprint(tmp_path) != second
    (tmp_path / "sub" / "b.yaml").unlink()
    (tmp_path / "sub").rmdir()
    assert fingerprint(tmp_path) == first


def test_a_bad_value_quoted_at_healthz_and_in_the_reload_problem_is_written_as_json_escapes(folders):
    """Story: the broken value holds a bidi override and a line separator; /healthz and the 422 of /v1/reload quote
    it back as `\\u` escapes (feoc's JSON policy), never raw, and the text decodes as the problem says it."""
    data, rules = folders
    client = TestClient(create_app(ServeState(data, rules)))
    _edit(data / "aesc.yaml", "    type: company\n    incorporated_in: JP",
          '    type: "co\\u202e\\u2028x"\n    incorporated_in: JP')  # YAML's escapes: the file itself is plain
    for got in (client.get("/healthz"), client.post("/v1/reload")):
        assert "\u202e".encode() not in got.content and "\u2028".encode() not in got.content, got.content
        assert b"co\\u202e\\u2028x" in got.content
    assert "unknown entity type `co\u202e\u2028x`" in got.json()["problems"][0]
