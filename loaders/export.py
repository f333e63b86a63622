"""``hub export``: the business partners that changed, the way a source system imports them.

From a cursor of the change log (or, without one, every partner), the partners changed since
are written under each of the system's own keys that feed them (else under the hub's id),
as NDJSON shaped like ``BusinessPartnerInput`` (``partners.ndjson``) or as SAP IDoc XML
(``debmas.xml`` for customers, ``cremas.xml`` for vendors). A partner the hub deleted or
erased is written as a deletion (``"deleted": true``, IDoc function 003). The files load
with ``hub load``; the cursor to continue from is returned with what was written.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_schema import MODEL
from hub import encoding
from hub.domain.change_log import sequence
from hub.errors import HubError
from hub.read import changes
from hub.read.changes import LogFilter
from hub.read.values import native
from hub.store import Store
from loaders import idoc

PARTNER = "BusinessPartner"
FORMATS = ("ndjson", "idoc")
_DELIVERED = tuple(
    p.name for p in MODEL.node(PARTNER).properties if p.delivered and p.name != "roles"
)
_ADDRESS = ("street", "houseNumber", "postalCode", "city", "country")
_PAGE = 5_000


class ExportError(HubError):
    """An export that cannot be made; the message says why."""

    code = "INVALID_EXPORT"


@dataclass
class Exported:
    files: list[Path] = field(default_factory=list)
    partners: int = 0
    deleted: int = 0
    position: int = 0  # the log position the next export continues after


async def export(store: Store, system: str, out: Path, form: str, after: int) -> Exported:
    """Write what changed after log position ``after`` (0: every partner) into ``out``."""
    _check_folder(out)
    system = system.strip().upper()
    await sequence(store)
    done = Exported(position=await changes.head(store))
    if 0 < after < await changes.pruned(store):
        raise ExportError(
            "the cursor is older than the change log keeps (HUB_CHANGE_RETENTION_DAYS): "
            "export every partner, without --after"
        )
    ids = None if after == 0 else await _changed(store, after, done.position)
    records = await _partners(store, ids)
    rows = [row for record in records for row in _rows(system, record)]
    done.deleted = sum(1 for record in records if record["deleted"])
    done.partners = len(records) - done.deleted
    done.files = await asyncio.to_thread(_write, rows, out, form)
    return done


# The files an export writes, of either format.
_FILES = ("partners.ndjson", "debmas.xml", "cremas.xml")


def _check_folder(out: Path) -> None:
    """An export goes into a folder of its own: one holding an earlier export's files may
    not have been read yet, and overwriting some of them would leave the others stale."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file: give a folder to export into")
    left = [name for name in _FILES if (out / name).exists()]
    if left:
        raise ExportError(
            f"{out} holds an earlier export ({', '.join(left)}): export into an empty folder, "
            "or move those files away once the system has read them"
        )


