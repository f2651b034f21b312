"""Localization benchmark: does `locate` find the files a past commit changed?

Cases come from the git history of public Python repositories, chosen at run time: a
commit's subject is the request and the non-test Python source files it modified are the
answer. Kept: non-merge commits modifying 1-4 source files (none added, deleted or
renamed, since a file that does not exist yet cannot be located), with a subject of at
least three words; skipped: reverts, release/version bumps, typo-only, formatting and
linting commits. Each case indexes the repository at the commit's parent, with history
strictly before the commit (only commits reachable from the parent), and commits with the
same subject (cherry-picks, backports) are left out of the history signal.

The same cases are scored with plain BM25 over whole files (k1=1.2, b=0.75, `\\w+` tokens
of the lowercased raw text and query, no stemming or stop words) over the same file set,
and, for reference, the same BM25 restricted to non-test source files.

Repositories are bare mirrors fetched beforehand, e.g. with the workspace's `fetch` tool:

    github:pallets/click  github:python-attrs/attrs  github:marshmallow-code/marshmallow
    github:jd/tenacity    github:hynek/structlog

which land in /work/.mirror/<owner>+<name>/repo. Then:

    .venv/bin/python bench/localization.py /work/.mirror/pallets+click/repo \\
        /work/.mirror/python-attrs+attrs/repo /work/.mirror/marshmallow-code+marshmallow/repo \\
        /work/.mirror/jd+tenacity/repo /work/.mirror/hynek+structlog/repo

Nothing from those repositories is written outside a temporary cache directory.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake.index import RepositoryIndex
from intake.index.files import decode_text, is_test_path, read_blobs

SKIP_SUBJECT = re.compile(
    r"^(revert|merge|release|prepare|bump|start|back to|version)\b"
    r"|\bbump(ed|s)? (the )?(version|to|from)\b|\bversion \d|^v?\d+\.\d+|\brelease \d"
    r"|\btypos?\b|\bspelling\b|\bmisspell"
    r"|\b(reformat|black|isort|flake8|ruff|pre-commit|pyupgrade|autopep8|yapf|pylint|mypy)\b"
    r"|\blint(ing|er)?\b|\bwhitespace\b|^style\b|\bformat(ting)? (with|using|code)\b|\bpep ?8\b"
    r"|\bchangelog\b|\bcopyright\b",
    re.IGNORECASE,
)
CONVENTIONAL = re.compile(
    r"^(fix|feat|chore|refactor|perf|docs|test|ci|build)(\([^)]*\))?!?:\s*", re.I
)
NON_SOURCE_DIRS = frozenset({"docs", "doc"})
NON_SOURCE_FILES = frozenset({"setup.py", "noxfile.py", "tasks.py", "conftest.py"})
MIN_HISTORY = 100


@dataclass
class Case:
    repo: str
    sha: str
    parent: str
    request: str
    answer: list[str]


@dataclass
class Scores:
    r1: list[float] = field(default_factory=list)
    r5: list[float] = field(default_factory=list)
    all5: list[float] = field(default_factory=list)

    def add(self, ranked: list[str], answer: list[str]) -> None:
        found5 = len(set(ranked[:5]) & set(answer))
        self.r1.append(len(set(ranked[:1]) & set(answer)) / len(answer))
        self.r5.append(found5 / len(answer))
        self.all5.append(1.0 if found5 == len(answer) else 0.0)

    def extend(self, other: Scores) -> None:
        self.r1 += other.r1
        self.r5 += other.r5
        self.all5 += other.all5

    def row(self) -> tuple[float, float, float]:
        n = len(self.r1) or 1
        return (100 * sum(self.r1) / n, 100 * sum(self.r5) / n, 100 * sum(self.all5) / n)


def clean_subject(subject: str) -> str:
    subject = CONVENTIONAL.sub("", subject.strip())
    subject = re.sub(r"\s*\((?:#|gh-)\d+\)\s*$", "", subject)
    return re.sub(r"\s+", " ", subject).strip()


def is_source(path: str) -> bool:
    p = PurePosixPath(path)
    return (
        p.suffix == ".py"
        and not is_test_path(path)
        and p.parts[0] not in NON_SOURCE_DIRS
        and p.name not in NON_SOURCE_FILES
    )


def select_cases(root: Path, per_repo: int, split: str = "test") -> list[Case]:
    out = subprocess.run(
        ["git", "-C", str(root), "log", "--no-merges", "-z", "-M", "--name-status",
         "--format=%x1e%H%x1f%P%x1f%s", "HEAD"],
        capture_output=True, check=True,
    ).stdout.decode("utf-8", "replace")  # fmt: skip
    commits = out.split("\x1e")[1:]
    candidates: list[Case] = []
    # Oldest commits have too little history before them for the history signal to mean
    # anything, for either retriever; they are not candidates.
    for chunk in commits[: max(0, len(commits) - MIN_HISTORY)]:
        header, _, rest = chunk.partition("\0")
        sha, parents, subject = header.split("\x1f", 2)
        if len(parents.split()) != 1 or SKIP_SUBJECT.search(subject):
            continue
        request = clean_subject(subject)
        if len(request.split()) < 3:
            continue
        tokens = [t for t in rest.lstrip("\n").split("\0") if t]
        changes: list[tuple[str, str]] = []
        i = 0
        while i < len(tokens):
            status = tokens[i]
            width = 3 if status[0] in "RC" else 2
            changes.append((status[0], tokens[i + width - 1]))
            i += width
        source = [(s, p) for s, p in changes if is_source(p)]
        if not 1 <= len(source) <= 4 or any(s != "M" for s, _ in source):
            continue
        candidates.append(
            Case(root.parent.name, sha, parents, request, sorted(p for _, p in source))
        )
    # Evenly spaced over the history, then oldest first so each index build reuses the
    # previous one's per-file entries.
    # The "dev" split takes the candidates half-way between the reported ("test") ones, so
    # ranking changes can be tried on cases that are not the reported ones.
    step = max(1.0, len(candidates) / per_repo)
    shift = 0.5 if split == "dev" else 0.0
    picks = sorted({min(int((i + shift) * step), len(candidates) - 1) for i in range(per_repo)})
    chosen = [candidates[i] for i in picks]
    return list(reversed(chosen))


class PlainBM25:
    """BM25 over whole files with the textbook parameters, for comparison."""

    token = re.compile(r"\w+")

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, Counter[str]] = {}

    def counts(self, keys: list[str]) -> list[Counter[str]]:
        missing = [k for k in dict.fromkeys(keys) if k not in self.cache]
        for sha, data in read_blobs(self.root, [k[2:] for k in missing]):
            text = decode_text(data) if data is not None else None
            self.cache["b:" + sha] = Counter(self.token.findall(text.lower() if text else ""))
        return [self.cache[k] for k in keys]

    def rank(self, query: str, paths: list[str], keys: list[str]) -> list[str]:
        docs = self.counts(keys)
        n = len(docs)
        lengths = [sum(d.values()) for d in docs]
        avg = sum(lengths) / max(n, 1)
        scores = [0.0] * n
        for term in set(self.token.findall(query.lower())):
            df = sum(1 for d in docs if term in d)
            if not df:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for i, d in enumerate(docs):
                tf = d.get(term, 0)
                if tf:
                    scores[i] += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * lengths[i] / avg))
        order = sorted(range(n), key=lambda i: (-scores[i], paths[i]))
        return [paths[i] for i in order if scores[i] > 0][:10]


@dataclass
class Report:
    scores: dict[str, dict[str, Scores]] = field(default_factory=dict)  # repo -> system -> ...
    timings: list[float] = field(default_factory=list)  # index + locate, per case
    twins: int = 0  # cases whose subject also appears earlier in history
    cases: list[dict[str, object]] = field(default_factory=list)


SYSTEMS = ("foreman", "bm25", "bm25_source")


def run(roots: list[Path], per_repo: int, max_commits: int, split: str, verbose: bool) -> Report:
    report = Report()
    with tempfile.TemporaryDirectory(prefix="foreman-bench-") as tmp:
        for root in roots:
            name = "/".join(root.parent.name.split("+", 1))
            scores = report.scores[name] = {s: Scores() for s in SYSTEMS}
            plain = PlainBM25(root)
            for case in select_cases(root, per_repo, split):
                started = time.perf_counter()
                index = RepositoryIndex.build(
                    root, Path(tmp), commit=case.parent, max_commits=max_commits
                )
                # A cherry-pick or backport of the same change earlier in history would hand
                # the answer over; those commits are left out of the history signal.
                twins = {c.sha for c in index.commits if clean_subject(c.subject) == case.request}
                index.exclude_history(twins)
                report.twins += bool(twins)
                ours = [h.path for h in index.locate(case.request, top=10)]
                report.timings.append(time.perf_counter() - started)

                paths = [r.path for r in index.records]
                keys = [r.key for r in index.records]
                src = [i for i, p in enumerate(paths) if is_source(p)]
                base = plain.rank(case.request, paths, keys)
                base_src = plain.rank(case.request, [paths[i] for i in src], [keys[i] for i in src])
                for system, ranked in zip(SYSTEMS, (ours, base, base_src), strict=True):
                    scores[system].add(ranked, case.answer)
                report.cases.append(
                    {"repo": name, "commit": case.sha, "request": case.request,
                     "answer": case.answer, "foreman": ours[:5], "bm25": base[:5]}
                )  # fmt: skip
                if verbose:
                    mark = "ok  " if set(case.answer) <= set(ours[:5]) else "MISS"
                    print(f"{mark} {name} {case.sha[:8]} {case.request!r}")
                    print(f"     answer {case.answer}; top 3 {ours[:3]}")
    return report


def table(per_repo: dict[str, dict[str, Scores]]) -> str:
    lines = [
        "| repository | cases | R@1 ours | R@1 BM25 | R@5 ours | R@5 BM25 | all@5 ours "
        "| all@5 BM25 | R@5 BM25 src-only | all@5 BM25 src-only |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    overall = {s: Scores() for s in SYSTEMS}
    for scores in per_repo.values():
        for system, s in scores.items():
            overall[system].extend(s)
    for name, scores in [*per_repo.items(), ("**overall**", overall)]:
        o, b, src = (scores[k].row() for k in SYSTEMS)
        lines.append(
            f"| {name} | {len(scores['foreman'].r1)} | {o[0]:.1f} | {b[0]:.1f} | {o[1]:.1f} | "
            f"{b[1]:.1f} | {o[2]:.1f} | {b[2]:.1f} | {src[1]:.1f} | {src[2]:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="localization benchmark (see module docstring)")
    parser.add_argument("repos", nargs="+", type=Path, help="bare git mirrors")
    parser.add_argument("--per-repo", type=int, default=30, help="cases per repository")
    parser.add_argument("--max-commits", type=int, default=3000, help="history depth per case")
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--json", type=Path, help="also write per-case results here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every case")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = run(args.repos, args.per_repo, args.max_commits, args.split, args.verbose)
    timings = report.timings
    print(table(report.scores))
    print()
    print(f"{len(timings)} cases in {time.perf_counter() - started:.0f} s; index + locate per "
          f"case: mean {sum(timings) / max(len(timings), 1):.2f} s, "
          f"max {max(timings, default=0):.2f} s")  # fmt: skip
    print(f"cases whose subject also appears earlier in history (left out of it): {report.twins}")
    if args.json:
        args.json.write_text(json.dumps(report.cases, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
