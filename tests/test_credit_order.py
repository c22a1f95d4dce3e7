"""The order of the §30D tests and the wording of the §45X verdict are law data (rules/credit_order.yaml):
changing the file changes the verdicts, and a mistake in it is refused when the law loads."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from feoc.data.problems import InputError
from feoc.law.credit_order import STEPS_30D
from feoc.law.data import default_rules_dir
from feoc.law.law import Law
from feoc.rulecases import inline_dataset
from feoc.verdicts.status import EXIT_CODES, Status, Verdict
from feoc.verdicts.vehicle import vehicle_verdict
from feoc.verdicts.vehicle_steps import STEPS

D = dt.date.fromisoformat
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def world(msrp: int = 40000, assembly: str = "US") -> object:
    """A vehicle with a Korean-made cell from a U.S. plant and graphite processed in Korea."""
    return inline_dataset({
        "entities": [{"id": "kr-maker", "name": "KR Maker", "type": "company", "incorporated_in": "KR"},
                     {"id": "oem", "name": "OEM", "type": "company", "incorporated_in": "US"}],
        "facilities": [{"id": "cell-plant", "name": "Cell plant", "operator": "kr-maker", "country": "US",
                        "activities": ["battery_cell_manufacturing"]},
                       {"id": "refinery", "name": "Refinery", "operator": "kr-maker", "country": "KR",
                        "activities": ["critical_mineral_processing"]}],
        "batteries": [{"id": "pack",
                       "components": [{"component": "battery_cell", "manufactured_at": "cell-plant", "value_usd": 5000}],
                       "critical_minerals": [{"mineral": "graphite", "processed_at": "refinery", "value_usd": 500}]}],
        "vehicles": [{"id": "ev", "name": "EV", "model_year": 2024, "manufacturer": "oem", "battery": "pack",
                      "final_assembly_country": assembly, "msrp_usd": msrp, "vehicle_class": "car"}],
    }, "test", Law.load())


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


def _edit(rules: Path, old: str, new: str) -> Law:
    path = rules / "credit_order.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return Law.load(rules)


def test_the_code_implements_exactly_the_steps_the_loader_accepts():
    assert tuple(STEPS) == STEPS_30D


def test_the_shipped_order_runs_every_step():
    assert [s.step for s in Law.load().credit_order.steps_30d] == list(STEPS_30D)


def test_the_order_decides_which_failing_test_is_reported(tmp_path):
    """An MSRP over the cap and final assembly abroad: the first step in the file's order decides."""
    ds = world(msrp=90000, assembly="KR")
    law = Law.load()
    first = vehicle_verdict(ds, "ev", D("2024-06-01"), None, law)
    assert (first.status, first.deciding_rule) == (Status.not_eligible, "final_assembly")
    rules = _copy_rules(tmp_path)
    path = rules / "credit_order.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "- step: final_assembly" in line)
    moved = lines[start:start + 4]  # the step and its three keys
    assert "deciding_rule: final_assembly" in moved[-1]
    del lines[start:start + 4]
    end = next(i for i, line in enumerate(lines) if "- step: msrp_cap" in line) + 3
    path.write_text("".join(lines[:end] + moved + lines[end:]))
    swapped = vehicle_verdict(ds, "ev", D("2024-06-01"), None, Law.load(rules))
    assert (swapped.status, swapped.deciding_rule) == (Status.not_eligible, "msrp_cap_usd")


def test_a_half_cites_what_the_file_says(tmp_path):
    law = _edit(_copy_rules(tmp_path), '"IRC 30D(b)(2), (e)(1)"', '"IRC 30D(b)(2)"')
    v = vehicle_verdict(world(), "ev", D("2024-06-01"), None, law)
    assert v.as_dict()["halves"]["critical_minerals"]["citation"] == "IRC 30D(b)(2)"


def test_an_order_that_may_decide_nothing_is_refused(tmp_path):
    with pytest.raises(InputError, match="may decide nothing"):
        _edit(_copy_rules(tmp_path), "    - step: sourcing_halves", "    - step: msrp_cap")


def test_final_assembly_by_sale_date_is_law_data(tmp_path):
    """The sale-date rule of final assembly (IRA §13401) is `prior_rules` in the file: without it the requirement
    applies to every vehicle placed in service from 2022-08-17, and a misspelt parameter is refused when the law
    loads."""
    key = "      prior_rules: final_assembly_prior_rules_sold_by"
    law = _edit(_copy_rules(tmp_path / "a"), key, "")
    v = vehicle_verdict(world(assembly="JP"), "ev", D("2022-08-20"), D("2022-08-10"), law)
    assert v.status == "not_eligible", v.reason
    misspelt = re.escape("parameter `final_assembly_prior_rules_sail_by` is not in parameters.yaml")
    with pytest.raises(InputError, match=misspelt):
        _edit(_copy_rules(tmp_path / "b"), key, key.replace("sold", "sail"))


