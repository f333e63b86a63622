"""Bulk loading: ``hub load`` of a generated world against raw ``UNWIND ... MERGE`` batches.

    python -m bench.load [--partners 100000] [--seed 7]

Generates a world (``hub generate``), then

1. loads it with ``hub load`` (one process, fresh embedded store) and prints rows/s per kind,
   the total wall time and the loader's peak memory (VmHWM of the Python process; the
   database runs in its own process);
2. writes the same graph (every kind, with source records, child nodes and relationships)
   as hand-written ``UNWIND $rows AS r MERGE ...`` batches of 5,000 straight through the
   driver into another fresh store, timing the batches only (the files are read first);
3. writes, the same way into a third store, the whole graph ``hub load`` leaves behind:
   besides the above a change event per record and, for partners, the blocking keys with
   their members and the term counts that duplicate detection keeps (worked out from the
   rows with the hub's own functions before the clock starts, as the payloads are);
4. prints the rates per kind and overall, and the loader's ratio to each baseline. Run it
   with two sizes to see whether the loader's memory stays flat as the input grows.

``HUB_EMBEDDED_*`` settings (``HUB_EMBEDDED_JVM_OPTIONS``, ``HUB_EMBEDDED_HEAP``) apply to the
stores of both sides.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_schema.matching import MAX_BLOCK
from hub.mastering.profile import blocking_keys, profile, terms
from hub.settings import Settings
from hub.store import Store, Transaction, migrations
from loaders.fields import Fields
from loaders.formats import Reading, read
from loaders.generate import generate
from loaders.load import ORDER, files_in, kind_of

RAW_BATCH = 5000

# Hand-written equivalents of what ``hub load`` writes for each kind: the golden record with
# its properties, a source record per (system, key) linked to it, child nodes and every
# relationship, found the way the extracts refer to them (source keys, VINs, numbers).
_SOURCE = (
    "MERGE (s:SourceRecord {{entity: '{label}', system: r.system, key: r.key}}) "
    "ON CREATE SET s.id = r.sid, s.payload = r.payload MERGE (s)-[:SOURCE_OF]->(n)"
)
_PARTNER_BY_SOURCE = (
    "(:SourceRecord {{entity: 'BusinessPartner', system: {ref}.system, key: {ref}.key}})"
    "-[:SOURCE_OF]->(o:BusinessPartner)"
)
RAW_STATEMENTS: dict[str, list[str]] = {
    "BusinessPartner": [
        "UNWIND $rows AS r MERGE (n:BusinessPartner {id: r.id}) SET n += r.props "
        + _SOURCE.format(label="BusinessPartner"),
        "UNWIND $rows AS r MATCH (n:BusinessPartner {id: r.id}) UNWIND r.addresses AS a "
        "CREATE (n)-[:HAS_ADDRESS]->(x:Address) SET x += a",
        # Relationships may name a partner of a later batch: written once all partners are.
    ],
    "Material": [
        "UNWIND $rows AS r MERGE (n:Material {number: r.props.number}) ON CREATE SET n.id = r.id "
        "SET n += r.props " + _SOURCE.format(label="Material"),
        "UNWIND $rows AS r MATCH (n:Material {id: r.id}) UNWIND r.descriptions AS d "
        "CREATE (n)-[:HAS_DESCRIPTION]->(x:MaterialDescription) SET x += d",
        "UNWIND $rows AS r MATCH (n:Material {id: r.id}) UNWIND r.prices AS p "
        "CREATE (n)-[:HAS_PRICE]->(x:MaterialPrice) SET x += p",
    ],
    "Vehicle": [
        "UNWIND $rows AS r MERGE (n:Vehicle {vin: r.props.vin}) ON CREATE SET n.id = r.id "
        "SET n += r.props " + _SOURCE.format(label="Vehicle"),
        "UNWIND $rows AS r MATCH (n:Vehicle {vin: r.props.vin}) "
        f"MATCH {_PARTNER_BY_SOURCE.format(ref='r.owner')} MERGE (o)-[:OWNS]->(n)",
        "UNWIND $rows AS r MATCH (n:Vehicle {vin: r.props.vin}) "
        f"MATCH {_PARTNER_BY_SOURCE.format(ref='r.dealer')} MERGE (o)-[:DEALER_OF]->(n)",
        "UNWIND $rows AS r MATCH (n:Vehicle {vin: r.props.vin}) "
        "MATCH (m:Material {number: r.material}) MERGE (n)-[:OF_MATERIAL]->(m)",
    ],
    "Contract": [
        "UNWIND $rows AS r MERGE (n:Contract {number: r.props.number}) ON CREATE SET n.id = r.id "
        "SET n += r.props " + _SOURCE.format(label="Contract"),
        "UNWIND $rows AS r MATCH (n:Contract {number: r.props.number}) UNWIND r.parties AS p "
        f"MATCH {_PARTNER_BY_SOURCE.format(ref='p')} MERGE (o)-[x:PARTY_TO]->(n) "
        "SET x.role = p.role",
        "UNWIND $rows AS r MATCH (n:Contract {number: r.props.number}) UNWIND r.items AS i "
        "MERGE (x:ContractItem {uiid: i.uiid}) SET x += i.props MERGE (n)-[:HAS_ITEM]->(x)",
        "UNWIND $rows AS r UNWIND r.items AS i UNWIND i.vins AS vin "
        "MATCH (x:ContractItem {uiid: i.uiid}) MATCH (v:Vehicle {vin: vin}) "
        "MERGE (x)-[:COVERS]->(v)",
    ],
    "IdentificationObject": [
        "UNWIND $rows AS r "
        "MERGE (n:IdentificationObject {kind: r.props.kind, number: r.props.number}) "
        "ON CREATE SET n.id = r.id SET n += r.props "
        + _SOURCE.format(label="IdentificationObject"),
        "UNWIND $rows AS r MATCH (n:IdentificationObject {id: r.id}) "
        "MATCH (v:Vehicle {vin: r.vin}) MERGE (n)-[:IDENTIFIES]->(v)",
        "UNWIND $rows AS r MATCH (n:IdentificationObject {id: r.id}) "
        f"MATCH {_PARTNER_BY_SOURCE.format(ref='r.holder')} MERGE (n)-[:HELD_BY]->(o)",
        "UNWIND $rows AS r WITH r WHERE r.contract IS NOT NULL "
        "MATCH (n:IdentificationObject {id: r.id}) "
        "MATCH (c:Contract {number: r.contract}) MERGE (n)-[:ISSUED_UNDER]->(c)",
    ],
    "Document": [
        "UNWIND $rows AS r "
        "MERGE (n:Document {number: r.props.number, revision: r.props.revision}) "
        "ON CREATE SET n.id = r.id SET n += r.props " + _SOURCE.format(label="Document"),
        "UNWIND $rows AS r MATCH (n:Document {id: r.id}) UNWIND r.about AS a "
        "MATCH (:SourceRecord {system: a.system, key: a.key})-[:SOURCE_OF]->(t) "
        "MERGE (n)-[:ABOUT]->(t)",
    ],
    "Project": [
        "UNWIND $rows AS r MERGE (n:Project {number: r.props.number}) ON CREATE SET n.id = r.id "
        "SET n += r.props " + _SOURCE.format(label="Project"),
        "UNWIND $rows AS r MATCH (n:Project {id: r.id}) UNWIND r.partners AS p "
        f"MATCH {_PARTNER_BY_SOURCE.format(ref='p')} MERGE (o)-[x:PARTICIPATES_IN]->(n) "
        "SET x.role = p.role",
        "UNWIND $rows AS r MATCH (n:Project {id: r.id}) UNWIND r.vins AS vin "
        "MATCH (v:Vehicle {vin: vin}) MERGE (n)-[:HAS_VEHICLE]->(v)",
        "UNWIND $rows AS r MATCH (n:Project {id: r.id}) UNWIND r.documents AS d "
        "MATCH (x:Document {number: d.number, revision: d.revision}) "
        "MERGE (n)-[:HAS_DOCUMENT]->(x)",
    ],
}


# Statements that need every record of the kind written first: a partner's relationships
# name partners of later batches.
AFTER_ALL: dict[str, list[str]] = {
    "BusinessPartner": [
        "UNWIND $rows AS r MATCH (n:BusinessPartner {id: r.id}) UNWIND r.relationships AS t "
        f"MATCH {_PARTNER_BY_SOURCE.format(ref='t')} MERGE (n)-[x:RELATED_TO]->(o) "
        "SET x.type = t.type",
    ],
}

# What the graph holds beyond the records themselves once ``hub load`` wrote them: one change
# event per record, and for partners the blocks of their blocking keys (``MatchKey`` nodes
# listing their members, each partner listing its keys) and the counts of their values.
# One batch node per statement holds its events, as the change log writes them.


def _events(label: str) -> str:
    """Writes the batch of one statement's events, each record listing its event."""
    return (
        "CREATE (b:ChangeBatch {id: $batch, ord: 1, first: -1, at: $at}) "
        "SET b.size = size($rows) "
        "CREATE (x:ChangeEvents {batch: $batch}) SET x.events = [r IN $rows | r.event], "
        "x.entities = [r IN $rows | r.entity], x.actions = [r IN $rows | 'CREATED'], "
        "x.systems = [r IN $rows | r.system] "
        f"WITH b UNWIND range(0, size($rows) - 1) AS i MATCH (n:{label} {{id: $rows[i].id}}) "
        "SET n.logged = [b.id + '.' + toString(i)]"
    )


