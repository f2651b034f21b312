"""`foreman dev`: the real bot against the embedded local Slack, with a terminal chat.

What you type is a message in #general that mentions the bot; `/foreman …` is the slash
command; `press N` (or `press Approve plan`) presses a button of the latest message that has
buttons; `as bob …` does any of that as another person; `$ foreman …` runs a CLI command
against the same database; `wait` lets background work land; `quit` leaves.
`--script FILE` reads the same lines from a file and prints the transcript.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from bot.app import build_app
from bot.emulator import EmulatorError, SlackEmulator, render_message
from bot.emulator.blocks import ButtonRef
from bot.projector import EventProjector
from bot.serve import start_background
from bot.services import build_services
from bot.settings import Settings
from tracker.states import BatchStatus

YOU = "you"
CHANNEL = "#general"
QUIET_SECONDS = 0.6
MAX_WAIT_SECONDS = 90.0  # a first research pass indexes the repository
BANNER = (
    "Foreman dev: a local Slack with #general, the real bot, your database.\n"
    "Type a request (it mentions @Foreman), /foreman help, `press N`, `as bob …`, `quit`."
)


class Chat:
    def __init__(
        self, slack: SlackEmulator, out: TextIO, busy: Callable[[], bool] = lambda: False
    ) -> None:
        self.slack = slack
        self.out = out
        self.busy = busy  # true while background work (research) will still change the chat
        self.shown: dict[str, str] = {}
        self.ephemerals_seen = 0
        self.buttons: list[ButtonRef] = []
        self.button_message: tuple[str, str] | None = None
        self.lock = threading.Lock()
        self.errors = 0

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def handle(self, line: str) -> bool:
        """Act on one chat line; False means leave."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        if line in ("quit", "exit"):
            return False
        user = YOU
        if line.startswith("as "):
            _, user, line = [*line.split(" ", 2), "", ""][:3]
        try:
            self._act(user, line)
        except (EmulatorError, IndexError, ValueError) as exc:
            self.errors += 1
            self.say(f"! {exc}")
        return True

    def _act(self, user: str, line: str) -> None:
        slack = self.slack
        if line.startswith("$ foreman"):
            self._run_cli(line.removeprefix("$ foreman").strip())
        elif line == "wait" or line.startswith("wait "):
            seconds = float(line.split()[1]) if " " in line else 2.0
            time.sleep(seconds)
        elif line.startswith("press "):
            self._press(user, line.removeprefix("press ").strip())
        elif line.startswith("/foreman"):
            slack.slash_command(user, CHANNEL, "/foreman", line.removeprefix("/foreman").strip())
        else:
            slack.post_user_message(user, CHANNEL, f"<@{slack.bot_user_id}> {line}")
        self.settle()

    def _run_cli(self, arguments: str) -> None:
        """`$ foreman …`: a worker's (or a person's) command against the same database."""
        import io
        import shlex
        from contextlib import redirect_stderr, redirect_stdout

        from bot.cli import main

        captured = io.StringIO()
        with redirect_stdout(captured), redirect_stderr(captured):
            try:
                code = main(shlex.split(arguments))
            except SystemExit as exc:  # argparse usage errors
                code = int(exc.code or 0)
        for line in captured.getvalue().splitlines():
            self.say(f"    {line}")
        if code not in (0, 3):
            raise ValueError(f"foreman {arguments} exited {code}")

    def _press(self, user: str, which: str) -> None:
        if self.button_message is None or not self.buttons:
            raise ValueError("no message shows a button right now")
        if which.isdigit():
            button = self.buttons[int(which) - 1] if 0 < int(which) <= len(self.buttons) else None
        else:
            button = next((b for b in self.buttons if b.label.lower() == which.lower()), None)
        if button is None:
            labels = ", ".join(f"[{n}] {b.label}" for n, b in enumerate(self.buttons, 1))
            raise ValueError(f"no button {which!r}; the latest buttons are {labels}")
        channel, ts = self.button_message
        self.slack.click_button(user, channel, ts, action_id=button.action_id)

    def settle(self) -> None:
        """Wait until the bot has been quiet for a moment, printing what it shows meanwhile."""
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        version = self.slack.version
        while time.monotonic() < deadline:
            newer = self.slack.wait_for_change(version, timeout=QUIET_SECONDS)
            self.render()
            if newer == version and not self.busy():
                return
            version = newer

    def render(self) -> None:
        with self.lock:
            slack = self.slack
            users, channels = slack.user_names(), slack.channel_names()
            for message in slack.all_messages():
                if message.bot_id is None and message.user != slack.bot_user_id:
                    if message.ts not in self.shown:
                        self.shown[message.ts] = message.text
                    continue
                shown = render_message(message, users=users, channels=channels)
                before = self.shown.get(message.ts)
                if before == shown.text:
                    continue
                self.shown[message.ts] = shown.text
                label = "foreman" if before is None else "foreman (updated)"
                self._print_message(label, shown.text)
                if shown.buttons:
                    self.buttons = list(shown.buttons)
                    self.button_message = (message.channel, message.ts)
                elif self.button_message == (message.channel, message.ts):
                    self.buttons = []  # the update took its buttons away
            notes = slack.ephemerals()
            for note in notes[self.ephemerals_seen :]:
                text = render_message({"text": note.text, "blocks": note.blocks}, users=users).text
                self._print_message(f"foreman (only {users.get(note.user, note.user)})", text)
            self.ephemerals_seen = len(notes)

    def _print_message(self, label: str, text: str) -> None:
        lines = text.splitlines() or [""]
        self.say(f"{label}> {lines[0]}")
        for line in lines[1:]:
            self.say(f"    {line}")


