"""Which files of a repository are worth indexing, and how to read them.

Three kinds of snapshot: a git work tree (files from `git ls-files`, keyed by blob sha when
clean so that moving HEAD re-reads only what changed), a plain directory (walked, honouring
`.gitignore` files through pathspec), and a git commit (read from the object store, which
also works on a bare repository).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pathspec

from intake.index.text import word_set

MAX_FILE_BYTES = 1_000_000

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "vendor",
        "dist", "build", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
        "site-packages", "bower_components", "third_party", ".eggs", "target", "_build",
    }
)  # fmt: skip
LOCK_FILES = frozenset(
    {
        "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Pipfile.lock",
        "uv.lock", "Cargo.lock", "Gemfile.lock", "composer.lock", "go.sum", "pdm.lock",
    }
)  # fmt: skip
BINARY_EXTS = word_set(
    """
    .png .jpg .jpeg .gif .bmp .ico .icns .webp .svg .pdf .zip .gz .tgz .bz2 .xz .7z .tar .whl
    .egg .jar .war .class .so .dylib .dll .exe .o .a .lib .pyc .pyo .pyd .bin .dat .db .sqlite
    .sqlite3 .woff .woff2 .ttf .otf .eot .mp3 .mp4 .wav .ogg .mov .avi .psd .ai .sketch .map
    .parquet .npy .npz .pkl .pickle .h5 .onnx .pt .ckpt .lock
    """
)
GENERATED_SUFFIXES = (".min.js", ".min.css", "_pb2.py", "_pb2_grpc.py", ".pb.go", ".bundle.js")

CODE_EXTS = word_set(
    """
    .py .pyi .pyx .js .jsx .mjs .cjs .ts .tsx .go .rs .java .kt .kts .scala .rb .php .c .h .cc
    .cpp .cxx .hpp .hh .cs .swift .m .mm .sh .bash .zsh .pl .lua .r .jl .ex .exs .erl .hs .ml
    .clj .dart .vue .svelte .sql
    """
)
DOC_EXTS = frozenset({".md", ".rst", ".txt", ".adoc", ".markdown", ""})


TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "e2e"})


def _split(path: str) -> tuple[list[str], str, str]:
    """Lowercased directories, file name, and suffix; cheaper than PurePosixPath."""
    *dirs, name = path.lower().split("/")
    dot = name.rfind(".")
    return dirs, name, name[dot:] if dot > 0 else ""


def is_test_path(path: str) -> bool:
    dirs, name, _ = _split(path)
    if TEST_DIRS.intersection(dirs):
        return True
    stem = name.split(".", 1)[0]
    return (
        stem.startswith("test_")
        or stem.endswith(("_test", "_tests", "_spec"))
        or name == "conftest.py"
        or ".test." in name
        or ".spec." in name
    )


EXAMPLE_DIRS = frozenset({"docs", "doc", "examples", "example", "samples", "demo", "demos"})


def file_kind(path: str) -> str:
    """code | example | test | doc | config; ranking uses it as a prior."""
    if is_test_path(path):
        return "test"
    dirs, _, suffix = _split(path)
    if suffix in CODE_EXTS:
        # Code that illustrates the project (docs/conf.py, examples/) is rarely what a
        # request changes, yet it mentions the same words as the code it illustrates.
        return "example" if EXAMPLE_DIRS.intersection(dirs) else "code"
    if suffix in DOC_EXTS:
        return "doc"
    return "config"


def wanted(path: str) -> bool:
    """Cheap path-only filter applied before anything is read."""
    p = PurePosixPath(path)
    if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in p.parts[:-1]):
        return False
    name = p.name
    lowered = name.lower()
    return not (
        name in LOCK_FILES
        or p.suffix.lower() in BINARY_EXTS
        or lowered.endswith(GENERATED_SUFFIXES)
    )


def decode_text(data: bytes) -> str | None:
    """None for binaries: a NUL byte early on is the same test git uses."""
    if len(data) > MAX_FILE_BYTES or b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Entry:
    path: str  # posix, relative to the repository root
    key: str  # "b:<blob sha>" (git) or "m:<mtime_ns>:<size>" (plain directory)


class IndexBuildError(RuntimeError):
    """The repository cannot be indexed: missing, unknown commit, git failing."""


class GitError(IndexBuildError):
    pass


def git(root: Path, *args: str, check: bool = True, stdin: str | None = None) -> bytes:
    proc = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        check=False,
        timeout=300,
        input=None if stdin is None else stdin.encode("utf-8", "surrogateescape"),
    )
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return proc.stdout


def git_dir_kind(root: Path) -> str | None:
    """'worktree', 'bare', or None when `root` is not inside a git repository."""
    try:
        out = git(root, "rev-parse", "--is-bare-repository", "--is-inside-work-tree")
    except (GitError, OSError):
        return None
    bare, inside = out.decode().split()
    if inside == "true":
        return "worktree"
    return "bare" if bare == "true" else None


def resolve_commit(root: Path, rev: str) -> str | None:
    out = git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    return out.decode().strip() or None


def _stat_key(path: Path) -> str | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return f"m:{st.st_mtime_ns}:{st.st_size}"


def _status(root: Path) -> list[tuple[str, str, str | None]]:
    """(XY code, path, stat key) of every path `git status` reports."""
    out = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
    # Status paths are relative to the top of the work tree, ls-files paths to `root`.
    prefix = git(root, "rev-parse", "--show-prefix").decode("utf-8", "surrogateescape").strip()
    rows: list[tuple[str, str, str | None]] = []
    for item in out.decode("utf-8", "surrogateescape").split("\0"):
        if len(item) < 4 or not item[3:].startswith(prefix):
            continue
        code, path = item[:2], item[3 + len(prefix) :]
        rows.append((code, path, None if "D" in code else _stat_key(root / path)))
    return rows


def worktree_state(root: Path) -> tuple[str | None, str]:
    """HEAD and a fingerprint of uncommitted changes, staged or not: together the cache key."""
    head = resolve_commit(root, "HEAD")
    digest = hashlib.sha256()
    for code, path, key in sorted(_status(root), key=lambda row: row[1]):
        digest.update(f"{path}\0{code}\0{key}\0".encode("utf-8", "surrogateescape"))
    return head, digest.hexdigest()[:20]


def list_worktree(root: Path) -> list[Entry]:
    # A staged blob sha still names the file's content as long as the work tree copy was
    # not edited afterwards; only those edited copies (and untracked files) need a stat key.
    edited: dict[str, str] = {}
    deleted: set[str] = set()
    for code, path, key in _status(root):
        if key is None:
            deleted.add(path)
        elif code[1] != " ":
            edited[path] = key
    entries: dict[str, str] = {}
    out = git(root, "ls-files", "-s", "-z")
    for item in out.decode("utf-8", "surrogateescape").split("\0"):
        if not item:
            continue
        meta, path = item.split("\t", 1)
        mode, sha, _stage = meta.split()
        if mode.startswith(("16", "12")):  # submodule or symlink
            continue
        if path not in deleted:
            entries[path] = f"b:{sha}"
    edited_paths = sorted(p for p in edited if wanted(p))
    if edited_paths:
        # Keying edited files by the blob sha `git add` would give them means committing
        # them later changes nothing the index cares about: no re-read.
        out = git(root, "hash-object", "--stdin-paths", stdin="\n".join(edited_paths) + "\n")
        shas = out.decode().split()
        if len(shas) == len(edited_paths):
            entries.update((p, f"b:{sha}") for p, sha in zip(edited_paths, shas, strict=True))
        else:
            entries.update((p, edited[p]) for p in edited_paths)
    return [Entry(p, k) for p, k in sorted(entries.items()) if wanted(p)]


def list_commit(root: Path, commit: str) -> list[Entry]:
    out = git(root, "ls-tree", "-r", "-z", "--long", commit)
    entries: list[Entry] = []
    for item in out.decode("utf-8", "surrogateescape").split("\0"):
        if not item:
            continue
        meta, path = item.split("\t", 1)
        mode, kind, sha, size = meta.split()
        if kind != "blob" or mode == "120000" or not wanted(path):
            continue
        if size.isdigit() and int(size) > MAX_FILE_BYTES:
            continue
        entries.append(Entry(path, f"b:{sha}"))
    entries.sort(key=lambda e: e.path)
    return entries


def _ignore_spec(directory: Path) -> pathspec.PathSpec | None:
    try:
        lines = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines.splitlines())


def walk_directory(root: Path) -> list[Entry]:
    """Every wanted file under `root`; each `.gitignore` applies below its own directory."""
    entries: list[Entry] = []
    specs: list[tuple[str, pathspec.PathSpec]] = []

    def ignored(rel: str, is_dir: bool) -> bool:
        verdict = False
        for base, spec in specs:
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1 :] if base else rel
            result = spec.check_file(sub + "/" if is_dir else sub)
            if result.include is not None:
                verdict = result.include  # deeper files override shallower ones
        return verdict

    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        specs = [(b, s) for b, s in specs if not b or rel_dir == b or rel_dir.startswith(b + "/")]
        spec = _ignore_spec(Path(dirpath))
        if spec is not None:
            specs.append((rel_dir, spec))
        prefix = f"{rel_dir}/" if rel_dir else ""
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS
            and not d.endswith(".egg-info")
            and not ignored(prefix + d, True)
            and not os.path.islink(os.path.join(dirpath, d))
        )
        for name in sorted(filenames):
            rel = prefix + name
            if not wanted(rel) or ignored(rel, False):
                continue
            key = _stat_key(Path(dirpath) / name)
            if key is not None:
                entries.append(Entry(rel, key))
    entries.sort(key=lambda e: e.path)
    return entries


def read_blobs(root: Path, shas: list[str]) -> Iterator[tuple[str, bytes | None]]:
    """Blob contents in one `git cat-file --batch` process, in the order asked."""
    if not shas:
        return
    proc = subprocess.Popen(
        ["git", "-C", str(root), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    # Asking for everything at once could fill both pipes and deadlock; slices of requests,
    # each answered in full before the next, keep at most one slice's answers in flight.
    try:
        for start in range(0, len(shas), 64):
            batch = shas[start : start + 64]
            proc.stdin.write("".join(f"{s}\n" for s in batch).encode())
            proc.stdin.flush()
            for sha in batch:
                header = proc.stdout.readline().split()
                if len(header) < 3 or header[1] != b"blob":
                    yield sha, None
                    continue
                size = int(header[2])
                data = proc.stdout.read(size)
                proc.stdout.read(1)
                yield sha, data if size <= MAX_FILE_BYTES else None
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait()
