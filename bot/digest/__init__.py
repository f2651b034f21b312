"""The daily digest: what shipped, what is stuck, what is next, from the tracker alone."""

from bot.digest.model import Digest
from bot.digest.read import build_digest
from bot.digest.render import digest_blocks, digest_fallback, digest_text

__all__ = ["Digest", "build_digest", "digest_blocks", "digest_fallback", "digest_text"]