def dev_settings(settings: Settings, slack: SlackEmulator) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": _secret(slack.bot_token),
            "slack_app_token": _secret(slack.app_token),
            "slack_signing_secret": _secret(slack.signing_secret),
            "slack_api_url": slack.api_url,
        }
    )


def _secret(value: str) -> object:
    from pydantic import SecretStr

    return SecretStr(value)


def run_dev(settings: Settings, *, script: Path | None, out: TextIO) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    lines: Iterable[str] | None = None
    if script is not None:
        try:
            lines = script.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            out.write(f"foreman: cannot read {script}: {exc.strerror}\n")
            return 1
    with SlackEmulator(people=(YOU, "bob", "carol")) as slack:
        config = dev_settings(settings, slack)
        services = build_services(config)
        app, _ = build_app(config, services)
        handler = SocketModeHandler(app, slack.app_token, web_client=services.client)
        handler.connect()  # type: ignore[no-untyped-call]
        slack.wait_for_socket_client()
        workers = start_background(services)
        researching = [BatchStatus.RECEIVED, BatchStatus.RESEARCHING]
        projector = next(w for w in workers if isinstance(w, EventProjector))

        def busy() -> bool:
            # Research still running, or the log holds changes Slack does not show yet.
            tracker = services.tracker
            return bool(tracker.batches(statuses=researching)) or (
                projector.cursor < tracker.last_event_id()
            )

        chat = Chat(slack, out, busy=busy)
        try:
            if lines is None:
                return _interactive(chat)
            for line in lines:
                if line.strip() and not line.lstrip().startswith("#"):
                    chat.say(f"{YOU}> {line.strip()}")
                if not chat.handle(line):
                    break
            chat.settle()
            return 1 if chat.errors else 0
        finally:
            for worker in workers:
                worker.stop()
            handler.client.auto_reconnect_enabled = False
            slack.close_socket_clients()
            services.close()


def _interactive(chat: Chat) -> int:
    chat.say(BANNER)
    stop = threading.Event()

    def follow() -> None:
        # Background work (research, a worker's `foreman done`) shows up without typing.
        version = chat.slack.version
        while not stop.is_set():
            version = chat.slack.wait_for_change(version, timeout=0.5)
            chat.render()

    follower = threading.Thread(target=follow, name="foreman-dev-follow", daemon=True)
    follower.start()
    try:
        while True:
            try:
                line = input()
            except EOFError:
                break
            if not chat.handle(line):
                break
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    return 0
