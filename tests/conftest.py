"""Session fixtures: one embedded store and one hub served over real HTTP for all tests."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.auth import clients
from hub.settings import Settings
from hub.store import migrations
from tests.harness import RunningHub, serve

# Tests configure the hub explicitly; a developer's own HUB_* variables must not leak in.
for _name in [name for name in os.environ if name.startswith("HUB_")]:
    del os.environ[_name]


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    # Webhooks are delivered only by the hubs of the tests that want it (test_webhooks).
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "embedded_heap": "1g",
        "log_format": "text",
        "deliver_webhooks": False,
        # READ_ENGINE=off runs the suite with the read engine switched off (make test-plain).
        "read_engine": os.environ.get("READ_ENGINE", "on") != "off",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


STATEMENTS = Path(__file__).resolve().parents[1] / "build" / "cypher-statements.json"


@pytest.fixture(scope="session")
def statements() -> Iterator[set[str]]:
    """Every statement the tests' hubs send, written to build/cypher-statements.json at the
    end, for `make test` to check with Neo4j's own Cypher parser."""
    sent = {s.cypher for s in migrations.plan()}
    yield sent
    STATEMENTS.parent.mkdir(exist_ok=True)
    STATEMENTS.write_text(json.dumps(sorted(sent), indent=1))


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory, statements: set[str]) -> Iterator[RunningHub]:
    """The hub every test shares: tests isolate themselves by their own data. It runs as
    `make serve` does (HUB_AUTH=auto, no client registered): requests from the tests, on
    this machine, act as the local developer."""
    with serve(make_settings(tmp_path_factory.mktemp("hub-data"))) as running:
        running.store.statements = statements
        yield running


@pytest.fixture(scope="session")
def secured(tmp_path_factory: pytest.TempPathFactory, statements: set[str]) -> Iterator[RunningHub]:
    """A hub on a store of its own where tokens are required: for who may do what, limits
    and budgets. Tests register the clients they need (:func:`register`)."""
    settings = make_settings(tmp_path_factory.mktemp("secured-data"), auth="required")
    with serve(settings) as running:
        running.store.statements = statements
        yield running


def register(hub: RunningHub, *scopes: str, system: str | None = None) -> str:
    """A new client with ``scopes`` (writing for ``system``) and its token."""
    name = f"client-{uuid.uuid4().hex[:10]}"
    now = dt.datetime.now(dt.UTC)
    token: str = hub.run(clients.add(hub.store, name, system, list(scopes), now))
    clients.mark_changed(hub.services.settings.data_dir)
    return token


@pytest.fixture
def unique() -> str:
    """A token to make a test's keys its own."""
    return uuid.uuid4().hex[:12].upper()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With the read engine off, the tests of what it does (statement counts, speed) have
    nothing to measure; every other test must give the same answers."""
    if os.environ.get("READ_ENGINE", "on") != "off":
        return
    skip = pytest.mark.skip(reason="measures the read engine, which READ_ENGINE=off switches off")
    for item in items:
        if item.get_closest_marker("engine"):
            item.add_marker(skip)
