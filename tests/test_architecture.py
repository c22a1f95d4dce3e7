"""The shape docs/architecture.md promises, checked on the code: small functions and modules, data flowing one
way between the packages, and no law written as a Python literal (it lives in rules/, read through the Law)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "feoc"
MODULES = sorted(SRC.rglob("*.py"))
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400

# What each package may import from feoc (itself always). Data flows one way: data → law → load / ownership →
# engine → determine → verdicts → render → cli. Top-level modules (cli/, rulecases.py, __main__.py) wire the
# packages together and may import any of them.
ALLOWED = {
    "data": set(),
    "law": {"data"},
    "load": {"data", "law"},
    "ownership": {"data"},
    "engine": {"data", "law"},
    "determine": {"data", "law", "ownership", "engine"},
    "verdicts": {"data", "law", "ownership", "engine", "determine"},
    "render": {"data", "law", "verdicts", "schemas", "version"},
    # the JSON Schemas: the output models name the verdicts' statuses, the dataset schema the record models and,
    # with a rules folder, its vocabulary
    "schemas": {"data", "law", "verdicts"},
}
# Single modules a package may read although their package is out of bounds: the renderers print the findings
# a verdict carries (the record type only; they never run a determination).
ALLOWED_MODULES = {"render": {"feoc.determine.findings"}}


def _rel(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_modules_and_functions_are_small(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{_rel(path)} has {lines} lines (at most {MAX_MODULE_LINES}): split it by job"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(_tree(path))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"{_rel(path)}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


def _feoc_imports(path: Path) -> set[str]:
    """The feoc modules a module imports (top-level or inside functions), as dotted names."""
    out = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module if node.names[0].name != "__version__" else "feoc.version")
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {name for name in out if name.startswith("feoc.")}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_data_flows_one_way_between_packages(package):
    wrong = {}
    for path in sorted((SRC / package).rglob("*.py")):
        bad = {m for m in _feoc_imports(path)
               if m.split(".")[1] not in ALLOWED[package] | {package} and m not in ALLOWED_MODULES.get(package, set())}
        if bad:
            wrong[_rel(path)] = sorted(bad)
    assert not wrong, f"`{package}` may import only {sorted(ALLOWED[package])}; found {wrong}"


JUDGING = {"determine", "determine45x", "bulk_determine", "build_timelines", "entity_verdict", "facility_verdict",
           "vehicle_verdict", "facility_45x_verdict", "bulk_screen", "screen_table"}


def test_the_renderers_judge_nothing():
    """render/ turns verdicts into text; it never runs a determination or builds verdicts itself."""
    calls = {}
    for path in (SRC / "render").rglob("*.py"):
        names = {node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                 for node in ast.walk(_tree(path)) if isinstance(node, ast.Call)}
        if names & JUDGING:
            calls[_rel(path)] = sorted(names & JUDGING)
    assert not calls, f"renderers that judge: {calls}"


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _law_values() -> tuple[set[float], set[str]]:
    """Every number other than 0 and 1, and every country code, that rules/parameters.yaml states."""
    numbers, countries = set(), set()
    for body in yaml.safe_load((ROOT / "rules" / "parameters.yaml").read_text(encoding="utf-8")).values():
        for value in body["values"].values():
            items = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
            for x in items:
                if isinstance(x, (int, float)) and not isinstance(x, bool) and x not in (0, 1):
                    numbers.add(float(x))
                elif isinstance(x, str) and re.fullmatch(r"[A-Z]{2}", x):
                    countries.add(x)
    return numbers, countries


# Literals that look like law and are not: each with its reason.
NOT_LAW = {
    ("ownership/rounding.py", 0.5): "py_round: a rounding tie sits half-way between two integers (arithmetic)",
    ("ownership/rounding_kernel.py", 0.5): "the compiled py_round: a tie sits half-way between two integers",
    ("render/outdir.py", 0.05): "the lock's polling interval in seconds (equal to parameter unrecorded_measure_floor)",
    ("load/gleif_rr.py", 0.5): "GLEIF consolidation read as a majority of the votes (evidence, the importer's reading)",
}
_TEACHES_FORMAT = re.compile(r"YYYY-MM-DD|write values|e\.g\. \d{4}-\d\d-\d\d")


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_threshold_date_or_country_written_in_python(path):
    numbers, countries = _law_values()
    tree = _tree(path)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        value = node.value
        if isinstance(value, str):
            if value in countries or (re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", value) and not _TEACHES_FORMAT.search(value)):
                found.append(f"line {node.lineno}: {value[:60]!r}")
        elif (isinstance(value, (int, float)) and not isinstance(value, bool) and float(value) in numbers
              and (_rel(path), float(value)) not in NOT_LAW):
            found.append(f"line {node.lineno}: {value}")
    assert not found, f"{_rel(path)}: law written as Python literals (move it to rules/): {found}"


def test_the_architecture_document_names_every_package_and_only_real_files():
    """docs/architecture.md is the map: every package of src/feoc has its row, and every source file it names
    exists (a renamed module must be renamed in the map too)."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    rows = set(re.findall(r"^\| `(\w+)/` \|", doc, flags=re.M))
    assert rows == packages, f"packages in the map {sorted(rows)} != in src/feoc {sorted(packages)}"
    for row in re.findall(r"^\| `(\w+)/` \|(.*)$", doc, flags=re.M):
        for name in re.findall(r"`([\w/]+\.py)`", row[1]):
            path = SRC / row[0] / name if "/" not in name else SRC / name
            assert path.is_file(), f"docs/architecture.md names {name} under {row[0]}/, which does not exist"
    for name in re.findall(r"`((?:rules|src/feoc|tests)/[\w/.-]+\.(?:py|yaml))`", doc):
        assert (ROOT / name).is_file(), f"docs/architecture.md names {name}, which does not exist"
    for name in re.findall(r"`((?:cli|law|load|ownership|engine|determine|verdicts|render|data)/\w+\.py)`", doc):
        assert (SRC / name).is_file(), f"docs/architecture.md names {name}, which does not exist"
