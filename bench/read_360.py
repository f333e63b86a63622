"""Reads through GraphQL against the same reads as hand-written Cypher, in one run.

    python -m bench.read_360 [--partners 20000] [--seconds 10] [--store DIR]

Builds a graph on a fresh embedded store through the hub's batch write path: partners with
one to three vehicles each, and for every vehicle a service contract, a fuel card and a
document. Then ``hub serve`` runs against that store as its own process, and for 1 and 8
concurrent clients the benchmark measures

- lookup: a vehicle by VIN;
- 360: a partner by source key with its vehicles and, per vehicle, contracts, cards and
  documents;
- list (with ``--reads lookup 360 list``): a page of 20 partners named in the request, each
  with the first five of its vehicles of two makes (a filtered nested list) and their total;

once through ``POST /graphql`` and once as one Cypher statement through the async driver,
in alternating slices so that both sides meet the same changes in the machine's speed.
It prints requests/s, p50 and p99 for both and the GraphQL/Cypher throughput ratio, for
``hub serve`` with each number of worker processes given (``--workers 1 2``: one run each).

With ``--baseline CHECKOUT`` it measures instead what authentication and the protective
limits add: the same GraphQL reads through this checkout's hub with a registered client's
token and with a JWT, against the ``hub serve`` of another checkout (say, a ``git worktree``
of a commit from before), in alternating slices on the same store::

    git worktree add ../hub-before <commit>
    python -m bench.read_360 --baseline ../hub-before
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from hub.auth import clients
from hub.domain import deliveries, kinds, service
from hub.domain.kinds import Kind
from hub.settings import Settings
from hub.store import Store, migrations
from hub.store.embedded import free_port

BATCH = 500
SLICES = 6  # each side's measuring time, split into alternating slices

GRAPHQL_LOOKUP = (
    "query Lookup($vin: String!) { vehicle(vin: $vin) { id vin make model owner { name } } }"
)
GRAPHQL_360 = """
query View360($key: String!) {
  businessPartner(source: {system: "CRM", key: $key}) {
    id name email
    vehicles(first: 20) { totalCount edges { node {
      vin make model
      contracts(first: 10) { edges { node { number status } } }
      identificationObjects(first: 10) { edges { node { kind number status } } }
      documents(first: 10) { edges { node { number revision title } } }
    } } }
  }
}
"""
GRAPHQL_LIST = """
query Fleets($names: [String!]!) {
  businessPartners(where: {name: {in: $names}}, first: 20) { edges { node {
    name
    vehicles(where: {make: {in: ["BMW", "VW"]}}, first: 5) {
      totalCount edges { node { vin make model } }
    }
  } } }
}
"""
CYPHER_LOOKUP = (
    "MATCH (v:Vehicle {vin: $vin}) "
    "RETURN v {.id, .vin, .make, .model, owner: [(v)<-[:OWNS]-(p:BusinessPartner) | p.name][0]}"
)
CYPHER_360 = """
MATCH (:SourceRecord {entity: 'BusinessPartner', system: 'CRM', key: $key})
      -[:SOURCE_OF]->(p:BusinessPartner)
RETURN p {.id, .name, .email,
  vehicles: [(p)-[:OWNS]->(v:Vehicle) | v {.vin, .make, .model,
    contracts: [(v)<-[:COVERS]-(:ContractItem)<-[:HAS_ITEM]-(c:Contract) | c {.number, .status}],
    cards: [(v)<-[:IDENTIFIES]-(i:IdentificationObject) | i {.kind, .number, .status}],
    documents: [(v)<-[:ABOUT]-(d:Document) | d {.number, .revision, .title}]}]}
"""

# The vehicles are taken as the comprehension lists them, not ordered by VIN as the hub's
# page is: ordering them (OPTIONAL MATCH, ORDER BY, collect) made the statement about three
# times slower on the embedded store, so the baseline is the cheaper read.
CYPHER_LIST = """
MATCH (p:BusinessPartner) WHERE p.name IN $names AND p.mergedInto IS NULL AND p.deletedAt IS NULL
WITH p ORDER BY p.nameSort, p.id LIMIT 20
WITH p, [(p)-[:OWNS]->(v:Vehicle) WHERE v.make IN ['BMW', 'VW'] AND v.deletedAt IS NULL
         | v {.vin, .make, .model}] AS fleet
