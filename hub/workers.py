"""Several worker processes answering requests on one listening socket.

A Python process runs one request's code at a time. With ``HUB_WORKERS`` above one, that
many worker processes answer requests, each with its own event loop, on the port the parent
claimed: on Linux each worker listens on a socket of its own and the kernel spreads new
connections evenly over them (``SO_REUSEPORT``); elsewhere they share the parent's socket.

The parent holds the store: it starts the embedded database (or connects to Neo4j), applies
the schema and loads the demo world before any worker starts. Each worker then connects to
the same database (to the embedded one over Bolt, as ``hub load`` does while the hub runs).
The parent

- logs ``hub_ready`` once every worker has connected;
- starts a new worker when one dies (one that dies before it connected is a start-up error);
- on SIGINT or SIGTERM asks the workers to stop, waits while they finish the requests under
  way, and closes the store last.

Workers ignore SIGINT: Ctrl-C in a terminal reaches every process, and the parent stops them
in order. A worker also stops when the parent dies, however it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import socket
import time
from collections.abc import Callable, Coroutine
from multiprocessing.process import BaseProcess
from multiprocessing.queues import SimpleQueue
from typing import Any

from hub import logs
from hub.errors import StartupError
from hub.serving import (
    http_server,
    log_ready,
    prepared_store,
    run_async,
    settle_heap,
    worker_socket,
)
from hub.settings import Settings
from hub.store import Store
from hub.store.embedded import die_with_parent
from hub.stores import open_store

log = logging.getLogger("hub")

_SPAWN = multiprocessing.get_context("spawn")
_POLL_SECONDS = 0.1
_RESTART_DELAY_SECONDS = 1.0
_STOP_GRACE_SECONDS = 30.0


async def serve_with_workers(
    settings: Settings,
    sock: socket.socket,
    started: float,
    prepare: Callable[[Store], Coroutine[Any, Any, None]],
) -> None:
    """Hold the store and keep ``settings.workers`` workers answering until SIGINT or SIGTERM."""
    async with prepared_store(settings, prepare) as store:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        # The schema is in place: workers only connect.
        pool = _Pool(settings.model_copy(update={"migrate_on_start": False}), sock)
        try:
            await pool.start(settings.workers, stop)
            if stop.is_set():
                return
            log_ready(settings, store, sock, started, settings.workers)
            await pool.keep_up(stop)
        finally:
            await pool.stop()


class _Pool:
    """The worker processes, and which of them have connected to the store."""

    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        self._settings = settings
        self._sock = sock
        self._ready: SimpleQueue[int] = _SPAWN.SimpleQueue()
        self._connected: set[int] = set()
        self.processes: list[BaseProcess] = []

    def _spawn(self) -> BaseProcess:
        process = _SPAWN.Process(
            target=work, args=(self._settings, self._sock, self._ready), name="hub-worker"
        )
        process.start()
        return process

    def _note_connected(self) -> None:
        while not self._ready.empty():
            self._connected.add(self._ready.get())

    async def start(self, count: int, stop: asyncio.Event) -> None:
        """Start ``count`` workers and wait until each has connected (or ``stop`` is set)."""
        self.processes = [self._spawn() for _ in range(count)]
        while not stop.is_set():
            self._note_connected()
            for process in self.processes:
                if process.exitcode is not None:
                    raise StartupError(
                        f"a worker process exited with code {process.exitcode} before it "
                        "connected to the database (its error is logged above)"
                    )
            if all(process.pid in self._connected for process in self.processes):
                return
            await _pause(stop, _POLL_SECONDS)

    async def keep_up(self, stop: asyncio.Event) -> None:
        """Replace workers that die, until ``stop`` is set."""
        while not stop.is_set():
            self._note_connected()
            replaced = False
            for i, process in enumerate(self.processes):
                if process.exitcode is not None:
                    log.error("worker_exited", extra={"pid": process.pid, "code": process.exitcode})
                    self.processes[i] = self._spawn()
                    replaced = True
            # A worker that cannot start (the database is restarting) is not spawned in a loop.
            await _pause(stop, _RESTART_DELAY_SECONDS if replaced else _POLL_SECONDS)

    async def stop(self) -> None:
        """Ask every worker to stop, give them time to finish their requests, then kill."""
        for process in self.processes:
            if process.exitcode is None:
                process.terminate()
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        for process in self.processes:
            await asyncio.to_thread(process.join, max(0.0, deadline - time.monotonic()))
            if process.exitcode is None:
                log.error("worker_killed", extra={"pid": process.pid})
                process.kill()
            process.join()
        self._ready.close()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def work(settings: Settings, sock: socket.socket, ready: SimpleQueue[int]) -> None:
    """A worker's life: connect to the store the parent holds and answer until SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    logs.configure(settings)
    run_async(_answer(settings, sock, ready))


async def _answer(settings: Settings, sock: socket.socket, ready: SimpleQueue[int]) -> None:
    store = await open_store(settings, attach=True)
    try:
        server = http_server(settings, store, (signal.SIGTERM,))
        settle_heap()
        listening = worker_socket(sock)
        # Connections wait in the socket's backlog until this worker accepts them.
        ready.put(multiprocessing.current_process().pid or 0)
        await server.serve(sockets=[listening])
    finally:
        await store.close()
