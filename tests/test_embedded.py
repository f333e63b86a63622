"""The embedded store's life: first start, restart, exclusive data dir, crash and recovery."""

import asyncio
import json
import os
import signal
import stat
import time
from pathlib import Path

import pytest

from graph_schema import MODEL
from hub.errors import StartupError, Timeout
from hub.store import Store
from hub.store.embedded import EmbeddedServer
from tests.conftest import make_settings
from tests.harness import serve

pytestmark = pytest.mark.slow


def test_first_start_on_an_empty_data_dir_creates_store_and_owner_only_credentials(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "fresh" / "var"

    async def scenario() -> list[dict[str, int]]:
        store = await Store.open(make_settings(data_dir))
        try:
            return await store.query("RETURN 1 AS ok")
        finally:
            await store.close()

    assert asyncio.run(scenario()) == [{"ok": 1}]
    credentials = data_dir / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert len(json.loads(credentials.read_text())["password"]) >= 24
    database = data_dir / "arcadedb" / "databases" / "hub"
    assert database.is_dir()
    assert not (data_dir / "embedded.json").exists(), "runtime file is removed on clean stop"
    # Every writer appends a change batch: they go to several files, not one page of one.
    spread = {path.name.split(".")[0] for path in database.glob("ChangeBatch_?.*.bucket")}
    assert spread == {f"ChangeBatch_{n}" for n in range(8)}


def test_a_statement_past_the_statement_timeout_is_ended_by_the_store(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db_statement_timeout=1)
    endless = (
        "UNWIND range(1, 100000) AS i UNWIND range(1, 1000) AS j "
        "WITH i, j WHERE (i * j) % 7919 = 100000 RETURN count(*) AS n"
    )

    async def scenario() -> float:
        store = await Store.open(settings)
        try:
            started = time.monotonic()
            with pytest.raises(Timeout):
                await store.query(endless)
            return time.monotonic() - started
        finally:
            await store.close()

    assert asyncio.run(scenario()) < 60, "ended by the store, not run to its end (about 90 s)"


def test_restart_keeps_data(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)

    async def write() -> None:
        store = await Store.open(settings)
        try:
            await store.query("CREATE (:Probe {name: 'kept'})")
        finally:
            await store.close()

    async def read() -> list[dict[str, str]]:
        store = await Store.open(settings)
        try:
            return await store.query("MATCH (p:Probe) RETURN p.name AS name")
        finally:
            await store.close()

    asyncio.run(write())
    assert asyncio.run(read()) == [{"name": "kept"}]


def test_second_hub_on_the_same_data_dir_gets_a_clear_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)

    async def scenario() -> str:
        first = await Store.open(settings)
        try:
            with pytest.raises(StartupError) as caught:
                await Store.open(settings)
            return caught.value.message
        finally:
            await first.close()

    message = asyncio.run(scenario())
    assert "in use by another hub" in message
    assert f"pid {os.getpid()}" in message
    assert "HUB_DATA_DIR" in message


def test_tools_attach_to_the_store_a_running_hub_owns(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)

    async def scenario() -> list[dict[str, int]]:
        owner = await Store.open(settings)
        try:
            await owner.query("CREATE (:Probe {n: 7})")
            tool = await Store.open(settings, attach=True)
            try:
                assert tool.embedded is None
                return await tool.query("MATCH (p:Probe) RETURN p.n AS n")
            finally:
                await tool.close()
        finally:
            await owner.close()

    assert asyncio.run(scenario()) == [{"n": 7}]


def test_stopping_terminates_the_server_process(tmp_path: Path) -> None:
    async def scenario() -> int:
        server = EmbeddedServer(make_settings(tmp_path))
        await server.start()
        pid = server.pid
        assert pid is not None
        await server.stop()
        return pid

    pid = asyncio.run(scenario())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_root_password_stays_off_the_servers_command_line(tmp_path: Path) -> None:
    async def scenario() -> tuple[bytes, str, list[dict[str, int]]]:
        server = EmbeddedServer(make_settings(tmp_path, embedded_heap="auto"))
        await server.start()
        try:
            assert server.pid is not None
            command_line = await asyncio.to_thread(Path(f"/proc/{server.pid}/cmdline").read_bytes)
            store = await Store.open(make_settings(tmp_path), attach=True)
            try:
                answer = await store.query("RETURN 1 AS ok")
            finally:
                await store.close()
            return command_line, server.credentials.password, answer
        finally:
            await server.stop()

    command_line, password, answer = asyncio.run(scenario())
    assert answer == [{"ok": 1}], "the server took the password from its argument file"
    assert b"arcadedb.server.rootPath" in command_line
    arguments = command_line.split(b"\0")
    assert b"-XX:+UseParallelGC" in arguments, "HUB_EMBEDDED_JVM_OPTIONS"
    # HUB_EMBEDDED_HEAP=auto: a quarter of the machine's memory, at least 2 GB.
    (heap,) = [a for a in arguments if a.startswith(b"-Xmx")]
    quarter = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4 // 2**20
    assert 2048 <= int(heap.removeprefix(b"-Xmx").removesuffix(b"m")) <= max(2048, quarter)
    assert password.encode() not in command_line
    assert not (tmp_path / "jvm-secrets.args").exists()


def _wait_for(condition: object, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(step)
    return False


def test_crash_turns_readiness_red_answers_database_unavailable_and_recovers(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, embedded_restart_delay=3.0)
    query = "query Counts { serverInfo { recordCounts { label count } } }"
    with serve(settings) as hub, hub.client() as client:
        assert "data" in hub.graphql(query) and "errors" not in hub.graphql(query)
        embedded = hub.store.embedded
        assert embedded is not None and embedded.pid is not None
        os.kill(embedded.pid, signal.SIGKILL)

        assert _wait_for(lambda: client.get("/readyz").status_code == 503, timeout=10)
        # The first 503 may come from the refused connection before the supervisor has
        # noticed the exit; then the reason names the restart.
        assert _wait_for(lambda: "restarting" in client.get("/readyz").text, timeout=10)
        ready = client.get("/readyz")
        assert ready.json()["status"] == "unavailable"
        assert "restarting" in ready.json()["reason"]
        failed = hub.graphql(query)
        assert failed["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
        assert "Traceback" not in json.dumps(failed)

        assert _wait_for(lambda: client.get("/readyz").status_code == 200, timeout=90, step=0.5)
        recovered = hub.graphql(query)
        assert "errors" not in recovered
        assert len(recovered["data"]["serverInfo"]["recordCounts"]) == len(MODEL.golden_labels)
