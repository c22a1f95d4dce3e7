"""A report folder: write a rendered report set atomically, or check it for staleness.

Nothing touches the output folder until every file has been rendered (the caller renders the whole set
first), so a failure leaves the previous reports as they were; each file is then written to a temporary
name and renamed over the old one.
"""

from __future__ import annotations

from pathlib import Path

from feoc.render.atomic import leftover_temporaries, write_atomically

GENERATED_DIRS = ("entities", "vehicles")


def _safe_target(out_dir: Path, name: str) -> Path:
    target = (out_dir / name).resolve()
    if out_dir.resolve() not in target.parents:
        raise ValueError(f"refusing to write outside the report folder: {name}")
    return target


def _generated(out_dir: Path, fmt: str) -> set[str]:
    """Files in the report folder that a report run owns (what it may replace or remove)."""
    if fmt == "json":
        return {"report.json"} if (out_dir / "report.json").exists() else set()
    found = {p.relative_to(out_dir).as_posix() for d in GENERATED_DIRS for p in (out_dir / d).glob("*.md")}
    if (out_dir / "index.md").exists():
        found.add("index.md")
    return found


def write_reports(out_dir: Path, files: dict[str, str], fmt: str = "md") -> tuple[list[str], list[str]]:
    """Write every file atomically and remove generated files no longer produced, and any temporary file an
    interrupted run left behind; returns (written, removed)."""
    targets = {name: _safe_target(out_dir, name) for name in files}  # check every name before writing any
    written = []
    for name in sorted(files):
        target = targets[name]
        if not target.exists() or target.read_text(encoding="utf-8") != files[name]:
            write_atomically(target, files[name])
            written.append(name)
    removed = sorted(_generated(out_dir, fmt) - set(files)) + leftover_temporaries(out_dir)
    for name in removed:
        (out_dir / name).unlink()
    return written, removed


def stale_files(out_dir: Path, files: dict[str, str], fmt: str = "md") -> list[str]:
    """Files that differ from what would be generated, are missing, or should no longer exist."""
    stale = [name for name in sorted(files)
             if not (out_dir / name).is_file() or (out_dir / name).read_text(encoding="utf-8") != files[name]]
    return stale + sorted(_generated(out_dir, fmt) - set(files)) + leftover_temporaries(out_dir)
