"""Invoice-line checks in bulk against the same lookups written as hand-made Cypher, in one
run on a fresh embedded store.

    python -m bench.invoices [--partners 2000] [--lines 20000] [--batch 1000]
    python -m bench.invoices --generated [--partners 2000] [--same-lookups]

A world of partners, each with one or two service contracts (FUEL and TYRES covered, WASH at
0 %) and a fuel card issued under each, a tenth blocked, is loaded through the write path.
Then invoice lines (known cards with each service, 3 % unknown cards, days after a contract's
end) are checked in batches, in alternating slices: through ``hub.domain.invoices.check``
(verdicts, stored once per line) and through two hand-written statements per batch that
look up the same facts and store the same values under the same key constraint, with no
rules. Prints lines/s of both and the ratio, and the verdicts counted.

With ``--generated`` the world is ``hub generate``'s, loaded by the loader, and the lines its
invoice extract (fuel, tyres, workshop, toll, car wash): checked once and compared with the
verdicts the generator expects, then checked again on both sides under fresh invoice numbers.
``--same-lookups`` has the hand-written side look up, besides the facts, what the check looks
up too: the lines stored before under the batch's keys (a line is checked once) and what
earlier lines called off the caps the batch's lines count against.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import json
import random
import tempfile
import time
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.read_360 import load
from hub.domain import invoices, kinds
from hub.ids import new_id
from hub.settings import Settings
from hub.store import Store, migrations
from hub.store.temporal import utc_now
from hub.stores import file_store
from loaders.generate import generate, systems
from loaders.load import Loader
from loaders.objects import rows

SLICES = 4
SERVICES = ["FUEL", "TYRES", "WASH", "TOLL"]

# The baseline: the facts of each line's card, looked up as the check does, then the lines
# stored with the same values and the same key constraint, in two statements per batch,
# with a verdict that needs no rules.
BASELINE_FACTS = """
UNWIND $refs AS r
MATCH (o:IdentificationObject {kind: r.kind, number: r.number})
OPTIONAL MATCH (o)-[:ISSUED_UNDER]->(c:Contract)
RETURN r.number AS number, o.id AS object, o.status AS status, c.id AS contract,
  c.endDate AS endDate,
  CASE WHEN c IS NULL THEN [] ELSE
    [(c)<-[p:PARTY_TO]-(l:BusinessPartner) WHERE p.role = 'LESSEE' | l.id] END AS lessees,
  CASE WHEN c IS NULL THEN [] ELSE [(c)-[:HAS_ITEM]->(i:ContractItem) WHERE i.kind = 'SERVICE' |
    {uiid: i.uiid, codes: i.serviceCodes, coverage: i.serviceCoverage, terms: i.serviceTerms}]
    END AS items
