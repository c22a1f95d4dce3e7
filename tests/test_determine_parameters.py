"""The determination reads the law's values from rules/ and supplies none of its own: a value the rules
do not give on the date is an input error naming the parameter, never a default written in Python."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from feoc.data.problems import InputError
from feoc.determine.regime30d import determine
from feoc.determine.regime45x import determine45x
from feoc.law.data import default_rules_dir
from feoc.law.law import Law
from feoc.load.folder import load_dataset

ROOT = Path(__file__).resolve().parents[1]


def _law_with(tmp_path: Path, old: str, new: str) -> Law:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    params = rules / "parameters.yaml"
    text = params.read_text()
    assert old in text
    params.write_text(text.replace(old, new))
    return Law.load(rules)


def test_control_tracing_without_a_look_through_threshold_is_an_input_error(tmp_path):
    law = _law_with(tmp_path, "    2021-11-15: 0.5\n", "    2030-01-01: 0.5\n")
    dataset = load_dataset(ROOT / "seeds", law)
    determine(dataset, dt.date(2024, 6, 1), law, "government-multiply", "reference")  # multiply needs none
    with pytest.raises(InputError, match="control_lookthrough_threshold"):
        determine(dataset, dt.date(2024, 6, 1), law, "government-control", "reference")


def test_the_foreign_influence_tests_need_the_tracing_the_rules_give(tmp_path):
    law = _law_with(tmp_path, "    2025-07-05: multiply\n", "    2030-01-01: multiply\n")
    dataset = load_dataset(ROOT / "seeds", law)
    with pytest.raises(InputError, match="pfe_tracing"):
        determine45x(dataset, dt.date(2026, 6, 1), law, "reference")
