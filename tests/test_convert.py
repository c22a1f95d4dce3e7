"""Issue 17, `feoc convert DIR --to parquet|yaml --out DIR2`: one file per record kind, validated first (bad input:
exit 2, nothing written), atomically, into a folder feoc owns (render/outdir.py's rules: never deletes what it
did not write, refuses a non-empty folder it did not write). YAML → Parquet → YAML gives the same Dataset, and
`feoc screen` gives a byte-identical CSV on the YAML and the Parquet copy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.load.scan import CONVERT_MANIFEST

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
LAW = Law.load()
runner = CliRunner()


def convert(src: Path, to: str, out: Path) -> object:
    return runner.invoke(app, ["convert", str(src), "--to", to, "--out", str(out)])


def screen_csv(data: Path, day: str = "2026-06-01") -> bytes:
    """`feoc screen` as a user runs it: a process of its own, the CSV on stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-m", "feoc", "screen", "--data", str(data), "--on", day],
                          capture_output=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """bench/gen_world.py --entities 2000: every record kind, shares as numbers and "25%", dated stakes."""
    out = tmp_path_factory.mktemp("world") / "yaml"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "2000", "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    return out


@pytest.mark.parametrize("source", ["seeds", "world"])
def test_user_story_yaml_to_parquet_to_yaml_is_the_same_dataset(source, world, tmp_path):
    src = SEEDS if source == "seeds" else world
    first = convert(src, "parquet", tmp_path / "pq")
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == sorted(
        [CONVERT_MANIFEST] + [f"{k}.parquet" for k, n in load_dataset(src, LAW).counts().items() if n])
    back = convert(tmp_path / "pq", "yaml", tmp_path / "yaml")
    assert back.exit_code == 0, back.output
    original = load_dataset(src, LAW)
    assert load_dataset(tmp_path / "pq", LAW) == original
    assert load_dataset(tmp_path / "yaml", LAW) == original
    assert load_dataset(tmp_path / "pq", LAW, compact=True, workers=2).columns == \
        load_dataset(src, LAW, compact=True).columns


@pytest.mark.parametrize("source", ["seeds", "world"])
def test_user_story_screen_is_byte_identical_on_the_parquet_copy(source, world, tmp_path):
    src = SEEDS if source == "seeds" else world
    assert convert(src, "parquet", tmp_path / "pq").exit_code == 0
    assert screen_csv(tmp_path / "pq") == screen_csv(src)


def test_hostile_bad_input_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "entities.yaml").write_text("entities:\n  - id: catl\n    name: CATL\n    type: company\n"
                                       "    incorporated_in: XX\n")
    result = convert(bad, "parquet", tmp_path / "out")
    assert result.exit_code == 2
    assert "incorporated_in" in result.output and "nothing was written" in result.output
    assert not (tmp_path / "out").exists()


def test_hostile_a_non_empty_folder_feoc_did_not_write_is_refused_and_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = convert(SEEDS, "parquet", out)
    assert result.exit_code == 2 and "notes.txt, not written by feoc convert" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_hostile_a_root_a_file_and_the_input_itself_are_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    for out, words in (("/", "file-system root"), (str(tmp_path / "file"), "not a folder"),
                       (str(SEEDS / "sub"), "overlaps the dataset"), (str(SEEDS), "overlaps the dataset")):
        result = runner.invoke(app, ["convert", str(SEEDS), "--to", "yaml", "--out", out])
        assert result.exit_code == 2 and words in result.output, (out, result.output)
    assert not (SEEDS / "sub").exists()


def test_user_story_converting_again_replaces_only_what_feoc_wrote(tmp_path):
    """A second conversion into the same folder replaces its own files and removes those of the other format
    (a folder with both would hold every id twice), and leaves an edited file — no longer feoc's — alone."""
    out = tmp_path / "out"
    assert convert(SEEDS, "parquet", out).exit_code == 0
    again = convert(SEEDS, "yaml", out)
    assert again.exit_code == 0 and "removed" in again.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([CONVERT_MANIFEST] + [n for n in names if n.endswith(".yaml")])
    assert load_dataset(out, LAW) == load_dataset(SEEDS, LAW)
    (out / "entities.yaml").write_text((out / "entities.yaml").read_text() + "# my note\n")
    edited = convert(SEEDS, "parquet", out)
    assert edited.exit_code == 2 and "entities.yaml, changed since feoc wrote it" in edited.output
    assert (out / "entities.yaml").read_text().endswith("# my note\n")
    assert not list(out.glob("*.parquet"))


def test_the_converted_folder_leaves_no_temporary_files_and_is_read_without_skips(tmp_path):
    out = tmp_path / "out"
    assert convert(SEEDS, "parquet", out).exit_code == 0
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0 and "skipped" not in result.output, result.output


def test_user_story_a_mixed_folder_converts_to_one_format(tmp_path):
    assert convert(SEEDS, "parquet", tmp_path / "pq").exit_code == 0
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for path in (tmp_path / "pq").glob("*.parquet"):
        if path.stem != "entities":
            (mixed / path.name).write_bytes(path.read_bytes())
    assert convert(SEEDS, "yaml", tmp_path / "y").exit_code == 0
    (mixed / "entities.yaml").write_text((tmp_path / "y" / "entities.yaml").read_text())
    assert convert(mixed, "yaml", tmp_path / "all-yaml").exit_code == 0
    assert load_dataset(tmp_path / "all-yaml", LAW) == load_dataset(SEEDS, LAW)


def test_hostile_a_share_yaml_cannot_hold_is_refused_before_writing(tmp_path):
    """A float64 share such as 0.1 + 0.2 is exact in Parquet; YAML would round it, so `--to yaml` refuses it
    naming the row (the YAML loader refuses more than 15 significant digits), and writes nothing."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "pq"
    src.mkdir()
    pq.write_table(pa.table({"id": ["a", "b"], "name": ["A", "B"], "type": ["company", "company"]}),
                   src / "entities.parquet")
    pq.write_table(pa.table({"holder": ["a"], "entity": ["b"], "equity": [0.1 + 0.2]}), src / "holdings.parquet")
    result = convert(src, "yaml", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "holdings.parquet: row 1, column equity: share 0.30000000000000004 has more than 15" in result.output
    assert not (tmp_path / "out").exists()
    assert convert(src, "parquet", tmp_path / "out").exit_code == 0


def test_user_story_checks_on_the_parquet_copy_say_the_same(tmp_path):
    """The per-subject path (models, not the bulk read) on the Parquet copy of the seeds: the same JSON verdicts
    for a vehicle (§30D, batteries as nested structs) and a §45X plant."""
    assert convert(SEEDS, "parquet", tmp_path / "pq").exit_code == 0
    for args in (["check", "vehicle", "nissan-leaf-2024"], ["check", "facility", "aesc-smyrna", "--credit", "45x"],
                 ["check", "entity", "aesc"]):
        seen = [runner.invoke(app, [*args, "--on", "2026-06-01", "--format", "json", "--data", str(data)])
                for data in (SEEDS, tmp_path / "pq")]
        assert seen[0].exit_code == seen[1].exit_code and seen[0].exit_code in (0, 1, 4, 5), seen[0].output
        assert seen[0].output == seen[1].output
