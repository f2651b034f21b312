"""Putting a digest in Slack: people's names looked up, blocks rendered, posted once."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.digest import runs
from bot.digest.model import Digest
from bot.digest.read import build_digest, settle_now
from bot.digest.render import digest_blocks, digest_fallback
from bot.digest.schedule import zone
from bot.settings import Settings
from tracker.service import Tracker

log = logging.getLogger("foreman.digest")

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def display_names(client: WebClient, people: Iterable[str]) -> dict[str, str]:
    """User ids to display names, so the digest can say who without mentioning (pinging)."""
    names: dict[str, str] = {}
    for person in sorted(set(people)):
        if not _USER_ID.match(person):
            continue
        try:
            user: dict[str, Any] = client.users_info(user=person).get("user") or {}
        except SlackApiError as exc:
            log.info("no name for %s: %s", person, exc.response.get("error"))
            continue
        profile: dict[str, Any] = user.get("profile") or {}
        name = profile.get("display_name") or user.get("name") or profile.get("real_name")
        if name:
            names[person] = str(name)
    return names


def slack_message(client: WebClient, digest: Digest) -> tuple[str, list[dict[str, Any]]]:
    return digest_fallback(digest), digest_blocks(digest, display_names(client, digest.people()))


def post_digest(client: WebClient, channel: str, digest: Digest) -> str:
    """Post to `channel`; returns the message ts."""
    text, blocks = slack_message(client, digest)
    response = client.chat_postMessage(
        channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )
    return str(response["ts"])


def on_demand_digest(tracker: Tracker, settings: Settings) -> Digest:
    """Today's digest so far, from where the last daily digest stopped (else the last day).

    It neither claims nor moves the daily digest: that still comes at its time.
    """
    now = settle_now(tracker)
    since = None
    if settings.digest_channel:
        since = runs.last_until(tracker.store, settings.digest_channel)
    if since is None or since >= now:
        since = now - timedelta(hours=24)
    return build_digest(
        tracker,
        now=now,
        since=since,
        tz=zone(settings.timezone),
        default_approvers=settings.approvers,
    )
