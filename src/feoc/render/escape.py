"""Escaping of dataset strings for Markdown, tables, Mermaid labels and YAML front matter, so that data can
neither break a report's structure nor inject HTML or links into it."""

from __future__ import annotations

import json
import re

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # < > & are HTML-escaped in md()


def md(text: object) -> str:
    """Inline Markdown text: one line, HTML-escaped, Markdown metacharacters backslash-escaped."""
    s = " ".join(str(text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def code(text: object) -> str:
    """Inline code span for ids and paths (backticks and newlines removed)."""
    s = " ".join(str(text).split()).replace("`", "'")
    return f"`{s}`"


def mermaid_label(text: object) -> str:
    """A Mermaid node or edge label, quoted; quotes and angle brackets become entity codes."""
    s = " ".join(str(text).split())
    for a, b in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;"), ("`", "#96;")):
        s = s.replace(a, b)
    return f'"{s}"'


def yaml_str(text: object) -> str:
    """A YAML scalar for front matter: JSON string syntax is valid YAML and escapes everything."""
    return json.dumps(" ".join(str(text).split()), ensure_ascii=False)
