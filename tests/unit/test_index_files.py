"""Which files get indexed: .gitignore, vendored and generated trees, binaries, sizes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from intake.index.files import (
    file_kind,
    is_test_path,
    list_commit,
    list_worktree,
    walk_directory,
    wanted,
)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}  # fmt: skip


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


TREE: dict[str, str | bytes] = {
    ".gitignore": "*.log\nsecrets/\n!keep.log\n",
    "app/core.py": "def run():\n    pass\n",
    "app/debug.log": "noise\n",
    "app/keep.log": "wanted despite *.log\n",
    "secrets/token.py": "TOKEN = 1\n",
    "app/sub/.gitignore": "generated_*.py\n",
    "app/sub/generated_api.py": "x = 1\n",
    "app/sub/handwritten.py": "y = 2\n",
    "node_modules/lib/index.js": "module.exports = 1\n",
    "vendor/pkg/mod.go": "package pkg\n",
    "dist/app.js": "bundle\n",
    "web/app.min.js": "minified\n",
    "package-lock.json": "{}\n",
    "logo.png": b"\x89PNG\r\n\x1a\n\0\0",
    "data.bin.txt": b"abc\0def",
    "tests/test_core.py": "def test_run():\n    pass\n",
}
EXPECTED = [
    ".gitignore",
    "app/core.py",
    "app/keep.log",
    "app/sub/.gitignore",
    "app/sub/handwritten.py",
    "data.bin.txt",
    "tests/test_core.py",
]


def test_plain_directory_honours_nested_gitignores_and_skip_rules(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    assert [e.path for e in walk_directory(tmp_path)] == EXPECTED
    assert all(e.key.startswith("m:") for e in walk_directory(tmp_path))


def test_git_checkout_lists_tracked_and_untracked_files_but_not_ignored_ones(
    tmp_path: Path,
) -> None:
    write(tmp_path, TREE)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "init")
    write(tmp_path, {"app/new.py": "z = 3\n", "app/new.log": "ignored\n"})
    (tmp_path / "app/core.py").write_text("def run():\n    return 1\n", encoding="utf-8")

    entries = {e.path: e.key for e in list_worktree(tmp_path)}
    # Binary content is only detected when read; listing keeps it for the reader to drop.
    assert sorted(entries) == sorted([*EXPECTED, "app/new.py"])
    # Every file is keyed by the blob sha of its current content, edited or not.
    edited_sha = git(tmp_path, "hash-object", "app/core.py").strip()
    assert entries["app/core.py"] == f"b:{edited_sha}"
    assert entries["app/new.py"] == "b:" + git(tmp_path, "hash-object", "app/new.py").strip()
    clean_sha = git(tmp_path, "rev-parse", "HEAD:app/sub/handwritten.py").strip()
    assert entries["app/sub/handwritten.py"] == f"b:{clean_sha}"

    head = git(tmp_path, "rev-parse", "HEAD").strip()
    at_head = {e.path for e in list_commit(tmp_path, head)}
    assert "app/new.py" not in at_head and "app/core.py" in at_head


def test_path_filters_and_kinds() -> None:
    assert not wanted("a/.venv/lib/x.py")
    assert not wanted("pkg/foo.egg-info/PKG-INFO")
    assert not wanted("proto/api_pb2.py")
    assert not wanted("yarn.lock")
    assert wanted("src/pkg/build_utils.py")
    assert is_test_path("tests/unit/test_x.py")
    assert is_test_path("pkg/x_test.go")
    assert is_test_path("web/button.spec.ts")
    assert is_test_path("conftest.py")
    assert not is_test_path("src/testing_utils_not_a_dir.py")
    assert file_kind("src/pkg/core.py") == "code"
    assert file_kind("docs/conf.py") == "example"
    assert file_kind("README.md") == "doc"
    assert file_kind("pyproject.toml") == "config"
