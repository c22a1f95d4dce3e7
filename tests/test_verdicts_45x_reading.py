"""How a §45X verdict reads (issue 16, "What it must show"), through the CLI in text, JSON and the Markdown
report: why the taxpayer is a prohibited foreign entity with the whole chain to the root reason; one finding
per rule and holder, its measures inside; the products of a PFE-operated plant; the binding-contract exclusion
shown; the missing facts of a person named exactly; a fiscal-year taxpayer's own dates in the report
(IRC 45X as amended by P.L. 119-21 §70514; IRC 7701(a)(51)-(52))."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from feoc.cli import app

SEEDS = str(Path(__file__).resolve().parents[1] / "seeds")
runner = CliRunner()


def check(fid: str, on: str, data: str, *extra: str):
    return runner.invoke(app, ["check", "facility", fid, "--data", data, "--on", on, "--credit", "45x", *extra])


def _write(tmp_path: Path, body: str) -> str:
    data = tmp_path / "d"
    data.mkdir(parents=True, exist_ok=True)
    (data / "d.yaml").write_text(body)
    return str(data)


def _chain_data(tmp_path: Path, middle_share: str = "80%") -> str:
    """cn-parent (organized in CN) → `middle_share` → mid (JP) → 100 % → us-op (US), which runs a cell plant."""
    return _write(tmp_path, f"""
entities:
  - {{id: cn-parent, name: CN Parent, type: company, incorporated_in: CN, headquartered_in: CN}}
  - {{id: mid, name: Mid Holdco, type: company, incorporated_in: JP, headquartered_in: JP}}
  - {{id: us-op, name: US Operator, type: company, incorporated_in: US, headquartered_in: US}}
holdings:
  - {{holder: cn-parent, entity: mid, equity: "{middle_share}", voting: "{middle_share}"}}
  - {{holder: mid, entity: us-op, equity: "100%", voting: "100%"}}
facilities:
  - {{id: plant, name: Plant, operator: us-op, country: US, activities: [battery_cell_manufacturing]}}