def test_a_rules_folder_without_the_file_is_refused(tmp_path):
    rules = _copy_rules(tmp_path)
    (rules / "credit_order.yaml").unlink()
    with pytest.raises(InputError, match=re.escape("credit_order.yaml is missing")):
        Law.load(rules)


def test_every_vehicle_verdict_is_a_verdict_with_the_exit_code_of_its_status():
    """Issue 14: the exit code is the status's (0 a credit or not in force, 1 none, 4, 5), not "credit > 0"."""
    ds = world()
    for on in ("2022-01-01", "2022-09-01", "2023-02-01", "2024-06-01", "2025-10-01"):
        v = vehicle_verdict(ds, "ev", D(on), None, Law.load())
        assert isinstance(v, Verdict) and v.kind == "vehicle"
        assert v.exit_code() == EXIT_CODES[v.status]
        assert v.exit_code() == (0 if v.credit_usd > 0 or v.status == Status.not_in_force else 1)
        assert v.as_dict()["status"] == v.status.value


def _old_pfe_status(kinds: set[str]) -> str:
    """The labels as render/markdown.py wrote them before they became law data."""
    if kinds & {"foreign_controlled", "sfe"}:
        return "specified foreign entity" + (" and foreign-influenced" if "fie" in kinds else "")
    if "fie" in kinds:
        return "foreign-influenced entity"
    if "undetermined" in kinds:
        return "cannot be determined"
    return "not a prohibited foreign entity"


def test_the_operator_status_labels_read_as_before():
    law = Law.load()
    kinds = ["foreign_controlled", "sfe", "fie", "undetermined"]
    for mask in range(1 << len(kinds)):
        chosen = {k for i, k in enumerate(kinds) if mask >> i & 1}
        assert law.credit_order.operator_status(chosen) == _old_pfe_status(chosen), chosen


@pytest.mark.parametrize(("args", "status", "code"), [
    ("entity aesc --on 2024-06-01", "contested", 5),               # Envision's 80 %: the readings disagree
    ("entity aesc --on 2024-06-01 --interpretation feoc-holders", "feoc", 1),
    ("entity nissan --on 2024-06-01", "not_feoc", 0),
    ("facility aesc-smyrna --on 2024-06-01", "contested", 5),      # operated by AESC's subsidiary (contested)
    ("facility aesc-smyrna --on 2025-06-01 --credit 45x", "not_in_force", 0),  # before the PFE rules
    ("facility aesc-smyrna --on 2026-06-01 --credit 45x", "no_credit", 1),
    ("vehicle nissan-leaf-2024 --on 2024-06-01", "contested", 5),
    ("vehicle nissan-leaf-2024 --on 2024-06-01 --interpretation feoc-holders", "not_eligible", 1),
    ("vehicle nissan-leaf-2025 --on 2025-10-01", "terminated", 1),  # acquired after 2025-09-30
])
def test_seed_verdicts_have_their_status_and_exit_code(args, status, code):
    """One status vocabulary and the exit codes of the `Verdict` protocol, pinned on seed subjects (the CLI's
    exit code is the verdict's `exit_code()`; the JSON carries the verdict's `status`)."""
    import json

    from typer.testing import CliRunner

    from feoc.cli import app

    result = CliRunner().invoke(app, ["check", *args.split(), "--data", str(SEEDS), "--format", "json"])
    body = json.loads(result.output)
    assert result.exit_code == code
    assert body.get("status", {True: "feoc", False: "not_feoc"}.get(body.get("feoc"))) == status


def test_every_seed_verdict_satisfies_the_protocol():
    from feoc.load.folder import load_dataset
    from feoc.verdicts.facility45x import facility_45x_verdict
    from feoc.verdicts.subject import entity_verdict, facility_verdict

    law = Law.load()
    ds = load_dataset(SEEDS, law)
    for on in (D("2025-06-01"), D("2026-06-01")):
        for f in ds.facilities:
            v45 = facility_45x_verdict(ds, f.id, on, law)
            assert isinstance(v45, Verdict) and v45.kind == "facility45x"
            assert v45.as_dict()["status"] == v45.status.value and v45.as_dict()["kind"] == "facility"
            v30 = facility_verdict(ds, f.id, on, law)
            assert isinstance(v30, Verdict) and v30.status in (Status.feoc, Status.not_feoc, Status.contested,
                                                               Status.cannot_be_determined)
        for e in ds.entities[:10]:
            assert isinstance(entity_verdict(ds, e.id, on, law), Verdict)
