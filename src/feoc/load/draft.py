"""A dataset being imported: records as plain dicts, each with the file and line it came from, and what
was skipped and why; validated with the same loader as any dataset and written atomically.

Issue 15, class 6: an import into a folder that already held data produced an invalid dataset; a killed
import left a hidden folder that later broke the parent dataset; a problem of an imported record was
reported against a YAML file that is never written. Now `--out` must be a new or empty folder (never a
file, a link or a non-empty folder); the files are written and validated in a hidden sibling folder
`.NAME.feoc-import.PID.XXXX` and renamed into place in one step; a killed import leaves only that hidden
folder, which dataset loading does not read (`feoc.load.scan`) and the next import into NAME removes; a
problem of an imported record names the source file and line it came from.
"""

from __future__ import annotations

import contextlib
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

from feoc.data.problems import InputError, Problem
from feoc.load.folder import load_dataset

if TYPE_CHECKING:
    from feoc.law.law import Law

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_TMP_MARK = ".feoc-import."


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
    """Records to write, by top-level key, where each came from (file, line), and one line per thing skipped."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    origins: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # values kept as written that the rules do not read

    def add(self, kind: str, record: dict[str, Any], origin: tuple[str, int] = ("", 0)) -> None:
        self.records.setdefault(kind, []).append(record)
        self.origins.setdefault(kind, []).append(origin)

    def skip(self, where: str, why: str) -> None:
        self.skipped.append(f"{where}: {why}")

    def note(self, where: str, why: str) -> None:
        """A value imported as written that no rule reads (nothing skipped): said, never counted as a skip."""
        self.notes.append(f"{where}: {why}")


def check_out(out_dir: Path) -> Path:
    """`out_dir` as an absolute path if an import may write there: new, or an empty folder; else InputError."""
    target = Path(os.path.abspath(out_dir))
    if not target.name:
        raise InputError([Problem(str(out_dir), 0, "--out is a file-system root", "give a new folder for the import")])
    if target.is_symlink():
        raise InputError([Problem(str(out_dir), 0, "--out is a symbolic link", "give the folder's real path, new or empty")])
    if target.exists() and not target.is_dir():
        raise InputError([Problem(str(out_dir), 0, "--out is a file, not a folder", "give a new or empty folder")])
    try:
        full = target.is_dir() and any(target.iterdir())
    except OSError as exc:
        raise InputError([Problem(str(out_dir), 0, f"cannot list --out ({exc.strerror or exc})",
                                  "give a new or empty folder you can write to")]) from None
    if full:
        raise InputError([Problem(str(out_dir), 0, "--out is a folder that is not empty (an import never mixes with other "
                                                   "data)", "give a new or empty folder")])
    return target


def write_draft(draft: Draft, out_dir: Path, law: Law) -> dict[str, int]:
    """Write one YAML file per record kind into `out_dir` (new or empty, see `check_out`), after validating
    the whole folder against `law` in a hidden sibling; raise InputError (nothing written) if it is invalid."""
    target = check_out(out_dir)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _clean_leftovers(target)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}{_TMP_MARK}{os.getpid()}."))
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the dataset folder follows the umask like any other
    except OSError as exc:
        raise InputError([Problem(str(out_dir), 0, f"cannot create the output folder ({exc.strerror or exc})",
                                  "give a folder you can write to")]) from None
    try:
        lines = {kind: _write_kind(tmp, kind, draft.records[kind]) for kind in sorted(draft.records)}
        dataset = load_dataset(tmp, law)  # the same checks as any dataset: refuse what our contract refuses
        _move_into_place(tmp, target)
        return dataset.counts()
    except InputError as exc:  # name each problem where the user can fix it: the source file and line
        raise InputError([_at_source(p, tmp, out_dir, lines, draft) for p in exc.problems]) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_kind(tmp: Path, kind: str, records: list[dict[str, Any]]) -> list[int]:
    """Write `kind.yaml`; the first line of each record in it (to map a problem back to its source)."""
    starts, parts, line = [], [f"{kind}:\n"], 2
    for record in records:
        text = yaml.safe_dump([record], sort_keys=False, allow_unicode=True, width=120)
        starts.append(line)
        parts.append(text)
        line += text.count("\n")
    (tmp / f"{kind}.yaml").write_text("".join(parts), encoding="utf-8")
    return starts


def _move_into_place(tmp: Path, target: Path) -> None:
    """One rename (replacing an empty folder): the output folder appears complete or not at all."""
    try:
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError([Problem(str(target), 0, f"cannot move the import into place ({exc.strerror or exc})",
                                  "give a new or empty folder you can write to")]) from None


def _clean_leftovers(target: Path) -> None:
    """Remove the hidden folders of earlier imports into `target` that were killed (their process is gone)."""
    for leftover in target.parent.glob(f".{glob_escape(target.name)}{_TMP_MARK}*"):
        pid = leftover.name[len(target.name) + len(_TMP_MARK) + 1:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but not ours: leave its folder alone
        return True
    return True


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _at_source(problem: Problem, tmp: Path, out_dir: Path, lines: dict[str, list[int]], draft: Draft) -> Problem:
    """A problem found in a written YAML file, moved to the source file and line of the record at that line."""
    kind = Path(problem.file).stem
    starts = lines.get(kind) if Path(problem.file).parent == tmp else None
    if starts and problem.line >= starts[0]:
        index = max(i for i, start in enumerate(starts) if start <= problem.line)
        file, line = draft.origins[kind][index]
        if file:
            message = re.sub(rf"^{kind}\[\d+\] ", "", problem.message).replace(str(tmp), str(out_dir))
            return Problem(file, line, f"imported {kind} record: {message}", problem.fix)
    with contextlib.suppress(ValueError):
        problem = dataclasses.replace(problem, file=str(out_dir / Path(problem.file).relative_to(tmp)))
    return dataclasses.replace(problem, message=f"imported data: {problem.message}".replace(str(tmp), str(out_dir)))
