from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from escalation.redact import is_secret_key, redact, redact_exception, redact_obj

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "redaction"
SECRETS: list[dict[str, str]] = json.loads((CORPUS / "secrets.json").read_text("utf-8"))
LOOKALIKES: list[dict[str, str]] = json.loads((CORPUS / "lookalikes.json").read_text("utf-8"))

SLACK_BOT = "xoxb-123456789012-1234567890123-FAKEbotTOKENfor0tests"


def _middle(secret: str) -> str:
    """The central half of a secret: what must not survive even a partial redaction."""
    quarter = len(secret) // 4
    return secret[quarter : len(secret) - quarter]


def test_corpus_is_big_enough_and_distinctive() -> None:
    assert len(SECRETS) >= 40
    assert len(LOOKALIKES) >= 20
    for case in SECRETS:
        assert case["secret"] in case["text"]
        assert len(_middle(case["secret"])) >= 3
        # The check below is only meaningful if the middle occurs once, inside the secret.
        assert case["text"].count(_middle(case["secret"])) == 1, case["kind"]


@pytest.mark.parametrize("case", SECRETS, ids=[f"{c['kind']}-{i}" for i, c in enumerate(SECRETS)])
def test_every_secret_is_gone_and_its_kind_is_named(case: dict[str, str]) -> None:
    out = redact(case["text"])
    assert case["secret"] not in out
    assert _middle(case["secret"]) not in out
    assert f"[redacted {case['kind']}]" in out


@pytest.mark.parametrize("case", LOOKALIKES, ids=[c["why"] for c in LOOKALIKES])
def test_lookalikes_come_back_byte_identical(case: dict[str, str]) -> None:
    assert redact(case["text"]) == case["text"]


@pytest.mark.parametrize("case", SECRETS, ids=[f"{c['kind']}-{i}" for i, c in enumerate(SECRETS)])
def test_redaction_is_idempotent(case: dict[str, str]) -> None:
    once = redact(case["text"])
    assert redact(once) == once


def test_context_around_a_secret_is_kept() -> None:
    assert redact("postgres://foreman:hunter2pw@db.internal:5432/app") == (
        "postgres://foreman:[redacted url-password]@db.internal:5432/app"
    )
    assert redact("Authorization: Bearer abc.def-123") == (
        "Authorization: Bearer [redacted bearer-token]"
    )
    assert redact(f"SLACK_BOT_TOKEN={SLACK_BOT} next") == (
        "SLACK_BOT_TOKEN=[redacted slack-bot-token] next"
    )


def test_a_whole_mixed_log_is_redacted_in_one_pass() -> None:
    rng = random.Random(7)
    filler = "2024-05-01T02:00:00Z INFO ingest batch=17 rows=420 status=ok"
    lines = [filler] * 10_000
    planted = rng.sample(range(len(lines)), len(SECRETS) + len(LOOKALIKES))
    for index, case in zip(planted, [*SECRETS, *LOOKALIKES], strict=True):
        lines[index] = case["text"]
    log = "\n".join(lines)
    out = redact(log)
    for case in SECRETS:
        assert _middle(case["secret"]) not in out, case["kind"]
    for case in LOOKALIKES:
        assert case["text"] in out, case["why"]
    assert redact(out) == out


def test_offsets_survive_text_whose_lower_case_is_longer() -> None:
    # "İ" lower-cases to two characters; the case-folded rules must still cut in the right
    # place.
    out = redact("İstanbul İİ password=hunter2pw Authorization: Basic ZGVwbG95OnB3 İ")
    assert out == (
        "İstanbul İİ password=[redacted password] Authorization: Basic [redacted basic-auth] İ"
    )


def test_empty_and_secret_free_text_is_returned_as_is() -> None:
    assert redact("") == ""
    text = "nothing to see here: 42 rows, 3 retries"
    assert redact(text) is text


def test_redact_obj_walks_structures_and_blanks_secret_named_keys() -> None:
    data: dict[str, Any] = {
        "Authorization": "Bearer abc.def-123",
        "api_key": "short",
        "X_CLIENT_SECRET": 12345,
        "token_count": 42,
        "client_secret_name": "prod-oauth",
        "password": None,
        "nested": [{"note": f"token {SLACK_BOT}"}, ("refresh_token", "plain tuple item")],
        "headers": {"X-Api-Key": "k-1", "Accept": "application/json"},
        "enabled_token": True,
    }
    out = redact_obj(data)
    assert out == {
        "Authorization": "[redacted authorization]",
        "api_key": "[redacted api-key]",
        "X_CLIENT_SECRET": "[redacted client-secret]",
        "token_count": 42,
        "client_secret_name": "prod-oauth",
        "password": None,
        "nested": [
            {"note": "token [redacted slack-bot-token]"},
            ("refresh_token", "plain tuple item"),
        ],
        "headers": {"X-Api-Key": "[redacted api-key]", "Accept": "application/json"},
        "enabled_token": True,
    }
    assert data["api_key"] == "short", "the input is not modified"


def test_secret_key_names() -> None:
    for name in ("password", "DB_PASSWORD", "client_secret", "API-KEY", "apiKey", "Cookie"):
        assert is_secret_key(name), name
    for name in ("token_count", "password_reset_url", "client_secret_name", "tokens", "key"):
        assert not is_secret_key(name), name


def test_redact_exception_renders_traceback_and_chained_cause_redacted() -> None:
    def connect() -> None:
        raise ConnectionError(f"auth.test failed for token {SLACK_BOT}")

    try:
        try:
            connect()
        except ConnectionError as inner:
            raise RuntimeError("could not post with password=hunter2pw") from inner
    except RuntimeError as exc:
        text = redact_exception(exc)

    assert "Traceback (most recent call last)" in text
    assert "in connect" in text
    assert "ConnectionError: auth.test failed for token [redacted slack-bot-token]" in text
    assert "RuntimeError: could not post with password=[redacted password]" in text
    assert "FAKEbotTOKEN" not in text
    assert "hunter2pw" not in text


def test_key_headers_without_an_end_line_redact_only_the_base64_after_them() -> None:
    block = "-----BEGIN PRIVATE KEY-----\nFAKEkeyBODYbase64xyz0123\nnot base64, kept\n"
    out = redact(block * 3_000)
    assert out == "[redacted private-key]\nnot base64, kept\n" * 3_000