def _write(rows: list[dict[str, Any]], out: Path, form: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    if form == "ndjson":
        path = out / "partners.ndjson"
        with path.open("w", encoding="utf-8") as file:
            for row in rows:
                file.write(json.dumps(row, ensure_ascii=False) + "\n")
        return [path]
    written = []
    for role, name in (("CUSTOMER", "debmas.xml"), ("VENDOR", "cremas.xml")):
        chosen = [_segment(row, role) for row in rows if _plays(row, role)]
        if chosen:
            idoc.write(out / name, role, chosen)
            written.append(out / name)
    return written


async def _changed(store: Store, after: int, upto: int) -> list[str]:
    """The partners with events in (after, upto]; a merged one stands for its survivor."""
    found: set[str] = set()
    position = after
    while position < upto:
        page = await changes.page(store, position, _PAGE, LogFilter(labels=(PARTNER,)))
        found.update(row["entityId"] for row in page.events if int(row["seq"]) <= upto)
        if not page.more:
            break
        position = page.end
    return sorted(found)


async def _partners(store: Store, ids: list[str] | None) -> list[dict[str, Any]]:
    shown = (
        "RETURN g.id AS id, g.state AS state, g.deletedAt IS NOT NULL AS deleted, "
        "g.deletedAt AS deletedAt, g.mergedInto AS mergedInto, "
        "[(g)<-[:SOURCE_OF]-(s:SourceRecord) | "
        "{system: s.system, key: s.key, live: s.deletedAt IS NULL, deletedAt: s.deletedAt}] "
        "AS sources, "
        "[(g)-[:HAS_ADDRESS]->(a:Address) | a {.*}] AS addresses"
    )
    if ids is not None:
        found = []
        for start in range(0, len(ids), _PAGE):
            found += await store.query(
                f"UNWIND $ids AS id MATCH (g:BusinessPartner {{id: id}}) {shown}",
                {"ids": ids[start : start + _PAGE]},
            )
        return [row for row in found if row["mergedInto"] is None]
    found, last = [], ""
    while True:
        page = await store.query(
            "MATCH (g:BusinessPartner) WHERE g.id > $last AND g.mergedInto IS NULL "
            f"WITH g ORDER BY g.id LIMIT $page {shown}",
            {"last": last, "page": _PAGE},
        )
        found += page
        if len(page) < _PAGE:
            return found
        last = page[-1]["id"]


def _rows(system: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    """A partner as NDJSON shaped like ``BusinessPartnerInput``, once under each of the
    system's keys that feed it (the system's own duplicates all learn the golden values),
    under the hub's id when the system has none; a deleted partner as a deletion of each
    (of the hub's id where the system has none: an earlier export named it so)."""
    keys = sorted(s["key"] for s in record["sources"] if s["system"] == system and s["live"])
    if record["deleted"]:
        own = [s for s in record["sources"] if s["system"] == system]
        gone = sorted({s["key"] for s in own})
        # Where the system's last key left before the partner did, an export in between
        # wrote the partner under the hub's id: that one is deleted too.
        left = [native(s["deletedAt"]) for s in own if s["deletedAt"] is not None]
        ended = native(record["deletedAt"])
        if not own or (len(left) == len(own) and ended is not None and max(left) < ended):
            gone.append(f"HUB-{record['id']}")
        return [{"source": {"system": system, "key": key}, "deleted": True} for key in gone]
    state = encoding.loads(record["state"] or "{}")
    values: dict[str, Any] = {
        name: state[name] for name in _DELIVERED if state.get(name) is not None
    }
    if state.get("roles"):
        values["roles"] = state["roles"]
    addresses = sorted(record["addresses"], key=lambda a: a.get("position") or 0)
    if addresses:
        values["addresses"] = [
            {k: a[k] for k in _ADDRESS if a.get(k) is not None} for a in addresses
        ]
    return [
        {"source": {"system": system, "key": key}, **values}
        for key in keys or [f"HUB-{record['id']}"]
    ]


def _plays(row: dict[str, Any], role: str) -> bool:
    roles = row.get("roles") or []
    if role == "VENDOR":
        return "VENDOR" in roles
    return "VENDOR" not in roles or "CUSTOMER" in roles  # customers, and any other partner


def _segment(row: dict[str, Any], role: str) -> dict[str, str]:
    """A partner as the fields of an E1KNA1M (customer) or E1LFA1M (vendor) segment."""
    key_field = "KUNNR" if role == "CUSTOMER" else "LIFNR"
    segment = {key_field: row["source"]["key"]}
    if row.get("deleted"):
        return {**segment, "MSGFN": "003"}
    if row.get("kind") == "PERSON":
        segment.update(STKZN="X", NAME1=row.get("lastName") or "", NAME2=row.get("firstName") or "")
    else:
        segment["NAME1"] = row.get("organizationName") or ""
    address = (row.get("addresses") or [{}])[0]
    street = " ".join(p for p in (address.get("street"), address.get("houseNumber")) if p)
    segment.update(
        STRAS=street,
        PSTLZ=address.get("postalCode") or "",
        ORT01=address.get("city") or "",
        LAND1=address.get("country") or "",
        STCEG=row.get("taxNumber") or "",
        TELF1=row.get("phone") or "",
        SMTP_ADDR=row.get("email") or "",
    )
    return segment
