"""The seed data set (seeds/*.yaml): it validates, every fact carries provenance, quotes are verbatim,
every assumption says why, and the facts the verdicts rest on are the ones the seed documents tell.

Seed documents live beside the repository: `../shared/seeds/NNN_<16 hex>.txt` (the clone's parent folder
holds `shared/`). Checks that need them are skipped when that folder is absent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.model import Record
from feoc.law.law import Law
from feoc.load.folder import load_dataset

LAW = Law.load()

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED_DOCS = SHARED / "seeds"
REFERENCE = SHARED / "reference"
SEED_DOC_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
KINDS = ("entities", "holdings", "listings", "agreements", "facilities", "batteries", "vehicles")
COVERED = {"CN", "RU", "KP", "IR"}


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SEEDS, LAW)


def records(dataset) -> Iterator[tuple[str, Record]]:
    """Every record of the data set, including each component and mineral inside a battery."""
    for kind in KINDS:
        for position, record in enumerate(getattr(dataset, kind)):
            label = f"{kind}[{position}] {getattr(record, 'id', '')}".rstrip()
            yield label, record
            if kind == "batteries":
                for i, component in enumerate(record.components):
                    yield f"{label} components[{i}] {component.component}", component
                for i, mineral in enumerate(record.critical_minerals):
                    yield f"{label} critical_minerals[{i}] {mineral.mineral}", mineral


def sources(dataset) -> Iterator[tuple[str, str, str]]:
    for label, record in records(dataset):
        for source in record.sources:
            yield label, source.doc, source.quote


# --- the data set validates ---------------------------------------------------------------------

def test_seeds_validate(dataset):
    counts = dataset.counts()
    assert all(counts[kind] > 0 for kind in KINDS), counts


def test_feoc_validate_command_exits_zero():
    result = CliRunner().invoke(app, ["validate", str(SEEDS)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


# --- provenance ----------------------------------------------------------------------------------

def test_every_record_component_and_mineral_has_a_source(dataset):
    missing = [label for label, record in records(dataset)
               if not any(s.doc.strip() and s.quote.strip() for s in record.sources)]
    assert not missing, "records without a source (doc and quote): " + "; ".join(missing)


def test_every_assumed_record_says_why(dataset):
    unexplained = [label for label, record in records(dataset)
                   if record.assumed and not (record.assumption and record.assumption.strip())]
    assert not unexplained, unexplained


def test_seed_document_quotes_are_verbatim(dataset):
    if not SEED_DOCS.is_dir():
        pytest.skip(f"seed documents not found at {SEED_DOCS}")
    texts: dict[str, str] = {}
    wrong = []
    for label, doc, quote in sources(dataset):
        if not SEED_DOC_NAME.fullmatch(doc):
            continue
        path = SEED_DOCS / doc
        if not path.is_file():
            wrong.append(f"{label}: no seed document {doc}")
            continue
        text = texts.setdefault(doc, collapse(path.read_text(encoding="utf-8")))
        if collapse(quote) not in text:
            wrong.append(f"{label}: quote not found verbatim in {doc}: {quote[:80]!r}")
    assert not wrong, "\n".join(wrong)


def test_other_quotes_are_the_words_of_the_reference_files(dataset):
    """A quote for a public source (a URL, or a source named in industry-data.md) is the reference
    files' own paraphrase of it, copied word for word (markdown emphasis `**` removed)."""
    files = [REFERENCE / "industry-data.md", REFERENCE / "feoc-law.md"]
    if not all(f.is_file() for f in files):
        pytest.skip(f"reference files not found under {REFERENCE}")
    text = collapse(" ".join(f.read_text(encoding="utf-8").replace("**", "") for f in files))
    wrong = [f"{label}: {doc}: {quote[:80]!r}" for label, doc, quote in sources(dataset)
             if not SEED_DOC_NAME.fullmatch(doc) and collapse(quote) not in text]
    assert not wrong, "quotes not found in industry-data.md / feoc-law.md:\n" + "\n".join(wrong)


def test_seed_documents_are_all_used(dataset):
    if not SEED_DOCS.is_dir():
        pytest.skip(f"seed documents not found at {SEED_DOCS}")
    cited = {doc for _, doc, _ in sources(dataset) if SEED_DOC_NAME.fullmatch(doc)}
    present = {p.name for p in SEED_DOCS.iterdir() if SEED_DOC_NAME.fullmatch(p.name)}
    assert present <= cited, f"seed documents never cited: {sorted(present - cited)}"


# --- the facts the story rests on ----------------------------------------------------------------

