"""Proof of done: `KIND:REF`. Absence of error is not verification, so each kind is strict."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel

from tracker.errors import InvalidProof, ProofRequired

PROOF_KINDS = ("cmd", "pr", "ci", "url")
PROOF_HELP = 'proof is KIND:REF, one of: cmd:"pytest tests/x.py" exit=0 | pr:URL | ci:URL | url:URL'
_CMD = re.compile(
    r"""^cmd:\s*(?:(?P<q>["'])(?P<quoted>.+?)(?P=q)|(?P<bare>.+?))\s+exit=(?P<exit>-?\d+)\s*$"""
)


class Proof(BaseModel):
    kind: str
    ref: str
    exit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)

    def render(self) -> str:
        if self.kind == "cmd":
            return f'cmd:"{self.ref}" exit={self.exit}'
        return f"{self.kind}:{self.ref}"


def parse_proof(text: str | None) -> Proof:
    if text is None or not text.strip():
        raise ProofRequired(f"done needs proof: {PROOF_HELP}")
    text = text.strip()
    kind, sep, ref = text.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in PROOF_KINDS:
        raise InvalidProof(f"unrecognised proof {text!r}: {PROOF_HELP}")
    if kind == "cmd":
        return _parse_cmd(text)
    ref = ref.strip()
    parsed = urlparse(ref)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidProof(f"{kind} proof needs an http(s) URL, got {ref!r}")
    return Proof(kind=kind, ref=ref)


def _parse_cmd(text: str) -> Proof:
    match = _CMD.match(text)
    if not match:
        raise InvalidProof(
            f'cmd proof needs the command and its exit status, e.g. cmd:"pytest" exit=0 '
            f"(got {text!r})"
        )
    command = (match.group("quoted") or match.group("bare") or "").strip()
    status = int(match.group("exit"))
    if status != 0:
        raise InvalidProof(f"`{command}` exited {status}: a failing command is not proof of done")
    return Proof(kind="cmd", ref=command, exit=status)
