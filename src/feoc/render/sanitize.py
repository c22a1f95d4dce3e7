"""The one sanitising policy of feoc: how a dataset string is written into each sink (the terminal, Markdown
text, Markdown code spans, Mermaid labels, CSV cells, YAML front matter, JSON, HTML), so that data can neither
rewrite a screen, forge a line, inject a link, HTML or a directive, nor become a spreadsheet formula.

Every string a dataset supplies (names, notes, quotes, importer input) is hostile until written here.
The characters that are never written raw, in any sink, are `UNSHOWN`: C0 controls and DEL (ANSI and OSC 52
escapes, `\\r` overprinting, NUL bytes that make git see a Markdown file as binary), C1 controls (CSI 0x9b,
and invalid YAML), U+2028/U+2029 (line breaks to YAML and JavaScript), the bidi embeddings, overrides and
isolates U+202A–U+202E and U+2066–U+2069 (Trojan Source, CVE-2021-42574: text that reads other than it is),
lone surrogates (unwritable as UTF-8) and the Unicode noncharacters (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF:
invalid in YAML). Each is shown as its escape text (`\\x1b`, `\\u202e`, `\\U0010fffe`): visible, never the
raw character. A backslash is left as it is, so ordinary text is unchanged byte for byte (the committed
reports are). JSON is the exception: it keeps the exact data and writes those characters as `\\uXXXX`.

The loader refuses the same characters in names (`feoc.data.model.Name`, tested to agree with `UNSHOWN`);
the policies here hold for data that reaches a sink by any other road (importers, rule templates filled
with facts, problem messages quoting the offending value).
"""

from __future__ import annotations

import html as _html
import json
import re
from collections.abc import Callable
from typing import Any

from feoc.data.columns import Texts

# [lo, hi] code points never written raw (see the module docstring)
UNSHOWN: tuple[tuple[int, int], ...] = (
    (0x00, 0x1F), (0x7F, 0x9F), (0x2028, 0x2029), (0x202A, 0x202E), (0x2066, 0x2069), (0xD800, 0xDFFF),
    (0xFDD0, 0xFDEF), *((plane + 0xFFFE, plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)))




def _bmp_class(ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    """A character class of the BMP ranges: `re` makes it one bitmap test per character (a class with astral
    ranges is tested range by range, 25 times slower on a million-row column)."""
    return re.compile("[" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in ranges if hi < 0x10000) + "]")


# the astral members of UNSHOWN are the noncharacters U+xFFFE and U+xFFFF: astral characters are found by one
# range (fast), then each tested by its low bits
_UNSHOWN_BMP = _bmp_class(UNSHOWN)
_JSON_RAW = _bmp_class(UNSHOWN[1:])  # json.dumps escapes C0 itself; the layout's newlines stay
_CSV_HIDDEN = _bmp_class(((0x00, 0x09), (0x0B, 0x1F), *UNSHOWN[1:]))  # all but `\n`, the join's separator
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
MERMAID_LABEL_LIMIT = 200  # characters of a name in a diagram label: Mermaid drops a diagram over its text limit
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # < > & are HTML-escaped in md()
_MD_CHANGED = re.compile(r"[\\`*_\[\]|~&<>]")  # what `md` escapes: `_MD_SPECIAL`, and `&`, `<`, `>`
# GitHub-flavoured Markdown's extended autolinks (http(s)://, ftp://, www., e-mail addresses): the `:`, the
# dot after `www` and the `@` become HTML entities, so the text shows as written but is not a link
_AUTOLINK = re.compile(r"(?i):(?=//)|(?<=www)\.|(?<=mailto):|(?<=xmpp):|@")
_AUTOLINK_ENTITY = {":": "&#58;", ".": "&#46;", "@": "&#64;"}
_MERMAID = str.maketrans({"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "|": "#124;", "`": "#96;",
                          "#": "#35;"})
_MERMAID_COMMENT = re.compile("%%+")  # `%%` opens a Mermaid comment or `%%{…}%%` directive; a lone `%` is text
_CSV_FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")  # OWASP; and their full-width forms
_CSV_FORMULA_AFTER_LF = re.compile("\n[=+\\-@\uff1d\uff0b\uff0d\uff20]")  # tab and `\r` are hidden characters


