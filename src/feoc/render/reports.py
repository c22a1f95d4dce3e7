"""Build every report in memory (Markdown or JSON), then write them atomically or check them for staleness.

Nothing touches the output folder until every file has been rendered, so a failure leaves the previous
reports as they were; each file is then written to a temporary name and renamed over the old one.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from feoc import __version__
from feoc.data.dataset import Dataset
from feoc.determine.core import government_bodies
from feoc.law.law import Law
from feoc.render.markdown import footer, render_index, render_subject, report_path
from feoc.render.provenance import dataset_hash, rules_hash
from feoc.verdicts.timeline import REPORTED_ENTITY_TYPES, build_timelines

GENERATED_DIRS = ("entities", "vehicles")


def _links(dataset: Dataset) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]]:
    """entity ↔ vehicle links: the manufacturer and the operators of the plants behind a vehicle's battery."""
    reported = {e.id: e for e in dataset.entities if e.type in REPORTED_ENTITY_TYPES}
    operator = {f.id: f.operator for f in dataset.facilities}
    vehicle_links: dict[str, list[tuple[str, str]]] = {}
    entity_links: dict[str, list[tuple[str, str]]] = {}
    for v in sorted(dataset.vehicles, key=lambda v: v.id):
        battery = dataset.battery(v.battery)
        related = {v.manufacturer}
        for c in battery.components:
            related |= {operator[f] for f in (c.manufactured_at, c.assembled_at) if f}
        for m in battery.critical_minerals:
            related |= {operator[f] for f in (m.extracted_at, m.processed_at, m.recycled_at) if f}
        for eid in sorted(related):
            if eid in reported:
                vehicle_links.setdefault(v.id, []).append((reported[eid].name, report_path("entity", eid)))
                entity_links.setdefault(eid, []).append((v.name, report_path("vehicle", v.id)))
    return entity_links, vehicle_links


def build_reports(dataset: Dataset, data_folder: Path, dates: list[dt.date], law: Law, fmt: str = "md",
                  evaluator: str = "durable-rules", label: str | None = None) -> dict[str, str]:
    """Relative file name → content for the whole report set; deterministic for the same inputs."""
    timelines, per_date = build_timelines(dataset, dates, law, evaluator)
    default, params = law.default_interpretation, law.parameters
    data_hash, rule_hash = dataset_hash(data_folder), rules_hash(law.folder)
    shown_label = label or data_folder.name
    if fmt == "json":
        body = {"feoc_version": __version__, "dataset": shown_label, "dataset_sha256": data_hash,
                "rules_sha256": rule_hash, "interpretation": default, "dates": [d.isoformat() for d in dates],
                "subjects": [{"kind": t.kind, "subject": t.subject, "name": t.name,
                              "points": [v.as_dict() for _, v in t.points]} for t in timelines]}
        return {"report.json": json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"}
    entity_links, vehicle_links = _links(dataset)
    nations = set().union(*(set(params["covered_nations"].on(d) or []) for d in dates))
    context: dict[str, Any] = {
        "governments": set().union(*government_bodies(dataset, nations, law.vocabulary.government_types).values()) if nations else set(),
        "feoc_on": {d: per_date[d][default].feoc for d in dates},
        "threshold": {d: params["control_threshold"].on(d) for d in dates},
        "transition_until": {d: params["impracticable_to_trace_until"].on(d) for d in dates},
        "entity_links": entity_links, "vehicle_links": vehicle_links, "interpretation": default,
        "footer": footer(shown_label, data_hash, rule_hash, default),
    }
    files = {report_path(t.kind, t.subject): render_subject(t, dataset, context) for t in timelines}
    files["index.md"] = render_index(timelines, dates, context)
    return files


def _safe_target(out_dir: Path, name: str) -> Path:
    target = (out_dir / name).resolve()
    if out_dir.resolve() not in target.parents:
        raise ValueError(f"refusing to write outside the report folder: {name}")
    return target


def write_atomically(path: Path, content: str) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename it over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):  # left by an interrupted earlier run
            stale.unlink(missing_ok=True)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _generated(out_dir: Path, fmt: str) -> set[str]:
    """Files in the report folder that a report run owns (what it may replace or remove)."""
    if fmt == "json":
        return {"report.json"} if (out_dir / "report.json").exists() else set()
    found = {p.relative_to(out_dir).as_posix() for d in GENERATED_DIRS for p in (out_dir / d).glob("*.md")}
    if (out_dir / "index.md").exists():
        found.add("index.md")
    return found


def leftover_temporaries(out_dir: Path) -> list[str]:
    """Temporary files of write_atomically that an interrupted run left behind (`.NAME.XXXXXXXX.tmp`)."""
    if not out_dir.is_dir():
        return []
    return sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob(".*.tmp") if p.is_file())


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
