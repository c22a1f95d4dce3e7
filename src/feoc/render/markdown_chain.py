"""One diagram per subject report drawing the whole chain: from the top holders down through every
intermediate to the subject and, for a company, the plants it operates; for a vehicle, through the
operators of the plants that made its battery parts (and of its final assembly) to the vehicle itself
(e.g. Envision → AESC → AESC US → AESC Smyrna plant → Nissan Leaf). The chain is data as recorded on each
report date (holdings in force, plants, battery parts); the FEOC marks are the default reading's verdicts of
that date (`verdicts.report_set`), so nothing is judged here. Every date is drawn in the one diagram: a link
or mark that holds on some report dates only names them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

from feoc.render.markdown_shares import share_text
from feoc.render.sanitize import clip, code, md, mermaid_label

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.data.model import Holding
    from feoc.render.markdown_parts import ReportContext
    from feoc.render.provenance import Footnotes
    from feoc.verdicts.timeline import SubjectTimeline

_MEASURES = (("equity", "equity"), ("voting", "voting rights"), ("board_seats", "board seats"), ("debt", "debt"))


class Edge(NamedTuple):
    source: str  # a holder, an operator or a plant
    target: str  # what it holds, operates or made
    label: str
    cite: tuple[tuple[object, str], ...]  # the records behind the edge, for the footnotes


class Chain(NamedTuple):
    """A subject's chain on a date: every node (id, kind) and edge, and the FEOC and government marks."""

    nodes: tuple[tuple[str, str], ...]  # (id, entity | facility | vehicle), the subject first
    edges: tuple[Edge, ...]
    feoc: frozenset[str]
    governments: frozenset[str]


def _holding_label(h: Holding) -> str:
    parts = [f"{share_text(s)} {words}" for field, words in _MEASURES if (s := h.share(field)) is not None]
    return ", ".join(parts + (["appoints officers"] if h.appoints_officers else []))


def _holders(dataset: Dataset, start: set[str], day: dt.date, edges: list[Edge]) -> None:
    """Every holder above `start`, up to the top (each entity visited once: a cycle ends the walk)."""
    held_by: dict[str, list[Holding]] = {}
    for h in dataset.holdings_on(day):
        held_by.setdefault(h.entity, []).append(h)
    seen, todo = set(start), sorted(start)
    while todo:
        entity = todo.pop(0)
        for h in sorted(held_by.get(entity, []), key=lambda h: h.holder):
            holder = h.holder
            edges.append(Edge(holder, entity, _holding_label(h), ((h, f"holding {holder} → {entity}"),)))
            if holder not in seen:
                seen.add(holder)
                todo.append(holder)


def _held(dataset: Dataset, subject: str, day: dt.date, edges: list[Edge]) -> set[str]:
    """Every entity `subject` holds, directly or through others, down to the bottom (each visited once)."""
    holds: dict[str, list[Holding]] = {}
    for h in dataset.holdings_on(day):
        holds.setdefault(h.holder, []).append(h)
    seen: set[str] = set()
    todo = [subject]
    while todo:
        holder = todo.pop(0)
        for h in sorted(holds.get(holder, []), key=lambda h: h.entity):
            edges.append(Edge(holder, h.entity, _holding_label(h), ((h, f"holding {holder} → {h.entity}"),)))
            if h.entity not in seen and h.entity != subject:
                seen.add(h.entity)
                todo.append(h.entity)
    return seen


def _plant_edges(dataset: Dataset, plants: dict[str, list[str]], target: str, edges: list[Edge]) -> set[str]:
    """operator → plant → `target`, each plant's parts on its edge; the operators returned."""
    operators: set[str] = set()
    for fid in sorted(plants):
        facility = dataset.facility(fid)
        operators.add(facility.operator)
        edges.append(Edge(facility.operator, fid, "operates", ((facility, fid),)))
        edges.append(Edge(fid, target, ", ".join(plants[fid]), ()))
    return operators


