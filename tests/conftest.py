"""Fixtures shared by test modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def parquet_world_2000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bench/gen_world.py's 2,000-entity world (seed 1) written straight to Parquet: holdings with voting or board
    seats unrecorded, cross-holdings, chains; the bulk path's memory tests screen it."""
    out = tmp_path_factory.mktemp("world") / "parquet"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "2000", "--out", str(out),
                    "--parquet"], check=True, capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="session")
def yaml_world_2000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same generated world as YAML files (entities and holdings in each of them), read by worker processes."""
    out = tmp_path_factory.mktemp("world") / "yaml"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_world.py"), "--entities", "2000", "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    return out
