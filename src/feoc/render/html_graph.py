"""What a subject page of `feoc serve` draws and links from the dataset as of a date: the ownership diagram
(Mermaid, every holding in force above the subject up to its top holders, in the Markdown report's style and
through its one label sanitiser) and the subjects related to it (holders, holdings, plants, vehicles).

Reading records is not judging: the FEOC and government marks come from the verdict and the caller
(`feoc.serve.pages`), never from a determination made here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, NamedTuple

from feoc.render.markdown_shares import share_text
from feoc.render.sanitize import clip, mermaid_label

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.data.model import Holding, Vehicle

DIAGRAM_NODE_LIMIT = 80  # entities drawn at most: Mermaid's layout grows slow and unreadable past that
_MEASURES = ("equity", "voting", "board_seats", "debt")  # the share fields of a holding (feoc.data.model.Holding)


class Edge(NamedTuple):
    source: str  # a record id (entity, facility or vehicle)
    target: str
    label: str


class Diagram(NamedTuple):
    """The nodes (id → label text, before sanitising), the edges and whether the node limit cut it short."""

    nodes: dict[str, str]
    edges: list[Edge]
    cut: bool


class Link(NamedTuple):
    """A related subject: its route kind (`entities`, `facilities`, `vehicles`), id, name and why it is related."""

    route: str
    ident: str
    name: str
    relation: str


def shares(h: Holding) -> str:
    """`equity 60.00%, voting 60.00%`, and `appoints officers` where the holding gives that right."""
    parts = [f"{m.replace('_', ' ')} {share_text(s)}" for m in _MEASURES if (s := h.share(m)) is not None]
    return ", ".join(parts + (["appoints officers"] if h.appoints_officers else [])) or "holding"


def _held_by(dataset: Dataset, day: dt.date) -> dict[str, list[Holding]]:
    out: dict[str, list[Holding]] = defaultdict(list)
    for h in dataset.holdings_on(day):
        out[h.entity].append(h)
    return out


def _names(dataset: Dataset) -> dict[str, str]:
    return {**{e.id: e.name for e in dataset.entities}, **{f.id: f.name for f in dataset.facilities},
            **{v.id: v.name for v in dataset.vehicles}}


def _plants(dataset: Dataset, vehicle: Vehicle) -> list[tuple[str, str]]:
    """(facility id, what it does for the vehicle's battery: `manufactures anode_electrode, battery_cell`), each
    plant once, in the battery's order."""
    battery = dataset.battery(vehicle.battery)
    steps = [(step, part, fid) for c in battery.components
             for step, part, fid in (("manufactures", c.component, c.manufactured_at),
                                     ("assembles", c.component, c.assembled_at))]
    steps += [(step, m.mineral, fid) for m in battery.critical_minerals
              for step, fid in (("extracts", m.extracted_at), ("processes", m.processed_at), ("recycles", m.recycled_at))]
    found: dict[str, dict[str, list[str]]] = {}
    for step, part, fid in steps:
        if fid and dataset.has_facility(fid):
            found.setdefault(fid, {}).setdefault(step, []).append(part)
    return [(fid, "; ".join(f"{step} {', '.join(dict.fromkeys(parts))}" for step, parts in does.items()))
            for fid, does in found.items()]


def _anchors(kind: str, ident: str, dataset: Dataset) -> tuple[list[str], list[Edge]]:
    """The entities whose holders are drawn, and the edges from them down to a facility or vehicle subject."""
    if kind == "facility":
        operator = dataset.facility(ident).operator
        return [operator], [Edge(operator, ident, "operates")]
    if kind == "vehicle":
        vehicle = dataset.vehicle(ident)
        edges = [Edge(vehicle.manufacturer, ident, "manufactures the vehicle")]
        for fid, does in _plants(dataset, vehicle):
            edges += [Edge(dataset.facility(fid).operator, fid, "operates"), Edge(fid, ident, does)]
        roots = [vehicle.manufacturer] + [e.source for e in edges if e.label == "operates"]
        return list(dict.fromkeys(roots)), edges
    return [ident], []


def ownership(kind: str, ident: str, dataset: Dataset, day: dt.date) -> Diagram:
    """Every holding in force on `day` above the subject (through its operator for a plant, its manufacturer
    and its battery plants' operators for a vehicle), up to the top holders; cycles drawn once."""
    held = _held_by(dataset, day)
    roots, edges = _anchors(kind, ident, dataset)
    seen: set[str] = set()
    queue = list(roots)
    while queue and len(seen) < DIAGRAM_NODE_LIMIT:
        entity = queue.pop(0)
        if entity in seen:
            continue
        seen.add(entity)
        for h in sorted(held.get(entity, []), key=lambda h: (h.holder, shares(h))):
            edges.append(Edge(h.holder, entity, shares(h)))
            queue.append(h.holder)
    names = _names(dataset)
    nodes = {ident: names.get(ident, ident)}
    for e in edges:
        for x in (e.source, e.target):
            nodes.setdefault(x, names.get(x, x))
    return Diagram(nodes, list(dict.fromkeys(edges)), bool(queue))


def mermaid(d: Diagram, subject: str, feoc: set[str], governments: set[str]) -> list[str]:
    """The Mermaid source: holders above, the subject below, shares on the edges; FEOCs and covered-nation
    governments marked as in the Markdown report (`render.markdown_parts`). Every label goes through
    `sanitize.mermaid_label`; node names are generated (`n0`, `n1`, …), never taken from the data."""
    ids = {x: f"n{i}" for i, x in enumerate(d.nodes)}
    lines = ["flowchart BT"]
    for x, name in d.nodes.items():
        label = f"{clip(name)} ({x})"
        if x in governments:
            label += " — covered-nation government"
        elif x in feoc:
            label += " — FEOC"
        lines.append(f"  {ids[x]}[{mermaid_label(label)}]")
    lines += [f"  {ids[e.source]} -->|{mermaid_label(e.label)}| {ids[e.target]}" for e in d.edges]
    lines += ["  classDef feoc fill:#fdd,stroke:#c00", "  classDef gov fill:#fbb,stroke:#900,stroke-width:2px",
              "  classDef subj stroke-width:3px", f"  class {ids[subject]} subj"]
    flagged_gov = [ids[x] for x in d.nodes if x in governments]
    flagged = [ids[x] for x in d.nodes if x in feoc and x not in governments]
    if flagged:
        lines.append(f"  class {','.join(flagged)} feoc")
    if flagged_gov:
        lines.append(f"  class {','.join(flagged_gov)} gov")
    return lines


def related(kind: str, ident: str, dataset: Dataset, day: dt.date) -> list[Link]:
    """The subjects a page links to: an entity's direct holders and holdings on `day`, the plants it operates
    and the vehicles it makes; a plant's operator and the vehicles it supplies; a vehicle's manufacturer,
    battery plants and their operators."""
    names = _names(dataset)
    out: list[Link] = []
    if kind == "entity":
        for h in dataset.holdings_on(day):
            if h.entity == ident:
                out.append(Link("entities", h.holder, names.get(h.holder, h.holder), f"holder ({shares(h)})"))
            elif h.holder == ident:
                out.append(Link("entities", h.entity, names.get(h.entity, h.entity), f"holds {shares(h)}"))
        out += [Link("facilities", f.id, f.name, "plant it operates") for f in dataset.facilities if f.operator == ident]
        out += [Link("vehicles", v.id, v.name, "vehicle it manufactures") for v in dataset.vehicles
                if v.manufacturer == ident]
    elif kind == "facility":
        operator = dataset.facility(ident).operator
        out.append(Link("entities", operator, names.get(operator, operator), "operator"))
        out += [Link("vehicles", v.id, v.name, f"its battery: the plant {does}") for v in dataset.vehicles
                for fid, does in _plants(dataset, v) if fid == ident]
    else:
        vehicle = dataset.vehicle(ident)
        out.append(Link("entities", vehicle.manufacturer, names.get(vehicle.manufacturer, vehicle.manufacturer),
                        "manufacturer"))
        for fid, does in _plants(dataset, vehicle):
            operator = dataset.facility(fid).operator
            out += [Link("facilities", fid, names[fid], f"battery plant: {does}"),
                    Link("entities", operator, names.get(operator, operator), f"operator of {fid}")]
    return list(dict.fromkeys(out))
