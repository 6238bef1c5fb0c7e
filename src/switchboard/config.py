"""One typed settings object, read from the environment and an optional TOML file.

Settings are never created at import time: `load_settings()` is called by the CLI and
the app factory, and tests build their own `Settings(...)`.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from switchboard.channels.email.pipeline import PipelineConfig
from switchboard.channels.email.service import EmailChannelConfig
from switchboard.channels.email.smtp_client import SmtpRelay, SmtpSecurity

MIN_SECRET_KEY_LENGTH = 32
DEFAULT_SECRET_KEY = "insecure-development-secret-change-me"  # noqa: S105 - refused in production


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting Switchboard reads; see docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("./var")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in data_dir.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    secure_cookies: bool = Field(default=False, description="Mark session cookies Secure (always on in production).")
    session_lifetime_hours: int = Field(default=12, ge=1, le=24 * 30)
    max_request_bytes: int = Field(default=1_048_576, ge=1024)
    login_max_failures: int = Field(default=5, ge=1, description="Failures before lockout.")
    login_lockout_minutes: int = Field(default=15, ge=1)
    login_rate_per_minute: int = Field(
        default=20, ge=1, description="Login attempts allowed per client address per minute."
    )
    reopen_window_days: int = Field(default=7, ge=0)
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    migrate_on_start: bool = True
    log_level: str = "info"

    # Email channel (docs/email.md)
    smtp_enabled: bool = Field(default=True, description="Run the inbound SMTP listener inside `serve`.")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=2525, ge=0, le=65535)
    email_max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    email_max_attachment_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    email_max_attachments: int = Field(default=50, ge=0)
    email_follow_up_after_days: int = Field(
        default=7,
        ge=0,
        description="A reply to a ticket solved longer ago than this, or to a closed one, opens a linked ticket.",
    )
    email_parse_workers: int | None = Field(
        default=None,
        ge=0,
        description="Processes that parse a backlog of mail beside the writer; unset = one per CPU beyond the first.",
    )
    email_auto_replies_per_hour: int = Field(
        default=3, ge=0, description="Automatic replies (acknowledgements) to one address per hour."
    )
    outbound_smtp_host: str | None = Field(default=None, description="Relay for outgoing mail; unset = not sent.")
    outbound_smtp_port: int = Field(default=25, ge=1, le=65535)
    outbound_smtp_security: str = Field(default="none", pattern="^(none|starttls|tls)$")
    outbound_smtp_username: str | None = None
    outbound_smtp_password: SecretStr | None = None
    outbound_smtp_timeout_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            secret = self.secret_key.get_secret_value()
            if secret == DEFAULT_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH:
                raise ValueError(
                    "SWITCHBOARD_SECRET_KEY must be set to a random value of at least 32 characters in production"
                )
            self.secure_cookies = True
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'switchboard.sqlite3').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = os.environ.get("SWITCHBOARD_CONFIG_FILE")
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, then `SWITCHBOARD_CONFIG_FILE` (TOML), then defaults."""
    toml_path = os.environ.get("SWITCHBOARD_CONFIG_FILE")
    if toml_path and not Path(toml_path).is_file():
        raise FileNotFoundError(f"SWITCHBOARD_CONFIG_FILE={toml_path} does not exist")
    return Settings(**overrides)


def email_channel_config(settings: Settings) -> EmailChannelConfig:
    """The email channel's plain configuration values, read from the settings (for `serve` and
    the CLI's mail commands alike)."""
    relay = None
    if settings.outbound_smtp_host:
        password = settings.outbound_smtp_password
        relay = SmtpRelay(
            host=settings.outbound_smtp_host,
            port=settings.outbound_smtp_port,
            security=SmtpSecurity(settings.outbound_smtp_security),
            username=settings.outbound_smtp_username,
            password=password.get_secret_value() if password is not None else None,
            timeout_seconds=settings.outbound_smtp_timeout_seconds,
        )
    return EmailChannelConfig(
        pipeline=PipelineConfig(
            secret_key=settings.secret_key.get_secret_value(),
            follow_up_after_days=settings.email_follow_up_after_days,
            max_attachment_bytes=settings.email_max_attachment_bytes,
            max_attachments=settings.email_max_attachments,
            auto_replies_per_hour=settings.email_auto_replies_per_hour,
        ),
        blob_dir=settings.blob_dir,
        smtp_enabled=settings.smtp_enabled,
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        max_message_bytes=settings.email_max_message_bytes,
        relay=relay,
        parse_workers=settings.email_parse_workers,
    )
