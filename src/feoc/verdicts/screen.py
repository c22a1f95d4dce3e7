"""Screening a whole supplier universe on one date: every entity's FEOC status, the rules that decided it,
and the interest covered-nation governments hold in it per measure (equity, voting, board seats).

`status` is the verdict of `feoc check entity` (verdicts/status.py): agreed across every reading, or the one
reading asked for; `feoc` and the other columns are those of the table's reading (the one asked for, or the
default), so a `contested` row says which way that reading went."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from feoc.data.dataset import Dataset
from feoc.data.heap import trim_heap
from feoc.data.model import MEASURES
from feoc.determine.determination import Determination
from feoc.determine.facts import government_bodies
from feoc.determine.ranges import at_max, has_ranges
from feoc.determine.regime30d import determine
from feoc.determine.tracing import Tracer
from feoc.law.law import Law
from feoc.verdicts.readings import feoc_test_in_force, judged_readings, reading
from feoc.verdicts.screen_ahead import STATUSES, Ahead, judged_ahead
from feoc.verdicts.screen_ahead import bulk_statuses as _bulk_statuses
from feoc.verdicts.screen_attested import ATTESTATION_COLUMNS, Reliance, attested_columns
from feoc.verdicts.screen_columns import Bools, Coded, Floats, Picked, small_unique
from feoc.verdicts.status import Status, agreed

if TYPE_CHECKING:
    from feoc.determine.bulk import BulkReadings

COLUMNS = ["entity", "name", "type", "status", "feoc", "rules", "gov_equity", "gov_voting", "gov_board_seats", "gov_nation"]
# issue 20: where a share is recorded as a range, `gov_*` is the interest on the ranges' minima and these columns,
# added after the others (only then: a table of exact shares keeps its columns, byte for byte), on their maxima
MAX_COLUMNS = [f"gov_{m}_max" for m in MEASURES]
# issue 20: the attestations a row's verdict relies on and those it does not (`screen_attested`), after the others
# and only when the dataset records an attestation
EXTRA_COLUMNS = MAX_COLUMNS + ATTESTATION_COLUMNS


@dataclass(frozen=True)
class Screen:
    """The screening table, column by column (one sequence per COLUMNS entry: a list, or on the bulk path a column
    of arrays, `screen_columns`), rows in entity id order."""

    columns: dict[str, Any]  # column name -> a list or a `screen_columns.Column` (a Sequence)

    def __len__(self) -> int:
        return len(self.columns["entity"])

    @property
    def names(self) -> list[str]:
        """The table's columns: COLUMNS, then MAX_COLUMNS where a share range is recorded, then
        ATTESTATION_COLUMNS where an attestation is."""
        return COLUMNS + [c for c in EXTRA_COLUMNS if c in self.columns]

    def rows(self) -> list[dict[str, Any]]:
        names = self.names
        return [dict(zip(names, t)) for t in zip(*(self.columns[c] for c in names))]

    def feoc_count(self) -> int:
        return sum(self.columns["feoc"])


def screen(dataset: Dataset, day: dt.date, law: Law, interpretation: str | None = None,
           evaluator: str = "vectorised", det: Determination | None = None) -> Screen:
    """Every entity's row. The government interest per measure is the largest held by any one covered
    nation's government bodies (added up per nation), direct and indirect, as traced by the reading.

    `vectorised` (the default) takes the bulk path (`determine/bulk.py`), which the tests hold equal to the
    durable-rules path; a dataset it cannot decide exactly falls back to durable-rules."""
    if det is None and evaluator == "vectorised":
        from feoc.ownership.arrays import NotBulk

        try:
            return bulk_screen(dataset, day, law, interpretation)
        except NotBulk:
            dataset.confirm()  # not a slow path on a dataset whose checks may refuse it (`data.pending`)
            evaluator = "durable-rules"
    det = det or determine(dataset, day, law, interpretation, evaluator)
    return _agreed(_screen_from(det, dataset, day, law), dataset, day, law, interpretation, evaluator, None, det.reliance)


def _agreed(table: Screen, dataset: Dataset, day: dt.date, law: Law, interpretation: str | None,
            evaluator: str, bulk: BulkReadings | None = None, reliance: Reliance | None = None,
            ahead: Ahead | None = None) -> Screen:
    """The table with `status` agreed across the readings judged (every reading unless one was named): each
    other reading judged by the same path (`bulk`: the bulk path's shared work; `ahead`: readings a forked
    process judged meanwhile, `screen_ahead`), its statuses folded in as `feoc check entity` folds them; with
    the attestation columns, from every reading's attestations judged (`reliance`: the table's reading's), when
    the dataset records any."""
    shown = reading(law, interpretation)
    others = [name for name in judged_readings(law, interpretation) if name != shown]
    in_force = feoc_test_in_force(law, day)
    ids = table.columns["entity"]
    reliances = [reliance]
    if others and in_force:
        per_reading = [table.columns["status"]]
        for name in others:
            taken = ahead.take(name, lambda n: _statuses(dataset, day, law, n, evaluator, ids, bulk)) \
                if ahead is not None else None
            statuses, judged = taken or _statuses(dataset, day, law, name, evaluator, ids, bulk)
            per_reading.append(statuses)
            reliances.append(judged)
        table = Screen({**table.columns, "status": _folded(per_reading)})
    if not dataset.attestations:
        return table
    return Screen({**table.columns, **attested_columns(dataset, day, ids, reliances, in_force)})


def _folded(per_reading: list[Any]) -> Any:
    """Each row's statuses of the readings folded into one as `feoc check entity` folds them: a few distinct
    combinations, each folded once; coded columns (the bulk path's) folded as codes, no list of rows made."""
    if all(isinstance(c, Coded) and c.values == STATUSES for c in per_reading):
        import numpy as np

        key = np.zeros(len(per_reading[0]), dtype=np.int64)
        for column in per_reading:
            key = key * len(STATUSES) + column.codes
        distinct, inverse = small_unique(key, len(STATUSES) ** len(per_reading))
        combos = [[STATUSES[int(k) // len(STATUSES) ** p % len(STATUSES)] for p in reversed(range(len(per_reading)))]
                  for k in distinct.tolist()]
        return Coded(inverse.astype(np.int32), [agreed(tuple(c)) for c in combos])
    fold: dict[tuple[Status, ...], Status] = {}
    return [fold[row] if row in fold else fold.setdefault(row, agreed(row)) for row in zip(*per_reading)]


def _statuses(dataset: Dataset, day: dt.date, law: Law, name: str, evaluator: str, ids: Any,
              bulk: BulkReadings | None) -> tuple[Any, Reliance | None]:
    """Each entity's status under the reading `name` (`ids`: the entities in id order), by the bulk path when
    it can decide, and the attestations judged under it."""
    if evaluator == "vectorised":
        from feoc.determine.bulk import BulkReadings
        from feoc.ownership.arrays import NotBulk

        try:
            res = (bulk or BulkReadings(dataset, day, law)).determine(name)
            return _bulk_statuses(res, True), res.reliance
        except NotBulk:
            dataset.confirm()
            evaluator = "durable-rules"
    det = determine(dataset, day, law, name, evaluator)
    return _own_statuses(ids, [i in det.feoc for i in ids], _undetermined(det), True), det.reliance


def _undetermined(det: Determination) -> set[str]:
    return {f.subject for f in det.findings if f.conclusion == "undetermined"}


def _own_statuses(ids: list[str], feoc: list[bool], undetermined: set[str], in_force: bool) -> list[Status]:
    """One reading's answer per entity, as `feoc check entity` gives it (verdicts/subject.py): not in force
    before any FEOC test exists; a FEOC; cannot be determined for want of a fact; else not a FEOC."""
    if not in_force:
        return [Status.not_in_force] * len(ids)
    return [Status.feoc if f else Status.cannot_be_determined if i in undetermined else Status.not_feoc
            for i, f in zip(ids, feoc)]


def screen_rows(dataset: Dataset, day: dt.date, law: Law, interpretation: str | None = None,
                evaluator: str = "vectorised", det: Determination | None = None) -> list[dict[str, Any]]:
    """One dictionary per entity, sorted by id (see `screen`)."""
    return screen(dataset, day, law, interpretation, evaluator, det).rows()


def _screen_from(det: Determination, dataset: Dataset, day: dt.date, law: Law) -> Screen:
    """The table from a determination of the durable-rules (or reference) path."""
    nations = law.param("covered_nations", day) or []
    bodies_of = government_bodies(dataset, nations, law.vocabulary.government_types)
    per_nation = {n: bodies for n, bodies in bodies_of.items() if bodies}
    gov = _gov(det.graphs, per_nation, det)
    rules: dict[str, set[str]] = {}
    undetermined: dict[str, set[str]] = {}  # issue 14: a row that is not decided names what keeps it open
    for f in det.findings:
        if f.conclusion in ("feoc", "undetermined"):
            (rules if f.conclusion == "feoc" else undetermined).setdefault(f.subject, set()).add(f.rule_id)
    for subject, ids in undetermined.items():
        rules.setdefault(subject, ids)
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for e in sorted(dataset.entities, key=lambda e: e.id):
        g = gov.get(e.id, {})
        row = {"entity": e.id, "name": e.name, "type": e.type, "feoc": e.id in det.feoc,
               "rules": ";".join(sorted(rules.get(e.id, ()))),
               **{f"gov_{m}": round(g.get(m, (0.0, ""))[0], 6) for m in MEASURES},
               "gov_nation": ";".join(sorted({n for _, n in g.values() if n}))}
        for c in COLUMNS:
            if c != "status":
                cols[c].append(row[c])
    cols["status"] = _own_statuses(cols["entity"], cols["feoc"], _undetermined(det), feoc_test_in_force(law, day))
    if has_ranges(dataset):  # the same interests on the ranges' maxima (determine.ranges)
        top = _gov(Tracer([at_max(h) for h in dataset.holdings_on(day)], det.interpretation.tracing, law, day).graphs,
                   per_nation, det)
        for m in MEASURES:
            cols[f"gov_{m}_max"] = [round(top.get(e, {}).get(m, (0.0, ""))[0], 6) for e in cols["entity"]]
    return Screen(cols)


def _gov(graphs: Any, per_nation: dict[str, Any], det: Determination) -> dict[str, dict[str, tuple[float, str]]]:
    """Entity -> measure -> the largest interest one covered nation's government bodies hold, and that nation."""
    gov: dict[str, dict[str, tuple[float, str]]] = {}
    for measure in MEASURES:
        for nation, bodies in sorted(per_nation.items()):
            vals = graphs[measure].interests(bodies, det.interpretation.tracing, det.lookthrough)
            for entity, share in vals.items():
                best = gov.setdefault(entity, {}).get(measure, (0.0, ""))
                if share > best[0]:
                    gov[entity][measure] = (share, nation)
    return gov


def bulk_screen(dataset: Dataset, day: dt.date, law: Law, interpretation: str | None = None) -> Screen:
    """`screen` by the bulk path: the same table, computed on arrays, the work no reading changes done once for
    all the readings judged (`NotBulk`: the table's reading cannot be decided exactly on arrays)."""
    from feoc.determine.bulk import BulkReadings

    bulk = BulkReadings(dataset, day, law)
    others = [name for name in judged_readings(law, interpretation) if name != reading(law, interpretation)]
    ahead = judged_ahead(bulk, others, interpretation) if others and feoc_test_in_force(law, day) else None
    try:
        table, reliance = _bulk_table(bulk, day, law, interpretation)
        return _agreed(table, dataset, day, law, interpretation, "vectorised", bulk, reliance, ahead)
    finally:
        if ahead is not None:
            ahead.cancel()
        bulk.worst = bulk.worst_case = bulk.upper = None  # the worst case refers back to `bulk`: freed now, not at a collection
        del bulk
        trim_heap()


def _bulk_table(bulk: BulkReadings, day: dt.date, law: Law, interpretation: str | None) -> tuple[Screen, Reliance | None]:
    """The table of one reading by the bulk path (`status`: that reading's own answer), and the attestations
    judged under it."""
    import numpy as np

    from feoc.determine.bulk import paused_gc
    from feoc.determine.bulk_interests import traced_interests
    from feoc.ownership.arrays import py_round

    res = bulk.determine(interpretation, keep_traces=True)
    control = res.interpretation.tracing == "control"
    n = len(res.ids)
    with paused_gc():
        order = sorted(res.gov)
        shares: dict[str, Any] = {}  # Floats
        best_nation = np.full((len(MEASURES), n), -1, dtype=np.int64)
        for mi, measure in enumerate(MEASURES):
            best = np.zeros(n)
            for ni, nation in enumerate(order):
                vals = traced_interests(res.traces, res.graphs[measure], res.gov[nation], res.interpretation.tracing)
                if vals is None:  # not traced by the chaining rounds (e.g. under holders `feoc`, nations `all`)
                    vals = res.graphs[measure].interests(res.gov[nation], control, res.lookthrough)
                better = vals > best  # the first nation (in sorted order) keeps a tie, as in _screen_from
                best[better] = vals[better]
                best_nation[mi, better] = ni
            shares[f"gov_{measure}"] = Floats(py_round(best, 6)[res.order])  # in id order
            if bulk.ranged and bulk.upper is not None and bulk.upper._base is not None:  # on the ranges' maxima
                top = np.zeros(n)
                for nation in order:
                    top = np.maximum(top, bulk.upper._base.graphs[measure].interests(res.gov[nation], control,
                                                                                     res.lookthrough))
                shares[f"gov_{measure}_max"] = Floats(py_round(top, 6)[res.order])
        # the nations behind any measure's largest interest, as a bit set per entity, then its label
        bits = np.zeros(n, dtype=np.int64)
        for row in best_nation:
            bits |= np.where(row >= 0, np.left_shift(1, np.maximum(row, 0)), 0)
        distinct, inverse = small_unique(bits[res.order], 1 << len(order))
        labels = [";".join(nation for i, nation in enumerate(order) if b >> i & 1) for b in distinct.tolist()]
        # issue 17, memory: arrays until the CSV writer needs text (`screen_columns`), no list of a million rows
        return Screen({"entity": Picked(res.order, res.ids), "name": Picked(res.order, res.names),
                       "type": Picked(res.order, res.types),
                       "status": _bulk_statuses(res, feoc_test_in_force(law, day)), "feoc": Bools(res.feoc[res.order]),
                       "rules": _rules(res), **shares,
                       "gov_nation": Coded(inverse.astype(np.int32), labels)}), res.reliance


def _rules(res: Any) -> Coded:
    """The deciding rules of each entity (`BulkResult.rules_coded`), in id order, coded: few distinct texts."""
    codes, labels = res.rules_coded()
    return Coded(codes[res.order], labels)
