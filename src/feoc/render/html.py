"""HTML pages of `feoc serve` for people: one subject on one date (the verdict first, the timeline, the
findings with their citations, the ownership diagram, links between subjects, a switch between readings) and
the page frame the index (`render.html_index`) shares.

A renderer judges nothing: `feoc.serve.pages` builds the verdicts (the same `feoc check` gives) and hands them
over as a `SubjectPage`. Every dataset string is written through `sanitize.html` (or `html_pre`), every
Mermaid label through `sanitize.mermaid_label`; the pages hold no inline script (the Content-Security-Policy
of `feoc.serve.pages` allows only the server's own scripts)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, urlencode

from feoc.render.html_graph import mermaid, ownership, related
from feoc.render.sanitize import html, html_pre
from feoc.render.status_words import credit_range, disagree, reading_answers, words

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.determine.findings import Finding
    from feoc.verdicts.status import Verdict

ROUTES = {"entity": "entities", "facility": "facilities", "vehicle": "vehicles"}  # a page's kind → its path
# what the exit code of `feoc check` means (README "Statuses and exit codes of `feoc check`")
EXIT_MEANINGS = {0: "a clear no: not a FEOC, a credit kept in whole or in part, or no test in force",
                 1: "a clear yes: a FEOC, or no credit", 4: "cannot be determined: a fact the decision needs is missing",
                 5: "contested: the readings of the law disagree"}


class SubjectPage(NamedTuple):
    """One subject's page on one date: the verdict `feoc check` gives for the same query, the verdicts of the
    same query on each of the report's key dates (the timeline), the readings to switch between and what the
    diagram marks (covered-nation government bodies: `feoc.determine.facts.government_bodies`)."""

    kind: str  # entity | facility | vehicle: the page's route
    verdict: Verdict
    dataset: Dataset
    timeline: list[tuple[dt.date, Verdict]]
    readings: tuple[str, ...]  # every reading's name, the default first
    chosen: str | None  # the reading asked for; None: every reading judged
    governments: frozenset[str] = frozenset()
    query: tuple[tuple[str, str], ...] = ()  # the other parameters a link keeps (`credit`, `acquired`)
    text: str = ""  # the verdict as `feoc check --explain` prints it (render.text)


def href(route: str, ident: str, **params: str | None) -> str:
    """`/entities/aesc?on=2026-01-01`: the id quoted as one path segment, the parameters given (not None)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"/{route}/{quote(ident, safe='')}" + (f"?{query}" if query else "")


def frame(title: str, body: list[str], *, diagram: bool = False) -> str:
    """A whole page: the shared style sheet, the body, and the bundled Mermaid with its starter where the page
    holds a diagram (scripts from the server only, no inline script)."""
    scripts = ['<script src="/static/mermaid.min.js"></script>', '<script src="/static/feoc-pages.js"></script>'] \
        if diagram else []
    return "\n".join(["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                      '<meta name="viewport" content="width=device-width, initial-scale=1">',
                      f"<title>{html(title)} — feoc</title>", '<link rel="stylesheet" href="/static/feoc.css">',
                      "</head>", "<body>", '<header><a href="/">feoc: foreign entities of concern</a></header>',
                      "<main>", *body, "</main>", *scripts, "</body>", "</html>", ""])


def status_text(v: Any) -> str:
    """The verdict in a few words, as the Markdown report says it (`eligible, 7,500 USD`, `contested,
    $0–$3,750`, `not a FEOC`, `cannot be determined`)."""
    if v.kind == "vehicle":
        if v.contested:
            return f"contested, {credit_range(v)}"
        return f"eligible, {v.credit_usd:,.0f} USD" if v.eligible else words(v.status)
    return ("§45X: " if v.kind == "facility45x" else "") + words(v.status)


