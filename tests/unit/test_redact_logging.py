from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from escalation.redact import RedactingFilter, install_log_redaction

SECRET = "xoxb-123456789012-1234567890123-FAKEbotTOKENfor0tests"
MARK = "[redacted slack-bot-token]"


class JsonFormatter(logging.Formatter):
    """A formatter that renders the exception itself, as structured-log formatters do."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {"msg": record.getMessage(), "extra": getattr(record, "api_key", None)}
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["exc"] = record.exc_text
        return json.dumps(payload)


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A parent logger whose handler redacts, and a child logger that logs into it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    parent = logging.getLogger("foreman_test_redaction")
    parent.setLevel(logging.DEBUG)
    parent.propagate = False
    parent.addHandler(handler)
    try:
        yield logging.getLogger("foreman_test_redaction.child"), stream
    finally:
        parent.removeHandler(handler)


def test_debug_message_arguments_are_redacted(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.debug("token %s", SECRET)
    assert stream.getvalue() == f"DEBUG foreman_test_redaction.child token {MARK}\n"


def test_exception_traceback_is_redacted(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    try:
        raise PermissionError(f"chat.postMessage refused {SECRET}")
    except PermissionError:
        logger.exception("posting failed for %s", "C012AB3CD")
    out = stream.getvalue()
    assert "ERROR foreman_test_redaction.child posting failed for C012AB3CD" in out
    assert "Traceback (most recent call last)" in out
    assert f"PermissionError: chat.postMessage refused {MARK}" in out
    assert "FAKEbotTOKEN" not in out


def test_stack_info_is_redacted(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    # The stack shows this source line, secret included.
    logger.info("here", stack_info=True, extra={"note": "xoxb-1-2-FAKEstack0"})
    out = stream.getvalue()
    assert "Stack (most recent call last)" in out
    assert f'extra={{"note": "{MARK}"}}' in out
    assert "FAKEstack0" not in out


def test_formatters_that_render_exceptions_themselves_see_only_redacted_text() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("foreman_test_redaction_json")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"bad {SECRET}")
        except ValueError:
            logger.error("failed", exc_info=True, extra={"api_key": "sk_live_FAKE0123456789abcdef"})
    finally:
        logger.removeHandler(handler)
    payload = json.loads(stream.getvalue())
    assert f"ValueError: bad {MARK}" in payload["exc"]
    assert payload["extra"] == "[redacted api-key]"
    assert "FAKE" not in stream.getvalue()


def test_malformed_arguments_are_logged_not_raised(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    fmt = "two %s %s"  # a variable, as a mistake in real code would be
    logger.warning(fmt, SECRET)
    assert MARK in stream.getvalue()
    assert "FAKEbotTOKEN" not in stream.getvalue()


def test_install_attaches_one_filter_to_each_handler_of_the_logger() -> None:
    logger = logging.getLogger("foreman_test_install")
    logger.propagate = False
    first, second = logging.StreamHandler(io.StringIO()), logging.StreamHandler(io.StringIO())
    logger.addHandler(first)
    logger.addHandler(second)
    try:
        installed = install_log_redaction(logger)
        install_log_redaction(logger)
        for handler in (first, second):
            assert handler.filters == [installed]
    finally:
        logger.removeHandler(first)
        logger.removeHandler(second)


def test_install_defaults_to_the_root_logger() -> None:
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    # Only this handler: the test runner's own root handlers must not be given the filter.
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    try:
        install_log_redaction()
        # A record from a child logger propagates to the root's handler and is redacted
        # there, although the child logger itself has no filter.
        logging.getLogger("some.library").info("using %s", SECRET)
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
    assert stream.getvalue() == f"using {MARK}\n"