""")


def test_seeds_aesc_smyrna_no_credit_with_the_path_to_envision(tmp_path):
    """Issue 16, "What it must show": the seeds' AESC US plants remain no credit from 2026 (Envision > 50 %:
    foreign-controlled), with the path shown — in text without --explain, in JSON and in the report."""
    text = check("aesc-smyrna", "2026-06-01", SEEDS)
    assert text.exit_code == 1, text.output
    assert ("chain: aesc-us is a foreign-controlled entity (more than 50 % controlled): aesc holds equity 100.00%, "
            "voting rights 100.00% → aesc is a foreign-controlled entity (more than 50 % controlled): envision-group "
            "holds equity 80.00%, voting rights 80.00% → envision-group is a foreign-controlled entity (organized or "
            "principal place of business in a covered nation): Envision Group is organized in CN") in text.output
    body = json.loads(check("aesc-smyrna", "2026-06-01", SEEDS, "--format", "json").output)
    fcs = [f for f in body["operator_findings"] if f["rule"] == "pfe-foreign-controlled-subsidiary"]
    assert len(fcs) == 1
    assert [[link["subject"] for link in chain] for chain in fcs[0]["chains"]] == [["aesc-us", "aesc", "envision-group"]]
    assert fcs[0]["chains"][0][-1]["rule"] == "pfe-foreign-controlled-organized"
    out = tmp_path / "r"
    assert runner.invoke(app, ["report", "--data", SEEDS, "--out", str(out)]).exit_code == 0
    page = (out / "entities" / "aesc-us.md").read_text()
    assert "chain: aesc-us is a foreign-controlled entity" in page and "envision-group is a foreign-controlled" in page


def test_chain_is_cut_when_the_middle_holder_is_not_a_pfe(tmp_path):
    """7701(a)(51)(C) "more than 50 percent": at 50 % the middle holdco is not foreign-controlled, so no chain
    passes through it — the operator is foreign-influenced by cn-parent's 50 % traced through mid (318(a)(2)),
    the chain going straight to cn-parent; at 50.01 % mid is foreign-controlled and the chain runs through it."""
    below = json.loads(check("plant", "2026-06-01", _chain_data(tmp_path / "a", "50%"), "--format", "json").output)
    chains = {tuple(link["subject"] for link in c) for f in below["operator_findings"] for c in f["chains"]}
    assert chains == {("us-op", "cn-parent")}
    assert "pfe-foreign-controlled-subsidiary" not in {f["rule"] for f in below["operator_findings"]}
    above = json.loads(check("plant", "2026-06-01", _chain_data(tmp_path / "b", "50.01%"), "--format", "json").output)
    chains = {tuple(link["subject"] for link in c) for f in above["operator_findings"] for c in f["chains"]}
    assert ("us-op", "mid", "cn-parent") in chains
    assert above["status"] == "no_credit"


def test_one_finding_per_rule_and_holder_each_measure_inside(tmp_path):
    """Issue 16 "the same finding is printed five times": equity and voting of one test on one subject are one
    finding, its measures listed ("equity 100.00%, voting rights 100.00%"); nothing printed twice."""
    data = _chain_data(tmp_path)
    text = check("plant", "2026-06-01", data).output
    assert text.count("[pfe-foreign-controlled-subsidiary]") == 1, text
    assert "measures: equity 100.00%, voting rights 100.00%" in text
    whys = [line for line in text.splitlines() if line.strip().startswith("why:")]
    assert len(whys) == len(set(whys))
    body = json.loads(check("plant", "2026-06-01", data, "--format", "json").output)
    rules = [(f["rule"], f["subject"]) for f in body["operator_findings"]]
    assert len(rules) == len(set(rules))
    sub = next(f for f in body["operator_findings"] if f["rule"] == "pfe-foreign-controlled-subsidiary")
    assert [(m["measure"], m["figure"]) for m in sub["measures"]] == [("equity", 1.0), ("voting", 1.0)]
    ups = [(f["rule"], f["subject"]) for f in body["upstream_findings"]]
    assert len(ups) == len(set(ups))


def test_products_of_a_pfe_operated_plant_read_no_credit_not_missing_inputs(tmp_path):
    """Issue 16 "Verdict shape": a plant denied because its operator is a prohibited foreign entity — its
    products read "no credit — the operator is a prohibited foreign entity (material assistance not judged)",
    never "cannot be determined — missing material_inputs", and nothing is missing."""
    data = _chain_data(tmp_path)
    text = check("plant", "2026-06-01", data)
    assert text.exit_code == 1, text.output
    assert ("battery_cell: no credit — the operator is a prohibited foreign entity (material assistance not judged)"
            in text.output)
    assert "missing material_inputs" not in text.output and "missing:" not in text.output
    body = json.loads(check("plant", "2026-06-01", data, "--format", "json").output)
    assert body["missing"] == []
    assert [(p["outcome"], p["status"]) for p in body["products"]] == [("operator_pfe", "no_credit")]


def test_products_of_a_plant_whose_operator_is_undetermined_keep_their_own_statuses(tmp_path):
    """Issue 14 contract: an operator that cannot be determined (60 % held by a person living in China whose
    citizenship is not recorded) decides nothing, so each product keeps its own answer and its missing inputs."""
    data = _write(tmp_path, """
entities:
  - {id: owner, name: Owner, type: person, country: CN}
  - {id: op, name: Operator, type: company, incorporated_in: US, headquartered_in: US}
holdings:
  - {holder: owner, entity: op, equity: "60%"}
facilities:
  - {id: plant, name: Plant, operator: op, country: US, activities: [battery_cell_manufacturing]}