COMPLETE_STATEMENTS: dict[str, list[str]] = {
    "BusinessPartner": [
        _events("BusinessPartner"),
        "UNWIND $rows AS r MATCH (n:BusinessPartner {id: r.id}) SET n.matchKeys = r.keys",
        "UNWIND $keys AS k MERGE (m:MatchKey {value: k.value}) "
        "ON CREATE SET m.size = 0, m.members = [] "
        "SET m.members = (m.members + k.ids)[..$cap], m.size = m.size + size(k.ids)",
        "UNWIND $terms AS t MERGE (x:MatchTerm {term: t.term}) "
        "SET x.count = coalesce(x.count, 0) + t.n",
    ],
    **{label: [_events(label)] for label in ORDER if label != "BusinessPartner"},
}


def peak_memory_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Run:
    """A loader run: wall seconds, CPU seconds of the loader and its database together, peak
    memory of the loader (KiB) and what it printed."""

    seconds: float
    cpu: float
    peak: int
    output: str


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_loader(world: Path, data_dir: Path) -> Run:
    # The embedded store's settings (heap, JVM options) reach both sides; nothing else of
    # the caller's hub configuration does.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HUB_") or k.startswith("HUB_EMBEDDED_")
    }
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
    while True:
        # wait4 rather than poll: its usage figures include the database process, which the
        # loader starts and reaps.
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, peak_memory_kib(process.pid))
        time.sleep(0.2)
    process.returncode = os.waitstatus_to_exitcode(status)
    output = process.stdout.read() if process.stdout else ""
    cpu = usage.ru_utime + usage.ru_stime
    return Run(time.perf_counter() - started, cpu, peak, output)


