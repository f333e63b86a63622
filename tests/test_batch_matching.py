"""hub match: duplicates that arrived without matching are found in batch, resumably."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.domain import deliveries, kinds, service
from hub.mastering.batch import BatchMatcher
from tests.harness import RunningHub, hub_command, ok
from tests.test_stewardship import person_values


def unmatched(hub: RunningHub, system: str, key: str, values: dict[str, Any]) -> str:
    """A partner written without matching on arrival (as an older hub version would have)."""
    data = {"source": {"system": system, "key": key}, "kind": "PERSON", **values}
    delivery, problems = deliveries.BUILDERS["BusinessPartner"](data, ())
    assert delivery is not None, problems
    (outcome,) = hub.run(
        service.upsert_batch(hub.store, kinds.BUSINESS_PARTNER, [delivery], matching=False)
    )
    assert outcome.id is not None
    return outcome.id


def golden_of(hub: RunningHub, system: str, key: str) -> str:
    found = ok(
        hub,
        "query($s: SourceRefInput!) { businessPartner(source: $s) { id } }",
        {"s": {"system": system, "key": key}},
    )
    return str(found["businessPartner"]["id"])


def test_batch_matching_merges_duplicates_and_a_second_run_changes_nothing(
    hub: RunningHub, unique: str
) -> None:
    values = person_values(unique, 1)
    first = unmatched(hub, "CRM", f"A-{unique}", values)
    second = unmatched(hub, "ERP", f"B-{unique}", values)
    assert first != second
    summary = hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
    assert summary.merged >= 1
    assert golden_of(hub, "CRM", f"A-{unique}") == golden_of(hub, "ERP", f"B-{unique}")
    again = hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
    assert again.merged == 0
    events = hub.run(
        hub.store.query(
            "MATCH (e:ChangeEvent {action: 'MERGED'}) WHERE e.entityId IN $ids "
            "RETURN e.by AS by, e.reason AS reason",
            {"ids": [first, second]},
        )
    )
    assert events[0]["by"] == "hub match"
    assert events[0]["reason"].startswith("score ")


def test_an_interrupted_batch_goes_on_from_its_checkpoint(hub: RunningHub, unique: str) -> None:
    hub.run(
        hub.store.query(
            "MERGE (r:MatchRun {name: 'batch'}) SET r.after = $after",
            {"after": "ffffffff"},  # as if every partner before this id was matched already
        )
    )
    summary = hub.run(BatchMatcher(hub.store).run(), timeout=300)
    assert summary.resumed_after == "ffffffff"
    assert summary.partners == 0
    left = hub.run(hub.store.query("MATCH (r:MatchRun) RETURN count(r) AS n"))
    assert left == [{"n": 0}]  # a finished run leaves no checkpoint


def test_hub_match_command_reports_what_it_did(tmp_path: Path) -> None:
    result = hub_command("match", env={"HUB_DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 partners matched" in result.stdout
    assert "0 merged, 0 queued for review" in result.stdout
