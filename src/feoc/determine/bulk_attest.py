"""The bulk path's supplier attestations (`determine.attestations`, 26 CFR 1.30D-6(b), issue 20): the same
judgement as `feoc check` in the same order, on the bulk regime's arrays.

As `regime30d.stages` orders it: after the share ranges, a stage settles the entities a valid attestation decides
(their `undetermined` prongs cleared, the rules kept on the attestation's entry as `decides`); the doubt passed down
then judges the worst case with those entities never FEOCs (`never_feoc`); and the same stage runs again to settle
what the doubt left open on them. An attestation about an entity the data show a FEOC, signed after the date or
expired is not relied on, with why (`attestations.judge`); nor is one a FEOC signed (the signer's whole-entity
status, `run.feoc`, fixed before the first settling stage as on the per-fact path)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from feoc.determine.attestations import RELIED, UNNEEDED, _keep, date_refusal, judge, subject_of
from feoc.determine.bulk import Block, _Bulk
from feoc.determine.driver import Stage


def settle_stages(run: _Bulk) -> list[Stage]:
    """The stage that settles the entities the attestations decide (none without an attestation about an entity,
    so a dataset without any runs exactly as before)."""
    if not any(subject_of(a)[0] == "entity" for a in run.dataset.attestations):
        return []
    run.reliance = {}
    return [Stage("attestations", lambda: settle(run))]


def settle(run: _Bulk) -> list[Block]:
    """`attestations.settle_entities` on arrays: each entity a valid attestation is about, which the data leave
    open, loses its `undetermined` prongs. Asserts nothing (an empty batch): it settles what the rounds left open."""
    reliance = run.reliance if run.reliance is not None else {}
    for a in run.dataset.attestations:
        kind, ident = subject_of(a)
        if kind != "entity":
            continue
        i = run.index[ident]
        keys = sorted(rule for rule, fired in run.undetermined_rules.items() if fired[i])
        outcome, said = judge(a, run.day, _shown(run, i, ident), bool(keys), signer_feoc=_signer_feoc(run, a.by))
        if outcome == RELIED:
            said["decides"] = keys
            for rule in keys:
                run.undetermined_rules[rule][i] = False
            run.undetermined[i] = False
        if outcome != UNNEEDED:
            _keep(reliance.setdefault(outcome, {}).setdefault(ident, []), said)
    return []


def _shown(run: _Bulk, i: int, ident: str) -> bool:
    """Whether the data show the entity a FEOC (whole, or for activities a licence scopes): reason to know."""
    return bool(run.feoc[i]) or bool(run.scoped.get(ident))


def _signer_feoc(run: _Bulk, signer: str) -> bool:
    """Whether the data show the attestation's signer a FEOC (whole): its word is no basis for reliance."""
    return bool(run.feoc[run.index[signer]])


def trusted(run: _Bulk) -> frozenset[str]:
    """`attestations.trusted_entities` of the real run: the entities an attestation valid on the date, signed by
    an entity not a FEOC, says are not FEOCs and the run does not show to be; the worst case of the doubt never
    takes them for FEOCs."""
    return frozenset(ident for a in run.dataset.attestations for kind, ident in [subject_of(a)]
                     if kind == "entity" and not _shown(run, run.index[ident], ident)
                     and not _signer_feoc(run, a.by) and date_refusal(a, run.day) is None)


def never_feoc(run: _Bulk, never: frozenset[str]) -> Callable[[list[Block], int], None]:
    """`run.fire`, except that the entities `never` (the trusted ones, in the worst case) never become FEOCs:
    as on the per-fact path (`Recorder.never`) one the rules find a FEOC there does not pass it on, and still
    counts among the entities the worst case leaves open (`regime30d._doubt`): its own doubt, which its
    attestation then decides. The FEOC status is read only between firings, so clearing it after each is as
    never setting it."""
    if not never:
        return run.fire
    at = np.array(sorted(run.index[e] for e in never), dtype=np.int64)

    def fire(blocks: list[Block], round: int) -> None:
        run.fire(blocks, round)
        held = at[run.feoc[at]]
        run.feoc[held] = False
        run.undetermined[held] = True  # read only by the worst case's caller (`bulk_doubt`)
    return fire

