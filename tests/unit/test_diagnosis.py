from __future__ import annotations

import re
from dataclasses import dataclass

import pydantic
import pytest

from escalation.diagnosis import Diagnosis, diagnose, summarise_lines
from escalation.failure_catalogue import CATALOGUE
from escalation.text_scan import fold, line_spans, literal_alternation
from tracker.states import AskKind

SLACK_BOT = "xoxb-123456789012-1234567890123-FAKEbotTOKENfor0tests"


@dataclass(frozen=True)
class Case:
    error: str
    signature: str
    kind: str
    action: str
    log: str | None = None
    transient: bool = False
    retry_after: int | None = None


CASES = [
    Case(
        '{"error":"invalid_client","error_description":"Client authentication failed"}',
        "oauth_invalid_client",
        "credential",
        "Rotate the OAuth client secret used by x-bookmarks (client_id abc) and update "
        "X_CLIENT_SECRET",
        log="POST https://api.x.test/2/oauth2/token client_id=abc\n"
        "env: X_CLIENT_ID, X_CLIENT_SECRET\nHTTP 401 invalid_client",
    ),
    Case(
        "google.auth.exceptions.RefreshError: ('invalid_grant: Token has been expired or "
        "revoked.', {'error': 'invalid_grant'})",
        "oauth_invalid_grant",
        "credential",
        "Re-authorise x-bookmarks to mint a new refresh token and update X_REFRESH_TOKEN",
        log="loaded X_CLIENT_SECRET and X_REFRESH_TOKEN from the environment",
    ),
    Case(
        "httpx.HTTPStatusError: Client error '401 Unauthorized' for url "
        "'https://api.pinboard.test/v1/posts'",
        "http_unauthorized",
        "credential",
        "Issue a new credential for x-bookmarks on api.pinboard.test and update PINBOARD_API_TOKEN",
        log="using PINBOARD_API_TOKEN",
    ),
    Case(
        "google.api_core.exceptions.PermissionDenied: 403 Permission "
        "'monitoring.timeSeries.create' denied on resource 'projects/acme-prod' for "
        "principal runner@acme-prod.iam.gserviceaccount.com",
        "permission_denied",
        "permission",
        "Grant monitoring.timeSeries.create to runner@acme-prod.iam.gserviceaccount.com on "
        "projects/acme-prod (needed by x-bookmarks)",
    ),
    Case(
        "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the "
        "PutObject operation: User: arn:aws:iam::123456789012:user/ingest is not authorized "
        "to perform: s3:PutObject on resource: arn:aws:s3:::acme-exports/latest.csv",
        "permission_denied",
        "permission",
        "Grant s3:PutObject to arn:aws:iam::123456789012:user/ingest on "
        "arn:aws:s3:::acme-exports/latest.csv (needed by x-bookmarks)",
    ),
    Case(
        "slack_sdk.errors.SlackApiError: The server responded with: {'ok': False, 'error': "
        "'missing_scope', 'needed': 'chat:write', 'provided': 'channels:read'}",
        "permission_denied",
        "permission",
        "Add the chat:write scope to the Slack app x-bookmarks uses and reinstall it",
    ),
    Case(
        "PermissionError: [Errno 13] Permission denied: '/srv/exports/today.csv'",
        "fs_permission_denied",
        "access",
        "Give the user x-bookmarks runs as access to /srv/exports/today.csv",
    ),
    Case(
        "httpx.HTTPStatusError: Client error '429 Too Many Requests' for url "
        "'https://api.x.test/2/users/1/bookmarks'",
        "rate_limited",
        "decision",
        "raise the quota of x-bookmarks on api.x.test",
        log="< HTTP/1.1 429 Too Many Requests\n< Retry-After: 900",
        transient=True,
        retry_after=900,
    ),
    Case(
        "RESOURCE_EXHAUSTED: Quota exceeded for quota metric 'Read requests'",
        "rate_limited",
        "decision",
        "raise the quota of x-bookmarks",
        transient=True,
        retry_after=60,
    ),
    Case(
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.x.test', "
        "port=443): Max retries exceeded with url: /2/oauth2/token (Caused by "
        "NameResolutionError(\"Failed to resolve 'api.x.test' ([Errno -3] Temporary "
        'failure in name resolution)"))',
        "dns_failure",
        "access",
        "Check that api.x.test is the right name and resolves where x-bookmarks runs",
        transient=True,
        retry_after=300,
    ),
    Case(
        "socket.gaierror: [Errno -2] Name or service not known",
        "dns_failure",
        "access",
        "Check that db.internal.test is the right name",
        log="connecting to host db.internal.test\nsocket.gaierror: [Errno -2] Name or "
        "service not known",
        transient=True,
        retry_after=300,
    ),
    Case(
        "Error: getaddrinfo ENOTFOUND hooks.partner.test",
        "dns_failure",
        "access",
        "Check that hooks.partner.test is the right name",
        transient=True,
        retry_after=300,
    ),
    Case(
        "lookup api.gone.test on 10.0.0.2:53: no such host (NXDOMAIN)",
        "dns_failure",
        "access",
        "Check that api.gone.test is the right name",
        transient=True,
        retry_after=300,
    ),
    Case(
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: certificate has expired (_ssl.c:1006) for https://legacy.acme.test/feed",
        "tls_certificate_expired",
        "credential",
        "Renew the TLS certificate of legacy.acme.test",
    ),
    Case(
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: self-signed certificate in certificate chain (https://intranet.acme.test/)",
        "tls_verification_failed",
        "access",
        "Fix the certificate chain served by intranet.acme.test",
    ),
    Case(
        "OSError: [Errno 28] No space left on device: '/var/lib/ingest/part-0001.parquet'",
        "disk_full",
        "decision",
        "Free space on or grow the volume holding /var/lib/ingest/part-0001.parquet",
    ),
    Case(
        "Error: ENOSPC: no space left on device, write",
        "disk_full",
        "decision",
        "Free space on or grow the disk it writes to on the host that runs x-bookmarks",
    ),
    Case(
        "httpx.ReadTimeout: The read operation timed out",
        "timeout",
        "decision",
        "check the health of slow.acme.test",
        log="GET https://slow.acme.test/export\nhttpx.ReadTimeout: The read operation timed out",
        transient=True,
        retry_after=120,
    ),
    Case(
        "grpc: DEADLINE_EXCEEDED: Deadline Exceeded",
        "timeout",
        "decision",
        "raise the timeout of x-bookmarks",
        transient=True,
        retry_after=120,
    ),
    Case(
        'psycopg.OperationalError: connection to server at "10.0.3.17", port 5432 failed: '
        "Connection refused",
        "connection_refused",
        "access",
        "Check that 10.0.3.17:5432 is running and accepts connections from x-bookmarks",
        transient=True,
        retry_after=60,
    ),
    Case(
        "Error: connect ECONNREFUSED 127.0.0.1:6379",
        "connection_refused",
        "access",
        "Check that 127.0.0.1:6379 is running",
        transient=True,
        retry_after=60,
    ),
    Case(
        "Container x-bookmarks was OOMKilled (exit code 137), memory limit 512Mi",
        "oom_killed",
        "decision",
        "Raise the memory limit of x-bookmarks (now 512Mi)",
    ),
    Case(
        "exit status 1",
        "oom_killed",
        "decision",
        "Raise the memory limit of x-bookmarks",
        log="[12345.678] Out of memory: Killed process 4242 (python3) total-vm:8123456kB",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.signature}-{i}" for i, c in enumerate(CASES)])
def test_known_failures(case: Case) -> None:
    result = diagnose("x-bookmarks", case.error, case.log)
    assert result.signature == case.signature
    assert result.kind == case.kind
    assert case.action in result.action
    assert result.transient is case.transient
    assert result.retry_after_seconds == case.retry_after
    assert result.cause.endswith(".")
    assert result.evidence


def test_every_catalogue_entry_is_exercised() -> None:
    assert {entry.signature for entry in CATALOGUE} == {case.signature for case in CASES}


def test_catalogue_kinds_are_ask_kinds_and_credentials_are_not_transient() -> None:
    for entry in CATALOGUE:
        assert entry.kind in set(AskKind)
        if entry.kind in {AskKind.CREDENTIAL, AskKind.PERMISSION}:
            assert not entry.transient, entry.signature


def test_unknown_error_asks_for_investigation_naming_pipeline_and_first_line() -> None:
    error = "\n  ValueError: unexpected column 'amount_usd' in batch 42\n  at line 3"
    log = "INFO start\nERROR batch 42 rejected\nINFO retrying\nERROR batch 42 rejected"
    result = diagnose("nightly-ingest", error, log)
    assert result.signature == "unknown"
    assert result.kind == "decision"
    assert "not in" in result.cause and "catalogue" in result.cause
    assert result.action == (
        "Investigate nightly-ingest: ValueError: unexpected column 'amount_usd' in batch 42"
    )
    assert not result.transient
    assert result.retry_after_seconds is None
    assert result.evidence == '2 × "ERROR batch 42 rejected"'
    assert result.match_count == 2


def test_evidence_counts_repeats_and_is_redacted() -> None:
    log = "\n".join(
        f"2024-05-0{day}T02:00:{second:02d}Z ERROR PermissionDenied: "
        "monitoring.timeSeries.create (token " + SLACK_BOT + ")"
        for day in (1, 2, 3)
        for second in range(14)
    )
    log += "\n2024-05-01T02:00:59Z INFO export finished with 0 points"
    result = diagnose("nightly-ingest", "exit status 1", log)
    assert result.signature == "permission_denied"
    assert result.match_count == 42
    assert result.evidence == (
        '42 × "ERROR PermissionDenied: monitoring.timeSeries.create '
        '(token [redacted slack-bot-token])"'
    )
    assert "FAKEbotTOKEN" not in str(result.to_dict())


def test_secrets_never_reach_cause_action_or_evidence() -> None:
    error = "invalid_client for client_id=abc client_secret=FAKEsecretVALUE123"
    log = f"X_CLIENT_SECRET=FAKEsecretVALUE123\nAuthorization: Bearer {SLACK_BOT}\n{error}"
    result = diagnose("x-bookmarks", error, log)
    assert result.signature == "oauth_invalid_client"
    dumped = str(result.to_dict())
    assert "FAKEsecretVALUE123" not in dumped
    assert "FAKEbotTOKEN" not in dumped


def test_evidence_is_bounded_in_lines_and_characters() -> None:
    lines = [f"ERROR failure kind {chr(65 + i % 26) * (i + 1)} happened" for i in range(60)]
    text = summarise_lines(lines)
    assert len(text.splitlines()) <= 20
    assert len(text) <= 2000
    assert text.splitlines()[-1].startswith("… and ")
    long_lines = ["ERROR " + "x" * 5000 + f" {chr(65 + i)}" for i in range(10)]
    text = summarise_lines(long_lines)
    assert len(text) <= 2000
    assert text.splitlines()[0].endswith("…")
    assert text.splitlines()[-1].startswith("… and ")


def test_summary_of_few_lines_lists_them_all() -> None:
    assert summarise_lines(["a", "", "b", "a"]) == '2 × "a"\nb'


def test_error_line_repeated_in_the_log_is_counted_once() -> None:
    error = "HTTP 401 Unauthorized from https://api.pinboard.test/v1"
    result = diagnose("bookmarks", error, f"INFO start\n{error}")
    assert result.match_count == 1


def test_generic_error_is_keyed_by_the_log_line_that_explains_it() -> None:
    oom = diagnose("job", "exit status 1", "Out of memory: Killed process 42 (python3)")
    disk = diagnose("job", "exit status 1", "OSError: [Errno 28] No space left on device")
    assert oom.dedupe_key != disk.dedupe_key
    again = diagnose("job", "exit status 1", "Out of memory: Killed process 977 (python3)")
    assert again.dedupe_key == oom.dedupe_key


def test_diagnosis_is_frozen_and_serialisable() -> None:
    result = diagnose("x-bookmarks", "HTTP 429 Too Many Requests; Retry-After: 37")
    assert result.retry_after_seconds == 37
    data = result.to_dict()
    assert data["signature"] == "rate_limited"
    assert Diagnosis(**data) == result
    with pytest.raises(pydantic.ValidationError):
        result.action = "something else"  # type: ignore[misc]


def test_unknown_traceback_is_named_by_its_exception_line() -> None:
    error = (
        "Traceback (most recent call last):\n"
        '  File "/srv/app/run.py", line 12, in <module>\n'
        "    main()\n"
        "ZeroDivisionError: division by zero"
    )
    result = diagnose("nightly-ingest", error)
    assert result.signature == "unknown"
    assert result.action == "Investigate nightly-ingest: ZeroDivisionError: division by zero"


def test_a_large_log_is_diagnosed_from_its_failing_lines() -> None:
    filler = "2024-05-01T02:00:00Z INFO ingest batch=17 rows=420 status=ok timeout_s=30\n"
    log = (
        filler * 2_000
        + "2024-05-01T02:10:00Z DEBUG connecting to api.partner.test\n"
        + "2024-05-01T02:10:01Z ERROR getaddrinfo failed for api.partner.test\n"
        + filler * 2_000
    )
    result = diagnose("partner-sync", "exit status 1", log)
    assert result.signature == "dns_failure"
    assert result.match_count == 1
    assert result.evidence == "ERROR getaddrinfo failed for api.partner.test"
    assert "api.partner.test" in result.action


def test_literal_alternation_matches_exactly_the_words() -> None:
    pattern = re.compile(literal_alternation(["timeout", "timeouts", "timed out", "429"]))
    text = "a timeouts b timed out c 429 d timeou e time out"
    assert [m.group(0) for m in pattern.finditer(text)] == ["timeouts", "timed out", "429"]


def test_line_spans_report_each_line_once_and_honour_the_confirmation() -> None:
    text = "ok\n429 429 throttled\nrows=429\nHTTP 429\n"
    folded = fold(text)
    trigger = re.compile(literal_alternation(["429"]))
    spans = line_spans(folded, trigger)
    assert [text[s:e] for s, e in spans] == ["429 429 throttled", "rows=429", "HTTP 429"]
    confirmed = line_spans(folded, trigger, re.compile(r"http 429"))
    assert [text[s:e] for s, e in confirmed] == ["HTTP 429"]


def test_fold_keeps_offsets_when_lower_case_is_longer() -> None:
    text = "İ HTTP 429"
    assert len(fold(text)) == len(text)
    assert fold(text).endswith("http 429")