RETURN p {.name, total: size(fleet), vehicles: fleet[0..5]} AS partner
"""
READS = ("lookup", "360", "list")

VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


def vin(n: int) -> str:
    digits = []
    for _ in range(8):
        n, rest = divmod(n, len(VIN_ALPHABET))
        digits.append(VIN_ALPHABET[rest])
    return "WBABENCH0" + "".join(reversed(digits))


def world(partners: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds.KINDS}
    v = 0
    for p in range(partners):
        key = f"P{p}"
        rows["BusinessPartner"].append(
            {
                "source": {"system": "CRM", "key": key},
                "kind": "PERSON",
                "firstName": rng.choice(["Anna", "Jonas", "Li", "Wei", "Marie", "Lukas"]),
                "lastName": f"Bench{p}",
                "email": f"p{p}@example.com",
                "roles": ["CUSTOMER"],
            }
        )
        for _ in range(rng.randint(1, 3)):
            ref = {"vin": vin(v)}
            rows["Vehicle"].append(
                {
                    "source": {"system": "VMS", "key": f"V{v}"},
                    "vin": vin(v),
                    "make": rng.choice(["BMW", "VW", "Audi", "BYD", "NIO"]),
                    "model": "M" + str(rng.randint(1, 9)),
                    "owner": {"source": {"system": "CRM", "key": key}},
                }
            )
            rows["Contract"].append(
                {
                    "source": {"system": "CRM", "key": f"K{v}"},
                    "number": f"C{v}",
                    "type": "SERVICE",
                    "status": "ACTIVE",
                    "parties": [
                        {"role": "LESSEE", "partner": {"source": {"system": "CRM", "key": key}}}
                    ],
                    "items": [{"uiid": f"U{v}", "kind": "SERVICE", "coveredVehicles": [ref]}],
                }
            )
            rows["IdentificationObject"].append(
                {
                    "source": {"system": "ERP", "key": f"F{v}"},
                    "kind": "FUEL_CARD",
                    "number": f"70{v:08d}",
                    "vehicle": ref,
                    "holder": {"source": {"system": "CRM", "key": key}},
                }
            )
            rows["Document"].append(
                {
                    "source": {"system": "PDM", "key": f"D{v}"},
                    "number": f"D{v}",
                    "revision": "A",
                    "type": "CONFIGURATION",
                    "title": "Configuration",
                    "about": [{"source": {"system": "VMS", "key": f"V{v}"}}],
                }
            )
            v += 1
    return rows


async def load(store: Store, rows: dict[str, list[dict[str, Any]]]) -> None:
    for label in ("BusinessPartner", "Vehicle", "Contract", "IdentificationObject", "Document"):
        kind: Kind = kinds.KINDS[label]
        started = time.perf_counter()
        items = rows[label]
        for start in range(0, len(items), BATCH):
            built = [deliveries.BUILDERS[label](r, ("row",)) for r in items[start : start + BATCH]]
            batch = [d for d, problems in built if d is not None and not problems]
            outcomes = await service.upsert_batch(store, kind, batch)
            rejected = [o.problems for o in outcomes if o.problems]
            if rejected:
                raise RuntimeError(f"{label}: {rejected[:3]}")
        elapsed = time.perf_counter() - started
        print(f"  loaded {len(items):7d} {label:22s} {len(items) / elapsed:8.0f} rows/s")


Call = Callable[[int], Awaitable[None]]


class Sample:
    """Latencies of requests and the time they took, added up over several slices."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.elapsed = 0.0

    def figures(self) -> tuple[float, float, float]:
        """Requests/s, p50 and p99 in milliseconds."""
        latencies = sorted(self.latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return len(latencies) / self.elapsed, statistics.median(latencies) * 1000, p99 * 1000


async def measure(call: Call, clients: int, seconds: float, into: Sample | None = None) -> Sample:
    sample = into if into is not None else Sample()
    latencies = sample.latencies
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        i = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - started)
            i += clients

    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in range(clients)))
    sample.elapsed += time.perf_counter() - started
    return sample


def serve(
    store: Store,
    data_dir: Path,
    workers: int,
    checkout: Path | None = None,
    **settings: str,
) -> tuple[subprocess.Popen[bytes], str]:
    """``hub serve`` on the store, of this checkout or of ``checkout``, with ``settings``."""
    embedded = store.embedded
    assert embedded is not None
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_NEO4J_URI=embedded.uri,
        HUB_NEO4J_USER=embedded.credentials.user,
        HUB_NEO4J_PASSWORD=embedded.credentials.password,
        HUB_DATA_DIR=str(data_dir / "hub"),
        HUB_LOG_LEVEL="WARNING",
        HUB_MIGRATE_ON_START="false",
        # The benchmark's one client asks far more than a client's default budget allows.
        HUB_COST_PER_MINUTE=str(10**12),
        **settings,
    )
    if checkout is not None:
        # python -m looks in the working directory first: the checkout's own hub package.
        env["PYTHONPATH"] = str(checkout.resolve())
    log = open(data_dir / "hub.log", "wb")  # noqa: SIM115 - the server writes it until it stops
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=checkout,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("hub serve did not become ready")


