"""Web API methods about the workspace itself: identity, people, conversations, sockets."""

from __future__ import annotations

from bot.emulator.errors import ApiError
from bot.emulator.model import JSON
from bot.emulator.webapi import ApiContext, Args, Method


def auth_test(ctx: ApiContext, args: Args) -> JSON:
    ws = ctx.workspace
    return {
        "ok": True,
        "url": ws.url,
        "team": ws.team_name,
        "user": ws.bot_name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "is_enterprise_install": False,
    }


def users_info(ctx: ApiContext, args: Args) -> JSON:
    user = ctx.store.users.get(args.require("user", "user_not_found"))
    if user is None:
        raise ApiError("user_not_found")
    return {"ok": True, "user": user.to_slack(ctx.workspace.team_id)}


def users_list(ctx: ApiContext, args: Args) -> JSON:
    with ctx.store.cond:
        members = [user.to_slack(ctx.workspace.team_id) for user in ctx.store.users.values()]
    return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}


def usergroups_users_list(ctx: ApiContext, args: Args) -> JSON:
    group = ctx.store.usergroups.get(args.require("usergroup", "invalid_arguments"))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"ok": True, "users": list(group[1])}


def conversations_info(ctx: ApiContext, args: Args) -> JSON:
    channel = ctx.store.require_channel(args.require("channel", "channel_not_found"))
    return {"ok": True, "channel": channel.to_slack()}


def conversations_open(ctx: ApiContext, args: Args) -> JSON:
    users = [ref.strip() for ref in args.require("users", "users_list_not_supplied").split(",")]
    if len(users) != 1:
        raise ApiError("not_supported_by_emulator")
    channel = ctx.store.dm_with(ctx.store.require_user(users[0]).id)
    if channel is None:
        raise ApiError("user_not_found")
    return {"ok": True, "channel": {"id": channel.id}}


def apps_connections_open(ctx: ApiContext, args: Args) -> JSON:
    return {"ok": True, "url": ctx.socket_url()}


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.list": users_list,
    "usergroups.users.list": usergroups_users_list,
    "conversations.info": conversations_info,
    "conversations.open": conversations_open,
    "apps.connections.open": apps_connections_open,
}
