"""Safe YAML parsing with limits, and mapping a place in a document back to its line.

Parsing uses yaml-rs (YAML 1.2 core schema: `NO`, `yes`, `off` stay strings; duplicate keys are an error;
aliases are expanded only within tight limits, so an alias bomb is refused at once). yaml-rs ignores
tags, so a file that carries one (`!!python/object/apply:os.system`, `!foo`, even `!!str`) is refused
here rather than read as if the tag were not there: datasets hold plain values (quote a value to make it
text).

Line numbers are looked up only when a problem must be reported, by composing the same text with
PyYAML's safe composer, which builds nodes without constructing Python objects or expanding aliases.
On the happy path PyYAML is never imported.

Where yaml-rs and PyYAML (YAML 1.1) read the same text differently, yaml-rs is what the product uses;
tests/test_load_parity.py lists the differences.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml_rs

from feoc.data.problems import InputError, Problem

MAX_FILE_BYTES = 64 * 1024 * 1024  # a dataset file larger than this is refused (documented in README)

_ALIAS_LIMITS = yaml_rs.AliasLimits(
    max_total_replayed_events=10_000, max_replay_stack_depth=8, max_alias_expansions_per_anchor=100
)
_LINE_RE = re.compile(r"at line (\d+)")
_TAG_HINT = re.compile(r"(?:^|[:\-?,\[{]|&\S+)[ \t]*!", re.MULTILINE)  # pre-filter: a `!` where a node (and a tag) can start
_DOC_MARKER = re.compile(r"^---(?:[ \t]|$)", re.MULTILINE)
_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)


def _pyyaml() -> tuple[Any, type]:
    """PyYAML and its safe composer, imported on first use: only a reported problem or a tag needs them,
    and the import costs more than parsing a small dataset with yaml-rs."""
    import yaml

    try:  # the C composer is much faster; fall back to the pure-Python one where libyaml is missing
        return yaml, yaml.CSafeLoader
    except AttributeError:  # pragma: no cover - depends on how PyYAML was built
        return yaml, yaml.SafeLoader


def _line_at(data: bytes | str, offset: int) -> int:
    if isinstance(data, bytes):
        return data.count(b"\n", 0, offset) + 1
    return data.count("\n", 0, offset) + 1


def read_text(path: Path) -> str:
    """Read a file as UTF-8 text, refusing binary data, wrong encodings and oversized files."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError([Problem(name, 0, f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit",
                                      "split it into several files in the same folder")])
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(name, 0, f"cannot read the file ({exc.strerror or exc})",
                                  "check the path and its permissions")]) from None
    if len(data) > MAX_FILE_BYTES:  # grew since stat, or a special file
        raise InputError([Problem(name, 0, f"file is over the {MAX_FILE_BYTES} byte limit",
                                  "split it into several files in the same folder")])
    return decode_text(data, name)


