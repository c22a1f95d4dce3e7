"""Supplier attestations (dataset kind `attestations`): which are relied on for a subject on a date, and why not.

26 CFR 1.30D-6(b): "Reasonable reliance on a supplier attestation or certification will be considered due
diligence if the qualified manufacturer ... does not know or have reason to know that such supplier attestation
or certification is incorrect." feoc reads that as follows (the vocabulary and shape of the §45X certifications of
IRS Notice 2026-15, `determine.macr`, so both credits speak alike):

- an attestation decides only what the data leave open: a subject whose verdict would be *cannot be determined*
  for want of a fact (an `undetermined` finding about an entity; about a facility's operator; the sourcing facts
  of a battery's component or mineral) is decided "not a FEOC", and the verdict names the attestation it rests on
  (`relies_on`: document, signer, date);
- it is **not** relied on (`not_relied_on`, with why) when the data show the subject a FEOC (reason to know it is
  incorrect: a clear "yes" is never overturned), when it was signed after the date judged, or when it expired
  (`until`, exclusive, on or before that date). A signer the dataset does not record is an input error (the loader);
- a FEOC's word is no basis for reliance (feoc's reading of "reason to know", UNCONFIRMED): an attestation signed
  (`by`) by an entity the data show a FEOC on the date judged, under the reading judged, is not relied on, whatever
  subject it is about ("signed by X, which the data show is a foreign entity of concern on DATE"). The signer's
  status is the whole-entity FEOC status of the run (a licence that scopes some of its activities does not make
  its word worthless); it is fixed by the ownership and licence rounds, which end before the first settling
  stage (the ranges and the doubt passed down add `undetermined` facts only), so both settling runs read the same;
- who signs: the supplier (any entity of the dataset: feoc does not record who supplies whom) or the subject
  itself. 1.30D-6(b) speaks of a supplier's attestation to the manufacturer; an entity's own attestation about
  itself is the supplier's when that entity supplies the manufacturer, so both are accepted and the signer shown;
- an entity decided on an attestation counts as not a FEOC in the doubt passed down the chain (`determine.doubt`):
  an entity whose only doubt came from it is decided too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from feoc.data.model import Attestation

RELIED, REFUSED, UNNEEDED = "relied_on", "not_relied_on", "not_needed"


def described(a: Attestation) -> dict[str, Any]:
    """The attestation as a verdict shows it (JSON `relies_on` / `not_relied_on`)."""
    kind, ident = subject_of(a)
    about = {kind: ident, **{k: v for k in ("component", "mineral") if (v := getattr(a.about, k)) is not None}}
    return {"attestation": a.id, "by": a.by, "about": about, "claim": a.claim, "document": a.document,
            "signed": a.signed.isoformat(), "until": a.end.isoformat() if a.end else None}


def subject_of(a: Attestation) -> tuple[str, str]:
    """(kind, id) of the record the attestation is about: entity, facility or battery."""
    kind = next(k for k in ("entity", "facility", "battery") if getattr(a.about, k) is not None)
    return kind, getattr(a.about, kind)


def about(attestations: Iterable[Attestation], kind: str, ident: str) -> list[Attestation]:
    return [a for a in attestations if subject_of(a) == (kind, ident)]


def date_refusal(a: Attestation, day: dt.date) -> str | None:
    """Why the attestation cannot be relied on on `day` for its dates, or None."""
    if a.signed > day:
        return f"signed on {a.signed}, after the date judged ({day}): it was not there to rely on"
    if a.end is not None and day >= a.end:
        return f"expired: valid until {a.end} (exclusive), not on {day}"
    return None


def signer_refusal(a: Attestation, day: dt.date) -> str:
    """Why an attestation signed by a FEOC is not relied on (feoc's reading of "reason to know", UNCONFIRMED)."""
    return (f"signed by {a.by}, which the data show is a foreign entity of concern on {day}: a FEOC's word is no "
            "basis for reliance (feoc's reading of \"reason to know\", 26 CFR 1.30D-6(b); UNCONFIRMED)")


def judge(a: Attestation, day: dt.date, shown_feoc: bool, open_: bool, *,
          signer_feoc: bool) -> tuple[str, dict[str, Any]]:
    """(RELIED | REFUSED | UNNEEDED, the attestation described, with `why` when refused) for a subject the data show
    a FEOC (`shown_feoc`: reason to know, 26 CFR 1.30D-6(b)) or leave open (`open_`) on `day`, signed by an entity
    the data show a FEOC on `day` or not (`signer_feoc`: its word is no basis for reliance, UNCONFIRMED)."""
    said = described(a)
    kind, ident = subject_of(a)
    if shown_feoc:
        whose = f"{kind} {ident}" + (" (its operator or an activity)" if kind == "facility" else "")
        return REFUSED, {**said, "why": f"the data show {whose} is a foreign entity of concern: reason to know the "
                                        "attestation is incorrect (26 CFR 1.30D-6(b))"}
    # an attestation not valid on the date was not there to rely on, whoever signed it: its dates are said first
    why = date_refusal(a, day) or (signer_refusal(a, day) if signer_feoc else None)
    if why:
        return REFUSED, {**said, "why": why}
    return (RELIED if open_ else UNNEEDED), said


def settle_entities(run: Any) -> list[dict[str, Any]]:
    """A stage of the §30D entity regime (`determine.regime30d`, run before and after the doubt passed down): each
    entity an attestation valid on the date is about, which the data leave open, loses its `undetermined` findings
    (they are kept on the attestation's entry as `decides`), so nothing downstream reads it as undecided. Returns
    no facts: it asserts nothing, it settles what the rounds left open."""
    recorder = run.recorder
    for a in run.dataset.attestations:
        kind, ident = subject_of(a)
        if kind != "entity":
            continue
        keys = [k for k, f in recorder.findings.items() if f.subject == ident and f.conclusion == "undetermined"]
        shown = ident in recorder.feoc or bool(recorder.scoped.get(ident))
        outcome, said = judge(a, run.day, shown, bool(keys), signer_feoc=a.by in recorder.feoc)
        if outcome == RELIED:
            said["decides"] = sorted({recorder.findings[k].rule_id for k in keys})
            for k in keys:
                del recorder.findings[k]
            recorder.status.get("undetermined", set()).discard(ident)
        if outcome != UNNEEDED:
            _keep(run.reliance.setdefault(outcome, {}).setdefault(ident, []), said)
    return []


def _keep(entries: list[dict[str, Any]], said: dict[str, Any]) -> None:
    """Add `said` once per attestation (the stage runs twice: the second run adds the rules it decides then)."""
    for old in entries:
        if old["attestation"] == said["attestation"]:
            old["decides"] = sorted(set(old.get("decides", ())) | set(said.get("decides", ())))
            return
    entries.append(said)


def trusted_entities(dataset: Any, day: dt.date, shown: Iterable[str], feoc: Iterable[str]) -> frozenset[str]:
    """Entities an attestation valid on `day` says are not FEOCs and the real run does not show to be (`shown`:
    whole or scoped), signed by an entity not a FEOC (`feoc`): the worst case of the doubt passed down
    (`determine.doubt`) never takes them for FEOCs."""
    seen, whole = set(shown), set(feoc)
    return frozenset(ident for a in dataset.attestations for kind, ident in [subject_of(a)]
                     if kind == "entity" and ident not in seen and a.by not in whole and date_refusal(a, day) is None)


def _covers(a: Attestation, fact: dict[str, Any]) -> bool:
    """Whether a battery attestation covers a component or mineral fact of its battery: the component kind or the
    mineral it names, or every part when it names neither."""
    if fact["kind"] == "component":
        return a.about.mineral is None and a.about.component in (None, fact["component"])
    return a.about.component is None and a.about.mineral in (None, fact["mineral"])


def settle_parts(dataset: Any, day: dt.date, facts: list[dict[str, Any]],
                 reliance: dict[str, dict[str, list[dict[str, Any]]]], feoc: set[str]) -> list[dict[str, Any]]:
    """The battery attestations of the §30D vehicle facts (`determine.vehicle_facts`): one valid on `day` decides
    the parts it covers whose facility operator the data leave open (`operator_undetermined` turned false) or, for a
    mineral, whose extraction or processing is not recorded (`unrecorded` emptied; feoc-law.md §7.7: an attestation
    can fill a gap in the data), the parts kept on its entry as `parts`; one covering a part the data show made or
    sourced by a FEOC is not relied on at all (reason to know it is incorrect), nor one a FEOC signed (`feoc`).
    Entries go to `reliance` under the battery's id."""
    judged = {f["battery"] for f in facts if f["kind"] in ("component", "mineral")}
    for a in dataset.attestations:
        kind, battery = subject_of(a)
        covered = [f for f in facts if kind == "battery" and f["kind"] in ("component", "mineral")
                   and f["battery"] == battery and _covers(a, f)]
        if not covered:
            if kind == "battery" and battery in judged:
                _keep(reliance.setdefault(REFUSED, {}).setdefault(battery, []), _covers_nothing(a, battery))
            continue
        opened = [f for f in covered if f["operator_undetermined"] or f.get("unrecorded")]
        outcome, said = judge(a, day, any(f["feoc"] for f in covered), bool(opened), signer_feoc=a.by in feoc)
        if outcome == RELIED:
            said["parts"] = sorted({part for f in opened for part in _open_parts(f)})
            for f in opened:
                f["operator_undetermined"] = False
                if f.get("unrecorded"):  # a mineral's step not recorded: the supplier's word fills it (§7.7)
                    f["unrecorded"] = ""
        if outcome != UNNEEDED:
            _keep(reliance.setdefault(outcome, {}).setdefault(battery, []), said)
    return facts


def _open_parts(f: dict[str, Any]) -> list[str]:
    """What an attestation relied on decides about one part fact: its plant's operator left open, a mineral's step
    not recorded (`vehicle-undetermined-mineral-step`), or both."""
    part = f.get("component") or f.get("mineral")
    return ([f"{part} ({f['step']} at {f['facility']})"] if f["operator_undetermined"] else []) + \
        ([f"{part} ({f['unrecorded']} not recorded)"] if f.get("unrecorded") else [])


def _covers_nothing(a: Attestation, battery: str) -> dict[str, Any]:
    """An attestation about a part the battery judged does not record (a `component` kind or `mineral` it has not):
    listed as not relied on, so a mistyped or misplaced part never passes in silence."""
    part = f"component {a.about.component}" if a.about.component else f"mineral {a.about.mineral}"
    return {**described(a), "why": f"battery {battery} records no {part}: the attestation covers none of its parts "
                                   "(check its `about:` against the battery's `components:` and `critical_minerals:`)"}
