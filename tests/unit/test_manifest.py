"""manifest.yml installs Foreman as it is: valid, and in step with what the code registers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot import registry

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    return data


@pytest.mark.skipif(not SCHEMA.exists(), reason="Slack's manifest schema is kept in ../shared")
def test_manifest_is_valid_against_slacks_schema(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(manifest), key=str)
    assert [e.message for e in errors] == []


def test_socket_mode_interactivity_and_home_are_on(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_scopes_are_the_minimal_set(manifest: dict[str, Any]) -> None:
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "app_mentions:read",  # app_mention
        "chat:write",  # replies, plan messages, ephemerals
        "commands",  # /foreman and the shortcut
        "im:history",  # message.im
        "reactions:write",  # the eyes on a request
        "usergroups:read",  # FOREMAN_APPROVERS may name a user group: its members decide asks
        "users:read",  # names for the digest and dev chat
    ]


def test_everything_registered_is_in_the_manifest_and_back(manifest: dict[str, Any]) -> None:
    from tests.support.registrations import registered

    reg = registered()
    assert sorted(reg.commands) == sorted(
        c["command"] for c in manifest["features"]["slash_commands"]
    )
    assert sorted(reg.shortcuts) == sorted(
        s["callback_id"] for s in manifest["features"]["shortcuts"]
    )
    events = {"message": "message.im"}
    assert sorted(events.get(e, e) for e in reg.events) == sorted(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )
    assert sorted(reg.actions) == sorted(registry.ACTIONS)


def test_every_rendered_action_id_has_a_listener() -> None:
    from bot.views.batch import plan_actions

    rendered = {e["action_id"] for e in plan_actions("FM-1")["elements"]}
    assert rendered <= set(registry.ACTIONS)
