"""What people do in the emulated Slack, turned into the payloads Slack would deliver.

Every action first changes the workspace the way the Slack client would (a message appears,
a modal closes) and then delivers the resulting events or interactions to the bot. A person
can only act on what is really there: pressing a button that is not on the message, or
submitting a modal that is not open, raises `EmulatorError` instead of forging a payload.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass

from bot.emulator.delivery import Deliverer, Delivery, Kind, Transport
from bot.emulator.errors import ApiError, EmulatorError
from bot.emulator.http_delivery import Signing
from bot.emulator.model import JSON, Channel, Message, User
from bot.emulator.payloads import Payloads, mentions, rich_text
from bot.emulator.response_urls import ResponseUrls
from bot.emulator.state import Store

_MESSAGE_SUBSCRIPTIONS = {
    "public": "message.channels",
    "private": "message.groups",
    "im": "message.im",
    "mpim": "message.mpim",
}


@dataclass(frozen=True)
class PostedMessage:
    """A message a person posted, and the event deliveries it caused."""

    channel: str
    ts: str
    deliveries: list[Delivery]

    @property
    def event_ids(self) -> list[str]:
        return [d.event_id for d in self.deliveries if d.event_id is not None]


class People:
    """Simulated people acting in the workspace; see `SlackEmulator` for the public face."""

    def __init__(
        self,
        store: Store,
        deliverer: Deliverer,
        payloads: Payloads,
        responses: ResponseUrls,
        bot_events: set[str],
    ) -> None:
        self._store = store
        self._deliver = deliverer
        self._payloads = payloads
        self._responses = responses
        self.bot_events = bot_events

    # -- lookups -----------------------------------------------------------------------

    def user(self, ref: str) -> User:
        """A person by id (`U0ALICE`) or name (`alice`, `@alice`)."""
        return copy.deepcopy(self._person(ref))

    def channel(self, ref: str) -> Channel:
        """A conversation by id, `#name`, or a user id for the app's DM with that person."""
        return copy.deepcopy(self._conversation(ref))

    def _person(self, ref: str) -> User:
        user = self._store.resolve_user(ref)
        if user is None:
            raise EmulatorError(f"no user {ref!r} in the workspace")
        return user

    def _conversation(self, ref: str) -> Channel:
        channel = self._store.resolve_channel(ref)
        if channel is None:
            raise EmulatorError(f"no channel {ref!r} in the workspace")
        return channel

    def _subscribed(self, event_type: str, channel: Channel | None = None) -> bool:
        if event_type == "message" and channel is not None:
            return _MESSAGE_SUBSCRIPTIONS[channel.kind] in self.bot_events
        return event_type in self.bot_events

    def deliver_event(
        self, event: JSON, *, transport: Transport | None = None, signing: Signing | None = None
    ) -> Delivery:
        """Wrap `event` in an event callback with a fresh `event_id` and deliver it as is."""
        payload = self._payloads.event_callback(event, self._store.ids.event_id())
        return self._deliver.deliver("events_api", payload, transport=transport, signing=signing)

    def deliver(
        self,
        kind: Kind,
        payload: JSON,
        *,
        transport: Transport | None = None,
        signing: Signing | None = None,
    ) -> Delivery:
        """Deliver a hand-built payload unchanged, for shapes no helper here builds."""
        return self._deliver.deliver(kind, payload, transport=transport, signing=signing)

    def redeliver(
        self,
        delivery: Delivery,
        retry_num: int = 1,
        retry_reason: str | None = None,
        *,
        transport: Transport | None = None,
    ) -> Delivery:
        """Send the same payload again (same `event_id`), marked as Slack's retry number N."""
        reason = retry_reason or (
            "http_timeout" if (transport or delivery.transport) == "http" else "timeout"
        )
        return self._deliver.deliver(
            delivery.kind,
            delivery.payload,
            transport=transport or delivery.transport,
            retry_num=retry_num,
            retry_reason=reason,
        )

    # -- messages ----------------------------------------------------------------------

    def post_user_message(
        self,
        user: str,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        *,
        transport: Transport | None = None,
    ) -> PostedMessage:
        """`user` types `text` in `channel` (or in the thread `thread_ts`).

        Delivers what Slack would: `app_mention` when the text mentions the bot in a channel,
        and a `message` event when the app subscribes to that kind of conversation.
        """
        person, conversation = self._person(user), self._conversation(channel)
        with self._store.changing():
            if person.id not in conversation.members:
                if conversation.kind != "public":
                    raise EmulatorError(f"{person.name} is not a member of {conversation.name}")
                conversation.members.add(person.id)
            message = Message(
                channel=conversation.id,
                ts=self._store.ids.ts(),
                text=text,
                blocks=rich_text(text, self._store.ids.block_id()),
                user=person.id,
                thread_ts=thread_ts,
                client_msg_id=str(uuid.uuid4()),
            )
            try:
                self._store.add_message(message)
            except ApiError as error:
                raise EmulatorError(
                    f"cannot reply in thread {thread_ts!r}: {error.error}"
                ) from None
            parent_user = self._parent_user(message)
        return PostedMessage(
            conversation.id,
            message.ts,
            self._message_events(message, conversation, parent_user, transport),
        )

    def post_bot_message(
        self,
        channel: str,
        text: str,
        *,
        bot_id: str = "B0OTHERBOT",
        username: str = "otherbot",
        blocks: list[JSON] | None = None,
        thread_ts: str | None = None,
        transport: Transport | None = None,
    ) -> PostedMessage:
        """A message from another integration (`subtype: bot_message`), as a webhook posts it."""
        conversation = self._conversation(channel)
        message = Message(
            channel=conversation.id,
            ts=self._store.ids.ts(),
            text=text,
            blocks=blocks,
            bot_id=bot_id,
            thread_ts=thread_ts,
            subtype="bot_message",
        )
        with self._store.changing():
            self._store.add_message(message)
            parent_user = self._parent_user(message)
        event_message = message.to_slack(self._store.workspace.team_id) | {"username": username}
        deliveries = self._message_events(
            message, conversation, parent_user, transport, event_message
        )
        return PostedMessage(conversation.id, message.ts, deliveries)

    def _parent_user(self, message: Message) -> str | None:
        if not message.is_reply or message.thread_ts is None:
            return None
        parent = self._store.find_message(message.channel, message.thread_ts)
        return (parent.user or parent.bot_id) if parent else None

    def _message_events(
        self,
        message: Message,
        conversation: Channel,
        parent_user: str | None,
        transport: Transport | None,
        override: JSON | None = None,
    ) -> list[Delivery]:
        events: list[JSON] = []
        bot = self._store.workspace.bot_user_id
        mentioned = bot in mentions(message.text) and bot in conversation.members
        # Slack sends app_mention for channels only; in a DM every message is for the bot anyway.
        if mentioned and not conversation.is_dm and self._subscribed("app_mention"):
            events.append(self._payloads.app_mention_event(message, conversation))
        if self._subscribed("message", conversation):
            event = self._payloads.message_event(message, conversation, parent_user)
            if override is not None:
                event.update(override)
            events.append(event)
        return [self.deliver_event(event, transport=transport) for event in events]

    def edit_user_message(
        self, user: str, channel: str, ts: str, text: str, *, transport: Transport | None = None
    ) -> Delivery | None:
        """A person edits their message; delivers `message_changed` if the app subscribes."""
        person, conversation = self._person(user), self._conversation(channel)
        with self._store.changing():
            message = self._store.find_message(conversation.id, ts)
            if message is None or message.user != person.id:
                raise EmulatorError(f"{person.name} has no message {ts} in {conversation.name}")
            previous = message.to_slack(self._store.workspace.team_id)
            self._store.edit_message(
                conversation.id, ts, text, rich_text(text, self._store.ids.block_id())
            )
            event = self._payloads.message_changed_event(conversation, message, previous)
        return (
            self.deliver_event(event, transport=transport)
            if self._subscribed("message", conversation)
            else None
        )

    def delete_user_message(
        self, user: str, channel: str, ts: str, *, transport: Transport | None = None
    ) -> Delivery | None:
        """A person deletes their message; delivers `message_deleted` if the app subscribes."""
        person, conversation = self._person(user), self._conversation(channel)
        with self._store.changing():
            message = self._store.find_message(conversation.id, ts)
            if message is None or message.user != person.id:
                raise EmulatorError(f"{person.name} has no message {ts} in {conversation.name}")
            self._store.delete_message(conversation.id, ts)
            event = self._payloads.message_deleted_event(
                conversation, message, self._store.ids.ts()
            )
        return (
            self.deliver_event(event, transport=transport)
            if self._subscribed("message", conversation)
            else None
        )
