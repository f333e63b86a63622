"""The statements business processes send (contract changes, vehicle history, revision
chains), each built as ``(cypher, params)``: pure functions, run by
:mod:`hub.domain.processes`, their texts kept as snapshots like the upsert's
(:mod:`hub.domain.writes`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.domain.writes import Statement


def fed_by(label: str, record_id: str, system: str) -> Statement:
    """Whether a source record of ``system`` feeds the record (one it deleted no longer
    does)."""
    return (
        f"MATCH (n:{label} {{id: $id}}) RETURN EXISTS {{ (n)<-[:SOURCE_OF]-"
        "(s:SourceRecord {system: $system}) WHERE s.deletedAt IS NULL } AS ours",
        {"id": record_id, "system": system},
    )


def state_of(label: str, record_id: str) -> Statement:
    return (
        f"MATCH (n:{label} {{id: $id}}) RETURN n.state AS state, n.version AS version",
        {"id": record_id},
    )


def lock_contract(contract_id: str, now: dt.datetime) -> Statement:
    """Writers of the contract wait here for one another (on Neo4j)."""
    return (
        "MATCH (c:Contract {id: $id}) SET c.lockedAt = $now",
        {"id": contract_id, "now": now},
    )


def change_of_id(contract_id: str, change_id: str) -> Statement:
    """The change the contract applied under the caller's id, if any."""
    return (
        "MATCH (:Contract {id: $id})-[:HAS_CHANGE]->(x:ContractChange {changeId: $change}) "
        "RETURN x.process AS process, x.effectiveDate AS effective, x.itemUiid AS item, "
        "x.newEndDate AS newEndDate",
        {"id": contract_id, "change": change_id},
    )


def latest_change(contract_id: str) -> Statement:
    """The id of the change the contract recorded last."""
    return (
        "MATCH (:Contract {id: $id})-[:HAS_CHANGE]->(x:ContractChange) "
        "RETURN x.changeId AS changeId ORDER BY x.recordedAt DESC LIMIT 1",
        {"id": contract_id},
    )


def record_change(contract_id: str, change: dict[str, Any]) -> Statement:
    return (
        "MATCH (c:Contract {id: $id}) "
        "CREATE (c)-[:HAS_CHANGE]->(x:ContractChange) SET x += $change",
        {"id": contract_id, "change": change},
    )


def new_contract_version(contract_id: str, now: dt.datetime) -> Statement:
    """A version for a process that changed none of the contract's own values."""
    return (
        "MATCH (c:Contract {id: $id}) SET c.version = c.version + 1, c.updatedAt = $now",
        {"id": contract_id, "now": now},
    )


def issued_objects(contract_id: str) -> Statement:
    """The live cards and plates issued under the contract: id, state and version."""
    return (
        "MATCH (o:IdentificationObject)-[:ISSUED_UNDER]->(:Contract {id: $id}) "
        "WHERE o.deletedAt IS NULL RETURN o.id AS id, o.state AS state, o.version AS version",
        {"id": contract_id},
    )


def vehicle_event(vehicle_id: str, kind: str, at: Any) -> Statement:
    """The vehicle's history entry of that type and time, if any."""
    return (
        "MATCH (v:Vehicle {id: $id}) "
        "OPTIONAL MATCH (v)-[:HAS_EVENT]->(e:VehicleEvent {type: $type, occurredAt: $at}) "
        "RETURN e.mileageKm AS mileage, e.description AS description, e IS NOT NULL AS known",
        {"id": vehicle_id, "type": kind, "at": at},
    )


def record_vehicle_event(vehicle_id: str, event: dict[str, Any], now: dt.datetime) -> Statement:
    """The entry (``type``, ``at``, ``mileage``, ``description``), a new vehicle version."""
    return (
        "MATCH (v:Vehicle {id: $id}) "
        "MERGE (v)-[:HAS_EVENT]->(e:VehicleEvent {type: $type, occurredAt: $at}) "
        "SET e.mileageKm = $mileage, e.description = $description, "
        "v.version = v.version + 1, v.updatedAt = $now",
        {"id": vehicle_id, **event, "now": now},
    )


def revisions_of(document_ids: list[str]) -> Statement:
    """Every revision of the documents' numbers."""
    return (
        "UNWIND $ids AS id MATCH (d:Document {id: id}) "
        "MATCH (o:Document {number: d.number}) "
        "RETURN DISTINCT d.number AS number, collect(DISTINCT [o.id, o.revision]) AS revisions",
        {"ids": document_ids},
    )


def unchain_revisions(numbers: list[str]) -> Statement:
    return (
        "UNWIND $numbers AS number MATCH (d:Document {number: number})-[r:REVISION_OF]->() "
        "DELETE r",
        {"numbers": numbers},
    )


def chain_revisions(links: list[dict[str, str]]) -> Statement:
    """Each newer revision (``newer``) to the one it replaces (``older``)."""
    return (
        "UNWIND $links AS l MATCH (n:Document {id: l.newer}) MATCH (o:Document {id: l.older}) "
        "CREATE (n)-[:REVISION_OF]->(o)",
        {"links": links},
    )
