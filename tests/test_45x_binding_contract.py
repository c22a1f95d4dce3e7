"""Material inputs acquired under "a binding written contract which was entered into prior to June 16, 2025" are
treated apart in the §45X material assistance cost ratio (IRC 7701(a)(52) as added by P.L. 119-21 §70514;
feoc-law.md §7.6): feoc does not count their cost as the prohibited foreign entity's (UNCONFIRMED treatment)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from feoc.cli import app

runner = CliRunner()


def _check(tmp_path: Path, signed: object) -> tuple[int, str]:
    cn_input = {"facility": "plant", "product": "battery_cell", "input": "anode material", "supplier": "cn-sup",
                "cost_usd": 4001}
    if signed is not None:
        cn_input["contract_signed"] = signed
    data = {
        "entities": [{"id": "maker", "name": "Maker", "type": "company", "incorporated_in": "US"},
                     {"id": "kr-sup", "name": "KR Supplier", "type": "company", "incorporated_in": "KR"},
                     {"id": "cn-sup", "name": "CN Supplier", "type": "company", "incorporated_in": "CN"}],
        "facilities": [{"id": "plant", "name": "Plant", "operator": "maker", "country": "US",
                        "activities": ["battery_cell_manufacturing"]}],
        "material_inputs": [{"facility": "plant", "product": "battery_cell", "input": "cathode material",
                             "supplier": "kr-sup", "cost_usd": 5999}, cn_input],
    }
    (tmp_path / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["check", "facility", "plant", "--data", str(tmp_path), "--on", "2026-06-01",
                                 "--credit", "45x", "--format", "json"])
    return result.exit_code, result.output


def test_a_contract_signed_2025_06_15_is_not_counted_as_the_pfe_s_but_one_signed_2025_06_16_is(tmp_path):
    """A plant whose Chinese anode supplier is 40.01 % of its costs: 59.99 % < 60 % in 2026 fails, unless that
    input was bought under a binding written contract entered into before 2025-06-16."""
    code, out = _check(tmp_path, "2025-06-15")
    body = json.loads(out)
    assert code == 0 and body["status"] == "eligible", body
    code, out = _check(tmp_path, "2025-06-16")
    body = json.loads(out)
    assert code == 1 and body["status"] == "no_credit", body
    assert "binding written contract" in json.dumps(body["findings"]), body["findings"]
    assert _check(tmp_path, None)[0] == 1


def test_a_contract_signed_that_is_not_a_date_is_refused_at_its_line(tmp_path):
    code, out = _check(tmp_path, "2025-06-31")
    assert code == 2 and "data.yaml:" in out and "contract_signed" in out, out
