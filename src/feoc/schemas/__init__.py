"""JSON Schemas of feoc's JSON output and of its dataset files, generated from pydantic models when asked for
(`feoc schema NAME`, `load(name)`): the output models (`finding.py`, `check.py`, `facility45x.py`, `report.py`)
describe, key for key, what the verdicts' `as_dict()` and `render/json.py` write; the dataset schema
(`dataset.py`) is generated from the record models of `data/model.py`. tests/test_schema_command.py validates
every output and every seed file against them, and a broken one against them fails."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

# name -> what it describes (`feoc schema --help`)
NAMES_HELP = {
    "dataset": "one dataset YAML file as users write it",
    "check-entity": "feoc check entity --format json",
    "check-facility": "feoc check facility --format json (--credit 30d or 45x)",
    "check-vehicle": "feoc check vehicle --format json",
    "report": "feoc report --format json (report.json)",
    "check-subject": "feoc check entity|facility --format json (--credit 30d)",
    "check-facility-45x": "feoc check facility --credit 45x --format json",
    "finding": "one finding (a rule firing), as every output writes it",
}
NAMES = tuple(NAMES_HELP)


def _builders() -> dict[str, Callable[[], dict[str, Any]]]:
    from pydantic import BaseModel, ConfigDict, RootModel

    from feoc.schemas.check import EntityCheck, FacilityCheck, VehicleCheck
    from feoc.schemas.dataset import dataset_schema
    from feoc.schemas.facility45x import Facility45XCheck
    from feoc.schemas.finding import Finding
    from feoc.schemas.generate import document
    from feoc.schemas.report import Report

    class AnyFacility(RootModel[FacilityCheck | Facility45XCheck]):
        """`feoc check facility ID --format json`: the §30D verdict on its activities (--credit 30d, the default)
        or the §45X verdict on the plant (--credit 45x, with `credit: "45x"`)."""

        model_config = ConfigDict(title="feoc check facility --format json")

    class AnySubject(RootModel[EntityCheck | FacilityCheck]):
        """`feoc check entity|facility --format json` (--credit 30d): a foreign entity of concern or not."""

        model_config = ConfigDict(title="feoc check entity|facility --format json")

    models: dict[str, type[BaseModel]] = {
        "check-entity": EntityCheck, "check-facility": AnyFacility, "check-vehicle": VehicleCheck, "report": Report,
        "check-subject": AnySubject, "check-facility-45x": Facility45XCheck, "finding": Finding}
    out: dict[str, Callable[[], dict[str, Any]]] = {n: functools.partial(document, m, n) for n, m in models.items()}
    out["dataset"] = dataset_schema
    return out


@functools.cache
def _generated(name: str) -> dict[str, Any]:
    if name not in NAMES_HELP:
        raise KeyError(f"no schema {name!r}; the schemas are: {', '.join(NAMES)}")
    return _builders()[name]()


def load(name: str) -> dict[str, Any]:
    """The schema `name` (one of NAMES) as a dict: generated from the models on first use, a fresh copy each call."""
    return copy.deepcopy(_generated(name))