async def run(
    partners: int,
    seconds: float,
    seed: int,
    workers: list[int],
    baseline: Path | None,
    kept: Path | None = None,
    reads: tuple[str, ...] = READS[:2],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        store_dir = kept if kept is not None else data_dir / "store"
        marker = store_dir / "bench-read-360.json"
        built = {"partners": partners, "seed": seed}
        reuse = marker.exists() and json.loads(marker.read_text()) == built
        if kept is not None and not reuse and store_dir.exists() and any(store_dir.iterdir()):
            raise SystemExit(
                f"{store_dir} holds no complete graph of --partners {partners} --seed {seed} "
                "(another size, or a build that stopped halfway): delete it or name another"
            )
        store = await Store.open(Settings(_env_file=None, data_dir=store_dir))
        try:
            await migrations.apply(store)
            rows = world(partners, seed)
            print(
                f"graph: {partners} partners, {len(rows['Vehicle'])} vehicles (each with a "
                "contract, a fuel card and a document)"
                + (f", kept in {store_dir}" if reuse else "")
            )
            if not reuse:
                await load(store, rows)
                if kept is not None:
                    marker.write_text(json.dumps(built))
            vins = [r["vin"] for r in rows["Vehicle"]]
            keys = [r["source"]["key"] for r in rows["BusinessPartner"]]
            rng = random.Random(seed)
            rng.shuffle(vins)
            rng.shuffle(keys)
            names = [f"{r['firstName']} {r['lastName']}" for r in rows["BusinessPartner"]]
            rng.shuffle(names)
            pages = [names[i : i + 20] for i in range(0, len(names), 20)]
            if baseline is not None:
                await compare_auth(store, data_dir, baseline, vins, keys, seconds)
                return
            print(
                f"\n{'read':7} {'clients':>7} {'workers':>7} | {'GraphQL req/s':>13} {'p50 ms':>7} "
                f"{'p99 ms':>7} | {'Cypher req/s':>12} {'p50 ms':>7} {'p99 ms':>7} | GraphQL/Cypher"
            )
            for count in workers:
                process, url = serve(store, data_dir, count)
                try:
                    values = {"lookup": vins, "360": keys, "list": pages}
                    await compare(store, url, {r: values[r] for r in reads}, seconds, count)
                except Exception:
                    print((data_dir / "hub.log").read_text()[-3000:], file=sys.stderr)
                    raise
                finally:
                    process.send_signal(signal.SIGTERM)
                    process.wait(60)
        finally:
            await store.close()


class Connections:
    """Keep-alive HTTP/1.1 connections, one per client, each request sent in one write.

    A client library that writes headers and body separately meets Nagle's algorithm and
    delayed ACKs on loopback (40 ms a request); this one keeps the client's own cost small
    so that what is measured is the hub.
    """

    def __init__(self, url: str, token: str | None = None) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.authorization = f"Authorization: Bearer {token}\r\n" if token else ""
        self.pool: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload).encode()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"{self.authorization}Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        reader, writer = self.pool.pop() if self.pool else await self._connect()
        writer.write(request)
        status = await reader.readline()
        if not status:  # the server closed an idle keep-alive connection: reconnect once
            writer.close()
            reader, writer = await self._connect()
            writer.write(request)
            status = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        answer: dict[str, Any] = json.loads(await reader.readexactly(length))
        self.pool.append((reader, writer))
        if b" 200 " not in status or "errors" in answer:
            raise RuntimeError(answer)
        return answer

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        for _, writer in self.pool:
            writer.close()


