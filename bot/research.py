"""Choosing the planner from settings, and the research runner the bot and CLI share."""

from __future__ import annotations

from collections.abc import Callable

from bot.settings import Settings
from intake.planner.base import Planner
from intake.runner import ResearchRunner
from tracker.service import Tracker


def planner_factory(settings: Settings) -> Callable[[], Planner]:
    """The offline planner by default; an LLM planner when FOREMAN_LLM_PROVIDER says so."""
    if settings.llm_provider == "none":
        from intake.planner.offline import OfflinePlanner

        return OfflinePlanner
    from intake.llm import make_client
    from intake.planner.llm import LLMPlanner

    client = make_client(
        settings.llm_provider, settings.llm_base_url, settings.llm_api_key, settings.llm_model
    )
    # Six specification calls at once: a typical plan is specified in one round trip.
    return lambda: LLMPlanner(client, concurrency=6)


def describe_error(exc: BaseException) -> str:
    from escalation.redact import redact

    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact(f"{type(exc).__name__}: {first}")


def research_runner(settings: Settings, tracker: Tracker) -> ResearchRunner:
    return ResearchRunner(
        tracker,
        planner_factory(settings),
        lease_seconds=settings.research_lease,
        cache_dir=settings.cache_dir,
        describe_error=describe_error,
    )
