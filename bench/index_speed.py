"""Index speed benchmark on a synthetic 5,000-file Python repository.

Generates the repository (see `index_synthetic_repo.py`; ~230 lines per file, a few hundred
commits) in a temporary directory, then times, each in a fresh process so that the
figures include importing the index modules and loading the cache (not the ~30 ms of
interpreter start-up):

    cold         empty cache: list, read, analyse every file, read history, locate
    warm         same commit, cache present: load and locate
    incremental  one file edited: re-analyse it alone, locate

and reports the peak resident memory of the process (and of its worker processes).

    .venv/bin/python bench/index_speed.py [--files 5000] [--commits 300]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = """
import json, resource, sys, time
start = time.perf_counter()
from pathlib import Path
from intake.index import RepositoryIndex
index = RepositoryIndex.build(Path(sys.argv[1]), Path(sys.argv[2]))
built = time.perf_counter()
hits = index.locate(sys.argv[3], top=10)
done = time.perf_counter()
print(json.dumps({
    "build": built - start, "locate": done - built, "total": done - start,
    "files": index.stats.files, "parsed": len(index.stats.parsed), "warm": index.stats.warm,
    "commits": index.stats.history_commits, "top": hits[0].path if hits else None,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "cpu": sum(getattr(resource.getrusage(who), f) for who in
               (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime")),
}))
"""


def measure(repo: Path, cache: Path, query: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(repo), str(cache), query],
        capture_output=True, text=True, check=True, cwd=HERE.parent,
    ).stdout  # fmt: skip
    result: dict[str, float] = json.loads(out)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="index speed on a synthetic repository")
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="generate here and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="foreman-speed-") as tmp:
        repo = args.keep or Path(tmp) / "repo"
        started = time.perf_counter()
        if not (repo / ".git").exists():
            # In its own process: a child inherits its parent's peak RSS figure, so the
            # generator's memory must not live in the process that launches measurements.
            subprocess.run(
                [sys.executable, str(HERE / "index_synthetic_repo.py"), str(repo),
                 "--files", str(args.files), "--commits", str(args.commits)],
                check=True,
            )  # fmt: skip
            print(f"generated in {time.perf_counter() - started:.1f} s")
        sources = list(repo.rglob("*.py"))
        size = sum(p.stat().st_size for p in sources)
        lines = sum(p.read_bytes().count(b"\n") for p in sources)
        print(f"{len(sources)} Python files, {size / 1e6:.1f} MB, {lines / len(sources):.0f} lines "
              f"and {size / lines:.1f} bytes per line on average")  # fmt: skip
        cache = Path(tmp) / "cache"
        load = os.getloadavg()
        query = "retry the invoice payment when the session token expired"
        rows = [("cold", measure(repo, cache, query)), ("warm", measure(repo, cache, query))]
        victim = sorted(repo.glob("app/*/*.py"))[len(rows)]
        with victim.open("a", encoding="utf-8") as handle:
            handle.write("\n\ndef refresh_session_token(session):\n    return session\n")
        rows.append(("incremental (1 file edited)", measure(repo, cache, query)))
        print()
        print("| run | wall s | build s | locate s | CPU s (all processes) | files parsed "
              "| peak RSS MB | workers' peak RSS MB |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, r in rows:
            print(f"| {name} | {r['total']:.2f} | {r['build']:.2f} | {r['locate']:.3f} | "
                  f"{r['cpu']:.2f} | {int(r['parsed'])} / {int(r['files'])} | "
                  f"{r['rss_mb']:.0f} | {r['children_rss_mb']:.0f} |")  # fmt: skip
        print()
        print(f"{os.cpu_count()} CPUs; load average before the runs: {load[0]:.2f}")
        print("targets: cold < 5 s, warm < 1 s, peak memory < 300 MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
