"""The catalogue of secret formats that `escalation.redact` removes.

Each rule names the *kind* of secret (shown in the marker so a reader still knows what was
there) and which part of the match is secret: context such as `password=` or `Bearer ` stays
readable. Rules run in order; specific formats come first so a token in `API_KEY=xoxb-…` is
reported as the Slack token it is, and the generic key/value rules that run later skip values
that are already markers.

Speed matters (a 1 MB log goes through every rule), and Python's `re` only skips quickly
through text when a pattern starts with a literal. Hence two conventions:

- "must not continue a longer token" is checked in code (`bounded`) instead of a leading
  look-behind, so prefixed formats keep their literal prefix;
- case-insensitive rules (`fold_case`) are written in lower case and run on a lower-cased
  copy of the text; `IGNORECASE` costs several times more. `fallback` is the `IGNORECASE`
  form, used when lower-casing changes the text's length and so the offsets.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass

MARKER_PREFIX = "[redacted "

# Characters that may continue a token; a secret must not be a fragment of a longer word.
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def marker(kind: str) -> str:
    return f"{MARKER_PREFIX}{kind}]"


KindOf = Callable[[re.Match[str]], str]


@dataclass(frozen=True, slots=True)
class Rule:
    """One secret format: where it is, what part of it is secret, and what to call it."""

    kind: str | KindOf
    pattern: re.Pattern[str]
    # Groups tried in order; the first that took part in the match is the secret.
    # Group 0 means the whole match.
    groups: tuple[int | str, ...]
    # Lower-case substrings of which at least one must occur for the rule to match at all;
    # most log records are short and contain none of them.
    needles: tuple[str, ...]
    accept: Callable[[str], bool] | None
    bounded: bool
    fold_case: bool
    fallback: re.Pattern[str] | None

    def kind_of(self, match: re.Match[str]) -> str:
        return self.kind if isinstance(self.kind, str) else self.kind(match)


def _rule(
    kind: str | KindOf,
    source: str,
    *,
    needles: tuple[str, ...],
    groups: tuple[int | str, ...] = (0,),
    accept: Callable[[str], bool] | None = None,
    bounded: bool = False,
    fold_case: bool = False,
    flags: int = 0,
) -> Rule:
    return Rule(
        kind=kind,
        pattern=re.compile(source, flags),
        groups=groups,
        needles=needles,
        accept=accept,
        bounded=bounded,
        fold_case=fold_case,
        fallback=re.compile(source, flags | re.IGNORECASE) if fold_case else None,
    )


_SLACK_KINDS = {
    "b": "slack-bot-token",
    "p": "slack-user-token",
    "a": "slack-workspace-token",
    "r": "slack-refresh-token",
    "s": "slack-session-token",
    "c": "slack-client-token",
    "e": "slack-refresh-token",
}


def _slack_kind(match: re.Match[str]) -> str:
    prefix = match.group("slack")
    return "slack-app-token" if prefix == "xapp" else _SLACK_KINDS[prefix[-1]]


_GITHUB_KINDS = {
    "ghp": "github-pat",
    "gho": "github-oauth-token",
    "ghu": "github-user-token",
    "ghs": "github-app-token",
    "ghr": "github-refresh-token",
    "git": "github-fine-grained-pat",
}


def _private_key_kind(match: re.Match[str]) -> str:
    label = match.group("label").strip().lower().replace(" ", "-")
    return f"{label}-private-key" if label else "private-key"


def _authorization_kind(match: re.Match[str]) -> str:
    scheme = (match.group("scheme") or "").lower()
    if scheme == "basic":
        return "basic-auth"
    return "bearer-token" if scheme else "authorization"


def _looks_like_basic_credentials(value: str) -> bool:
    # Prose such as "Basic configuration" must survive; real Basic credentials decode to
    # `user:password`.
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return ":" in decoded and decoded.isprintable()


# Values that stand in for a secret rather than being one; replacing them would only hide
# useful context ("password: null" says the password is missing).
_PLACEHOLDER = re.compile(
    r"(?i)(?:\*+|x{3,}|\.{3}|…|<[^>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{.*\}\}|%\(?\w*\)?s"
    r"|none|null|nil|true|false|undefined|redacted|\[redacted.*)"
)


def is_placeholder(value: str) -> bool:
    return not value.strip() or _PLACEHOLDER.fullmatch(value.strip()) is not None


def _is_real_value(value: str) -> bool:
    return not is_placeholder(value)


# Key names whose value is a secret, lower case, factored by first letter because the
# generic rules try this alternation at almost every position of the text. A key must *end*
# with one of these, so `token_count`, `password_reset_url` and `client_secret_name` are
# left alone.
SENSITIVE_NAME_WORDS = (
    r"(?:c(?:lient[_-]?secret|redentials?)"
    r"|s(?:ecret(?:[_-]?key(?:[_-]?base)?)?|igning[_-]?key)"
    r"|p(?:ass(?:word|wd|phrase)|rivate[_-]?key)"
    r"|a(?:ccess[_-]?key|pi[_-]?key|pikey)"
    r"|encryption[_-]?key|token)"
)
_KEY_NEEDLES = ("secret", "key", "pass", "token", "credential")
_KEY_NAME = re.compile(rf"(?i){SENSITIVE_NAME_WORDS}$|authorization$|cookie$")
# Marker kinds by key word with separators removed, so `API-KEY`, `api_key` and `apikey`
# all read `api-key`.
_KEY_KINDS = {
    "clientsecret": "client-secret",
    "credentials": "credential",
    "secretkey": "secret-key",
    "secretkeybase": "secret-key-base",
    "signingkey": "signing-key",
    "passwd": "password",
    "passphrase": "password",
    "privatekey": "private-key",
    "accesskey": "access-key",
    "apikey": "api-key",
    "encryptionkey": "encryption-key",
}


def is_secret_key(name: str) -> bool:
    """True for field names whose value is a secret: `password`, `X_CLIENT_SECRET`,
    `api-key`, `Authorization`; false for `token_count` or `client_secret_name`."""
    return _KEY_NAME.search(name) is not None


def kind_for_key(name: str) -> str:
    """`X_CLIENT_SECRET` → `client-secret`: the marker kind for a secret-named key."""
    found = _KEY_NAME.search(name)
    compact = re.sub(r"[_-]", "", (found.group(0) if found else name).lower())
    return _KEY_KINDS.get(compact, compact)


def _key_kind(match: re.Match[str]) -> str:
    return kind_for_key(match.group("key"))


# "Proxy-Authorization" ends with this too; a literal start keeps the search fast.
_AUTH_PREFIX = r"authorization\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?"
_TOKEN68 = r"[A-Za-z0-9._~+/-]+=*"
# An unquoted value ends at whitespace or at a character that delimits fields in query
# strings, connection strings, logfmt and code.
_UNQUOTED = r"(?![\"'\[=\\])[^\s&;,\"'`<>(){}\[\]]+"

RULES: tuple[Rule, ...] = (
    _rule(
        _private_key_kind,
        r"-----BEGIN (?P<label>(?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----"
        # The body cannot contain "-----", so it stops at the next armour line: a log full of
        # BEGIN lines without END costs one pass, not one scan of the rest per BEGIN.
        r"(?:(?:[^-]|-(?!----)){0,16000}+-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        # A log cut mid-key has no END line: then take the lines that follow while they are
        # wholly base64 (or PEM headers such as "Proc-Type: 4,ENCRYPTED"), and no further.
        r"|(?:(?:\r?\n|\\n)"
        r"(?:[A-Za-z0-9+/=]{8,}|(?:Proc-Type|DEK-Info|Comment): [^\r\n\\]*|)"
        r"(?=\r?\n|\\n|$))*)",
        needles=("private key",),
    ),
    _rule(
        "slack-webhook",
        # The scheme is left in place; starting at the host gives the search a literal.
        r"hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+",
        needles=("hooks.slack",),
    ),
    _rule(
        _slack_kind,
        r"(?P<slack>x(?:oxe\.xox[bp]|ox[abprsce]|app))-\d+-[A-Za-z0-9-]{8,}",
        needles=("xox", "xapp"),
        bounded=True,
    ),
    _rule(
        lambda m: _GITHUB_KINDS[m.group(0)[:3]],
        r"g(?:h[pousr]_[A-Za-z0-9]{36,251}|ithub_pat_[A-Za-z0-9_]{60,251})(?![A-Za-z0-9_])",
        needles=("gh", "github_pat_"),
        bounded=True,
    ),
    _rule("gitlab-token", r"glpat-[A-Za-z0-9_-]{20,}", needles=("glpat-",), bounded=True),
    _rule(
        "npm-token",
        r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_-])",
        needles=("npm_",),
        bounded=True,
    ),
    _rule("pypi-token", r"pypi-AgE[A-Za-z0-9_-]{50,}", needles=("pypi-",), bounded=True),
    _rule(
        "anthropic-key",
        r"sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{32,}",
        needles=("sk-ant-",),
        bounded=True,
    ),
    _rule(
        lambda m: "openai-project-key" if m.group("proj") else "openai-key",
        # Require a digit so slugs such as "sk-learn-getting-started-guide" are left alone.
        r"sk-(?:(?P<proj>proj)-|svcacct-|admin-)?(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{20,}",
        needles=("sk-",),
        bounded=True,
    ),
    _rule(
        lambda m: "stripe-secret-key" if m.group(0)[0] == "s" else "stripe-restricted-key",
        r"[sr]k_(?:live|test)_[A-Za-z0-9]{16,}",
        needles=("k_live_", "k_test_"),
        bounded=True,
    ),
    _rule(
        "stripe-webhook-secret",
        r"whsec_[A-Za-z0-9+/=]{24,}",
        needles=("whsec_",),
        bounded=True,
    ),
    _rule(
        "google-api-key",
        r"AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])",
        needles=("aiza",),
        bounded=True,
    ),
    _rule(
        "google-client-secret",
        r"GOCSPX-[A-Za-z0-9_-]{24,}",
        needles=("gocspx-",),
        bounded=True,
    ),
    _rule("google-oauth-token", r"ya29\.[A-Za-z0-9_-]{20,}", needles=("ya29.",), bounded=True),
    _rule(
        "aws-access-key-id",
        r"A(?:KIA|SIA)[A-Z2-7]{16}(?![A-Za-z0-9])",
        needles=("akia", "asia"),
        bounded=True,
    ),
    _rule(
        "aws-secret-access-key",
        r"secret_?access_?key\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?"
        r"(?P<v>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
        groups=("v",),
        needles=("access",),
        fold_case=True,
    ),
    _rule(
        "jwt",
        r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
        needles=("eyj",),
        bounded=True,
    ),
    _rule(
        "url-password",
        # After the token formats, so a GitHub token used as a URL password is named as
        # such. Starts at "://" rather than the scheme so the search has a literal to skip
        # to. The password may contain "@": the greedy class backtracks to the last "@"
        # before the host.
        r"://[^\s:/?#@\"'<>]*:(?!\[redacted )(?P<pw>[^\s/?#\"'<>]+)@(?=[\w\[])",
        groups=("pw",),
        needles=("://",),
    ),
    _rule(
        _authorization_kind,
        # Bearer/Basic credentials are one token68. Other schemes carry several
        # comma-separated fields, so the rest of the header goes. A bare credential (no
        # scheme) must look like a token, not like prose.
        rf"{_AUTH_PREFIX}(?:(?P<scheme>bearer|token|bot|basic)[ \t]+(?P<cred>{_TOKEN68})"
        r"|(?:digest|negotiate|ntlm|aws4-hmac-sha256|hmac[\w-]*)[ \t]+(?P<fields>[^\r\n]+)"
        r"|(?=[A-Za-z._~+/-]*\d)(?P<raw>[A-Za-z0-9._~+/-]{16,}=*))",
        groups=("cred", "fields", "raw"),
        needles=("authorization",),
        fold_case=True,
    ),
    _rule(
        "bearer-token",
        # Outside an Authorization header "Bearer" is often just English ("Bearer of bad
        # news"), so the token must be long and contain a digit.
        r"bearer[ \t]+(?!\[redacted )(?=[A-Za-z._~+/-]*\d)(?P<v>[A-Za-z0-9._~+/-]{16,}=*)",
        groups=("v",),
        needles=("bearer",),
        bounded=True,
        fold_case=True,
    ),
    _rule(
        "basic-auth",
        r"Basic[ \t]+(?P<v>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])",
        groups=("v",),
        needles=("basic",),
        accept=_looks_like_basic_credentials,
        bounded=True,
    ),
    _rule(
        _key_kind,
        # YAML and config lines: the whole rest of the line is the value, because a plain
        # YAML scalar may contain spaces ("password: correct horse battery staple").
        r"^[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?[\"']?[a-z0-9_.-]*?"
        rf"(?P<key>{SENSITIVE_NAME_WORDS})[\"']?[ \t]*:[ \t]+"
        r"(?![\"'\[|>])(?P<v>\S[^\r\n]*?)[ \t]*$",
        groups=("v",),
        needles=_KEY_NEEDLES,
        accept=_is_real_value,
        fold_case=True,
        flags=re.MULTILINE,
    ),
    _rule(
        _key_kind,
        # key=value, key: value, "key": "value", key := "value", and JSON escaped inside a
        # log line (\"key\": \"value\").
        rf"(?P<key>{SENSITIVE_NAME_WORDS})\\?[\"']?[ \t]*(?::=|=>|[:=])[ \t]*"
        r"(?:\"(?P<dq>(?:[^\"\\\r\n]|\\.)*)\"|'(?P<sq>(?:[^'\\\r\n]|\\.)*)'"
        rf"|\\\"(?P<esc>[^\"\r\n]*?)\\\"|(?P<bare>\$\{{[^}}\s]*\}}|{_UNQUOTED}))",
        groups=("dq", "sq", "esc", "bare"),
        needles=_KEY_NEEDLES,
        accept=_is_real_value,
        fold_case=True,
    ),
)
