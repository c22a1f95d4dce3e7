"""Safe YAML parsing with limits, and mapping a place in a document back to its line.

Parsing uses yaml-rs (YAML 1.2: `NO` stays the string "NO"; duplicate keys are an error; aliases are
expanded only within tight limits, so an alias bomb is refused at once). Line numbers are looked up
only when a problem must be reported, by composing the same text with PyYAML's safe composer, which
builds nodes without constructing Python objects or expanding aliases.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
import yaml_rs

from .problems import InputError, Problem

MAX_FILE_BYTES = 64 * 1024 * 1024  # a dataset file larger than this is refused (documented in README)

_ALIAS_LIMITS = yaml_rs.AliasLimits(
    max_total_replayed_events=10_000, max_replay_stack_depth=8, max_alias_expansions_per_anchor=100
)
_LINE_RE = re.compile(r"at line (\d+)")

try:  # the C composer is much faster; fall back to the pure-Python one where libyaml is missing
    _Composer: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Composer = yaml.SafeLoader


def read_text(path: Path) -> str:
    """Read a file as UTF-8 text, refusing binary data, wrong encodings and oversized files."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError([Problem(str(path), 0, f"cannot read the file ({exc.strerror})", "check the path")]) from None
    if size > MAX_FILE_BYTES:
        raise InputError([Problem(str(path), 0, f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit",
                                  "split it into several files in the same folder")])
    data = path.read_bytes()
    if b"\x00" in data:
        raise InputError([Problem(str(path), 0, "file holds binary data (NUL bytes), not YAML text",
                                  "give a UTF-8 YAML file")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(str(path), line, f"not valid UTF-8 (byte {data[exc.start]:#04x})",
                                  "save the file as UTF-8")]) from None


def parse_yaml(text: str, filename: str) -> Any:
    """Parse one YAML document safely; raise InputError naming file and line on any syntax problem."""
    if "\t" in text:
        for number, content in enumerate(text.splitlines(), 1):
            stripped = content.lstrip(" ")
            if stripped.startswith("\t"):
                raise InputError([Problem(filename, number, "a tab is used for indentation",
                                          "indent with spaces only")])
    try:
        return yaml_rs.loads(text, alias_limits=_ALIAS_LIMITS)
    except yaml_rs.YAMLDecodeError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        found = _LINE_RE.search(str(exc))
        line = int(found.group(1)) if found else _line_of_duplicate(text, str(exc))
        detail = str(exc).splitlines()[-1].strip() if "\n" in str(exc) else message
        fix = "remove or rename the repeated key" if "duplicate" in message else \
              "write each value out instead of repeating an alias" if "alias" in message else \
              "fix the YAML syntax at that place"
        if "tag" in message.lower():
            fix = "remove the tag: datasets hold plain YAML values only"
        raise InputError([Problem(filename, line, f"YAML error: {detail}", fix)]) from None


def _line_of_duplicate(text: str, message: str) -> int:
    """yaml-rs names a duplicate key but not its line: find its second occurrence via PyYAML nodes."""
    found = re.search(r"duplicate mapping key: '([^']*)'", message)
    if not found:
        return 0
    key = found.group(1)
    try:
        root = yaml.compose(text, Loader=_Composer)
    except yaml.YAMLError:
        return 0
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value == key and key in seen:
                        return k.start_mark.line + 1
                    seen.add(k.value)
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return 0


class LineFinder:
    """Finds the line of a place (a path of keys and indexes) in a YAML text; composed lazily, once."""

    def __init__(self, text: str):
        self._text = text
        self._root: yaml.Node | None = None
        self._failed = False

    def line(self, path: tuple[str | int, ...]) -> int:
        """The 1-based line of the deepest node along `path` that exists (0 if unknown)."""
        if self._root is None and not self._failed:
            try:
                self._root = yaml.compose(self._text, Loader=_Composer)
            except yaml.YAMLError:
                self._failed = True
        node = self._root
        if node is None:
            return 0
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


def load_yaml_file(path: Path) -> tuple[Any, LineFinder]:
    """Read and parse one YAML file; the LineFinder locates problems found later in its content."""
    text = read_text(path)
    return parse_yaml(text, str(path)), LineFinder(text)
