"""Issue 20, item 1 ("Screen, reports and JSON show intervals"): a share recorded as a range `{min, max}` shows in
the Markdown reports and on the serve pages as its interval ("20.00%–30.00%"), never its minimum alone, and a
subject left *cannot be determined* by a range shows the interval and the holdings to narrow.

User story: a UK PSC register says a Chinese state-assets agency holds "more than 20 % but not more than 30 %" of
a Korean maker (voting "not more than 10 %"); the maker wholly owns a U.S. plant company. The compliance officer
runs `feoc report` and opens `feoc serve`, and must not read 20 % as the known stake.
"""

from __future__ import annotations

import html as std_html
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.values import ShareRange
from feoc.render.markdown_shares import interval_text, share_text

RUNNER = CliRunner()
ON = "2024-06-01"
WORLD = {
    "entities": [
        {"id": "sasac", "name": "SASAC", "type": "agency", "country": "CN"},
        {"id": "kr-maker", "name": "KR Maker", "type": "company", "incorporated_in": "KR", "headquartered_in": "KR"},
        {"id": "us-plant", "name": "US Plant Co", "type": "company", "incorporated_in": "US", "headquartered_in": "US"},
    ],
    "holdings": [
        {"holder": "sasac", "entity": "kr-maker", "equity": {"min": "20%", "max": "30%"}, "voting": {"max": "10%"},
         "board_seats": 0},
        {"holder": "kr-maker", "entity": "us-plant", "equity": 1.0, "voting": 1.0, "board_seats": 1.0},
    ],
}
BAND = "20.00%–30.00%"
NARROW = "sasac -&gt; kr-maker (equity between 20.00% and 30.00%)"  # the ranged holding, Markdown-escaped


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ranges") / "data"
    folder.mkdir()
    (folder / "world.yaml").write_text(yaml.safe_dump(WORLD, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def reports(data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("out")
    result = RUNNER.invoke(app, ["report", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {p.stem: p.read_text(encoding="utf-8") for p in (out / "entities").glob("*.md")}


def test_a_share_and_its_range_read_as_the_report_shows_them():
    """Story: an exact share stays `25.00%`; a band shows both bounds; equal bounds are the share itself."""
    assert share_text(0.25) == "25.00%"
    assert share_text(ShareRange(0.2, 0.3)) == BAND
    assert share_text(ShareRange(0.25, 0.25)) == "25.00%"
    assert interval_text(0.2, 0.3) == "between 20.00% and 30.00%"


def test_the_report_chain_draws_the_band_on_the_diagram_edge_and_the_chain_line(reports):
    """Story: the Mermaid edge and the chain line of the PSC band read 20.00%–30.00% equity and 0.00%–10.00%
    voting (`voting: {max: 10%}`), never 20.00% equity alone."""
    md = reports["kr-maker"]
    assert f'n2 -->|"{BAND} equity, 0.00%–10.00% voting rights, 0.00% board seats"| n0' in md
    assert f"→ KR Maker (`kr-maker`): {BAND} equity, 0.00%–10.00% voting rights" in md
    assert "20.00% equity, 0.00% voting" not in md  # the minima alone: the old, misleading form


def test_the_ownership_chains_behind_a_finding_show_the_band(reports):
    """Story: the chain behind the undetermined finding shows the band of each ranged step."""
    assert f"- `sasac → kr-maker`: {BAND} equity" in reports["kr-maker"]
    assert "- `sasac → kr-maker`: 20.00% equity" not in reports["kr-maker"]


@pytest.mark.parametrize("subject", ["kr-maker", "us-plant"])
def test_a_band_left_open_shows_its_interval_and_the_holding_to_narrow_on_every_date(reports, subject):
    """Story: the maker (directly) and the plant company (through the maker's 100 %) are *cannot be determined*;
    each timeline row says the interval of the government's equity and which holding's band to narrow, and the
    findings table says it in the rule's words."""
    md = reports[subject]
    rows = [line for line in md.splitlines() if line.startswith("| 20") and "cannot be determined" in line
            and "feoc-undetermined-share-range" in line]
    assert rows, md
    for row in rows:
        assert f"(equity between 20.00% and 30.00%; narrow: {NARROW})" in row, row
    assert "between 20.00% and 30.00% of" in md and "on both sides of the 25% threshold" in md


def test_the_serve_page_diagram_and_links_show_the_band(data):
    """Story: the serve page of the maker draws the band on the Mermaid edge and in the holder's link."""
    from feoc.serve.app import create_app

    page = TestClient(create_app(data=data)).get("/entities/kr-maker", params={"on": ON})
    assert page.status_code == 200, page.text
    text = std_html.unescape(page.text)
    diagram = text.split('<pre class="mermaid">')[1].split("</pre>")[0]
    assert f"equity {BAND}" in diagram and "voting 0.00%–10.00%" in diagram
    assert f"holder (equity {BAND}, voting 0.00%–10.00%, board seats 0.00%)" in text
    assert "equity 20.00%," not in text


def test_the_45x_status_row_shows_the_sfes_interval_and_the_holding_to_narrow(reports):
    """Story: from 2026 the maker's §45X status is *cannot be determined* (one SFE 25 %: the agency holds
    20–30 %); the status row says the interval and the band to narrow, not only the prong's name."""
    section = reports["kr-maker"].split("## §45X")[1]
    row = next(line for line in section.splitlines() if line.startswith("| 2026-01-01 | cannot be determined"))
    assert f"(equity between 20.00% and 30.00%; narrow: {NARROW})" in row, row
