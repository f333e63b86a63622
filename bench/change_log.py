"""What the change log costs, whether a consumer keeps up, and how fast a change reaches a
subscriber, in one run on a fresh embedded store.

    python -m bench.change_log [--seconds 12] [--rows 12000] [--latency 200]

1. Upserts: four concurrent writers call the write path (one vehicle per transaction), in
   alternating slices with the log on (events written, the change feed numbering them as a
   served hub does), off (event writing replaced by nothing; the feed idle), and on with a
   subscriber waiting for every change (each numbered within milliseconds). Prints
   upserts/s of each and the cost of the log.
2. ``hub load`` of vehicle NDJSON files, alternately with and without the log, each file
   new rows; prints rows/s of both and the cost.
3. A consumer paging ``changes`` (100 a page, as a poller does) while ``hub load`` writes at
   full speed: prints the largest lag seen (events committed but not yet read) and how long
   after the load's end the consumer had read everything.
4. Subscription latency: the hub served on loopback, a WebSocket subscribed to ``changes``;
   one upsert at a time over HTTP, timing from the moment the mutation's answer arrives (the
   change is committed) to the moment its event arrives on the socket. Prints p50/p95/max.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from hub.app import create_app
from hub.domain import change_log, deliveries, kinds, service, upsert
from hub.domain.feed import ChangeFeed
from hub.read import changes
from hub.settings import Settings
from hub.store import Store, migrations
from hub.store.embedded import free_port
from loaders.load import Loader

VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
WRITERS = 4
SLICES = 6


def vin(rng: random.Random) -> str:
    return "WBA" + "".join(rng.choice(VIN_CHARS) for _ in range(14))


def vehicle_row(rng: random.Random, key: str) -> dict[str, Any]:
    return {
        "source": {"system": "VMS", "key": key},
        "vin": vin(rng),
        "make": "BMW",
        "model": rng.choice(["X1", "X3", "X5", "i4"]),
        "modelYear": rng.randint(2015, 2025),
    }


@contextlib.contextmanager
def log_off() -> Iterator[None]:
    """The write path without change events: what the hub would cost without its log."""

    async def nothing(*_: Any, **__: Any) -> None:
        return None

    def no_events(*_: Any, **__: Any) -> tuple[str, None, list[dict[str, Any]]]:
        return "", None, []

    namespace = vars(upsert)
    kept = {name: namespace[name] for name in ("record_events", "_events")}
    namespace.update(record_events=nothing, _events=no_events)
    try:
        yield
    finally:
        namespace.update(kept)


@contextlib.asynccontextmanager
async def feeding(store: Store, *, listened: bool = False) -> AsyncIterator[ChangeFeed]:
    """The change feed as a served hub runs it; ``listened``: with a subscriber waiting for
    every change, which has them numbered at once."""
    feed = ChangeFeed(store, 0.5)
    tasks = [asyncio.create_task(feed.run())]
    if listened:

        async def listen() -> None:
            while True:
                await feed.moved_past(feed.head)

        tasks.append(asyncio.create_task(listen()))
    try:
        yield feed
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        feed.close()


async def upserts(store: Store, seconds: float, rng: random.Random, tag: str) -> int:
    """Upserts done by WRITERS concurrent writers in ``seconds``."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def writer(w: int) -> None:
        nonlocal done
        n = 0
        while time.perf_counter() < deadline:
            row = vehicle_row(rng, f"{tag}-{w}-{n}")
            delivery, problems = deliveries.BUILDERS["Vehicle"](row, ())
            assert delivery is not None, problems
            await service.upsert_batch(store, kinds.VEHICLE, [delivery])
            n += 1
            done += 1

    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    return done


async def measure_upserts(store: Store, seconds: float, rng: random.Random) -> None:
    on = off = listened = 0
    for s in range(SLICES):
        async with feeding(store):
            on += await upserts(store, seconds / SLICES, rng, f"on{s}")
        with log_off():
            off += await upserts(store, seconds / SLICES, rng, f"off{s}")
        async with feeding(store, listened=True):
            listened += await upserts(store, seconds / SLICES, rng, f"sub{s}")
    print(
        f"upserts, {WRITERS} writers:  with the log {on / seconds:8.0f}/s   "
        f"without {off / seconds:8.0f}/s   cost {1 - on / off:6.1%}   "
        f"with a subscriber {listened / seconds:6.0f}/s (cost {1 - listened / off:6.1%})"
    )


