"""Session fixtures: one embedded store and one hub served over real HTTP for all tests."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.settings import Settings
from hub.store import migrations
from tests.harness import RunningHub, serve

# Tests configure the hub explicitly; a developer's own HUB_* variables must not leak in.
for _name in [name for name in os.environ if name.startswith("HUB_")]:
    del os.environ[_name]


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": data_dir, "embedded_heap": "1g", "log_format": "text"}
    values.update(overrides)
    return Settings(_env_file=None, **values)


STATEMENTS = Path(__file__).resolve().parents[1] / "build" / "cypher-statements.json"


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """The hub every test shares: tests isolate themselves by their own data.

    Every statement it sends is written to build/cypher-statements.json at the end, for
    `make test` to check with Neo4j's own Cypher parser.
    """
    with serve(make_settings(tmp_path_factory.mktemp("hub-data"))) as running:
        running.store.statements = {s.cypher for s in migrations.plan()}
        yield running
        STATEMENTS.parent.mkdir(exist_ok=True)
        STATEMENTS.write_text(json.dumps(sorted(running.store.statements), indent=1))


@pytest.fixture
def unique() -> str:
    """A token to make a test's keys its own."""
    return uuid.uuid4().hex[:12].upper()
