"""Repository index and retrieval for the research pass.

    index = RepositoryIndex.build(Path("."), cache_dir)   # cached, incremental
    hits = index.locate("retry the upload when the token expired", top=10)

or in one call, `locate(query, repo, top=10)`. See `repository` for the cache, `rank` for
how files are scored, `analyze` for what is indexed per file.
"""

from __future__ import annotations

from pathlib import Path

from intake.index.explain import Hit, SymbolRef
from intake.index.files import IndexBuildError
from intake.index.repository import BuildStats, RepositoryIndex, default_cache_dir

__all__ = [
    "BuildStats",
    "Hit",
    "IndexBuildError",
    "RepositoryIndex",
    "SymbolRef",
    "default_cache_dir",
    "locate",
]


def locate(
    query: str,
    repo: Path,
    top: int = 10,
    *,
    cache_dir: Path | None = None,
    commit: str | None = None,
) -> list[Hit]:
    """The `top` files of `repo` most likely to need changing for `query`, best first."""
    return RepositoryIndex.build(repo, cache_dir, commit=commit).locate(query, top)
