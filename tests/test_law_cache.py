"""The copy of the law kept between processes (`feoc.law.cache`, issue 17: a single check ≤ 0.2 s): it is read
back only while nothing it was computed from has changed, and anything wrong with it means the rules folder
is read again — never a wrong law, never a failure of its own."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from feoc.data.problems import InputError
from feoc.law import cache
from feoc.law import law as law_module
from feoc.law.law import Law

ROOT = Path(__file__).resolve().parents[1]
THRESHOLD = "    2021-11-15: 0.25\n"  # control_threshold's value in rules/parameters.yaml (the 25 % test)


def _fresh(folder: Path) -> Law:
    """The law read from the files, bypassing the in-process memos (each loader is an lru_cache)."""
    return law_module.read_again(folder)


def _summary(law: Law) -> list[object]:
    return [[(s.rule.model_dump(), s.file) for s in law.rules], sorted(law.parameters),
            [law.param(name, law_module.dt.date(2025, 6, 1)) for name in sorted(law.parameters)],
            law.default_interpretation, sorted(law.interpretations), dict(law.aliases), str(law.folder)]


@pytest.fixture()
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped rules, and a cache folder of the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("FEOC_LAW_CACHE", raising=False)
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path / "rules"


def _copies(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "feoc").glob("law-*.pickle"))


def test_the_second_start_reads_the_kept_copy_and_it_is_the_same_law(rules: Path, tmp_path: Path) -> None:
    """User story: the analyst's second `feoc check` skips parsing the rules, and judges by the same law."""
    first = cache.kept(rules, _fresh)
    [copy] = _copies(tmp_path)
    assert copy.stat().st_mode & 0o777 == 0o600 and (copy.parent.stat().st_mode & 0o777) == 0o700
    second = cache.kept(rules, lambda folder: pytest.fail("the rules folder was read again"))
    assert second is not first and _summary(second) == _summary(first) == _summary(_fresh(rules))


def test_an_edited_rules_file_is_read_again(rules: Path, tmp_path: Path) -> None:
    """User story: the analyst sets the control threshold to 50 % in their rules folder: the next run uses 50 %."""
    assert cache.kept(rules, _fresh).param("control_threshold", law_module.dt.date(2025, 6, 1)) == 0.25
    text = (rules / "parameters.yaml").read_text(encoding="utf-8")
    (rules / "parameters.yaml").write_text(text.replace(THRESHOLD, "    2021-11-15: 0.5\n", 1), encoding="utf-8")
    assert cache.kept(rules, _fresh).param("control_threshold", law_module.dt.date(2025, 6, 1)) == 0.5
    (rules / "feoc" / "notes.txt").write_text("a file the loader does not read\n", encoding="utf-8")
    keys = {cache.law_key(rules)}
    (rules / "feoc" / "notes.txt").rename(rules / "feoc" / "notes2.txt")
    keys.add(cache.law_key(rules))
    assert len(keys) == 2  # any file, its name as much as its bytes, is part of the key


