"""Re-asking with validation errors, against a scripted in-memory client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from intake.llm import (
    LLMBadResponse,
    LLMInvalidAnswerError,
    Turn,
    complete_validated,
    correction_prompt,
    correction_turns,
)


class ScriptedClient:
    """Answers from a list; an exception in the list is raised instead."""

    def __init__(self, *answers: dict[str, Any] | Exception) -> None:
        self.answers = list(answers)
        self.histories: list[list[Turn]] = []

    def complete_json(
        self,
        *,
        system: str,
        user: str,
        schema: Mapping[str, Any],
        name: str,
        history: Sequence[Turn] = (),
    ) -> dict[str, Any]:
        self.histories.append(list(history))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def needs_title(answer: dict[str, Any]) -> list[str]:
    return [] if answer.get("title") else ["title: must not be empty"]


def run(client: ScriptedClient, max_corrections: int = 2) -> dict[str, Any]:
    return complete_validated(
        client,
        system="s",
        user="u",
        schema={"type": "object"},
        name="plan",
        validate=needs_title,
        max_corrections=max_corrections,
    )


def test_a_valid_first_answer_is_returned_without_history() -> None:
    client = ScriptedClient({"title": "ok"})
    assert run(client) == {"title": "ok"}
    assert client.histories == [[]]


def test_invalid_answers_are_sent_back_with_their_errors() -> None:
    client = ScriptedClient({"title": ""}, {"title": "ok"})
    assert run(client) == {"title": "ok"}
    assert client.histories[1] == [
        Turn("assistant", '{"title": ""}'),
        Turn("user", correction_prompt(["title: must not be empty"])),
    ]


def test_unparseable_answers_are_sent_back_raw() -> None:
    broken = LLMBadResponse("LLM answer was not valid JSON", reason="invalid_json", raw="{tit")
    client = ScriptedClient(broken, {"title": "ok"})
    assert run(client) == {"title": "ok"}
    assert client.histories[1][0] == Turn("assistant", "{tit")
    assert "LLM answer was not valid JSON" in client.histories[1][1].content


def test_refusals_are_not_reasked() -> None:
    refused = LLMBadResponse("LLM refused", reason="refusal", raw="no")
    client = ScriptedClient(refused, {"title": "ok"})
    with pytest.raises(LLMBadResponse):
        run(client)
    assert len(client.histories) == 1


def test_corrections_are_bounded() -> None:
    client = ScriptedClient({"title": ""}, {"title": ""})
    with pytest.raises(LLMInvalidAnswerError) as caught:
        run(client, max_corrections=1)
    assert len(client.histories) == 2
    assert caught.value.raw == '{"title": ""}' and caught.value.attempts == 2
    assert str(caught.value).startswith(
        "LLM answer still failed validation after 2 attempts: title: must not be empty"
    )


def test_correction_prompt_lists_every_error() -> None:
    prompt = correction_prompt(["a: wrong", "b: missing"])
    assert prompt.startswith("Your previous answer failed validation:\n- a: wrong\n- b: missing")
    assert "Return a corrected object" in prompt
    assert correction_turns("", ["x"])[0] == Turn("assistant", "(no answer)")
