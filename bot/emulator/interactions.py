"""Interactions: pressing buttons, filling modals, slash commands, shortcuts, the Home tab.

Each one hands the bot a fresh `trigger_id` (and a `response_url` where Slack gives one), just
as Slack does, so a bot that answers by opening a modal or posting to the URL works unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.emulator.blockkit import validate_view
from bot.emulator.blocks import (
    ButtonRef,
    describe_buttons,
    find_button,
    is_empty_state,
    iter_inputs,
    state_value,
)
from bot.emulator.delivery import Delivery, Transport
from bot.emulator.errors import ApiError, EmulatorError
from bot.emulator.model import JSON, User, View
from bot.emulator.people import People
from bot.emulator.response_urls import ResponseTarget


class Interactions(People):
    """People acting on what the bot showed them."""

    # -- buttons -----------------------------------------------------------------------

    def click_button(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str | None = None,
        text: str | None = None,
        *,
        transport: Transport | None = None,
    ) -> Delivery:
        """Press a button that is on message `message_ts` (or on an ephemeral one `user` sees),
        chosen by `action_id` or by its label `text`."""
        person, conversation = self._person(user), self._conversation(channel)
        can_read = conversation.kind == "public" or person.id in conversation.members
        with self._store.cond:
            message = self._store.find_message(conversation.id, message_ts) if can_read else None
            ephemeral = self._store.find_ephemeral(conversation.id, message_ts, person.id)
            if message is not None:
                blocks, shown = message.blocks, message.to_slack(self._store.workspace.team_id)
            elif ephemeral is not None:
                blocks, shown = ephemeral.blocks, ephemeral.to_slack()
            else:
                raise EmulatorError(
                    f"{person.name} sees no message {message_ts} in {conversation.name}"
                )
        is_ephemeral = message is None
        button = self._button(blocks, action_id, text, f"message {message_ts}")
        target = ResponseTarget(person.id, conversation.id, message_ts, ephemeral=is_ephemeral)
        payload = self._payloads.block_actions_on_message(
            person,
            conversation,
            shown,
            button,
            trigger_id=self._store.views.issue_trigger(person.id),
            response_url=self._responses.issue(target),
            is_ephemeral=is_ephemeral,
            action_ts=self._store.ids.ts(),
        )
        return self._deliver.deliver("interactive", payload, transport=transport)

    def click_view_button(
        self,
        user: str,
        view_id: str,
        action_id: str | None = None,
        text: str | None = None,
        *,
        transport: Transport | None = None,
    ) -> Delivery:
        """Press a button on an open modal or on the person's home tab."""
        person = self._person(user)
        view = self._visible_view(person, view_id)
        button = self._button(view.blocks, action_id, text, f"view {view_id}")
        payload = self._payloads.block_actions_on_view(
            person,
            view,
            button,
            trigger_id=self._store.views.issue_trigger(person.id),
            action_ts=self._store.ids.ts(),
        )
        return self._deliver.deliver("interactive", payload, transport=transport)

    def click_home_button(
        self,
        user: str,
        action_id: str | None = None,
        text: str | None = None,
        *,
        transport: Transport | None = None,
    ) -> Delivery:
        """Press a button on the home tab the app published for `user`."""
        person = self._person(user)
        home = self._store.views.home(person.id)
        if home is None:
            raise EmulatorError(f"no home tab has been published for {person.name}")
        return self.click_view_button(person.id, home.id, action_id, text, transport=transport)

    def _button(
        self, blocks: list[JSON] | None, action_id: str | None, text: str | None, where: str
    ) -> ButtonRef:
        if action_id is None and text is None:
            raise EmulatorError("say which button: pass action_id or text")
        button = find_button(blocks, action_id=action_id, text=text)
        if button is None:
            wanted = action_id if action_id is not None else text
            raise EmulatorError(
                f"no button {wanted!r} on {where}; it has {describe_buttons(blocks)}"
            )
        return button

    def _visible_view(self, person: User, view_id: str) -> View:
        view = self._store.views.get(view_id)
        visible = view is not None and view.user == person.id
        if view is not None and view.type == "modal":
            visible = visible and view in self._store.views.stack(person.id)
        if view is None or not visible:
            raise EmulatorError(f"{person.name} has no open view {view_id}")
        return view

    # -- modals ------------------------------------------------------------------------

    def submit_view(
        self,
        user: str,
        view_id: str | None = None,
        values: Mapping[str, Any] | None = None,
        *,
        transport: Transport | None = None,
    ) -> Delivery:
        """Fill the modal's inputs with `values` (by block_id) and press its submit button.

        A value may be what the person enters (text, an option's value, a user id) or a dict
        `{action_id: value}` for a block with several elements.
        """
        person = self._person(user)
        stack = self._store.views.stack(person.id)
        if view_id is None and stack:
            view_id = stack[-1].id
        view = self._visible_view(person, view_id or "")
        if view.type != "modal" or not view.spec.get("submit"):
            raise EmulatorError(f"view {view.id} has no submit button to press")
        self._store.views.set_values(view.id, self._state_values(view, dict(values or {})))
        view = self._visible_view(person, view.id)
        payload = self._payloads.view_submission(
            person, view, self._store.views.issue_trigger(person.id)
        )
        delivery = self._deliver.deliver("interactive", payload, transport=transport)
        if delivery.acked:
            self._apply_submission_answer(person, view, delivery.ack)
        return delivery

    def _state_values(self, view: View, values: dict[str, Any]) -> JSON:
        state: JSON = {}
        for field in iter_inputs(view.blocks):
            given = values.pop(field.block_id, None)
            if isinstance(given, dict) and field.action_id in given:
                given = given[field.action_id]
            entry = state_value(field.element, given)
            if not field.optional and is_empty_state(entry):
                raise EmulatorError(f"required input {field.block_id!r} ({field.label}) is empty")
            state.setdefault(field.block_id, {})[field.action_id] = entry
        if values:
            raise EmulatorError(f"the view has no input block {sorted(values)}")
        return state

    def _apply_submission_answer(self, person: User, view: View, ack: JSON) -> None:
        action = ack.get("response_action")
        views = self._store.views
        if action == "errors":
            # Slack only shows errors next to input blocks; any other key is a bot bug that
            # would surface in Slack as a generic "trouble connecting" message.
            inputs = {field.block_id for field in iter_inputs(view.blocks)}
            unknown = sorted(set(ack.get("errors") or {}) - inputs)
            if unknown:
                raise EmulatorError(f"response_action=errors names no input block: {unknown}")
            return
        if action in ("update", "push"):
            new_spec = ack.get("view")
            problems = validate_view(new_spec)
            if problems or not isinstance(new_spec, dict):
                raise EmulatorError(
                    f"the bot answered response_action={action} with an invalid view: {problems}"
                )
            if action == "update":
                views.update(view.id, None, new_spec, None)
            else:
                views.push_for(person.id, new_spec)
            return
        views.close(person.id, view.id, clear=action == "clear")

    def close_view(
        self, user: str, view_id: str | None = None, *, transport: Transport | None = None
    ) -> Delivery | None:
        """The person dismisses the modal; `view_closed` goes out if the view asked for it."""
        person = self._person(user)
        stack = self._store.views.stack(person.id)
        view = self._visible_view(person, view_id or (stack[-1].id if stack else ""))
        clear = bool(view.spec.get("clear_on_close")) or view.id == view.root_view_id
        self._store.views.close(person.id, view.id, clear=clear)
        if not view.spec.get("notify_on_close"):
            return None
        payload = self._payloads.view_closed(person, view, is_cleared=clear)
        return self._deliver.deliver("interactive", payload, transport=transport)

    # -- commands, shortcuts, home tab --------------------------------------------------

    def slash_command(
        self,
        user: str,
        channel: str,
        command: str,
        text: str = "",
        *,
        transport: Transport | None = None,
    ) -> Delivery:
        """Run `/command text`; an ack carrying text or blocks is shown as Slack shows it."""
        person, conversation = self._person(user), self._conversation(channel)
        target = ResponseTarget(person.id, conversation.id)
        payload = self._payloads.slash_command(
            person,
            conversation,
            command,
            text,
            trigger_id=self._store.views.issue_trigger(person.id),
            response_url=self._responses.issue(target),
        )
        delivery = self._deliver.deliver("slash_commands", payload, transport=transport)
        if delivery.acked and (delivery.ack.get("text") or delivery.ack.get("blocks")):
            try:
                self._responses.respond(target, delivery.ack)
            except ApiError as error:
                raise EmulatorError(
                    f"Slack would refuse the command's reply: {error.to_json()}"
                ) from None
        return delivery

    def message_shortcut(
        self,
        user: str,
        channel: str,
        message_ts: str,
        callback_id: str,
        *,
        transport: Transport | None = None,
    ) -> Delivery:
        """Pick the app's message shortcut `callback_id` from the menu of `message_ts`."""
        person, conversation = self._person(user), self._conversation(channel)
        message = self._store.find_message(conversation.id, message_ts)
        if message is None:
            raise EmulatorError(f"no message {message_ts} in {conversation.name}")
        payload = self._payloads.message_shortcut(
            person,
            conversation,
            message.to_slack(self._store.workspace.team_id),
            callback_id,
            trigger_id=self._store.views.issue_trigger(person.id),
            response_url=self._responses.issue(ResponseTarget(person.id, conversation.id)),
            action_ts=self._store.ids.ts(),
        )
        return self._deliver.deliver("interactive", payload, transport=transport)

    def global_shortcut(
        self, user: str, callback_id: str, *, transport: Transport | None = None
    ) -> Delivery:
        """Pick the app's global shortcut `callback_id` (from the composer's shortcut menu)."""
        person = self._person(user)
        payload = self._payloads.global_shortcut(
            person,
            callback_id,
            trigger_id=self._store.views.issue_trigger(person.id),
            action_ts=self._store.ids.ts(),
        )
        return self._deliver.deliver("interactive", payload, transport=transport)

    def open_home(self, user: str, *, transport: Transport | None = None) -> Delivery | None:
        """The person opens the app's Home tab: `app_home_opened`, if the app subscribes."""
        person = self._person(user)
        dm = self._store.dm_with(person.id)
        if dm is None:
            raise EmulatorError(f"{person.name} has no conversation with the app")
        if not self._subscribed("app_home_opened"):
            return None
        event = self._payloads.app_home_opened_event(
            person.id, dm, self._store.views.home(person.id), self._store.ids.ts()
        )
        return self.deliver_event(event, transport=transport)
