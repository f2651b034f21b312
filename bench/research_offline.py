"""The whole offline research pass on a 5,000-file repository: cold index, then warm.

Targets (issue 4): under 5 s with a cold index, under 1 s warm, peak memory under 300 MB.
Each measurement runs in a fresh process (`foreman intake`, the command a person runs), so
the figures include start-up and the peak resident set size is the process's own.

    python bench/research_offline.py [--files 5000] [--commits 300]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from index_synthetic_repo import generate

REQUEST = (
    "give us real visibility into what the system is actually doing, and make sure someone "
    "gets paged when production breaks"
)


def run_intake(repo: Path, cache: Path, db: Path) -> tuple[float, float]:
    env = {**os.environ, "FOREMAN_DATABASE_URL": f"sqlite:///{db}", "FOREMAN_CACHE_DIR": str(cache)}
    foreman = str(Path(sys.executable).with_name("foreman"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [foreman, "intake", REQUEST, "--repo", str(repo), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak_kb, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--commits", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        repo = generate(root / "repo", files=args.files, commits=args.commits)
        print(
            f"synthetic repository: {args.files} files, {args.commits} commits "
            f"(generated in {time.perf_counter() - start:.1f} s)\n"
        )
        cold, cold_peak = run_intake(repo, root / "cache", root / "a.db")
        warm, warm_peak = run_intake(repo, root / "cache", root / "b.db")
        print("| run | wall time (whole `foreman intake` process) | peak RSS |")
        print("|---|---|---|")
        print(f"| cold index | {cold:.2f} s | {cold_peak:.0f} MB |")
        print(f"| warm index | {warm:.2f} s | {warm_peak:.0f} MB |")


if __name__ == "__main__":
    main()
