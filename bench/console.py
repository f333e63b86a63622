"""The stewards' console's queue page with many open candidates, against the same page read
by hand-written Cypher, in one run on a fresh embedded store.

    python -m bench.console [--candidates 10000] [--seconds 5]

Loads twice as many partners as candidates (a CRM and an ERP record each, without matching),
then proposes one open candidate per pair with spread scores. ``hub serve`` runs on the store
and answers the query the console's queue page sends (first page, last page, filtered and
sorted by age, with the total count) over HTTP, one client at a time. The baseline is the
first page's rows and the count read by two hand-written statements through the driver, in
the same run.
With Chromium installed, it also times the whole page in a headless browser: from opening
``/console`` to the queue's table showing its rows.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import signal
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.read_360 import serve
from hub.domain import deliveries, kinds, service
from hub.ids import new_id
from hub.settings import Settings
from hub.store import Store, migrations

BATCH = 2000
QUEUE = Path(__file__).resolve().parents[1] / "hub" / "console" / "assets" / "console.js"

# The first page of the queue, as the console shows it, written by hand.
BASELINE = """
MATCH (c:MatchCandidate {status: 'OPEN'})
WITH c ORDER BY c.score DESC, c.id LIMIT 25
MATCH (c)-[:LEFT]->(l:BusinessPartner) MATCH (c)-[:RIGHT]->(r:BusinessPartner)
RETURN c.id AS id, c.score AS score, c.explanation AS explanation, c.createdAt AS createdAt,
       l.name AS left, l.kind AS kind, [(l)<-[:SOURCE_OF]-(s:SourceRecord) | s.system] AS ls,
       r.name AS right, [(r)<-[:SOURCE_OF]-(t:SourceRecord) | t.system] AS rs
ORDER BY c.score DESC, c.id LIMIT 25
"""

COUNT = "MATCH (c:MatchCandidate {status: 'OPEN'}) RETURN count(c) AS n"

PROPOSE = """
UNWIND $rows AS row
MATCH (l:SourceRecord {system: 'ERP', key: row.key})-[:SOURCE_OF]->(left:BusinessPartner)
MATCH (r:SourceRecord {system: 'CRM', key: row.key})-[:SOURCE_OF]->(right:BusinessPartner)
CREATE (c:MatchCandidate {id: row.id, pair: row.id, status: 'OPEN', score: row.score,
  features: '[]', explanation: 'no evidence beyond name and place', createdAt: $now})
CREATE (c)-[:LEFT]->(left) CREATE (c)-[:RIGHT]->(right)
"""

FIRST_NAMES = ["Anna", "Jonas", "Lea", "Paul", "Mia", "Lukas", "Emma", "Felix", "Wei", "Li"]
LAST_NAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wang", "Zhang"]


def _query() -> str:
    """The queue query exactly as the console sends it."""
    text = QUEUE.read_text(encoding="utf-8")
    start = text.index("const QUEUE = `") + len("const QUEUE = `")
    return text[start : text.index("`;", start)]


async def seed(store: Store, pairs: int, seed_: int) -> None:
    rng = random.Random(seed_)
    kind = kinds.KINDS["BusinessPartner"]
    started = time.perf_counter()
    for start in range(0, pairs, BATCH // 2):
        rows = []
        for n in range(start, min(pairs, start + BATCH // 2)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            for system in ("CRM", "ERP"):
                rows.append(
                    {
                        "source": {"system": system, "key": f"K{n}"},
                        "kind": "PERSON",
                        "firstName": first,
                        "lastName": f"{last}{n}",
                    }
                )
        built = [deliveries.BUILDERS["BusinessPartner"](r, ("row",)) for r in rows]
        batch = [d for d, problems in built if d is not None and not problems]
        await service.upsert_batch(store, kind, batch, matching=False)
    now = dt.datetime.now(dt.UTC)
    for start in range(0, pairs, BATCH):
        proposed: list[dict[str, Any]] = [
            {"key": f"K{n}", "id": new_id(), "score": round(rng.uniform(0.6, 0.9), 4)}
            for n in range(start, min(pairs, start + BATCH))
        ]
        await store.query(PROPOSE, {"rows": proposed, "now": now})
    (row,) = await store.query("MATCH (c:MatchCandidate {status: 'OPEN'}) RETURN count(c) AS n")
    print(f"  seeded {pairs:,} pairs and {row['n']:,} open candidates in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip


def _figures(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


async def _repeat(call: Any, seconds: float) -> list[float]:
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        await call()
        latencies.append(time.perf_counter() - started)
    return latencies


def _browser(url: str, rounds: int) -> list[float] | None:
    executable = os.environ.get("CONSOLE_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        return None
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only with a browser

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        for _ in range(rounds + 1):
            started = time.perf_counter()
            page.goto(f"{url}/console#/queue")
            page.get_by_role("table", name="Match queue").locator("tbody tr").first.wait_for()
            times.append(time.perf_counter() - started)
            page.goto("about:blank")
        browser.close()
    return times[1:]  # the first load warms the caches


async def run(candidates: int, seconds: float, seed_: int) -> None:
    query = _query()
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Settings(_env_file=None, data_dir=Path(tmp) / "store"))
        process = None
        try:
            await migrations.apply(store)
            await seed(store, candidates, seed_)
            process, url = serve(store, Path(tmp), 1)
            async with httpx.AsyncClient(base_url=url, timeout=60) as http:

                def asking(variables: dict[str, Any]) -> Any:
                    async def call() -> None:
                        response = await http.post(
                            "/graphql", json={"query": query, "variables": variables}
                        )
                        body = response.json()
                        assert "errors" not in body, body
                        assert body["data"]["matchCandidates"]["edges"], body

                    return call

                cases = {
                    "first page, best score first": {"status": "OPEN", "first": 25},
                    "last page": {"status": "OPEN", "last": 25},
                    "persons from ERP, newest first": {
                        "status": "OPEN",
                        "first": 25,
                        "orderBy": "NEWEST",
                        "where": {"kind": "PERSON", "system": "ERP"},
                    },
                    "scores 0.70 to 0.75": {
                        "status": "OPEN",
                        "first": 25,
                        "where": {"scoreFrom": 0.7, "scoreTo": 0.75},
                    },
                }
                await asking(cases["first page, best score first"])()  # warm up
                hub_first: list[float] = []
                for name, variables in cases.items():
                    latencies = await _repeat(asking(variables), seconds)
                    if not hub_first:
                        hub_first = latencies
                    print(f"  queue query, {name:32s} {_figures(latencies)}")

                async def baseline() -> None:
                    rows = await store.query(BASELINE)
                    assert len(rows) == 25
                    await store.query(COUNT)

                await baseline()
                raw = await _repeat(baseline, seconds)
                print(f"  hand-written Cypher, first page and count {_figures(raw)}")
                ratio = statistics.median(raw) / statistics.median(hub_first)
                print(f"  queue page over HTTP at {ratio:.0%} of the statement's own speed (p50)")
            loads = await asyncio.to_thread(_browser, url, 5)
            if loads is None:
                print("  browser: skipped, Chromium is not installed")
            else:
                print(f"  /console in Chromium until the queue shows, {_figures(loads)}")
        finally:
            if process is not None:
                process.send_signal(signal.SIGINT)
                process.wait(30)
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measured case")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.candidates, args.seconds, args.seed))


if __name__ == "__main__":
    main()
