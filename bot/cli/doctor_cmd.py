"""`foreman doctor`: is this installation ready? Configuration, database, Slack, model, repo."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.cli.context import CliContext
from bot.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True

    def line(self) -> str:
        mark = "ok  " if self.ok else ("FAIL" if self.required else "warn")
        return f"[{mark}] {self.name}: {self.detail}"


def register(sub: Any) -> None:
    p = sub.add_parser("doctor", help="check configuration, database, Slack auth and the model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=doctor)


def doctor(args: argparse.Namespace, ctx: CliContext) -> int:
    settings = ctx.settings
    checks: list[Callable[[Settings], Check]] = [_database, _slack, _transport, _model, _repo]
    results = []
    for check in checks:
        try:
            results.append(check(settings))
        except Exception as exc:  # noqa: BLE001 (a broken check is a finding, not a crash)
            results.append(Check(check.__name__.strip("_"), False, _one_line(exc)))
    if args.json:
        ctx.print_json(
            {
                "ok": all(r.ok or not r.required for r in results),
                "checks": [r.__dict__ for r in results],
            }
        )
    else:
        for result in results:
            ctx.print(result.line())
    return 0 if all(r.ok or not r.required for r in results) else 1


def _one_line(exc: BaseException) -> str:
    from escalation.redact import redact

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact(f"{type(exc).__name__}: {text}")[:300]


def _database(settings: Settings) -> Check:
    from sqlalchemy.engine import make_url

    from tracker.db import SCHEMA_HEAD, current_revision
    from tracker.service import Tracker

    tracker = Tracker.open(settings.database_url)
    try:
        revision = current_revision(tracker.store.engine)
        batches = len(tracker.batches())
    finally:
        tracker.close()
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    return Check(
        "database",
        revision == SCHEMA_HEAD,
        f"{where} at schema {revision} (head {SCHEMA_HEAD}), {batches} batches",
    )


def _slack(settings: Settings) -> Check:
    from slack_sdk.errors import SlackApiError

    from bot.services import slack_client

    if settings.slack_bot_token is None:
        return Check(
            "slack", False, "SLACK_BOT_TOKEN is not set (foreman dev needs none)", required=False
        )
    try:
        auth = slack_client(settings).auth_test()
    except SlackApiError as exc:
        return Check(
            "slack",
            False,
            f"auth.test at {settings.slack_api_url} answered "
            f"{exc.response.get('error')}: check SLACK_BOT_TOKEN",
        )
    return Check(
        "slack",
        True,
        f"authenticated as {auth.get('user')} in {auth.get('team')} ({settings.slack_api_url})",
    )


def _transport(settings: Settings) -> Check:
    if settings.slack_app_token is not None:
        return Check("transport", True, "Socket Mode (SLACK_APP_TOKEN is set)")
    if settings.slack_signing_secret is not None:
        return Check("transport", True, "HTTP mode with signature verification")
    return Check(
        "transport",
        False,
        "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET "
        "(HTTP mode) before foreman serve",
        required=settings.slack_bot_token is not None,
    )


def _model(settings: Settings) -> Check:
    import httpx

    if settings.llm_provider == "none":
        return Check("model", True, "offline planner (FOREMAN_LLM_PROVIDER=none)")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    if settings.llm_provider == "openai":
        base = (settings.llm_base_url or "https://api.openai.com/v1").rstrip("/")
        url, headers = f"{base}/models", {"Authorization": f"Bearer {key}"}
    else:
        base = (
            (settings.llm_base_url or "https://api.anthropic.com").rstrip("/").removesuffix("/v1")
        )
        url, headers = f"{base}/v1/models", {"x-api-key": key, "anthropic-version": "2023-06-01"}
    try:
        status = httpx.get(url, headers=headers, timeout=5).status_code
    except httpx.HTTPError as exc:
        return Check(
            "model", False, f"{url} unreachable ({type(exc).__name__}): check FOREMAN_LLM_BASE_URL"
        )
    if status in (401, 403):
        return Check("model", False, f"{url} answered {status}: set FOREMAN_LLM_API_KEY")
    return Check(
        "model",
        status < 500,
        f"{settings.llm_provider} at {base} answered {status}; "
        f"model {settings.llm_model or '(FOREMAN_LLM_MODEL not set)'}",
    )


def _repo(settings: Settings) -> Check:
    repo = settings.repo.resolve()
    if not repo.is_dir():
        return Check("repository", False, f"{repo} is not a directory: set FOREMAN_REPO")
    git = (repo / ".git").exists()
    return Check(
        "repository",
        True,
        f"{repo}{' (git checkout)' if git else ''}; index cache in {settings.cache_dir}",
    )
