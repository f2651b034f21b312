"""Known failure signatures and the concrete ask each one becomes.

Entries are ordered most specific first: an OAuth `invalid_client` also arrives as an HTTP
401, and a DNS failure or a refused connection is often reported next to a timeout, so the
first entry that matches wins.
Triggers and patterns are lower case and run on lower-cased text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from escalation.failure_facts import Facts
from escalation.text_scan import line_spans, literal_alternation
from tracker.states import AskKind

__all__ = ["CATALOGUE", "KnownFailure", "first_failure"]


@dataclass(frozen=True, slots=True)
class KnownFailure:
    signature: str
    kind: AskKind
    # Literal substrings that a line showing this failure contains. Searching for them
    # first and confirming with the precise pattern only on those lines keeps a 1 MB log
    # cheap: Python's `re` is slow at trying an alternation of phrases at every position.
    triggers: tuple[str, ...]
    trigger: re.Pattern[str]
    # Run on the candidate line; None when a trigger hit is proof enough.
    confirm: re.Pattern[str] | None
    transient: bool
    retry_after_seconds: int | None
    # (cause, action) from what the error and log say.
    explain: Callable[[Facts], tuple[str, str]]

    def spans_in(self, folded: str) -> list[tuple[int, int]]:
        """(start, end) of each line that shows this failure; `folded` is `fold(text)`."""
        return line_spans(folded, self.trigger, self.confirm)


def _client(f: Facts) -> str:
    return f" (client_id {f.client_id})" if f.client_id else ""


def _invalid_client(f: Facts) -> tuple[str, str]:
    target = f.env_var("CLIENT_SECRET", "SECRET") or f"the secret where {f.pipeline} reads it"
    return (
        f"The OAuth server rejected the client credentials of {f.pipeline} (invalid_client): "
        "the client secret is wrong, rotated or revoked, or the client was deleted.",
        f"Rotate the OAuth client secret used by {f.pipeline}{_client(f)} and update {target}",
    )


def _invalid_grant(f: Facts) -> tuple[str, str]:
    target = f.env_var("REFRESH_TOKEN", "TOKEN") or "the refresh token it stores"
    return (
        f"The refresh token {f.pipeline} uses was rejected (invalid_grant): it expired, was "
        "revoked, or the consent behind it was withdrawn.",
        f"Re-authorise {f.pipeline}{_client(f)} to mint a new refresh token and update {target}",
    )


def _unauthorized(f: Facts) -> tuple[str, str]:
    service = f.host or "the service it calls"
    target = f.env_var("TOKEN", "API_KEY", "KEY", "SECRET", "PASSWORD", "CREDENTIAL")
    update = f" and update {target}" if target else " and update it where the job reads it"
    return (
        f"The credential {f.pipeline} presents to {service} is rejected (401): it is "
        "missing, expired or revoked.",
        f"Issue a new credential for {f.pipeline} on {service}{update}",
    )


def _permission_denied(f: Facts) -> tuple[str, str]:
    if f.slack_scope:
        return (
            f"The Slack token {f.pipeline} uses lacks the {f.slack_scope} scope (missing_scope).",
            f"Add the {f.slack_scope} scope to the Slack app {f.pipeline} uses and reinstall "
            "it to the workspace",
        )
    who = f.principal or f"the identity {f.pipeline} runs as"
    where = f" on {f.resource}" if f.resource else (f" on {f.host}" if f.host else "")
    if f.permission:
        return (
            f"{f.pipeline} is authenticated but lacks {f.permission}{where}.",
            f"Grant {f.permission} to {who}{where} (needed by {f.pipeline})",
        )
    return (
        f"{f.pipeline} is authenticated but not allowed to do what it attempted{where}; the "
        "error does not name the permission.",
        f"Find the permission {f.pipeline} is denied{where} and grant it to {who}",
    )


def _fs_permission_denied(f: Facts) -> tuple[str, str]:
    path = f.path or "the file it reported"
    return (
        f"The operating system refused {f.pipeline} access to {path} (EACCES).",
        f"Give the user {f.pipeline} runs as access to {path} (ownership or mode)",
    )


def _rate_limited(f: Facts) -> tuple[str, str]:
    service = f.host or "the service it calls"
    return (
        f"{f.pipeline} is being rate-limited by {service} (429 / quota exhausted).",
        "Nothing while retries succeed; if it keeps failing, raise the quota of "
        f"{f.pipeline} on {service} or lower its request rate",
    )


def _dns(f: Facts) -> tuple[str, str]:
    host = f.host or "the host it calls"
    return (
        f"{f.pipeline} could not resolve {host} (DNS).",
        f"Check that {host} is the right name and resolves where {f.pipeline} runs "
        "(DNS record, resolver, VPN)",
    )


def _tls_expired(f: Facts) -> tuple[str, str]:
    host = f.host or f"the server {f.pipeline} connects to"
    return (
        f"The TLS certificate presented by {host} has expired, so {f.pipeline} refuses "
        "the connection.",
        f"Renew the TLS certificate of {host}",
    )


def _tls_verify(f: Facts) -> tuple[str, str]:
    host = f.host or f"the server {f.pipeline} connects to"
    return (
        f"{f.pipeline} cannot verify the TLS certificate of {host} (unknown issuer, "
        "self-signed or incomplete chain).",
        f"Fix the certificate chain served by {host}, or add its issuing CA to the trust "
        f"store {f.pipeline} uses",
    )


def _disk_full(f: Facts) -> tuple[str, str]:
    where = f"the volume holding {f.path}" if f.path else "the disk it writes to"
    return (
        f"{f.pipeline} ran out of disk space (ENOSPC) writing to {where}.",
        f"Free space on or grow {where} on the host that runs {f.pipeline}",
    )


def _timeout(f: Facts) -> tuple[str, str]:
    service = f.endpoint or "the service it calls"
    return (
        f"{f.pipeline} timed out waiting for {service}.",
        "Nothing while retries succeed; if it keeps timing out, check the health of "
        f"{service} or raise the timeout of {f.pipeline}",
    )


def _refused(f: Facts) -> tuple[str, str]:
    service = f.endpoint or "the service it connects to"
    return (
        f"Nothing accepted the connection {f.pipeline} opened to {service} (connection refused).",
        f"Check that {service} is running and accepts connections from {f.pipeline}",
    )


def _oom(f: Facts) -> tuple[str, str]:
    limit = f" (now {f.memory_limit})" if f.memory_limit else ""
    return (
        f"{f.pipeline} ran out of memory and was killed.",
        f"Raise the memory limit of {f.pipeline}{limit} or make it process its input in "
        "smaller pieces",
    )


def _entry(
    signature: str,
    kind: AskKind,
    triggers: tuple[str, ...],
    explain: Callable[[Facts], tuple[str, str]],
    confirm: str | None = None,
    retry_after_seconds: int | None = None,
) -> KnownFailure:
    return KnownFailure(
        signature=signature,
        kind=kind,
        triggers=triggers,
        trigger=re.compile(literal_alternation(triggers)),
        confirm=re.compile(confirm) if confirm else None,
        transient=retry_after_seconds is not None,
        retry_after_seconds=retry_after_seconds,
        explain=explain,
    )


# An HTTP status is only a status next to a word that says so: "rows=401" is not a 401.
_STATUS = r"(?:http(?:/[\d.]+)?|status|code|error|response)\W{{1,3}}{0}\b|\b{0} {1}"

CATALOGUE: tuple[KnownFailure, ...] = (
    _entry(
        "oauth_invalid_client",
        AskKind.CREDENTIAL,
        ("invalid_client", "unauthorized_client", "client authentication failed"),
        _invalid_client,
    ),
    _entry(
        "oauth_invalid_grant",
        AskKind.CREDENTIAL,
        ("invalid_grant", "token has been expired or revoked", "refresh token", "refresh_token"),
        _invalid_grant,
        confirm=r"invalid_grant|token has been expired or revoked"
        r"|refresh[ _]token (?:is )?(?:invalid|expired|revoked)",
    ),
    _entry(
        "tls_certificate_expired",
        AskKind.CREDENTIAL,
        ("certificate has expired", "certificate expired", "cert_has_expired"),
        _tls_expired,
    ),
    _entry(
        "tls_verification_failed",
        AskKind.ACCESS,
        (
            "certificate_verify_failed",
            "certificate verify failed",
            "self-signed certificate",
            "self signed certificate",
            "unable to get local issuer certificate",
            "certificate signed by unknown authority",
            "hostname mismatch",
            "sslcertverificationerror",
        ),
        _tls_verify,
    ),
    _entry(
        "dns_failure",
        AskKind.ACCESS,
        (
            "name or service not known",
            "getaddrinfo failed",
            "getaddrinfo enotfound",
            "getaddrinfo eai_again",
            "nxdomain",
            "temporary failure in name resolution",
            "no such host",
            "could not resolve host",
            "failed to resolve",
            "nodename nor servname",
        ),
        _dns,
        retry_after_seconds=300,
    ),
    _entry(
        "disk_full",
        AskKind.DECISION,
        ("no space left on device", "enospc", "disk quota exceeded"),
        _disk_full,
    ),
    _entry(
        "oom_killed",
        AskKind.DECISION,
        (
            "oomkilled",
            "out of memory",
            "memoryerror",
            "killed process",
            "exit code 137",
            "cannot allocate memory",
            "oom-kill",
        ),
        _oom,
        confirm=r"oomkilled|out of memory|memoryerror|killed process \d+|exit code 137"
        r"|cannot allocate memory|oom-kill",
    ),
    _entry(
        "rate_limited",
        AskKind.DECISION,
        (
            "429",
            "too many requests",
            "rate limit",
            "rate-limit",
            "rate_limit",
            "ratelimit",
            "resource_exhausted",
            "quota exceeded",
            "throttl",
        ),
        _rate_limited,
        confirm=_STATUS.format("429", "too many")
        + r"|too many requests|rate[- _]?limit(?:ed|ing|_exceeded| exceeded| reached| hit)"
        r"|ratelimited|resource_exhausted|quota exceeded|throttl",
        retry_after_seconds=60,
    ),
    _entry(
        "fs_permission_denied",
        AskKind.ACCESS,
        ("errno 13", "eacces", "permissionerror", "permission denied"),
        _fs_permission_denied,
        confirm=r"\[errno 13\] permission denied|\beacces\b|permissionerror"
        r"|permission denied: '/|/[^\s:]+: permission denied",
    ),
    _entry(
        "permission_denied",
        AskKind.PERMISSION,
        (
            "403",
            "forbidden",
            "permission",
            "access denied",
            "accessdenied",
            "not authorized to perform",
            "does not have",
            "insufficient",
            "missing_scope",
        ),
        _permission_denied,
        confirm=_STATUS.format("403", "forbidden")
        + r"|\bforbidden\b|permission[_ ]?denied|access ?denied|not authorized to perform"
        r"|does not have (?:the )?(?:required )?(?:permission|authorization)"
        r"|insufficient (?:permission|scope)|missing_scope",
    ),
    _entry(
        "http_unauthorized",
        AskKind.CREDENTIAL,
        (
            "401",
            "unauthori",
            "unauthenticated",
            "invalid_",
            "invalid ",
            "authentication failed",
            "bad credentials",
            "not_authed",
            "token_revoked",
            "token_expired",
            "account_inactive",
        ),
        _unauthorized,
        confirm=_STATUS.format("401", "unauthori") + r"|\bunauthori[sz]ed\b|unauthenticated"
        r"|invalid[_ ](?:api[_ ]?key|token|credentials|auth)\b|authentication failed"
        r"|bad credentials|not_authed|token_revoked|token_expired|account_inactive",
    ),
    _entry(
        "connection_refused",
        AskKind.ACCESS,
        ("connection refused", "econnrefused", "errno 111]"),
        _refused,
        retry_after_seconds=60,
    ),
    _entry(
        "timeout",
        AskKind.DECISION,
        ("timed out", "timeout", "deadline exceeded", "deadline_exceeded", "etimedout"),
        _timeout,
        retry_after_seconds=120,
    ),
)


# Any entry's trigger: one pass over a large log finds every candidate line, and only those
# lines are checked entry by entry.
_ANY_TRIGGER = re.compile(literal_alternation([t for entry in CATALOGUE for t in entry.triggers]))


def first_failure(folded: str) -> tuple[KnownFailure, list[tuple[int, int]]] | None:
    """The first catalogue entry (in catalogue order) that `folded` shows, with the spans of
    the lines that show it."""
    found: dict[str, list[tuple[int, int]]] = {}
    for start, end in line_spans(folded, _ANY_TRIGGER):
        line = folded[start:end]
        for entry in CATALOGUE:
            if entry.trigger.search(line) and (entry.confirm is None or entry.confirm.search(line)):
                found.setdefault(entry.signature, []).append((start, end))
    return next(
        ((entry, found[entry.signature]) for entry in CATALOGUE if entry.signature in found),
        None,
    )
