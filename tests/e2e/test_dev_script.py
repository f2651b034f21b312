"""`foreman dev --script`: the embedded local Slack and the real bot, as a newcomer sees them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.plans import plan, spec

FOREMAN = str(Path(sys.executable).with_name("foreman"))
REPO = Path(__file__).resolve().parents[2]


def run_script(tmp_path: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "chat.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {
        **os.environ,
        "FOREMAN_DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
        "FOREMAN_REPO": str(REPO),
        "FOREMAN_CACHE_DIR": str(tmp_path / "cache"),
    }
    return subprocess.run(
        [FOREMAN, "dev", "--script", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_mention_gets_its_ticket_reply(tmp_path: Path) -> None:
    result = run_script(tmp_path, ["make sure someone gets paged when production breaks"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "you> make sure someone gets paged when production breaks" in result.stdout
    assert "foreman> *FM-1 · Make sure someone gets paged when production breaks" in result.stdout


def test_a_mention_is_planned_and_approve_shows_the_approved_plan(tmp_path: Path) -> None:
    result = run_script(
        tmp_path,
        [
            "make sure someone gets paged when production breaks",
            "press Approve plan",
            "/foreman ready FM-1",
        ],
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "plan ready: 3 tickets" in out and "[1] Approve plan  [2] Cancel" in out
    assert "`bot/settings.py`" in out  # the paging destination is a setting of this repository
    approved = out[out.index("you> press Approve plan") :]
    assert "approved by @you" in approved
    assert ":white_circle: *FM-1.1 · Configure where pages go" in approved
    assert "Ready to work" in approved and "FM-1.1" in approved


def test_a_plan_imported_by_a_worker_is_shown_and_approved(tmp_path: Path) -> None:
    data = plan(
        spec("config", file_hooks=[{"path": "bot/settings.py", "why": "reads FOREMAN_*"}]),
        spec("verify", "config", title="Verify live"),
        title="Paging",
    ).model_dump()
    data["repo"] = str(REPO)
    (tmp_path / "plan.json").write_text(json.dumps(data), encoding="utf-8")
    result = run_script(
        tmp_path,
        [
            "$ foreman import plan.json",
            "/foreman status FM-1",
            "$ foreman approve FM-1 --as you",
            "/foreman ready FM-1",
        ],
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "FM-1 · Paging · planned, 2 tickets" in out
    assert "FM-1 approved: opened 2 tickets (FM-1.1, FM-1.2)" in out
    assert "Ready to work" in out and "FM-1.1" in out
