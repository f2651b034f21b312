"""The code a model sees for one unit of work: retrieved files, their symbols, excerpts.

Excerpts are windows around the definitions the retriever matched, with line numbers, so
a model can name the exact function to change and the line it is on. Everything is bounded
(files, lines per file, characters in total) because the prompt of every ticket carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from intake.index import Hit, RepositoryIndex
    from intake.index.repository import FileRecord

EXCERPT_FILES: Final = 3  # the best hits get code; the rest get a line each
WINDOW_BEFORE: Final = 3
WINDOW_AFTER: Final = 18
HEAD_LINES: Final = 30  # a file without matched symbols shows its beginning
MAX_FILE_LINES: Final = 60
MAX_CONTEXT_CHARS: Final = 12_000
MAX_REASONS: Final = 2
MAX_TEST_FILES: Final = 5


@dataclass(frozen=True)
class Excerpt:
    path: str
    first: int
    last: int
    text: str  # numbered lines


@dataclass(frozen=True)
class CodeContext:
    hits: tuple[Hit, ...]
    excerpts: tuple[Excerpt, ...]
    test_files: tuple[str, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(hit.path for hit in self.hits)


class Retriever:
    """Per-plan access to the index: ranked files, and excerpts of the best of them."""

    def __init__(self, index: RepositoryIndex) -> None:
        self.index = index
        self._records: dict[str, FileRecord] = {r.path: r for r in index.records}

    def overview(self, query: str, top: int) -> tuple[Hit, ...]:
        return tuple(self.index.locate(query, top))

    def context(self, query: str, top: int, *, max_chars: int = MAX_CONTEXT_CHARS) -> CodeContext:
        hits = tuple(self.index.locate(query, top))
        excerpts: list[Excerpt] = []
        budget = max_chars
        chosen = [self._records[h.path] for h in hits[:EXCERPT_FILES] if h.path in self._records]
        texts = self.index.read_texts(chosen) if chosen else {}
        for hit in hits[:EXCERPT_FILES]:
            text = texts.get(hit.path)
            if text is None or budget <= 0:
                continue
            excerpt = _excerpt(hit, text, budget)
            if excerpt is not None:
                excerpts.append(excerpt)
                budget -= len(excerpt.text)
        return CodeContext(hits, tuple(excerpts), self._tests_near(hits))

    def _tests_near(self, hits: tuple[Hit, ...]) -> tuple[str, ...]:
        """Existing test files named after the retrieved modules (tests/test_runner.py)."""
        stems = {
            PurePosixPath(h.path).stem.lower()
            for h in hits
            if self._kind(h.path) != "test" and PurePosixPath(h.path).stem != "__init__"
        }
        found = [h.path for h in hits if self._kind(h.path) == "test"]
        for path, record in self._records.items():
            if record.kind != "test" or path in found:
                continue
            name = PurePosixPath(path).stem.lower()
            if any(stem and stem in name for stem in stems):
                found.append(path)
        return tuple(found[:MAX_TEST_FILES])

    def _kind(self, path: str) -> str:
        record = self._records.get(path)
        return record.kind if record is not None else ""


def _excerpt(hit: Hit, text: str, budget: int) -> Excerpt | None:
    lines = text.splitlines()
    if not lines:
        return None
    windows: list[tuple[int, int]] = []
    for symbol in sorted(hit.symbols, key=lambda s: s.line):
        start = max(1, symbol.line - WINDOW_BEFORE)
        end = min(len(lines), symbol.line + WINDOW_AFTER)
        if windows and start <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    if not windows:
        windows = [(1, min(len(lines), HEAD_LINES))]
    width = len(str(windows[-1][1]))
    out: list[str] = []
    shown = 0
    used = 0
    for start, end in windows:
        if out:
            out.append(" " * width + " | …")
        for number in range(start, end + 1):
            line = f"{number:>{width}} | {lines[number - 1].rstrip()}"
            if shown >= MAX_FILE_LINES or used + len(line) + 1 > budget:
                out.append(" " * width + " | … (cut)")
                return _made(hit.path, windows[0][0], number - 1, out)
            out.append(line)
            shown += 1
            used += len(line) + 1
    return _made(hit.path, windows[0][0], windows[-1][1], out)


def _made(path: str, first: int, last: int, out: list[str]) -> Excerpt | None:
    if last < first:
        return None
    return Excerpt(path, first, last, "\n".join(out))


def reasons_of(hit: Hit) -> str:
    return "; ".join(hit.reasons[:MAX_REASONS])


def symbols_of(hit: Hit) -> str:
    return ", ".join(f"{s.name} ({s.kind}, line {s.line})" for s in hit.symbols)
