"""Reading a request: units of work, what they are about, and what cannot be planned."""

from __future__ import annotations

import pytest

from intake.concepts import concepts_in
from intake.units import is_actionable, split_units
from intake.validation import finish_line_problem

SEED = (
    "give us real visibility into what the system is actually doing, and make sure someone "
    "gets paged when production breaks"
)


def test_the_seed_request_is_two_units_of_work() -> None:
    assert split_units(SEED) == [
        "Give us real visibility into what the system is actually doing",
        "Someone gets paged when production breaks",
    ]


def test_lists_sentences_and_clauses_split_but_noun_pairs_do_not() -> None:
    assert split_units("- cache the index\n- make locate faster\n3. add a --top flag") == [
        "Cache the index",
        "Make locate faster",
        "Add a --top flag",
    ]
    assert split_units("Add logs and metrics to the exporter.") == [
        "Add logs and metrics to the exporter"
    ]
    assert split_units("Retry failed uploads; then alert the on-call team") == [
        "Retry failed uploads",
        "Alert the on-call team",
    ]


@pytest.mark.parametrize("text", ["hi there", "thanks!", "hello @foreman", "  ", "ok cool"])
def test_greetings_are_not_requests(text: str) -> None:
    assert not is_actionable(text)


def test_what_a_unit_is_about_comes_first() -> None:
    assert [c.name for c in concepts_in("Someone gets paged when production breaks")][:2] == [
        "alerting",
        "failure",
    ]
    assert concepts_in("Give us real visibility into the system")[0].name == "observability"
    assert concepts_in("make the nightly export resumable")[0].name == "reliability"
    assert concepts_in("rename the button") == []


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        ("pytest tests/test_x.py", True),
        ("make test", True),
        ("python scripts/verify.py --env staging", True),
        ("FOO=1 pytest", True),
        ("it works in staging", False),
        ("", False),
        ("pytest a\npytest b", False),
    ],
)
def test_a_finish_line_is_a_command(line: str, ok: bool) -> None:
    assert (finish_line_problem(line) is None) is ok