def _verdict(p: SubjectPage) -> list[str]:
    """The verdict first: the status in words, the exit code and its meaning, each reading's answer when they
    disagree, the missing facts and what would decide each, the notes."""
    v: Any = p.verdict  # every kind of verdict: its reason, readings, missing facts and notes where it has them
    code = v.exit_code()
    out = ['<section id="verdict">', f'<p class="verdict status-{html(v.status)}">Verdict as of {v.on.isoformat()}: '
           f"<strong>{html(status_text(v))}</strong></p>"]
    if getattr(v, "reason", ""):  # a contested credit's reason is the shown reading's
        under = f"Under <code>{html(v.interpretation)}</code>: " if v.status == "contested" else ""
        out.append(f"<p>{under}{html(v.reason)}</p>")
    out.append(f"<p>Exit code of <code>feoc check</code>: <strong>{code}</strong> — {html(EXIT_MEANINGS.get(code, ''))}</p>")
    readings = getattr(v, "readings", {})
    if p.chosen:
        out.append(f"<p>Judged under the reading <code>{html(p.chosen)}</code> only.</p>")
    elif len(readings) > 1:
        out.append(f"<p>Judged under every reading; the details below are those of <code>{html(v.interpretation)}"
                   "</code>.</p>")
    if readings and disagree(v):
        out += ["<table><caption>Each reading's answer</caption><tr><th>reading</th><th>answer</th></tr>"]
        out += [f"<tr><td><code>{html(n)}</code></td><td>{html(a)}</td></tr>" for n, a in reading_answers(v)]
        out.append("</table>")
    if v.missing:
        out += ["<h3>Missing facts</h3>", "<ul>"]
        out += [f"<li><code>{html(m.subject)}</code>: {html(m.fact)} — to decide: {html(m.decide)}</li>"
                for m in v.missing]
        out.append("</ul>")
    out += [f'<p class="note">Note: {html(n)}</p>' for n in v.notes]
    return out + ["</section>"]


def _switch(p: SubjectPage) -> list[str]:
    """Links to the same page under each reading, and under all of them (the default); the current one marked."""
    if not p.readings:  # §45X: one reading (its tracing is the parameter pfe_tracing)
        return []
    on = p.verdict.on.isoformat()
    choices = [(None, "every reading (contested where they disagree)")] + [(r, r) for r in p.readings]
    items = []
    for name, label in choices:
        if name == p.chosen:
            items.append(f'<li aria-current="page"><strong>{html(label)}</strong></li>')
        else:
            link = href(ROUTES[p.kind], p.verdict.subject, on=on, interpretation=name, **dict(p.query))
            items.append(f'<li><a href="{html(link)}">{html(label)}</a></li>')
    return ['<nav id="readings"><h2>Readings of the law</h2><ul>', *items, "</ul></nav>"]


def _credit(p: SubjectPage) -> list[str]:
    """A plant's page links to its other credit: its §30D FEOC status and its §45X credit."""
    if p.kind != "facility":
        return []
    other = None if dict(p.query).get("credit") == "45x" else "45x"
    link = href(ROUTES[p.kind], p.verdict.subject, on=p.verdict.on.isoformat(), credit=other)
    words_ = "its §45X advanced manufacturing credit" if other else "whether its activities are performed by a FEOC (§30D)"
    return [f'<p>See also: <a href="{html(link)}">{words_}</a>.</p>']


def _timeline(p: SubjectPage) -> list[str]:
    """The verdict of the same query on each of the report's key dates, each date a link to its page. A vehicle's
    row is judged placed in service and acquired on that day, so its link carries no `acquired` (the row's own
    verdict, not another one: the final-assembly requirement and the credit's end read the acquisition date)."""
    out = ['<section id="timeline"><h2>Timeline</h2><table><tr><th>as of</th><th>verdict</th></tr>']
    query = {k: v for k, v in p.query if k != "acquired"}
    for day, v in p.timeline:
        link = href(ROUTES[p.kind], p.verdict.subject, on=day.isoformat(), interpretation=p.chosen, **query)
        mark = ' aria-current="page"' if day == p.verdict.on else ""
        out.append(f'<tr{mark}><td><a href="{html(link)}">{day.isoformat()}</a></td><td>{html(status_text(v))}</td></tr>')
    return out + ["</table></section>"]


def _findings_rows(findings: list[Finding], upstream: bool) -> list[str]:
    head = "<th>subject</th>" if upstream else ""
    out = [f"<table><tr>{head}<th>rule</th><th>reason</th><th>citation</th><th>reading</th><th>as of</th></tr>"]
    for f in findings:
        who = f"<td><code>{html(f.subject)}</code></td>" if upstream else ""
        unconfirmed = f' <span class="unconfirmed">UNCONFIRMED: {html(f.unconfirmed)}</span>' if f.unconfirmed else ""
        paths = "".join(f"<br>path: <code>{html(t)}</code>" for t in f.paths[:8])
        out.append(f"<tr>{who}<td><code>{html(f.rule_id)}</code></td><td>{html(f.explanation)}{paths}{unconfirmed}</td>"
                   f"<td>{html(f.citation)}</td><td><code>{html(f.interpretation)}</code></td><td>{f.on.isoformat()}</td></tr>")
    return out + ["</table>"]


