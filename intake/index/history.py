"""What past changes say about where a request lands.

A commit subject is a short description of a change and its file list is the answer, so
past commits whose subjects resemble the request point at the files to touch, and files
that keep changing together hint at the file a request will also need. History is read
from one revision backwards (`git log <rev>`), so an index built at a parent commit knows
nothing of its children.
"""

from __future__ import annotations

import math
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from intake.index.text import STOP_WORDS, TOKEN_RE, stem, token_terms, word_set

# Bulk commits (reformatting, renames, licence headers) say nothing about any one file.
MAX_FILES_PER_COMMIT = 30
# Words every commit subject uses; they would make any two subjects look alike.
HISTORY_STOP = frozenset(
    map(
        stem,
        word_set(
            """add added adds fix fixed fixes update updated change changed use used improve
            support allow allows new issue pr gh bug merge minor small code refactor clean"""
        ),
    )
)


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    subject: str
    files: tuple[str, ...]  # paths as they are called at the indexed revision


def subject_terms(subject: str) -> list[str]:
    out: list[str] = []
    for token in TOKEN_RE.findall(subject):
        if token.lower() not in STOP_WORDS:
            out.extend(t for t in token_terms(token) if t not in HISTORY_STOP)
    return out


def read_history(root: Path, rev: str, limit: int, relative: bool = False) -> list[Commit]:
    """The last `limit` non-merge commits reachable from `rev`, newest first.

    One `git log` call. Renames are followed forward so that a file's older commits count
    for the name it has at `rev`; files deleted since are dropped later by the ranker.
    """
    args = ["git", "-C", str(root), "log", f"-n{limit}", "--no-merges", "-z", "-M"]
    args += ["--name-status", "--format=%x1e%H%x1f%s"]
    args += [rev, "--"]
    if relative:
        # A subdirectory of a work tree: only its commits, with paths relative to it.
        args[-2:-2] = ["--relative"]
        args.append(".")
    proc = subprocess.run(args, capture_output=True, check=False, timeout=300)
    if proc.returncode != 0:
        return []
    commits: list[Commit] = []
    renamed: dict[str, str] = {}  # older name -> name at `rev`
    for chunk in proc.stdout.decode("utf-8", "surrogateescape").split("\x1e")[1:]:
        header, _, rest = chunk.partition("\0")
        sha, _, subject = header.partition("\x1f")
        tokens = rest.lstrip("\n").split("\0")
        files: list[str] = []
        i = 0
        while i < len(tokens):
            status = tokens[i]
            if not status:
                i += 1
                continue
            if status[0] in "RC" and i + 2 < len(tokens):
                old, new = tokens[i + 1], tokens[i + 2]
                current = renamed.get(new, new)
                if status[0] == "R":
                    renamed[old] = current
                files.append(current)
                i += 3
            else:
                if i + 1 < len(tokens):
                    files.append(renamed.get(tokens[i + 1], tokens[i + 1]))
                i += 2
        commits.append(Commit(sha, subject.strip(), tuple(dict.fromkeys(files))))
    return commits


@dataclass
class HistoryIndex:
    """Subjects as tiny documents, searchable with BM25, and file -> commit lists."""

    commits: list[Commit]
    postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    lengths: list[int] = field(default_factory=list)
    by_file: dict[str, list[int]] = field(default_factory=dict)
    excluded: frozenset[str] = frozenset()

    @classmethod
    def build(cls, commits: list[Commit], exclude: frozenset[str] = frozenset()) -> HistoryIndex:
        index = cls(commits, excluded=exclude)
        for i, commit in enumerate(commits):
            if commit.sha in exclude or len(commit.files) > MAX_FILES_PER_COMMIT:
                index.lengths.append(0)
                continue
            terms = Counter(subject_terms(commit.subject))
            index.lengths.append(sum(terms.values()))
            for term, n in terms.items():
                index.postings.setdefault(term, []).append((i, n))
            for path in commit.files:
                index.by_file.setdefault(path, []).append(i)
        return index

    def search(self, terms: dict[str, float], limit: int = 40) -> list[tuple[int, float]]:
        """Commits whose subjects share the most informative terms with the query."""
        live = sum(1 for n in self.lengths if n)
        if not live:
            return []
        avg = sum(self.lengths) / live
        scores: dict[int, float] = {}
        for term, weight in terms.items():
            if term in HISTORY_STOP:
                continue
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (live - len(posting) + 0.5) / (len(posting) + 0.5))
            for i, n in posting:
                norm = n / (n + 1.2 * (0.25 + 0.75 * self.lengths[i] / avg))
                scores[i] = scores.get(i, 0.0) + weight * idf * norm
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:limit]

    def change_count(self, path: str) -> int:
        return len(self.by_file.get(path, ()))

    def co_changes(self, path: str) -> Counter[str]:
        """How often each other file changed in the same commit as `path`."""
        together: Counter[str] = Counter()
        for i in self.by_file.get(path, ()):
            together.update(p for p in self.commits[i].files if p != path)
        return together
