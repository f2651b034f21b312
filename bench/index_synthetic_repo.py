"""A deterministic synthetic Python repository for the index speed benchmark.

Files look like ordinary application code (docstrings, classes with methods, helper
functions, comments, imports between modules) and the git history is a few hundred small
commits with plausible subjects, so both the file parse and the history read do real work.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

_SYLLABLES = (
    "ac", "al", "an", "ar", "bal", "ben", "cal", "can", "cor", "dat", "del", "dis", "el", "en",
    "fer", "gen", "hal", "im", "in", "ion", "ka", "lan", "lo", "man", "mer", "mon", "nor",
    "or", "pa", "per", "pro", "ra", "re", "sen", "sol", "ta", "ter", "tor", "ul", "ver", "vo",
)  # fmt: skip
_COMMON = (
    "account", "order", "invoice", "payment", "user", "session", "token", "cache", "queue",
    "worker", "job", "report", "export", "config", "setting", "record", "batch",
    "event", "handler", "request", "response", "client", "server", "retry", "timeout",
    "schema", "field", "value", "item", "entry", "index", "search", "query", "filter",
    "page", "limit", "offset", "status", "state", "error", "message", "notify", "email",
    "price", "tax", "discount", "customer", "product", "stock", "warehouse", "shipment",
    "route", "metric", "counter", "lease", "lock", "snapshot", "backup", "restore", "audit",
)  # fmt: skip
_VERBS = (
    "get", "set", "load", "save", "build", "parse", "render", "validate", "compute", "apply",
    "fetch", "send", "update", "delete", "create", "merge", "split", "sync", "check", "resolve",
)  # fmt: skip


class Vocabulary:
    def __init__(self, rng: random.Random) -> None:
        invented = {
            "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(1500)
        }
        self.nouns = sorted(set(_COMMON) | invented)
        self.rng = rng

    def noun(self) -> str:
        # Zipf-like: a few words are everywhere, most are rare, as in real code.
        i = min(int(self.rng.paretovariate(1.1)) - 1, len(self.nouns) - 1)
        return self.nouns[(i * 7919) % len(self.nouns)] if i else self.rng.choice(_COMMON)

    def snake(self, parts: int = 2) -> str:
        return "_".join(self.noun() for _ in range(parts))

    def pascal(self) -> str:
        return "".join(self.noun().capitalize() for _ in range(2))

    def sentence(self, words: int = 8) -> str:
        fill = ("the", "a", "for", "when", "with", "of", "and", "to", "is", "in")
        out = [
            self.rng.choice((self.noun(), self.noun(), self.rng.choice(fill))) for _ in range(words)
        ]
        return " ".join(out).capitalize() + "."


def _function(v: Vocabulary, name: str, indent: str, method: bool) -> list[str]:
    rng = v.rng
    types = ("int", "str", "float", "bool", "dict[str, Any]", "list[str]", "str | None")
    args = [v.snake(1) for _ in range(rng.randint(0, 3))]
    params = [f"{a}: {rng.choice(types)}" for a in dict.fromkeys(args)]
    if method:
        params.insert(0, "self")
    returns = rng.choice(types)
    lines = [f"{indent}def {name}({', '.join(params)}) -> {returns}:"]
    body = indent + "    "
    lines.append(f'{body}"""{v.sentence(rng.randint(6, 12))}"""')
    for _ in range(rng.randint(3, 14)):
        choice = rng.random()
        target = v.snake(rng.randint(1, 2))
        if choice < 0.25:
            lines.append(f"{body}{target} = {v.snake(1)}({v.noun()}, {rng.randint(0, 99)})")
        elif choice < 0.35:
            lines.append(f"{body}# {v.sentence(rng.randint(6, 12))}")
        elif choice < 0.5:
            lines.append(f"{body}if {target} is None:")
            lines.append(f'{body}    raise ValueError("{v.noun()} {v.noun()}")')
        elif choice < 0.65:
            lines.append(f"{body}for {v.noun()} in {v.snake(1)}:")
            lines.append(f"{body}    {v.snake(1)}.append({v.noun()})")
            lines.append("")
        elif choice < 0.75:
            lines.append(f"{body}{target} = {{")
            lines.append(f'{body}    "{v.noun()}": {v.noun()},')
            lines.append(f"{body}}}")
        elif choice < 0.9:
            lines.append(
                f"{body}{v.noun()} = self.{v.noun()}"
                if method
                else f"{body}{v.noun()} = {v.noun()}"
            )
        else:
            lines.append(f'{body}logger.debug("{v.sentence(4)}")')
    lines.append(f"{body}return {v.snake(1)}")
    lines.append("")
    return lines


def module_source(v: Vocabulary, modules: list[str]) -> str:
    rng = v.rng
    lines = [
        f'"""{v.sentence(10)}',
        "",
        v.sentence(14),
        '"""',
        "",
        "from __future__ import annotations",
        "",
    ]
    lines += ["import logging", "import os", "from typing import Any"]
    for other in rng.sample(modules, min(len(modules), rng.randint(1, 5))):
        lines.append(f"from app.{other} import {v.pascal()}")
    lines += ["", "logger = logging.getLogger(__name__)", ""]
    lines.append(f"{v.snake().upper()} = {rng.randint(1, 1000)}")
    lines.append("")
    target = rng.randint(100, 300)
    while len(lines) < target:
        if rng.random() < 0.6:
            doc = [f"    {v.sentence(rng.randint(8, 12))}" for _ in range(rng.randint(0, 3))]
            lines += ["", f"class {v.pascal()}:", f'    """{v.sentence(rng.randint(6, 14))}']
            lines += [*(["", *doc] if doc else []), '    """', ""]
            lines += [f"    {v.snake(1)}: int = {rng.randint(0, 9)}", ""]
            for _ in range(rng.randint(2, 6)):
                lines += _function(
                    v, f"{rng.choice(_VERBS)}_{v.snake(rng.randint(1, 2))}", "    ", True
                )
        else:
            lines += ["", *_function(v, f"{rng.choice(_VERBS)}_{v.snake()}", "", False)]
    return "\n".join(lines) + "\n"


