"""What an error and its log say about a failure: the host, credential, permission, path…
that a concrete ask has to name. Extraction only ever sees redacted text, so nothing found
here can carry a secret into an ask.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Facts", "extract_facts"]


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about one failure; None where the error and log do not say."""

    pipeline: str
    client_id: str | None = None
    env_vars: tuple[str, ...] = ()
    host: str | None = None
    port: str | None = None
    permission: str | None = None
    slack_scope: str | None = None
    principal: str | None = None
    resource: str | None = None
    path: str | None = None
    retry_after_seconds: int | None = None
    memory_limit: str | None = None

    def env_var(self, *preferred: str) -> str | None:
        """The first environment variable named like one of `preferred`, in that order of
        preference; None rather than a variable of the wrong kind."""
        for word in preferred:
            for name in self.env_vars:
                if word in name:
                    return name
        return None

    @property
    def endpoint(self) -> str | None:
        if self.host and self.port:
            return f"{self.host}:{self.port}"
        return self.host


# The patterns that also run on the whole log start with a literal (or a choice of a few),
# which lets `re` skip through a large text quickly.
_CLIENT_ID = re.compile(
    r"(?:client|CLIENT|Client)[_-]?(?:id|ID|Id)\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?([\w.@-]+)"
)
# Found by its suffix, then extended leftwards in code, for the same reason.
_ENV_VAR_SUFFIX = re.compile(r"_(?:SECRET|TOKEN|KEY|PASSWORD|CREDENTIALS?|CLIENT_ID)(?![\w])")
_ENV_VAR_NAME = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_URL_HOST = re.compile(r"https?://(?:[^@/\s]*@)?([A-Za-z0-9][A-Za-z0-9.-]*)(?::(\d+))?")

# Host patterns, most specific first: the name a resolver or socket error quotes beats any
# URL that happens to be on the same line.
_HOSTS = tuple(
    re.compile(p)
    for p in (
        r"(?i:failed to resolve|could not resolve host:?|resolving) ['\"]?([\w.-]+\w)",
        r"(?i:lookup) ([\w.-]+\w)(?: on [\d.:]+)?: (?i:no such host)",
        r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN|failed for) ['\"]?([\w.-]+\w)",
        r"host=['\"]([\w.-]+)['\"](?:, port=(\d+))?",
        r"server at \"([\w.-]+)\",? port (\d+)",
        r"(?:ECONNREFUSED|ETIMEDOUT|dial tcp|connect to|connecting to) \[?([\w.-]+)\]?:(\d+)",
        r"\b(?i:host)[ =:]+['\"]?([A-Za-z0-9][\w-]*(?:\.[\w-]+)+)",
    )
)
_PERMISSIONS = tuple(
    re.compile(p)
    for p in (
        # GCP: Permission 'monitoring.timeSeries.create' denied / PermissionDenied: x.y.z
        r"(?i:permission(?:denied)?s?)\b[^\n]{0,40}?['\"]?([a-z][a-z0-9]*(?:\.[a-z][A-Za-z0-9]*){2,})",
        # AWS: is not authorized to perform: s3:PutObject
        r"not authorized to perform:? ([\w-]+:[\w*]+)",
        # Azure: does not have authorization to perform action 'Microsoft.Storage/…/read'
        r"authorization to perform action '([^']+)'",
        r"(?i:requires?|missing|lacks?) (?:the )?['\"]?([\w.:/-]+)['\"]? "
        r"(?i:permission|scope|role)",
        r"\b(roles/[\w.]+)",
    )
)
# Slack Web API: {"error": "missing_scope", "needed": "chat:write"}
_SLACK_SCOPE = re.compile(r"missing_scope[^\n]*?needed\\?['\"]?\s*[:=]\s*\\?['\"]?([\w:.,-]+\w)")
_PRINCIPALS = tuple(
    re.compile(p)
    for p in (
        r"([\w.+-]+@[\w-]+(?:\.[\w-]+)*\.iam\.gserviceaccount\.com)",
        r"User: (arn:aws:[\w:/+=,.@-]+) is not authorized",
        r"(?i:caller|principal|member|identity|service account|user)\W{1,3}([\w.+-]+@[\w.-]+\w)",
    )
)
_RESOURCES = (re.compile(r"(?i:on resource):? ['\"]?([^\s'\"()]+\w)"),)
_PATHS = (
    re.compile(r"['\"](/[^'\"\s]+)['\"]"),
    re.compile(r"(?:write|open|mkdir|create|copy|rename)\w* (/[\w.@+-]+(?:/[\w.@+-]+)*)"),
    re.compile(r"(?<![\w.:/])(/[\w.@+-]+(?:/[\w.@+-]+)+)"),
)
_RETRY_AFTER_HEADER = re.compile(r"(?i:retry[-_ ]after)\W{1,3}(\d+)")
_RETRY_IN = re.compile(
    r"(?:try again|retry|retrying) (?:in|after) (\d+(?:\.\d+)?) ?"
    r"(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)\b",
    re.IGNORECASE,
)
_MEMORY_LIMIT = re.compile(
    r"(?i:memory limit)(?: of| is|:)? ?(\d+(?:\.\d+)? ?(?:[KMGT]i?B?|bytes))"
)


def _search(patterns: Iterable[re.Pattern[str]], texts: Iterable[str]) -> re.Match[str] | None:
    # Every pattern on the first text before any on the next: a weaker pattern on the lines
    # that show the failure beats a stronger one elsewhere in the log.
    for text in texts:
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                return match
    return None


def _group(match: re.Match[str] | None, index: int = 1) -> str | None:
    if match is None or match.re.groups < index:
        return None
    return match.group(index)


def _env_vars(text: str) -> list[str]:
    names = []
    for match in _ENV_VAR_SUFFIX.finditer(text):
        start = match.start()
        while start > 0 and text[start - 1] in _ENV_VAR_NAME:
            start -= 1
        name = text[start : match.end()].lstrip("_0123456789")
        if name and name != match.group(0) and (start == 0 or not text[start - 1].isalnum()):
            names.append(name)
    return names


def _retry_after(text: str) -> int | None:
    header = _RETRY_AFTER_HEADER.search(text)
    if header:
        return int(header.group(1))
    phrase = _RETRY_IN.search(text)
    if phrase is None:
        return None
    amount, unit = float(phrase.group(1)), phrase.group(2).lower()
    if unit.startswith(("ms", "mil")):
        amount /= 1000
    elif unit.startswith("m"):
        amount *= 60
    return max(1, math.ceil(amount))


def extract_facts(pipeline: str, near: str, log: str = "") -> Facts:
    """Facts from `near` (the error and the lines that show the failure) and, for what is
    often stated elsewhere (client id, environment variables, the URL called), from the
    whole `log`. Both must be redacted."""
    wide = (near, log)
    host = _search(_HOSTS, (near,)) or _search((_URL_HOST,), wide)
    return Facts(
        pipeline=pipeline,
        client_id=_group(_search((_CLIENT_ID,), wide)),
        env_vars=tuple(dict.fromkeys([*_env_vars(near), *_env_vars(log)])),
        host=_group(host),
        port=_group(host, 2),
        permission=_group(_search(_PERMISSIONS, (near,))),
        slack_scope=_group(_SLACK_SCOPE.search(near)),
        principal=_group(_search(_PRINCIPALS, (near,))),
        resource=_group(_search(_RESOURCES, (near,))),
        path=_group(_search(_PATHS, (near,))),
        retry_after_seconds=_retry_after(near),
        memory_limit=_group(_MEMORY_LIMIT.search(near)),
    )
