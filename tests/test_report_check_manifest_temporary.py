"""A tax adviser's report folder after a run killed while it wrote the manifest: `feoc report --check` lists the
manifest's leftover temporary file as stale, as it lists every report file's (the next run removes it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _report(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feoc.cli", "report", "--data", str(ROOT / "seeds"), "--out", str(out),
                           *extra], capture_output=True, text=True, timeout=300, cwd=out.parent)


def test_check_lists_a_temporary_the_manifest_left(tmp_path):
    out = tmp_path / "reports"
    assert _report(out).returncode == 0
    assert _report(out, "--check").returncode == 0
    left = out / "..feoc-report.sha256.k3j9x0q2.tmp"  # mkstemp's shape, as a killed write leaves it
    shutil.copyfile(out / ".feoc-report.sha256", left)
    check = _report(out, "--check")
    assert check.returncode == 1 and f"stale: {left}" in check.stdout.splitlines(), check.stdout
    assert _report(out).returncode == 0 and not left.exists()
    assert _report(out, "--check").returncode == 0
