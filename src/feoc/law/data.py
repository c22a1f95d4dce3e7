"""The law's data in `rules/`: dated parameters and the vocabulary (the readings: `law.readings`).

Thresholds, country lists and dates live in YAML (OpenFisca style: a value holds from its date until
the next); Python asks for them "as of" a date and never writes them as literals.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import load_yaml_file
from feoc.law.readings import Interpretation as Interpretation  # the readings' home is law/readings.py


def default_rules_dir() -> Path:
    """`rules/` of the source checkout (editable install), else the copy shipped inside the wheel."""
    here = Path(__file__).resolve().parent.parent  # the feoc package
    for candidate in (here.parent.parent / "rules", here / "_rules"):
        if (candidate / "parameters.yaml").is_file():
            return candidate
    raise InputError([Problem(str(here), 0, "the rules folder was not found", "pass --rules PATH")])


@dataclass(frozen=True)
class Parameter:
    """A legal quantity whose value changes on given dates."""

    name: str
    description: str
    citation: str
    unconfirmed: bool
    values: tuple[tuple[dt.date, Any], ...]  # sorted by date
    label: str = ""  # a few words naming it in reports (a verdict's deciding parameter), else the description

    def on(self, day: dt.date) -> Any:
        """The value in force on `day`, or None before the first date."""
        current = None
        for start, value in self.values:
            if start <= day:
                current = value
            else:
                break
        return current

    def changes(self) -> list[dt.date]:
        return [start for start, _ in self.values]

    def first_true(self) -> dt.date | None:
        """The first day on which the value is true (a flag such as `pfe_rules_in_force`), or None."""
        return next((start for start, value in self.values if value), None)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _key_day(key: Any) -> tuple[dt.date | None, dt.date | None]:
    """The date a `values` key names when written YYYY-MM-DD, and the date it would name if read loosely
    (`20211115`, which Python 3.11's date.fromisoformat accepts; a timestamp), for the message."""
    if type(key) is dt.date:
        return key, key
    if isinstance(key, dt.datetime):
        return None, key.date()
    try:
        loose = dt.date.fromisoformat(str(key))
    except ValueError:
        return None, None
    return (loose if isinstance(key, str) and _ISO_DAY.fullmatch(key) else None), loose


def _dated_values(raw: Any, where: str, finder: Any, path: tuple) -> tuple[tuple[dt.date, Any], ...]:
    """The dated values of one parameter. Each key is a date written YYYY-MM-DD, and each date has one value:
    `2021-11-15` and `20211115` side by side would give one date two values, the later silently winning
    (issue 15, class 5), so both lines are named instead."""
    if not isinstance(raw, dict) or not raw:
        raise InputError([Problem(where, finder.line(path), "`values` must map dates to values",
                                  "write values: {2024-01-01: 0.25}")])
    out: dict[dt.date, Any] = {}
    written: dict[dt.date, str] = {}
    problems = []
    for key, value in raw.items():
        text = key.isoformat() if isinstance(key, dt.date) else str(key)
        day, loose = _key_day(key)
        seen = written.get(loose) if loose else None
        if seen is not None:  # lines are looked up only for a problem: the lookup parses the file again
            problems.append(Problem(where, finder.line(path + (text,)),
                                    f"parameter `{path[0]}`: `{text}` is the same date as `{seen}` "
                                    f"(line {finder.line(path + (seen,))}): two values for one date",
                                    "keep one of them, written YYYY-MM-DD"))
        elif day is None:
            fix = f"write it as {loose.isoformat()}" if loose else "write the date as YYYY-MM-DD"
            problems.append(Problem(where, finder.line(path + (text,)),
                                    f"parameter `{path[0]}`: `{text}` is not an ISO date (YYYY-MM-DD)",
                                    fix))
        if loose is not None:
            written.setdefault(loose, text)
        if day is not None and seen is None:
            out[day] = value
    if problems:
        raise InputError(problems)
    return tuple(sorted(out.items(), key=lambda item: item[0]))


@functools.lru_cache(maxsize=8)
def load_parameters(rules_dir: Path) -> dict[str, Parameter]:
    """All parameters of `rules/parameters.yaml`, validated."""
    path = rules_dir / "parameters.yaml"
    raw, finder = load_yaml_file(path)
    if not isinstance(raw, dict):
        raise InputError([Problem(str(path), 1, "expected a mapping of parameter names", "see rules/README.md")])
    params = {}
    problems: list[Problem] = []
    for name, body in raw.items():
        if not isinstance(body, dict) or not body.get("citation") or "values" not in body:
            problems.append(Problem(str(path), finder.line((name,)), f"parameter `{name}` needs `citation` and `values`",
                                    "add the legal citation and the dated values"))
            continue
        try:
            params[name] = Parameter(name, str(body.get("description", "")), str(body["citation"]),
                                     bool(body.get("unconfirmed", False)),
                                     _dated_values(body["values"], str(path), finder, (name, "values")),
                                     str(body.get("label", "")))
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        kind = PARAMETER_KINDS.get(name)
        for day, value in params[name].values:
            if kind and not _KIND_CHECKS[kind](value):
                problems.append(Problem(str(path), finder.line((name, "values", day.isoformat())),
                                        f"parameter `{name}` on {day}: {value!r} is not {_KIND_TEXT[kind]}",
                                        f"write {_KIND_TEXT[kind]}"))
    for name in sorted(set(PARAMETER_KINDS) - set(params)):
        if not any(p.message.startswith(f"parameter `{name}`") for p in problems):
            problems.append(Problem(str(path), 0, f"parameter `{name}` is missing; feoc needs it",
                                    "restore it from the rules shipped with feoc"))
    if problems:
        raise InputError(problems)
    return params


def _is_countries(v: Any) -> bool:
    from feoc.data.values import iso_countries

    return isinstance(v, list) and all(isinstance(c, str) and c in iso_countries() for c in v)


def _is_regions(v: Any) -> bool:
    """Region code -> {nation, what, source}: both codes ISO 3166-1 alpha-2, the texts non-blank."""
    from feoc.data.values import iso_countries

    return isinstance(v, dict) and all(
        isinstance(r, str) and r in iso_countries() and isinstance(d, dict) and set(d) == {"nation", "what", "source"}
        and d["nation"] in iso_countries() and all(isinstance(d[k], str) and d[k].strip() for k in ("what", "source"))
        for r, d in v.items())


def _is_amount(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0


def _is_share(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1


# The parameters the code reads, and what their values must be (every other parameter is free-form).
PARAMETER_KINDS: dict[str, str] = {
    "covered_nations": "countries", "control_threshold": "share", "control_lookthrough_threshold": "share",
    "covered_nation_regions": "regions",
    "credit_phase": "phase", "sourcing_requirements_in_force": "bool", "last_acquisition_date": "date",
    "credit_half_usd": "usd", "credit_max_usd": "usd", "pre_2023_max_credit_usd": "usd",
    "critical_minerals_applicable_percentage": "share",
    "battery_components_applicable_percentage": "share", "north_america": "countries", "us_and_fta_countries": "countries",
    "msrp_cap_usd": "caps", "impracticable_to_trace_until": "date", "impracticable_to_trace_materials": "words",
    "pfe_rules_in_force": "bool", "pfe_taxable_years_after": "date", "foreign_control_threshold": "share",
    "fie_single_sfe_threshold": "share",
    "fie_all_sfe_threshold": "share", "fie_debt_threshold": "share", "macr_threshold_battery_components": "share",
    "macr_threshold_critical_minerals": "share", "credit_45x_phase_out": "share",
    "credit_45x_phase_out_critical_minerals": "share",
    "pfe_tracing": "tracing", "macr_binding_contract_before": "date",
}
_KIND_CHECKS = {
    "countries": _is_countries, "regions": _is_regions, "share": _is_share, "bool": lambda v: isinstance(v, bool),
    "date": lambda v: type(v) is dt.date,  # not a timestamp: comparing one with a date raises
    "phase": lambda v: v in ("transition", "new-structure"), "usd": _is_amount,
    # the classes a cap may name are the vocabulary's `vehicle_classes` (checked by law.Law.load)
    "caps": lambda v: isinstance(v, dict) and all(_is_amount(x) for x in v.values()),
    "words": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "tracing": lambda v: v in ("multiply", "control"),
}
_KIND_TEXT = {
    "countries": "a list of ISO 3166-1 alpha-2 codes, e.g. [CN, RU]", "share": "a number between 0 and 1",
    "regions": "a mapping of region code to {nation: CODE, what: TEXT, source: TEXT}, e.g. "
               "{HK: {nation: CN, what: \"a special administrative region of …\", source: \"feoc-law.md §7.3\"}}",
    "bool": "true or false", "date": "an ISO date (YYYY-MM-DD)", "phase": "transition or new-structure",
    "usd": "a non-negative amount in USD",
    "caps": "a mapping of vehicle class to a non-negative USD amount, e.g. {car: 55000}",
    "words": "a list of words", "tracing": "multiply or control",
}


@dataclass(frozen=True)
class Vocabulary:
    """The closed word lists a dataset may use."""

    entity_types: frozenset[str]
    battery_components: tuple[str, ...]
    critical_minerals: frozenset[str]
    activities: frozenset[str]
    lists: dict[str, str]
    rights: dict[str, str]
    component_labels: dict[str, str]
    government_types: frozenset[str]  # entity types that are the government of their `country` (89 FR 37079)
    vehicle_classes: frozenset[str]  # the classes the MSRP caps name (IRC 30D(f)(11))
    # an entity's `tax_form` words, and those whose stock is attributed only past a gate (IRC 318(a)(2)(C))
    tax_forms: frozenset[str] = frozenset()
    tax_forms_gated: frozenset[str] = frozenset()
    attestation_claims: frozenset[str] = frozenset()  # what an attestation may claim (26 CFR 1.30D-6(b))


@functools.lru_cache(maxsize=8)
def load_vocabulary(rules_dir: Path) -> Vocabulary:
    """The vocabulary of `rules/vocabulary.yaml`; component activities are derived from the component list."""
    path = rules_dir / "vocabulary.yaml"
    raw, _ = load_yaml_file(path)
    needed = ["entity_types", "battery_components", "critical_minerals", "activities", "lists", "rights",
              "government_types", "vehicle_classes"]
    missing = [k for k in needed if not isinstance(raw, dict) or "values" not in (raw.get(k) or {})]
    if missing:
        raise InputError([Problem(str(path), 1, f"missing vocabulary sections: {', '.join(missing)}",
                                  "restore them from the repository")])
    components = raw["battery_components"]["values"]
    activities = set(raw["activities"]["values"])
    for comp in components:
        activities.update({f"{comp}_manufacturing", f"{comp}_assembly"})
    return Vocabulary(
        entity_types=frozenset(raw["entity_types"]["values"]),
        battery_components=tuple(components),
        critical_minerals=frozenset(raw["critical_minerals"]["values"]),
        activities=frozenset(activities),
        lists=dict(raw["lists"]["values"]),
        rights=dict(raw["rights"]["values"]),
        component_labels=dict(components),
        government_types=frozenset(raw["government_types"]["values"]),
        vehicle_classes=frozenset(raw["vehicle_classes"]["values"]),
        tax_forms=frozenset((raw.get("tax_forms") or {}).get("values") or ()),
        tax_forms_gated=frozenset((raw.get("tax_forms_gated") or {}).get("values") or ()),
        attestation_claims=frozenset((raw.get("attestation_claims") or {}).get("values") or ()),
    )