def _findings(v: Any) -> list[str]:
    """The findings that decided the verdict (a §45X plant's: its operator's and its own), then why the holders,
    operators and licensors they name are what they are; else what was checked, prong by prong."""
    own = list(getattr(v, "operator_findings", [])) + list(getattr(v, "findings", []))
    out = ['<section id="findings"><h2>Findings</h2>']
    out += _findings_rows(own, False) if own else ["<p>No rule fired.</p>"]
    checked = getattr(v, "checked", [])
    # as `feoc check` and the Markdown report: what was checked shows when no rule fired under the reading shown
    if v.kind == "facility45x":
        checked = [] if v.operator_findings else checked
    elif any(f.interpretation == v.interpretation for f in getattr(v, "findings", [])):
        checked = []
    if checked:
        under = f" under the reading <code>{html(v.interpretation)}</code>" if getattr(v, "readings", None) else ""
        out += [f"<h3>Checked, prong by prong{under}</h3>",
                "<table><tr><th>prong</th><th>rule</th><th>outcome</th><th>what was looked at</th><th>citation</th></tr>"]
        for c in checked:
            paths = "".join(f"<br>path: <code>{html(t)}</code>" for t in c.paths)
            out.append(f"<tr><td>{html(c.prong)}</td><td><code>{html(c.rule)}</code></td><td>{html(c.outcome)}</td>"
                       f"<td>{html(c.detail)}{paths}</td><td>{html(c.citation)}</td></tr>")
        out.append("</table>")
    if getattr(v, "upstream", []):
        out += ["<h3>Why the holders, operators and licensors named are what they are</h3>"]
        out += _findings_rows(v.upstream, True)
    return out + ["</section>"]


def _marked(v: Any) -> set[str]:
    """The subjects the verdict finds to be FEOCs under the reading its details are shown in (marked in the
    diagram as the Markdown report marks them); the subject itself when every reading finds it one."""
    found = list(getattr(v, "upstream", [])) + list(getattr(v, "findings", []))
    shown = getattr(v, "interpretation", None)
    marked = {f.subject for f in found if f.conclusion == "feoc" and f.interpretation == shown}
    return marked | ({v.subject} if v.status == "feoc" else set())


def _diagram(p: SubjectPage) -> list[str]:
    """The ownership diagram (Mermaid, rendered in the browser from the bundled copy) and the same edges as a
    list, for readers without JavaScript."""
    d = ownership(p.kind, p.verdict.subject, p.dataset, p.verdict.on)
    out = ['<section id="ownership"><h2>Ownership</h2>']
    if not d.edges:
        return out + ["<p>No holding of this subject is recorded on this date.</p>", "</section>"]
    source = "\n".join(mermaid(d, p.verdict.subject, _marked(p.verdict), set(p.governments)))
    out += [f'<pre class="mermaid">{html_pre(source)}</pre>', "<details><summary>As text</summary><ul>"]
    out += [f"<li><code>{html(e.source)}</code> → <code>{html(e.target)}</code>: {html(e.label)}</li>" for e in d.edges]
    out.append("</ul></details>")
    if d.cut:
        out.append(f"<p>Only the first {len(d.nodes)} subjects above this one are drawn.</p>")
    return out + ["</section>"]


def _related(p: SubjectPage) -> list[str]:
    on = p.verdict.on.isoformat()
    links = related(p.kind, p.verdict.subject, p.dataset, p.verdict.on)
    if not links:
        return []
    out = ['<section id="related"><h2>Related</h2><ul>']
    for k in links:
        link = href(k.route, k.ident, on=on, interpretation=p.chosen)
        out.append(f'<li><a href="{html(link)}">{html(k.name)}</a> (<code>{html(k.ident)}</code>): {html(k.relation)}</li>')
    return out + ["</ul></section>"]


def subject(p: SubjectPage) -> str:
    """The page of one subject on one date."""
    v = p.verdict
    api = href("v1/" + ROUTES[p.kind], v.subject, on=v.on.isoformat(), interpretation=p.chosen, **dict(p.query))
    body = [f"<h1>{html(v.name)} (<code>{html(v.subject)}</code>)</h1>",
            f"<p>{html(p.kind)} · as of {v.on.isoformat()} · <a href=\"{html(api)}\">the same verdict as JSON</a></p>",
            *_verdict(p), *_credit(p), *_switch(p), *_timeline(p), *_findings(v), *_diagram(p), *_related(p)]
    if p.text:
        body += ["<details><summary>As <code>feoc check --explain</code> prints it</summary>",
                 f'<pre class="check">{html_pre(p.text)}</pre></details>']
    has_diagram = any(line.startswith('<pre class="mermaid">') for line in body)
    return frame(f"{v.name} as of {v.on.isoformat()}", body, diagram=has_diagram)


def problem(status: int, title: str, detail: str) -> str:
    """An error page: what went wrong and how to fix it, the dataset's words escaped."""
    return frame(title, [f"<h1>{status}: {html(title)}</h1>", f"<p>{html(detail)}</p>",
                         '<p><a href="/">Back to the index</a></p>'])
