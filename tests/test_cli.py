"""The ``hub`` command as a user runs it: real processes, real ports, real databases."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.api import build_schema
from hub.store.embedded import free_port
from tests.harness import RunningHub, hub_command

ROOT = Path(__file__).resolve().parents[1]


def _assert_one_clear_line(result: Any, *phrases: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hub: error: ")
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in lines[0]


@pytest.mark.parametrize(
    "args",
    [[], ["serve"], ["schema"], ["schema", "apply"], ["schema", "print"], ["load"], ["generate"]],
)
def test_every_command_explains_itself(args: list[str], tmp_path: Path) -> None:
    result = hub_command(*args, "--help", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: hub" in result.stdout
    assert len(result.stdout.splitlines()) > 3


def test_schema_print_writes_the_sdl(tmp_path: Path) -> None:
    result = hub_command("schema", "print", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == build_schema().as_str() + "\n"
    assert "type Query" in result.stdout


def test_committed_schema_file_is_current() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == build_schema().as_str() + "\n", "run: hub schema print -o schema.graphql"


def test_port_already_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = hub_command(
            "serve", "--port", str(port), env={"HUB_DATA_DIR": str(tmp_path)}, cwd=tmp_path
        )
    _assert_one_clear_line(result, f"port {port}", "already in use", "--port")


def test_unwritable_data_dir_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = hub_command(
        "serve", "--port", "0", env={"HUB_DATA_DIR": str(blocker / "var")}, cwd=tmp_path
    )
    _assert_one_clear_line(result, "not writable", "HUB_DATA_DIR")


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"
    result = hub_command(
        "serve", "--port", "0", env={"HUB_NEO4J_URI": uri, "HUB_NEO4J_PASSWORD": "x"}, cwd=tmp_path
    )
    _assert_one_clear_line(result, "cannot reach the database", uri, "HUB_NEO4J_URI")


def _external_env(hub: RunningHub, **extra: str) -> dict[str, str]:
    embedded = hub.store.embedded
    assert embedded is not None
    return {
        "HUB_NEO4J_URI": embedded.uri,
        "HUB_NEO4J_USER": embedded.credentials.user,
        "HUB_NEO4J_PASSWORD": embedded.credentials.password,
        **extra,
    }


def test_wrong_password_is_one_clear_line(hub: RunningHub, tmp_path: Path) -> None:
    env = _external_env(hub, HUB_NEO4J_PASSWORD="not-the-password")
    result = hub_command("serve", "--port", "0", env=env, cwd=tmp_path)
    _assert_one_clear_line(result, "rejected user 'root'", "HUB_NEO4J_PASSWORD")


def test_missing_database_is_one_clear_line(hub: RunningHub, tmp_path: Path) -> None:
    env = _external_env(hub, HUB_NEO4J_DATABASE="no_such_db")
    result = hub_command("serve", "--port", "0", env=env, cwd=tmp_path)
    _assert_one_clear_line(result, "'no_such_db' does not exist", "HUB_NEO4J_DATABASE")


def test_invalid_setting_is_one_clear_line(tmp_path: Path) -> None:
    result = hub_command("serve", env={"HUB_PORT": "eighty"}, cwd=tmp_path)
    _assert_one_clear_line(result, "HUB_PORT", "valid integer")


def test_schema_apply_against_an_external_server_is_idempotent(
    hub: RunningHub, tmp_path: Path
) -> None:
    result = hub_command("schema", "apply", env=_external_env(hub), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("created 0, already present ")


@pytest.mark.slow
def test_serve_starts_on_an_empty_data_dir_and_stops_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update({"HUB_DATA_DIR": str(tmp_path / "var"), "HUB_EMBEDDED_HEAP": "1g"})
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--port", "0"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        ready: dict[str, Any] = {}
        deadline = time.monotonic() + 120
        while not ready and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            entry = json.loads(line)
            if entry["event"] == "hub_ready":
                ready = entry
        assert ready, "hub serve never logged hub_ready"
        assert ready["embedded"] is True
        base = ready["url"].removesuffix("/graphql")
        assert httpx.get(f"{base}/readyz").status_code == 200
        runtime = json.loads((tmp_path / "var" / "embedded.json").read_text())
        server_pid = runtime["serverPid"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert not (tmp_path / "var" / "embedded.json").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(server_pid, 0)
