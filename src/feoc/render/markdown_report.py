"""The Markdown report set of `feoc report` (`--format md`, the default): one file per reported entity and
vehicle, linked both ways, and `index.md`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feoc.render.markdown import render_subject
from feoc.render.markdown_index import render_index
from feoc.render.markdown_parts import ReportContext, footer, report_path
from feoc.verdicts.timeline import REPORTED_ENTITY_TYPES

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.render.base import ReportView

Links = dict[str, list[tuple[str, str]]]


def _links(dataset: Dataset) -> tuple[Links, Links]:
    """entity ↔ vehicle links: the manufacturer and the operators of the plants behind a vehicle's battery."""
    reported = {e.id: e for e in dataset.entities if e.type in REPORTED_ENTITY_TYPES}
    operator = {f.id: f.operator for f in dataset.facilities}
    vehicle_links: Links = {}
    entity_links: Links = {}
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


def context(view: ReportView) -> ReportContext:
    """What the subject reports of the set share (links, each rule's remedy, the footer)."""
    law, default = view.law, view.law.default_interpretation
    entity_links, vehicle_links = _links(view.dataset)
    remedies = {src.rule.id: src.rule.remedy for src in law.rules if src.rule.remedy}
    return ReportContext(law=law, governments=view.governments, feoc_on=view.feoc_on, entity_links=entity_links,
                         vehicle_links=vehicle_links, interpretation=default, remedies=remedies,
                         footer=footer(view.label, view.data_hash, view.rules_hash, default))


def report(view: ReportView) -> dict[str, str]:
    """Relative file name → content for the whole set; deterministic for the same inputs."""
    shared = context(view)
    files = {report_path(t.kind, t.subject): render_subject(t, view.dataset, shared) for t in view.timelines}
    files["index.md"] = render_index(view.timelines, view.dates, shared)
    return files
