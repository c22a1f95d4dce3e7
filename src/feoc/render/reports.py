"""A report folder: write a rendered report set atomically, or check it for staleness.

Nothing touches the output folder until every file has been rendered (the caller renders the whole set
first), so a failure leaves the previous reports as they were; each file is then written to a temporary
name and renamed over the old one. Which files a run may replace or remove, the refusals and the lock are
render/outdir.py's (issue 15, class 1): a run replaces and removes only its own files, and records them in
the folder's manifest, written last.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from feoc.render.atomic import temporary_owner, write_atomically
from feoc.render.outdir import (
    MANIFEST,
    OutputError,
    first_foreign,
    folder_lock,
    io_fault,
    layout_files,
    looks_generated,
    manifest_text,
    plain_name,
    read_manifest,
    refuse_unsafe,
    regular,
    same_bytes,
    sha256,
)

Owned = dict[str, str | None]  # name → the sha256 the manifest records (None: a feoc file adopted by its footer)


@dataclass
class Outcome:
    """What a run did: report files written, removed (no longer produced) and kept (edited since feoc wrote
    them, so no longer feoc's to remove)."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _safe_target(out_dir: Path, name: str) -> Path:
    """Refuse a file name that would lead out of the report folder (an id like `../../etc/passwd`; the loader
    refuses such ids first, this is the writer's own guard)."""
    target = (out_dir / name).resolve()
    if not plain_name(name) or out_dir.resolve() not in target.parents:
        raise ValueError(f"refusing to write outside the report folder: {name}")
    return target


def _real_folders(out: Path, name: str) -> bool:
    """Every folder between `out` and `name` is a real folder inside it (no link that leads elsewhere)."""
    parts = name.split("/")[:-1]
    return all(regular_or_dir(out.joinpath(*parts[:i + 1])) == "dir" for i in range(len(parts)))


def regular_or_dir(path: Path) -> str:
    """"dir", "file" (regular), "missing" or "other" (a link, FIFO, device…), without following a link."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "other"
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def _check_target(out: Path, name: str, content: bytes, owned: Owned, force: bool) -> None:
    """Refuse, before anything is written, a target feoc cannot or must not replace (issue 15, class 5)."""
    parts = name.split("/")
    for i in range(1, len(parts)):
        folder = out.joinpath(*parts[:i])
        if regular_or_dir(folder) not in ("dir", "missing"):
            raise OutputError(f"{folder}: a link or file where feoc keeps a folder of reports — feoc writes only "
                              "inside its own folder: remove it, or choose another --out")
    target = out / name
    kind = regular_or_dir(target)
    if kind == "dir":
        raise OutputError(f"{target}: a folder where feoc writes a report file — move it away, or choose another --out")
    if kind == "other":
        raise OutputError(f"{target}: a link or special file where feoc writes a report file (feoc replaces only "
                          "regular files, so that nothing leads it out of the folder) — remove it, or choose another --out")
    if kind == "file" and not (force or name in owned or same_bytes(target, content) or looks_generated(target, name)):
        raise OutputError(f"{target}: not written by feoc — move it away, choose another --out, or pass --force "
                          "to replace it")


def _owned(out: Path, files: dict[str, str], force: bool) -> Owned:
    """The files a run may replace or remove: the manifest's, or, in a folder without one, feoc's by footer."""
    manifest = read_manifest(out)
    if manifest is not None:
        return dict(manifest)
    if not force:
        foreign = first_foreign(out, files)
        if foreign is not None:
            raise OutputError(f"--out {out}: holds {foreign}, which feoc did not write — choose a new or empty "
                              "folder, or pass --force to write beside it (feoc removes only its own files)")
    return {name: None for name in layout_files(out) if looks_generated(out / name, name)}


def _write(out: Path, files: dict[str, str]) -> list[str]:
    written: list[str] = []
    for name in sorted(files):
        target = out / name
        if same_bytes(target, files[name].encode()):
            continue
        try:
            write_atomically(target, files[name], tidy=False)
        except OSError as exc:
            raise io_fault(target, exc, f"; {len(written)} report file(s) were replaced before it, each whole, "
                                        "the others are as they were") from None
        written.append(name)
    return written


def _still_ours(out: Path, name: str, recorded: str | None) -> bool:
    """A file no longer produced that feoc may remove: a regular file, as feoc wrote it."""
    path = out / name
    if not _real_folders(out, name) or regular(path) is None:
        return False
    try:
        return recorded is None or sha256(path.read_bytes()) == recorded
    except OSError:  # unreadable: not provably feoc's, so not removed
        return False


def _leftovers(out: Path, names: set[str]) -> list[str]:
    """Temporary files an interrupted run left for the files feoc owns here, and no one else's: each folder
    listed once (a listing per file would make a large report set quadratic)."""
    by_folder: dict[str, set[str]] = {}
    for name in names:
        head, _, base = name.rpartition("/")
        by_folder.setdefault(head, set()).add(base)
    found = []
    for head, bases in sorted(by_folder.items()):
        if head and not _real_folders(out, f"{head}/x"):
            continue
        try:
            entries = os.listdir(out / head)
        except OSError:
            continue
        for entry in entries:
            owner = temporary_owner(entry)
            if owner is not None and owner in bases:
                found.append(f"{head}/{entry}" if head else entry)
    return sorted(found)


def _tidy(out: Path, files: dict[str, str], owned: Owned, outcome: Outcome, everything: set[str]) -> None:
    """Remove `owned` files no longer produced (if feoc's bytes), then the temporaries of `everything`."""
    for name in sorted(set(owned) - set(files)):
        try:
            if _still_ours(out, name, owned[name]):
                (out / name).unlink()
                outcome.removed.append(name)
            elif regular(out / name) is not None:
                outcome.kept.append(name)
        except OSError as exc:
            raise io_fault(out / name, exc, "; every report file was written, the manifest was not") from None
    for name in _leftovers(out, set(files) | everything):
        try:
            (out / name).unlink(missing_ok=True)
        except OSError as exc:
            raise io_fault(out / name, exc, "; every report file was written, the manifest was not") from None
        outcome.removed.append(name)


def _make_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a folder — choose a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise io_fault(out, exc) from None


def _split(out: Path, owned: Owned, fmt: str) -> tuple[Owned, dict[str, str]]:
    """The files of this run's format (its to replace or remove) and the other formats' files, carried into
    the manifest as they are: `report` and `report --format json` may share a folder and keep each other's."""
    mine = {name: digest for name, digest in owned.items() if name.endswith(f".{fmt}")}
    others: dict[str, str] = {}
    for name in sorted(set(owned) - set(mine)):
        if not _real_folders(out, name) or regular(out / name) is None:
            continue  # gone since: nothing to carry
        recorded = owned[name]
        try:
            others[name] = recorded if recorded is not None else sha256((out / name).read_bytes())
        except OSError:
            continue
    return mine, others


def _manifest(files: dict[str, str], others: dict[str, str]) -> str:
    return manifest_text({**others, **{name: sha256(content.encode()) for name, content in files.items()}})


def write_reports(out: Path, files: dict[str, str], fmt: str = "md", force: bool = False,
                  on_wait: Callable[[], None] | None = None) -> Outcome:
    """Write every file atomically, remove feoc's files of this format no longer produced and any temporary
    file an interrupted run left for feoc's files, then record the set in the manifest. Raises OutputError
    (nothing written) for a folder or target feoc must not touch, or (each file old or new) when the disk
    refuses a write."""
    refuse_unsafe(out)
    _make_folder(out)
    with folder_lock(out, on_wait=on_wait):
        owned = _owned(out, files, force)
        for name in sorted(files):
            _check_target(out, name, files[name].encode(), owned, force)  # links first: then resolving is safe
            _safe_target(out, name)
        mine, others = _split(out, owned, fmt)
        outcome = Outcome(written=_write(out, files))
        _tidy(out, files, mine, outcome, {*owned, MANIFEST})  # the manifest's temporary too, as `stale_files` lists it
        manifest = _manifest(files, others)
        if not same_bytes(out / MANIFEST, manifest.encode()):
            try:
                write_atomically(out / MANIFEST, manifest)
            except OSError as exc:
                raise io_fault(out / MANIFEST, exc, "; every report file was written") from None
    return outcome


def stale_files(out: Path, files: dict[str, str], fmt: str = "md",
                on_wait: Callable[[], None] | None = None) -> list[str]:
    """Files that differ from what would be generated, are missing, or should no longer exist (feoc's own of
    this format only), the temporary files of feoc's files, and the manifest if it does not list this set.
    Reads only the names a report set uses: never a walk of the folder."""
    refuse_unsafe(out)
    if not out.exists():
        return sorted(files)
    if not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a folder — choose the report folder")
    with folder_lock(out, shared=True, on_wait=on_wait):
        manifest = read_manifest(out)
        owned: Owned = dict(manifest) if manifest is not None else {
            name: None for name in layout_files(out) if looks_generated(out / name, name)}
        mine, others = _split(out, owned, fmt)
        stale = [name for name in sorted(files) if not same_bytes(out / name, files[name].encode())]
        stale += [name for name in sorted(set(mine) - set(files)) if _still_ours(out, name, mine[name])]
        stale += _leftovers(out, {*files, *owned, MANIFEST})  # the manifest's too: a run killed while writing it
        if manifest is not None and not same_bytes(out / MANIFEST, _manifest(files, others).encode()):
            stale.append(MANIFEST)
    return sorted(stale)