def write_file(path: Path, rng: random.Random, rows: int, tag: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    file = path / "vehicles.ndjson"
    with file.open("w", encoding="utf-8") as out:
        for i in range(rows):
            out.write(json.dumps(vehicle_row(rng, f"{tag}-{i}")) + "\n")
    return file


async def load(store: Store, tmp: Path, file: Path) -> float:
    """Seconds ``hub load`` took for ``file``."""
    loader = Loader(store, "VMS", tmp / "rejects.ndjson", batch_size=1000)
    started = time.perf_counter()
    summary = await loader.load([file])
    assert summary.rejected == 0
    return time.perf_counter() - started


async def measure_load(store: Store, tmp: Path, rows: int, rng: random.Random) -> None:
    per = max(rows // SLICES, 1000)
    on = off = 0.0
    for s in range(SLICES):
        async with feeding(store):
            on += await load(store, tmp, write_file(tmp / f"on{s}", rng, per, f"lon{s}"))
        with log_off():
            off += await load(store, tmp, write_file(tmp / f"off{s}", rng, per, f"loff{s}"))
    total = per * SLICES
    print(
        f"hub load, vehicles:  with the log {total / on:8.0f} rows/s   "
        f"without {total / off:8.0f} rows/s   cost {1 - off / on:6.1%}"
    )


async def measure_lag(store: Store, tmp: Path, rows: int, rng: random.Random) -> None:
    """A consumer paging the log while a load runs: the most it fell behind, and how long
    it needed after the load to have read everything."""
    await change_log.sequence(store)
    start = await changes.head(store)
    position, largest = start, 0
    finished: float | None = None

    async def consume() -> None:
        nonlocal position, largest
        while True:
            # Only a page read wholly after the load's end may be the last.
            ended = finished is not None
            await change_log.sequence(store)
            page = await changes.page(store, position, 100)
            position = page.end
            largest = max(largest, await changes.head(store) - position)
            if ended and not page.more:
                return
            if not page.events:
                await asyncio.sleep(0.05)

    async with feeding(store):
        reader = asyncio.create_task(consume())
        seconds = await load(store, tmp, write_file(tmp / "lag", rng, rows, "lag"))
        finished = time.perf_counter()
        await reader
    behind = time.perf_counter() - finished
    print(
        f"consumer during a load of {rows} rows ({rows / seconds:.0f} rows/s): "
        f"{position - start} events read, largest lag {largest} events, "
        f"caught up {behind * 1000:.0f} ms after the load ended"
    )


class Arrivals:
    """When each record's event arrived on the socket."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self._news = asyncio.Condition()

    async def listen(self, ws: Any) -> None:
        async for message in ws:
            event = json.loads(message)
            if event.get("type") == "next":
                self.at[event["payload"]["data"]["changes"]["recordId"]] = time.perf_counter()
                async with self._news:
                    self._news.notify_all()

    async def of(self, record: str) -> float:
        async with self._news:
            await self._news.wait_for(lambda: record in self.at)
        return self.at[record]


UPSERT = """
mutation($input: VehicleInput!) { upsertVehicle(input: $input) { vehicle { id } } }
"""
SUBSCRIBE = "subscription { changes(kinds: [VEHICLE]) { recordId } }"


async def measure_latency(store: Store, tmp: Path, count: int, rng: random.Random) -> None:
    settings = Settings(_env_file=None, data_dir=tmp / "served", log_level="WARNING")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store), port=port, log_config=None, access_log=False, lifespan="on"
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn tells only by this flag
        await asyncio.sleep(0.05)
    delays: list[float] = []
    try:
        async with (
            connect(
                f"ws://127.0.0.1:{port}/graphql",
                subprotocols=[Subprotocol("graphql-transport-ws")],
            ) as ws,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http,
        ):
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
            )
            arrivals = Arrivals()
            listening = asyncio.create_task(arrivals.listen(ws))
            await asyncio.sleep(0.5)  # the subscription is running
            for i in range(count):
                row = vehicle_row(rng, f"lat-{i}")
                answer = await http.post(
                    "/graphql", json={"query": UPSERT, "variables": {"input": row}}
                )
                committed = time.perf_counter()
                record = answer.json()["data"]["upsertVehicle"]["vehicle"]["id"]
                delays.append(max(await arrivals.of(record) - committed, 0.0))
            listening.cancel()
    finally:
        server.should_exit = True
        await serving
    delays.sort()
    print(
        f"commit to subscriber, {count} changes: p50 {statistics.median(delays) * 1000:.1f} ms   "
        f"p95 {delays[int(len(delays) * 0.95)] * 1000:.1f} ms   max {delays[-1] * 1000:.1f} ms"
    )


async def run(seconds: float, rows: int, latency: int, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = await Store.open(Settings(_env_file=None, data_dir=folder / "store"))
        try:
            await migrations.apply(store)
            await upserts(store, 3.0, rng, "warm")  # the JVM warms up before anything counts
            await measure_upserts(store, seconds, rng)
            await measure_load(store, folder, rows, rng)
            await measure_lag(store, folder, rows, rng)
            await measure_latency(store, folder, latency, rng)
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="upsert time per side")
    parser.add_argument("--rows", type=int, default=12000, help="rows hub load writes per side")
    parser.add_argument("--latency", type=int, default=200, help="changes timed to a subscriber")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.rows, args.latency, args.seed))


if __name__ == "__main__":
    main()
