"""Blocks: which partners share a blocking key.

Each key is a ``MatchKey`` node holding its partners' ids (``members``) and how many there
are (``size``); each partner remembers its keys (``matchKeys``), so that a merge can hand
them to the survivor. A block is read with one index lookup per key and written with one
update, where relationships to every partner would cost a record each and a traversal to
read.

A block larger than ``MAX_BLOCK`` says too little to be compared; it keeps counting but stops
recording ids past ``MAX_BLOCK + 1``, and is never read again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence

from graph_schema import matching as rules
from hub.errors import RetryLater
from hub.store import Statement, Transaction, one_statement

_READ = """
UNWIND $keys AS k
MATCH (m:MatchKey {value: k})
WHERE m.size >= $least AND m.size <= $max
RETURN collect([m.value, m.members]) AS blocks
"""

# A batch's keys, written (or created) before it reads them: a second writer of the same new
# partner then waits for the first and sees its partner (Neo4j), or fails on the conflict at
# commit and is retried (ArcadeDB). A batch holds thousands of keys for seconds; a check at
# the end would undo it for any stranger joining any of its blocks meanwhile.
_LOCK_AND_READ = """
UNWIND $keys AS k
MERGE (m:MatchKey {value: k})
ON CREATE SET m.size = 0, m.members = []
SET m.lockedAt = $now
RETURN collect([
    m.value, elementId(m), CASE WHEN m.size >= 1 AND m.size <= $max THEN m.members END
]) AS blocks
"""

# The key's write lock first (Neo4j then reads its members as the last writer left them;
# ArcadeDB fails the later of two writers of one key at commit), then the members it had
# before this writer, then the partners added.
_ADD = (
    "SET m.lockedAt = $now "
    "WITH m, r, m.members AS before "
    "WITH m, before, [x IN r.ids WHERE NOT x IN before] AS added "
    "SET m.members = (before + added)[..$cap], m.size = m.size + size(added)"
)
# After linking: the members of the blocks a writer read before it created its partners.
_MEMBERS = (
    "UNWIND $keys AS k MATCH (m:MatchKey {value: k}) RETURN collect([m.value, m.members]) AS blocks"
)
_LINK = (
    "UNWIND $rows AS r MERGE (m:MatchKey {value: r.key}) ON CREATE SET m.size = 0, m.members = [] "
    + _ADD
)
# Keys the writer locked in this transaction, found by element id rather than the index (a key
# only read might be gone by now: the last partner left it).
_LINK_LOCKED = "UNWIND $rows AS r MATCH (m:MatchKey) WHERE elementId(m) = r.element " + _ADD

_REMEMBER = (
    "UNWIND $rows AS r MATCH (p:BusinessPartner) WHERE elementId(p) = r.element "
    "WITH p, r, coalesce(p.matchKeys, []) AS known "
    "SET p.matchKeys = known + [k IN r.keys WHERE NOT k IN known]"
)

# The merged partner's place in each of its blocks goes to the survivor (once). The keys pass
# through WITH before the UNWIND: ArcadeDB matches nothing after an UNWIND of a property of
# a node still in scope.
_HAND_OVER = (
    "MATCH (m:BusinessPartner {id: $merged}) MATCH (s:BusinessPartner {id: $survivor}) "
    "WITH m, s, coalesce(m.matchKeys, []) AS keys, coalesce(s.matchKeys, []) AS own "
    "SET s.matchKeys = own + [k IN keys WHERE NOT k IN own], m.matchKeys = null "
    "WITH keys UNWIND keys AS key MATCH (k:MatchKey {value: key}) "
    "WITH k, $merged IN k.members AS had, $survivor IN k.members AS both "
    "SET k.members = [x IN k.members WHERE x <> $merged] "
    "+ CASE WHEN had AND NOT both THEN [$survivor] ELSE [] END, "
    "k.size = k.size - CASE WHEN had AND both THEN 1 ELSE 0 END"
)


# Keys a partner's values no longer give: the partner leaves those blocks. The keys pass
# through WITH before the UNWIND (see above).
_UNLINK = (
    "UNWIND $rows AS r MATCH (p:BusinessPartner {id: r.id}) "
    "SET p.matchKeys = [k IN coalesce(p.matchKeys, []) WHERE NOT k IN r.stale] "
    "WITH r.id AS id, r.stale AS stale UNWIND stale AS key MATCH (m:MatchKey {value: key}) "
    "WITH m, id, id IN m.members AS had "
    "SET m.members = [x IN m.members WHERE x <> id], "
    "m.size = m.size - CASE WHEN had THEN 1 ELSE 0 END "
    # A key is made of a partner's values: one nobody has any more is not kept.
    "WITH m WHERE m.size <= 0 DELETE m"
)


async def read(tx: Transaction, keys: list[str], *, least: int = 1) -> dict[str, list[str]]:
    """The partners of each block of ``keys`` with at least ``least`` and at most
    ``MAX_BLOCK`` partners."""
    if not keys:
        return {}
    found = await tx.run(_READ, {"keys": keys, "least": least, "max": rules.MAX_BLOCK})
    # One record for the whole batch: the driver's cost is per record, not per value.
    return {key: list(ids) for row in found for key, ids in row["blocks"]}


class BlocksChanged(RetryLater):
    """Another writer put a partner into a block this writer read before it created its own:
    the delivery is matched again, and then meets that partner."""


# The blocks a lone delivery reads before it decides, without a lock: the link checks
# afterwards that nobody joined them meanwhile (see link); an empty block is read as such, a
# block too large to compare without its members. With them, the ids of the $most partners
# that share the most of them, ties by id as matcher.closest ranks them, for a statement
# that goes on to read those partners (one round trip for a lone delivery).
CLOSEST = """
UNWIND $keys AS k
MATCH (b:MatchKey {value: k})
WITH collect([b.value, CASE WHEN b.size <= $max THEN b.members END]) AS blocks
WITH blocks, reduce(ids = [], block IN blocks | ids + coalesce(block[1], [])) AS members
UNWIND (CASE WHEN size(members) = 0 THEN [null] ELSE members END) AS member
WITH blocks, member, count(*) AS shared
ORDER BY shared DESC, member
LIMIT $most
WITH blocks, [x IN collect(member) WHERE x IS NOT NULL] AS chosen
"""


def read_for_write(
    tx: Transaction, keys: list[str], found: list[tuple[str, list[str] | None]]
) -> dict[str, list[str]]:
    """The blocks of ``keys`` as :data:`CLOSEST` read them for a lone delivery that may
    create a partner (``found``: each key's value and members, None for a block too large).
    The transaction remembers the members read, for the check in :func:`link`."""
    blocks: dict[str, list[str]] = {}
    read = tx.blocks_read
    for key in keys:
        read[key] = frozenset()  # a key no partner has yet
    for key, ids in found:
        if ids is None:
            del read[key]  # a block too large to read is not checked either
        elif ids:
            blocks[key] = list(ids)
            read[key] = frozenset(ids)
    return blocks


async def lock(tx: Transaction, keys: list[str], at: dt.datetime) -> dict[str, list[str]]:
    """:func:`read` for a batch about to create partners, after taking each key's lock
    (creating the keys not there yet): a concurrent writer of the same new partner must not
    miss it. The transaction remembers the keys' element ids, by value, for :func:`link`."""
    if not keys:
        return {}
    found = await tx.run(_LOCK_AND_READ, {"keys": keys, "now": at, "max": rules.MAX_BLOCK})
    blocks: dict[str, list[str]] = {}
    for row in found:
        for key, element, ids in row["blocks"]:
            tx.element_ids[key] = element  # a key's value has a colon, a hub id never
            if ids is not None:
                blocks[key] = list(ids)
    return blocks


async def link(
    tx: Transaction,
    partners: list[tuple[str, list[str]]],
    at: dt.datetime,
    created: Collection[str] = (),
    also: Sequence[Statement] = (),
) -> None:
    """Add each partner to the blocks of its keys (linking twice changes nothing), in one
    statement with the writes ``also`` given.

    Raises :class:`BlocksChanged` when a partner of ``created`` was matched against a block
    (:func:`read_for_write`) that another writer has added a partner to since: two writers
    delivering one new person at once must not create it twice. The check is optimistic:
    matching reads a lone delivery's blocks without locking them (most deliveries create
    nothing, or nothing anyone else delivers at that moment), and the link, which locks each
    key before it reads its members, finds what the read missed. A batch locks its keys
    before it reads them (:func:`lock`) and is not checked.
    """
    by_key = _by_key(partners)
    statements = [*await _links(tx, partners, by_key, at), *also]
    checked = sorted(
        {k for pid, keys in partners if pid in created for k in keys if k in tx.blocks_read}
    )
    if not checked:
        await tx.send_all(statements)
        return
    (found,) = await tx.run(*one_statement([*statements, (_MEMBERS, {"keys": checked})]))
    for key, members in found["blocks"]:
        joined = set(members) - tx.blocks_read[key] - set(by_key[key])
        if joined:
            raise BlocksChanged(
                f"partners were added to a block while this delivery was matched ({key}); "
                "repeat the request"
            )


def _by_key(partners: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
    """The partners to link to each key."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for partner_id, keys in partners:
        for key in keys:
            by_key[key].append(partner_id)
    return by_key


async def _links(
    tx: Transaction,
    partners: list[tuple[str, list[str]]],
    by_key: dict[str, list[str]],
    at: dt.datetime,
) -> list[Statement]:
    """The statements that add each partner to the blocks of its keys."""
    if not by_key:
        return []
    statements: list[Statement] = []
    known, cap = tx.element_ids, rules.MAX_BLOCK + 1
    rows = [{"element": known[k], "ids": ids} for k, ids in sorted(by_key.items()) if k in known]
    if rows:
        statements.append((_LINK_LOCKED, {"rows": rows, "cap": cap, "now": at}))
    rows = [{"key": k, "ids": ids} for k, ids in sorted(by_key.items()) if k not in known]
    if rows:
        statements.append((_LINK, {"rows": rows, "cap": cap, "now": at}))
    elements = await tx.element_ids_of("BusinessPartner", (pid for pid, keys in partners if keys))
    rows = [
        {"element": elements[pid], "keys": keys}
        for pid, keys in partners
        if keys and pid in elements
    ]
    if rows:
        statements.append((_REMEMBER, {"rows": rows}))
    return statements


async def hand_over(tx: Transaction, merged: str, survivor: str) -> None:
    """After a merge: the survivor takes the merged partner's place in its blocks."""
    await tx.send(_HAND_OVER, {"merged": merged, "survivor": survivor})


async def unlink_stale(tx: Transaction, partners: list[tuple[str, list[str]]]) -> None:
    """Take each partner out of the blocks of the keys given with it: those its values no
    longer give."""
    rows = [{"id": pid, "stale": stale} for pid, stale in partners if stale]
    if rows:
        await tx.send(_UNLINK, {"rows": rows})


async def drop_empty(tx: Transaction, keys: list[str]) -> None:
    """Remove the blocks of ``keys`` no partner is in any more (a key is made of values)."""
    if keys:
        await tx.send(
            "UNWIND $keys AS key MATCH (m:MatchKey {value: key}) WHERE m.size <= 0 DELETE m",
            {"keys": sorted(set(keys))},
        )