def _scalars(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in row.items()
        if isinstance(v, str | int) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
    }


def _source(ref: dict[str, Any] | None, system: str) -> dict[str, Any] | None:
    if not ref or "source" not in ref:
        return None
    return {"system": ref["source"].get("system", system), "key": ref["source"]["key"]}


def raw_row(label: str, row: dict[str, Any], system: str) -> dict[str, Any]:
    """One extract row as the parameters of the hand-written statements."""
    out: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
        "system": system,
        "key": row["source"]["key"],
        "payload": json.dumps(row, ensure_ascii=False),
        "props": _scalars(row),
    }
    out["entity"] = label
    changes = [{"field": k, "before": None, "after": v} for k, v in sorted(row.items())]
    out["event"] = json.dumps(
        {
            "entity": label,
            "entityId": out["id"],
            "action": "CREATED",
            "system": system,
            "key": out["key"],
            "fields": sorted(k for k in row if k != "source"),
            "changes": changes,
            "version": 1,
        },
        ensure_ascii=False,
    )
    if label == "BusinessPartner":
        out["addresses"] = row.get("addresses", [])
        made = profile(row)
        out["keys"] = blocking_keys(made)
        out["terms"] = sorted(set(terms(made)))
        out["relationships"] = [
            {**_source(r["partner"], system), "type": r["type"]}  # type: ignore[dict-item]
            for r in row.get("relationships", [])
        ]
    elif label == "Material":
        out["descriptions"] = row.get("descriptions", [])
        out["prices"] = row.get("prices", [])
    elif label == "Vehicle":
        out["owner"] = _source(row.get("owner"), system)
        out["dealer"] = _source(row.get("dealer"), system)
        out["material"] = (row.get("material") or {}).get("number")
    elif label == "Contract":
        out["parties"] = [
            {**_source(p["partner"], system), "role": p["role"]}  # type: ignore[dict-item]
            for p in row.get("parties", [])
        ]
        out["items"] = [
            {
                "uiid": item["uiid"],
                "props": _scalars(item),
                "vins": [v["vin"] for v in item.get("coveredVehicles", [])],
            }
            for item in row.get("items", [])
        ]
    elif label == "IdentificationObject":
        out["vin"] = (row.get("vehicle") or {}).get("vin")
        out["holder"] = _source(row.get("holder"), system)
        out["contract"] = (row.get("contract") or {}).get("number")
    elif label == "Document":
        out["about"] = [_source(a, system) for a in row.get("about", [])]
    elif label == "Project":
        out["partners"] = [
            {**_source(p["partner"], system), "role": p["role"]}  # type: ignore[dict-item]
            for p in row.get("partners", [])
        ]
        out["vins"] = [v["vin"] for v in row.get("vehicles", [])]
        out["documents"] = row.get("documents", [])
    return out


