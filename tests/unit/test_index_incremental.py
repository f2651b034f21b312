"""The cache: warm loads, incremental rebuilds, history cut-offs, bad cache files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from intake.index import IndexBuildError, RepositoryIndex

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}  # fmt: skip


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def commit(root: Path, files: dict[str, str], message: str) -> str:
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    commit(
        root,
        {
            "pkg/a.py": "def alpha():\n    return 1\n",
            "pkg/b.py": "def beta():\n    return 2\n",
            "pkg/c.py": "def gamma():\n    return 3\n",
            "README.md": "Demo package.\n",
        },
        "Initial commit",
    )
    return root


def build(root: Path, cache: Path, **kwargs: object) -> RepositoryIndex:
    return RepositoryIndex.build(root, cache, **kwargs)  # type: ignore[arg-type]


def test_cold_then_warm(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = build(repo, cache)
    assert sorted(cold.stats.parsed) == ["README.md", "pkg/a.py", "pkg/b.py", "pkg/c.py"]
    assert not cold.stats.warm
    warm = build(repo, cache)
    assert warm.stats.warm and warm.stats.parsed == ()
    assert warm.paths == cold.paths


def test_editing_one_file_reparses_only_that_file(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build(repo, cache)
    (repo / "pkg/b.py").write_text("def beta_renamed():\n    return 2\n", encoding="utf-8")
    edited = build(repo, cache)
    assert edited.stats.parsed == ("pkg/b.py",)
    assert edited.stats.reused == 3
    assert [h.path for h in edited.locate("beta renamed")][:1] == ["pkg/b.py"]

    # Committing the edit moves HEAD but changes no content: nothing is re-read.
    commit(repo, {}, "Rename beta")
    committed = build(repo, cache)
    assert not committed.stats.warm
    assert committed.stats.parsed == ()
    assert committed.stats.history_commits == 2


def test_moving_head_reparses_only_changed_files(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = git(repo, "rev-parse", "HEAD")
    commit(repo, {"pkg/c.py": "def gamma():\n    return 33\n", "pkg/d.py": "X = 1\n"}, "Tune")
    build(repo, cache)
    git(repo, "checkout", "-q", first)
    back = build(repo, cache)
    # c.py went back to its old content (a blob not seen by the last build); d.py is gone.
    assert back.stats.parsed == ("pkg/c.py",)
    assert "pkg/d.py" not in back.paths


def test_index_at_a_commit_sees_only_history_before_it(repo: Path, tmp_path: Path) -> None:
    parent = git(repo, "rev-parse", "HEAD")
    child = commit(repo, {"pkg/a.py": "def alpha():\n    return 10\n"}, "Make alpha bigger")
    at_parent = build(repo, tmp_path / "cache", commit=parent)
    assert child not in {c.sha for c in at_parent.commits}
    assert at_parent.revision == parent
    assert "return 1\n" in (at_parent.read_text(at_parent.records[1]) or "")


def test_bad_or_old_cache_files_are_ignored(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build(repo, cache)
    (cache_file,) = cache.iterdir()
    cache_file.write_bytes(b"not a pickle")
    rebuilt = build(repo, cache)
    assert len(rebuilt.stats.parsed) == 4
    assert build(repo, cache).stats.warm


def test_plain_directory_and_binaries(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "src").mkdir(parents=True)
    (root / "src/main.py").write_text("def main():\n    pass\n", encoding="utf-8")
    (root / "src/blob.dat.txt").write_bytes(b"\0\1\2")
    index = build(root, tmp_path / "cache")
    assert index.paths == ["src/main.py"]
    assert index.revision is None and index.commits == []
    assert build(root, tmp_path / "cache").stats.warm


def test_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(IndexBuildError, match="repository not found"):
        build(tmp_path / "missing", tmp_path / "cache")
    with pytest.raises(IndexBuildError, match="not a git repository"):
        build(tmp_path, tmp_path / "cache", commit="HEAD")
