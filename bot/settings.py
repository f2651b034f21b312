"""The one place Foreman reads its environment (and `.env`)."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_cache_dir() -> Path:
    """Where the repository index is cached: XDG_CACHE_HOME's convention, else ~/.cache."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "foreman" / "index"


def default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'foreman.db'}"


class Settings(BaseSettings):
    """Every knob Foreman has; names match DESIGN.md's environment interface."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="FOREMAN_SLACK_API_URL")

    database_url: str = Field(default_factory=default_database_url, alias="FOREMAN_DATABASE_URL")
    repo: Path = Field(default=Path("."), alias="FOREMAN_REPO")

    llm_provider: Literal["none", "openai", "anthropic"] = Field(
        default="none", alias="FOREMAN_LLM_PROVIDER"
    )
    llm_base_url: str | None = Field(default=None, alias="FOREMAN_LLM_BASE_URL")
    llm_api_key: SecretStr | None = Field(default=None, alias="FOREMAN_LLM_API_KEY")
    llm_model: str | None = Field(default=None, alias="FOREMAN_LLM_MODEL")

    approvers: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="FOREMAN_APPROVERS"
    )
    digest_channel: str | None = Field(default=None, alias="FOREMAN_DIGEST_CHANNEL")
    digest_time: time = Field(default=time(17, 0), alias="FOREMAN_DIGEST_TIME")
    timezone: str = Field(default="UTC", alias="FOREMAN_TIMEZONE")
    heartbeat_timeout: int = Field(default=900, ge=5, alias="FOREMAN_HEARTBEAT_TIMEOUT")
    research_lease: int = Field(default=120, ge=2, alias="FOREMAN_RESEARCH_LEASE")
    research_threads: int = Field(default=2, ge=0, le=16, alias="FOREMAN_RESEARCH_THREADS")
    cache_dir: Path = Field(default_factory=default_cache_dir, alias="FOREMAN_CACHE_DIR")
    asks_channel: str | None = Field(default=None, alias="FOREMAN_ASKS_CHANNEL")
    ask_remind: int = Field(default=4 * 3600, ge=60, alias="FOREMAN_ASK_REMIND")
    ask_expire: int = Field(default=72 * 3600, ge=60, alias="FOREMAN_ASK_EXPIRE")
    ask_max_reminders: int = Field(default=3, ge=0, le=20, alias="FOREMAN_ASK_MAX_REMINDERS")
    two_person_rule: bool = Field(default=False, alias="FOREMAN_TWO_PERSON_RULE")
    api_token: SecretStr | None = Field(default=None, alias="FOREMAN_API_TOKEN")

    @field_validator("approvers", mode="before")
    @classmethod
    def _split_approvers(cls, value: object) -> object:
        # A comma- or space-separated list is what people type into an env var.
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone, e.g. Europe/Paris") from None
        return value
