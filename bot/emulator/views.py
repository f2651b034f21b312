"""Modals, home tabs and the trigger ids that gate them.

Slack only lets an app open a modal in answer to something a person just did: the payload of
that action carries a `trigger_id` valid for three seconds and for one use. The emulator
enforces both, so a bot that opens modals too late or twice fails here as it would in Slack.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from bot.emulator.blocks import fill_ids
from bot.emulator.errors import ApiError
from bot.emulator.ids import IdFactory
from bot.emulator.model import JSON, View, ViewType, Workspace

MAX_MODAL_STACK = 3


@dataclass
class _Trigger:
    user: str
    issued: float
    used: bool = False


class ViewRegistry:
    """Views by id, each person's modal stack and home tab, and outstanding triggers."""

    def __init__(
        self,
        workspace: Workspace,
        ids: IdFactory,
        trigger_ttl: float,
        *,
        lock: threading.Condition,
        changing: Callable[[], AbstractContextManager[None]],
    ) -> None:
        self._workspace = workspace
        self._ids = ids
        self.trigger_ttl = trigger_ttl
        # The store's lock: views change atomically with messages and wake the same waiters.
        self._lock = lock
        self._changing = changing
        self._views: dict[str, View] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._triggers: dict[str, _Trigger] = {}

    # -- triggers ----------------------------------------------------------------------

    def issue_trigger(self, user: str) -> str:
        with self._lock:
            trigger_id = self._ids.trigger_id(self._workspace.team_number)
            self._triggers[trigger_id] = _Trigger(user, time.monotonic())
            return trigger_id

    def _consume_trigger(self, trigger_id: object) -> str:
        if not isinstance(trigger_id, str) or not trigger_id:
            raise ApiError("invalid_arguments")
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger.user

    # -- reading -----------------------------------------------------------------------

    def get(self, view_id: str) -> View | None:
        with self._lock:
            return self._views.get(view_id)

    def require(self, view_id: str) -> View:
        view = self.get(view_id)
        if view is None:
            raise ApiError("not_found")
        return view

    def stack(self, user: str) -> list[View]:
        with self._lock:
            return [self._views[view_id] for view_id in self._stacks.get(user, [])]

    def open_modals(self) -> list[View]:
        with self._lock:
            return [self._views[vid] for stack in self._stacks.values() for vid in stack]

    def home(self, user: str) -> View | None:
        with self._lock:
            view_id = self._homes.get(user)
            return self._views.get(view_id) if view_id else None

    # -- changing ----------------------------------------------------------------------

    def _new_view(self, kind: ViewType, user: str, spec: JSON, previous: View | None) -> View:
        external_id = spec.get("external_id") or None
        if external_id and any(v.external_id == external_id for v in self._views.values()):
            raise ApiError("duplicate_external_id")
        view_id = self._ids.view_id()
        view = View(
            id=view_id,
            type=kind,
            user=user,
            spec=self._prepared(spec),
            hash=self._ids.view_hash(),
            root_view_id=previous.root_view_id if previous else view_id,
            previous_view_id=previous.id if previous else None,
            external_id=external_id,
        )
        self._views[view_id] = view
        return view

    def _prepared(self, spec: JSON) -> JSON:
        prepared = copy.deepcopy(spec)
        prepared["blocks"] = fill_ids(
            list(spec.get("blocks") or []), self._ids.block_id, self._ids.action_id
        )
        return prepared

    def open(self, trigger_id: object, spec: JSON) -> View:
        with self._changing():
            user = self._consume_trigger(trigger_id)
            for old in self._stacks.get(user, []):
                self._views.pop(old, None)
            view = self._new_view("modal", user, spec, None)
            self._stacks[user] = [view.id]
            return view

    def push(self, trigger_id: object, spec: JSON) -> View:
        with self._changing():
            user = self._consume_trigger(trigger_id)
            stack = self._stacks.get(user)
            if not stack:
                raise ApiError("not_found")
            if len(stack) >= MAX_MODAL_STACK:
                raise ApiError("push_limit_reached")
            view = self._new_view("modal", user, spec, self._views[stack[-1]])
            stack.append(view.id)
            return view

    def push_for(self, user: str, spec: JSON) -> View:
        """A push asked for by a `response_action: push` acknowledgement (no trigger needed)."""
        with self._changing():
            stack = self._stacks.setdefault(user, [])
            previous = self._views[stack[-1]] if stack else None
            view = self._new_view("modal", user, spec, previous)
            stack.append(view.id)
            return view

    def update(
        self, view_id: str | None, external_id: str | None, spec: JSON, hash_: str | None
    ) -> View:
        with self._changing():
            view = None
            if view_id:
                view = self._views.get(view_id)
            elif external_id:
                view = next((v for v in self._views.values() if v.external_id == external_id), None)
            else:
                raise ApiError("invalid_arguments")
            if view is None:
                raise ApiError("not_found")
            if hash_ and hash_ != view.hash:
                raise ApiError("hash_conflict")
            view.spec = self._prepared(spec)
            view.hash = self._ids.view_hash()
            view.external_id = spec.get("external_id") or view.external_id
            return view

    def publish(self, user: str, spec: JSON, hash_: str | None) -> View:
        with self._changing():
            current = self.home(user)
            if current is None:
                view = self._new_view("home", user, spec, None)
                self._homes[user] = view.id
                return view
            if hash_ and hash_ != current.hash:
                raise ApiError("hash_conflict")
            current.spec = self._prepared(spec)
            current.hash = self._ids.view_hash()
            return current

    def set_values(self, view_id: str, values: JSON) -> None:
        with self._changing():
            self.require(view_id).values = copy.deepcopy(values)

    def close(self, user: str, view_id: str, *, clear: bool = False) -> None:
        """Close `view_id` (revealing the one below it), or the whole stack with `clear`."""
        with self._changing():
            stack = self._stacks.get(user, [])
            if clear or (stack and stack[0] == view_id):
                closing = list(stack)
            else:
                closing = [view_id] if view_id in stack else []
            for closed in closing:
                stack.remove(closed)
                self._views.pop(closed, None)
            if not stack:
                self._stacks.pop(user, None)
