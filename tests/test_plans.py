"""The decisions of upserts, contract changes and merges, taken from what was read: pure
functions, tried here without a database (the HTTP tests run them end to end)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from hub.domain import stewardship_writes
from hub.domain.contract_changes import (
    ContractChange,
    objects_following,
    objects_handed_over,
    plan_change,
)
from hub.domain.kinds import KINDS
from hub.domain.merge_plans import plan_merge, repointed
from hub.domain.problems import Rejected
from hub.domain.references import Ref
from hub.domain.upsert import Delivery, Outcome, plan_batch

TODAY = dt.date(2026, 6, 1)
CONTRACT = {
    "status": "ACTIVE",
    "startDate": "2025-01-01",
    "endDate": "2028-12-31",
    "parties": [{"label": "BusinessPartner", "id": "old", "role": "LESSEE"}],
    "items": [
        {"uiid": "I-1", "endDate": "2028-12-31"},
        {"uiid": "I-2", "endDate": "2026-03-31"},
    ],
}


def _change(process: str, effective: str, **more: object) -> ContractChange:
    ref = Ref("Contract", ("input", "contract"), id="c")
    return ContractChange(ref, process, dt.date.fromisoformat(effective), **more)  # type: ignore[arg-type]


def test_a_termination_ends_the_contract_and_the_cards_valid_longer() -> None:
    change = _change("TERM", "2026-07-01")
    plan = plan_change(change, CONTRACT, None, None, TODAY)
    assert plan.state["status"] == "TERMINATED"
    assert plan.ends == ("2028-12-31", "2026-06-30")
    assert [i["endDate"] for i in plan.state["items"]] == ["2026-06-30", "2026-03-31"]
    issued = [
        ("long", {"validFrom": "2025-01-01", "validTo": "2028-12-31"}, 3),
        ("short", {"validFrom": "2025-01-01", "validTo": "2026-01-31"}, 1),
        ("later", {"validFrom": "2026-09-01", "validTo": "2028-12-31"}, 1),
    ]
    moved = {object_id: state for object_id, _, state, _ in objects_following(change, plan, issued)}
    assert moved["long"]["validTo"] == "2026-06-30"
    assert "short" not in moved
    assert moved["later"]["status"] == "BLOCKED"
    assert plan.record == {"process": "TERM", "effectiveDate": dt.date(2026, 7, 1)}


def test_a_change_of_one_item_moves_only_the_cards_of_that_item() -> None:
    change = _change("TERM", "2026-07-01", item="I-1")
    plan = plan_change(change, CONTRACT, None, None, TODAY)
    assert plan.state["status"] == "ACTIVE"
    issued = [
        ("of-1", {"itemUiid": "I-1", "validTo": "2028-12-31"}, 1),
        ("of-none", {"validTo": "2028-12-31"}, 1),
    ]
    assert [m[0] for m in objects_following(change, plan, issued)] == ["of-1"]
    assert plan.record["itemUiid"] == "I-1"


def test_a_change_of_lessee_hands_over_the_previous_lessees_cards_only() -> None:
    lessee = {"label": "BusinessPartner", "id": "new"}
    plan = plan_change(_change("LCOO", "2026-07-01"), CONTRACT, lessee, None, TODAY)
    assert plan.lessees_before == {"old"} and plan.moves_objects
    issued = [
        ("card", {"holder": {"label": "BusinessPartner", "id": "old"}}, 1),
        ("driver", {"holder": {"label": "BusinessPartner", "id": "driver"}}, 1),
    ]
    (moved,) = objects_handed_over(plan, lessee, issued)
    assert moved[0] == "card" and moved[2]["holder"]["id"] == "new"
    kept = plan_change(
        _change("LCOO", "2026-07-01", keep_card_holders=True), CONTRACT, lessee, None, TODAY
    )
    assert objects_handed_over(kept, lessee, issued) == [] and not kept.moves_objects


def test_an_impossible_change_is_refused_before_anything_is_written() -> None:
    terminated = {**CONTRACT, "status": "TERMINATED"}
    with pytest.raises(Rejected) as refused:
        plan_change(_change("BLEX", "2026-07-01"), terminated, None, None, TODAY)
    assert refused.value.problems[0].code == "INVALID_TRANSITION"


def _partner(hub_id: str, kind: str = "PERSON", **more: object) -> dict[str, object]:
    state = json.dumps({"kind": kind})
    return {"id": hub_id, "state": state, "mergedInto": None, "mergedFrom": None,
            "overrides": None, **more}  # fmt: skip


def test_a_person_and_an_organisation_are_never_merged() -> None:
    found = {"s": _partner("s"), "o": _partner("o", kind="ORGANIZATION")}
    with pytest.raises(Rejected) as refused:
        plan_merge("s", ["o"], found, {}, [])
    (problem,) = refused.value.problems
    assert problem.message == "an organisation and a person are never one partner"


def test_a_merge_reports_every_problem_at_once() -> None:
    found = {"s": _partner("s"), "gone": _partner("gone", mergedInto="x"), "nobody": None}
    with pytest.raises(Rejected) as refused:
        plan_merge("s", ["gone", "nobody", "s"], found, {}, [])
    assert [(p.path[-1], p.code) for p in refused.value.problems] == [
        ("0", "NOT_FOUND"),
        ("1", "NOT_FOUND"),
        ("2", "INVALID_VALUE"),
    ]


def test_a_merge_leads_earlier_merged_partners_to_the_survivor_and_keeps_overrides() -> None:
    found = {
        "s": _partner("s", overrides=json.dumps({"email": "a@example.org", "phone": "+491"})),
        "m": _partner("m", mergedFrom=["older"]),
    }
    plan = plan_merge("s", ["m"], found, {"phone": None, "name": "N"}, [])
    assert plan.merged_from == ("m", "older")
    assert plan.overrides == {"email": "a@example.org", "name": "N"}


def test_repointing_keeps_one_candidate_per_pair_and_a_rejection_wins() -> None:
    candidates = [
        {"id": "c-own", "other": "s", "status": "OPEN", "side": "LEFT"},
        {"id": "c-twin", "other": "x", "status": "REJECTED", "side": "LEFT"},
        {"id": "c-new", "other": "y", "status": "OPEN", "side": "RIGHT"},
    ]
    twins = {"s|x": {"id": "t"}, "s|y": None}
    assert repointed("m", "s", candidates, twins) == [
        # The survivor has a candidate with x already: it takes the rejection, and the
        # merged partner's own candidate with x goes.
        stewardship_writes.copy_decision("c-twin", "t"),
        stewardship_writes.drop_candidate("c-twin"),
        stewardship_writes.repoint_candidate("c-new", "RIGHT", "m", "s", "s|y"),
    ]
    open_twin = [{**candidates[1], "status": "OPEN"}]
    assert repointed("m", "s", open_twin, twins) == [stewardship_writes.drop_candidate("c-twin")]


def _found(**read: object) -> dict[str, object]:
    """What the upsert reads for one delivery: the records its keys found (none here)."""
    nothing = dict.fromkeys(
        ("sourceId", "keyId", "hash", "sourceState", "keyState", "deletedPayload")
    )
    flags = dict.fromkeys(("erased", "sourceDeleted", "keyDeleted"), False)
    versions = dict.fromkeys(("sourceVersion", "keyVersion"), 0)
    return {**nothing, **flags, **versions, **read}


def test_a_batch_plan_creates_once_per_natural_key_skips_repeats_and_reports_conflicts() -> None:
    kind = KINDS["Contract"]
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    values = [{"number": "C-1"}, {"number": "C-1"}, {"number": "C-2"}, {"number": "C-3"}]
    deliveries = [Delivery("ERP", f"K{i}", v) for i, v in enumerate(values)]
    repeated = deliveries[2]
    existing = {
        0: _found(),
        1: _found(),
        2: _found(sourceId="g-2", hash=repeated.digest, sourceState="{}"),
        3: _found(sourceId="g-3", keyId="g-other", sourceState="{}", keyState="{}"),
    }
    outcomes = [Outcome() for _ in values]
    rows = [(i, d, dict(v)) for i, (d, v) in enumerate(zip(deliveries, values, strict=True))]
    plans = plan_batch(kind, rows, existing, {}, outcomes, now)
    (created,) = plans.values()
    assert created.created and [d.key for d, *_ in created.sources] == ["K0", "K1"]
    assert outcomes[0].id == outcomes[1].id == created.id and outcomes[0].created
    assert outcomes[2].id == "g-2" and not outcomes[2].changed
    assert [(p.path, p.code) for p in outcomes[3].problems] == [(("input", "number"), "CONFLICT")]
