"""A dataset being imported: records as plain dicts, with what was skipped and why; written atomically
and validated with the same loader as any dataset, so an import never leaves a half-written or invalid folder."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from feoc.data.problems import InputError
from feoc.load.folder import load_dataset

if TYPE_CHECKING:
    from feoc.law.law import Law

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(raw: str, taken: dict[str, str]) -> str:
    """A stable slug for a foreign id; a short hash keeps distinct ids distinct after slugging."""
    base = _NON_SLUG.sub("-", raw.lower()).strip("-")[:80] or "x"
    slug = base if base == raw else f"{base}-{hashlib.sha256(raw.encode()).hexdigest()[:8]}".strip("-")
    if taken.get(slug, raw) != raw:  # two raw ids give the same slug: lengthen the hash
        slug = f"{base}-{hashlib.sha256(raw.encode()).hexdigest()[:16]}"
    taken[slug] = raw
    return slug


@dataclass
class Draft:
    """Records to write, by top-level key, and one line per thing skipped."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def add(self, kind: str, record: dict[str, Any]) -> None:
        self.records.setdefault(kind, []).append(record)

    def skip(self, where: str, why: str) -> None:
        self.skipped.append(f"{where}: {why}")


def write_draft(draft: Draft, out_dir: Path, law: Law) -> dict[str, int]:
    """Write one YAML file per record kind into `out_dir` (which must not hold YAML files yet), after
    validating the whole folder against `law` in a temporary place; raise InputError (nothing written) if it is invalid."""
    if out_dir.exists() and any(out_dir.glob("*.yaml")):
        raise InputError([_problem(out_dir, "the output folder already holds YAML files", "choose a new or empty folder")])
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out_dir.name}."))
    try:
        for kind in sorted(draft.records):
            text = yaml.safe_dump({kind: draft.records[kind]}, sort_keys=False, allow_unicode=True, width=120)
            (tmp / f"{kind}.yaml").write_text(text, encoding="utf-8")
        dataset = load_dataset(tmp, law)  # the same checks as any dataset: refuse what our contract refuses
        if out_dir.exists():
            for path in sorted(tmp.iterdir()):
                os.replace(path, out_dir / path.name)
            tmp.rmdir()
        else:
            os.replace(tmp, out_dir)
        return dataset.counts()
    except InputError as exc:  # name the files as the user will know them; nothing is written
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError([dataclasses.replace(p, file=p.file.replace(str(tmp), str(out_dir)),
                                              message=f"imported data: {p.message}") for p in exc.problems]) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _problem(path: Path, message: str, fix: str) -> Any:
    from feoc.data.problems import Problem

    return Problem(str(path), 0, message, fix)
