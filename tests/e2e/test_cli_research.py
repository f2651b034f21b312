"""`foreman intake` as a person runs it: the seed request against this repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FOREMAN = str(Path(sys.executable).with_name("foreman"))
REPO = Path(__file__).resolve().parents[2]
SEED = (
    "give us real visibility into what the system is actually doing, and make sure someone "
    "gets paged when production breaks"
)


def intake(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FOREMAN_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
        "FOREMAN_CACHE_DIR": str(tmp_path / "cache"),
    }
    return subprocess.run(
        [FOREMAN, "intake", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_seed_request_prints_a_plan_and_stores_it(tmp_path: Path) -> None:
    shown = intake(tmp_path, SEED, "--repo", str(REPO))
    assert shown.returncode == 0, shown.stderr
    assert "FM-1 · Give us real visibility" in shown.stdout and "planned, 4 tickets" in shown.stdout
    assert "finish line: pytest" in shown.stdout and "Verify live" in shown.stdout
    as_json = intake(tmp_path, SEED, "--repo", str(REPO), "--json")
    data = json.loads(as_json.stdout)
    assert data["batch"]["id"] == "FM-2" and data["batch"]["status"] == "planned"
    assert [t["lane"] for t in data["tickets"]] == ["config", "build", "build", "verify"]
    assert all(len(t["acceptance_criteria"]) >= 2 for t in data["tickets"])
    assert data["tickets"][-1]["depends_on"] == ["FM-2.1", "FM-2.2", "FM-2.3"]


def test_nothing_actionable_is_a_clear_error(tmp_path: Path) -> None:
    result = intake(tmp_path, "hi there", "--repo", str(REPO))
    assert result.returncode == 1
    assert "Nothing to plan yet: What should I plan?" in result.stderr
