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

from hub import cli
from hub.api import build_schema
from hub.errors import DatabaseUnavailable, RetryLater
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
    [
        [],
        ["serve"],
        ["schema"],
        ["schema", "apply"],
        ["schema", "print"],
        ["load"],
        ["generate"],
        ["clients"],
        ["clients", "add"],
        ["clients", "list"],
        ["clients", "revoke"],
    ],
)
def test_every_command_explains_itself(args: list[str], tmp_path: Path) -> None:
    result = hub_command(*args, "--help", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: hub" in result.stdout
    assert len(result.stdout.splitlines()) > 3


def test_commands_other_than_serve_start_without_loading_the_api() -> None:
    # The API's schema takes about a second to build from its types; hub load, hub match
    # and the others never need it.
    probe = "import sys, hub.cli; print(sorted(m for m in sys.modules if m.startswith('hub.api')))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_schema_print_writes_the_sdl(tmp_path: Path) -> None:
    result = hub_command("schema", "print", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == build_schema().as_str() + "\n"
    assert "type Query" in result.stdout


def test_schema_print_into_a_missing_folder_is_one_clear_line(tmp_path: Path) -> None:
    result = hub_command("schema", "print", "-o", "missing/schema.graphql", env={}, cwd=tmp_path)
    _assert_one_clear_line(result, "cannot write missing/schema.graphql")


def test_a_mistyped_option_shows_the_usage_of_its_command(tmp_path: Path) -> None:
    result = hub_command("load", "CRM", "--bach-size", "5", "x", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: hub load ")
    assert "hub load: error: unrecognized arguments: --bach-size" in result.stderr


def test_an_option_is_not_taken_from_its_first_letters(tmp_path: Path) -> None:
    result = hub_command("generate", "out", "--partner", "5", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "unrecognized arguments: --partner" in result.stderr
    assert not (tmp_path / "out").exists()


def test_load_names_a_missing_path_before_it_starts_the_store(tmp_path: Path) -> None:
    env = {"HUB_DATA_DIR": str(tmp_path / "var")}
    result = hub_command("load", "CRM", "nowhere/partners.csv", env=env, cwd=tmp_path)
    _assert_one_clear_line(result, "nowhere/partners.csv: no such file or folder")
    assert not (tmp_path / "var").exists()  # no store was started for it


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["CRM", "erp="], "erp=: give the path after the ="),
        (["bad system!", "partners.csv"], "'bad system!' is not a system name"),
        (["CRM", "erp-x=partners.csv"], "partners.csv"),  # not an OTHER=: no such file
        (["CRM", "truth.csv"], "truth.csv: cannot tell what it holds from its name"),
    ],
)
def test_load_names_a_wrong_system_or_path_before_it_starts_the_store(
    tmp_path: Path, given: list[str], said: str
) -> None:
    (tmp_path / "partners.csv").write_text("source.key,lastName\nP1,Meier\n")
    (tmp_path / "truth.csv").write_text("a,b\n1,2\n")
    env = {"HUB_DATA_DIR": str(tmp_path / "var")}
    result = hub_command("load", *given, env=env, cwd=tmp_path)
    _assert_one_clear_line(result, said)
    assert not (tmp_path / "var").exists()  # no store was started for it


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


def test_a_command_on_a_store_whose_schema_is_current_logs_nothing_of_it(
    hub: RunningHub, tmp_path: Path
) -> None:
    result = hub_command("match", "--model", env=_external_env(hub), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "schema_applied" not in result.stderr


def _serve(
    env: dict[str, str], cwd: Path, *args: str
) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """A real ``hub serve`` process and its ``hub_ready`` log entry (empty if it never came)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--port", "0", *args],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")}, **env},
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    while line := process.stderr.readline():
        entry = json.loads(line)
        if entry["event"] == "hub_ready":
            return process, entry
    return process, {}


@pytest.mark.slow
def test_serve_starts_on_an_empty_data_dir_asks_for_tokens_once_a_client_exists_and_stops(
    tmp_path: Path,
) -> None:
    env = {"HUB_DATA_DIR": str(tmp_path / "var"), "HUB_EMBEDDED_HEAP": "1g"}
    process, ready = _serve(env, tmp_path)
    try:
        assert ready, "hub serve never logged hub_ready"
        assert ready["embedded"] is True
        base = ready["url"].removesuffix("/graphql")
        assert httpx.get(f"{base}/readyz").status_code == 200
        runtime = json.loads((tmp_path / "var" / "embedded.json").read_text())
        server_pid = runtime["serverPid"]

        query = {"query": "{ vehicles(first: 1) { totalCount } }"}
        assert httpx.post(ready["url"], json=query).status_code == 200, "open to this machine"
        added = hub_command("clients", "add", "first", "--scope", "read", env=env, cwd=tmp_path)
        assert added.returncode == 0, added.stderr
        token = added.stdout.splitlines()[-1]
        assert httpx.post(ready["url"], json=query).status_code == 401
        with_token = httpx.post(
            ready["url"], json=query, headers={"Authorization": f"Bearer {token}"}
        )
        assert with_token.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert not (tmp_path / "var" / "embedded.json").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(server_pid, 0)


def _workers_of(pid: int) -> set[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    }


def _connections_by_worker(workers: set[int], port: int) -> dict[int, int]:
    """How many established connections to ``port`` each worker holds."""
    established: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                established.add(fields[9])
    held = {}
    for pid in workers:
        links = (os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir())
        held[pid] = sum(1 for link in links if link.removeprefix("socket:[")[:-1] in established)
    return held


def _burst_of_connections(url: str, count: int, busy: int) -> list[socket.socket]:
    """``count`` keep-alive connections opened at once while the worker ``busy`` cannot
    accept (stopped, as if in a long request), each having had one answer."""
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    os.kill(busy, signal.SIGSTOP)
    try:
        opened = [socket.create_connection((host, int(port))) for _ in range(count)]
        for connection in opened:
            connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        time.sleep(0.5)  # time enough for the other worker to accept every one it can
    finally:
        os.kill(busy, signal.SIGCONT)
    for connection in opened:
        assert connection.recv(4096).startswith(b"HTTP/1.1 200")
    return opened


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_serve_with_workers_replaces_a_dead_worker_and_stops_them_all(
    hub: RunningHub, tmp_path: Path
) -> None:
    env = _external_env(hub, HUB_DATA_DIR=str(tmp_path / "var"), HUB_LOG_FORMAT="json")
    process, ready = _serve(env, tmp_path, "--workers", "2")
    try:
        assert ready.get("workers") == 2, "hub serve never logged hub_ready with 2 workers"
        url = ready["url"]
        workers = _workers_of(process.pid)
        assert len(workers) == 2
        query = {"query": "{ serverInfo { hubVersion } }"}
        for _ in range(4):  # a new connection each time: any worker may answer
            assert httpx.post(url, json=query).json()["data"]["serverInfo"]["hubVersion"]
        # A client's pool, opened in one burst, is spread over the workers, not taken whole
        # by the one that happens to be free at that moment.
        pool = _burst_of_connections(url, 64, busy=min(workers))
        try:
            port = int(url.split(":")[2].split("/")[0])
            held = _connections_by_worker(workers, port)
            assert sum(held.values()) == 64 and min(held.values()) >= 16, held
        finally:
            for connection in pool:
                connection.close()

        dead = min(workers)
        os.kill(dead, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_workers_of(process.pid) - {dead}) < 2:
            time.sleep(0.2)
        replaced = _workers_of(process.pid)
        assert len(replaced) == 2 and dead not in replaced
        for _ in range(4):
            assert httpx.post(url, json=query).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert '"event": "worker_exited"' in rest
    assert not any(_alive(pid) for pid in workers | replaced)


def test_workers_below_one_is_one_clear_line(tmp_path: Path) -> None:
    result = hub_command("serve", "--workers", "0", env={}, cwd=tmp_path)
    _assert_one_clear_line(result, "--workers must be at least 1")


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["--pairs", "10"], "--pairs go with --train"),
        (["--seed", "3"], "--seed go with --train"),
        (["--train", "--restart"], "--restart go with a match, not with --train"),
        (["--model", "--page", "5"], "--page go with a match, not with --model"),
        (["--page", "0"], "--page must be at least 1"),
    ],
)
def test_hub_match_refuses_options_of_another_way_of_running_it(
    tmp_path: Path, given: list[str], said: str
) -> None:
    result = hub_command("match", *given, env={"HUB_DATA_DIR": str(tmp_path / "d")}, cwd=tmp_path)
    assert result.returncode == 2 and said in result.stderr, result.stderr


@pytest.mark.parametrize(
    "failure",
    [
        RetryLater("the database met conflicting concurrent writes and gave up after retries"),
        DatabaseUnavailable("the database is unavailable: connection refused"),
    ],
)
def test_a_command_the_database_cannot_serve_now_stops_with_one_line_and_75(
    failure: Exception, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fails(args: Any) -> int:
        raise failure

    monkeypatch.setattr(cli, "_run", fails)
    assert cli.main(["match"]) == 75
    err = capsys.readouterr().err
    assert err.startswith("hub: stopped: ") and err.count("\n") == 1
    assert "run the command again" in err
