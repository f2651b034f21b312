from __future__ import annotations

from escalation.signature import error_signature, normalise_error

NIGHTS = [
    "2024-05-01T02:00:03.123Z ERROR export failed: PermissionDenied: 403 Permission "
    "'monitoring.timeSeries.create' denied on resource 'projects/acme-prod-123' "
    "request_id=8f3a2c1e-1111-4c2b-9d9e-0123456789ab after 3.2s from 10.0.3.17",
    "2024-05-02T02:00:07.981Z ERROR export failed: PermissionDenied: 403 Permission "
    "'monitoring.timeSeries.create' denied on resource 'projects/acme-prod-123' "
    "request_id=0b1c2d3e-2222-4c2b-9d9e-ba9876543210 after 12.9s from 10.0.3.18",
    "2024-05-03T02:00:01Z ERROR export failed: PermissionDenied: 403 Permission "
    "'monitoring.timeSeries.create' denied on resource 'projects/acme-prod-123' "
    "request_id=77aa88bb-3333-4c2b-9d9e-aabbccddeeff after 0.4s from 10.0.4.2",
]


def test_the_same_failure_three_nights_running_has_one_key() -> None:
    keys = {error_signature("nightly-ingest", error) for error in NIGHTS}
    assert len(keys) == 1


def test_variable_parts_are_replaced() -> None:
    cases = {
        "OSError: [Errno 28] No space left on device: '/var/tmp/tmpa8f3k2/part-00017.parquet'": (
            "oserror: [errno <n>] no space left on device: <q>"
        ),
        "write /var/lib/ingest/2024-05-01/run-17.log: no space left on device": (
            "write /var/lib/ingest/<ts>/*: no space left on device"
        ),
        "object at 0x7f3a9c2b1d90 failed; commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39": (
            "object at <hex> failed; commit <id>"
        ),
        "dial tcp [fe80::1ff:fe23:4567:890a]:5432 and 192.168.1.20:6379 refused": (
            "dial tcp [<ip>]:<n> and <ip> refused"
        ),
        "Wed, 01 May 2024 02:00:00 GMT: took 31s, 3 of 10 rows": (
            "<date> <date> <ts> gmt: took <n>s, <n> of <n> rows"
        ),
    }
    for error, normalised in cases.items():
        assert normalise_error(error) == normalised, error


def test_different_failures_have_different_keys() -> None:
    errors = [
        '{"error": "invalid_client", "error_description": "Unauthorized"}',
        '{"error": "invalid_grant", "error_description": "Token has been expired"}',
        "HTTP 401 Unauthorized",
        "HTTP 403 Forbidden",
        "HTTP 429 Too Many Requests",
        "PermissionDenied: Permission 'monitoring.timeSeries.create' denied",
        "PermissionDenied: Permission 'storage.objects.get' denied",
        "KeyError: 'user_id'",
        "KeyError: 'email'",
    ]
    keys = [error_signature("job", error) for error in errors]
    assert len(set(keys)) == len(errors)


def test_pipeline_is_part_of_the_key() -> None:
    assert error_signature("a", "HTTP 500") != error_signature("b", "HTTP 500")
    assert error_signature(" Nightly-Ingest ", "x") == error_signature("nightly-ingest", "x")


def test_keys_are_lower_case_and_hold_no_secret() -> None:
    key = error_signature(
        "job", "Auth failed for TOKEN xoxb-123456789012-1234567890123-FAKEbotTOKENfor0tests"
    )
    assert key == "job:auth failed for token [redacted slack-bot-token]"


def test_long_errors_keep_a_readable_head_and_a_digest_of_the_whole() -> None:
    frames = "\n".join(f'  File "/srv/app/mod{i}.py", line {i}, in f{i}' for i in range(40))
    first = error_signature("job", f"Traceback (most recent call last):\n{frames}\nValueError: a")
    second = error_signature("job", f"Traceback (most recent call last):\n{frames}\nValueError: b")
    assert first.startswith("job:traceback (most recent call last):")
    assert len(first) <= 200
    assert first != second
    moved = frames.replace("line ", "line 1")
    again = error_signature("job", f"Traceback (most recent call last):\n{moved}\nValueError: a")
    assert again == first
