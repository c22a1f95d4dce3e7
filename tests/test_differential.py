"""durable-rules against the plain-Python reference evaluator on a synthetic world of 10k entities:
identical findings under every interpretation (../shared/design.md: the reference proves the engine)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from feoc.dataset import Dataset
from feoc.determine import determine
from feoc.engine import EngineError
from feoc.model import Agreement, Entity, Facility, Holding, Listing

DAY = dt.date(2024, 6, 1)


def synthetic_world(n: int, seed: int = 7) -> Dataset:
    """n entities, ~1.5 holdings each, chains and a few cross-holdings, shares at the 25 % edge."""
    rng = random.Random(seed)
    countries = ["JP", "KR", "US", "DE", "SG", "CN", "RU", "GB", "FR", "IR"]
    entities = [Entity(id="gov-cn", name="Government of China", type="government", country="CN"),
                Entity(id="gov-ru", name="Government of Russia", type="government", country="RU"),
                Entity(id="cn-agency", name="A Chinese agency", type="agency", country="CN"),
                Entity(id="cn-official", name="A Chinese official", type="person", political_figure_of="CN")]
    for i in range(n):
        c = rng.choice(countries) if rng.random() < 0.2 else rng.choice(countries[:5])
        entities.append(Entity(id=f"e{i}", name=f"Entity {i}", type="company", incorporated_in=c,
                               headquartered_in=c if rng.random() < 0.9 else rng.choice(countries)))
    ids = [e.id for e in entities]
    room = {e: {"equity": 1.0, "voting": 1.0, "board_seats": 1.0} for e in ids}
    holdings = []
    for k in range(int(n * 1.5)):
        target = f"e{rng.randrange(n)}"
        tnum = int(target[1:])
        holder = rng.choice(ids[:4]) if rng.random() < 0.05 else f"e{rng.randrange(max(tnum, 1))}"
        if rng.random() < 0.02:  # an occasional cross-holding upward
            holder = f"e{rng.randrange(n)}"
        if holder == target:
            continue
        shares = {}
        for m in ("equity", "voting", "board_seats"):
            if rng.random() < 0.7:
                s = rng.choice([0.25, 0.2499, 0.5, 1.0, 0.1, 0.3, 0.05])
                s = min(s, room[target][m])
                if s > 0:
                    shares[m] = s
                    room[target][m] -= s
        if not shares:
            continue
        start = dt.date(2015 + rng.randrange(10), 1, 1) if rng.random() < 0.3 else None
        holdings.append(Holding(holder=holder, entity=target, **shares, **({"from": start} if start else {})))
    listings = [Listing(entity=f"e{rng.randrange(n)}", list=rng.choice(["ofac-sdn", "fto", "uflpa"])) for _ in range(n // 200)]
    agreements = [Agreement(id=f"lic{i}", kind="license", licensor=f"e{rng.randrange(n)}", licensee=f"e{rng.randrange(n)}",
                            rights=[rng.choice(["royalty_only", "output_buyers", "technology_ip_retained"])])
                  for i in range(n // 100)]
    agreements = [a for a in agreements if a.licensor != a.licensee]
    facilities = [Facility(id=f"f{i}", name=f"Plant {i}", operator=f"e{rng.randrange(n)}", country=rng.choice(countries),
                           activities=["battery_cell_manufacturing"]) for i in range(n // 20)]
    return Dataset(entities=tuple(entities), holdings=tuple(holdings), listings=tuple(listings),
                   agreements=tuple(agreements), facilities=tuple(facilities))


WORLD = synthetic_world(10_000)


def _same(a, b):
    assert a.feoc == b.feoc
    assert [(f.rule_id, f.subject, f.facts) for f in a.findings] == [(f.rule_id, f.subject, f.facts) for f in b.findings]


@pytest.mark.parametrize("interpretation", ["feoc-holders", "government-multiply", "government-control"])
def test_durable_rules_agrees_on_a_1k_world(interpretation):
    world = synthetic_world(1_000, seed=3)
    reference = determine(world, DAY, interpretation=interpretation, evaluator="reference")
    _same(determine(world, DAY, interpretation=interpretation, evaluator="durable-rules"), reference)
    assert len(reference.findings) > 50


@pytest.mark.parametrize("interpretation", ["feoc-holders", "government-multiply", "government-control"])
def test_durable_rules_never_silently_disagrees_on_the_10k_world(interpretation):
    """Known defect (measured, see the closing note of the engine issue): on this world durable-rules drops
    some firings in batches with many matches. The per-batch guard must turn that into an EngineError —
    never a different verdict. When durable-rules does complete, its findings equal the reference's."""
    reference = determine(WORLD, DAY, interpretation=interpretation, evaluator="reference")
    assert len(reference.findings) > 500
    assert {"feoc-ownership", "feoc-jurisdiction-incorporation", "feoc-operator", "feoc-listed-sdn"} <= \
        {f.rule_id for f in reference.findings}
    try:
        durable = determine(WORLD, DAY, interpretation=interpretation, evaluator="durable-rules")
    except EngineError as exc:
        pytest.xfail(f"durable-rules refused by the guard: {exc}")
    _same(durable, reference)


def test_the_guard_catches_a_dropped_firing(monkeypatch):
    """If durable-rules loses a firing, the evaluator raises instead of returning fewer findings."""
    import feoc.engine as engine_module

    original = engine_module._Recorder.take

    def lossy(self):
        return original(self)[1:]

    monkeypatch.setattr(engine_module._Recorder, "take", lossy)
    world = synthetic_world(200, seed=5)
    with pytest.raises(EngineError, match="disagreed with the reference"):
        determine(world, DAY, evaluator="durable-rules")