def raw_rows(world: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of the world, kind by kind in load order, ready for the raw statements."""
    rows: dict[str, list[dict[str, Any]]] = {label: [] for label in ORDER}
    for system in ("crm", "erp", "vms", "pdm"):
        for file in files_in([world / system]):
            label = kind_of(file)
            for line in read(file, reading=Reading(Fields(label))):
                if line.row is not None:
                    rows[label].append(raw_row(label, line.row, system.upper()))
    return rows


def batch_parameters(label: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
    """The parameters of one batch's statements: its rows and, for partners, its blocking
    keys with the partners sharing each, and its term counts (``*`` counts every partner)."""
    params: dict[str, Any] = {
        "rows": batch,
        "at": dt.datetime.now(dt.UTC),
        "batch": str(uuid.uuid4()),
    }
    if label == "BusinessPartner":
        members: dict[str, list[str]] = defaultdict(list)
        counts: Counter[str] = Counter({"*": len(batch)})
        for row in batch:
            for key in row["keys"]:
                members[key].append(row["id"])
            counts.update(row["terms"])
        params["keys"] = [{"value": k, "ids": ids} for k, ids in sorted(members.items())]
        params["terms"] = [{"term": t, "n": n} for t, n in sorted(counts.items())]
        params["cap"] = MAX_BLOCK + 1
    return params


async def run_raw(
    world: Path, data_dir: Path, *, complete: bool = False
) -> tuple[dict[str, tuple[int, float]], float]:
    """Rows and seconds per kind of the raw batches (reading the files is not timed), and the
    CPU seconds of the batches' Python and of the database process. ``complete`` adds the
    change events, blocks and term counts (:data:`COMPLETE_STATEMENTS`)."""
    rows_by_kind = raw_rows(world)
    batches = {
        label: [
            batch_parameters(label, rows[start : start + RAW_BATCH])
            for start in range(0, len(rows), RAW_BATCH)
        ]
        for label, rows in rows_by_kind.items()
    }
    database_cpu = children_cpu()
    store = await Store.open(Settings(_env_file=None, data_dir=data_dir))
    timings: dict[str, tuple[int, float]] = {}
    python_cpu = 0.0
    try:
        await migrations.apply(store)
        for label, rows in rows_by_kind.items():
            statements = RAW_STATEMENTS[label] + (COMPLETE_STATEMENTS[label] if complete else [])
            started, cpu_started = time.perf_counter(), time.process_time()
            passes = [(statements, params) for params in batches[label]]
            passes += [(AFTER_ALL.get(label, []), params) for params in batches[label]]
            for written, params in passes:

                async def write(
                    tx: Transaction,
                    params: dict[str, Any] = params,
                    written: list[str] = written,
                ) -> None:
                    for statement in written:
                        await tx.run(statement, params)

                if written:
                    await store.write(write)
            timings[label] = (len(rows), time.perf_counter() - started)
            python_cpu += time.process_time() - cpu_started
    finally:
        await store.close()
    return timings, python_cpu + children_cpu() - database_cpu


def loader_rates(output: str) -> dict[str, float]:
    """rows/s per kind from the summary table ``hub load`` prints."""
    rates = {}
    for line in output.splitlines():
        parts = line.split()
        if parts and parts[0] in ORDER:
            rates[parts[0]] = float(parts[-1].replace(",", ""))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--loader-only",
        action="store_true",
        help="skip the baselines (to see the loader's peak memory at another size quickly)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        started = time.perf_counter()
        counts = generate(world, args.partners, args.seed, duplicate_rate=0.2)
        print(f"generated in {time.perf_counter() - started:.1f}s: {counts}")
        loaded = run_loader(world, Path(tmp) / "loaded")
        seconds, peak, output = loaded.seconds, loaded.peak, loaded.output
        print(output.rstrip())
        rows = int(re.search(r"([\d,]+) rows? in", output)[1].replace(",", ""))  # type: ignore[index]
        print(
            f"hub load: {rows:,} rows in {seconds:.1f}s wall ({rows / seconds:,.0f} rows/s), "
            f"peak memory of the loader process {peak / 1024:,.0f} MiB"
        )
        if args.loader_only:
            return
        rates = loader_rates(output)
        baselines = {
            name: asyncio.run(run_raw(world, Path(tmp) / name, complete=complete))
            for name, complete in (("raw", False), ("complete", True))
        }
        print(
            f"\n{'kind':22}{'hub load rows/s':>16}{'raw rows/s':>12}{'ratio':>8}"
            f"{'complete rows/s':>17}{'ratio':>8}"
        )
        for label in ORDER:
            cells = ""
            for timings, _ in baselines.values():
                count, raw_seconds = timings[label]
                raw_rate = count / raw_seconds
                cells += f"{raw_rate:>{12 if not cells else 17},.0f}"
                cells += f"{rates.get(label, 0) / raw_rate:>8.0%}"
            print(f"{label:22}{rates.get(label, 0):>16,.0f}{cells}")
        for name, (timings, raw_cpu) in baselines.items():
            raw_count = sum(count for count, _ in timings.values())
            raw_seconds = sum(seconds for _, seconds in timings.values())
            what = "records" if name == "raw" else "records, change events, blocks, term counts"
            print(
                f"\n{name} UNWIND MERGE ({what}), batches of {RAW_BATCH}: {raw_count:,} rows in "
                f"{raw_seconds:.1f}s ({raw_count / raw_seconds:,.0f} rows/s); "
                f"loader / {name}: {rows / seconds / (raw_count / raw_seconds):.0%}"
            )
            # On a shared machine the wall-clock ratio moves with whatever else runs during
            # each side; CPU seconds (each side with its database process) move far less.
            print(
                f"CPU seconds, Python and database together: hub load {loaded.cpu:,.0f} "
                f"({rows / loaded.cpu:,.0f} rows per CPU-second), {name} {raw_cpu:,.0f} "
                f"({raw_count / raw_cpu:,.0f}); loader / {name}: "
                f"{rows / loaded.cpu / (raw_count / raw_cpu):.0%}"
            )


if __name__ == "__main__":
    main()
