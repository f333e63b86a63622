"""Cold start of ``hub serve`` on the embedded store, against the bare database start.

    python -m bench.cold_start [--runs 3]

For each run: the time from launching ``hub serve`` until ``/readyz`` answers 200, on an
empty data dir (first start: credentials, database and schema created) and again on the same
data dir (restart). The baseline is the embedded ArcadeDB server alone, started in-process
until it answers a Bolt query: the part of the start-up the hub cannot avoid.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from hub.settings import Settings
from hub.store.embedded import EmbeddedServer, free_port


def _hub_ready_seconds(data_dir: Path) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update({"HUB_DATA_DIR": str(data_dir), "HUB_LOG_LEVEL": "WARNING"})
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError("hub serve exited before it was ready")
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


async def _bare_store_seconds(data_dir: Path) -> float:
    server = EmbeddedServer(Settings(_env_file=None, data_dir=data_dir))
    started = time.perf_counter()
    await server.start()
    elapsed = time.perf_counter() - started
    await server.stop()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    first, restart, baseline = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            baseline.append(asyncio.run(_bare_store_seconds(Path(tmp) / "bare")))
            first.append(_hub_ready_seconds(Path(tmp) / "hub"))
            restart.append(_hub_ready_seconds(Path(tmp) / "hub"))
    base = statistics.median(baseline)
    print(f"cold start, {runs} runs (median / min / max seconds, ratio to baseline median)")
    for name, values in (
        ("bare embedded store (baseline)", baseline),
        ("hub serve, empty data dir", first),
        ("hub serve, existing data dir", restart),
    ):
        median = statistics.median(values)
        print(
            f"  {name:32} {median:6.2f} / {min(values):6.2f} / {max(values):6.2f}"
            f"   x{median / base:4.2f}"
        )


if __name__ == "__main__":
    main()
