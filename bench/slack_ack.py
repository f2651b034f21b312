"""Ack latency in HTTP mode: the real `foreman serve` vs a bare Bolt app that only acks.

Each party is its own process, as in production: the local Slack (Web API the bots call),
`foreman serve` in HTTP mode, a bare Bolt app behind the same WSGI server (waitress), and
this load generator. 200 signed `app_mention` events, 50 in flight, sent to each app in the
same run. Target (issue 3): Foreman's p99 under 100 ms and within 1.5× of the bare app's.

    python bench/slack_ack.py [--events 200] [--in-flight 50]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def serve_emulator() -> None:
    from bot.emulator import SlackEmulator

    with SlackEmulator() as slack:
        root = slack.post_user_message("bob", "#general", "load test thread")
        print(
            json.dumps(
                {
                    "api_url": slack.api_url,
                    "bot_token": slack.bot_token,
                    "signing_secret": slack.signing_secret,
                    "bot_user_id": slack.bot_user_id,
                    "team_id": slack.team_id,
                    "channel": slack.channel("#general").id,
                    "user": slack.user("alice").id,
                    "thread_ts": root.ts,
                }
            ),
            flush=True,
        )
        sys.stdin.read()  # lives until the bench closes our stdin


def serve_bare(port: int, info: dict[str, Any]) -> None:
    import waitress
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.http import make_wsgi_app

    app = App(
        client=WebClient(token=info["bot_token"], base_url=info["api_url"]),
        signing_secret=info["signing_secret"],
    )

    @app.event("app_mention")
    def only_ack() -> None:
        return None

    waitress.serve(make_wsgi_app(app), host="127.0.0.1", port=port, threads=16, _quiet=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{base} did not come up")


def bodies(info: dict[str, Any], count: int, offset: int) -> list[bytes]:
    out = []
    for n in range(offset, offset + count):
        ts = f"{1_700_000_000 + n}.{n:06d}"
        event = {
            "type": "app_mention",
            "user": info["user"],
            "channel": info["channel"],
            "ts": ts,
            "thread_ts": info["thread_ts"],
            "event_ts": ts,
            "text": f"<@{info['bot_user_id']}> make export {n} resumable",
        }
        out.append(
            json.dumps(
                {
                    "token": "t",
                    "team_id": info["team_id"],
                    "api_app_id": "A0FOREMAN",
                    "type": "event_callback",
                    "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
                    "event_time": 1_700_000_000 + n,
                    "event": event,
                }
            ).encode()
        )
    return out


def signed(secret: str, body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    mac = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + mac.hexdigest(),
        "Content-Type": "application/json",
    }


def fire_threads(url: str, secret: str, payloads: list[bytes], in_flight: int) -> list[float]:
    """Fallback load generator: Python threads (their own CPU use inflates the figures)."""
    items = [(body, signed(secret, body)) for body in payloads]
    with httpx.Client(timeout=10, limits=httpx.Limits(max_connections=in_flight)) as client:

        def one(item: tuple[bytes, dict[str, str]]) -> float:
            start = time.perf_counter()
            response = client.post(url, content=item[0], headers=item[1])
            assert response.status_code == 200, response.text
            return (time.perf_counter() - start) * 1000

        with ThreadPoolExecutor(in_flight) as pool:
            return list(pool.map(one, items))


# Each wrk thread replays its own slice of the distinct, pre-signed events, then stops.
WRK_SCRIPT = """
local requests = {%s}
local threads = {}
function setup(thread)
  thread:set("first", #threads)
  table.insert(threads, thread)
end
function init(args)
  step = 0
  answered = 0
  count = 2
  mine = math.floor((#requests - first + count - 1) / count)
end
function request()
  local i = first + step * count + 1
  step = step + 1
  if i > #requests then
    i = first + 1  -- a redelivery of one of ours, which the app acks and ignores
  end
  return requests[i]
end
function response(status, headers, body)
  answered = answered + 1
  if answered >= mine then
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  io.write(string.format("WRK %%d %%.3f %%.3f %%.3f\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def fire_wrk(url: str, secret: str, payloads: list[bytes], in_flight: int) -> dict[str, float]:
    """wrk (C, epoll) sends the events over `in_flight` connections: the generator stays out
    of the servers' way on a small machine."""

    def lua(text: str) -> str:
        return "[==[" + text + "]==]"

    entries = []
    for body in payloads:
        headers = ", ".join(f"[ {lua(k)} ] = {lua(v)}" for k, v in signed(secret, body).items())
        entries.append(f'wrk.format("POST", nil, {{{headers}}}, {lua(body.decode())})')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ",\n".join(entries))
    try:
        done = subprocess.run(
            ["wrk", "-t2", f"-c{in_flight}", "-d20s", "--timeout", "10s", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    line = next(row for row in done.stdout.splitlines() if row.startswith("WRK "))
    _, sent, p50, p99, worst = line.split()
    return {"sent": float(sent), "p50": float(p50), "p99": float(p99), "max": float(worst)}


def pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--role", choices=["emulator", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "emulator":
        return serve_emulator()
    if args.role == "bare":
        return serve_bare(args.port, json.loads(sys.stdin.readline()))

    python = sys.executable
    emulator = subprocess.Popen(
        [python, __file__, "--role", "emulator"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert emulator.stdout is not None and emulator.stdin is not None
    info = json.loads(emulator.stdout.readline())
    children = [emulator]
    results: dict[str, dict[str, float]] = {}
    use_wrk = shutil.which("wrk") is not None
    try:
        bare_port = free_port()
        bare = subprocess.Popen(
            [python, __file__, "--role", "bare", "--port", str(bare_port)],
            stdin=subprocess.PIPE,
            text=True,
        )
        children.append(bare)
        assert bare.stdin is not None
        bare.stdin.write(json.dumps(info) + "\n")
        bare.stdin.flush()
        wait_healthy(f"http://127.0.0.1:{bare_port}")

        tmp = tempfile.mkdtemp()
        foreman_port = free_port()
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": info["bot_token"],
            "SLACK_SIGNING_SECRET": info["signing_secret"],
            "FOREMAN_SLACK_API_URL": info["api_url"],
            "FOREMAN_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
        }
        env.pop("SLACK_APP_TOKEN", None)
        foreman = subprocess.Popen(
            [
                str(Path(python).with_name("foreman")),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(foreman_port),
                "--log-level",
                "WARNING",
            ],
            env=env,
            cwd=tmp,
        )
        children.append(foreman)
        wait_healthy(f"http://127.0.0.1:{foreman_port}")

        secret = info["signing_secret"]
        for name, port, offset in (
            ("bare Bolt app", bare_port, 0),
            ("Foreman (foreman serve)", foreman_port, 100_000),
        ):
            url = f"http://127.0.0.1:{port}/slack/events"
            fire_threads(url, secret, bodies(info, 20, offset + 50_000), 10)  # warm up
            load = bodies(info, args.events, offset)
            if use_wrk:
                results[name] = fire_wrk(url, secret, load, args.in_flight)
            else:
                samples = fire_threads(url, secret, load, args.in_flight)
                results[name] = {
                    "sent": len(samples),
                    "p50": pct(samples, 50),
                    "p99": pct(samples, 99),
                    "max": max(samples),
                }
    finally:
        for child in reversed(children):
            if child.stdin:
                child.stdin.close()
            child.terminate()
            child.wait(timeout=10)

    generator = "wrk, 2 threads" if use_wrk else "Python threads (install wrk for less noise)"
    print(
        f"{args.events} distinct signed app_mention events, {args.in_flight} in flight, HTTP "
        f"mode, each app behind waitress (16 threads) in its own process; load from "
        f"{generator}\n"
    )
    print("| app | requests | ack p50 | ack p99 | max |")
    print("|---|---|---|---|---|")
    for name, row in results.items():
        print(
            f"| {name} | {row['sent']:.0f} | {row['p50']:.1f} ms | {row['p99']:.1f} ms | "
            f"{row['max']:.1f} ms |"
        )
    names = list(results)
    ratio = results[names[1]]["p99"] / results[names[0]]["p99"]
    print(f"\nForeman p99 / bare p99 = {ratio:.2f}×")


if __name__ == "__main__":
    main()
