"""The embedded store: an ArcadeDB server with its Bolt plugin, run as a supervised child.

The server runs in its own process on the JRE bundled with the ``arcadedb-embedded`` wheel,
so a crash of the database never takes the hub down with it: the supervisor notices the exit,
reports it through :meth:`EmbeddedServer.problem` (which ``/readyz`` shows) and starts the
server again on the same port, where the driver finds it.

Layout under ``HUB_DATA_DIR``::

    hub.lock            held by the hub that owns the data dir (a second hub gets an error)
    credentials.json    generated root password, owner-only permissions
    embedded.json       Bolt URI and pids of the running server, for other local tools
    arcadedb/           the server's root: databases/, config/, log/
    logs/arcadedb.out   the server's console output
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import importlib.util
import json
import logging
import os
import secrets
import signal
import socket
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import neo4j
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from hub.errors import StartupError
from hub.settings import Settings

log = logging.getLogger(__name__)

DATABASE = "hub"
ROOT_USER = "root"
_STOP_GRACE_SECONDS = 30.0
_MAX_RESTART_DELAY = 30.0
_PR_SET_PDEATHSIG = 1
# Types that every writer appends to at once, spread over this many buckets (files): the
# store's transactions are optimistic, and two that add a record to the last page of one
# bucket conflict, one of them starting again. A lookup by key reads the index of each
# bucket, so only a type written far more often than looked up is spread.
_SPREAD = {"ChangeBatch": 8}


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str


@dataclass(frozen=True)
class Runtime:
    """Where the bundled JRE and the server's jars are."""

    java: Path
    jars: Path


