"""`feoc schema`: JSON Schemas generated from the models (issue 18, "Schemas: the JSON Schemas for `check`
output are written by hand; there is none for the dataset, so editors cannot validate a user's YAML as they
type").

User stories: an integrator validates every `feoc check … --format json` and `report.json` against the published
schemas (each subject and date of the seeds, every kind of verdict); a user writing a dataset in an editor gets
the dataset schema (`# yaml-language-server: $schema=./dataset.schema.json`) and sees a typo, a share above 1 or a
lower-case country flagged as typed; the loader stays the judge of what the schema cannot say.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from typer.testing import CliRunner

from feoc import schemas
from feoc.cli import app
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.render.json import dumps

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
LAW = Law.load()
runner = CliRunner()
SEED_FILES = sorted([*SEEDS.glob("*.yaml"), *(ROOT / "src" / "feoc" / "_seeds").glob("*.yaml")])


def validator(name: str, body: dict | None = None) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resources(
        [(f"https://feoc.invalid/schemas/{n}.schema.json", Resource.from_contents(schemas.load(n))) for n in schemas.NAMES])
    return jsonschema.Draft202012Validator(body or schemas.load(name), registry=registry,
                                           format_checker=jsonschema.FormatChecker())


def errors(name: str, instance: object, body: dict | None = None) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name, body).iter_errors(instance)]


def as_json(verdict) -> dict:
    """The verdict as `feoc check --format json` writes it (render/json.py)."""
    return json.loads(dumps(verdict.as_dict(), ascii_only=True))


# --- the schemas themselves ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", schemas.NAMES)
def test_every_schema_is_a_valid_2020_12_schema_with_id_title_and_description(name):
    body = schemas.load(name)
    jsonschema.Draft202012Validator.check_schema(body)
    assert body["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert body["$id"] == f"https://feoc.invalid/schemas/{name}.schema.json"
    assert body["title"] and body["description"]
    assert "\n" not in json.dumps(body).replace("\\n", "")  # descriptions on one line


def test_load_gives_a_fresh_copy_and_refuses_an_unknown_name():
    """`feoc serve` puts `load(name)` into its OpenAPI document: a caller changing its copy changes no other."""
    schemas.load("report")["title"] = "changed"
    assert schemas.load("report")["title"] == "feoc report --format json (report.json)"
    with pytest.raises(KeyError, match="check-entity"):
        schemas.load("check-entities")


def test_the_hand_written_schema_files_are_gone():
    assert not list((ROOT / "src" / "feoc" / "schemas").glob("*.json"))


def test_statuses_are_those_of_verdicts_status():
    """The enums come from `verdicts.status.Status`: a status a check can give is one the schema accepts."""
    from feoc.verdicts.status import Status

    vehicle = schemas.load("check-vehicle")["properties"]["status"]["enum"]
    entity = schemas.load("check-entity")["properties"]["status"]["enum"]
    plant = schemas.load("check-facility-45x")["properties"]["status"]["enum"]
    assert set(vehicle) | set(entity) | set(plant) == {s.value for s in Status}
    assert "feoc" not in vehicle and "eligible" not in entity and "partial" not in plant


# --- every output of the seeds validates ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds():
    return load_dataset(SEEDS, LAW)


@pytest.fixture(scope="module")
def dates(seeds):
    from feoc.verdicts.timeline import key_dates

    return key_dates(LAW, seeds)


def test_every_seed_entity_facility_and_vehicle_on_every_key_date_matches_its_schema(seeds, dates):
    """Integrator story: every verdict `feoc check` can print for the seeds, on each date of the law's timeline,
    matches the schema of its command (check-entity, check-facility, check-vehicle)."""
    from feoc.determine.regime30d import determine
    from feoc.verdicts.readings import judged_readings
    from feoc.verdicts.subject import entity_verdict, facility_verdict
    from feoc.verdicts.vehicle import vehicle_verdict

    bad, seen = [], set()
    for day in dates:
        dets = {n: determine(seeds, day, LAW, n) for n in judged_readings(LAW, None)}
        bodies = [("check-entity", entity_verdict(seeds, e.id, day, LAW, determinations=dets)) for e in seeds.entities]
        bodies += [("check-facility", facility_verdict(seeds, f.id, day, LAW, determinations=dets))
                   for f in seeds.facilities]
        bodies += [("check-vehicle", vehicle_verdict(seeds, v.id, day, day, LAW, determinations=dets))
                   for v in seeds.vehicles]
        for name, verdict in bodies:
            seen.add((name, str(verdict.status)))
            bad += [f"{name} {verdict.subject} {day}: {e}" for e in errors(name, as_json(verdict))]
    assert not bad, "\n".join(bad[:20])
    assert {s for n, s in seen if n == "check-entity"} >= {"feoc", "not_feoc"}  # both sides were validated


def test_every_seed_plant_45x_verdict_matches_check_facility(seeds, dates):
    from feoc.verdicts.facility45x import facility_45x_verdict

    bad = []
    for day in [d for d in dates if d >= LAW.parameters["pfe_rules_in_force"].values[-1][0]][:3] + dates[:1]:
        for f in seeds.facilities:
            body = as_json(facility_45x_verdict(seeds, f.id, day, LAW))
            bad += [f"{f.id} {day}: {e}" for e in errors("check-facility", body) + errors("check-facility-45x", body)]
    assert not bad, "\n".join(bad[:20])


def test_report_json_matches_report(tmp_path):
    out = tmp_path / "json"
    result = runner.invoke(app, ["report", "--data", str(SEEDS), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert errors("report", body) == []
    assert {s["kind"] for s in body["subjects"]} == {"entity", "vehicle"}
    assert any(v for s in body["subjects"] for d in s.get("facilities45x", []) for v in d["verdicts"])


# --- and a broken output fails --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outputs():
    def run(*args: str) -> dict:
        return json.loads(runner.invoke(app, ["check", *args, "--data", str(SEEDS), "--format", "json"]).output)

    return {"check-entity": run("entity", "catl", "--on", "2024-06-01"),
            "check-facility": run("facility", "aesc-smyrna", "--on", "2024-06-01"),
            "check-facility-45x": run("facility", "aesc-smyrna", "--on", "2026-06-01", "--credit", "45x"),
            "check-vehicle": run("vehicle", "nissan-leaf-2024", "--on", "2024-06-01")}


BROKEN = [
    ("check-entity", lambda b: b.pop("missing"), "a key every verdict writes, left out"),
    ("check-entity", lambda b: b.update(verdict="feoc"), "a key no verdict writes"),
    ("check-entity", lambda b: b.update(status="eligible"), "a vehicle's status on an entity"),
    ("check-entity", lambda b: b.update(kind="vehicle"), "the wrong kind"),
    ("check-entity", lambda b: b["findings"][0].update(conclusion="guilty"), "a conclusion no rule may reach"),
    ("check-entity", lambda b: b["findings"][0].pop("explanation"), "a finding without its explanation"),
    ("check-entity", lambda b: b["findings"][0].update(on="2024-13-01"), "a date that is none"),
    ("check-facility", lambda b: b.update(activities=None), "a facility without its activities"),
    ("check-facility", lambda b: b["checked"].append({"rule": "x"}), "a prong checked without its outcome"),
    ("check-facility-45x", lambda b: b["products"][0].update(ratio=1.5), "a ratio above 1"),
    ("check-facility-45x", lambda b: b.update(status="contested", credit="30d"), "a 45x verdict of another credit"),
    ("check-vehicle", lambda b: b.update(credit_usd=-1), "a negative credit"),
    ("check-vehicle", lambda b: b.update(credit_range_usd=[0]), "a range of one end"),
    ("check-vehicle", lambda b: b["halves"].pop("critical_minerals"), "a half left out"),
    ("check-vehicle", lambda b: b["missing"].append({"subject": "x", "fact": "y"}), "a missing fact without `decide`"),
]


@pytest.mark.parametrize(("name", "breaks", "what"), BROKEN, ids=[b[2] for b in BROKEN])
def test_a_broken_output_fails_its_schema(outputs, name, breaks, what):
    """The schemas can fail: each output as printed passes, and the same output broken once does not."""
    body = json.loads(json.dumps(outputs[name]))
    assert errors(name, body) == []
    breaks(body)
    assert errors(name, body), f"{what}: still valid"
    if name in ("check-facility", "check-facility-45x"):
        assert errors("check-facility", body), f"{what}: still valid against check-facility"


# --- the dataset schema ----------------------------------------------------------------------------------------


def read_yaml(path: Path) -> object:
    """A dataset file as the loader reads it (YAML 1.2, dates as text), as an editor's language server does."""
    from feoc.data.yamlio import parse_yaml

    return parse_yaml(path.read_text(encoding="utf-8"), str(path), dates=False)


