"""Session fixtures: one embedded store and one hub served over real HTTP for all tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.settings import Settings
from tests.harness import RunningHub, serve

# Tests configure the hub explicitly; a developer's own HUB_* variables must not leak in.
for _name in [name for name in os.environ if name.startswith("HUB_")]:
    del os.environ[_name]


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": data_dir, "embedded_heap": "1g", "log_format": "text"}
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """The hub every test shares: tests isolate themselves by their own data."""
    with serve(make_settings(tmp_path_factory.mktemp("hub-data"))) as running:
        yield running


@pytest.fixture
def unique() -> str:
    """A token to make a test's keys its own."""
    return uuid.uuid4().hex[:12].upper()
