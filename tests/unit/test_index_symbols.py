"""Symbol extraction: `ast` for Python, the keyword scan for other languages."""

from __future__ import annotations

from intake.index.symbols import Symbol, decode, encode, python_symbols, scan_symbols

PYTHON = '''"""Upload helpers."""

import os


class Uploader:
    """Sends files."""

    def send(self, path):
        """Send one file."""

        def retry():
            pass

        return retry

    async def close(self):
        pass


if os.name == "nt":
    def windows_only():
        pass

try:
    import fast
except ImportError:
    def fallback():
        """Pure Python fallback."""
'''


def _rows(symbols: list[Symbol]) -> list[tuple[str, str, int]]:
    return [(s.name, s.kind, s.line) for s in symbols]


def test_ast_symbols_have_qualified_names_kinds_and_lines() -> None:
    parsed = python_symbols(PYTHON)
    assert parsed is not None
    assert _rows(parsed.symbols) == [
        ("Uploader", "class", 6),
        ("Uploader.send", "method", 9),
        ("Uploader.send.retry", "function", 12),
        ("Uploader.close", "method", 17),
        ("windows_only", "function", 22),
        ("fallback", "function", 28),
    ]
    assert parsed.module_doc == "Upload helpers."
    assert parsed.symbol_docs[:2] == ["Sends files.", "Send one file."]
    assert parsed.symbol_docs[-1] == "Pure Python fallback."


def test_ast_returns_none_on_syntax_errors() -> None:
    assert python_symbols("def broken(:\n") is None


def test_python_scan_agrees_with_ast_on_ordinary_code() -> None:
    parsed = python_symbols(PYTHON)
    assert parsed is not None
    assert _rows(scan_symbols(PYTHON, python=True)) == _rows(parsed.symbols)


def test_python_scan_ignores_def_inside_strings_and_names() -> None:
    text = 'x = "def not_a_function"\nundefined = 1\nclassic = 2\n\ndef real():\n    pass\n'
    assert _rows(scan_symbols(text, python=True)) == [("real", "function", 5)]


def test_fallback_symbols_for_other_languages() -> None:
    go = "package up\n\nfunc (u *Uploader) Send(p string) error {\n}\n\ntype Uploader struct {\n}\n"
    assert _rows(scan_symbols(go, python=False)) == [
        ("Send", "function", 3),
        ("Uploader", "type", 6),
    ]
    ts = (
        "export class Uploader {\n"
        "  async function send() {}\n"
        "}\n"
        "export default function retry() {}\n"
        "interface Options {}\n"
    )
    assert _rows(scan_symbols(ts, python=False)) == [
        ("Uploader", "class", 1),
        ("Uploader.send", "method", 2),
        ("retry", "function", 4),
        ("Options", "interface", 5),
    ]
    rust = (
        "pub struct Queue {}\n"
        "\n"
        "impl Queue {\n"
        "    pub fn push(&mut self) {}\n"
        "}\n"
        "pub(crate) fn drain() {}\n"
    )
    assert _rows(scan_symbols(rust, python=False)) == [
        ("Queue", "struct", 1),
        ("Queue.push", "method", 4),  # the impl block is indented under the struct
        ("drain", "function", 6),
    ]


def test_symbols_round_trip_through_the_cache_encoding() -> None:
    symbols = scan_symbols(PYTHON, python=True)
    assert decode(encode(symbols)) == symbols
