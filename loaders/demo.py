"""Sample data for a newcomer: a generated world loaded into an empty store."""

from __future__ import annotations

import logging
from pathlib import Path

from hub.domain.files import FileStore
from hub.store import Store
from loaders.generate import generate, systems
from loaders.invoice_lines import check_files
from loaders.load import Loader, Summary

log = logging.getLogger(__name__)

DEMO_PARTNERS = 1000
DEMO_SEED = 2024


async def is_empty(store: Store) -> bool:
    (row,) = await store.query("RETURN COUNT { MATCH (:BusinessPartner) } AS partners")
    return int(row["partners"]) == 0


async def load_demo(store: Store, data_dir: Path, files: FileStore) -> Summary | None:
    """Generate and load the demo world unless the store already holds partners."""
    if not await is_empty(store):
        log.info("demo_skipped", extra={"reason": "the store already holds data"})
        return None
    world = data_dir / "demo"
    counts = generate(world, DEMO_PARTNERS, DEMO_SEED, duplicate_rate=0.1)
    log.info("demo_generated", extra={"path": str(world), **counts})
    folders = list(systems(world))
    loader = Loader(store, folders[0][0], data_dir / "rejects" / "demo.ndjson", files=files)
    summary = await loader.load(folders)
    log.info("demo_loaded", extra={"rows": summary.rows, "seconds": round(summary.seconds, 1)})
    # The world's invoices, checked: invoiceLines and Contract.invoiceTotals have answers.
    checked = await check_files(store, [world / "invoices" / "invoice_lines.csv"], "DEMO")
    log.info("demo_invoices_checked", extra=dict(checked.verdicts))
    return summary