def _vehicle_plants(dataset: Dataset, vid: str) -> dict[str, list[str]]:
    """Plant → the battery parts (and final assembly) of vehicle `vid` made there, in words."""
    vehicle = dataset.vehicle(vid)
    battery = dataset.battery(vehicle.battery)
    plants: dict[str, list[str]] = {}
    for c in battery.components:
        for step, fid in (("manufacturing", c.manufactured_at), ("assembly", c.assembled_at)):
            if fid:
                plants.setdefault(fid, []).append(f"{c.component.replace('_', ' ')} {step}")
    for m in battery.critical_minerals:
        for step, fid in (("extraction", m.extracted_at), ("processing", m.processed_at), ("recycling", m.recycled_at)):
            if fid:
                plants.setdefault(fid, []).append(f"{m.mineral.replace('_', ' ')} {step}")
    if vehicle.assembled_at:
        plants.setdefault(vehicle.assembled_at, []).append("final assembly")
    return plants


def chain_on(t: SubjectTimeline, dataset: Dataset, day: dt.date, context: ReportContext) -> Chain:
    """The whole chain of a reported subject on `day`: the plants and operators below a vehicle and the holders
    above every entity on it; for a company, its holders above it, and below it what it holds, down to the
    plants it and they operate."""
    edges: list[Edge] = []
    if t.kind == "vehicle":
        vehicle = dataset.vehicle(t.subject)
        tops = _plant_edges(dataset, _vehicle_plants(dataset, t.subject), t.subject, edges)
        edges.append(Edge(vehicle.manufacturer, t.subject, "manufacturer", ()))
        tops.add(vehicle.manufacturer)
    else:
        tops = {t.subject}
        below = {t.subject} | _held(dataset, t.subject, day, edges)
        for f in sorted(dataset.facilities, key=lambda f: f.id):
            if f.operator in below:
                edges.append(Edge(f.operator, f.id, "operates", ((f, f.id),)))
    _holders(dataset, tops, day, edges)
    kinds = {f.id: "facility" for f in dataset.facilities}
    kinds[t.subject] = t.kind
    order: dict[str, None] = {t.subject: None}
    for e in edges:
        order.update(dict.fromkeys((e.source, e.target)))
    first: dict[tuple[str, str, str], Edge] = {}
    for e in edges:  # a plant making several parts, a holder reached twice: one edge
        first.setdefault((e.source, e.target, e.label), e)
    unique = tuple(first.values())
    return Chain(tuple((n, kinds.get(n, "entity")) for n in order), unique,
                 frozenset(n for n in order if n in context.feoc_on.get(day, set())),
                 frozenset(n for n in order if n in context.governments))


def _name(dataset: Dataset, node: str, kind: str) -> str:
    if kind == "vehicle":
        return dataset.vehicle(node).name
    if kind == "facility":
        return dataset.facility(node).name
    return dataset.entity(node).name if dataset.has_entity(node) else node


class Drawn(NamedTuple):
    """The chains of every report date in one drawing: an edge or mark that holds on only some dates says on
    which (a holding that changed shows each share with its dates)."""

    nodes: tuple[tuple[str, str], ...]
    edges: tuple[Edge, ...]
    marks: dict[str, str]  # node -> " — FEOC", " — FEOC (on the report dates …)", " — covered-nation government"
    style: dict[str, str]  # node -> feoc | gov


def _when(days: list[dt.date], every: list[dt.date]) -> str:
    """'' for every report date, else ` (on the report dates 2022-08-17 to 2024-01-01, …)`."""
    if len(days) == len(every):
        return ""
    runs: list[list[dt.date]] = []
    for i, day in enumerate(every):
        if day in days:
            if runs and i and every[i - 1] in days:
                runs[-1].append(day)
            else:
                runs.append([day])
    spans = [r[0].isoformat() + (f" to {r[-1].isoformat()}" if len(r) > 1 else "") for r in runs]
    return f" (on the report dates {', '.join(spans)})"


