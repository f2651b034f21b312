"""Declarations a change would touch: classes, functions and methods with their lines.

Two readers. `python_symbols` uses `ast` and is exact (qualified names, docstrings); it is
what answers show. Building the index uses `scan_symbols`, a line-oriented regex with
indentation-based nesting that recognises the usual declaration keywords of Python and
other languages: `ast.parse` costs about 3 ms per 10 kB file, which alone would triple the
cold build of a large repository, while the scan finds the same names for ordinary code.
Symbols travel through the cache as one compact string per file.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

MAX_SYMBOLS = 2000


class Symbol(NamedTuple):
    # A named tuple rather than a frozen dataclass: a large repository creates hundreds of
    # thousands of these while indexing, and tuple construction is several times cheaper.
    name: str  # qualified: "Context.invoke", "outer.inner"
    kind: str  # class | function | method | struct | interface | type
    line: int


@dataclass(frozen=True, slots=True)
class Parsed:
    symbols: list[Symbol]
    symbol_docs: list[str]  # parallel to symbols; "" when a definition has no docstring
    module_doc: str


_DefNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@functools.lru_cache(maxsize=512)
def python_symbols(text: str) -> Parsed | None:
    """Symbols and docstrings of a Python module; None when it does not parse.

    Cached: one research pass asks for the same top files across several searches."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    symbols: list[Symbol] = []
    docs: list[str] = []
    _visit(tree.body, "", False, symbols, docs)
    return Parsed(symbols[:MAX_SYMBOLS], docs[:MAX_SYMBOLS], ast.get_docstring(tree) or "")


def _visit(
    body: list[ast.stmt], prefix: str, in_class: bool, out: list[Symbol], docs: list[str]
) -> None:
    # Only statement bodies are walked: definitions never hide inside expressions, and
    # skipping expression trees is what keeps this cheap on large modules.
    for node in body:
        if isinstance(node, _DefNode):
            name = f"{prefix}{node.name}"
            if isinstance(node, ast.ClassDef):
                kind = "class"
            else:
                kind = "method" if in_class else "function"
            out.append(Symbol(name, kind, node.lineno))
            docs.append(ast.get_docstring(node) or "")
            _visit(node.body, f"{name}.", isinstance(node, ast.ClassDef), out, docs)
        else:
            for field in ("body", "orelse", "finalbody"):
                block = getattr(node, field, None)
                if isinstance(block, list):
                    _visit(block, prefix, in_class, out, docs)
            for handler in getattr(node, "handlers", ()):
                _visit(handler.body, prefix, in_class, out, docs)
            for case in getattr(node, "cases", ()):
                _visit(case.body, prefix, in_class, out, docs)


# `func (r *Recv) Name(`, `pub fn name`, `export default class Name`, `def name`, ...
_DECL_RE = re.compile(
    r"^(?P<indent>[ \t]*)"
    r"(?:(?:export|default|public|private|protected|internal|static|abstract|final|async|pub"
    r"(?:\([^)]*\))?|unsafe|extern|open|sealed|override|virtual|inline)\s+)*"
    r"(?P<kind>function\*?|def|class|func|fn|interface|struct|type|trait|enum)\s+"
    r"(?:\([^)]*\)\s*)?"
    r"(?P<name>[A-Za-z_$][A-Za-z0-9_$]*)",
    re.MULTILINE,
)
# Literal-first patterns: the regex engine can then jump between occurrences of the keyword
# instead of trying every line start, which matters on multi-megabyte repositories.
_PY_DEF_RE = re.compile(r"def[ \t]+([A-Za-z_]\w*)")
_PY_CLASS_RE = re.compile(r"class[ \t]+([A-Za-z_]\w*)")
# Comments and triple-quoted strings in one pass; a `#` inside a docstring stays inside it.
PY_DOCS_RE = re.compile(r'#[^\n]*|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'')
_CONTAINERS = frozenset({"class", "struct", "interface", "trait", "enum"})
_KIND_NAMES = {"def": "function", "func": "function", "fn": "function", "function*": "function"}


def _python_declarations(text: str) -> list[tuple[int, str, str, str]]:
    """(offset, indent, keyword, name) of each def/class that starts a line, in order."""
    found: list[tuple[int, str, str, str]] = []
    for keyword, pattern in (("def", _PY_DEF_RE), ("class", _PY_CLASS_RE)):
        for match in pattern.finditer(text):
            start = match.start()
            line_start = text.rfind("\n", 0, start) + 1
            lead = text[line_start:start]
            indent = lead.rstrip()
            if indent.strip() in ("", "async") and (not lead or lead[-1] in " \t"):
                width = len(lead) - len(lead.lstrip())
                found.append((start, lead[:width], keyword, match.group(1)))
    found.sort()
    return found


def _declarations(text: str) -> list[tuple[int, str, str, str]]:
    return [
        (m.start(), m.group("indent"), m.group("kind"), m.group("name"))
        for m in _DECL_RE.finditer(text)
    ]


_COLUMN0_CODE_RE = re.compile(r"\n[^\s#)\]}]")


def scan_symbols(text: str, python: bool) -> list[Symbol]:
    """Declarations found by keyword; nesting is inferred from indentation."""
    symbols: list[Symbol] = []
    stack: list[tuple[int, str, bool]] = []  # (indent width, name, is a container)
    line = 1
    last = 0
    for start, lead, raw_kind, name in (
        _python_declarations(text) if python else _declarations(text)
    ):
        line += text.count("\n", last, start)
        # Code at column 0 between two declarations (`if TYPE_CHECKING:`, an assignment, a
        # decorator) closes every open block, even when the next declaration is indented.
        if python and stack and _COLUMN0_CODE_RE.search(text, last + 1, start):
            stack.clear()
        last = start
        indent = len(lead.expandtabs(4))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        kind = _KIND_NAMES.get(raw_kind, raw_kind)
        if kind == "function" and stack and stack[-1][2]:
            kind = "method"
        qualified = ".".join([*(entry[1] for entry in stack), name])
        symbols.append(Symbol(qualified, kind, line))
        # Python nests functions too (closures); brace languages rarely indent them so.
        if raw_kind in _CONTAINERS or python:
            stack.append((indent, name, raw_kind in _CONTAINERS))
        if len(symbols) >= MAX_SYMBOLS:
            break
    return symbols


_HASH_COMMENT_RE = re.compile(r"#[^\n]*")
_SLASH_COMMENT_RE = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
HASH_COMMENT_EXTS = frozenset(
    {".py", ".pyi", ".sh", ".bash", ".rb", ".pl", ".r", ".toml", ".yaml", ".yml", ".cfg"}
)


def comments(text: str, suffix: str) -> list[str]:
    if suffix in HASH_COMMENT_EXTS:
        return _HASH_COMMENT_RE.findall(text)
    return _SLASH_COMMENT_RE.findall(text)


def encode(symbols: list[Symbol]) -> str:
    return "\n".join(f"{s.line}\t{s.kind}\t{s.name}" for s in symbols)


def decode(blob: str) -> list[Symbol]:
    out: list[Symbol] = []
    for row in blob.split("\n"):
        if row:
            line, kind, name = row.split("\t", 2)
            out.append(Symbol(name, kind, int(line)))
    return out
