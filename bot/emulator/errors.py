"""The two ways things go wrong in the emulator, kept apart on purpose.

`ApiError` is Slack refusing a call: it becomes `{"ok": false, "error": …}` on the wire and the
bot under test is expected to cope with it. `EmulatorError` is a test asking for something no
person could do in Slack (press a button that is not there, submit a closed modal): it is
raised straight into the test, because carrying on would make the test meaningless.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Web API error in Slack's shape, e.g. `ApiError("channel_not_found")`."""

    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra

    def to_json(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


class EmulatorError(Exception):
    """The test asked the emulated workspace for something impossible."""
