"""Issue 17: the work `feoc screen` does while its dataset loads (imports, the compiled kernel) runs in a thread of
the command. The thread is joined before the load returns, so the command may fork its second core afterwards; what
the thread raised is raised by the load (one line from the command), never a traceback printed and lost."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from feoc.law.law import Law
from feoc.load.folder import load_dataset

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
LAW = Law.load()
ONE_FILE = Path(__file__).parent / "bad_inputs" / "valid-norway-trap"


def _slow() -> None:
    time.sleep(0.3)  # outlasts the load of a small folder


@pytest.mark.parametrize("folder, workers", [(SEEDS, 2), (SEEDS, 1), (ONE_FILE, 2)], ids=["workers", "one", "one-file"])
def test_the_work_meanwhile_is_joined_before_the_load_returns(folder, workers):
    """A screen of the seeds (several YAML files, parsed by worker processes) or of one file: no thread is left."""
    assert len(list(folder.glob("*.yaml"))) >= (2 if folder == SEEDS else 1)
    load_dataset(folder, LAW, compact=True, workers=workers, meanwhile=_slow)
    assert threading.active_count() == 1


@pytest.mark.parametrize("folder, workers", [(SEEDS, 2), (ONE_FILE, 1)], ids=["workers", "one"])
def test_what_the_work_meanwhile_raised_is_raised_by_the_load(folder, workers, capsys):
    def broken() -> None:
        raise RuntimeError("the kernel would not load")
    with pytest.raises(RuntimeError, match="would not load"):
        load_dataset(folder, LAW, compact=True, workers=workers, meanwhile=broken)
    assert "Traceback" not in capsys.readouterr().err
    assert threading.active_count() == 1