def _git(root: Path, *args: str, stdin: bytes | None = None) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, input=stdin, capture_output=True)


class _Stream:
    """A `git fast-import` stream: hundreds of commits in one process instead of two each."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.when = 1_704_067_200  # 2024-01-01, then one hour per commit

    def _data(self, text: str) -> None:
        raw = text.encode("utf-8")
        self.chunks.append(b"data %d\n%s\n" % (len(raw), raw))

    def commit(self, message: str, files: dict[str, str]) -> None:
        self.when += 3600
        self.chunks.append(b"commit refs/heads/main\n")
        self.chunks.append(b"committer bench <bench@example.invalid> %d +0000\n" % self.when)
        self._data(message)
        for path, text in files.items():
            self.chunks.append(f"M 100644 inline {path}\n".encode())
            self._data(text)

    def bytes(self) -> bytes:
        return b"".join(self.chunks)


def generate(root: Path, files: int = 5000, commits: int = 300, seed: int = 7) -> Path:
    """Writes the repository under `root` (work tree and history) and returns it."""
    rng = random.Random(seed)
    v = Vocabulary(rng)
    packages = [v.snake(1) for _ in range(max(1, files // 60))]
    paths: list[str] = []
    for i in range(files):
        pkg = packages[i % len(packages)]
        paths.append(f"app/{pkg}/{v.snake(rng.randint(1, 2))}_{i}.py")
    modules = [p[4:-3].replace("/", ".") for p in paths]
    content = {path: module_source(v, modules) for path in paths}
    content[".gitignore"] = "__pycache__/\n*.pyc\n"
    stream = _Stream()
    stream.commit("Initial import", content)
    for n in range(commits):
        touched = rng.sample(paths, rng.randint(1, 4))
        for path in touched:
            name = f"{rng.choice(_VERBS)}_{v.snake()}"
            content[path] += "\n" + "\n".join(_function(v, name, "", False))
        subject = f"{rng.choice(_VERBS).capitalize()} {v.noun()} {v.noun()} when {v.noun()} {n}"
        stream.commit(subject, {path: content[path] for path in touched})

    root.mkdir(parents=True, exist_ok=True)
    for path, text in content.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "fast-import", "--quiet", stdin=stream.bytes())
    # The work tree already holds the last commit's files: fill the index from HEAD and
    # record the files' stat data, as a checkout would have.
    _git(root, "reset", "-q")
    _git(root, "update-index", "-q", "--refresh")
    return root


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="write the synthetic repository")
    parser.add_argument("root", type=Path)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--commits", type=int, default=300)
    args = parser.parse_args()
    generate(args.root, args.files, args.commits)
