"""Ranking on a small repository whose right answers are known."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from intake.index import Hit, RepositoryIndex, locate

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}  # fmt: skip

FILES = {
    "shop/billing/invoice.py": '''"""Invoices: numbering and rendering."""


class InvoiceRenderer:
    """Turns an invoice into a PDF document."""

    def render_pdf(self, invoice):
        lines = [self.format_line(item) for item in invoice.items]
        return "\\n".join(lines)

    def format_line(self, item):
        return f"{item.name}: {item.amount}"
''',
    "shop/billing/tax.py": '''"""Amounts owed to the state."""


def compute_vat(amount, rate):
    return round(amount * rate, 2)
''',
    "shop/auth/session.py": '''"""Login sessions."""

import time


class SessionStore:
    """Keeps sessions and their tokens."""

    def __init__(self, ttl):
        self.ttl = ttl

    def refresh_token(self, session):
        """Give the session a new token before it expires."""
        session.expires_at = time.time() + self.ttl
        return session

    def is_expired(self, session):
        return session.expires_at < time.time()
''',
    "shop/auth/passwords.py": """def hash_password(password, salt):
    return salt + password
""",
    "tests/test_session.py": """from shop.auth.session import SessionStore


def test_refresh_token_extends_session_expiry():
    store = SessionStore(ttl=10)
    session = type("S", (), {"expires_at": 0})()
    assert store.refresh_token(session).expires_at > 0
    assert not store.is_expired(session)


def test_expired_session_token():
    pass
""",
    "README.md": "A shop: invoices, VAT, sessions and tokens, password hashing.\n",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shop")
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Initial shop")
    # History: the VAT rounding fixes lived in tax.py, and tax.py changes with invoice.py.
    for n, subject in enumerate(["Fix VAT rounding for small amounts", "Round VAT per line"]):
        with (root / "shop/billing/tax.py").open("a", encoding="utf-8") as handle:
            handle.write(f"\n# revision {n}\n")
        with (root / "shop/billing/invoice.py").open("a", encoding="utf-8") as handle:
            handle.write(f"\n# revision {n}\n")
        git(root, "commit", "-q", "-am", subject)
    return root


def ranked(hits: list[Hit]) -> list[str]:
    return [h.path for h in hits]


def test_the_right_file_wins_and_reasons_name_the_symbol(repo: Path, tmp_path: Path) -> None:
    hits = locate("Sessions expire too early: refresh the token", repo, cache_dir=tmp_path)
    assert hits[0].path == "shop/auth/session.py"
    assert hits[0].symbols[0].name == "SessionStore.refresh_token"
    assert hits[0].symbols[0].line == 12
    assert any("SessionStore.refresh_token (line 12)" in r for r in hits[0].reasons)
    assert hits[0].reasons[0].startswith("matched ")
    assert ("token", ("symbols", "identifiers", "docs", "body")) in hits[0].matched


def test_tests_rank_below_source_unless_the_request_is_about_tests(
    repo: Path, tmp_path: Path
) -> None:
    plain = ranked(locate("refresh session token expiry", repo, cache_dir=tmp_path))
    assert plain.index("shop/auth/session.py") < plain.index("tests/test_session.py")
    about_tests = locate("tests for session token expiry", repo, cache_dir=tmp_path)
    assert about_tests[0].path == "tests/test_session.py"


def test_history_points_at_files_past_similar_changes_touched(repo: Path, tmp_path: Path) -> None:
    hits = locate("VAT is rounded wrongly", repo, cache_dir=tmp_path)
    assert hits[0].path == "shop/billing/tax.py"
    assert any("touched by 2 past commits like" in r for r in hits[0].reasons)


def test_identifier_and_module_queries(repo: Path, tmp_path: Path) -> None:
    assert locate("render_pdf is slow", repo, cache_dir=tmp_path)[0].path == (
        "shop/billing/invoice.py"
    )
    assert locate("InvoiceRenderer", repo, cache_dir=tmp_path)[0].path == (
        "shop/billing/invoice.py"
    )
    hits = locate("clean up shop.auth.passwords", repo, cache_dir=tmp_path)
    assert hits[0].path == "shop/auth/passwords.py"
    assert hits[0].reasons[0].startswith("matched passwords (path, symbols")
    assert hits[0].reasons[1] == "the request names shop.auth.passwords"


def test_ranking_is_deterministic(repo: Path, tmp_path: Path) -> None:
    index = RepositoryIndex.build(repo, tmp_path)
    first = index.locate("session token invoice", top=10)
    again = RepositoryIndex.build(repo, tmp_path).locate("session token invoice", top=10)
    assert first == again


def test_nothing_to_match(repo: Path, tmp_path: Path) -> None:
    assert locate("please make sure", repo, cache_dir=tmp_path) == []
    assert locate("kubernetes", repo, cache_dir=tmp_path) == []
