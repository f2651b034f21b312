"""Grounding a unit of work in the repository: which files, which symbols, which tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from intake.index import Hit, RepositoryIndex

MAX_HOOKS = 3
RELATIVE_CUTOFF = 0.75  # a hook must score at least this share of the best file's score
# Entry points, scripts and benchmarks wrap the code that does the work; hooks should name
# the code that does it.
_GLUE = re.compile(r"(?:^|/)(?:cli|scripts?|bench|benchmarks?|examples?|docs?|migrations)/")


@dataclass(frozen=True)
class Grounding:
    hooks: list[Hit]
    tests: list[str]  # existing test files that exercise the hooks
    new_test: str | None  # the test file to create when none exists

    @property
    def test_files(self) -> list[str]:
        return self.tests or ([self.new_test] if self.new_test else [])


_REASON_TERM = re.compile(r"([\w-]+) \(([^)]*)\)")
_TEST_NAME = re.compile(r"(?:^|/)(?:test_[^/]+|[^/]+_test)\.py$")


def structural(hit: Hit) -> float:
    """How much of a hit rests on code structure (symbols, identifiers, paths), not prose."""
    weight = 0.0
    for reason in hit.reasons[:1]:
        for _term, fields in _REASON_TERM.findall(reason):
            if "symbols" in fields or "path" in fields:
                weight += 1.0
            elif "identifiers" in fields:
                weight += 0.5
    return weight + 0.5 * len(hit.symbols)


def _matched_terms(hit: Hit) -> dict[str, str]:
    reason = hit.reasons[0] if hit.reasons else ""
    return dict(_REASON_TERM.findall(reason))


def _credible(hit: Hit, key: str) -> bool:
    """Matched the facet's key term in the code's structure, or several of its terms."""
    terms = _matched_terms(hit)
    if len(terms) >= 2 and structural(hit) > 0:
        return True
    stem = key[:4]
    return bool(stem) and any(
        term.startswith(stem) and any(f in fields for f in ("symbols", "path", "identifiers"))
        for term, fields in terms.items()
    )


def _coverage(hit: Hit, facet: str) -> int:
    """Facet terms matched beyond the first: all of "event record" beats "event" alone."""
    stems = {term[:4] for term in facet.split()}
    matched = {stem for stem in stems for term in _matched_terms(hit) if term.startswith(stem)}
    return max(0, len(matched) - 1)


def _named_after(path: str, facet: str) -> bool:
    stem = PurePosixPath(path).stem.lower()
    return any(stem in (term, term + "s", term.rstrip("s")) for term in facet.split())


class Grounder:
    def __init__(self, index: RepositoryIndex) -> None:
        self.index = index
        self.kinds = {r.path: r.kind for r in index.records}
        self.stems: dict[str, list[str]] = {}
        for path, kind in self.kinds.items():
            if kind == "code":
                self.stems.setdefault(path.rsplit("/", 1)[-1].split(".", 1)[0].lower(), []).append(
                    path
                )
        self.test_paths = [
            p for p, kind in self.kinds.items() if kind == "test" and _TEST_NAME.search(p)
        ]

    def ground(
        self, subject: str, facets: tuple[str, ...] = ("",), avoid: set[str] | None = None
    ) -> Grounding:
        """The files a unit of work lands in: the best file of each facet search."""
        avoid = avoid or set()
        winners: list[Hit] = []
        pool: dict[str, tuple[float, Hit]] = {}
        for facet in facets or ("",):
            query = f"{subject} {facet}".strip()
            if not query:
                continue
            ranked = self._ranked(query, facet)
            for score, hit in ranked:
                if score > pool.get(hit.path, (0.0, hit))[0]:
                    pool[hit.path] = (score, hit)
            fresh = [h for _, h in ranked if h.path not in avoid] or [h for _, h in ranked]
            if fresh and fresh[0].path not in {w.path for w in winners}:
                winners.append(fresh[0])
        if not winners:
            return Grounding(hooks=[], tests=[], new_test=None)
        best = max(score for score, _ in pool.values())
        hooks = [w for w in winners if pool[w.path][0] >= RELATIVE_CUTOFF * best][:MAX_HOOKS]
        # The first hook is where the work starts; its tests are the ones to extend.
        tests = self.tests_for([hooks[0].path])
        new_test = None if tests else self.new_test_path(hooks[0].path)
        return Grounding(hooks=hooks, tests=tests, new_test=new_test)

    def _ranked(self, query: str, facet: str) -> list[tuple[float, Hit]]:
        key = facet.split(maxsplit=1)[0] if facet.strip() else ""
        hits = {h.path: h for h in self.index.locate(query, top=10)}
        named = [p for p in self._named(facet) if p not in hits][:1]
        for path in named:
            hits.update({h.path: h for h in self.index.locate(f"{query} {path}", top=3)})
        scored = []
        for hit in hits.values():
            if self.kinds.get(hit.path) != "code" or not _credible(hit, key):
                continue
            score = hit.score + 0.15 * structural(hit) + 0.3 * _coverage(hit, facet)
            if _named_after(hit.path, facet):
                score += 0.5  # settings.py for "settings", asks.py for "ask"
            if _GLUE.search(hit.path):
                score -= 0.3
            scored.append((score, hit))
        return sorted(scored, key=lambda pair: -pair[0])

    def _named(self, facet: str) -> list[str]:
        """Code files named after a facet term: settings.py for "settings", asks.py for "ask"."""
        found: list[str] = []
        for term in facet.split():
            for stem in (term, term + "s", term.rstrip("s")):
                found.extend(sorted(self.stems.get(stem, [])))
        return list(dict.fromkeys(found))

    def tests_for(self, paths: list[str]) -> list[str]:
        """Existing test modules named after these modules (test_<name>.py, <name>_test.py)."""
        found: list[str] = []
        for path in paths:
            stem = PurePosixPath(path).stem
            if stem == "__init__":
                stem = PurePosixPath(path).parent.name
            pattern = re.compile(
                rf"(?:^|/)(?:test_{re.escape(stem)}(?:_\w+)?|{re.escape(stem)}_test)\.py$"
            )
            for test in sorted(t for t in self.test_paths if pattern.search(t)):
                if test not in found:
                    found.append(test)
        return found[:3]

    def new_test_path(self, path: str) -> str:
        stem = PurePosixPath(path).stem
        roots = sorted({t.split("/", 1)[0] for t in self.test_paths if "/" in t})
        if "tests" in roots:
            layers = {t.split("/")[1] for t in self.test_paths if t.count("/") >= 2}
            sub = "unit/" if "unit" in layers else ""
            return f"tests/{sub}test_{stem}.py"
        parent = PurePosixPath(path).parent
        return str(parent / f"test_{stem}.py")


def test_command(repo: Path, test_files: list[str]) -> str:
    """A command that runs these tests in this repository's own toolchain."""
    python = [t for t in test_files if t.endswith(".py")]
    if python:
        return "pytest " + " ".join(python)
    if (repo / "package.json").exists():
        return "npm test"
    if (repo / "go.mod").exists():
        return "go test ./..."
    if (repo / "Cargo.toml").exists():
        return "cargo test"
    return "make test"


def suite_command(repo: Path) -> str:
    if (repo / "Makefile").exists() and re.search(
        r"^test:", (repo / "Makefile").read_text(errors="replace"), re.MULTILINE
    ):
        return "make test"
    if any((repo / name).exists() for name in ("pyproject.toml", "setup.py", "setup.cfg")):
        return "pytest"
    return test_command(repo, [])