def _escape_text(ch: str) -> str:
    n = ord(ch)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def _astral_noncharacter(text: str) -> bool:
    return any(ord(m.group()) & 0xFFFE == 0xFFFE for m in _ASTRAL.finditer(text)) if _ASTRAL.search(text) else False


def _replaced(text: str, bmp: re.Pattern[str], escape: Callable[[str], str]) -> str:
    """`text` with the characters of `bmp` and the astral noncharacters replaced by `escape` of each."""
    if bmp.search(text):
        text = bmp.sub(lambda m: escape(m.group()), text)
    if _astral_noncharacter(text):
        text = _ASTRAL.sub(lambda m: escape(m.group()) if ord(m.group()) & 0xFFFE == 0xFFFE else m.group(), text)
    return text


def visible(text: object) -> str:
    """`text` with every UNSHOWN character written as its escape text (`\\x1b`): no control, bidi override
    or noncharacter remains, and so no line break either."""
    return _replaced(str(text), _UNSHOWN_BMP, _escape_text)


def one_line(text: object) -> str:
    """Whitespace runs (newlines included) folded to one space, then `visible`: the text of a name in a
    one-line sink (Markdown, Mermaid, front matter)."""
    return visible(" ".join(str(text).split()))


def terminal(line: object) -> str:
    """A line for the terminal: nothing in it can move the cursor, clear the screen, set the clipboard
    (OSC 52), overprint (`\\r`), reorder the text (U+202E) or start a forged line."""
    return visible(line)


def md(text: object, *, links: bool = False) -> str:
    """Inline Markdown text: one line, HTML-escaped (no raw HTML), Markdown metacharacters backslash-escaped,
    bare URLs and e-mail addresses not made links (GFM autolinks) unless `links` (a source's `doc`, the
    citation itself)."""
    s = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    if links:
        return s
    return _AUTOLINK.sub(lambda m: _AUTOLINK_ENTITY[m.group()], s)


def md_column(values: list[Any]) -> list[Any]:
    """`md` of each value. A column of strings is scanned whole first: where none holds a character `md` would
    change (a Markdown or HTML metacharacter, an autolink, a space run or an edge space, an unprintable
    character: every UNSHOWN one is) the values are returned as they are, not escaped one by one (issue 17: a
    million names)."""
    if values and set(map(type, values)) <= {str}:
        joined = "\n".join(values)
        if (joined.count("\n") == len(values) - 1 and "".join(values).isprintable()
                and not ("  " in joined or " \n" in joined or "\n " in joined or joined[:1] == " " or joined[-1:] == " ")
                and not _MD_CHANGED.search(joined) and not _AUTOLINK.search(joined)):
            return values
    return [md(v) for v in values]


def code(text: object) -> str:
    """Inline code span for ids and paths: one line, backticks replaced (a code span shows backslashes); an
    empty text is a space (two backticks alone would open a code span that never closes)."""
    return f"`{one_line(text).replace('`', chr(39)) or ' '}`"