""")
    body = json.loads(check("plant", "2026-06-01", data, "--format", "json").output)
    assert body["status"] == "cannot_be_determined" and body["operator_pfe"] is None  # undecided: no claim either way
    assert [(p["outcome"], p["status"]) for p in body["products"]] == [("cannot_be_determined", "cannot_be_determined")]
    assert "material_inputs for battery_cell" in [m["fact"] for m in body["missing"]]


def _contract_data(tmp_path: Path, unbound_cn: int) -> str:
    """A cell plant: a Korean input, a Chinese input of 2,500 USD under a contract signed 2025-06-15 (before the
    `macr_binding_contract_before` date) and a Chinese input of `unbound_cn` USD with no contract."""
    return _write(tmp_path, f"""
entities:
  - {{id: maker, name: Maker, type: company, incorporated_in: US}}
  - {{id: kr-sup, name: KR Supplier, type: company, incorporated_in: KR}}
  - {{id: cn-sup, name: CN Supplier, type: company, incorporated_in: CN}}
facilities:
  - {{id: plant, name: Plant, operator: maker, country: US, activities: [battery_cell_manufacturing]}}
material_inputs:
  - {{facility: plant, product: battery_cell, input: cathode, supplier: kr-sup, cost_usd: {7500 - unbound_cn}}}
  - {{facility: plant, product: battery_cell, input: anode, supplier: cn-sup, cost_usd: 2500, contract_signed: 2025-06-15}}
  - {{facility: plant, product: battery_cell, input: binder, supplier: cn-sup, cost_usd: {unbound_cn}}}
""")


def test_binding_contract_exclusion_is_shown_whether_the_product_passes_or_fails(tmp_path):
    """IRC 7701(a)(52) (P.L. 119-21 §70514), inputs under "a binding written contract which was entered into prior
    to June 16, 2025": the 2,500 USD left out of the PFE cost is named on the product line, in text and JSON and
    the report, when the product passes (PFE cost 1,000 of 10,000) and when it fails (4,500 of 10,000)."""
    for unbound, status in ((1000, "eligible"), (4500, "no_credit")):
        data = _contract_data(tmp_path / str(unbound), unbound)
        body = json.loads(check("plant", "2026-06-01", data, "--format", "json").output)
        product = body["products"][0]
        assert product["status"] == status and product["binding_contract_usd"] == 2500, product
        assert "2,500.00 USD of PFE inputs under a binding written contract" in product["detail"]
        assert "UNCONFIRMED" in product["detail"]
        assert "2,500.00 USD of PFE inputs" in check("plant", "2026-06-01", data).output
    out = tmp_path / "r"
    assert runner.invoke(app, ["report", "--data", data, "--out", str(out)]).exit_code == 0
    assert "2,500.00 USD of PFE inputs under a binding written contract" in (out / "entities" / "maker.md").read_text()
    no_contract = json.loads(check("plant", "2026-06-01", _chain_data(tmp_path / "none"), "--format", "json").output)
    assert "binding written contract" not in json.dumps(no_contract["products"])


def _people_data(tmp_path: Path, owner: str) -> str:
    """A US operator 60 % held by one person, `owner` the person's fields."""
    return _write(tmp_path, f"""
entities:
  - {{id: owner, name: Owner, type: person, {owner}}}
  - {{id: op, name: Operator, type: company, incorporated_in: US, headquartered_in: US}}
holdings:
  - {{holder: owner, entity: op, equity: "60%"}}
facilities:
  - {{id: plant, name: Plant, operator: op, country: US, activities: [battery_cell_manufacturing]}}
""")


def test_missing_names_only_the_persons_fields_not_recorded(tmp_path):
    """IRC 7701(a)(51)(C)(ii) "a citizen or national of a covered nation", not a U.S. citizen, national or
    permanent resident: what would decide it names the person and exactly the fields missing — `us_person` only
    when the citizenship is recorded, `citizenship` only when `us_person` is, both when neither is."""
    cases = {"citizenship: [CN]": ["us_person"], "country: CN, us_person: false": ["citizenship"],
             "country: CN": ["citizenship and us_person"]}
    for i, (owner, facts) in enumerate(cases.items()):
        data = _people_data(tmp_path / str(i), owner)
        result = check("plant", "2026-06-01", data, "--format", "json")
        assert result.exit_code == 4, result.output
        people = [m for m in json.loads(result.output)["missing"] if m["subject"] == "owner"]
        assert [m["fact"] for m in people] == facts, people
        decide = people[0]["decide"]
        assert ("`citizenship:`" in decide) == ("citizenship" in facts[0]), decide
        assert ("`us_person:`" in decide) == ("us_person" in facts[0]), decide
        text = check("plant", "2026-06-01", data).output
        assert "for the persons on the paths to" not in text  # the persons are named instead
    recorded = check("plant", "2026-06-01", _people_data(tmp_path / "ok", "citizenship: [CN], us_person: true"))
    assert "missing: owner" not in recorded.output and recorded.exit_code == 4  # only material_inputs is open


