"""A reader adding up the paths under a finding must reach its figure (DEVELOPERS.md: "a user can check our
reasoning by hand"). With cross-holdings the fixed point counts stakes going round the loop, which simple paths
leave out (ownership/paths.py): the finding then says how much its paths carry and where the rest comes from.
Found by a hostile probe of issue 16: "holds 31.25 %" above one path of 20 %."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from feoc.cli import app

runner = CliRunner()

LOOP = """
entities:
  - {id: gov-cn, name: PRC government, type: government, country: CN}
  - {id: cyc-a, name: Cycle A, type: company, incorporated_in: US, headquartered_in: US}
  - {id: cyc-b, name: Cycle B, type: company, incorporated_in: US, headquartered_in: US}
holdings:
  - {holder: cyc-a, entity: cyc-b, equity: 0.6}
  - {holder: cyc-b, entity: cyc-a, equity: 0.6}
  - {holder: gov-cn, entity: cyc-a, equity: 0.2}
"""


def test_a_cross_holding_finding_says_its_paths_carry_less_than_its_figure(tmp_path: Path):
    """DOE 89 FR 37079 example shape: a government's 20 % stake in A, which holds 60 % of B, which holds 60 % of
    A: 0.2 / (1 - 0.36) = 31.25 % of A, a FEOC at 25 %. The one simple path carries 20 %; the rest is the loop."""
    data = tmp_path / "d"
    data.mkdir()
    (data / "d.yaml").write_text(LOOP, encoding="utf-8")
    result = runner.invoke(app, ["check", "entity", "cyc-a", "--data", str(data), "--on", "2025-06-01",
                                 "--format", "json"])
    assert result.exit_code == 1, result.output
    paths = [p for f in json.loads(result.stdout)["findings"] for p in f["paths"]]
    assert "gov-cn → 20.00% equity → cyc-a" in paths
    assert any(p.startswith("(these paths carry 20.00% of the 31.25% these holders hold together") for p in paths)


def test_an_acyclic_chain_adds_up_and_says_nothing_more(tmp_path: Path):
    """Without a loop the paths carry the whole figure (50 % x 60 % = 30 % of B): no extra line."""
    data = tmp_path / "d"
    data.mkdir()
    (data / "d.yaml").write_text(LOOP.replace("  - {holder: cyc-b, entity: cyc-a, equity: 0.6}\n", "")
                                 .replace("equity: 0.2", "equity: 0.5"), encoding="utf-8")
    result = runner.invoke(app, ["check", "entity", "cyc-b", "--data", str(data), "--on", "2025-06-01",
                                 "--format", "json", "--interpretation", "government"])
    paths = [p for f in json.loads(result.stdout)["findings"] for p in f["paths"]]
    assert "gov-cn → 50.00% equity → cyc-a → 60.00% equity → cyc-b" in paths
    assert not any("these paths carry" in p for p in paths)