@pytest.fixture(scope="module")
def shipped_words() -> dict:
    from feoc.schemas.dataset import dataset_schema

    return dataset_schema(LAW.vocabulary)


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_seed_file_validates_against_the_dataset_schema(path, shipped_words):
    """Editor story: every file of the shipped seed data set is valid as typed, with and without the vocabulary."""
    assert errors("dataset", read_yaml(path)) == []
    assert errors("dataset", read_yaml(path), shipped_words) == []


def test_the_seeds_are_checked_both_from_the_repository_and_the_wheel_copy():
    assert len([p for p in SEED_FILES if p.parent == SEEDS]) >= 8


FILE = """\
entities:
  - id: acme-holdings
    name: Acme Holdings
    type: company
    incorporated_in: CN
    tax_year_start: "01-01"
    sources:
      - doc: filing.pdf
        quote: "Acme Holdings, a Chinese company"
  - id: acme-battery
    name: Acme Battery
    type: company
    incorporated_in: US
holdings:
  - holder: acme-holdings
    entity: acme-battery
    equity: "25%"
    voting: 0.3
    from: 2020-01-01
    until: 2030-01-01
facilities:
  - id: acme-plant
    name: Acme plant
    operator: acme-battery
    country: US
    activities: [battery_cell_manufacturing]
listings:
"""
BROKEN_FILES = [
    ("unknown top-level key", lambda t: t.replace("holdings:\n", "holding:\n")),
    ("a misspelt field", lambda t: t.replace("    equity:", "    equtiy:")),
    ("a share above 1", lambda t: t.replace('equity: "25%"', "equity: 1.5")),
    ("a share text that is none", lambda t: t.replace('equity: "25%"', 'equity: "a quarter"')),
    ("a lower-case country", lambda t: t.replace("incorporated_in: CN", "incorporated_in: cn")),
    ("an id that is not a slug", lambda t: t.replace("id: acme-plant", "id: Acme Plant")),
    ("a record without its name", lambda t: t.replace("    name: Acme plant\n", "")),
    ("a facility status no model knows", lambda t: t.replace("activities: [battery_cell_manufacturing]",
                                                             "activities: [battery_cell_manufacturing]\n    status: open")),
    ("a date that is none", lambda t: t.replace("from: 2020-01-01", "from: 2020-02-30x")),
    ("a list where a mapping is", lambda t: "- " + t.replace("\n", "\n  ")),
]


