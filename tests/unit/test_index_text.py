"""Identifier splitting, stemming and query analysis."""

from __future__ import annotations

import pytest

from intake.index.text import Query, split_identifier, stem, text_terms, token_terms


@pytest.mark.parametrize(
    ("identifier", "parts"),
    [
        ("parse_args", ["parse", "args"]),
        ("parseArgs", ["parse", "args"]),
        ("ParseArgs", ["parse", "args"]),
        ("HTTPServerError", ["http", "server", "error"]),
        ("parseHTTPResponse2", ["parse", "http", "response", "2"]),
        ("utf8_decode", ["utf", "8", "decode"]),
        ("__init__", ["init"]),
        ("_private_thing", ["private", "thing"]),
        ("XMLHttpRequest", ["xml", "http", "request"]),
        ("MAX_RETRY_COUNT", ["max", "retry", "count"]),
        ("x", ["x"]),
    ],
)
def test_split_identifier(identifier: str, parts: list[str]) -> None:
    assert split_identifier(identifier) == parts


def test_compound_identifier_keeps_the_whole_name_and_stemmed_parts() -> None:
    assert token_terms("get_terminal_size") == ("get_terminal_size", "terminal", "siz")
    assert token_terms("ProgressBar") == ("progressbar", "progress", "bar")
    # A single word is just its stem: there is no "whole" distinct from the part.
    assert token_terms("options") == ("option",)


@pytest.mark.parametrize(
    "family",
    [
        ("parse", "parses", "parsed", "parsing", "parser"),
        ("option", "options"),
        ("validate", "validated", "validating", "validation", "validates"),
        ("run", "running", "runs"),
        ("call", "called", "calls", "calling"),
        ("format", "formatted", "formatting", "formatter", "formats"),
        ("class", "classes"),
        ("alias", "aliases"),
        ("query", "queries"),
        ("add", "added", "adding", "adds"),
        ("process", "processes", "processing", "processed"),
    ],
)
def test_stemming_merges_word_families(family: tuple[str, ...]) -> None:
    assert len({stem(word) for word in family}) == 1, [stem(w) for w in family]


@pytest.mark.parametrize("word", ["status", "bus", "is", "user", "http", "api", "v2"])
def test_stemming_leaves_short_and_special_words_alone(word: str) -> None:
    assert stem(word) == word


def test_query_drops_request_prose_and_keeps_code_words() -> None:
    query = Query("Give us real visibility, make sure `--show-default` works for ProgressBar")
    assert "give" not in query.terms and "real" not in query.terms and "sure" not in query.terms
    assert {"show_default", "show", "default", "progressbar", "progress", "bar"} <= set(query.terms)
    assert not query.about_tests


def test_query_remembers_the_words_behind_stems() -> None:
    query = Query("parsing options")
    assert query.display[stem("parsing")] == "parsing"
    assert query.display["option"] == "options"


def test_query_about_tests() -> None:
    assert Query("flaky tests in the retry module").about_tests
    assert Query("fix test_retry_backoff").about_tests
    assert not Query("retry with backoff").about_tests


def test_query_names_dotted_modules() -> None:
    assert Query("migrate sphinx.domains.cpp to py3 annotations").dotted == ["sphinx.domains.cpp"]
    assert Query("see fields.py").dotted == []


def test_text_terms_skip_stop_words() -> None:
    assert text_terms("the retry of the uploads") == ["retry", "upload"]
