"""The hub's one settings object, read from ``HUB_*`` environment variables and ``.env``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LogFormat = Literal["auto", "json", "text"]

_HEAP_PATTERN = re.compile(r"^[1-9][0-9]*[mMgG]$")


class Settings(BaseSettings):
    """Every knob of the hub. Each field is documented in ``docs/configuration.md``."""

    model_config = SettingsConfigDict(
        env_prefix="HUB_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    neo4j_uri: str | None = Field(
        default=None,
        description="Bolt or neo4j:// URI of an external Neo4j 5 server. "
        "Unset: the hub starts its embedded ArcadeDB store.",
    )
    neo4j_user: str = Field(default="neo4j", description="User for HUB_NEO4J_URI.")
    neo4j_password: SecretStr | None = Field(
        default=None, description="Password for HUB_NEO4J_URI."
    )
    neo4j_database: str | None = Field(
        default=None,
        description="Database name. Default: the server's default database for Neo4j, "
        "'hub' for the embedded store.",
    )
    data_dir: Path = Field(
        default=Path("./var"),
        description="Folder for the embedded database, its credentials, logs and stored files.",
    )
    host: str = Field(default="127.0.0.1", description="Address `hub serve` listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `hub serve` listens on.")
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Processes `hub serve` answers requests with; above 1, a parent process "
        "holds the store and restarts workers that die.",
    )
    log_level: LogLevel = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_format: LogFormat = Field(
        default="auto",
        description="'json' (one object a line), 'text' for people, or 'auto': text on a "
        "terminal, JSON otherwise.",
    )
    embedded_heap: str = Field(
        default="2g",
        description="Maximum JVM heap of the embedded store, e.g. 512m or 4g.",
    )
    embedded_jvm_options: str = Field(
        default="-XX:+UseParallelGC",
        description="Further options for the embedded store's JVM, separated by spaces. The "
        "default collector favours throughput over pause times: batches are what the embedded "
        "store mostly serves.",
    )
    embedded_start_timeout: float = Field(
        default=120.0, gt=0, description="Seconds to wait for the embedded store to accept Bolt."
    )
    embedded_restart_delay: float = Field(
        default=1.0,
        ge=0,
        description="Seconds to wait before restarting an embedded store that exited.",
    )
    db_connect_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a database connection."
    )
    db_retry_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Seconds a transaction is retried on transient errors before giving up.",
    )
    max_upload_mb: int = Field(
        default=100, gt=0, description="Largest document file accepted, in MiB."
    )
    migrate_on_start: bool = Field(
        default=True, description="Apply constraints and indexes when the hub starts."
    )

    @field_validator("embedded_heap")
    @classmethod
    def _heap_has_unit(cls, value: str) -> str:
        if not _HEAP_PATTERN.match(value):
            raise ValueError("must be a number followed by m or g, e.g. 512m or 2g")
        return value.lower()

    @field_validator("embedded_jvm_options")
    @classmethod
    def _jvm_options_are_options(cls, value: str) -> str:
        for option in value.split():
            if not option.startswith("-"):
                raise ValueError(f"{option!r} is not a JVM option: each starts with '-'")
            if option.startswith("-Xmx"):
                raise ValueError(f"{option!r}: the heap is set by HUB_EMBEDDED_HEAP")
            if option in ("-cp", "-classpath", "--class-path"):
                raise ValueError(f"{option!r}: the hub sets the class path itself")
        return value

    @field_validator("neo4j_uri")
    @classmethod
    def _uri_has_bolt_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        schemes = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")
        if not value.startswith(schemes):
            raise ValueError("must start with bolt:// or neo4j:// (optionally +s or +ssc)")
        return value

    @property
    def embedded(self) -> bool:
        """True when the hub runs its own ArcadeDB store instead of connecting to a server."""
        return self.neo4j_uri is None
