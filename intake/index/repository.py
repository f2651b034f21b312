"""The repository index: build, cache, rebuild incrementally.

The cache holds one file per repository path. Its key is the indexed revision plus a
fingerprint of uncommitted changes; when it matches, the index loads as is. Otherwise each
file's entry is reused when its content key is unchanged (the blob sha of its content in a
git repository, mtime and size in a plain directory), so moving HEAD, editing a file or
committing the edit re-reads only what changed. Bump CACHE_VERSION whenever what is stored
per file changes meaning (analysis, stemming, packing).

Per file the index keeps a sorted array of term ids and a parallel array of packed
per-field counts: compact to store, fast to load, and a query of a dozen terms scores
thousands of files by binary search without an inverted index to maintain.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import tempfile
import time
from array import array
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.index import files as fs
from intake.index.analyze import Analysis, analyze_items
from intake.index.files import IndexBuildError
from intake.index.history import Commit, HistoryIndex, read_history

if TYPE_CHECKING:
    from intake.index.explain import Hit

CACHE_VERSION = 5
DEFAULT_MAX_COMMITS = 3000
# Below this many files to read, worker start-up costs more than it saves.
PARALLEL_MIN_FILES = 300


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    # XDG_CACHE_HOME is a platform convention for where caches live, not a Foreman setting.
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "foreman" / "index"


@dataclass(frozen=True, slots=True)
class FileRecord:
    path: str
    key: str
    kind: str  # code | test | doc | config | skip (binary or unreadable)
    ids: array[int]
    packs: array[int]
    lengths: tuple[int, ...]
    symbols: str


@dataclass(frozen=True, slots=True)
class BuildStats:
    files: int
    parsed: tuple[str, ...]  # paths read and analysed by this build
    reused: int
    warm: bool  # loaded whole from the cache
    history_commits: int
    seconds: float


class _Source:
    """Where the files of one snapshot come from."""

    def __init__(self, root: Path, mode: str, commit: str | None) -> None:
        self.root, self.mode, self.commit = root, mode, commit

    def entries(self) -> list[fs.Entry]:
        if self.commit is not None:
            return fs.list_commit(self.root, self.commit)
        if self.mode == "worktree":
            return fs.list_worktree(self.root)
        return fs.walk_directory(self.root)

    def items(self, entries: list[fs.Entry]) -> Iterable[tuple[str, str | bytes | None]]:
        """(path, what to read): an absolute path, or the bytes of a blob."""
        if self.commit is None:
            return [(e.path, str(self.root / e.path)) for e in entries]
        blobs = dict(fs.read_blobs(self.root, [e.key[2:] for e in entries]))
        return [(e.path, blobs.get(e.key[2:])) for e in entries]

    def read_texts(self, records: list[FileRecord]) -> dict[str, str | None]:
        """Current text of these files (one git process for all of them at a commit)."""
        if self.commit is None:
            out: dict[str, str | None] = {}
            for record in records:
                try:
                    out[record.path] = fs.decode_text((self.root / record.path).read_bytes())
                except OSError:
                    out[record.path] = None
            return out
        blobs = dict(fs.read_blobs(self.root, [r.key[2:] for r in records]))
        return {
            r.path: fs.decode_text(data) if (data := blobs.get(r.key[2:])) is not None else None
            for r in records
        }


class RepositoryIndex:
    """The files of one repository snapshot, their terms and symbols, and its history.

    Build with `RepositoryIndex.build(repo, cache_dir)`; `records` holds one entry per
    indexed file (binaries and unreadable files are left out), `commits` the history
    newest first, `revision` the indexed commit (None for a plain directory).
    """

    def __init__(
        self,
        source: _Source,
        records: list[FileRecord],
        vocab: list[str],
        commits: list[Commit],
        revision: str | None,
        stats: BuildStats,
    ) -> None:
        self._source = source
        self.root = source.root
        self.revision = revision
        self.records = [r for r in records if r.kind != "skip"]
        self.vocab = vocab
        self.commits = commits
        self.stats = stats
        self._term_ids: dict[str, int] | None = None
        self._history: HistoryIndex | None = None
        self._excluded: frozenset[str] = frozenset()

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.records]

    def term_id(self, term: str) -> int | None:
        if self._term_ids is None:
            self._term_ids = {t: i for i, t in enumerate(self.vocab)}
        return self._term_ids.get(term)

    @property
    def history(self) -> HistoryIndex:
        if self._history is None:
            self._history = HistoryIndex.build(self.commits, self._excluded)
        return self._history

    def exclude_history(self, shas: Iterable[str]) -> None:
        """Leave these commits out of the history signal (the benchmark's leak guard)."""
        self._excluded = frozenset(shas)
        self._history = None

    def read_text(self, record: FileRecord) -> str | None:
        return self._source.read_texts([record])[record.path]

    def read_texts(self, records: list[FileRecord]) -> dict[str, str | None]:
        return self._source.read_texts(records)

    def locate(self, query: str, top: int = 10) -> list[Hit]:
        from intake.index.rank import rank

        return rank(self, query, top)

    @classmethod
    def build(
        cls,
        repo: Path,
        cache_dir: Path | None = None,
        *,
        commit: str | None = None,
        max_commits: int = DEFAULT_MAX_COMMITS,
        jobs: int | None = None,
    ) -> RepositoryIndex:
        """Index `repo` (its work tree, or the tree of `commit` with history up to it)."""
        started = time.perf_counter()
        root = repo.expanduser().resolve()
        if not root.is_dir():
            raise IndexBuildError(f"repository not found: {repo}")
        source, revision, state, entries = _snapshot(root, commit)
        key = f"{CACHE_VERSION}|{root}|{state}|{max_commits}"

        cache_file = (cache_dir or default_cache_dir()) / (
            hashlib.sha256(str(root).encode()).hexdigest()[:24] + ".pickle"
        )
        cached = _load(cache_file)
        if cached is not None and cached["key"] == key:
            stats = BuildStats(
                len(cached["records"]), (), len(cached["records"]), True,
                len(cached["commits"]), time.perf_counter() - started,
            )  # fmt: skip
            return cls(
                source, cached["records"], cached["vocab"], cached["commits"], revision, stats
            )

        if entries is None:
            entries = source.entries()
        old: dict[str, FileRecord] = {}
        vocab: list[str] = []
        commits: list[Commit] | None = None
        if cached is not None:
            old = {r.path: r for r in cached["records"]}
            vocab = cached["vocab"]
            if cached["history_rev"] == (revision, max_commits):
                commits = cached["commits"]
        reuse = [old[e.path] for e in entries if e.path in old and old[e.path].key == e.key]
        todo = [e for e in entries if e.path not in old or old[e.path].key != e.key]
        analyses = _analyze(list(source.items(todo)), jobs)
        fresh, vocab = _records(todo, analyses, vocab)
        records = sorted([*reuse, *fresh], key=lambda r: r.path)
        if commits is None:
            commits = []
            if revision is not None:
                relative = source.mode == "worktree"
                commits = read_history(root, revision, max_commits, relative=relative)
        records, vocab = _compact(records, vocab)
        _save(cache_file, {
            "key": key, "records": records, "vocab": vocab, "commits": commits,
            "history_rev": (revision, max_commits),
        })  # fmt: skip
        stats = BuildStats(
            len(records), tuple(e.path for e in todo), len(reuse), False, len(commits),
            time.perf_counter() - started,
        )  # fmt: skip
        return cls(source, records, vocab, commits, revision, stats)


def _snapshot(
    root: Path, commit: str | None
) -> tuple[_Source, str | None, str, list[fs.Entry] | None]:
    """Where files come from, the revision, and a string that changes when any file does.

    A plain directory has no cheaper fingerprint than its listing, so that listing is
    returned too rather than walked twice.
    """
    mode = fs.git_dir_kind(root)
    if mode == "bare" and commit is None:
        commit = "HEAD"
    if commit is not None:
        if mode is None:
            raise IndexBuildError(f"not a git repository: {root}")
        sha = fs.resolve_commit(root, commit)
        if sha is None:
            raise IndexBuildError(f"unknown commit {commit!r} in {root}")
        return _Source(root, mode, sha), sha, f"commit:{sha}", None
    if mode == "worktree":
        head, dirty = fs.worktree_state(root)
        return _Source(root, mode, None), head, f"worktree:{head}:{dirty}", None
    source = _Source(root, "directory", None)
    entries = source.entries()
    digest = hashlib.sha256("\n".join(f"{e.path}\0{e.key}" for e in entries).encode())
    return source, None, f"directory:{digest.hexdigest()[:20]}", entries


def _analyze(
    items: list[tuple[str, str | bytes | None]], jobs: int | None
) -> list[Analysis | None]:
    jobs = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    if jobs <= 1 or len(items) < PARALLEL_MIN_FILES:
        return analyze_items(items)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    # A few chunks per worker balance uneven file sizes without paying per-file overhead.
    size = max(1, len(items) // (jobs * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return [a for part in pool.map(analyze_items, chunks) for a in part]


def _records(
    entries: list[fs.Entry], analyses: list[Analysis | None], vocab: list[str]
) -> tuple[list[FileRecord], list[str]]:
    """Records for freshly analysed files, extending the vocabulary with their new terms."""
    term_lists = [a.terms.split("\n") if a is not None and a.terms else [] for a in analyses]
    ids_of = {t: i for i, t in enumerate(vocab)}
    new_terms = sorted(set().union(*term_lists).difference(ids_of))
    start = len(vocab)
    vocab = [*vocab, *new_terms]
    ids_of.update(zip(new_terms, range(start, len(vocab)), strict=True))
    # With an empty starting vocabulary every id follows alphabetical order, and so does
    # each file's sorted term list: the arrays come out sorted without a sort.
    presorted = start == 0
    records: list[FileRecord] = []
    for entry, analysis, terms in zip(entries, analyses, term_lists, strict=True):
        if analysis is None:
            records.append(
                FileRecord(entry.path, entry.key, "skip", array("I"), array("Q"), (), "")
            )
            continue
        ids = array("I", map(ids_of.__getitem__, terms))
        packs = analysis.packs
        if not presorted:
            order = sorted(range(len(ids)), key=ids.__getitem__)
            ids = array("I", [ids[i] for i in order])
            packs = array("Q", [packs[i] for i in order])
        records.append(
            FileRecord(
                entry.path,
                entry.key,
                analysis.kind,
                ids,
                packs,
                analysis.lengths,
                analysis.symbols,
            )
        )
    return records, vocab


def _compact(records: list[FileRecord], vocab: list[str]) -> tuple[list[FileRecord], list[str]]:
    """Drops terms no file uses once they are the majority of the vocabulary."""
    if len(vocab) < 50_000:
        return records, vocab
    live = sorted(set().union(*(r.ids for r in records)))
    if len(live) * 2 > len(vocab):
        return records, vocab
    remap = {old: new for new, old in enumerate(live)}
    compacted = [
        FileRecord(
            r.path,
            r.key,
            r.kind,
            array("I", map(remap.__getitem__, r.ids)),
            r.packs,
            r.lengths,
            r.symbols,
        )
        for r in records
    ]
    return compacted, [vocab[i] for i in live]


def _load(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            # The cache is written by this module into the user's own cache directory.
            data = pickle.load(handle)  # noqa: S301
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            IndexError, KeyError, TypeError, ValueError):  # fmt: skip
        return None
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return None
    return data


def _save(path: Path, data: dict[str, Any]) -> None:
    data = {"version": CACHE_VERSION, **data}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".index-", suffix=".tmp")
    except OSError:
        return  # a cache that cannot be written only costs speed next time
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    except OSError:
        Path(tmp).unlink(missing_ok=True)
