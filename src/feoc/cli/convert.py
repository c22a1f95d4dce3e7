"""`feoc convert DIR --to parquet|yaml --out DIR2` (issue 17): a dataset folder written again as one file per
record kind, in Parquet or YAML, after it has been validated (bad input: exit 2, nothing written).

The output folder is feoc's own, by the rules of `render/outdir.py`: a file-system root or the home folder is
refused; a folder holding anything feoc did not write is refused (a new or empty folder, or one an earlier
`feoc convert` wrote, listed in its `.feoc-convert.sha256`); each file is written atomically, and only files
the previous conversion wrote (unchanged since) are replaced or removed. The list is written last.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from enum import Enum
from pathlib import Path

import typer

from feoc.cli.app import RULES_OPTION, app, fail_input, load_law, say, say_skipped
from feoc.data.problems import InputError
from feoc.render.sanitize import terminal

ConvertFormat = Enum("ConvertFormat", [("parquet", "parquet"), ("yaml", "yaml")], type=str)
_LINE = re.compile(r"([0-9a-f]{64})  ([^/\\\0]+)")


@app.command()
def convert(data: Path = typer.Argument(..., help="dataset folder (YAML and/or Parquet files) or file"),
            to: ConvertFormat = typer.Option(..., "--to", help="parquet or yaml: one file per record kind"),
            out: Path = typer.Option(..., "--out", help="a new or empty folder, or one feoc convert wrote before"),
            rules: Path | None = RULES_OPTION) -> None:
    """Write a validated dataset as one Parquet or YAML file per record kind (entities.parquet, …); the same
    records load from either (README.md, "Parquet tables"). Exit 0 written, 2 input or output refused."""
    from feoc.load.export import dataset_files
    from feoc.load.folder import load_dataset
    from feoc.render.outdir import OutputError, refuse_unsafe

    try:
        refuse_unsafe(out)
        _refuse_overlap(data, out)
        law = load_law(rules)
        say_skipped(data)
        dataset = load_dataset(data, law, compact=True, workers=os.cpu_count() or 1)
        files = dataset_files(dataset, to.value)
        removed = write_owned_folder(out, files)
    except InputError as exc:
        fail_input(exc)
        return
    except OutputError as exc:
        say(exc)
        raise typer.Exit(2) from None
    gone = f"; removed {', '.join(removed)} (written by an earlier conversion)" if removed else ""
    counts = ", ".join(f"{n} {kind}" for kind, n in dataset.counts().items() if n)
    typer.echo(terminal(f"{out}: wrote {', '.join(sorted(files))} — {counts}{gone}"))


def _refuse_overlap(data: Path, out: Path) -> None:
    from feoc.render.outdir import OutputError

    source, target = data.resolve(), out.resolve()
    if source == target or source in target.parents or target in source.parents:
        raise OutputError(f"--out {out}: overlaps the dataset {data} — write the converted dataset to a folder "
                          "of its own, outside the input")


def write_owned_folder(out: Path, files: dict[str, bytes]) -> list[str]:
    """Write `files` into `out` under its lock, replacing or removing only what the last conversion wrote;
    return the names removed. OutputError (nothing written) for a folder feoc does not own."""
    from feoc.load.scan import CONVERT_MANIFEST
    from feoc.render.atomic import write_atomically
    from feoc.render.outdir import OutputError, folder_lock, io_fault, manifest_text, sha256

    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"--out {out}: not a folder — name a new or empty folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise io_fault(out, exc) from None
    with folder_lock(out):
        owned = _owned(out)
        _refuse_foreign(out, owned, files)
        try:
            for name, content in sorted(files.items()):
                _write_bytes(out / name, content)
            removed = sorted(set(owned) - set(files))
            for name in removed:
                (out / name).unlink(missing_ok=True)
            write_atomically(out / CONVERT_MANIFEST, manifest_text({n: sha256(c) for n, c in files.items()}))
        except OSError as exc:
            raise io_fault(out, exc, "; files already converted are complete, the list of them is the old "
                                     "one: run again") from None
    return removed


def _owned(out: Path) -> dict[str, str]:
    """Name → sha256 of what the last conversion into `out` wrote ({} for a folder without the list)."""
    from feoc.load.scan import CONVERT_MANIFEST
    from feoc.render.outdir import OutputError, regular

    path = out / CONVERT_MANIFEST
    if not path.exists() and not path.is_symlink():
        return {}
    if regular(path) is None:
        raise OutputError(f"{path}: not a regular file — remove it, or choose another --out")
    owned = {}
    for n, line in enumerate(path.read_bytes().decode("utf-8", errors="replace").splitlines(), 1):
        found = _LINE.fullmatch(line)
        if found is None or found.group(2) in (".", ".."):
            raise OutputError(f"{path}:{n}: not a line feoc convert writes — choose another --out")
        owned[found.group(2)] = found.group(1)
    return owned


def _refuse_foreign(out: Path, owned: dict[str, str], files: dict[str, bytes]) -> None:
    """Every entry of `out` is the list, a file the last conversion wrote (unchanged), what this run writes byte
    for byte, or a temporary file of one of those; anything else is not feoc's to replace or to sit beside."""
    from feoc.load.scan import CONVERT_MANIFEST
    from feoc.render.atomic import temporary_owner
    from feoc.render.outdir import OutputError, regular, same_bytes, sha256

    try:
        names = sorted(os.listdir(out))
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot list the folder ({exc.strerror or exc}) — choose another --out") from None
    ours = set(owned) | set(files) | {CONVERT_MANIFEST}
    for name in names:
        path = out / name
        if name == CONVERT_MANIFEST or temporary_owner(name) in ours:
            continue
        if name in files and same_bytes(path, files[name]):
            continue
        if name in owned and regular(path) is not None and sha256(path.read_bytes()) == owned[name]:
            continue
        why = "changed since feoc wrote it" if name in owned else "not written by feoc convert"
        raise OutputError(f"--out {out}: holds {name}, {why} — feoc replaces or removes only what it wrote: "
                          "choose a new or empty folder, or move that file away")


def _write_bytes(path: Path, content: bytes) -> None:
    """Atomically, as `render.atomic.write_atomically` writes text: a temporary file, flushed, then renamed."""
    from feoc.render.atomic import file_mode, temporaries_of

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fchmod(handle.fileno(), file_mode())
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        for stale in temporaries_of(path):
            stale.unlink(missing_ok=True)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
