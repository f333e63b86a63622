"""Bulk loading: ``hub load`` of a generated world against raw ``UNWIND ... MERGE`` batches.

    python -m bench.load [--partners 100000] [--seed 7]

Generates a world (``hub generate``), then

1. loads it with ``hub load`` (one process, fresh embedded store) and prints rows/s per kind,
   the total wall time and the loader's peak memory (VmHWM of the Python process; the
   database runs in its own process);
2. loads the same partners and vehicles, with vehicle owners, as raw ``UNWIND $rows AS r
   MERGE ...`` batches of 5,000 straight through the driver into another fresh store;
3. prints both rates and their ratio. Run it with two sizes to see whether the loader's
   memory stays flat as the input grows.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hub.settings import Settings
from hub.store import Store, Transaction, migrations
from loaders.generate import generate

RAW_BATCH = 5000
RAW_PARTNERS = (
    "UNWIND $rows AS r "
    "MERGE (s:SourceRecord {entity: 'BusinessPartner', system: 'CRM', key: r.key}) "
    "MERGE (p:BusinessPartner {id: r.key}) SET p += r.props MERGE (s)-[:SOURCE_OF]->(p)"
)
RAW_VEHICLES = (
    "UNWIND $rows AS r MERGE (v:Vehicle {vin: r.vin}) ON CREATE SET v.id = r.vin "
    "SET v += r.props WITH v, r MATCH (p:BusinessPartner {id: r.owner}) MERGE (p)-[:OWNS]->(v)"
)


def peak_memory_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_loader(world: Path, data_dir: Path) -> tuple[float, int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATA_DIR=str(data_dir), HUB_LOG_LEVEL="WARNING")
    command = [
        sys.executable,
        "-m",
        "hub",
        "load",
        "crm",
        str(world / "crm"),
        f"erp={world / 'erp'}",
        f"vms={world / 'vms'}",
        f"pdm={world / 'pdm'}",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, peak_memory_kib(process.pid))
        time.sleep(0.2)
    output = process.stdout.read() if process.stdout else ""
    return time.perf_counter() - started, peak, output


def raw_rows(world: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    partners = []
    with open(world / "crm" / "partners.ndjson", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            partners.append(
                {
                    "key": row["source"]["key"],
                    "props": {k: v for k, v in row.items() if isinstance(v, str)},
                }
            )
    vehicles = []
    with open(world / "vms" / "vehicles.csv", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            vehicles.append(
                {
                    "vin": record["vin"],
                    "owner": record["owner.source.key"],
                    "props": {"make": record["make"], "model": record["model"]},
                }
            )
    return partners, vehicles


async def run_raw(world: Path, data_dir: Path) -> tuple[int, float]:
    partners, vehicles = raw_rows(world)
    store = await Store.open(Settings(_env_file=None, data_dir=data_dir))
    try:
        await migrations.apply(store)
        started = time.perf_counter()
        for statement, rows in ((RAW_PARTNERS, partners), (RAW_VEHICLES, vehicles)):
            for start in range(0, len(rows), RAW_BATCH):
                batch = rows[start : start + RAW_BATCH]

                async def write(
                    tx: Transaction, batch: list[dict[str, Any]] = batch, statement: str = statement
                ) -> None:
                    await tx.run(statement, {"rows": batch})

                await store.write(write)
        return len(partners) + len(vehicles), time.perf_counter() - started
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        started = time.perf_counter()
        counts = generate(world, args.partners, args.seed, duplicate_rate=0.2)
        print(f"generated in {time.perf_counter() - started:.1f}s: {counts}")
        seconds, peak, output = run_loader(world, Path(tmp) / "loaded")
        print(output.rstrip())
        rows = int(re.search(r"([\d,]+) rows in", output)[1].replace(",", ""))  # type: ignore[index]
        print(
            f"hub load: {rows:,} rows in {seconds:.1f}s wall ({rows / seconds:,.0f} rows/s), "
            f"peak memory of the loader process {peak / 1024:,.0f} MiB"
        )
        raw_count, raw_seconds = asyncio.run(run_raw(world, Path(tmp) / "raw"))
        raw_rate = raw_count / raw_seconds
        print(
            f"raw UNWIND MERGE (partners + vehicles with owners, batches of {RAW_BATCH}): "
            f"{raw_count:,} rows in {raw_seconds:.1f}s ({raw_rate:,.0f} rows/s)"
        )
        print(f"loader / raw: {rows / seconds / raw_rate:.0%}")


if __name__ == "__main__":
    main()