def decode_text(data: bytes, name: str) -> str:
    """The bytes of YAML file `name` as text: UTF-8, no UTF-16/32, no NUL; a byte order mark dropped."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00"):
        raise InputError([Problem(name, 1, "the file is UTF-16 or UTF-32 text, not UTF-8", "save the file as UTF-8")])
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError([Problem(name, _line_at(data, nul), "file holds binary data (a NUL byte), not YAML text",
                                  "give a UTF-8 YAML file; check that this is the file you meant")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, _line_at(data, exc.start), f"not valid UTF-8 (byte {data[exc.start]:#04x})",
                                  "save the file as UTF-8")]) from None
    return text[1:] if text.startswith("\ufeff") else text  # a UTF-8 byte order mark is not part of the YAML


def parse_yaml(text: str, filename: str, *, dates: bool = True) -> Any:
    """Parse one YAML document safely; raise InputError naming file and line on any problem.

    `dates=True` lets yaml-rs turn ISO dates into `datetime.date` (it does so for quoted dates too);
    `dates=False` keeps every scalar date as the string written, for a schema that parses dates itself.
    """
    if text.startswith("\ufeff"):  # a byte order mark is not part of the YAML
        text = text[1:]
    try:
        data = yaml_rs.loads(text, parse_datetime=dates, alias_limits=_ALIAS_LIMITS)
    except (ValueError, OverflowError, RecursionError) as exc:  # YAMLDecodeError is a ValueError
        raise InputError([_syntax_problem(exc, text, filename)]) from None
    except TypeError as exc:  # yaml-rs: a list or mapping used as a mapping key ("unhashable type")
        raise InputError([Problem(filename, _line_of_complex_key(text), f"a mapping key is not a plain value ({exc})",
                                  "write keys as plain words; remove the `? ` complex key")]) from None
    if may_hold_tags(text):  # `in` is a fast scan; the regex runs only when needed
        _refuse_tags(text, filename)
    second = _several_documents(text) if isinstance(data, list) else 0
    if second:
        raise InputError([Problem(filename, second, "the file holds several YAML documents (separated by `---`)",
                                  "keep one document per file: remove the `---` line or split the file")])
    return data


def may_hold_tags(text: str) -> bool:
    """Whether `parse_yaml` would look at `text` for tags (`_refuse_tags`, which may refuse it); the YAML scan
    (`load.yaml_scan`) leaves such a file to the parser."""
    return "!" in text and _TAG_HINT.search(text) is not None


def _several_documents(text: str) -> int:
    """The line of a `---` marker that starts a second document (0 if there is none)."""
    for found in _DOC_MARKER.finditer(text):
        before = text[: found.start()]
        if any(line.strip() and not line.lstrip().startswith(("#", "%")) for line in before.splitlines()):
            return _line_at(text, found.start())
    return 0


def _refuse_tags(text: str, filename: str) -> None:
    """Refuse any tag: yaml-rs would drop it silently and read the value under it as if it were not there."""
    yaml, loader = _pyyaml()
    try:
        for event in yaml.parse(text, Loader=loader):
            tag = getattr(event, "tag", None)
            if tag is not None:  # PyYAML sets `tag` only where the text writes one
                shown = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
                raise InputError([Problem(filename, event.start_mark.line + 1, f"YAML tag `{shown}` is not allowed",
                                          "remove the tag: datasets hold plain YAML values only")])
    except (yaml.YAMLError, RecursionError):  # PyYAML cannot read what yaml-rs read: fall back to the text
        for number, content in enumerate(text.splitlines(), 1):
            found = re.search(r"(?:^|[:\-?,\[{]|&\S+)[ \t]*(![^\s,\]}]*)", content)
            if found:
                raise InputError([Problem(filename, number, f"YAML tag `{found.group(1)}` is not allowed",
                                          "remove the tag: datasets hold plain YAML values only")]) from None


def _syntax_problem(exc: Exception, text: str, filename: str) -> Problem:
    full = str(exc) or type(exc).__name__
    lines = full.splitlines()
    first, detail = lines[0], lines[-1].strip()
    found = _LINE_RE.search(full)
    line = int(found.group(1)) if found else 0
    if "duplicate mapping key" in first:
        key = re.search(r"duplicate mapping key: '([^']*)'", first)
        name = key.group(1) if key else "?"
        return Problem(filename, _line_of_duplicate(text, name),
                       f"the key `{name}` appears twice in the same mapping",
                       "remove or rename the repeated key (a YAML 1.1 reader would silently keep only the last value)")
    if "alias" in first and ("limit" in first or "depth" in first):
        return Problem(filename, _line_of_alias(text, first),
                       "aliases expand to too much data (an alias bomb?): refused",
                       "write the values out instead of nesting aliases (*name) inside anchored lists")
    if "tab" in detail:
        tab = _TAB_INDENT.search(text, _offset_of_line(text, max(1, line)))
        tab = tab or _TAB_INDENT.search(text)
        if tab:
            return Problem(filename, _line_at(text, tab.start()), "a tab is used for indentation",
                           "indent with spaces only")
    if "tag" in detail.lower() and "tab" not in detail.lower():  # yaml-rs refuses some tags itself
        return Problem(filename, line or _line_of_text(text, detail), f"YAML error: {detail}",
                       "remove the tag: datasets hold plain YAML values only")
    if "unknown anchor" in detail:
        return Problem(filename, line, f"YAML error: {detail}", "define the anchor (&name) before using the alias (*name)")
    if "recursion limit" in full:
        return Problem(filename, line, "the YAML nests too deeply", "flatten the structure: datasets need only a few levels")
    line = line or _line_of_text(text, detail)
    fix = "fix the YAML syntax at that place"
    lines_of_text = text.split("\n")
    content = lines_of_text[line - 1] if 0 < line <= len(lines_of_text) else ""
    if "\t" in content:
        fix = "replace the tab on that line with spaces"
    opened = _opened_at(text)
    if opened and opened[1] < line:  # the real mistake is often where a bracket or quote was opened
        what, at = opened
        closer = {"flow sequence": "`]`", "flow mapping": "`}`", "quoted scalar": "the closing quote"}.get(what)
        if closer:
            fix = f"add {closer} for the {what.split()[-1]} opened at line {at}, or quote the value if the bracket is text"
            if what == "quoted scalar":
                fix = f"close the quoted text opened at line {at}"
        elif what.startswith("block"):
            fix = f"check the indentation against the lines from line {at}: items of one list or mapping line up"
        detail = f"{detail} (in the {what} that starts at line {at})"
    return Problem(filename, line, f"YAML error: {detail}", fix)


def _opened_at(text: str) -> tuple[str, int] | None:
    """PyYAML's account of an unclosed construct: ("flow sequence", line it opened), if it gives one."""
    yaml, loader = _pyyaml()
    try:
        for _ in yaml.parse(text, Loader=loader):  # events only: nothing is built or expanded
            pass
    except yaml.MarkedYAMLError as exc:
        if exc.context and exc.context_mark is not None:
            what = exc.context.removeprefix("while parsing a ").removeprefix("while scanning a ")
            return what, exc.context_mark.line + 1
    except (yaml.YAMLError, RecursionError, ValueError):
        pass
    return None


