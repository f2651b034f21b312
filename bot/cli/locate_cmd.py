"""`foreman locate TEXT --repo P [--top N] [--json]`: the research pass's file retrieval.

JSON output (stable; new keys may be added, none removed or renamed):

    {"query": str, "repo": str,
     "hits": [{"rank": int, "path": str, "score": float,
               "symbols": [{"name": str, "line": int}], "reasons": [str]}]}

`path` is relative to the repository, `rank` starts at 1, `score` is comparable only
within one answer, `symbols` are the definitions in that file that best match the request.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.context import CliError

if TYPE_CHECKING:
    from bot.cli.context import CliContext


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "locate",
        help="rank the files of a repository for a request",
        description="Rank the files of a repository most likely to need changing for a request.",
    )
    parser.add_argument("text", nargs="+", metavar="TEXT", help="the request, in plain words")
    parser.add_argument("--repo", type=Path, help="repository to search (default: FOREMAN_REPO)")
    parser.add_argument("--top", type=_positive, default=10, help="how many files (default 10)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from intake.index import IndexBuildError, RepositoryIndex

    query = " ".join(args.text).strip()
    if not query:
        raise CliError("nothing to search for: the request is empty")
    repo: Path = args.repo if args.repo is not None else ctx.settings.repo
    if not repo.exists():
        raise CliError(f"repository not found: {repo}")
    if not repo.is_dir():
        raise CliError(f"not a directory: {repo}")
    try:
        index = RepositoryIndex.build(repo, ctx.settings.cache_dir)
    except IndexBuildError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot read {repo}: {exc.strerror or exc}") from None
    hits = index.locate(query, top=args.top)

    if args.json:
        ctx.print_json(
            {
                "query": query,
                "repo": str(index.root),
                "hits": [hit.to_json(rank) for rank, hit in enumerate(hits, start=1)],
            }
        )
        return 0
    if not hits:
        ctx.print(f"no file of {index.root} matches {query!r}")
        return 0
    width = max(len(hit.path) for hit in hits)
    for rank, hit in enumerate(hits, start=1):
        ctx.print(f"{rank:>3}. {hit.path:<{width}}  {hit.score:.3f}")
        for reason in hit.reasons:
            ctx.print(f"       {reason}")
    return 0