def _held(dataset, holder: str, entity: str, day: dt.date) -> float:
    return sum(h.equity or 0.0 for h in dataset.holdings_on(day) if h.holder == holder and h.entity == entity)


def _upstream(dataset, entity: str, day: dt.date) -> set[str]:
    """Every entity holding any share of `entity`, directly or indirectly, on `day` (and entity itself)."""
    seen, todo = {entity}, [entity]
    while todo:
        current = todo.pop()
        for h in dataset.holdings_on(day):
            if h.entity == current and h.holder not in seen:
                seen.add(h.holder)
                todo.append(h.holder)
    return seen


def test_covered_nation_governments_and_party(dataset):
    for eid, country, kind in [("gov-cn", "CN", "government"), ("gov-ru", "RU", "government"),
                               ("gov-kp", "KP", "government"), ("gov-ir", "IR", "government"),
                               ("ccp", "CN", "party"), ("gov-cn-hubei", "CN", "government")]:
        entity = dataset.entity(eid)
        assert (entity.type, entity.country) == (kind, country), eid


def test_aesc_ownership_timeline(dataset):
    jv, sold = dt.date(2018, 1, 1), dt.date(2019, 3, 29)
    assert _held(dataset, "nissan", "aesc", jv) == pytest.approx(0.51)
    assert _held(dataset, "nec", "aesc", jv) == pytest.approx(0.42)
    assert _held(dataset, "nec-energy-devices", "aesc", jv) == pytest.approx(0.07)
    assert _held(dataset, "envision-group", "aesc", jv) == 0
    assert _held(dataset, "envision-group", "aesc", sold) == pytest.approx(0.80)
    assert _held(dataset, "nissan", "aesc", sold) == pytest.approx(0.20)
    assert _held(dataset, "nec", "aesc", sold) == 0
    envision = dataset.entity("envision-group")
    assert envision.headquartered_in == "CN"
    assert dataset.entity("aesc").headquartered_in == "JP"  # a FEOC only through Envision's stake


def test_gsr_capital_never_held_aesc(dataset):
    assert dataset.has_entity("gsr-capital")
    assert not [h for h in dataset.holdings if "gsr-capital" in (h.holder, h.entity)]


def test_leaf_components_are_made_by_an_envision_owned_operator_from_2024(dataset):
    day = dt.date(2024, 1, 1)
    battery = dataset.battery(dataset.vehicle("nissan-leaf-2024").battery)
    for component in battery.components:
        facility = dataset.facility(component.manufactured_at or component.assembled_at)
        assert facility.in_force(day) and facility.country == "US"
        assert "envision-group" in _upstream(dataset, facility.operator, day), component.component


def test_canton_battery_chain_has_no_covered_nation_entity(dataset):
    day = dt.date(2028, 6, 1)
    battery = dataset.battery("nissan-canton-sk-on-battery")
    steps = [c.manufactured_at or c.assembled_at for c in battery.components]
    steps += [m.extracted_at or m.processed_at or m.recycled_at for m in battery.critical_minerals]
    for fid in steps:
        facility = dataset.facility(fid)
        assert facility.in_force(day) and facility.country not in COVERED, fid
        for eid in _upstream(dataset, facility.operator, day):
            entity = dataset.entity(eid)
            assert not {entity.country, entity.incorporated_in, entity.headquartered_in} & COVERED, (fid, eid)
    for n in range(1, 5):
        vehicle = dataset.vehicle(f"nissan-canton-ev-{n}")
        assert (vehicle.battery, vehicle.final_assembly_country, vehicle.status) == \
            ("nissan-canton-sk-on-battery", "US", "announced")


def test_blueoval_sk_split(dataset):
    before, after = dt.date(2026, 3, 30), dt.date(2026, 3, 31)
    assert _held(dataset, "ford", "blueoval-sk", before) == pytest.approx(0.5)
    assert _held(dataset, "sk-on", "blueoval-sk", before) == pytest.approx(0.5)
    assert _held(dataset, "ford", "blueoval-sk", after) == 0
    assert dataset.facility("blueoval-sk-kentucky-1").in_force(before)
    assert not dataset.facility("blueoval-sk-kentucky-1").in_force(after)
    assert dataset.facility("ford-kentucky-1").in_force(after)
    assert dataset.facility("sk-on-tennessee").in_force(after)


def test_catl_is_on_the_1260h_list_from_2025_01_07(dataset):
    listings = [x for x in dataset.listings if x.entity == "catl" and x.list == "dod-1260h"]
    assert listings and listings[0].start == dt.date(2025, 1, 7)
