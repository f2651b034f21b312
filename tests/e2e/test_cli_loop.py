"""The worker loop of DESIGN.md, run by bash against the installed `foreman` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.plans import plan, six_ticket_plan, spec

BIN = Path(sys.executable).parent
LOOP = """
while ! foreman oracle --batch FM-1 -q; do
  t=$(foreman next --batch FM-1 --worker w) && foreman done "$t" --proof 'cmd:"true" exit=0'
done
"""


def env_for(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["FOREMAN_DATABASE_URL"] = db_url
    return env


def foreman(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["foreman", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write_plan(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_seed_loop_runs_a_batch_to_done_in_dependency_order(db_url: str, tmp_path: Path) -> None:
    env = env_for(db_url)
    plan_file = write_plan(tmp_path / "plan.json", six_ticket_plan().model_dump())
    assert foreman(env, "import", str(plan_file), cwd=tmp_path).returncode == 0
    assert foreman(env, "approve", "FM-1", "--as", "U_LEAD", cwd=tmp_path).returncode == 0

    # A worker hook files discovered work when it reaches FM-1.5, as a real worker would.
    hooked = LOOP.replace(
        '&& foreman done "$t"',
        '&& { [ "$t" = FM-1.5 ] && foreman discovered --from FM-1.5 --title "Alert route is a '
        "no-op\" --blocks FM-1.6 --criterion 'route delivers' --criterion 'test covers it' "
        "--test-plan 'pytest tests/test_route.py' --finish-line 'pytest tests/test_route.py'; "
        'true; } && foreman done "$t"',
    )
    loop = subprocess.run(
        ["bash", "-c", hooked],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert loop.returncode == 0, loop.stderr
    assert "FM-1.7 filed (discovered from FM-1.5, blocks FM-1.6)" in loop.stdout

    oracle = foreman(env, "oracle", "--batch", "FM-1", cwd=tmp_path)
    assert oracle.returncode == 0
    assert "FM-1 done" in oracle.stdout and "(7/7)" in oracle.stdout

    events = json.loads(
        foreman(env, "log", "--batch", "FM-1", "--limit", "500", "--json", cwd=tmp_path).stdout
    )["events"]
    done_order = [e["subject"] for e in events if e["kind"] == "done"]
    assert done_order.index("FM-1.1") < done_order.index("FM-1.2") < done_order.index("FM-1.3")
    assert done_order.index("FM-1.3") < done_order.index("FM-1.5")
    assert done_order.index("FM-1.7") < done_order.index("FM-1.6")


def test_errors_are_one_line_on_stderr_and_change_nothing(
    sqlite_db_url: str, tmp_path: Path
) -> None:
    env = env_for(sqlite_db_url)
    plan_file = write_plan(tmp_path / "plan.json", plan(spec("a"), spec("b", "a")).model_dump())
    foreman(env, "import", str(plan_file), cwd=tmp_path)
    foreman(env, "approve", "FM-1", cwd=tmp_path)
    claimed = foreman(env, "next", "--batch", "FM-1", "--worker", "w", cwd=tmp_path)
    assert claimed.stdout.strip() == "FM-1.1"
    before = foreman(env, "log", "--json", "--limit", "500", cwd=tmp_path).stdout

    cases = [
        (("done", "FM-1.1"), "done needs proof"),
        (("done", "FM-1.1", "--proof", 'cmd:"pytest" exit=2'), "not proof of done"),
        (("done", "FM-9.9", "--proof", 'cmd:"true" exit=0'), "no ticket FM-9.9"),
        (("done", "banana", "--proof", 'cmd:"true" exit=0'), "not a ticket reference"),
        (("heartbeat", "FM-1.1", "--worker", "intruder"), "claimed by w"),
        (("approve", "FM-1"), "already approved"),
        (("import", str(tmp_path / "missing.json")), "no such file"),
    ]
    for args, message in cases:
        result = foreman(env, *args, cwd=tmp_path)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert foreman(env, "log", "--json", "--limit", "500", cwd=tmp_path).stdout == before


def test_next_exits_3_when_nothing_is_ready(sqlite_db_url: str, tmp_path: Path) -> None:
    env = env_for(sqlite_db_url)
    write_plan(tmp_path / "p.json", plan(spec("a"), spec("b", "a")).model_dump())
    foreman(env, "import", "p.json", cwd=tmp_path)
    foreman(env, "approve", "FM-1", cwd=tmp_path)
    assert foreman(env, "next", "--batch", "FM-1", "--worker", "w1", cwd=tmp_path).returncode == 0
    blocked = foreman(env, "next", "--batch", "FM-1", "--worker", "w2", cwd=tmp_path)
    assert blocked.returncode == 3
    assert blocked.stdout == ""
    assert "nothing ready in FM-1" in blocked.stderr


def test_cyclic_plan_file_is_refused_with_the_cycle_named(
    sqlite_db_url: str, tmp_path: Path
) -> None:
    env = env_for(sqlite_db_url)
    data = plan(spec("a"), spec("b")).model_dump()
    data["tickets"][0]["depends_on"] = ["b"]
    data["tickets"][1]["depends_on"] = ["a"]
    write_plan(tmp_path / "cyclic.json", data)
    result = foreman(env, "import", "cyclic.json", cwd=tmp_path)
    assert result.returncode == 1
    assert "dependency cycle: a → b → a" in result.stderr
    assert "no batches yet" in foreman(env, "batches", cwd=tmp_path).stdout


@pytest.mark.parametrize("workers", [4])
def test_parallel_worker_processes_never_share_a_ticket(
    sqlite_db_url: str, tmp_path: Path, workers: int
) -> None:
    env = env_for(sqlite_db_url)
    write_plan(tmp_path / "p.json", plan(*[spec(f"t{i}") for i in range(12)]).model_dump())
    foreman(env, "import", "p.json", cwd=tmp_path)
    foreman(env, "approve", "FM-1", cwd=tmp_path)
    # `while` exits with its body's last status: with several workers the last `next` may find
    # nothing left (exit 3) just before the oracle passes, so end on the oracle's verdict.
    loop = LOOP.replace("--worker w)", '--worker w$W) && echo "$W $t" >> claims.txt')
    loop += "foreman oracle --batch FM-1 -q\n"
    procs = [
        subprocess.Popen(
            ["bash", "-c", loop],
            env={**env, "W": str(n)},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(workers)
    ]
    for proc in procs:
        assert proc.wait(timeout=240) == 0
    claims = (tmp_path / "claims.txt").read_text().split("\n")
    tickets = [line.split()[1] for line in claims if line]
    assert sorted(tickets) == sorted(f"FM-1.{k}" for k in range(1, 13))
