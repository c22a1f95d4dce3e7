"""JUnit XML for `feoc test` (issue 18): one testsuite, one testcase per pinned verdict, a `failure` naming what
was expected and what was got, the form CI systems (GitLab, Jenkins, GitHub test reporters) read.

Written with `xml.etree.ElementTree`, never by joining strings, so `<`, `&` and quotes in a dataset's text are
escaped; every text passes the terminal policy first (render/sanitize.py), which also keeps out the control
characters XML 1.0 cannot hold. Deterministic: no timestamps, no durations, no host name — two runs on the
same inputs write the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from feoc.render.sanitize import terminal


@dataclass(frozen=True)
class Case:
    """One testcase: its name, its class (the kind of check) and, on a failure, the message and details."""

    name: str
    classname: str
    failure: str | None = None
    detail: str = ""


def junit_xml(suite: str, cases: list[Case]) -> str:
    """The JUnit XML document of `cases` in one testsuite named `suite`, as text ending in a newline."""
    failures = sum(1 for c in cases if c.failure is not None)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": "0"}
    root = ET.Element("testsuites", {"name": "feoc test", **counts})
    tree = ET.SubElement(root, "testsuite", {"name": terminal(suite), **counts})
    for case in cases:
        element = ET.SubElement(tree, "testcase", {"name": terminal(case.name), "classname": terminal(case.classname)})
        if case.failure is not None:
            failure = ET.SubElement(element, "failure", {"message": terminal(case.failure), "type": "verdict"})
            failure.text = terminal(case.detail or case.failure)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
