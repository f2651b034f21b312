"""A WebClient that redacts secrets from everything it would show people in Slack.

One choke point instead of one call per listener: a message, an update, an ephemeral note or
a modal built from an exception's text or a worker's evidence cannot carry a token out.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.web.slack_response import SlackResponse

from escalation.redact import redact

# Methods whose arguments people read; others (auth.test, usergroups.*) pass untouched.
_SHOWN = ("chat.", "views.")


def _redact_strings(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_strings(v) for v in value]
    return value


class RedactingWebClient(WebClient):
    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> SlackResponse:
        if api_method.startswith(_SHOWN):
            data = _redact_strings(data)
            params = _redact_strings(params)
            json = _redact_strings(json)
        return super().api_call(
            api_method,
            http_verb=http_verb,
            files=files,
            data=data,
            params=params,
            json=json,
            headers=headers,
            auth=auth,
        )
