"""Escalation wired to settings and Slack: the ask policy, and who the approvers are.

FOREMAN_APPROVERS may name people (`U…`) or a user group (`S…`); a group is expanded into
its members through `usergroups.users.list` here, so escalation only ever sees user ids.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from escalation.ask_model import AskPolicy
from escalation.asks import Escalations
from escalation.model_diagnosis import ModelDiagnoser
from tracker.service import Tracker

log = logging.getLogger("foreman.approvers")

_GROUP = re.compile(r"^S[A-Z0-9]{2,}$")
_WRAPPED = re.compile(r"^<(?:!subteam\^|@)([A-Z0-9]+)(?:\|[^>]*)?>$")
GROUP_CACHE_SECONDS = 300.0


def normalise_id(value: str) -> str:
    """`<!subteam^S1|@ops>` and `<@U1>` (what people paste from Slack) → `S1`, `U1`."""
    value = value.strip()
    match = _WRAPPED.match(value)
    return match.group(1) if match else value


def is_group(value: str) -> bool:
    return bool(_GROUP.match(value))


class ApproverDirectory:
    """Expands user groups into members, cached for a few minutes."""

    def __init__(
        self,
        configured: Sequence[str],
        client: WebClient | None,
        *,
        cache_seconds: float = GROUP_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.configured = [normalise_id(v) for v in configured if v.strip()]
        self.client = client
        self.cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, list[str]]] = {}
        self._lock = threading.Lock()

    def defaults(self) -> list[str]:
        return self.expand(self.configured)

    def expand(self, ids: Sequence[str]) -> list[str]:
        out: list[str] = []
        for raw in ids:
            value = normalise_id(raw)
            out += self.members(value) if is_group(value) else [value]
        return list(dict.fromkeys(out))

    def members(self, group: str) -> list[str]:
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(group)
            if cached is not None and now - cached[0] < self.cache_seconds:
                return cached[1]
        if self.client is None:
            log.warning("cannot expand user group %s: no Slack token to ask with", group)
            return []
        try:
            response = self.client.usergroups_users_list(usergroup=group)
        except SlackApiError as exc:
            # Unknown members decide nothing: a group that cannot be read approves nobody.
            log.warning("cannot expand user group %s: %s", group, exc.response.get("error"))
            return cached[1] if cached is not None else []
        users = [str(u) for u in response.get("users") or []]
        with self._lock:
            self._cache[group] = (now, users)
        return users


def ask_policy(settings: Settings) -> AskPolicy:
    return AskPolicy(
        remind_after=timedelta(seconds=settings.ask_remind),
        max_reminders=settings.ask_max_reminders,
        expire_after=timedelta(seconds=settings.ask_expire),
        two_person_rule=settings.two_person_rule,
    )


def build_escalations(
    settings: Settings, tracker: Tracker, directory: ApproverDirectory
) -> Escalations:
    return Escalations(
        tracker,
        ask_policy(settings),
        default_approvers=directory.defaults,
        expand=directory.expand,
        diagnose_unknown=model_diagnoser(settings),
    )


def model_diagnoser(settings: Settings) -> ModelDiagnoser | None:
    if settings.llm_provider == "none":
        return None
    from intake.llm import make_client

    client = make_client(
        settings.llm_provider,
        settings.llm_base_url,
        settings.llm_api_key,
        settings.llm_model,
        timeout=30,
        max_attempts=2,
    )
    return ModelDiagnoser(client.complete_json)