def locate_runtime() -> Runtime:
    """Find the JRE and jars shipped in the ``arcadedb-embedded`` wheel without importing it."""
    spec = importlib.util.find_spec("arcadedb_embedded")
    if spec is None or not spec.submodule_search_locations:
        raise StartupError(
            "the embedded database package is missing: install the hub with its "
            "'embedded' extra (pip install -e '.[embedded]'), or set HUB_NEO4J_URI"
        )
    package = Path(next(iter(spec.submodule_search_locations)))
    runtime = Runtime(java=package / "jre" / "bin" / "java", jars=package / "jars")
    if not runtime.java.exists() or not runtime.jars.is_dir():
        raise StartupError(
            f"the embedded database install at {package} is incomplete: reinstall it"
        )
    return runtime


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class DataDir:
    """The hub's data folder: checked writable, locked against a second hub, holding secrets."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser().resolve()
        self._lock_file: IO[str] | None = None

    @property
    def server_root(self) -> Path:
        return self.path / "arcadedb"

    @property
    def logs(self) -> Path:
        return self.path / "logs"

    @property
    def runtime_file(self) -> Path:
        return self.path / "embedded.json"

    @property
    def secret_arguments(self) -> Path:
        return self.path / "jvm-secrets.args"

    def write_secret_arguments(self, arguments: list[str]) -> Path:
        """A Java argument file only the owner can read: what the JVM is given through it
        stays off its command line, which every user of the host can list."""
        path = self.secret_arguments
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(arguments) + "\n")
        path.chmod(0o600)  # a file left from before keeps its mode through O_TRUNC
        return path

    def prepare(self) -> None:
        try:
            for folder in (self.path, self.server_root, self.logs):
                folder.mkdir(parents=True, exist_ok=True)
            probe = self.path / f".write-test-{os.getpid()}"
            probe.write_text("ok", encoding="utf-8")
            probe.unlink()
        except OSError as exc:
            raise StartupError(
                f"the data dir {self.path} is not writable ({exc.strerror or exc}): "
                "set HUB_DATA_DIR to a folder this user can write"
            ) from exc

    def lock(self) -> None:
        """Take the data dir for this process; a second hub on it gets a clear error."""
        lock_path = self.path / "hub.lock"
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            handle.close()
            raise StartupError(
                f"the data dir {self.path} is in use by another hub (pid {owner}): stop that "
                "hub, or set HUB_DATA_DIR to another folder"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    def release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def credentials(self) -> Credentials:
        """Read the root credentials, generating them on first start (mode 0600)."""
        path = self.path / "credentials.json"
        if not path.exists():
            secret = {"user": ROOT_USER, "password": secrets.token_urlsafe(24)}
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(secret, out)
        if path.stat().st_mode & 0o077:
            log.warning("credentials_permissions_tightened", extra={"path": str(path)})
            path.chmod(0o600)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Credentials(user=str(data["user"]), password=str(data["password"]))
        except (ValueError, KeyError) as exc:
            raise StartupError(
                f"{path} is damaged: restore it from a backup, or remove it together with "
                f"{self.server_root} to start an empty store"
            ) from exc

    def write_runtime(self, info: dict[str, object]) -> None:
        fd = os.open(self.runtime_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(info, out)

    def clear_runtime(self) -> None:
        self.runtime_file.unlink(missing_ok=True)

    def running_server(self) -> str | None:
        """Bolt URI of the server another hub runs on this data dir, if one is running."""
        lock_path = self.path / "hub.lock"
        if not lock_path.exists() or not self.runtime_file.exists():
            return None
        with open(lock_path, encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                info = json.loads(self.runtime_file.read_text(encoding="utf-8"))
                return str(info["boltUri"])
            fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def die_with_parent() -> None:
    """Ask Linux to stop this process when the one that started it dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedServer:
    """Starts, watches, restarts and stops the ArcadeDB server for one data dir."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.data_dir = DataDir(settings.data_dir)
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._stopping = False
        self._problem: str | None = "not started"
        self.bolt_port = 0
        self._http_port = 0
        self.credentials = Credentials(ROOT_USER, "")

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def problem(self) -> str | None:
        """Why the server cannot serve right now, or None while it runs."""
        return self._problem

    async def start(self) -> None:
        """Start the server and wait until its database answers over Bolt."""
        self.data_dir.prepare()
        self.data_dir.lock()
        try:
            self.credentials = self.data_dir.credentials()
            self.bolt_port = free_port()
            self._http_port = free_port()
            await self._launch()
        except BaseException:
            await self._terminate()
            self.data_dir.release()
            raise
        self._watcher = asyncio.create_task(self._watch(), name="embedded-store-watcher")

    async def stop(self) -> None:
        """Stop the server cleanly (it flushes and closes its files) and free the data dir."""
        self._stopping = True
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        await self._terminate()
        self.data_dir.clear_runtime()
        self.data_dir.release()
        self._problem = "stopped"

    def _command(self, runtime: Runtime, secrets_file: Path) -> list[str]:
        root = self.data_dir.server_root
        options = {
            "arcadedb.server.rootPath": str(root),
            "arcadedb.server.plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "arcadedb.server.defaultDatabases": f"{DATABASE}[{ROOT_USER}]",
            "arcadedb.server.httpIncomingHost": "127.0.0.1",
            "arcadedb.server.httpIncomingPort": str(self._http_port),
            "arcadedb.bolt.host": "127.0.0.1",
            "arcadedb.bolt.port": str(self.bolt_port),
            # A statement still running after this is aborted in the database itself: a
            # request that timed out must not keep the database busy for others.
            "arcadedb.command.timeout": str(round(self._settings.db_statement_timeout * 1000)),
            # The hub bounds how many statements run at once (its connection pool, and each
            # caller's share of it); a second queue in the database would make a bystander's
            # lookup wait behind another caller's heavy reads.
            "arcadedb.queryMaxConcurrent": "0",
        }
        return [
            str(runtime.java),
            _heap(self._settings.embedded_heap),
            "-XX:+ExitOnOutOfMemoryError",
            *self._settings.embedded_jvm_options.split(),
            "-cp",
            f"{runtime.jars}{os.sep}*",
            *(f"-D{key}={value}" for key, value in options.items()),
            f"@{secrets_file}",
            "com.arcadedb.server.ArcadeDBServer",
        ]

    async def _launch(self) -> None:
        runtime = locate_runtime()
        console = self.data_dir.logs / "arcadedb.out"
        # Java argument files are plain text split on white space; the generated password
        # is URL-safe base64, which needs no quoting.
        secrets_file = self.data_dir.write_secret_arguments(
            [f"-Darcadedb.server.rootPassword={self.credentials.password}"]
        )
        try:
            with open(console, "ab") as out:  # noqa: ASYNC230 - a local append, instant
                self._process = await asyncio.create_subprocess_exec(
                    *self._command(runtime, secrets_file),
                    cwd=self.data_dir.server_root,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=out,
                    stderr=asyncio.subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=die_with_parent,
                )
            await self._wait_ready(console)
            await self._spread_appended_types()
        finally:
            # Read by the JVM at start; the password stays in credentials.json alone.
            secrets_file.unlink(missing_ok=True)
        self.data_dir.write_runtime(
            {
                "boltUri": self.uri,
                "database": DATABASE,
                "serverPid": self._process.pid,
                "hubPid": os.getpid(),
            }
        )
        self._problem = None
        log.info("embedded_store_started", extra={"uri": self.uri, "pid": self._process.pid})

    async def _wait_ready(self, console: Path) -> None:
        assert self._process is not None
        deadline = asyncio.get_running_loop().time() + self._settings.embedded_start_timeout
        auth = (self.credentials.user, self.credentials.password)
        async with neo4j.AsyncGraphDatabase.driver(
            self.uri, auth=auth, connection_timeout=1.0, max_connection_pool_size=1
        ) as probe:
            while True:
                if self._process.returncode is not None:
                    raise StartupError(
                        f"the embedded database exited during start-up (code "
                        f"{self._process.returncode}): {_tail(console)} (full log: {console})"
                    )
                try:
                    async with probe.session(database=DATABASE) as session:
                        await (await session.run("RETURN 1")).consume()
                    return
                except AuthError as exc:
                    raise StartupError(
                        f"the embedded database rejected the credentials in "
                        f"{self.data_dir.path / 'credentials.json'}: restore that file, or "
                        f"remove {self.data_dir.server_root} with it to start an empty store"
                    ) from exc
                except (ServiceUnavailable, Neo4jError, OSError):
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise StartupError(
                        f"the embedded database did not answer within "
                        f"{self._settings.embedded_start_timeout:.0f}s: see {console}, or raise "
                        "HUB_EMBEDDED_START_TIMEOUT"
                    )
                await asyncio.sleep(0.2)

    async def _spread_appended_types(self) -> None:
        """Give each type of :data:`_SPREAD` its buckets (SQL over the server's HTTP API,
        which the Bolt plugin does not speak); a type made earlier gains the missing ones."""
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self._http_port}",
            auth=(self.credentials.user, self.credentials.password),
            timeout=self._settings.embedded_start_timeout,
        ) as http:

            async def sql(command: str, **params: str) -> list[dict[str, Any]]:
                try:
                    answer = await http.post(
                        f"/api/v1/command/{DATABASE}",
                        json={"language": "sql", "command": command, "params": params},
                    )
                    if answer.status_code == 200:
                        result: list[dict[str, Any]] = answer.json()["result"]
                        return result
                    problem = answer.text[:200]
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    problem = str(exc) or type(exc).__name__
                raise StartupError(f"the embedded database refused {command!r}: {problem}")

            for name, buckets in _SPREAD.items():
                await sql(f"CREATE VERTEX TYPE {name} IF NOT EXISTS")
                found = await sql("SELECT buckets FROM schema:types WHERE name = :name", name=name)
                have = set(found[0]["buckets"]) if found else set()
                for bucket in (f"{name}_{n}" for n in range(buckets)):
                    if bucket not in have:
                        await sql(f"ALTER TYPE {name} BUCKET +{bucket}")

    async def _watch(self) -> None:
        """Restart the server whenever it exits without being asked to."""
        delay = self._settings.embedded_restart_delay
        while not self._stopping:
            assert self._process is not None
            code = await self._process.wait()
            if self._stopping:
                return
            self._problem = f"the embedded database exited (code {code}) and is restarting"
            log.error("embedded_store_exited", extra={"code": code})
            while not self._stopping:
                await asyncio.sleep(delay)
                try:
                    await self._launch()
                    delay = self._settings.embedded_restart_delay
                    break
                except StartupError as exc:
                    await self._terminate()
                    self._problem = f"the embedded database is down and failed to restart: {exc}"
                    log.error("embedded_store_restart_failed", extra={"reason": str(exc)})
                    delay = min(max(delay * 2, 1.0), _MAX_RESTART_DELAY)

    async def _terminate(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), _STOP_GRACE_SECONDS)
        except TimeoutError:
            log.error("embedded_store_killed", extra={"pid": process.pid})
            process.kill()
            await process.wait()


def _tail(path: Path, lines: int = 3) -> str:
    """The last meaningful lines of the server's console, for a one-line error message."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            last = deque((line.strip() for line in handle if line.strip()), maxlen=lines)
    except OSError:
        return "no output"
    return " | ".join(last) or "no output"


def _heap(setting: str) -> str:
    """The JVM option for ``HUB_EMBEDDED_HEAP``. The store's heap holds its cache of the
    graph: a fixed size that suits a small graph makes a large one collect garbage all the
    time (on 100,000 partners with 2 GB, the 99th percentile of a read was 31 ms against
    4 ms with 4 GB). ``auto`` is a quarter of the memory the machine or its container has,
    at least 2 GB and at most 31 GB (above that the JVM's compressed pointers end)."""
    if setting != "auto":
        return f"-Xmx{setting}"
    quarter = _memory_bytes() // 4 // _MIB
    return f"-Xmx{max(_AUTO_HEAP_MIB[0], min(quarter, _AUTO_HEAP_MIB[1]))}m"


_MIB = 1024 * 1024
_AUTO_HEAP_MIB = (2 * 1024, 31 * 1024)  # the bounds of HUB_EMBEDDED_HEAP=auto


def _memory_bytes() -> int:
    """The memory this process may use: the machine's, or its container's limit if lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        with contextlib.suppress(OSError, ValueError):
            total = min(total, int(Path(limit_file).read_text().strip()))  # "max": no limit
    return total
