"""§45X material assistance when the data cannot decide a supplier (issue 16, "Material assistance"): a gap in
the data never passes — an input from a supplier whose prohibited-foreign-entity status is open makes the MACR an
interval, and a product whose threshold lies inside it *cannot be determined* (exit 4), naming the supplier and
what would decide it. A supplier certification (IRS Notice 2026-15's certification safe harbor) closes the gap,
and the verdict says it rests on it; one the data contradict ("reason to know" it is wrong, IRC 7701(a)(52) as
amended by P.L. 119-21 §70514), signed after the date or expired, is not relied on, and the verdict says why."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from feoc.cli import app

runner = CliRunner()


def _plant(tmp_path: Path, supplier: str = "mystery", certification: str = "") -> str:
    """A U.S. maker's cell line: half its cost from a Korean supplier, half from `supplier`."""
    data = tmp_path / "d"
    data.mkdir(parents=True, exist_ok=True)
    cert = f", certification: {certification}" if certification else ""
    (data / "d.yaml").write_text(f"""
entities:
  - {{id: maker, name: Maker, type: company, incorporated_in: US}}
  - {{id: kr-sup, name: KR Supplier, type: company, incorporated_in: KR}}
  - {{id: cn-sup, name: CN Supplier, type: company, incorporated_in: CN}}
  - {{id: mystery, name: Mystery Supplier, type: company, country: CN}}
facilities:
  - {{id: plant, name: Plant, operator: maker, country: US, activities: [battery_cell_manufacturing]}}
material_inputs:
  - {{facility: plant, product: battery_cell, input: cathode material, supplier: kr-sup, cost_usd: 50}}
  - {{facility: plant, product: battery_cell, input: anode material, supplier: {supplier}, cost_usd: 50{cert}}}
""", encoding="utf-8")
    return str(data)


def check(data: str, *extra: str):
    return runner.invoke(app, ["check", "facility", "plant", "--data", data, "--on", "2026-06-01", "--credit", "45x",
                               *extra])


def test_a_supplier_with_no_place_of_organization_recorded_never_passes(tmp_path):
    """User story: a supplier imported from a CSV master with only `country: CN`. Before, its inputs counted as
    clean and the plant read ELIGIBLE (MACR 100 %). Now the MACR is 50 %–100 % against 60 %: cannot be
    determined, naming the supplier and both ways to decide it."""
    data = _plant(tmp_path)
    text = check(data)
    assert text.exit_code == 4, text.output
    assert "battery_cell: cannot be determined — MACR between 50.00% and 100.00% vs 60% required" in text.output
    assert "suppliers whose status the data cannot decide: mystery" in text.output
    body = json.loads(check(data, "--format", "json").stdout)
    assert body["status"] == "cannot_be_determined"
    decides = {m["subject"]: m["decide"] for m in body["missing"]}
    assert "recording `incorporated_in:` and `headquartered_in:` for `mystery`" in decides["mystery"]
    assert "certification" in decides["plant"] and "mystery" in decides["plant"]


def test_a_certification_closes_the_gap_and_the_verdict_says_it_rests_on_it(tmp_path):
    """Notice 2026-15 certification safe harbor: the supplier certifies, before the sale, that the input is not
    from a prohibited foreign entity. The product is eligible, and text and JSON name the certificate."""
    data = _plant(tmp_path, certification='{document: "mystery-cert-2026.pdf", signed: 2026-01-15}')
    text = check(data)
    assert text.exit_code == 0, text.output
    assert "relies on mystery's certification mystery-cert-2026.pdf (signed 2026-01-15)" in text.output
    assert "resting on supplier certifications: mystery-cert-2026.pdf" in text.output
    body = json.loads(check(data, "--format", "json").stdout)
    assert body["products"][0]["relies_on"] == [{"input": "anode material", "supplier": "mystery", "cost_usd": 50.0,
                                                 "document": "mystery-cert-2026.pdf", "signed": "2026-01-15"}]


def test_a_certification_the_data_contradict_is_not_relied_on(tmp_path):
    """Reason to know: the data show the supplier is organized in China (a foreign-controlled entity, so a
    PFE). Its certification is not relied on; the MACR is 50 % against 60 %: no credit (exit 1), and why."""
    data = _plant(tmp_path, supplier="cn-sup", certification='{document: "cn-sup-cert.pdf", signed: 2026-01-15}')
    text = check(data)
    assert text.exit_code == 1, text.output
    assert ("cn-sup's certification cn-sup-cert.pdf not relied on: the data show cn-sup is a prohibited foreign "
            "entity: reason to know the certification is wrong") in text.output
    body = json.loads(check(data, "--format", "json").stdout)
    assert body["products"][0]["relies_on"] == []
    assert body["products"][0]["not_relied_on"][0]["document"] == "cn-sup-cert.pdf"


