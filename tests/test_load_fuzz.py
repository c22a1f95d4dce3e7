"""Fuzzing the loader with generated YAML documents (random nesting, types and strings), issue 7: whatever
the document, loading gives a valid Dataset or a clean InputError — never another exception.

Derandomized in CI; FEOC_HYPOTHESIS_EXAMPLES=5000 pytest tests/test_load_fuzz.py for a longer run."""

from __future__ import annotations

import datetime as dt
import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feoc.data.dataset import Dataset
from feoc.data.problems import InputError
from feoc.law.law import Law
from feoc.load.folder import load_dataset

LAW = Law.load()

KEYS = ["entities", "holdings", "listings", "agreements", "facilities", "batteries", "vehicles", "material_inputs",
        "id", "name", "type", "holder", "entity", "equity", "voting", "board_seats", "debt", "from", "until",
        "country", "incorporated_in", "list", "operator", "activities", "components", "component", "value_usd",
        "sources", "doc", "quote", "assumed", "NO", "yes", "../x"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["25%", "CN", "NO", "company", "2024-02-30", "2024-01-01", "aesc", "1e400"]),
    st.dates(min_value=dt.date(1, 1, 1)),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5)),
    max_leaves=25,
)
SETTINGS = settings(derandomize=True, max_examples=int(os.environ.get("FEOC_HYPOTHESIS_EXAMPLES", "200")),
                    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(doc=documents, wrap=st.sampled_from(["entities", "holdings", "facilities", "batteries", None]))
def test_generated_documents_load_or_are_refused_cleanly(tmp_path, doc, wrap):
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    body = {wrap: [doc]} if wrap else doc
    (folder / "d.yaml").write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    try:
        dataset = load_dataset(folder, LAW)
    except InputError as exc:
        assert exc.problems and all(p.file for p in exc.problems)
        return
    assert isinstance(dataset, Dataset)
