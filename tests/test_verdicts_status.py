"""The status contract of issue 14, item 1, as a unit: one table from status to exit code, one rule that turns
the readings' statuses into the verdict's, and `missing` built from `undetermined` findings."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.verdicts.readings import feoc_test_in_force, first_feoc_test, interpretation_notes
from feoc.verdicts.status import EXIT_CODES, Status, agreed, exit_code
from feoc.verdicts.timeline import build_timelines

LAW = Law.load()
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_every_status_has_one_exit_code_as_the_contract_says():
    """Issue 14 item 1: 0 clear no / eligible / partial / not in force, 1 clear yes / no credit, 4, 5."""
    assert set(EXIT_CODES) == set(Status)
    assert {s for s, c in EXIT_CODES.items() if c == 0} == {
        Status.not_feoc, Status.eligible, Status.partial, Status.partly_eligible, Status.not_in_force}
    assert {s for s, c in EXIT_CODES.items() if c == 1} == {
        Status.feoc, Status.not_eligible, Status.no_credit, Status.terminated, Status.not_applicable}
    assert exit_code(Status.cannot_be_determined) == 4 and exit_code(Status.contested) == 5


@pytest.mark.parametrize("status", [s for s in Status if s != Status.contested])
def test_readings_that_agree_give_their_status(status):
    assert agreed([status, status, status]) == status


def test_readings_that_disagree_are_contested():
    """The AESC story (issue 14): FEOC under one reading, not under the others."""
    assert agreed([Status.feoc, Status.not_feoc, Status.not_feoc]) == Status.contested
    assert agreed([Status.eligible, Status.partial]) == Status.contested


def test_a_missing_fact_takes_precedence_over_a_disagreement():
    """Precedence 4 before 5: the missing fact is asked for first."""
    for others in itertools.combinations([Status.feoc, Status.not_feoc, Status.eligible, Status.no_credit], 2):
        assert agreed([*others, Status.cannot_be_determined]) == Status.cannot_be_determined


def test_no_reading_at_all_is_never_a_pass():
    assert agreed([]) == Status.cannot_be_determined


def test_the_first_feoc_test_is_the_statute_and_doe_is_noted_before_2024_05_06():
    """feoc-law.md §7.4: the statutory definition from the IIJA; DOE's interpretation from 2024-05-06."""
    first = first_feoc_test(LAW)
    assert first is not None
    assert feoc_test_in_force(LAW, first) and not feoc_test_in_force(LAW, first - dt.timedelta(days=1))
    doe = LAW.parameters["doe_feoc_interpretation_in_force"].first_true()
    assert doe is not None and doe > first
    assert interpretation_notes(LAW, first) and interpretation_notes(LAW, doe - dt.timedelta(days=1))
    assert not interpretation_notes(LAW, doe) and not interpretation_notes(LAW, first - dt.timedelta(days=1))


def test_every_report_verdict_status_is_from_the_vocabulary():
    """Property over the seeds: every subject on days around each boundary has a status of the vocabulary,
    its JSON says it, and its exit code is the table's."""
    first = first_feoc_test(LAW)
    assert first is not None
    days = [first - dt.timedelta(days=1), first, dt.date(2024, 6, 1), dt.date(2026, 6, 1)]
    timelines, _ = build_timelines(load_dataset(SEEDS, LAW), days, LAW)
    seen = set()
    for t in timelines:
        for _, v in t.points:
            body = v.as_dict()
            assert body["status"] in set(Status) and v.exit_code() == EXIT_CODES[v.status]
            assert isinstance(body["missing"], list)
            seen.add(v.status)
        for _, verdicts in t.facilities45x:
            for f in verdicts:
                assert f.as_dict()["status"] in set(Status) and f.exit_code() == EXIT_CODES[f.status]
    assert {Status.not_in_force, Status.feoc, Status.not_feoc} <= seen


def _fake_judge(outcomes):
    """A stand-in for one reading's §30D order (verdicts/vehicle_steps.py): each reading's (status, credit,
    missing check), so the folding of the readings is tested whatever the steps decide."""
    from feoc.verdicts.vehicle import VehicleVerdict
    from feoc.verdicts.vehicle_parts import Check

    def judge(dataset, vid, on, acquired, law, det):
        status, credit, missing = outcomes[det]
        checks = [Check("msrp_cap", "cannot_be_determined", missing, "IRC 30D(f)(11)")] if missing else []
        return VehicleVerdict(vid, "EV", on, acquired, det, status, credit, "reason", "rule", checks, {}, [], [])
    return judge


@pytest.mark.parametrize("outcomes,status,credit,code", [
    ({"a": (Status.partial, 3750.0, ""), "b": (Status.not_eligible, 0.0, "")}, Status.contested, 0.0, 5),
    ({"a": (Status.eligible, 7500.0, ""), "b": (Status.eligible, 7500.0, "")}, Status.eligible, 7500.0, 0),
    ({"a": (Status.eligible, 7500.0, ""), "b": (Status.cannot_be_determined, 0.0, "add msrp_usd")},
     Status.cannot_be_determined, 0.0, 4),
    ({"a": (Status.not_eligible, 0.0, ""), "b": (Status.not_eligible, 0.0, "")}, Status.not_eligible, 0.0, 1),
])
def test_a_vehicles_readings_fold_into_one_status(monkeypatch, outcomes, status, credit, code):
    """The 2024 Leaf story (issue 14): $3,750 under one reading, nothing under another is contested, shown as a
    range with each reading's amount; a reading missing the MSRP makes it cannot be determined (4 before 5)."""
    from feoc.verdicts import vehicle

    monkeypatch.setattr(vehicle, "_judge", _fake_judge(outcomes))
    monkeypatch.setattr(vehicle, "judged_readings", lambda law, name: sorted(outcomes))
    monkeypatch.setattr(vehicle, "reading", lambda law, name: "a")
    v = vehicle.vehicle_verdict(None, "ev", dt.date(2024, 6, 1), None, LAW, determinations={n: n for n in outcomes})
    assert (v.status, v.credit_usd, v.exit_code()) == (status, credit, code)
    body = v.as_dict()
    assert body["readings"] == {n: {"status": s, "credit_usd": c} for n, (s, c, _) in outcomes.items()}
    assert body["credit_range_usd"] == [min(c for _, c, _ in outcomes.values()), max(c for _, c, _ in outcomes.values())]
    assert body["missing"] == [{"subject": "ev", "fact": "msrp_cap", "decide": m} for _, _, m in outcomes.values() if m]
    if status == Status.contested:
        from feoc.render.status_words import credit_range

        assert credit_range(v) == "$0–$3,750"


@pytest.mark.parametrize("on,noted", [("2023-06-01", False), ("2024-03-06", True), ("2024-06-01", False)])
def test_a_vehicle_judged_under_doe_before_it_took_effect_says_so(on, noted):
    """Issue 14 item 4, as for entities and facilities: the §30D component test applies from its first day,
    DOE's interpretation of "FEOC" only later, so a vehicle judged between the two notes that feoc applies the
    interpretation to an earlier date; before the excluded-entity tests there is nothing to note."""
    from feoc.verdicts.vehicle import vehicle_verdict

    dataset = load_dataset(Path(__file__).resolve().parents[1] / "seeds", LAW)
    day = dt.date.fromisoformat(on)
    v = vehicle_verdict(dataset, "nissan-leaf-2024", day, None, LAW, "government", "reference")
    assert any("89 FR 37079" in n and str(day) in n for n in v.notes) == noted
