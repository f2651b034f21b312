"""Options shared by several commands."""

from __future__ import annotations

import argparse
import getpass


def add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output (stable shape)")


def add_actor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="actor", help="who is doing this (default: cli:<login>)")


def actor_of(args: argparse.Namespace) -> str:
    actor: str | None = getattr(args, "actor", None)
    if actor:
        return actor
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
