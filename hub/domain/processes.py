"""Business processes beyond plain upserts: contract changes, blocking identification
objects, vehicle history and the revision chain of documents; each reads what it needs,
decides (a contract change by :mod:`hub.domain.contract_changes`) and writes."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from typing import Any

from hub.domain import kinds
from hub.domain import problems as codes
from hub.domain import process_writes as statements
from hub.domain.change_log import record_events
from hub.domain.contract_changes import (
    REQUEST_ID,
    ContractChange,
    objects_following,
    objects_handed_over,
    plan_change,
)
from hub.domain.problems import Problem, Rejected
from hub.domain.references import DeletedTarget, Ref, resolve
from hub.domain.upsert import Outcome, update_state, update_states
from hub.identifiers import revision_order
from hub.ids import new_id
from hub.read.values import native
from hub.store import Transaction
from hub.store.temporal import to_store


@dataclass(frozen=True)
class ProcessResult:
    id: str
    changed: bool


async def _resolve_one(tx: Transaction, ref: Ref, writer: str | None = None) -> str:
    """The id of the record ``ref`` names; with ``writer``, only a record that system feeds:
    a client changes records under its own system's keys alone."""
    ((value, problems),) = await resolve(tx, [ref])
    if problems:
        raise Rejected(problems)
    record_id = str(value["id"])
    if writer is not None:
        assert ref.label is not None
        rows = await tx.run(*statements.fed_by(ref.label, record_id, writer))
        if not rows or not rows[0]["ours"]:
            raise Rejected(
                [
                    Problem(
                        ref.path,
                        codes.FORBIDDEN,
                        f"{writer} feeds this {ref.label} through no live source record: a client "
                        "changes only records under its own system",
                    )
                ]
            )
    return record_id


async def _load(tx: Transaction, label: str, record_id: str) -> tuple[dict[str, Any], int]:
    rows = await tx.run(*statements.state_of(label, record_id))
    return json.loads(rows[0]["state"] or "{}"), int(rows[0]["version"] or 0)


async def change_contract(
    tx: Transaction, change: ContractChange, now: dt.datetime, writer: str | None = None
) -> ProcessResult:
    """Apply ``change``: read what its plan needs, plan it, write the outcome."""
    contract_id = await _resolve_one(tx, change.contract, writer)
    # Two requests with one changeId at once: the second waits here until the first has
    # recorded it (on Neo4j; the embedded store retries the one that conflicts).
    await tx.run(*statements.lock_contract(contract_id, now))
    if change.change_id is not None and await _applied(tx, contract_id, change):
        return ProcessResult(contract_id, False)
    lessee = await _partner(tx, change.new_lessee)
    party = await _partner(tx, change.party)
    base, version = await _load(tx, "Contract", contract_id)
    plan = plan_change(change, base, lessee, party, now.date())
    changed = await update_state(
        tx, kinds.CONTRACT, contract_id, base, plan.state, version, "PROCESS", now, change.process
    )
    if plan.moves_objects:
        issued = await _issued_objects(tx, contract_id)
        following = objects_following(change, plan, issued)
        io = kinds.IDENTIFICATION_OBJECT
        await update_states(tx, io, following, "PROCESS", now, change.process)
        await update_states(
            tx, io, objects_handed_over(plan, lessee, issued), "PROCESS", now, "LCOO"
        )
    change_record = {"id": new_id(), "recordedAt": now, **plan.record}
    await tx.run(*statements.record_change(contract_id, change_record))
    if not changed:
        # CHOA and LCOP record the process without touching the contract's own values.
        await tx.run(*statements.new_contract_version(contract_id, now))
        await record_events(
            tx,
            [
                {
                    "entity": "Contract",
                    "entityId": contract_id,
                    "action": "PROCESS",
                    "process": change.process,
                    "changes": [{"field": "changes", "before": None, "after": plan.record}],
                    "version": version + 1,
                }
            ],
            now,
        )
    return ProcessResult(contract_id, True)


async def _partner(tx: Transaction, ref: Ref | None) -> dict[str, Any] | None:
    """The partner a process links the contract to: one that exists and is not deleted."""
    if ref is None:
        return None
    deleted: list[DeletedTarget] = []
    ((value, problems),) = await resolve(tx, [ref], deleted)
    if problems:
        raise Rejected(problems)
    if deleted:
        raise Rejected([deleted[0].problem()])
    return dict(value)