def test_a_certification_signed_after_the_date_or_expired_is_not_relied_on(tmp_path):
    """A certification must exist when the component is sold: one signed the day after is not relied on, nor
    one whose `until` has passed; the gap stays open (exit 4) and the verdict says why."""
    late = check(_plant(tmp_path, certification='{document: "late.pdf", signed: 2026-06-02}'))
    assert late.exit_code == 4, late.output
    assert "certification late.pdf not relied on: signed after the date judged" in late.output
    old = check(_plant(tmp_path / "o", certification='{document: "old.pdf", signed: 2025-01-01, until: 2026-06-01}'))
    assert old.exit_code == 4, old.output
    assert "certification old.pdf not relied on: expired on 2026-06-01" in old.output


def test_a_certification_ending_before_it_was_signed_is_an_input_error(tmp_path):
    """Bad input names the file and the fix, exit 2, never a verdict."""
    bad = check(_plant(tmp_path, certification='{document: "x.pdf", signed: 2026-01-15, until: 2026-01-01}'))
    assert bad.exit_code == 2, bad.output
    assert "d.yaml" in bad.output and "must be after the day it was `signed`" in bad.output


def test_ftm_nationality_becomes_citizenship(tmp_path):
    """§45X asks for "a citizen or national" (IRC 7701(a)(51)(C)(ii)): an FtM Person's every `nationality` and
    `citizenship` value is imported as `citizenship`; `us_person` is left unrecorded (FtM does not say)."""
    ftm = tmp_path / "people.jsonl"
    ftm.write_text(json.dumps({"id": "p1", "schema": "Person", "properties": {
        "name": ["A Founder"], "nationality": ["cn", "sg"], "citizenship": ["cn"], "country": ["us"]}}) + "\n",
        encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", "ftm", str(ftm), "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = [e for f in sorted(out.glob("*.yaml")) for e in (yaml.safe_load(f.read_text()) or {}).get("entities", [])]
    person = next(e for e in records if e["name"] == "A Founder")
    assert person["citizenship"] == ["CN", "SG"] and person["country"] == "CN" and "us_person" not in person


def test_a_supplier_is_judged_on_the_day_of_sale_not_on_the_buyers_status_test_day(tmp_path):
    """A hostile probe's case: a supplier on the UFLPA list from 2026-06-01 sells to a calendar-year maker (status
    tested 2026-01-01) and to a fiscal-year maker (`tax_year_start` 10-01, tested 2026-10-01). On 2026-10-01 both
    buy from a listed supplier: both products have material assistance (50 % < 60 %), whatever the buyer's year;
    and a supplier delisted on 2026-06-01 no longer counts on 2026-09-01."""
    data = tmp_path / "d"
    data.mkdir()
    (data / "d.yaml").write_text("""
entities:
  - {id: maker, name: Maker, type: company, incorporated_in: US}
  - {id: fymaker, name: FY Maker, type: company, incorporated_in: US, tax_year_start: "10-01"}
  - {id: kr, name: KR Supplier, type: company, incorporated_in: KR}
  - {id: later, name: Listed later, type: company, incorporated_in: VN}
  - {id: delisted, name: Delisted, type: company, incorporated_in: VN}
listings:
  - {entity: later, list: uflpa, from: 2026-06-01}
  - {entity: delisted, list: uflpa, from: 2020-01-01, until: 2026-06-01}
facilities:
  - {id: s1, name: S1, operator: maker, country: US, activities: [battery_cell_manufacturing]}
  - {id: s2, name: S2, operator: maker, country: US, activities: [battery_module_assembly]}
  - {id: s3, name: S3, operator: fymaker, country: US, activities: [battery_cell_manufacturing]}
material_inputs:
  - {facility: s1, product: battery_cell, input: a, supplier: kr, cost_usd: 50}
  - {facility: s1, product: battery_cell, input: b, supplier: later, cost_usd: 50}
  - {facility: s2, product: battery_module, input: a, supplier: kr, cost_usd: 50}
  - {facility: s2, product: battery_module, input: b, supplier: delisted, cost_usd: 50}
  - {facility: s3, product: battery_cell, input: a, supplier: kr, cost_usd: 50}
  - {facility: s3, product: battery_cell, input: b, supplier: later, cost_usd: 50}
""", encoding="utf-8")
    for fid, on, code in (("s1", "2026-10-01", 1), ("s3", "2026-10-01", 1), ("s2", "2026-09-01", 0)):
        result = runner.invoke(app, ["check", "facility", fid, "--data", str(data), "--on", on, "--credit", "45x"])
        assert result.exit_code == code, (fid, result.output)
