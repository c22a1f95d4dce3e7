"""Issue 19, the pages of `feoc serve` for people who do not use a terminal: an index with search, one page per
subject and date with the verdict first, the timeline, the findings with citations, the ownership diagram
(Mermaid from the bundled copy), links between subjects and a switch between readings; every dataset string
escaped, scripts only from the server (Content-Security-Policy), errors as pages with the fix."""

from __future__ import annotations

import html as std_html
import itertools
import json
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from feoc.cli import app as cli_app
from feoc.render.html_graph import Diagram, Edge, mermaid
from feoc.render.sanitize import UNSHOWN, html, html_pre, one_line, visible

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
STATIC = ROOT / "src" / "feoc" / "serve" / "static"
LAST_KEY_DATE = "2026-01-01"  # the seeds' last key date (verdicts.timeline.key_dates): the Markdown report's "as of"
KEY_DATES = 7
PROPERTY = settings(derandomize=True, max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
runner = CliRunner()


def make_client(data: Path) -> TestClient:
    from feoc.serve.app import create_app

    return TestClient(create_app(data=data))


@pytest.fixture(scope="module")
def client() -> TestClient:
    return make_client(SEEDS)


class Page(HTMLParser):
    """A page parsed as a browser would: its elements with their attributes, its text, its scripts."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.script_text: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.script_text if self._in_script else self.text).append(data)

    def links(self) -> list[str]:
        return [a["href"] or "" for t, a in self.tags if t == "a" and "href" in a]


def _sections(text: str) -> list[str]:
    return re.findall(r'<(?:section|nav) id="(\w+)"', text)


# --- the index ----------------------------------------------------------------------------------------------

def test_index_lists_every_entity_plant_and_vehicle_on_the_default_date(client):
    """User story: an analyst opens the server and finds every subject, each linked to its page on one date."""
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    links = set(Page(r.text).links())
    for route, ids in (("entities", ["aesc", "envision-group", "gov-cn"]), ("facilities", ["aesc-smyrna"]),
                       ("vehicles", ["nissan-leaf-2024", "nissan-canton-ev-4"])):
        for ident in ids:
            assert f"/{route}/{ident}?on={LAST_KEY_DATE}" in links
    assert "Entities (48)" in r.text and "Plants (27)" in r.text and "Vehicles (8)" in r.text


def test_index_search_filters_on_the_server_with_a_plain_form(client):
    """The search works without JavaScript: a GET form, `?q=` filtered on the server; `on` sets the links' date."""
    r = client.get("/", params={"q": "Envision AESC", "on": "2024-06-01"})
    page = Page(r.text)
    assert ("form", {"method": "get", "action": "/", "role": "search"}) in page.tags
    links = page.links()
    assert "/entities/aesc?on=2024-06-01" in links and "/entities/aesc-us?on=2024-06-01" in links
    assert not any(link.startswith("/entities/catl") for link in links)
    assert "/entities/aesc?on=2024-06-01" in client.get("/", params={"q": "aesc", "on": "2024-06-01"}).text
    none = client.get("/", params={"q": "no such company"}).text
    assert none.count("None matches the search.") == 3


def test_index_lists_at_most_rows_shown_per_kind_and_says_so(tmp_path):
    """A large dataset's index stays one page: the first ROWS_SHOWN of a kind, and the search for the rest."""
    from feoc.render.html_index import ROWS_SHOWN

    folder = tmp_path / "data"
    folder.mkdir()
    rows = "".join(f"  - {{id: co-{i}, name: Company {i}, type: company, incorporated_in: US}}\n" for i in range(ROWS_SHOWN + 5))
    (folder / "d.yaml").write_text("entities:\n" + rows, encoding="utf-8")
    text = make_client(folder).get("/").text
    assert f"Entities ({ROWS_SHOWN + 5})" in text and f"The first {ROWS_SHOWN} are listed" in text
    assert text.count('<a href="/entities/co-') == ROWS_SHOWN


def test_index_refuses_a_malformed_date_with_a_page_saying_how_to_write_it(client):
    r = client.get("/", params={"on": "01/06/2024"})
    assert r.status_code == 400 and "write it as YYYY-MM-DD" in r.text and "Traceback" not in r.text


# --- a subject's page ---------------------------------------------------------------------------------------

def test_a_page_without_a_date_redirects_to_the_last_key_date(client):
    """`on` is the date judged; without it the page is the report's: its last key date (named in the address)."""
    r = client.get("/entities/aesc", params={"interpretation": "government"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/entities/aesc?on={LAST_KEY_DATE}&interpretation=government"


def test_aesc_page_shows_the_verdict_first_then_timeline_findings_diagram_and_links(client):
    """Seed story: AESC (80 % Envision Group, headquartered in China) is contested in 2026: a FEOC only if any
    FEOC's stake counts. The page says so first, with each reading's answer and the exit code of `feoc check`."""
    r = client.get("/entities/aesc", params={"on": LAST_KEY_DATE})
    assert r.status_code == 200
    assert _sections(r.text) == ["verdict", "readings", "timeline", "findings", "ownership", "related"]
    verdict = r.text.split('<section id="verdict">')[1].split("</section>")[0]
    assert "<strong>contested</strong>" in verdict and "<strong>5</strong>" in verdict
    assert "<td><code>feoc-lookthrough</code></td><td>FEOC</td>" in verdict
    assert "<td><code>government</code></td><td>not a FEOC</td>" in verdict
    findings = r.text.split('<section id="findings">')[1].split("</section>")[0]
    assert "<code>feoc-ownership</code>" in findings and "42 U.S.C. 18741(a)(5)(C)" in findings  # the citation


def test_timeline_links_each_key_date_and_marks_the_one_shown(client):
    r = client.get("/entities/aesc", params={"on": "2024-01-01", "interpretation": "feoc-lookthrough"})
    timeline = r.text.split('<section id="timeline">')[1].split("</section>")[0]
    links = Page(timeline).links()
    assert len(links) == KEY_DATES and links[-1] == f"/entities/aesc?on={LAST_KEY_DATE}&interpretation=feoc-lookthrough"
    assert '<tr aria-current="page"><td><a href="/entities/aesc?on=2024-01-01&amp;interpretation=feoc-lookthrough">' \
           in timeline


def test_a_vehicles_timeline_rows_link_the_verdicts_they_show(client):
    """The review's case (session 32): each timeline row is judged placed in service and acquired on its date, so
    its link carries no `acquired` of the page's: a row that said "not eligible" linked to an eligible page (the
    final-assembly requirement reads the acquisition date). Each row's verdict is its link's."""
    r = client.get("/vehicles/nissan-ariya-2024", params={"on": "2022-08-20", "acquired": "2022-08-10"})
    timeline = r.text.split('<section id="timeline">')[1].split("</section>")[0]
    links = Page(timeline).links()
    assert len(links) == KEY_DATES and not any("acquired" in link for link in links)
    first = client.get(links[0]).text
    assert links[0] == "/vehicles/nissan-ariya-2024?on=2022-08-17" and "<strong>not eligible</strong>" in first


def test_the_readings_switch_judges_under_the_one_chosen(client):
    """Switching to the default reading answers its own verdict: not a FEOC (exit 0), under that reading only."""
    r = client.get("/entities/aesc", params={"on": LAST_KEY_DATE})
    switch = Page(r.text.split('<nav id="readings">')[1].split("</nav>")[0]).links()
    assert f"/entities/aesc?on={LAST_KEY_DATE}&interpretation=government" in switch and len(switch) == 4
    one = client.get(switch[0]).text
    assert "<strong>not a FEOC</strong>" in one and "Judged under the reading <code>government</code> only." in one
    assert "<strong>0</strong>" in one


@pytest.mark.parametrize(("kind", "route", "ident", "on"), [
    ("entity", "entities", "aesc", "2024-06-01"), ("entity", "entities", "envision-group", LAST_KEY_DATE),
    ("entity", "entities", "catl", "2024-06-01"), ("facility", "facilities", "aesc-smyrna", "2024-06-01"),
    ("vehicle", "vehicles", "nissan-leaf-2024", "2024-06-01"), ("vehicle", "vehicles", "nissan-leaf-2023", "2023-06-01")])
def test_the_page_gives_the_verdict_feoc_check_gives(client, kind, route, ident, on):
    """One verdict everywhere: the page's status and exit code are those of `feoc check --format json`."""
    cli = runner.invoke(cli_app, ["check", kind, ident, "--on", on, "--data", str(SEEDS), "--format", "json"])
    body = json.loads(cli.stdout)
    page = client.get(f"/{route}/{ident}", params={"on": on}).text
    assert f'class="verdict status-{body["status"]}"' in page
    assert f"<code>feoc check</code>: <strong>{cli.exit_code}</strong>" in page


def test_a_plant_page_links_its_operator_its_vehicles_and_its_45x_credit(client):
    r = client.get("/facilities/aesc-smyrna", params={"on": "2024-06-01"})
    links = Page(r.text).links()
    assert "/entities/aesc-us?on=2024-06-01" in links and "/vehicles/nissan-leaf-2024?on=2024-06-01" in links
    assert "/facilities/aesc-smyrna?on=2024-06-01&credit=45x" in links
    x = client.get("/facilities/aesc-smyrna", params={"on": LAST_KEY_DATE, "credit": "45x"})
    assert x.status_code == 200 and "§45X" in x.text and '<nav id="readings">' not in x.text  # one reading


def test_a_vehicle_page_draws_its_makers_and_battery_plants_up_to_their_top_holders(client):
    """The diagram holds the whole chain: Leaf → AESC Smyrna → AESC US → AESC → Envision Group (its top holder)."""
    r = client.get("/vehicles/nissan-leaf-2024", params={"on": "2024-06-01"})
    diagram = std_html.unescape(r.text.split('<pre class="mermaid">')[1].split("</pre>")[0])
    for ident in ("nissan-leaf-2024", "aesc-smyrna", "aesc-us", "(aesc)", "envision-group", "nissan"):
        assert ident in diagram
    links = Page(r.text).links()
    assert "/entities/nissan?on=2024-06-01" in links and "/facilities/aesc-smyrna?on=2024-06-01" in links


def test_the_page_links_its_json_twin_and_the_verdict_as_feoc_check_prints_it(client):
    r = client.get("/vehicles/nissan-leaf-2024", params={"on": "2024-06-01", "acquired": "2024-05-01"})
    assert "/v1/vehicles/nissan-leaf-2024?on=2024-06-01&amp;acquired=2024-05-01" in r.text
    assert "acquired 2024-05-01" in r.text  # `feoc check --explain`'s first line, folded under the page


# --- errors -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "status", "says"), [
    ("/entities/aesc-smyrna?on=2024-06-01", 404, 'href="/facilities/aesc-smyrna"'),  # a plant on /entities
    ("/entities/aesc-uss?on=2024-06-01", 404, 'href="/entities/aesc-us"'),  # a typo: the close ids
    ("/vehicles/nope?on=2024-06-01", 404, "unknown vehicle"),
    ("/entities/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E?on=2024-06-01", 404, "id &lt;img src=x onerror=alert(1)&gt; in"),
    ("/entities/aesc?on=2024-02-30", 400, "write it as YYYY-MM-DD"),
    ("/entities/aesc?on=2024-06-01&interpretation=nope", 400, "use one of: feoc-lookthrough, government"),
    ("/entities/aesc?on=2024-06-01&credit=45x", 400, "unknown query parameter credit"),
    ("/facilities/aesc-smyrna?on=2024-06-01&credit=45z", 400, "use credit=45x"),
    ("/entities/aesc?on=2024-06-01&interpretaton=government", 400, "this route takes on, interpretation"),
    ("/entities/aesc?on=2024-06-01&on=2024-07-01", 400, "given more than once"),
    ("/vehicles/nissan-leaf-2024?on=2024-06-01&acquired=2024-07-01", 400, "placed in service on or after"),
    ("/static/pages.py", 404, "no static file"),
    ("/static/..%2Fpages.py", 404, ""),
])
def test_errors_are_pages_that_say_the_fix_never_a_traceback(client, url, status, says):
    r = client.get(url)
    assert r.status_code == status and says in r.text and "Traceback" not in r.text


# --- safety -------------------------------------------------------------------------------------------------

def test_every_page_allows_scripts_from_the_server_only(client):
    """A Content-Security-Policy on every page: scripts from the server only (no inline script, no eval),
    nothing framed, no form sent elsewhere; the pages hold no inline script."""
    for url in ("/", f"/entities/aesc?on={LAST_KEY_DATE}", "/vehicles/nissan-leaf-2024?on=2024-06-01",
                "/entities/nope?on=2024-06-01"):
        r = client.get(url)
        csp = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
        assert csp["script-src"] == "'self'" and csp["default-src"] == "'none'" and csp["form-action"] == "'self'"
        assert csp["frame-ancestors"] == "'none'" and r.headers["x-content-type-options"] == "nosniff"
        page = Page(r.text)
        scripts = [a for t, a in page.tags if t == "script"]
        assert all(a.get("src", "").startswith("/static/") for a in scripts) and not "".join(page.script_text).strip()


def test_the_bundled_mermaid_is_served_from_the_package(client):
    """The diagrams draw offline: Mermaid is the copy in the package, with its licence."""
    r = client.get("/static/mermaid.min.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert r.content == (STATIC / "mermaid.min.js").read_bytes() and len(r.content) > 1_000_000
    assert "MIT License" in client.get("/static/mermaid.LICENSE").text
    page = client.get(f"/entities/aesc?on={LAST_KEY_DATE}").text
    assert '<script src="/static/mermaid.min.js"></script>\n<script src="/static/feoc-pages.js"></script>' in page


HOSTILE = {
    "script": "<script>alert(1)</script> Co",
    "quotes": "Q\" onmouseover=\"alert(1)' x='",
    "mermaid": "%%{init: {'securityLevel': 'loose'}}%% A\"] --> B[\"x\"] click n0 href \"javascript:alert(1)\" end",
    "pre": "</pre><img src=x onerror=alert(1)><pre>",
    "entity": "&lt;b&gt; &amp; #quot; Co",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> TestClient:
    """Hostile names on every subject of a chain: a government holds `evil`, which holds each hostile entity."""
    folder = tmp_path_factory.mktemp("hostile") / "data"
    folder.mkdir()
    lines = ["entities:", "  - {id: evil, name: Evil Holdings, type: company, incorporated_in: CN}",
             "  - {id: gov-cn, name: Government of China, type: government, country: CN}"]
    lines += [f"  - {{id: {key}, name: {json.dumps(name)}, type: company, incorporated_in: US}}" for key, name in HOSTILE.items()]
    lines += ["holdings:", "  - {holder: gov-cn, entity: evil, equity: 1.0}"]
    lines += [f"  - {{holder: evil, entity: {key}, equity: 0.6}}" for key in HOSTILE]
    (folder / "d.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return make_client(folder)


@pytest.mark.parametrize("key", sorted(HOSTILE))
def test_a_hostile_name_is_text_on_the_page_and_inert_in_the_diagram(hostile, key):
    """A name is shown as written, never markup: no script, no event handler, no extra element; in the
    diagram no directive, link or extra node (every line is a quoted node or edge, or a style line)."""
    r = hostile.get(f"/entities/{key}", params={"on": "2025-01-01"})
    assert r.status_code == 200
    page = Page(r.text)
    assert f"{one_line(HOSTILE[key])} ({key})" in "".join(page.text)
    assert not [a for t, a in page.tags for name in a if name.startswith("on")]
    assert {t for t, _ in page.tags} <= {"html", "head", "meta", "title", "link", "body", "header", "a", "main", "h1",
                                         "h2", "h3", "p", "code", "section", "strong", "table", "caption", "tr",
                                         "th", "td", "nav", "ul", "li", "span", "br", "pre", "details", "summary",
                                         "script"}
    assert [a.get("src") for t, a in page.tags if t == "script"] == ["/static/mermaid.min.js", "/static/feoc-pages.js"]
    source = std_html.unescape(r.text.split('<pre class="mermaid">')[1].split("</pre>")[0])
    _assert_inert(source)
    index = hostile.get("/", params={"q": HOSTILE[key][:12]})
    assert index.status_code == 200 and f'value="{html(HOSTILE[key][:12])}"' in index.text


_NODE = re.compile(r'^  n\d+\["[^"]*"\]$')
_EDGE = re.compile(r'^  n\d+ -->\|"[^"]*"\| n\d+$')
_STYLE = re.compile(r"^  (classDef \w+ [\w:#,.-]+|class n\d+(,n\d+)* \w+)$")


def _assert_inert(source: str) -> None:
    lines = source.split("\n")
    assert lines[0] == "flowchart BT" and "%%" not in source
    assert all(_NODE.match(x) or _EDGE.match(x) or _STYLE.match(x) for x in lines[1:]), source


FRAGMENTS = ["<script>", "</pre>", '"', "'", "&", "&amp;", "#quot;", "%%", "%%{init: {}}%%", "-->", "|", "]", "[", "\n",
             "\r", "\x1b[2J", "\u202e", "\u2028", "\ufffe", "end", "click", "`", "<", ">"]
ANY_TEXT = st.lists(st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(FRAGMENTS)), max_size=30).map("".join)
_UNSHOWN_RE = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in UNSHOWN) + "]")


@PROPERTY
@given(ANY_TEXT)
def test_html_text_opens_no_tag_closes_no_attribute_and_reads_back_as_shown(text):
    out = html(text)
    assert not re.search(r"[<>\"'\n]", out) and not _UNSHOWN_RE.search(out)
    assert std_html.unescape(out) == one_line(text)


@PROPERTY
@given(ANY_TEXT)
def test_preformatted_html_keeps_its_lines_and_escapes_the_rest(text):
    out = html_pre(text)
    assert not re.search(r"[<>\"']", out) and not _UNSHOWN_RE.search(out.replace("\n", ""))
    assert std_html.unescape(out) == "\n".join(visible(line) for line in text.split("\n"))


@PROPERTY
@given(st.lists(st.tuples(ANY_TEXT, ANY_TEXT), min_size=1, max_size=5), ANY_TEXT)
def test_a_diagram_of_hostile_names_and_ids_is_only_quoted_nodes_and_edges(names, label):
    """Whatever the names (and ids, and share labels), the Mermaid source is nodes, edges and styles only."""
    nodes = {f"id{i}{ident}": name for i, (ident, name) in enumerate(names)}
    ids = list(nodes)
    edges = [Edge(a, b, label) for a, b in itertools.pairwise(ids)]
    source = "\n".join(mermaid(Diagram(nodes, edges, False), ids[0], {ids[-1]}, {ids[0]}))
    _assert_inert(source)
    assert std_html.unescape(html_pre(source)) == source  # the block Mermaid reads back is the source


def test_the_wheel_ships_the_bundled_mermaid_and_the_page_files(tmp_path):
    """`feoc serve` from a wheel draws its diagrams offline: the static files are in it."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "-w", str(tmp_path), "--no-deps",
                    "--no-build-isolation", "-q"], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("feoc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("mermaid.min.js", "mermaid.LICENSE", "feoc-pages.js", "feoc.css"):
        assert f"feoc/serve/static/{name}" in names


def test_a_page_shows_the_data_as_changed_on_the_next_request(tmp_path):
    """User story: an analyst corrects a holding in the dataset; the next page load shows the new verdict (the
    server's reload, `serve.state`), and the timeline and diagram with it."""
    folder = tmp_path / "data"
    folder.mkdir()
    data = folder / "d.yaml"
    held = ("entities:\n  - {id: gov-cn, name: Government of China, type: government, country: CN}\n"
            "  - {id: acme, name: Acme, type: company, incorporated_in: US}\n"
            "holdings:\n  - {holder: gov-cn, entity: acme, equity: SHARE, voting: SHARE, board_seats: SHARE}\n")
    data.write_text(held.replace("SHARE", "0.6"), encoding="utf-8")
    client = make_client(folder)
    before = client.get("/entities/acme", params={"on": "2025-01-01"}).text
    assert "<strong>FEOC</strong>" in before and "equity 60.00%" in before
    data.write_text(held.replace("SHARE", "0.1"), encoding="utf-8")
    after = client.get("/entities/acme", params={"on": "2025-01-01"}).text
    assert "<strong>not a FEOC</strong>" in after and "equity 10.00%" in after and "equity 60.00%" not in after
