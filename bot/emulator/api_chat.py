"""Web API methods about messages: chat.*, reactions.*, conversations.history/replies."""

from __future__ import annotations

from bot.emulator.errors import ApiError
from bot.emulator.model import JSON, Channel, Ephemeral, Message
from bot.emulator.webapi import ApiContext, Args, Method


def _writable_channel(ctx: ApiContext, args: Args) -> Channel:
    channel = ctx.store.require_channel(args.require("channel", "channel_not_found"))
    if ctx.workspace.bot_user_id not in channel.members:
        # A private conversation the bot is not in does not exist as far as it can tell.
        raise ApiError("not_in_channel" if channel.kind == "public" else "channel_not_found")
    return channel


def _own_message(ctx: ApiContext, channel: Channel, ts: str, refusal: str) -> Message:
    message = ctx.store.require_message(channel.id, ts)
    if message.bot_id != ctx.workspace.bot_id:
        raise ApiError(refusal)
    return message


def post_message(ctx: ApiContext, args: Args) -> JSON:
    channel = _writable_channel(ctx, args)
    content = ctx.content(args, required=True)
    assert content is not None
    thread_ts = args.get("thread_ts")
    metadata = args.decoded("metadata")
    with ctx.store.changing():
        message = Message(
            channel=channel.id,
            ts=ctx.store.ids.ts(),
            text=content.text,
            blocks=content.blocks,
            user=ctx.workspace.bot_user_id,
            bot_id=ctx.workspace.bot_id,
            app_id=ctx.workspace.app_id,
            thread_ts=thread_ts,
            subtype="thread_broadcast" if thread_ts and args.flag("reply_broadcast") else None,
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        ctx.store.add_message(message)
        return {
            "ok": True,
            "channel": channel.id,
            "ts": message.ts,
            "message": message.to_slack(ctx.workspace.team_id),
        }


def update(ctx: ApiContext, args: Args) -> JSON:
    channel = ctx.store.require_channel(args.require("channel", "channel_not_found"))
    ts = args.require("ts", "message_not_found")
    content = ctx.content(args, required=True)
    assert content is not None
    # Slack keeps the old blocks when `blocks` is omitted and removes them when it is `[]`.
    blocks = content.blocks if args.raw.get("blocks") not in (None, "") else None
    with ctx.store.changing():
        _own_message(ctx, channel, ts, "cant_update_message")
        message = ctx.store.edit_message(channel.id, ts, content.text, blocks)
        return {
            "ok": True,
            "channel": channel.id,
            "ts": ts,
            "text": message.text,
            "message": message.to_slack(ctx.workspace.team_id),
        }


def post_ephemeral(ctx: ApiContext, args: Args) -> JSON:
    channel = _writable_channel(ctx, args)
    user = ctx.store.resolve_user(args.require("user", "user_not_found"))
    if user is None:
        raise ApiError("user_not_found")
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    content = ctx.content(args, required=True)
    assert content is not None
    ephemeral = Ephemeral(
        channel=channel.id,
        user=user.id,
        ts=ctx.store.ids.ts(),
        text=content.text,
        blocks=content.blocks,
        thread_ts=args.get("thread_ts"),
        bot_id=ctx.workspace.bot_id,
    )
    ctx.store.add_ephemeral(ephemeral)
    return {"ok": True, "message_ts": ephemeral.ts}


def delete(ctx: ApiContext, args: Args) -> JSON:
    channel = ctx.store.require_channel(args.require("channel", "channel_not_found"))
    ts = args.require("ts", "message_not_found")
    with ctx.store.changing():
        _own_message(ctx, channel, ts, "cant_delete_message")
        ctx.store.delete_message(channel.id, ts)
    return {"ok": True, "channel": channel.id, "ts": ts}


def get_permalink(ctx: ApiContext, args: Args) -> JSON:
    channel = ctx.store.require_channel(args.require("channel", "channel_not_found"))
    message = ctx.store.require_message(channel.id, args.require("message_ts", "message_not_found"))
    link = f"{ctx.workspace.url}archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


def reactions_add(ctx: ApiContext, args: Args) -> JSON:
    channel = ctx.store.require_channel(args.require("channel", "channel_not_found"))
    name = args.require("name", "invalid_name").strip(":")
    ts = args.require("timestamp", "message_not_found")
    ctx.store.add_reaction(channel.id, ts, name, ctx.workspace.bot_user_id)
    return {"ok": True}


def reactions_remove(ctx: ApiContext, args: Args) -> JSON:
    channel = ctx.store.require_channel(args.require("channel", "channel_not_found"))
    name = args.require("name", "invalid_name").strip(":")
    ts = args.require("timestamp", "message_not_found")
    ctx.store.remove_reaction(channel.id, ts, name, ctx.workspace.bot_user_id)
    return {"ok": True}


def reactions_get(ctx: ApiContext, args: Args) -> JSON:
    channel = ctx.store.require_channel(args.require("channel", "channel_not_found"))
    ts = args.require("timestamp", "message_not_found")
    with ctx.store.cond:
        message = ctx.store.require_message(channel.id, ts).to_slack(ctx.workspace.team_id)
        reactions = ctx.store.reactions(channel.id, ts)
    message["reactions"] = [
        {"name": name, "users": users, "count": len(users)} for name, users in reactions.items()
    ]
    return {"ok": True, "type": "message", "channel": channel.id, "message": message}


def _page(ctx: ApiContext, args: Args, messages: list[Message]) -> JSON:
    """Cursor pagination as Slack does it: an opaque cursor, `has_more`, `next_cursor`."""
    limit = max(1, min(args.integer("limit", 100), 1000))
    cursor = args.get("cursor")
    start = int(cursor.removeprefix("offset:")) if cursor and cursor.startswith("offset:") else 0
    chunk = messages[start : start + limit]
    more = start + limit < len(messages)
    return {
        "ok": True,
        "messages": [m.to_slack(ctx.workspace.team_id) for m in chunk],
        "has_more": more,
        "response_metadata": {"next_cursor": f"offset:{start + limit}" if more else ""},
    }


def _readable_channel(ctx: ApiContext, args: Args) -> Channel:
    channel = ctx.store.require_channel(args.require("channel", "channel_not_found"))
    if ctx.workspace.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    return channel


def history(ctx: ApiContext, args: Args) -> JSON:
    channel = _readable_channel(ctx, args)
    latest, oldest = args.get("latest"), args.get("oldest")
    inclusive = args.flag("inclusive")

    def in_range(ts: str) -> bool:
        # Slack compares timestamps numerically; fixed-width decimals compare right as floats.
        if latest and (float(ts) > float(latest) or (float(ts) == float(latest) and not inclusive)):
            return False
        return not (
            oldest and (float(ts) < float(oldest) or (float(ts) == float(oldest) and not inclusive))
        )

    newest_first = [m for m in reversed(ctx.store.channel_messages(channel.id)) if in_range(m.ts)]
    return _page(ctx, args, newest_first)


def replies(ctx: ApiContext, args: Args) -> JSON:
    channel = _readable_channel(ctx, args)
    thread = ctx.store.thread_messages(channel.id, args.require("ts", "thread_not_found"))
    if not thread:
        raise ApiError("thread_not_found")
    return _page(ctx, args, thread)


METHODS: dict[str, Method] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.postEphemeral": post_ephemeral,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "reactions.get": reactions_get,
    "conversations.history": history,
    "conversations.replies": replies,
}