def _line_of_text(text: str, detail: str) -> int:
    """yaml-rs named the culprit ('...') but not its line: the line where that text first appears."""
    quoted = re.search(r"'([^']+)'", detail)
    return _line_at(text, text.index(quoted.group(1))) if quoted and quoted.group(1) in text else 0


def _line_of_complex_key(text: str) -> int:
    """The line of the first mapping key that is a list or a mapping (0 if PyYAML cannot tell)."""
    yaml, loader = _pyyaml()
    try:
        stack = [yaml.compose(text, Loader=loader)]
    except (yaml.YAMLError, RecursionError):
        return 0
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for k, _ in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    return k.start_mark.line + 1
            stack.extend(v for _, v in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return 0


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        nxt = text.find("\n", offset)
        if nxt < 0:
            return len(text)
        offset = nxt + 1
    return offset


def _line_of_alias(text: str, message: str) -> int:
    """The line of the anchor whose alias expands too much (yaml-rs numbers anchors from 1), else the first alias."""
    yaml, loader = _pyyaml()
    found = re.search(r"for anchor (\d+)", message)
    wanted = int(found.group(1)) if found else 0
    anchors = 0
    first_alias = 0
    try:
        for event in yaml.parse(text, Loader=loader):  # events only: nothing is expanded
            if isinstance(event, yaml.AliasEvent) and not first_alias:
                first_alias = event.start_mark.line + 1
                if not wanted:
                    return first_alias
            anchor = getattr(event, "anchor", None)
            if anchor is not None and not isinstance(event, yaml.AliasEvent):
                anchors += 1
                if anchors == wanted:
                    return event.start_mark.line + 1
    except (yaml.YAMLError, RecursionError):
        pass
    return first_alias


def _line_of_duplicate(text: str, key: str) -> int:
    """yaml-rs names a duplicate key but not its line: find its first repetition, in document order."""
    yaml, loader = _pyyaml()
    try:
        root = yaml.compose(text, Loader=loader)
    except (yaml.YAMLError, RecursionError):
        root = None
    best = 0
    stack = [root] if root is not None else []
    seen_nodes: set[int] = set()
    while stack:  # depth-first, children in order: the first repetition met is the one yaml-rs stopped at
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, _ in node.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value == key and key in seen:
                        line = k.start_mark.line + 1
                        best = line if not best else min(best, line)
                        break
                    seen.add(k.value)
            stack.extend(v for _, v in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    if best:
        return best
    pattern = re.compile(rf"^\s*(?:-\s+)?['\"]?{re.escape(key)}['\"]?\s*:", re.MULTILINE)
    hits = [_line_at(text, m.start()) for m in pattern.finditer(text)]
    return hits[1] if len(hits) > 1 else 0


class LineFinder:
    """Finds the line of a place (a path of keys and indexes) in a YAML text; composed lazily, once."""

    def __init__(self, text: str):
        self._text = text
        self._root: Any = None  # a PyYAML node
        self._failed = False

    @property
    def text(self) -> str:
        return self._text

    def line(self, path: tuple[str | int, ...]) -> int:
        """The 1-based line of the deepest node along `path` that exists (0 if unknown)."""
        yaml, loader = _pyyaml()
        if self._root is None and not self._failed:
            try:
                self._root = yaml.compose(self._text, Loader=loader)
            except (yaml.YAMLError, RecursionError):
                self._failed = True
        node = self._root
        if node is None:
            return _rough_line(self._text, path)
        best = node.start_mark.line + 1
        for step in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(step):
                        child = v
                        best = k.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                child = node.value[step]
                best = child.start_mark.line + 1
            if child is None:
                return best
            node = child
        return best


def _rough_line(text: str, path: tuple[str | int, ...]) -> int:
    """A line for `path` read off the text by indentation, for the rare text yaml-rs reads and PyYAML cannot."""
    lines = text.split("\n")
    start, best = 0, 1  # at worst, the top of the file
    for step in path:
        if isinstance(step, int):
            item = re.compile(r"^(\s*)-(\s|$)")
            indent, count = None, -1
            for i in range(start, len(lines)):
                found = item.match(lines[i])
                if found and (indent is None or len(found.group(1)) == indent):
                    indent = len(found.group(1))
                    count += 1
                    if count == step:
                        start, best = i, i + 1
                        break
            else:
                return best
        else:
            key = re.compile(rf"^\s*(?:-\s+)?['\"]?{re.escape(str(step))}['\"]?\s*:")
            for i in range(start, len(lines)):
                if key.match(lines[i]):
                    start, best = i, i + 1
                    break
            else:
                return best
    return best


def load_yaml_file(path: Path, *, dates: bool = True) -> tuple[Any, LineFinder]:
    """Read and parse one YAML file; the LineFinder locates problems found later in its content."""
    text = read_text(path)
    return parse_yaml(text, str(path), dates=dates), LineFinder(text)