def _validate_cli(tmp_path: Path, text: str) -> int:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    (folder / "file.yaml").write_text(text, encoding="utf-8")
    return runner.invoke(app, ["validate", str(folder)]).exit_code


def test_a_file_written_as_the_readme_allows_passes_both_the_schema_and_the_loader(tmp_path):
    """Never stricter than the loader: a percentage as text, unquoted dates, an empty list, sources."""
    assert _validate_cli(tmp_path, FILE) == 0
    assert errors("dataset", yaml_text(FILE)) == []


def yaml_text(text: str) -> object:
    from feoc.data.yamlio import parse_yaml

    return parse_yaml(text, "file.yaml", dates=False)


@pytest.mark.parametrize(("what", "breaks"), BROKEN_FILES, ids=[b[0] for b in BROKEN_FILES])
def test_a_broken_dataset_file_fails_the_schema_and_the_loader(tmp_path, what, breaks):
    text = breaks(FILE)
    assert text != FILE
    assert errors("dataset", yaml_text(text)), f"{what}: the schema accepts it"
    assert _validate_cli(tmp_path, text) == 2, f"{what}: the loader accepts it"


def test_the_law_s_words_are_enums_only_with_a_rules_folder(tmp_path, shipped_words):
    """Decision: the words of the law belong to a rules folder; the plain schema names the list and accepts any
    word (it fits every rules folder), `--rules DIR` folds that folder's words in. The loader refuses the typo."""
    text = FILE.replace("type: company\n    incorporated_in: US", "type: compnay\n    incorporated_in: US")
    assert errors("dataset", yaml_text(text)) == []
    assert any("compnay" in e for e in errors("dataset", yaml_text(text), shipped_words))
    assert _validate_cli(tmp_path, text) == 2
    entity = shipped_words["$defs"]["Entity"]["properties"]
    assert entity["type"]["enum"] == sorted(LAW.vocabulary.entity_types)
    assert "entity_types" in schemas.load("dataset")["$defs"]["Entity"]["properties"]["type"]["description"]
    product = shipped_words["$defs"]["MaterialInput"]["properties"]["product"]["enum"]
    assert "critical_mineral" in product and set(LAW.vocabulary.battery_components) <= set(product)


def test_a_text_with_a_control_character_fails_the_schema_as_the_loader():
    """The loader refuses terminal escapes in names (data/model.py REFUSED_IN_TEXT); the schema says the same
    in JSON Schema's regular expressions."""
    text = FILE.replace("name: Acme Battery", 'name: "Acme\\u202eBattery"')
    assert errors("dataset", yaml_text(text))
    assert "\\u202a-\\u202e" in schemas.load("dataset")["$defs"]["Entity"]["properties"]["name"]["pattern"]


# --- the command ----------------------------------------------------------------------------------------------


