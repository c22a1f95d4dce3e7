"""Write a synthetic feoc dataset folder ("world") for benchmarks and large-scale tests.

    python bench/gen_world.py --entities 100000 --out /tmp/world [--seed 1] [--files 10]

The world follows the dataset contract of shared/design.md and is *valid*: `feoc validate DIR` exits 0.
It is deterministic for a given (entities, seed, files): the same arguments write byte-identical files.

What it holds, per 100k entities:
- entities of every type: companies (most), funds, persons (some senior political figures), and
  government bodies, agencies and ruling parties of several nations (CN and RU among them), with
  countries drawn from a list that includes `NO` (Norway) written unquoted;
- about 1.5 holdings per entity: each company gets 0–4 holders whose stakes total at most 100 % (some
  exactly 100 %), holders mostly entities defined shortly before it, so that ownership chains run deep
  (tens of levels from a government down); some stakes point "backwards" (a subsidiary holding a small
  stake in an ancestor), making partial cross-holding cycles, never a cycle of 100 % stakes;
- some stakes are dated, and some are handed over from one holder to another on a date (the first
  stake ends the day the second begins), which the share-total check must accept;
- shares written as numbers (`0.25`) or percentage strings (`"25%"`), equity often with voting
  and board seats;
- a few listings, licence agreements, facilities, batteries with components and critical minerals,
  and vehicles.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

COUNTRIES = ["US", "JP", "KR", "DE", "FR", "GB", "NO", "SE", "CA", "MX", "AU", "CN", "CN", "CN", "RU",
             "IN", "ID", "CL", "AR", "HK", "SG", "TW", "FI", "PL", "HU"]
NATIONS = ["CN", "RU", "KP", "IR"]  # covered nations whose government bodies appear in the world
WORDS = ["amber", "basalt", "cobalt", "delta", "ember", "fjord", "granite", "harbor", "indigo", "juniper",
         "kestrel", "lumen", "meridian", "nimbus", "onyx", "pioneer", "quartz", "riverside", "summit",
         "tundra", "umber", "vertex", "willow", "xenon", "yarrow", "zenith"]
SUFFIXES = ["energy", "materials", "battery", "holdings", "capital", "mining", "chemical", "tech", "motors", "power"]
COMPONENTS = ["cathode_electrode", "anode_electrode", "separator", "liquid_electrolyte", "battery_cell",
              "battery_module"]
MINERALS = ["lithium", "nickel", "cobalt", "graphite", "manganese", "aluminum"]
LISTS = ["ofac-sdn", "dod-1260h", "uflpa", "doe-determination"]
RIGHTS = ["production_quantity_or_timing", "output_buyers", "technology_ip_retained", "royalty_only",
          "technical_services"]
MINERAL_ACTIVITIES = ["critical_mineral_extraction", "critical_mineral_processing", "critical_mineral_recycling"]


def _day(rng: random.Random, lo: int = 2005, hi: int = 2030) -> str:
    return f"{rng.randint(lo, hi)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _share(rng: random.Random, value: float) -> str:
    """A share written either as a number or as a quoted percentage string."""
    if rng.random() < 0.4:
        return f'"{value * 100:g}%"'
    return f"{value:g}"


def _split(rng: random.Random, total_pct: int, parts: int) -> list[int]:
    """`parts` positive whole percentages adding up to `total_pct` (exact, so totals never drift)."""
    if parts == 1:
        return [total_pct]
    cuts = sorted(rng.sample(range(1, total_pct), parts - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [total_pct])]


class World:
    def __init__(self, n: int, seed: int):
        self.n = n
        self.rng = random.Random(seed)
        self.entities: list[str] = []  # YAML text of each entity record
        self.holdings: list[str] = []
        self.ids: list[str] = []
        self.types: list[str] = []

    # ---- output: YAML text per record, or (--parquet) the same records as Parquet row groups ---------
    sink: ParquetSink | None = None

    def _emit_entity(self, lines: list[str]) -> None:
        if self.sink is None:
            self.entities.append("\n".join(lines))
        else:
            self.sink.add("entities", _fields(lines))

    def _emit_holding(self, lines: list[str]) -> None:
        if self.sink is None:
            self.holdings.append("\n".join(lines))
        else:
            self.sink.add("holdings", _fields(lines))

    # ---- entities --------------------------------------------------------------------------------
    def make_entities(self) -> None:
        rng = self.rng
        n_gov = max(4, self.n // 500)
        for i in range(self.n):
            if i < n_gov:
                kind = ("government", "agency", "party")[i % 3] if i >= len(NATIONS) else "government"
                nation = NATIONS[i % len(NATIONS)]
                eid = f"{nation.lower()}-{kind}-{i}"
                lines = [f"- id: {eid}", f"  name: {nation} {kind.title()} body {i}", f"  type: {kind}",
                         f"  country: {nation}"]
            else:
                r = rng.random()
                kind = "company" if r < 0.86 else "fund" if r < 0.94 else "person"
                country = rng.choice(COUNTRIES)
                if kind == "person":
                    eid = f"person-{i}"
                    lines = [f"- id: {eid}", f"  name: Person {i}", "  type: person", f"  country: {country}"]
                    if rng.random() < 0.05:
                        lines.append(f"  political_figure_of: {rng.choice(NATIONS)}")
                else:
                    word = rng.choice(WORDS)
                    eid = f"{word}-{rng.choice(SUFFIXES)}-{i}"
                    lines = [f"- id: {eid}", f"  name: {word.title()} {kind.title()} {i}", f"  type: {kind}",
                             f"  incorporated_in: {country}"]
                    if rng.random() < 0.5:
                        lines.append(f"  headquartered_in: {rng.choice(COUNTRIES) if rng.random() < 0.2 else country}")
                    if rng.random() < 0.05:
                        lines.append(f"  aliases: [{word.title()} Co {i}, {word.upper()} {i}]")
                    if rng.random() < 0.02:
                        lines += ["  sources:", f"    - doc: annual-report-{i}.pdf",
                                  f"      quote: \"{word.title()} is incorporated in {country}.\""]
            self.ids.append(eid)
            self.types.append(kind)
            self._emit_entity(lines)

    # ---- holdings --------------------------------------------------------------------------------
    def _holding(self, holder: int, entity: int, pct: int, start: str | None = None, end: str | None = None,
                 extra: bool = True) -> None:
        rng = self.rng
        share = _share(rng, pct / 100)
        lines = [f"- holder: {self.ids[holder]}", f"  entity: {self.ids[entity]}", f"  equity: {share}"]
        if extra and rng.random() < 0.3:
            lines.append(f"  voting: {share}")
        if extra and rng.random() < 0.1:
            lines.append(f"  board_seats: {share}")
        if start:
            lines.append(f"  from: {start}")
        if end:
            lines.append(f"  until: {end}")
        self._emit_holding(lines)

    def make_holdings(self) -> None:
        rng, n = self.rng, self.n
        n_gov = max(4, n // 500)
        for e in range(n_gov, n):
            if self.types[e] == "person":
                continue
            k = rng.choices([0, 1, 2, 3, 4], weights=[14, 44, 26, 10, 6])[0]
            if k == 0:
                continue
            total = 100 if k == 1 and rng.random() < 0.5 else rng.randint(max(k + 1, 30), 100)
            back = rng.random() < 0.08 and e > n_gov + 50  # reserve part of the budget for a stake from below
            if back:
                total = min(total, 85)
            parts = _split(rng, total, k)
            for pct in parts:
                if rng.random() < 0.7:  # a recent predecessor: deep chains
                    holder = max(0, e - rng.randint(1, 40))
                else:  # anyone before it (governments sit at the start, so they hold widely)
                    holder = rng.randrange(0, e)
                if holder == e:
                    continue
                r = rng.random()
                if r < 0.06:  # a stake handed over on a date to another holder: totals stay within budget
                    other = rng.randrange(0, e)
                    if other == holder:
                        other = (holder + 1) % e
                    handover = _day(rng, 2012, 2024)
                    self._holding(holder, e, pct, start=_day(rng, 2000, 2011), end=handover)
                    self._holding(other, e, pct, start=handover)
                elif r < 0.2:
                    self._holding(holder, e, pct, start=_day(rng, 2000, 2024))
                else:
                    self._holding(holder, e, pct)
            if back:  # a descendant holds a small stake in this entity: a partial cross-holding cycle
                child = rng.randint(e + 1, min(n - 1, e + 60)) if e + 1 < n else None
                if child is not None and self.types[child] != "person":
                    self._holding(child, e, rng.randint(1, 15), extra=False)

    # ---- supply chain and designations ----------------------------------------------------------
    def supply_chain(self) -> str:
        rng, n = self.rng, self.n
        companies = [i for i, t in enumerate(self.types) if t == "company"]
        out = ["listings:"]
        for i in rng.sample(companies, max(1, n // 2000)):
            out += [f"  - entity: {self.ids[i]}", f"    list: {rng.choice(LISTS)}", f"    from: {_day(rng, 2018, 2025)}"]
        out.append("agreements:")
        for a in range(max(1, n // 5000)):
            licensor, licensee = rng.sample(companies, 2)
            rights = ", ".join(rng.sample(RIGHTS, rng.randint(1, 3)))
            out += [f"  - id: licence-{a}", "    kind: license", f"    licensor: {self.ids[licensor]}",
                    f"    licensee: {self.ids[licensee]}", f"    rights: [{rights}]", f"    from: {_day(rng, 2020, 2025)}"]
        out.append("facilities:")
        n_fac = max(4, n // 1000)
        cell_plants, mineral_plants = [], []
        for f in range(n_fac):
            fid = f"plant-{f}"
            if f % 2 == 0:
                acts = [f"{c}_manufacturing" for c in COMPONENTS] + ["battery_module_assembly"]
                cell_plants.append(fid)
            else:
                acts = MINERAL_ACTIVITIES
                mineral_plants.append(fid)
            out += [f"  - id: {fid}", f"    name: Plant {f}", f"    operator: {self.ids[rng.choice(companies)]}",
                    f"    country: {rng.choice(COUNTRIES)}", f"    activities: [{', '.join(acts)}]"]
        out.append("batteries:")
        n_bat = max(2, n // 2000)
        for b in range(n_bat):
            out += [f"  - id: pack-{b}", f"    name: Pack {b}", "    components:"]
            for comp in rng.sample(COMPONENTS, rng.randint(2, len(COMPONENTS))):
                out += [f"      - component: {comp}", f"        manufactured_at: {rng.choice(cell_plants)}",
                        f"        value_usd: {rng.randint(50, 5000)}"]
            out.append("    critical_minerals:")
            for mineral in rng.sample(MINERALS, rng.randint(1, 4)):
                out += [f"      - mineral: {mineral}", f"        extracted_at: {rng.choice(mineral_plants)}",
                        f"        processed_at: {rng.choice(mineral_plants)}", f"        value_usd: {rng.randint(10, 900)}"]
        out.append("vehicles:")
        for v in range(max(2, n // 2000)):
            out += [f"  - id: car-{v}", f"    name: Car {v}", f"    model_year: {rng.randint(2023, 2026)}",
                    f"    manufacturer: {self.ids[rng.choice(companies)]}", f"    battery: pack-{rng.randrange(n_bat)}",
                    f"    final_assembly_country: {rng.choice(['US', 'US', 'MX', 'CA'])}",
                    f"    msrp_usd: {rng.randint(25, 90) * 1000}",
                    f"    vehicle_class: {rng.choice(['car', 'suv', 'pickup', 'van'])}"]
        return "\n".join(out) + "\n"


def _fields(lines: list[str]) -> dict[str, object]:
    """The record the YAML lines of `make_entities` / `_holding` write, as the loader reads it (a share "25%" as
    0.25, a date as a date), for the Parquet output: the same world either way."""
    import datetime as dt

    out: dict[str, object] = {}
    key = ""
    for line in lines:
        text = line[2:]
        if text.startswith("  - doc: "):
            out.setdefault("sources", []).append({"doc": text[9:], "quote": None})  # type: ignore[union-attr]
            continue
        if text.startswith("    quote: "):
            out["sources"][-1]["quote"] = text[11:].strip('"')  # type: ignore[index]
            continue
        key, _, value = text.partition(": ")
        if key == "sources:":
            continue
        if key == "aliases":
            out[key] = [v.strip() for v in value.strip("[]").split(",")]
        elif key in ("equity", "voting", "board_seats"):
            out[key] = float(value.strip('"%')) / 100 if value.endswith('%"') else float(value)
        elif key in ("from", "until"):
            out[key] = dt.date.fromisoformat(value)
        else:
            out[key] = value
    return out


class ParquetSink:
    """entities.parquet and holdings.parquet written a row group at a time (a 10M-entity world never held whole)."""

    ROWS = 500_000

    def __init__(self, out: Path):
        import sys

        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
        from feoc.load.columns import kind_schema

        self.out, self.schema = out, {k: kind_schema(k) for k in ("entities", "holdings")}
        self.rows: dict[str, list[dict[str, object]]] = {"entities": [], "holdings": []}
        self.writers: dict[str, object] = {}

    def add(self, kind: str, record: dict[str, object]) -> None:
        self.rows[kind].append(record)
        if len(self.rows[kind]) >= self.ROWS:
            self.flush(kind)

    def flush(self, kind: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows, schema = self.rows[kind], self.schema[kind]
        if not rows:
            return
        table = pa.table({f.name: pa.array([r.get(f.name) for r in rows], type=f.type) for f in schema}, schema=schema)
        if kind not in self.writers:
            self.writers[kind] = pq.ParquetWriter(self.out / f"{kind}.parquet", schema, compression="zstd")
        self.writers[kind].write_table(table)  # type: ignore[attr-defined]
        rows.clear()

    def close(self) -> None:
        for kind in self.rows:
            self.flush(kind)
        for writer in self.writers.values():
            writer.close()  # type: ignore[attr-defined]


def _indent(records: list[str]) -> str:
    return "\n".join("  " + line for rec in records for line in rec.split("\n")) + "\n"


def write_world(n: int, out: Path, seed: int = 1, files: int = 10) -> dict[str, int]:
    """Write the world into `out` (created if needed; its world-*.yaml files are replaced). Returns counts."""
    world = World(n, seed)
    world.make_entities()
    world.make_holdings()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("world-*.yaml"):
        old.unlink()
    files = max(1, files)
    ent_chunk = -(-len(world.entities) // files)
    hold_chunk = -(-len(world.holdings) // files)
    for f in range(files):
        ents = world.entities[f * ent_chunk:(f + 1) * ent_chunk]
        holds = world.holdings[f * hold_chunk:(f + 1) * hold_chunk]
        text = f"# synthetic feoc world: {n} entities, seed {seed}, part {f + 1} of {files}\n"
        if ents:
            text += "entities:\n" + _indent(ents)
        if holds:
            text += "holdings:\n" + _indent(holds)
        (out / f"world-{f:02d}.yaml").write_text(text, encoding="utf-8")
    (out / "world-supply.yaml").write_text(world.supply_chain(), encoding="utf-8")
    return {"entities": len(world.entities), "holdings": len(world.holdings), "files": files + 1}


def write_parquet_world(n: int, out: Path, seed: int = 1) -> dict[str, int]:
    """The world of `write_world` (same seed, same records) with its entities and holdings written straight to
    entities.parquet and holdings.parquet (the column contract of `feoc.load.columns`), the rest to
    world-supply.yaml: for worlds too large to write and convert as YAML (issue 17: 10M entities)."""
    world = World(n, seed)
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("world-*.yaml"), *out.glob("*.parquet")]:
        old.unlink()
    world.sink = sink = ParquetSink(out)
    counts = {"entities": n}
    world.make_entities()
    world.make_holdings()
    sink.close()
    (out / "world-supply.yaml").write_text(world.supply_chain(), encoding="utf-8")
    return counts | {"files": 3}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--files", type=int, default=10, help="files the entities and holdings are spread over")
    parser.add_argument("--parquet", action="store_true", help="write entities and holdings as Parquet tables")
    args = parser.parse_args(argv)
    if args.parquet:
        counts = write_parquet_world(args.entities, args.out, args.seed)
        print(f"{args.out}: {counts['entities']} entities as Parquet")
        return
    counts = write_world(args.entities, args.out, args.seed, args.files)
    print(f"{args.out}: {counts['entities']} entities, {counts['holdings']} holdings in {counts['files']} files")


if __name__ == "__main__":
    main()
