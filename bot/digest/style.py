"""How a digest line spells references, user text, links, people and times, per surface.

One set of line builders (bot.digest.lines) serves the terminal and Slack, so both show the
same digest; only the spelling differs. In Slack every piece of user text is escaped, and
people are shown by name, never as a mention: a daily summary must not ping anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from bot.slack_text import clip, escape

MAX_LINK_URL = 1000


def day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def age(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 72 else f"{hours // 24} d"


def proof_label(kind: str, url: str) -> str:
    parsed = urlparse(url)
    tail = [part for part in parsed.path.split("/") if part]
    last = tail[-1] if tail else ""
    if kind in ("pr", "ci"):
        name = "PR" if kind == "pr" else "CI run"
        return f"{name} #{last}" if last.isdigit() else f"{name} {parsed.netloc}{parsed.path}"
    return clip(f"{parsed.netloc}{parsed.path}", 80)


class Style:
    """Plain text for the terminal."""

    slack = False

    def __init__(
        self, tz: ZoneInfo, local_date: date, names: Mapping[str, str] | None = None
    ) -> None:
        self.tz = tz
        self.local_date = local_date
        self.names = dict(names or {})

    def ref(self, ref: str) -> str:
        return ref

    def text(self, value: str, limit: int = 200) -> str:
        return clip(" ".join(value.split()), limit)

    def code(self, value: str) -> str:
        return value

    def link(self, url: str, label: str) -> str:
        return f"{label} {url}" if label != url else url

    def who(self, person: str) -> str:
        name = self.names.get(person, person)
        return name if name.startswith("@") else "@" + name

    def when(self, moment: datetime) -> str:
        local = moment.astimezone(self.tz)
        if local.date() == self.local_date:
            return f"{local:%H:%M}"
        return f"{day(local.date())} {local:%H:%M}"

    def bar(self, value: str) -> str:
        return value


class SlackStyle(Style):
    """Slack mrkdwn: escaped user text, bold references, real links, names that don't ping."""

    slack = True

    def ref(self, ref: str) -> str:
        return f"*{ref}*"

    def text(self, value: str, limit: int = 200) -> str:
        return escape(super().text(value, limit))

    def code(self, value: str) -> str:
        # A backtick inside would end the code span early and let the rest be parsed.
        return "`" + escape(value.replace("`", "'")) + "`"

    def link(self, url: str, label: str) -> str:
        if len(url) > MAX_LINK_URL:
            # Cut short, a link is broken markup; the label and `foreman show` still say it.
            return escape(label) + " (link too long to show)"
        # Inside <url|label>, `|` and `>` would end the link: neither survives escaping.
        safe_url = escape(url).replace("|", "%7C")
        return f"<{safe_url}|{escape(label).replace('|', '¦')}>"

    def who(self, person: str) -> str:
        return escape(super().who(person))

    def bar(self, value: str) -> str:
        return f"`{value}`"