def test_feoc_schema_prints_each_schema_with_the_one_json_writer():
    for name in ("dataset", "check-entity", "check-facility", "check-vehicle", "report"):
        result = runner.invoke(app, ["schema", name])
        assert result.exit_code == 0, result.output
        assert result.stdout == dumps(schemas.load(name))
        assert json.loads(result.stdout) == schemas.load(name)


def test_feoc_schema_out_writes_the_file(tmp_path):
    out = tmp_path / "editor" / "dataset.schema.json"
    result = runner.invoke(app, ["schema", "dataset", "--out", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text(encoding="utf-8") == dumps(schemas.load("dataset"))
    assert not [p for p in out.parent.iterdir() if p.name != out.name]  # no temporary file left behind


def test_feoc_schema_dataset_rules_folds_the_folder_s_vocabulary_in(tmp_path):
    result = runner.invoke(app, ["schema", "dataset", "--rules", str(ROOT / "rules")])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["$defs"]["Listing"]["properties"]["list"]["enum"] == sorted(LAW.vocabulary.lists)


def test_feoc_schema_refuses_what_it_cannot_do(tmp_path):
    assert runner.invoke(app, ["schema", "check-entities"]).exit_code == 2
    wrong = runner.invoke(app, ["schema", "report", "--rules", str(ROOT / "rules")])
    assert wrong.exit_code == 2 and "dataset only" in wrong.output.replace("`feoc schema dataset` only", "dataset only")
    missing = runner.invoke(app, ["schema", "dataset", "--rules", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "nothing was written" in missing.output


def test_feoc_schema_help_names_every_schema():
    text = " ".join(runner.invoke(app, ["schema", "--help"]).output.split())
    for name in schemas.NAMES:
        assert name in text
    assert "schema" in runner.invoke(app, ["--help"]).output


def test_the_readme_shows_the_editor_line_and_the_command_it_needs(tmp_path, monkeypatch):
    """README story: the user runs the README's command, then puts its `yaml-language-server` line on top of a
    dataset file; the command writes the schema the line names, and a seed file with the line is still valid."""
    from feoc.cli import run

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ (feoc schema dataset --out (\S+))\n```", readme)
    assert block, "README: the `feoc schema dataset --out …` example"
    line = re.search(r"^# yaml-language-server: \$schema=\./(\S+)$", readme, re.M)
    assert line and line.group(1) == block.group(2)
    monkeypatch.chdir(tmp_path)
    assert run(block.group(1).split()[1:]) == 0
    assert json.loads((tmp_path / block.group(2)).read_text(encoding="utf-8")) == schemas.load("dataset")
    example = re.search(r"```yaml\n(# yaml-language-server: .+?)\n```", readme, re.S)
    assert example and errors("dataset", yaml_text(example.group(1))) == []
    copy = tmp_path / "aesc.yaml"
    copy.write_text(line.group(0) + "\n" + (SEEDS / "aesc.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert errors("dataset", read_yaml(copy)) == []


def test_feoc_schema_out_refuses_a_folder_a_link_and_the_rules_folder_in_one_line(tmp_path):
    """As `screen --out`: a target feoc must not write is refused before writing, one line and exit 2."""
    (tmp_path / "real.json").write_text("{}", encoding="utf-8")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    for args in (["--out", str(tmp_path)], ["--out", str(tmp_path / "link.json")],
                 ["--rules", str(rules), "--out", str(rules / "dataset.schema.json")]):
        result = runner.invoke(app, ["schema", "dataset", *args])
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1 and "--out" in result.output
    assert (tmp_path / "real.json").read_text(encoding="utf-8") == "{}" and not (rules / "dataset.schema.json").exists()


def test_feoc_schema_out_says_what_it_wrote_unless_quiet(tmp_path):
    said = runner.invoke(app, ["schema", "report", "--out", str(tmp_path / "a.json")])
    assert said.exit_code == 0 and "the JSON Schema report" in said.stderr
    quiet = runner.invoke(app, ["--quiet", "schema", "report", "--out", str(tmp_path / "b.json")])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_dataset_schema_takes_the_readmes_share_ranges_and_refuses_other_keys():
    """User story (issue 20, README "Share ranges"): a register's band written as `{min, max}` is valid in the
    editor as it is for `feoc validate`; `{minimum: …}`, which the loader refuses, is flagged as the user types."""
    import jsonschema
    import yaml

    schema = schemas.load("dataset")
    good = yaml.safe_load('holdings:\n  - {holder: sasac, entity: kr-maker, equity: {min: "25%", max: "50%"}, '
                          'voting: {max: "30%"}, board_seats: 0}\n')
    jsonschema.validate(good, schema)
    for bad in ('{minimum: "25%"}', "{}", "{min: 2}"):
        doc = yaml.safe_load(f"holdings:\n  - {{holder: sasac, entity: kr-maker, equity: {bad}}}\n")
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc, schema)