"""
# With --same-lookups, also what the check looks up besides the facts: the lines stored
# before under the batch's keys, and the quantities earlier lines called off the caps the
# batch's lines count against.
BASELINE_STORED = (
    "UNWIND $keys AS k OPTIONAL MATCH (x:BaselineLine {supplier: k[0], invoiceNumber: k[1], "
    "lineNumber: k[2]}) RETURN collect(x.id) AS rows"
)
BASELINE_CALL_OFFS = (
    "MATCH (x:BaselineLine) WHERE x.contractId IN $ids AND x.serviceCode IN $codes "
    "RETURN collect({contract: x.contractId, service: x.serviceCode, quantity: x.quantity}) "
    "AS rows"
)
BASELINE_INDEX = (
    "CREATE INDEX baseline_contract IF NOT EXISTS FOR (x:BaselineLine) ON (x.contractId)"
)
BASELINE_STORE = "UNWIND $lines AS r CREATE (x:BaselineLine) SET x = r, x.checkedAt = $now"
BASELINE_KEY = (
    "CREATE CONSTRAINT baseline_line_key IF NOT EXISTS FOR (x:BaselineLine) "
    "REQUIRE (x.supplier, x.invoiceNumber, x.lineNumber) IS UNIQUE"
)


def world(partners: int, seed: int) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """The rows to load, and the numbers of the cards."""
    rng = random.Random(seed)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds.KINDS}
    cards = []
    n = 0
    for p in range(partners):
        key = f"P{p}"
        rows["BusinessPartner"].append(
            {
                "source": {"system": "CRM", "key": key},
                "kind": "ORGANIZATION",
                "organizationName": f"Fleet {p} GmbH",
                "roles": ["CUSTOMER"],
            }
        )
        for _ in range(rng.randint(1, 2)):
            rows["Contract"].append(
                {
                    "source": {"system": "CRM", "key": f"K{n}"},
                    "number": f"C{n}",
                    "type": "SERVICE",
                    "status": "ACTIVE",
                    "startDate": "2024-01-01",
                    "endDate": rng.choice(["2025-06-30", "2030-12-31", "2030-12-31"]),
                    "parties": [
                        {"role": "LESSEE", "partner": {"source": {"system": "CRM", "key": key}}}
                    ],
                    "items": [
                        {
                            "uiid": f"U{n}",
                            "kind": "SERVICE",
                            "singleServices": [
                                {"code": "FUEL", "coveragePercent": 100},
                                {"code": "TYRES", "coveragePercent": 100},
                                {"code": "WASH", "coveragePercent": 0},
                            ],
                        }
                    ],
                }
            )
            number = f"70{n:08d}"
            cards.append(number)
            rows["IdentificationObject"].append(
                {
                    "source": {"system": "ERP", "key": f"F{n}"},
                    "kind": "FUEL_CARD",
                    "number": number,
                    "validFrom": "2024-01-01",
                    "validTo": "2030-12-31",
                    "holder": {"source": {"system": "CRM", "key": key}},
                    "contract": {"number": f"C{n}"},
                }
            )
            n += 1
    return rows, cards


def lines(cards: list[str], count: int, tag: str, rng: random.Random) -> list[invoices.Line]:
    made = []
    for i in range(count):
        number = rng.choice(cards) if rng.random() > 0.03 else f"99{i:08d}"
        made.append(
            invoices.normalized(
                invoices.Line(
                    supplier=rng.choice(["Aral", "Shell", "Total", "Vergölst"]),
                    invoice_number=f"{tag}-{i // 50}",
                    line_number=i % 50 + 1,
                    object_kind="FUEL_CARD",
                    object_number=number,
                    date=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 364)),
                    service_code=rng.choice(SERVICES),
                    quantity=1.0,
                    amount=Decimal(rng.randint(1000, 20000)) / 100,
                    currency="EUR",
                )
            )
        )
    return made


async def hub_side(store: Store, batches: list[list[invoices.Line]], seen: Counter[str]) -> float:
    started = time.perf_counter()
    for batch in batches:
        for checked in await invoices.check(store, batch, "bench"):
            seen[checked.verdict] += 1
    return time.perf_counter() - started


async def cypher_side(
    store: Store, batches: list[list[invoices.Line]], same_lookups: bool = False
) -> float:
    started = time.perf_counter()
    for batch in batches:
        refs = [
            {"kind": k, "number": n}
            for k, n in {(li.object_kind, li.object_number) for li in batch}
        ]

        async def work(tx: Any, batch: list[invoices.Line] = batch, refs: Any = refs) -> None:
            if same_lookups:
                await tx.run(
                    BASELINE_STORED,
                    {"keys": [[li.supplier, li.invoice_number, li.line_number] for li in batch]},
                )
            found = await tx.run(BASELINE_FACTS, {"refs": refs})
            facts = {row["number"]: row for row in found}
            if same_lookups:
                await _baseline_call_offs(tx, batch, facts)
            rows = []
            for line in batch:
                fact = facts.get(line.object_number) or {}
                rows.append(
                    {
                        "id": new_id(),
                        "supplier": line.supplier,
                        "invoiceNumber": line.invoice_number,
                        "lineNumber": line.line_number,
                        "objectKind": line.object_kind,
                        "objectNumber": line.object_number,
                        "date": line.date,
                        "serviceCode": line.service_code,
                        "quantity": line.quantity,
                        "amount": str(line.amount),
                        "currency": line.currency,
                        "verdict": "COVERED" if fact else "UNKNOWN_OBJECT",
                        "explanation": f"Item of contract {fact.get('contract')} covers it.",
                        "coveredAmount": str(line.amount),
                        "rebillAmount": "0.00",
                        "objectId": fact.get("object"),
                        "contractId": fact.get("contract"),
                        "billToId": (fact.get("lessees") or [None])[0],
                        "checkedBy": "bench",
                    }
                )
            await tx.run(BASELINE_STORE, {"lines": rows, "now": utc_now()})

        await store.write(work)
    return time.perf_counter() - started


async def _baseline_call_offs(
    tx: Any, batch: list[invoices.Line], facts: dict[str, Any]
) -> list[dict[str, Any]]:
    """The quantities stored lines called off the capped services the batch's lines use."""
    ids, codes = set(), set()
    for line in batch:
        fact = facts.get(line.object_number)
        if not fact or fact["contract"] is None:
            continue
        for item in fact["items"]:
            terms = json.loads(item["terms"] or "[]")
            for code, term in zip(item["codes"] or [], terms, strict=False):
                if code == line.service_code and term.get("quantityCap") is not None:
                    ids.add(fact["contract"])
                    codes.add(code)
    if not ids:
        return []
    found = await tx.run(BASELINE_CALL_OFFS, {"ids": sorted(ids), "codes": sorted(codes)})
    return list(found[0]["rows"]) if found else []


