"""What every CLI handler gets: settings, and the tracker built on first use."""

from __future__ import annotations

import json
import sys
from functools import cached_property
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from bot.settings import Settings
    from tracker.service import Tracker


class CliError(Exception):
    """One clear line for stderr; the command changed nothing."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class CliContext:
    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._tracker: Tracker | None = None

    @cached_property
    def settings(self) -> Settings:
        from pydantic import ValidationError

        from bot.settings import Settings

        try:
            return Settings()
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise CliError(f"configuration error in {field}: {first['msg']}") from None

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            from tracker.service import Tracker

            self._tracker = Tracker.open(
                self.settings.database_url,
                lease_seconds=self.settings.heartbeat_timeout,
                long_lived=False,
            )
        return self._tracker

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def print_json(self, data: Any) -> None:
        json.dump(data, self.out, indent=2, ensure_ascii=False)
        self.out.write("\n")

    def close(self) -> None:
        if self._tracker is not None:
            self._tracker.close()
            self._tracker = None