def test_the_key_names_the_folder_the_code_and_the_versions(rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `Law` names its folder in messages, and the copy holds feoc's classes: another folder path, another
    feoc version or other source code of `feoc/law`/`feoc/data` is another key."""
    key = cache.law_key(rules)
    assert cache.law_key(Path(str(rules) + "/")) == key  # the same path
    other = rules.parent / "other"
    shutil.copytree(rules, other)
    assert cache.law_key(other) != key
    import feoc

    monkeypatch.setattr(feoc, "__version__", feoc.__version__ + "+changed")
    assert cache.law_key(rules) != key
    monkeypatch.undo()
    monkeypatch.setattr(cache, "_CODE", ("law",))
    assert cache.law_key(rules) != key


def test_a_folder_with_a_mistake_keeps_nothing(rules: Path, tmp_path: Path) -> None:
    """Bad input: a broken parameter is reported each time (exit 2 in the CLI), and nothing is kept."""
    text = (rules / "parameters.yaml").read_text(encoding="utf-8")
    (rules / "parameters.yaml").write_text(text.replace(THRESHOLD, "    2021-11-15: lots\n", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputError):
            cache.kept(rules, _fresh)
    assert _copies(tmp_path) == []


def test_a_damaged_copy_is_no_copy(rules: Path, tmp_path: Path) -> None:
    """A copy cut short (a full disk, a crash of another tool) is read as none: the folder is read and kept again."""
    cache.kept(rules, _fresh)
    [copy] = _copies(tmp_path)
    copy.write_bytes(copy.read_bytes()[:1000])
    assert _summary(cache.kept(rules, _fresh)) == _summary(_fresh(rules))
    assert _summary(cache.kept(rules, lambda folder: pytest.fail("not kept again"))) == _summary(_fresh(rules))


def test_a_copy_others_may_write_is_never_read(rules: Path, tmp_path: Path) -> None:
    """Unpickling runs code: a copy writable by group or others (planted or not) is ignored, never loaded."""
    cache.kept(rules, _fresh)
    [copy] = _copies(tmp_path)
    copy.write_bytes(pickle.dumps("planted"))
    copy.chmod(0o666)
    law = cache.kept(rules, _fresh)
    assert isinstance(law, Law) and _summary(law) == _summary(_fresh(rules))


def test_turned_off_or_unwritable_only_costs_time(rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FEOC_LAW_CACHE=0 keeps nothing; a cache location that cannot be written (here a file) keeps nothing, and
    the law is the same; a relative XDG_CACHE_HOME is ignored, as the XDG specification says."""
    monkeypatch.setenv("FEOC_LAW_CACHE", "0")
    assert _summary(cache.kept(rules, _fresh)) == _summary(_fresh(rules)) and _copies(tmp_path) == []
    monkeypatch.delenv("FEOC_LAW_CACHE")
    (tmp_path / "cache").write_text("not a folder")
    assert _summary(cache.kept(rules, _fresh)) == _summary(_fresh(rules))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_folder() == tmp_path / "home" / ".cache" / "feoc"


def test_at_most_eight_copies_are_kept(rules: Path, tmp_path: Path) -> None:
    """Each edit of the rules is a new key: the oldest copies beyond eight are removed, so the cache stays small."""
    text = (rules / "parameters.yaml").read_text(encoding="utf-8")
    for n in range(10):
        (rules / "parameters.yaml").write_text(text.replace(THRESHOLD, f"    2021-11-15: 0.{n + 10}\n", 1),
                                               encoding="utf-8")
        cache.kept(rules, _fresh)
    assert len(_copies(tmp_path)) == 8


def test_feoc_check_prints_the_same_bytes_cold_warm_and_without_the_copy(rules: Path, tmp_path: Path) -> None:
    """User story (issue 17): `feoc check entity aesc --on 2024-06-01` from a fresh process gives the same exit
    code and bytes on the first start (the copy written), the second (read back) and with FEOC_LAW_CACHE=0; after
    the analyst raises the control threshold to 90 % in their --rules folder, Envision's 80 % no longer makes AESC
    a FEOC under the feoc-holders reading on the next start (the same answer as without the copy)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("FEOC_LAW_CACHE", None)
    args = [sys.executable, "-m", "feoc", "check", "entity", "aesc", "--on", "2024-06-01", "--data",
            str(ROOT / "seeds"), "--rules", str(rules), "--interpretation", "feoc-holders", "--format", "json"]

    def check(**extra: str) -> tuple[int, str, str]:
        done = subprocess.run(args, env={**env, **extra}, capture_output=True, text=True, cwd=tmp_path)
        return done.returncode, done.stdout, done.stderr

    cold = check()
    assert cold[0] == 1 and len(_copies(tmp_path)) == 1, cold
    assert check() == cold == check(FEOC_LAW_CACHE="0")
    text = (rules / "parameters.yaml").read_text(encoding="utf-8")
    (rules / "parameters.yaml").write_text(text.replace("values:\n" + THRESHOLD, "values:\n    2021-11-15: 0.9\n", 1),
                                           encoding="utf-8")
    raised = check()
    assert raised[0] != 1 and raised[1] != cold[1] and raised == check(FEOC_LAW_CACHE="0"), raised


_PROBE = """
import atexit, json, sys
atexit.register(lambda: print("\\n" + json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["feoc", *sys.argv[1:]]
from feoc.cli import main
main()
"""


def test_a_start_with_the_copy_imports_no_python_pickler(tmp_path: Path) -> None:
    """Issue 17 (import only what a check needs): reading the copy takes the C unpickler; `pickle.py` (its
    Python pickler, ~1.5 ms) is imported only by the start that writes the copy."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("FEOC_LAW_CACHE", None)

    def modules() -> list[str]:
        done = subprocess.run([sys.executable, "-c", _PROBE, "check", "entity", "aesc", "--on", "2024-06-01"],
                              env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 5, done.stderr
        return json.loads(done.stderr.strip().splitlines()[-1])

    assert "pickle" in modules()  # the first start writes the copy
    [copy] = _copies(tmp_path)
    written = copy.stat().st_mtime_ns
    later = modules()
    assert "pickle" not in later and "_pickle" in later and copy.stat().st_mtime_ns == written


def test_a_rule_in_a_linked_folder_is_part_of_the_key(rules: Path, tmp_path: Path) -> None:
    """Whatever a linked folder holds is part of the key, whether or not a loader follows the link (more than is
    read can only cost a reload, never a stale law); a link loop is walked once."""
    shutil.move(rules / "feoc", tmp_path / "feoc-rules")
    (rules / "feoc").symlink_to(tmp_path / "feoc-rules", target_is_directory=True)
    (tmp_path / "feoc-rules" / "loop").symlink_to(tmp_path / "feoc-rules", target_is_directory=True)
    key = cache.law_key(rules)
    target = next((tmp_path / "feoc-rules").glob("*.yaml"))
    target.write_text(target.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert cache.law_key(rules) != key
