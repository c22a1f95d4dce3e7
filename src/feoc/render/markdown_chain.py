"""One diagram per subject report drawing the whole chain: from the top holders down through every
intermediate to the subject and, for a company, the plants it operates; for a vehicle, through the
operators of the plants that made its battery parts (and of its final assembly) to the vehicle itself
(e.g. Envision → AESC → AESC US → AESC Smyrna plant → Nissan Leaf). The chain is data as recorded on each
report date (holdings in force, plants, battery parts); the FEOC marks are the default reading's verdicts of
that date (`verdicts.report_set`), so nothing is judged here. Dates with the same chain share one diagram."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

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

    def key(self) -> tuple[object, ...]:
        """What two dates must share to share a diagram (footnote records aside)."""
        return (self.nodes, tuple(e[:3] for e in self.edges), self.feoc, self.governments)


def _holding_label(h: Holding) -> str:
    parts = [f"{h.share(field):.2%} {words}" for field, words in _MEASURES if h.share(field) is not None]
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
    """The whole chain of a reported subject on `day`: the plants and operators below a vehicle, the holders
    above every entity on it; the plants a company operates below it."""
    edges: list[Edge] = []
    if t.kind == "vehicle":
        vehicle = dataset.vehicle(t.subject)
        tops = _plant_edges(dataset, _vehicle_plants(dataset, t.subject), t.subject, edges)
        edges.append(Edge(vehicle.manufacturer, t.subject, "manufacturer", ()))
        tops.add(vehicle.manufacturer)
    else:
        tops = {t.subject}
        for f in sorted(dataset.facilities, key=lambda f: f.id):
            if f.operator == t.subject:
                edges.append(Edge(t.subject, f.id, "operates", ((f, f.id),)))
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


def _mark(chain: Chain, node: str) -> str:
    if node in chain.governments:
        return " — covered-nation government"
    return " — FEOC" if node in chain.feoc else ""


def _diagram(chain: Chain, dataset: Dataset) -> list[str]:
    """The chain as a Mermaid flowchart, top holders first; every label through the Mermaid sanitiser."""
    ids = {node: f"n{i}" for i, (node, _) in enumerate(chain.nodes)}
    lines = ["```mermaid", "flowchart TD"]
    for node, kind in chain.nodes:
        lines.append(f"  {ids[node]}[{mermaid_label(f'{clip(_name(dataset, node, kind))} ({node}){_mark(chain, node)}')}]")
    for e in chain.edges:
        lines.append(f"  {ids[e.source]} -->|{mermaid_label(e.label)}| {ids[e.target]}")
    lines += ["  classDef feoc fill:#fdd,stroke:#c00", "  classDef gov fill:#fbb,stroke:#900,stroke-width:2px"]
    flagged = sorted((ids[n] for n in chain.feoc - chain.governments), key=lambda i: int(i[1:]))
    governments = sorted((ids[n] for n in chain.governments), key=lambda i: int(i[1:]))
    if flagged:
        lines.append(f"  class {','.join(flagged)} feoc")
    if governments:
        lines.append(f"  class {','.join(governments)} gov")
    return lines + ["```", ""]


def _as_text(chain: Chain, dataset: Dataset, notes: Footnotes) -> list[str]:
    kinds = dict(chain.nodes)
    lines = ["As text, for readers without Mermaid (one line per link):", ""]
    for e in chain.edges:
        ends = [f"{md(_name(dataset, n, kinds[n]))} ({code(n)}){_mark(chain, n)}" for n in (e.source, e.target)]
        lines.append(f"- {ends[0]} → {ends[1]}: {md(e.label)}{notes.cite_all(list(e.cite))}")
    return lines + [""]


def chain_section(t: SubjectTimeline, dataset: Dataset, notes: Footnotes, context: ReportContext) -> list[str]:
    """The subject's whole chain, one diagram for the report dates that share it (usually all of them)."""
    groups: list[tuple[list[dt.date], Chain]] = []
    for day, _ in t.points:
        chain = chain_on(t, dataset, day, context)
        if groups and groups[-1][1].key() == chain.key():
            groups[-1][0].append(day)
        else:
            groups.append(([day], chain))
    if not any(chain.edges for _, chain in groups):
        return []
    what = "from the top holders to the vehicle" if t.kind == "vehicle" else "from the top holders to the plants it operates"
    lines = ["## Supply and ownership chain", "",
             f"The whole chain, {what}; FEOCs marked under the default reading on the date.", ""]
    for days, chain in groups:
        if len(groups) > 1:
            lines += [f"### On {days[0].isoformat()}" + (f" to {days[-1].isoformat()}" if len(days) > 1 else ""), ""]
        lines += _diagram(chain, dataset) + _as_text(chain, dataset, notes)
    return lines