async def compare(
    store: Store, url: str, values: dict[str, list[Any]], seconds: float, workers: int
) -> None:
    """Each read of ``values`` (its name: the values its requests take in turn)."""
    http = Connections(url)
    try:

        def cypher(statement: str, name: str, values: list[Any]) -> Call:
            async def call(i: int) -> None:
                rows = await store.query(statement, {name: values[i % len(values)]})
                if not rows:
                    raise RuntimeError("no row")

            return call

        reads = {
            "lookup": (GRAPHQL_LOOKUP, "Lookup", CYPHER_LOOKUP, "vin"),
            "360": (GRAPHQL_360, "View360", CYPHER_360, "key"),
            "list": (GRAPHQL_LIST, "Fleets", CYPHER_LIST, "names"),
        }
        for name, given in values.items():
            query, operation, statement, variable = reads[name]
            through_graphql = _graphql_call(http, query, variable, given, operation)
            through_cypher = cypher(statement, variable, given)
            for clients in (1, 8):
                await measure(through_graphql, clients, 1.0)
                await measure(through_cypher, clients, 1.0)
                # Alternating slices: a shared machine's speed drifts, and both sides should
                # see the same drift.
                through_hub, direct = Sample(), Sample()
                for _ in range(SLICES):
                    await measure(through_graphql, clients, seconds / SLICES, through_hub)
                    await measure(through_cypher, clients, seconds / SLICES, direct)
                g, c = through_hub.figures(), direct.figures()
                print(
                    f"{name:7} {clients:7d} {workers:7d} | {g[0]:13.0f} {g[1]:7.2f} {g[2]:7.2f} | "
                    f"{c[0]:12.0f} {c[1]:7.2f} {c[2]:7.2f} | {g[0] / c[0]:6.0%}"
                )
    finally:
        http.close()


def _graphql_call(http: Connections, query: str, name: str, values: list[Any], op: str) -> Call:
    async def call(i: int) -> None:
        payload = {
            "query": query,
            "variables": {name: values[i % len(values)]},
            "operationName": op,
        }
        await http.post("/graphql", payload)

    return call


async def compare_auth(
    store: Store, data_dir: Path, baseline: Path, vins: list[str], keys: list[str], seconds: float
) -> None:
    """The same reads through ``baseline``'s hub and through this hub with a client token and
    with a JWT, in alternating slices; see the module docstring."""
    token = await clients.add(
        store, "bench", None, ["read", "read:personal"], dt.datetime.now(dt.UTC)
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = data_dir / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**public, "kid": "bench", "alg": "RS256"}]}))
    claims = {"iss": "bench", "aud": "hub", "exp": int(time.time()) + 24 * 3600,
              "azp": "bench-jwt", "scope": "read read:personal"}  # fmt: skip
    jwt_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench"})
    servers = [
        ("baseline", serve(store, data_dir, 1, baseline), None),
        ("token", serve(store, data_dir, 1, HUB_AUTH="required"), token),
        ("JWT", serve(store, data_dir, 1, HUB_AUTH="required", HUB_JWT_JWKS=str(jwks),
                      HUB_JWT_ISSUER="bench", HUB_JWT_AUDIENCE="hub"), jwt_token),
    ]  # fmt: skip
    connections = [Connections(url, credential) for _, (_, url), credential in servers]
    try:
        columns = " | ".join(f"{name:>8} req/s {'p50 ms':>7}" for name, _, _ in servers)
        print(f"\n{'read':7} {'clients':>7} | {columns} | token   JWT (of baseline)")
        for read, query, name, values, op in (
            ("lookup", GRAPHQL_LOOKUP, "vin", vins, "Lookup"),
            ("360", GRAPHQL_360, "key", keys, "View360"),
        ):
            calls = [_graphql_call(http, query, name, values, op) for http in connections]
            for clients_count in (1, 8):
                for call in calls:
                    await measure(call, clients_count, 1.0)
                samples = [Sample() for _ in calls]
                pairs = list(zip(calls, samples, strict=True))
                for n in range(SLICES):
                    # Each side goes first in turn, so that none always meets the same drift.
                    for call, sample in pairs[n % len(pairs) :] + pairs[: n % len(pairs)]:
                        await measure(call, clients_count, seconds / SLICES, sample)
                figures = [sample.figures() for sample in samples]
                base = figures[0][0]
                print(
                    f"{read:7} {clients_count:7d} | "
                    + " | ".join(f"{f[0]:14.0f} {f[1]:7.2f}" for f in figures)
                    + f" | {figures[1][0] / base:5.1%} {figures[2][0] / base:5.1%}"
                )
    finally:
        for http in connections:
            http.close()
        for _, (process, _), _ in servers:
            process.send_signal(signal.SIGTERM)
            process.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="hub serve --workers, one run each"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout whose hub serve the reads are compared with (see above)",
    )
    parser.add_argument(
        "--store",
        type=Path,
        help="a folder to keep the graph's store in and to read it from again in a later run "
        "of the same --partners and --seed (building 100,000 partners takes minutes)",
    )
    parser.add_argument(
        "--reads", nargs="+", choices=READS, default=list(READS[:2]), help="the reads measured"
    )
    args = parser.parse_args()
    asyncio.run(
        run(
            args.partners,
            args.seconds,
            args.seed,
            args.workers,
            args.baseline,
            args.store,
            tuple(args.reads),
        )
    )


if __name__ == "__main__":
    main()
