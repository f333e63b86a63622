"""The hub's one settings object, read from ``HUB_*`` environment variables and ``.env``."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.collation import CollationName
from hub.forwarded import TrustedProxies

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LogFormat = Literal["auto", "json", "text"]
AuthMode = Literal["auto", "required"]

# Asymmetric algorithms only: a shared secret (HS256) or "none" would let whoever holds the
# JWKS (or nothing at all) sign tokens.
_JWT_ALGORITHMS = frozenset(
    "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA".split()  # noqa: SIM905
)

_HEAP_PATTERN = re.compile(r"^[1-9][0-9]*[mMgG]$")
_ORIGIN_PATTERN = re.compile(r"^https?://[^/\s:]+(:[0-9]{1,5})?/?$")


def _listed(value: str) -> list[str]:
    """The items of a setting that lists them separated by spaces or commas."""
    return value.replace(",", " ").split()


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
    files_dir: Path | None = Field(
        default=None,
        description="Folder of the stored document files. Several hubs against one database "
        "(replicas) must share it. Default: 'files' in HUB_DATA_DIR.",
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
        default="auto",
        description="Maximum JVM heap of the embedded store, e.g. 512m or 4g; 'auto': a "
        "quarter of the memory the machine (or its container) has, 2 GB to 31 GB.",
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
    change_poll_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="How often the change feed looks for changes that other processes "
        "(hub load, other replicas) committed; this process's own are seen at once.",
    )
    subscription_recheck_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="How often an open subscription checks that its credentials still hold "
        "(a revoked client, an expired token); when they do not, it ends with UNAUTHENTICATED.",
    )
    change_retention_days: int | None = Field(
        default=None,
        gt=0,
        description="Days the change log keeps an event. Unset: forever. A consumer whose "
        "cursor is older than that continues with the oldest event kept.",
    )
    deliver_webhooks: bool = Field(
        default=True,
        description="This process delivers webhooks. Several may: each webhook is delivered "
        "by one at a time.",
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, le=300, description="Seconds a webhook receiver has to answer."
    )
    webhook_retry_seconds: float = Field(
        default=1.0,
        gt=0,
        description="Pause after a webhook's first failed attempt; it doubles with each "
        "further failure, up to 5 minutes.",
    )
    webhook_max_failures: int = Field(
        default=10,
        ge=1,
        description="Failed attempts in a row after which a webhook is paused (until "
        "hub webhooks resume).",
    )
    max_upload_mb: int = Field(
        default=100, gt=0, description="Largest document file accepted, in MiB."
    )
    migrate_on_start: bool = Field(
        default=True, description="Apply constraints and indexes when the hub starts."
    )
    auth: AuthMode = Field(
        default="auto",
        description="'required': every request needs a valid token. 'auto': while no client "
        "is registered and no JWKS is configured, requests from this machine act as a local "
        "developer with every scope and others are refused; then as 'required'.",
    )
    auth_refresh_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Seconds a hub process trusts its copy of the registered clients before "
        "reading them again; changes made with `hub clients` on the same data dir apply at once.",
    )
    jwt_jwks: str | None = Field(
        default=None,
        description="URL or file of the identity provider's JSON Web Key Set; set to accept its "
        "JWTs as bearer tokens.",
    )
    jwt_issuer: str | None = Field(
        default=None, description="Required issuer (iss) of JWTs; needed with HUB_JWT_JWKS."
    )
    jwt_audience: str | None = Field(
        default=None, description="Required audience (aud) of JWTs; needed with HUB_JWT_JWKS."
    )
    jwt_algorithms: str = Field(
        default="RS256 ES256 PS256 EdDSA",
        description="Signature algorithms accepted in JWTs, separated by spaces; asymmetric "
        "ones only.",
    )
    cors_origins: str = Field(
        default="",
        description="Origins whose browser pages may call the API (CORS), separated by spaces "
        "or commas, e.g. https://crm.example.com; '*' for any. Empty: none.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Addresses (or networks, 172.16.0.0/12) of the reverse proxies in front of "
        "the hub, separated by spaces or commas: from them, X-Forwarded-Proto and "
        "X-Forwarded-Host decide the links the hub builds (https:// behind TLS). Empty: none.",
    )
    collation: CollationName = Field(
        default="de",
        description="How names sort: 'de' (DIN 5007-1, dictionaries), 'de-phonebook' "
        "(DIN 5007-2) or 'codepoint'.",
    )
    cursor_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs pagination cursors. Unset: a key kept in the database, "
        "shared by every replica.",
    )
    read_engine: bool = Field(
        default=True,
        description="Read what a query selects below a record in the same statement and "
        "execute queries by a plan kept per document. Off: every field is resolved on its "
        "own, in batches per level (slower; the answers are the same).",
    )
    max_depth: int = Field(
        default=15, ge=1, description="Deepest nesting of fields a GraphQL document may have."
    )
    max_fields: int = Field(
        default=1000, ge=1, description="Most fields a GraphQL document may select."
    )
    max_aliases: int = Field(default=100, ge=0, description="Most aliases a document may use.")
    max_mutations: int = Field(default=50, ge=1, description="Most mutations one document may run.")
    max_cost: int = Field(
        default=10_000,
        ge=1,
        description="Highest estimated cost of one request (about the records it may read).",
    )
    cost_per_minute: int = Field(
        default=6_000_000,
        ge=0,
        description="Estimated cost each client may spend per minute (a token bucket); 0 "
        "switches the budget off.",
    )
    max_body_kb: int = Field(
        default=1024, ge=1, description="Largest request body in KiB, uploads aside."
    )
    request_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a request may run; then it ends, with its database transaction.",
    )
    db_statement_timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds the embedded store lets one statement run before it aborts it "
        "(on Neo4j, set db.transaction.timeout in its configuration).",
    )
    db_pool_size: int = Field(
        default=100, ge=2, description="Most database connections a hub process opens."
    )
    db_sessions_per_client: int = Field(
        default=8,
        ge=1,
        description="Most database sessions one client's requests hold at once in a process; "
        "the others wait, so one client never takes every connection.",
    )

    @field_validator("embedded_heap")
    @classmethod
    def _heap_has_unit(cls, value: str) -> str:
        if value.lower() != "auto" and not _HEAP_PATTERN.match(value):
            raise ValueError("must be 'auto' or a number followed by m or g, e.g. 512m or 2g")
        return value.lower()

    @field_validator("embedded_jvm_options")
    @classmethod
    def _jvm_options_are_options(cls, value: str) -> str:
        for option in value.split():
            if not option.startswith("-"):
                raise ValueError(f"{option!r} is not a JVM option: each starts with '-'")
            if option.startswith(("-Xmx", "-XX:MaxRAMPercentage")):
                raise ValueError(f"{option!r}: the heap is set by HUB_EMBEDDED_HEAP")
            if option in ("-cp", "-classpath", "--class-path"):
                raise ValueError(f"{option!r}: the hub sets the class path itself")
        return value

    @field_validator("jwt_jwks", "jwt_issuer", "jwt_audience")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        # docker compose passes an unset variable on as an empty one.
        return value.strip() or None if value is not None else None

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, value: str) -> str:
        for origin in _listed(value):
            if origin != "*" and not _ORIGIN_PATTERN.match(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: scheme and host, and a port if any, "
                    "without a path (https://crm.example.com:8443)"
                )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for address in _listed(value):
            try:
                network = ipaddress.ip_network(address)  # 10.0.0.5/8 is a typo, not a network
            except ValueError:
                raise ValueError(
                    f"{address!r} is not an IP address or network (10.0.0.5, 172.16.0.0/12)"
                ) from None
            if network.prefixlen == 0:
                raise ValueError(f"{address!r} would trust every address")
        return value

    @field_validator("jwt_algorithms")
    @classmethod
    def _asymmetric_algorithms(cls, value: str) -> str:
        names = value.split()
        unknown = [name for name in names if name not in _JWT_ALGORITHMS]
        if unknown or not names:
            choices = " ".join(sorted(_JWT_ALGORITHMS))
            raise ValueError(f"{' '.join(unknown) or 'nothing'}: choose among {choices}")
        return value

    @model_validator(mode="after")
    def _jwt_settings_complete(self) -> Settings:
        if self.jwt_jwks and not (self.jwt_issuer and self.jwt_audience):
            raise ValueError(
                "HUB_JWT_JWKS needs HUB_JWT_ISSUER and HUB_JWT_AUDIENCE: without them a token "
                "issued for another application would be accepted"
            )
        if self.db_sessions_per_client >= self.db_pool_size:
            raise ValueError(
                "HUB_DB_SESSIONS_PER_CLIENT must be below HUB_DB_POOL_SIZE, so that other "
                "clients always find a connection"
            )
        return self

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
    def files_root(self) -> Path:
        return self.files_dir or self.data_dir / "files"

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.rstrip("/") for origin in _listed(self.cors_origins)]

    @property
    def trusted_proxy_set(self) -> TrustedProxies:
        return TrustedProxies(_listed(self.trusted_proxies))

    @property
    def jwt_algorithm_list(self) -> list[str]:
        return self.jwt_algorithms.split()

    @property
    def embedded(self) -> bool:
        """True when the hub runs its own ArcadeDB store instead of connecting to a server."""
        return self.neo4j_uri is None
