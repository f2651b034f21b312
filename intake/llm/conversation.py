"""Re-asking: send a failed answer and its validation errors back for a corrected object."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from intake.llm.client import LLMClient
from intake.llm.errors import LLMBadResponse, LLMInvalidAnswerError, one_line
from intake.llm.wire import Turn

Validator = Callable[[dict[str, Any]], Sequence[str]]
"""Returns human-readable problems with an answer; empty means the answer is accepted."""


def correction_prompt(errors: Sequence[str]) -> str:
    listed = "\n".join(f"- {error}" for error in errors) or "- (no details)"
    return (
        f"Your previous answer failed validation:\n{listed}\n"
        "Return a corrected object that fixes every problem above and keeps everything else."
    )


def correction_turns(previous: str, errors: Sequence[str]) -> list[Turn]:
    """The two turns that show the model its previous answer and what is wrong with it."""
    # Anthropic rejects empty text content, and an empty answer is itself the problem.
    shown = previous if previous.strip() else "(no answer)"
    return [Turn("assistant", shown), Turn("user", correction_prompt(errors))]


def complete_validated(
    client: LLMClient,
    *,
    system: str,
    user: str,
    schema: Mapping[str, Any],
    name: str,
    validate: Validator,
    max_corrections: int = 2,
) -> dict[str, Any]:
    """Ask, validate, and re-ask with the errors at most `max_corrections` times.

    Unparseable answers are re-asked the same way (their raw text is sent back); refusals,
    truncation and transport errors propagate at once because repeating cannot fix them.
    Raises `LLMInvalidAnswerError` when the last permitted answer still fails.
    """
    if max_corrections < 0:
        raise ValueError("max_corrections must not be negative")
    history: list[Turn] = []
    errors: list[str] = []
    previous = ""
    for _ in range(max_corrections + 1):
        try:
            answer = client.complete_json(
                system=system, user=user, schema=schema, name=name, history=history
            )
        except LLMBadResponse as exc:
            if not exc.can_reask:
                raise
            previous, errors = exc.raw, [str(exc)]
        else:
            errors = [str(error) for error in validate(answer)]
            if not errors:
                return answer
            previous = json.dumps(answer, ensure_ascii=False)
        # The whole exchange stays in the history so a later correction does not reintroduce
        # a problem an earlier one fixed.
        history.extend(correction_turns(previous, errors))
    attempts = max_corrections + 1
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    raise LLMInvalidAnswerError(
        f"LLM answer still failed validation after {attempts} attempts:"
        f" {one_line(errors[0], 160)}{more}: simplify the request or raise max_corrections",
        errors=errors,
        raw=previous,
        attempts=attempts,
    )