def _merge(per_day: list[tuple[dt.date, Chain]]) -> Drawn:
    """Every date's chain in one drawing (one diagram per subject)."""
    every = [day for day, _ in per_day]
    nodes: dict[str, str] = {}
    labels: dict[tuple[str, str], dict[str, list[dt.date]]] = {}
    cites: dict[tuple[str, str], list[tuple[object, str]]] = {}
    for day, chain in per_day:
        for node, kind in chain.nodes:
            nodes.setdefault(node, kind)
        for e in chain.edges:
            labels.setdefault((e.source, e.target), {}).setdefault(e.label, []).append(day)
            cites.setdefault((e.source, e.target), []).extend(e.cite)
    edges = [Edge(a, b, "; ".join(label + _when(days, every) for label, days in by_label.items()), tuple(cites[a, b]))
             for (a, b), by_label in labels.items()]
    marks: dict[str, str] = {}
    style: dict[str, str] = {}
    for node in nodes:
        gov = [d for d, c in per_day if node in c.governments]
        feoc = [d for d, c in per_day if node in c.feoc and node not in c.governments]
        if gov or feoc:
            style[node] = "gov" if gov else "feoc"
            marks[node] = (" — covered-nation government" + _when(gov, every)) if gov else " — FEOC" + _when(feoc, every)
    return Drawn(tuple(nodes.items()), tuple(edges), marks, style)


def _diagram(chain: Drawn, dataset: Dataset) -> list[str]:
    """The chain as a Mermaid flowchart, top holders first; every label through the Mermaid sanitiser."""
    ids = {node: f"n{i}" for i, (node, _) in enumerate(chain.nodes)}
    lines = ["```mermaid", "flowchart TD"]
    for node, kind in chain.nodes:
        text = f"{clip(_name(dataset, node, kind))} ({node}){chain.marks.get(node, '')}"
        lines.append(f"  {ids[node]}[{mermaid_label(text)}]")
    for e in chain.edges:
        lines.append(f"  {ids[e.source]} -->|{mermaid_label(e.label)}| {ids[e.target]}")
    lines += ["  classDef feoc fill:#fdd,stroke:#c00", "  classDef gov fill:#fbb,stroke:#900,stroke-width:2px"]
    for style in ("feoc", "gov"):
        flagged = [ids[node] for node, _ in chain.nodes if chain.style.get(node) == style]
        if flagged:
            lines.append(f"  class {','.join(flagged)} {style}")
    return lines + ["```", ""]


def _as_text(chain: Drawn, dataset: Dataset, notes: Footnotes) -> list[str]:
    kinds = dict(chain.nodes)
    lines = ["As text, for readers without Mermaid (one line per link):", ""]
    for e in chain.edges:
        ends = [f"{md(_name(dataset, n, kinds[n]))} ({code(n)}){chain.marks.get(n, '')}" for n in (e.source, e.target)]
        lines.append(f"- {ends[0]} → {ends[1]}: {md(e.label)}{notes.cite_all(list(e.cite))}")
    return lines + [""]


def chain_section(t: SubjectTimeline, dataset: Dataset, notes: Footnotes, context: ReportContext) -> list[str]:
    """The subject's whole chain on every report date, in one diagram."""
    drawn = _merge([(day, chain_on(t, dataset, day, context)) for day, _ in t.points])
    if not drawn.edges:  # a company no one holds that operates no plant: nothing to draw
        return ["## Supply and ownership chain", "", "No holding in it or by it, and no plant it operates, is recorded.", ""]
    what = ("from the top holders to the vehicle" if t.kind == "vehicle"
            else "from the top holders through what it holds to the plants operated")
    return ["## Supply and ownership chain", "",
            f"The whole chain, {what}, on every report date; FEOCs marked under the default reading.", ""
            ] + _diagram(drawn, dataset) + _as_text(drawn, dataset, notes)