def clip(text: object, limit: int = MERMAID_LABEL_LIMIT) -> str:
    """At most `limit` characters of one-line text, the last an ellipsis when cut."""
    s = one_line(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def mermaid_label(text: object, limit: int = 2 * MERMAID_LABEL_LIMIT) -> str:
    """A Mermaid node or edge label, quoted and bounded; quotes, angle brackets, `#` and `%%` become entity
    codes, so no `%%{init: …}%%` directive, comment or markup in a name takes effect."""
    label = clip(text, limit).translate(_MERMAID)
    return f'"{_MERMAID_COMMENT.sub(lambda m: "#37;" * len(m.group()), label)}"'


def html(text: object) -> str:
    """HTML text or a quoted attribute value (`feoc serve`'s pages): one line, visible, and every `&`, `<`, `>`,
    `"` and `'` an entity, so no name opens a tag, closes an attribute or starts a script; inside a
    `<pre class="mermaid">` block Mermaid decodes the entities back to the source `mermaid_label` made safe."""
    return _html.escape(one_line(text), quote=True)


def html_pre(text: object) -> str:
    """Preformatted HTML (a `<pre>` block: the text of `feoc check`, a Mermaid diagram's source): each line
    `visible` with its indentation kept, entities as in `html`, the lines joined by `\\n`."""
    return "\n".join(_html.escape(visible(line), quote=True) for line in str(text).split("\n"))


def yaml_str(text: object) -> str:
    """A YAML scalar for front matter: one line, visible, in JSON string syntax (valid YAML, escapes quotes
    and backslashes); `yaml.safe_load` gives back `one_line(text)`."""
    return json.dumps(one_line(text), ensure_ascii=False)


def csv_cell(text: str) -> str:
    """A CSV cell that no spreadsheet reads as a formula (OWASP CSV injection: a cell starting `=`, `+`,
    `-`, `@`, tab or `\\r` gets a leading `'`, and is otherwise kept) and that is one line (`visible`)."""
    s = visible(text)
    return "'" + s if s[:1] in _CSV_FORMULA_START else s


def csv_column(values: list[Any], joined: str | None = None) -> list[Any]:
    """`csv_cell` on every string of a column; one scan of the column decides whether any cell needs it
    (a million-row screen pays a join and a few scans per text column, not a call per cell), and `values` itself
    is returned when none does. `joined`, when the caller has it, is `"\\n".join(values)` of a column of strings
    only (the CSV writer joins each column once); a `Texts` column (loaded names) is scanned in its bytes first."""
    if joined is None and isinstance(values, Texts):
        if csv_plain_ascii(values.data, 0, values.firsts()):
            return values
        joined = values.joined("\n")
    if joined is None:
        kinds = set(map(type, values))
        if str not in kinds:
            return values
        strings = values if kinds == {str} else [v for v in values if type(v) is str]
        joined, count = "\n".join(strings), len(strings)
    else:
        count = len(values)
    if _csv_plain(joined, count):
        return values
    return [csv_cell(v) if type(v) is str else v for v in values]


# the ASCII members of `_CSV_HIDDEN`, as bytes: an ASCII column is scanned for them by `bytes.translate`, which
# is twice as fast as the regular expression
_CSV_HIDDEN_ASCII = bytes(c for c in range(128) if _CSV_HIDDEN.match(chr(c)))


_CSV_FORMULA_ASCII = bytes(c for c in range(128) if chr(c) in _CSV_FORMULA_START)
_CSV_FORMULA_AFTER_LF_ASCII = re.compile(b"\n[" + re.escape(_CSV_FORMULA_ASCII) + b"]")


def _csv_plain(joined: str, count: int) -> bool:
    """Whether `count` strings joined by `\\n` are all left as they are by `csv_cell`: no hidden character, no
    line break inside one, none starting a formula."""
    if joined.isascii():  # no astral character, and the hidden ones are bytes
        return bool(csv_plain_ascii(joined.encode("ascii"), count - 1))
    if joined.count("\n") != count - 1 or _CSV_FORMULA_AFTER_LF.match("\n" + joined[:1]) \
            or _CSV_FORMULA_AFTER_LF.search(joined):
        return False
    return not (_CSV_HIDDEN.search(joined) or _astral_noncharacter(joined))


def csv_plain_ascii(data: bytes, lines: int, firsts: bytes | None = None) -> bool | None:
    """`_csv_plain` of texts given as their bytes, None when they are not all ASCII: `data` the texts joined by
    `\\n` (`lines` of them: a text starts at the start and after each), or, given `firsts` (each non-empty text's
    first byte), the texts one after another (`lines` 0). Issue 17, time: bytes scans (`translate`, `count`, `in`)
    take ~0.01 s for 10^6 names, a join and the regular expressions 0.11 s."""
    if not data.isascii():
        return None
    if data.count(b"\n") != lines or len(data.translate(None, _CSV_HIDDEN_ASCII)) != len(data):
        return False
    if firsts is None:
        if _CSV_FORMULA_AFTER_LF_ASCII.search(data):
            return False
        firsts = data[:1]
    return len(firsts.translate(None, _CSV_FORMULA_ASCII)) == len(firsts)


def _json_escape(ch: str) -> str:
    n = ord(ch)
    if n < 0x10000:
        return f"\\u{n:04x}"
    n -= 0x10000
    return f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}"


def json_text(text: str) -> str:
    """JSON text (from json.dumps) with every UNSHOWN character written as a `\\u` escape: the parsed data is
    exact, the file holds no raw control, bidi or noncharacter (they can occur only inside strings)."""
    return _replaced(text, _JSON_RAW, _json_escape)
