"""The statements upserts, business processes and stewards' decisions send, as text: a change to one shows in review as a change to
``tests/snapshots/write_statements.cypher`` (``SNAPSHOT_UPDATE=1`` writes it again).

Each statement is also parsed by Neo4j's own Cypher front end when `make test` runs (the
statements the suite sent); these snapshots are what the builders make for every kind."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hub.domain import process_writes, stewardship_writes, writes
from hub.domain.change_log import logs, new_batch
from hub.domain.kinds import KINDS
from hub.domain.stewardship import MOVING
from hub.domain.writes import Statement

SNAPSHOT = Path(__file__).parent / "snapshots" / "write_statements.cypher"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def built() -> Iterator[tuple[str, Statement]]:
    """Every statement the builders make, for every kind and its declarations."""
    for label, kind in sorted(KINDS.items()):
        yield f"{label}.read_existing", writes.read_existing(kind, [])
        yield f"{label}.origins", writes.origins(label, [], with_state=True)
        yield f"{label}.create_records", writes.create_records(kind, [], NOW, "", ("", {}))
        yield f"{label}.update_records", writes.update_records(kind, [], NOW, "", ("", {}))
        # The first statement of a batch opens the batch of the records' change events.
        logged = f", {logs('n', 'g.event')}"
        openings: list[tuple[str, dict[str, Any]]] = [
            ("batch", {"batch": {}}),
            ("held", {"batch": {}, "held": {}}),
        ]
        for name, params in openings:
            opening = (new_batch(params), params)
            yield (
                f"{label}.create_records.{name}",
                writes.create_records(kind, [], NOW, logged, opening),
            )
            yield (
                f"{label}.update_records.{name}",
                writes.update_records(kind, [], NOW, logged, opening),
            )
        yield f"{label}.origins.plain", writes.origins(label, [])
        yield f"{label}.new_sources", writes.new_sources(kind, [], NOW)
        yield f"{label}.known_sources", writes.known_sources(kind, [], NOW)
        for slot in kind.slots:
            yield f"{label}.{slot.name}.drop", writes.drop_slot(kind, slot, [])
            target = slot.label or "Vehicle"
            yield f"{label}.{slot.name}.link", writes.link_slot(kind, slot, target, [])
        for child in kind.children:
            if not child.keyed_by:
                yield f"{label}.{child.name}.drop", writes.drop_children(kind, child, [])
                yield f"{label}.{child.name}.make", writes.make_children(kind, child, [])
        for link in kind.links:
            yield f"{label}.{link.name}.drop", writes.drop_link(kind, link, [])
            yield f"{label}.{link.name}.make", writes.make_link(kind, link, [])
    yield "items.elsewhere", writes.items_elsewhere([])
    yield "items.drop_unlisted", writes.drop_unlisted_items([])
    yield "items.stored", writes.stored_items([])
    yield "items.create", writes.create_items([])
    yield "items.merge", writes.merge_items([])
    yield "items.cover_vehicles", writes.cover_vehicles([])
    yield "items.relink_issued", writes.relink_issued([])
    yield "partners.survivors", writes.survivors([])
    yield "process.fed_by", process_writes.fed_by("Contract", "", "")
    yield "process.state_of", process_writes.state_of("Contract", "")
    yield "process.lock_contract", process_writes.lock_contract("", NOW)
    yield "process.change_of_id", process_writes.change_of_id("", "")
    yield "process.record_change", process_writes.record_change("", {})
    yield "process.new_contract_version", process_writes.new_contract_version("", NOW)
    yield "process.issued_objects", process_writes.issued_objects("")
    yield "process.vehicle_event", process_writes.vehicle_event("", "SERVICE", NOW)
    entry = {"type": "SERVICE", "at": NOW, "mileage": None, "description": None}
    yield "process.record_vehicle_event", process_writes.record_vehicle_event("", entry, NOW)
    yield "process.revisions_of", process_writes.revisions_of([])
    yield "process.unchain_revisions", process_writes.unchain_revisions([])
    yield "process.chain_revisions", process_writes.chain_revisions([])
    audit = {"by": None, "onBehalfOf": None, "reason": None}
    steward = stewardship_writes
    yield "steward.candidate_status", steward.candidate_status("")
    yield "steward.candidate_pair", steward.candidate_pair("")
    yield "steward.reject_candidate", steward.reject_candidate("", NOW, audit)
    yield "steward.lock_partners", steward.lock_partners([], NOW)
    yield "steward.golden", steward.golden("")
    for rel, outgoing in MOVING:
        for only in (None, "m"):
            name = f"steward.move.{rel}.{'out' if outgoing else 'in'}.{'only' if only else 'all'}"
            yield name, steward.move(rel, outgoing, "", "", only)
    yield "steward.set_overrides", steward.set_overrides("", None)
    yield "steward.add_merged_from", steward.add_merged_from("", [])
    for n, statement in enumerate(steward.merge_one("", "", "", NOW, audit)):
        yield f"steward.merge_one.{n}", statement
    yield "steward.candidates_with", steward.candidates_with("")
    yield "steward.candidate_of_pair", steward.candidate_of_pair("")
    yield "steward.copy_decision", steward.copy_decision("", "")
    yield "steward.drop_candidate", steward.drop_candidate("")
    for side in ("LEFT", "RIGHT"):
        yield f"steward.repoint.{side}", steward.repoint_candidate("", side, "", "", "")
    yield "steward.source_of", steward.source_of("", "")
    yield "steward.revive", steward.revive("")
    yield "steward.drop_merged_from", steward.drop_merged_from("", "")
    yield "steward.split_source", steward.split_source("", "", "")
    yield "steward.never_again", steward.never_again("", "", "", "", NOW, audit)


def rendered() -> str:
    parts = []
    for name, (cypher, params) in built():
        text = " ".join(cypher.split())
        parts.append(f"// {name} ({', '.join(sorted(params))})\n{text}\n")
    return "\n".join(parts)


def test_the_write_statements_are_as_their_snapshot_says() -> None:
    now = rendered()
    if os.environ.get("SNAPSHOT_UPDATE") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(now, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == now, (
        "a write statement changed: review the difference, then run "
        "SNAPSHOT_UPDATE=1 pytest tests/test_write_statements.py"
    )


def test_every_statement_names_only_parameters_it_is_given() -> None:
    for name, (cypher, params) in built():
        used = set(re.findall(r"\$([A-Za-z_]\w*)", cypher))
        assert used <= set(params), (name, used - set(params))
