"""From a message to the master ticket's words: the request as written, and a short title."""

from __future__ import annotations

import re

TITLE_LIMIT = 80
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<!(?:channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^[A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]+))?>")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def request_text(message: str, bot_user_id: str | None = None) -> str:
    """The request with the bot's own mention removed; everything else kept as written."""
    text = message
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", "", text)
    return text.strip()


def title_for(request: str, limit: int = TITLE_LIMIT) -> str:
    """A one-line title: the first sentence, with Slack markup flattened, shortened."""
    text = _SPECIAL.sub("", request)
    text = _MENTION.sub("someone", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    sentence = _SENTENCE_END.split(first_line, maxsplit=1)[0]
    title = _SPACE.sub(" ", sentence).strip(" .") or "Untitled request"
    title = title[0].upper() + title[1:]
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else title[: limit - 1]).rstrip(",;: ") + "…"


def is_actionable_text(request: str) -> bool:
    """Anything at all to work on? (An empty mention gets help, not a ticket.)"""
    return bool(re.search(r"\w", _MENTION.sub("", _SPECIAL.sub("", request))))
