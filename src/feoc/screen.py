"""Screening a whole supplier universe on one date: every entity's FEOC status, the rules that decided it,
and the interest covered-nation governments hold in it per measure (equity, voting, board seats)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from .dataset import Dataset
from .determine import Determination, determine, government_bodies
from .lawdata import load_parameters
from .model import MEASURES
from .report.escape import md

COLUMNS = ["entity", "name", "type", "feoc", "rules", "gov_equity", "gov_voting", "gov_board_seats", "gov_nation"]


def screen_rows(dataset: Dataset, day: dt.date, rules_dir: Path, interpretation: str | None = None,
                evaluator: str = "durable-rules", det: Determination | None = None) -> list[dict[str, Any]]:
    """One row per entity, sorted by id. The government interest per measure is the largest held by any one
    covered nation's government bodies (added up per nation), direct and indirect, as traced by the reading."""
    det = det or determine(dataset, day, rules_dir, interpretation, evaluator)
    nations = load_parameters(rules_dir)["covered_nations"].on(day) or []
    per_nation = {n: bodies for n, bodies in government_bodies(dataset, nations).items() if bodies}
    gov: dict[str, dict[str, tuple[float, str]]] = {}
    for measure in MEASURES:
        for nation, bodies in sorted(per_nation.items()):
            vals = det.graphs[measure].interests(bodies, det.interpretation.tracing, det.lookthrough)
            for entity, share in vals.items():
                best = gov.setdefault(entity, {}).get(measure, (0.0, ""))
                if share > best[0]:
                    gov[entity][measure] = (share, nation)
    rules: dict[str, set[str]] = {}
    for f in det.findings:
        if f.conclusion == "feoc":
            rules.setdefault(f.subject, set()).add(f.rule_id)
    rows = []
    for e in sorted(dataset.entities, key=lambda e: e.id):
        g = gov.get(e.id, {})
        nations_seen = sorted({n for _, n in g.values() if n})
        rows.append({"entity": e.id, "name": e.name, "type": e.type, "feoc": e.id in det.feoc,
                     "rules": ";".join(sorted(rules.get(e.id, ()))),
                     **{f"gov_{m}": round(g.get(m, (0.0, ""))[0], 6) for m in MEASURES},
                     "gov_nation": ";".join(nations_seen)})
    return rows


def render(rows: list[dict[str, Any]], fmt: str, day: dt.date, interpretation: str) -> str:
    if fmt == "json":
        return json.dumps({"on": day.isoformat(), "interpretation": interpretation, "entities": rows},
                          indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()
    lines = [f"# FEOC screening as of {day.isoformat()} (interpretation `{interpretation}`)", "",
             "| entity | name | type | FEOC | rules | gov. equity | gov. voting | gov. board seats | nation |",
             "| --- | --- | --- | --- | --- | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append(f"| `{r['entity']}` | {md(r['name'])} | {r['type']} | {'**yes**' if r['feoc'] else 'no'} | "
                     f"{md(r['rules']) or '—'} | {r['gov_equity']:.2%} | {r['gov_voting']:.2%} | "
                     f"{r['gov_board_seats']:.2%} | {r['gov_nation'] or '—'} |")
    return "\n".join(lines) + "\n"
