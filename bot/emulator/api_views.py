"""Web API methods about views: modals and home tabs."""

from __future__ import annotations

from typing import Any

from bot.emulator.blockkit import slack_messages, validate_view
from bot.emulator.errors import ApiError
from bot.emulator.model import JSON, View
from bot.emulator.webapi import ApiContext, Args, Method


def _view_arg(args: Args, expected_type: str) -> JSON:
    spec: Any = args.decoded("view")
    if spec is None:
        raise ApiError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] missing required field: view"]},
        )
    errors = validate_view(spec)
    if not errors and spec.get("type") != expected_type:
        errors = [f"must be {expected_type} [json-pointer:/view/type]"]
    if errors:
        # Views are refused as invalid_arguments, not invalid_blocks: that is what Slack answers.
        raise ApiError(
            "invalid_arguments",
            errors=errors,
            response_metadata={"messages": slack_messages(errors)},
        )
    view: JSON = spec
    return view


def _answer(ctx: ApiContext, view: View) -> JSON:
    return {"ok": True, "view": view.to_slack(ctx.workspace)}


def views_open(ctx: ApiContext, args: Args) -> JSON:
    spec = _view_arg(args, "modal")
    trigger = args.get("trigger_id") or args.get("interactivity_pointer")
    return _answer(ctx, ctx.store.views.open(trigger, spec))


def views_push(ctx: ApiContext, args: Args) -> JSON:
    spec = _view_arg(args, "modal")
    trigger = args.get("trigger_id") or args.get("interactivity_pointer")
    return _answer(ctx, ctx.store.views.push(trigger, spec))


def views_update(ctx: ApiContext, args: Args) -> JSON:
    view_id, external_id = args.get("view_id"), args.get("external_id")
    current = ctx.store.views.get(view_id) if view_id else None
    spec = _view_arg(args, current.type if current else "modal")
    return _answer(ctx, ctx.store.views.update(view_id, external_id, spec, args.get("hash")))


def views_publish(ctx: ApiContext, args: Args) -> JSON:
    user = ctx.store.resolve_user(args.require("user_id", "invalid_arguments"))
    if user is None:
        raise ApiError("user_not_found")
    spec = _view_arg(args, "home")
    return _answer(ctx, ctx.store.views.publish(user.id, spec, args.get("hash")))


METHODS: dict[str, Method] = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
