"""`foreman locate` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

FILES = {
    "jobs/runner.py": '''"""Runs queued jobs."""


class JobRunner:
    def run_next(self, queue):
        job = queue.pop()
        return self.execute(job)

    def execute(self, job):
        """Execute one job and record its duration metric."""
        return job()
''',
    "jobs/metrics.py": "def emit_metric(name, value):\n    print(name, value)\n",
    "web/app.py": "def index():\n    return 'hello'\n",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_text_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["locate", "give us real visibility into job runner duration", "--repo", str(repo)])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["1.", "jobs/runner.py"]
    assert float(lines[0].split()[2]) > 0
    assert any(line.startswith("       symbol JobRunner") for line in lines)
    assert any(line.strip().startswith("matched ") for line in lines)


def test_json_output_shape(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["locate", "job", "runner", "--repo", str(repo), "--top", "2", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["query"] == "job runner"
    assert data["repo"] == str(repo.resolve())
    assert 1 <= len(data["hits"]) <= 2
    first = data["hits"][0]
    assert set(first) == {"rank", "path", "score", "symbols", "reasons"}
    assert first["rank"] == 1 and first["path"] == "jobs/runner.py"
    assert isinstance(first["score"], float)
    assert {"name": "JobRunner", "line": 4} in first["symbols"]
    assert all(isinstance(r, str) for r in first["reasons"])
    # The cache went where XDG_CACHE_HOME says.
    assert list((repo.parent / "xdg" / "foreman" / "index").glob("*.pickle"))


def test_no_match_is_not_an_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["locate", "kubernetes", "--repo", str(repo), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hits"] == []


def test_missing_repository_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["locate", "anything", "--repo", str(tmp_path / "nope")])
    captured = capsys.readouterr()
    assert code != 0
    assert captured.out == ""
    assert captured.err.strip() == f"foreman: repository not found: {tmp_path / 'nope'}"


def test_bad_top_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["locate", "job", "--repo", str(repo), "--top", "0"])
    assert exc.value.code == 2