def test_fiscal_year_operator_dates_in_the_report_show_when_its_status_changes(tmp_path):
    """P.L. 119-21 §70514: the rules apply to taxable years beginning after 2025-07-04, the first tested on its
    first day, later ones on their last. An operator whose year begins 10-01 (a Chinese parent's 60 % sold on
    2026-07-01) is a PFE for its whole first year 2025-10-01 – 2026-09-30, not for the year beginning
    2026-10-01: the report's dates include 2025-10-01, 2026-09-30 and 2026-10-01, and a calendar-year operator
    is "not in force" on 2025-10-01 with no §45X status row for that day."""
    data = _write(tmp_path, """
entities:
  - {id: cn-parent, name: CN Parent, type: company, incorporated_in: CN, headquartered_in: CN}
  - {id: fy-op, name: FY Operator, type: company, incorporated_in: US, headquartered_in: US, tax_year_start: "10-01"}
  - {id: cal-op, name: Cal Operator, type: company, incorporated_in: US, headquartered_in: US}
holdings:
  - {holder: cn-parent, entity: fy-op, equity: "60%", until: 2026-07-01}
facilities:
  - {id: plant, name: Plant, operator: fy-op, country: US, activities: [battery_cell_manufacturing]}
  - {id: cal-plant, name: Cal Plant, operator: cal-op, country: US, activities: [battery_cell_manufacturing]}
""")
    out = tmp_path / "r"
    result = runner.invoke(app, ["report", "--data", data, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2025-10-01" in result.output and "2026-09-30" in result.output and "2026-10-01" in result.output
    index = (out / "index.md").read_text()
    head = next(line for line in index.splitlines() if line.startswith("| plant | operator |"))
    assert head == "| plant | operator | 2025-10-01 | 2026-01-01 | 2026-09-30 | 2026-10-01 |"
    cells = next(line for line in index.splitlines() if line.startswith("| Plant (`plant`) |")).split(" | ")[2:]
    assert [c.split(":")[0].rstrip(" |") for c in cells] == ["no credit", "no credit", "no credit",
                                                              "cannot be determined"], cells
    cal = next(line for line in index.splitlines() if line.startswith("| Cal Plant (`cal-plant`) |"))
    assert cal.split(" | ")[2] == "not in force"
    page = (out / "entities" / "cal-op.md").read_text()
    assert "| 2025-10-01 |" not in page.split("### Plants it operates")[0].split("## §45X")[1]
    fy = (out / "entities" / "fy-op.md").read_text()
    assert "| 2025-10-01 | specified foreign entity" in fy and "| 2026-10-01 | not a prohibited" in fy
    explicit = runner.invoke(app, ["report", "--data", data, "--out", str(tmp_path / "e"), "--on", "2026-01-01"])
    assert "2025-10-01" not in explicit.output  # dates given are the dates judged


def test_checked_lists_each_pfe_prong_in_force_once(tmp_path):
    """Negative evidence for a U.S. operator 20 % held by a Chinese company (IRC 7701(a)(51), not a PFE): each
    prong of the law in force on its test day once — the three measures of the more-than-50 % test on one line —
    and none of feoc's data-gap rules (they are findings and missing facts when they fire, not prongs)."""
    from feoc.law.law import Law

    law = Law.load(Path(__file__).resolve().parents[1] / "rules")
    data = _write(tmp_path, """
entities:
  - {id: cn-co, name: China Co, type: company, incorporated_in: CN, headquartered_in: CN}
  - {id: us-op, name: US Operator, type: company, incorporated_in: US, headquartered_in: US}
holdings:
  - {holder: cn-co, entity: us-op, equity: "20%", voting: "20%"}
facilities:
  - {id: plant, name: Plant, operator: us-op, country: US, activities: [battery_cell_manufacturing]}
""")
    body = json.loads(check("plant", "2026-06-01", data, "--format", "json").output)
    rules = [c["rule"] for c in body["checked"]]
    assert len(rules) == len(set(rules)) and rules, rules
    in_force = {src.rule.id: src.rule.then.conclusion for src in law.rules if src.rule.regime == "45x"
                and src.rule.applies_to == "entity"}
    assert set(rules) == {r for r, conclusion in in_force.items() if conclusion != "undetermined"}
    sub = next(c for c in body["checked"] if c["rule"] == "pfe-foreign-controlled-subsidiary")
    assert sub["detail"].startswith("equity: largest covered interest 20.00%") and "voting rights:" in sub["detail"]
    assert sub["paths"] == ["cn-co → 20.00% equity → us-op", "cn-co → 20.00% voting → us-op"]
    assert check("plant", "2025-06-01", data, "--format", "json").exit_code == 0
    assert json.loads(check("plant", "2025-06-01", data, "--format", "json").output)["checked"] == []


def test_a_long_chain_is_shown_to_twenty_links_then_its_root_end(tmp_path):
    """7701(a)(51)(C) chained 30 levels (each 60 % of the next): the operator is foreign-controlled; its chain is
    shown to 20 links, then how many are left out, then its last links up to the root reason (the Chinese parent,
    organized in China): never cut silently, never without the reason it rests on (a second probe of issue 16),
    and never a recursion error."""
    lines = ["entities:", "  - {id: cn-parent, name: CN Parent, type: company, incorporated_in: CN}"]
    lines += [f"  - {{id: c{i:02d}, name: Company {i}, type: company, incorporated_in: US}}" for i in range(31)]
    lines += ["holdings:", "  - {holder: cn-parent, entity: c00, equity: \"60%\"}"]
    lines += [f"  - {{holder: c{i - 1:02d}, entity: c{i:02d}, equity: \"60%\"}}" for i in range(1, 31)]
    lines += ["facilities:", "  - {id: plant, name: Plant, operator: c30, country: US, "
              "activities: [battery_cell_manufacturing]}"]
    body = json.loads(check("plant", "2026-06-01", _write(tmp_path, "\n".join(lines) + "\n"), "--format", "json").output)
    chain = next(f for f in body["operator_findings"] if f["chains"])["chains"][0]
    assert [link["subject"] for link in chain[:3]] == ["c30", "c29", "c28"]
    assert len(chain) == 24 and chain[20]["reason"] == "… 9 more links …"
    assert [link["subject"] for link in chain[-3:]] == ["c01", "c00", "cn-parent"]
    assert chain[-1]["rule"] == "pfe-foreign-controlled-organized"


def test_a_clear_not_a_pfe_in_the_report_shows_what_was_checked():
    """A clear "no" shows its work (DEVELOPERS.md): SK On, a Korean company, is not a prohibited foreign entity
    on 2026-01-01; its report lists each prong in force and what was looked at, as §30D's "not a FEOC" does, and
    the prongs table no longer stops at "—"."""
    text = (Path(SEEDS).parent / "reports" / "entities" / "sk-on.md").read_text(encoding="utf-8")
    section = text[text.index("## §45X advanced manufacturing credit"):]
    assert "| 2026-01-01 | not a prohibited foreign entity | — |" in section
    assert "No prohibited-foreign-entity rule fired. Checked, prong by prong:" in section
    # the rule in words, its id after it (issue 18)
    assert ("organized or based in a covered nation (`pfe-foreign-controlled-organized`) | not met | "
            "incorporated\\_nation = KR") in section
