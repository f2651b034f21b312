"""Registers listeners on a Bolt app and remembers what it registered (for the manifest test)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App

Listener = Callable[..., Any]


@dataclass
class Registrar:
    app: App
    events: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    shortcuts: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    views: list[str] = field(default_factory=list)

    def event(self, name: str) -> Callable[[Listener], Listener]:
        self.events.append(name)
        return _keep(self.app.event(name))

    def command(self, name: str) -> Callable[[Listener], Listener]:
        self.commands.append(name)
        return _keep(self.app.command(name))

    def shortcut(self, callback_id: str) -> Callable[[Listener], Listener]:
        self.shortcuts.append(callback_id)
        return _keep(self.app.shortcut(callback_id))

    def action(self, action_id: str) -> Callable[[Listener], Listener]:
        self.actions.append(action_id)
        return _keep(self.app.action(action_id))

    def view(self, callback_id: str) -> Callable[[Listener], Listener]:
        self.views.append(callback_id)
        return _keep(self.app.view(callback_id))


def _keep(register: Callable[[Listener], object]) -> Callable[[Listener], Listener]:
    """Register with Bolt but hand back the function itself, so it stays typed and testable."""

    def decorate(fn: Listener) -> Listener:
        register(fn)
        return fn

    return decorate