async def generated(
    store: Store, settings: Settings, partners: int, seed: int, out: Path
) -> tuple[list[invoices.Line], list[str]]:
    """A world of ``hub generate`` loaded through the loader, and its invoice extract's
    lines with the verdicts the generator expects."""
    generate(out / "world", partners, seed)
    started = time.perf_counter()
    loader = Loader(store, "CRM", out / "rejects.ndjson", files=file_store(settings))
    summary = await loader.load(list(systems(out / "world")))
    seconds = time.perf_counter() - started
    print(f"  loaded a generated world: {summary.rows:,} rows in {seconds:.0f} s")
    if summary.rejected:
        rejected = (out / "rejects.ndjson").read_text(encoding="utf-8")[:2000]
        raise RuntimeError(f"{summary.rejected} rows rejected: {rejected}")
    extract = out / "world" / "invoices"
    made = []
    for _, row, _ in rows(extract / "invoice_lines.csv"):
        line, problems = invoices.line_of(row or {}, ())
        assert line is not None, problems
        made.append(line)
    text = (extract / "expected_verdicts.csv").read_text(encoding="utf-8")
    expected = [row["verdict"] for row in csv.DictReader(io.StringIO(text))]
    return made, expected


async def run_generated(partners: int, batch: int, seed: int, same_lookups: bool) -> None:
    """The bench on a generated world: its extract checked once against the generator's
    verdicts, then again under fresh invoice numbers on both sides, in alternating slices."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp) / "store")
        store = await Store.open(settings)
        try:
            await migrations.apply(store)
            await store.query(BASELINE_KEY)
            await store.query(BASELINE_INDEX)
            made, expected = await generated(store, settings, partners, seed, Path(tmp))
            first = await invoices.check(store, made, "bench")
            agree = sum(c.verdict == want for c, want in zip(first, expected, strict=True))
            print(f"verdicts as the generator expects them: {agree:,} of {len(expected):,}")
            seen: Counter[str] = Counter()
            hub_seconds = cypher_seconds = 0.0
            for s in range(SLICES):
                again = [replace(li, invoice_number=f"S{s}-{li.invoice_number}") for li in made]
                batches = [again[i : i + batch] for i in range(0, len(again), batch)]
                hub_seconds += await hub_side(store, batches, seen)
                cypher_seconds += await cypher_side(store, batches, same_lookups)
            report(len(made) * SLICES, batch, hub_seconds, cypher_seconds, seen)
        finally:
            await store.close()


def report(
    total: int, batch: int, hub_seconds: float, cypher_seconds: float, seen: Counter[str]
) -> None:
    hub_rate, cypher_rate = total / hub_seconds, total / cypher_seconds
    print(
        f"invoice lines, batches of {batch}: hub {hub_rate:8.0f} lines/s   "
        f"hand-written Cypher {cypher_rate:8.0f} lines/s   "
        f"ratio {hub_rate / cypher_rate:6.0%}"
    )
    print("verdicts: " + ", ".join(f"{v} {n}" for v, n in sorted(seen.items())))


async def run(partners: int, count: int, batch: int, seed: int) -> None:
    rng = random.Random(seed)
    rows, cards = world(partners, seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Settings(_env_file=None, data_dir=Path(tmp) / "store"))
        try:
            await migrations.apply(store)
            await store.query(BASELINE_KEY)
            await load(store, rows)
            # Some cards blocked, as a fleet's are.
            await store.query(
                "MATCH (o:IdentificationObject) WHERE o.number ENDS WITH '7' "
                "SET o.status = 'BLOCKED', o.blockedReason = 'reported lost'"
            )
            per = max(count // SLICES, batch)
            await hub_side(store, [lines(cards, batch, "warm", rng)], Counter())
            seen: Counter[str] = Counter()
            hub_seconds = cypher_seconds = 0.0
            for s in range(SLICES):
                made = lines(cards, per, f"S{s}", rng)
                batches = [made[i : i + batch] for i in range(0, len(made), batch)]
                hub_seconds += await hub_side(store, batches, seen)
                cypher_seconds += await cypher_side(store, batches)
            report(per * SLICES, batch, hub_seconds, cypher_seconds, seen)
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=20000, help="lines per side")
    parser.add_argument("--batch", type=int, default=1000, help="lines per check")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--generated",
        action="store_true",
        help="check the invoice extract of a `hub generate` world (--partners customers) "
        "instead, and compare its verdicts with the generator's",
    )
    parser.add_argument(
        "--same-lookups",
        action="store_true",
        help="with --generated: the hand-written side also looks up what the check does "
        "besides the facts (lines checked before under the batch's keys, call-offs of capped "
        "services), without the rules",
    )
    args = parser.parse_args()
    if args.generated:
        asyncio.run(run_generated(args.partners, args.batch, args.seed, args.same_lookups))
    else:
        asyncio.run(run(args.partners, args.lines, args.batch, args.seed))


if __name__ == "__main__":
    main()