async def _issued_objects(
    tx: Transaction, contract_id: str
) -> list[tuple[str, dict[str, Any], int]]:
    """The live cards and plates issued under the contract: id, state and version."""
    rows = await tx.run(*statements.issued_objects(contract_id))
    return [(row["id"], json.loads(row["state"] or "{}"), int(row["version"] or 0)) for row in rows]


async def _applied(tx: Transaction, contract_id: str, change: ContractChange) -> bool:
    """Whether the contract applied the change of this id already; a change id the contract
    used for another process or day is refused."""
    assert change.change_id is not None
    if change.change_id.startswith(REQUEST_ID):
        # Known by its content: a repeat of the change just made, not of any before it (a
        # lessee changed there and back and there again makes three changes).
        latest = await tx.run(*statements.latest_change(contract_id))
        return bool(latest) and latest[0]["changeId"] == change.change_id
    rows = await tx.run(*statements.change_of_id(contract_id, change.change_id))
    if not rows:
        return False
    found = rows[0]
    process, effective = found["process"], native(found["effective"])
    given = (change.process, change.effective_date, change.item, change.new_end_date)
    if (process, effective, found["item"], native(found["newEndDate"])) != given:
        on = f" of item {found['item']}" if found["item"] else ""
        message = (
            f"changeId {change.change_id!r} was given to {process}{on} effective {effective} "
            "on this contract"
        )
        raise Rejected([Problem(("input", "changeId"), codes.CONFLICT, message)])
    return True


async def block_identification_object(
    tx: Transaction, ref: Ref, reason: str, now: dt.datetime, writer: str | None = None
) -> ProcessResult:
    object_id = await _resolve_one(tx, ref, writer)
    base, version = await _load(tx, "IdentificationObject", object_id)
    state = {**base, "status": "BLOCKED", "blockedReason": reason}
    changed = await update_state(
        tx, kinds.IDENTIFICATION_OBJECT, object_id, base, state, version, "BLOCKED", now
    )
    return ProcessResult(object_id, changed)


@dataclass(frozen=True)
class VehicleEventInput:
    vehicle: Ref
    type: str
    occurred_at: dt.datetime  # with its offset; kept as the store keeps date-times
    mileage_km: int | None
    description: str | None


async def link_new_revisions(tx: Transaction, outcomes: list[Outcome]) -> None:
    """Link the documents an upsert created to the revisions they replace."""
    created = [o.id for o in outcomes if o.created and o.id]
    if created:
        await link_revisions(tx, created)


async def record_vehicle_event(
    tx: Transaction, event: VehicleEventInput, now: dt.datetime, writer: str | None = None
) -> ProcessResult:
    """Append to the history; the same event (type and time) delivered again is not doubled."""
    vehicle_id = await _resolve_one(tx, event.vehicle, writer)
    at = to_store(event.occurred_at)
    rows = await tx.run(*statements.vehicle_event(vehicle_id, event.type, at))
    known = rows[0]
    if known["known"] and (known["mileage"], known["description"]) == (
        event.mileage_km,
        event.description,
    ):
        return ProcessResult(vehicle_id, False)
    entry = {
        "type": event.type,
        "at": at,
        "mileage": event.mileage_km,
        "description": event.description,
    }
    await tx.run(*statements.record_vehicle_event(vehicle_id, entry, now))
    await record_events(
        tx,
        [
            {
                "entity": "Vehicle",
                "entityId": vehicle_id,
                "action": "HISTORY",
                "process": event.type,
                "changes": [
                    {
                        "field": "history",
                        "before": None,
                        "after": {
                            "type": event.type,
                            "occurredAt": event.occurred_at,
                            "mileageKm": event.mileage_km,
                            "description": event.description,
                        },
                    }
                ],
            }
        ],
        now,
    )
    return ProcessResult(vehicle_id, True)


async def link_revisions(tx: Transaction, document_ids: list[str]) -> None:
    """Chain each revision of a document number to the one it replaces (REVISION_OF)."""
    rows = await tx.run(*statements.revisions_of(document_ids))
    links: list[dict[str, str]] = []
    numbers = []
    for row in rows:
        ordered = sorted(row["revisions"], key=lambda pair: revision_order(pair[1]))
        numbers.append(row["number"])
        links.extend(
            {"newer": newer[0], "older": older[0]} for older, newer in itertools.pairwise(ordered)
        )
    await tx.run(*statements.unchain_revisions(numbers))
    if links:
        await tx.run(*statements.chain_revisions(links))
