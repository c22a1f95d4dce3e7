"""`feoc validate --format sarif`: the problems of a dataset as a SARIF 2.1.0 log (OASIS, "Static Analysis
Results Interchange Format Version 2.1.0", docs.oasis-open.org/sarif/sarif/v2.1.0), the format GitHub code
scanning uploads (`github/codeql-action/upload-sarif`; README, "Validating in CI").

One run; its `tool.driver` is feoc with its version and one rule per kind of finding `validate` reports
(feoc's problems carry no code of their own): `feoc/input-problem` (an error: the file cannot be used, exit 2)
and `feoc/data-warning` (advice about a valid dataset). Each result has its level, the message `what — fix`
and one location: the file relative to the working directory (`uriBaseId` `%SRCROOT%`, the checkout root code
scanning resolves it against; a file outside the working directory is an absolute `file:` URI) and, when the
problem has one, its line. A warning that names no file is located at the dataset folder. Deterministic: no
timestamps, durations or host names, keys sorted — the same input gives the same bytes (tests vendor the
schema and validate against it: tests/data/sarif-schema-2.1.0.json).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from feoc.render.github import what_and_fix, workspace_path
from feoc.render.json import dumps

if TYPE_CHECKING:
    from feoc.data.problems import Problem
    from feoc.render.base import ValidateView

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
# id, name, level, in short, in full: one rule per kind of finding
RULES = (("feoc/input-problem", "InputProblem", "error", "A file feoc cannot use as written.",
          "A dataset or rules file cannot be used as written: feoc gives no verdict on it (exit 2). The message "
          "says what is wrong and how to fix it."),
         ("feoc/data-warning", "DataWarning", "warning", "Advice about a valid dataset.",
          "The dataset is valid, but a verdict would read this record otherwise than its author likely meant "
          "(e.g. a business with `country` but no `incorporated_in`): the message says what to add or correct."))


def _version() -> str | None:
    """The installed package's version (importlib.metadata, as `feoc --version`); None from an uninstalled tree."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("feoc")
    except PackageNotFoundError:
        return None


def _information_uri() -> str | None:
    """The project's home page from the package metadata (`[project.urls]` in pyproject.toml), if it has one."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("feoc")
    except PackageNotFoundError:
        return None
    urls = [u.split(",", 1)[1].strip() for u in meta.get_all("Project-URL") or [] if "," in u]
    return (urls or meta.get_all("Home-page") or [""])[0] or None


def _driver() -> dict[str, Any]:
    rules = [{"id": rid, "name": name, "defaultConfiguration": {"level": level},
              "shortDescription": {"text": short}, "fullDescription": {"text": full}}
             for rid, name, level, short, full in RULES]
    driver: dict[str, Any] = {"name": "feoc", "rules": rules}
    optional = {"version": _version(), "informationUri": _information_uri()}
    driver.update({key: value for key, value in optional.items() if value})
    return driver


def artifact(file: str, cwd: Path | None) -> dict[str, str]:
    """The artifactLocation of `file`: a relative URI against %SRCROOT%, or a `file:` URI outside `cwd`."""
    path = workspace_path(file, cwd)
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _result(index: int, problem: Problem, view: ValidateView) -> dict[str, Any]:
    rule_id, _, level, _, _ = RULES[index]
    physical: dict[str, Any] = {"artifactLocation": artifact(problem.file or str(view.data), view.cwd)}
    if problem.line > 0:
        physical["region"] = {"startLine": problem.line}
    return {"ruleId": rule_id, "ruleIndex": index, "level": level, "message": {"text": what_and_fix(problem)},
            "locations": [{"physicalLocation": physical}]}


def validate(view: ValidateView) -> str:
    """The SARIF log of one `feoc validate` run."""
    results = [_result(0, p, view) for p in view.problems] + [_result(1, w, view) for w in view.warnings]
    log = {"$schema": SCHEMA, "version": "2.1.0",
           "runs": [{"tool": {"driver": _driver()}, "results": results, "columnKind": "unicodeCodePoints"}]}
    return dumps(log)
