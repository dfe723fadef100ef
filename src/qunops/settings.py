"""One typed settings object: environment variables QUNOPS_*, or an optional TOML/env file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of qunops. Each field's description is its documentation (see docs/settings.md)."""

    model_config = SettingsConfigDict(env_prefix="QUNOPS_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="sqlite:///qunops.db",
        description="SQLAlchemy URL of the store: sqlite:///PATH (default, embedded) or "
        "postgresql+psycopg://USER:PASS@HOST/DB.",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="Default timezone of new workspaces, and of exports written in local time.",
    )
    secret_key: str = Field(
        default="",
        description="Key that signs console session cookies. Empty: a random key is made and kept "
        "beside the SQLite file, or per process for other databases.",
    )
    host: str = Field(default="127.0.0.1", description="Address the console listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the console listens on.")
    secure_cookies: bool = Field(
        default=False, description="Mark session cookies Secure (set when the console is served over HTTPS)."
    )
    ingest_batch_size: int = Field(
        default=5000,
        ge=1,
        le=1_000_000,
        description="Events the ingest writer sends to the database per batch "
        "(a file is still one transaction).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        scheme = value.split(":", 1)[0]
        if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
            raise ValueError(
                f"unsupported database {value!r}: use sqlite:///PATH or postgresql+psycopg://..."
            )
        return value

    def sqlite_path(self) -> Path | None:
        if self.database_url.startswith("sqlite:///") and self.database_url != "sqlite:///:memory:":
            return Path(self.database_url.removeprefix("sqlite:///"))
        return None


class SettingsError(Exception):
    """Settings that cannot be used; the message names the setting."""


def settings_problem(exc: ValidationError) -> str:
    """The first problem of a validation error, without pydantic's prefix."""
    return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "QUNOPS_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {settings_problem(exc)}") from None
